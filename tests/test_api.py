"""The REST API: schemathesis over its OpenAPI schema, and the main flows by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from profilecheck.api import create_app

APP = create_app(None)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case) -> None:  # type: ignore[no-untyped-def]
    """No request the schema allows makes the API fail with a 5xx."""
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(checks=[not_a_server_error])


def test_check_read_cluster_decide(scanned_copy: Path, sample_dir: Path) -> None:
    """Check a ring member's twin, read its verdict and cluster, record a decision."""
    client = TestClient(create_app(scanned_copy))
    assert 200 == client.get("/openapi.json").status_code
    rings = client.get("/clusters", params={"rings_only": True}).json()
    assert rings and all(c["is_ring"] for c in rings)
    member = rings[0]["members"][0]
    v = client.get(f"/profiles/{member}").json()
    assert "likely_fake" == v["label"] and v["cluster"]["id"] == rings[0]["id"]
    rec = json.loads(
        next(line for line in (sample_dir / "profiles.jsonl").read_text().splitlines() if member.split(":")[1] in line)
    )
    rec.update(handle="copycat-check", name="Someone Else", photos=[])
    r = client.post("/check", json=rec)
    assert 200 == r.status_code, r.text
    assert r.json()["label"] in ("likely_fake", "review")
    assert (
        422
        == client.post(
            f"/profiles/{member}/decisions", json={"decision": "fake", "reason": " ", "reviewer": "a"}
        ).status_code
    )
    r = client.post(f"/profiles/{member}/decisions", json={"decision": "fake", "reason": "ring", "reviewer": "ann"})
    assert 201 == r.status_code
    assert ["ring"] == [d["reason"] for d in client.get(f"/profiles/{member}/decisions").json()]


def test_token_required_for_writes_when_set(tmp_path: Path) -> None:
    """With a token, writes need it and reads do not."""
    client = TestClient(create_app(tmp_path, token="s3cret-token-0123456789"))
    body = {"platform": "x", "handle": "y"}
    assert 401 == client.post("/check", json=body).status_code
    assert (
        200 == client.post("/check", json=body, headers={"Authorization": "Bearer s3cret-token-0123456789"}).status_code
    )
    assert 200 == client.get("/profiles/x:y").status_code


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])
def test_serve_refuses_public_bind_without_token(host: str, tmp_path: Path) -> None:
    """`serve --host` beyond loopback without a token is a one-line error."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "profilecheck", "serve", "--host", host, "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert 1 == r.returncode and "PROFILECHECK_API_TOKEN" in r.stderr
