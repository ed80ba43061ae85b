"""check URL end to end: the loopback sample site, the fake GitHub API, everything stored, in seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from profilecheck.api import create_app
from profilecheck.check import check_target
from profilecheck.errors import BlockedError, FetchError
from profilecheck.sample_site import render_page, render_site, serve_site
from profilecheck.store import Store
from spiders.oneshot import GatherOptions
from tests.github_api import GitHubAPI
from tests.loopback import serve


def _applicant(sample_dir: Path, truth: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A new account made from a ring member's record (same photo and wallet), linking GitHub user octo."""
    member = next(p for p, r in sorted(truth.items()) if r["label"] == "fake" and r["shares_wallet"] == "1")
    for line in (sample_dir / "profiles.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if f"{rec.get('platform')}:{str(rec.get('handle')).lower()}" == member:
            break
    rec = {**rec, "handle": "fresh-applicant", "activity": {}}
    rec["links"] = [x for x in rec.get("links", []) if "github.com" not in x] + ["https://github.com/octo"]
    return rec


@pytest.fixture
def site(sample_dir: Path, truth: dict[str, dict[str, str]], tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(sample_dir, root)
    render_site(root)
    rec = _applicant(sample_dir, truth)
    page = root / "site" / rec["platform"] / "fresh-applicant.html"
    page.write_text(render_page(rec), encoding="utf-8")
    return root


def test_check_url_cli_end_to_end(site: Path, scanned_copy: Path) -> None:
    """The page, its headshot and its GitHub account are gathered; the new account is tied to its ring."""
    api = GitHubAPI()
    with serve_site(site) as base, serve(api) as gh:
        url = f"{base}/site/gigmarket/fresh-applicant.html"
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "profilecheck", "check", url, "-w", str(scanned_copy), "--json",
             "--allow-loopback", "--github-api", gh.base + "/api", "--github-web", gh.base + "/web"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        wall = time.perf_counter() - t0
    assert 0 == r.returncode, r.stderr[-2000:]
    out = json.loads(r.stdout)
    codes = {e["code"] for e in out["evidence"] if e["status"] == "hit"}
    assert "gigmarket:fresh-applicant" == out["profile_id"]
    assert {"SHARED_WALLET", "PHOTO_REUSED_ACROSS_PROFILES"} <= codes, codes
    assert out["label"] in ("likely_fake", "review")
    assert out["cluster"] is not None and out["cluster"]["size"] >= 3
    assert "/api/users/octo" in api.calls and any(c.endswith(".patch") for c in api.calls)
    with Store(scanned_copy) as store:
        p = store.get_profile("gigmarket:fresh-applicant")
        assert "octo" == p.activity.github_login and p.activity.repos and p.activity.commit_tz_offsets
        assert p.photos and p.photos[0].sha256 is not None
        assert p.provenance.source_url == url
    print(f"check URL wall time (CLI process, loaded machine): {wall:.2f}s")
    assert wall < 60


def test_check_url_library_and_problems(site: Path, tmp_path: Path) -> None:
    """Library path: a missing GitHub account is a recorded problem; robots.txt and empty pages refuse."""
    opts = GatherOptions(allow_loopback=True, github_api="http://127.0.0.1:9/api", github_web="http://127.0.0.1:9/web")
    (site / "site" / "gigmarket" / "empty.html").write_text("<html><body>nothing here</body></html>")
    with serve_site(site) as base, Store(tmp_path / "ws") as store:
        t0 = time.perf_counter()
        res = check_target(store, f"{base}/site/gigmarket/fresh-applicant.html", gather=opts)
        took = time.perf_counter() - t0
        assert any(x["item"] == "github:octo" and "not read" in x["reason"] for x in res.problems)
        with pytest.raises(FetchError, match=r"could not check the page \(no_person_data"):
            check_target(store, f"{base}/site/gigmarket/empty.html", gather=opts)
        with pytest.raises(FetchError, match=r"no such profile \(not_found"):
            check_target(store, f"{base}/site/gigmarket/nobody.html", gather=opts)
        (site / "robots.txt").write_text("User-agent: *\nDisallow: /site/\n")
        with pytest.raises(BlockedError, match=r"robots\.txt disallows"):
            check_target(store, f"{base}/site/gigmarket/fresh-applicant.html", gather=opts)
    print(f"check URL in-process (empty workspace, GitHub unreachable): {took:.2f}s")


def test_check_url_refuses_ssrf_target_in_one_line(tmp_path: Path) -> None:
    """From the CLI, an SSRF target is one line on stderr and exit 1."""
    r = subprocess.run(
        [sys.executable, "-m", "profilecheck", "check", "http://10.0.0.8/u/x", "-w", str(tmp_path / "ws")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 1 == r.returncode
    assert 1 == len(r.stderr.strip().splitlines()), r.stderr
    assert "address 10.0.0.8 is in a blocked range (private 10.0.0.0/8)" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"),
        ("http://[::ffff:127.0.0.1]:80/", "IPv4-mapped"),
        ("http://0x7f.1/", "loopback"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ],
)
def test_check_url_refuses_ssrf_targets(url: str, message: str, db: Store) -> None:
    """Metadata endpoints, mapped and encoded loopback forms and other schemes are refused by the guard."""
    with pytest.raises(BlockedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_target(db, url)


def test_check_url_loopback_needs_opt_in(tmp_path: Path) -> None:
    """Loopback is refused unless asked for, before any connection."""
    with serve(lambda h: (200, {}, b"<html></html>")) as srv, Store(tmp_path) as store:
        with pytest.raises(BlockedError, match="loopback"):
            check_target(store, srv.base + "/u/x")
        assert 0 == srv.accepts


def test_api_check_url(site: Path, tmp_path: Path) -> None:
    """POST /check/url is off by default; served with gathering on, it gathers and checks."""
    app = create_app(tmp_path / "ws")
    with serve_site(site) as base:
        url = f"{base}/site/gigmarket/fresh-applicant.html"
        client = TestClient(app)
        assert 403 == client.post("/check/url", json={"url": url}).status_code
        app.state.gather = GatherOptions(allow_loopback=True, follow_github=False)
        r = client.post("/check/url", json={"url": url})
        assert 200 == r.status_code, r.text
        assert "gigmarket:fresh-applicant" == r.json()["profile_id"]
        app.state.gather = GatherOptions(follow_github=False)
        r = client.post("/check/url", json={"url": url})
        assert 400 == r.status_code and "loopback" in r.json()["detail"]
