"""API hardening: body cap while streaming (413), loopback by default, bearer token for writes when exposed."""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from profilecheck.api import create_app
from profilecheck.apilimits import read_token, token_matches
from profilecheck.errors import InputError
from tests._apiserver import ROOT, listen_addresses, running_api

TOKEN = "t0ken-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _profile_body(pad: int = 0) -> dict[str, object]:
    return {"platform": "x", "handle": "cap", "name": "Cap Test", "bio": "b" * pad}


def test_declared_length_over_cap_is_413_before_reading(tmp_path: Path) -> None:
    """A Content-Length over the cap is refused with 413 and a message naming the cap; under it passes."""
    client = TestClient(create_app(tmp_path, max_body=4000))
    assert 200 == client.post("/check", json=_profile_body(3000)).status_code
    r = client.post("/check", json=_profile_body(5000))
    assert 413 == r.status_code
    assert "4000-byte cap" in r.json()["detail"] and "too large" in r.json()["detail"]
    assert 1 == len(_stored_ids(tmp_path))  # the refused one was never stored


def _stored_ids(ws: Path) -> list[str]:
    from profilecheck.store import Store

    with Store(ws) as s:
        return list(s.profile_ids())


def test_chunked_body_over_cap_is_cut_off_in_process(tmp_path: Path) -> None:
    """A chunked body (no Content-Length) is counted as it arrives and refused past the cap."""
    client = TestClient(create_app(tmp_path, max_body=10_000))
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            sent.append(1)
            yield b" " * 1000
        yield json.dumps(_profile_body()).encode()

    r = client.post("/check", content=chunks(), headers={"Content-Type": "application/json"})
    assert 413 == r.status_code and "10000-byte cap" in r.json()["detail"]
    small = client.post(
        "/check", content=iter([json.dumps(_profile_body()).encode()]), headers={"Content-Type": "application/json"}
    )
    assert 200 == small.status_code, small.text
    form = client.post(
        "/report/decisions",
        content=iter([b"profile_id=x%3Acap&decision=fake&reviewer=a&reason=" + b"r" * 20_000]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert 413 == form.status_code


def test_real_server_answers_413_while_the_body_still_streams(tmp_path: Path) -> None:
    """Over a real socket, `serve --max-body` answers 413 long before a 64 MB chunked body has been sent."""
    with running_api(tmp_path / "ws", "--max-body", "100000") as srv:
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        sock.sendall(
            b"POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        sent, total, answer = 0, 64 * 1024 * 1024, b""
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 65536
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server answered and closed while we were still sending: its answer is still ours to read
        try:
            deadline = time.monotonic() + 10
            while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
                part = sock.recv(65536)
                if not part:
                    break
                answer += part
        except ConnectionResetError:
            pass
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), (sent, answer[:200])
        assert sent < 16 * 1024 * 1024, sent  # socket buffers aside, the server stopped reading at the cap
        assert 200 == httpx.get(f"{srv.base}/health").status_code  # and it is still serving


def test_serve_binds_loopback_by_default_and_token_file_guards_writes(tmp_path: Path) -> None:
    """`serve` without --host listens on 127.0.0.1 only; with --token-file writes need the bearer token."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with running_api(tmp_path / "ws", "--token-file", str(token_file)) as srv:
        assert ["0100007F"] == listen_addresses(srv.port)  # 127.0.0.1, little-endian hex; nothing on 0.0.0.0 or ::
        body = _profile_body()
        assert 401 == httpx.post(f"{srv.base}/check", json=body).status_code
        r = httpx.post(f"{srv.base}/check", json=body, headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert 401 == r.status_code and "Bearer" == r.headers["www-authenticate"]
        assert 200 == httpx.post(f"{srv.base}/check", json=body, headers=AUTH).status_code
        decision = {"decision": "fake", "reason": "test", "reviewer": "ann"}
        assert 401 == httpx.post(f"{srv.base}/profiles/x:cap/decisions", json=decision).status_code
        assert 201 == httpx.post(f"{srv.base}/profiles/x:cap/decisions", json=decision, headers=AUTH).status_code
        assert 200 == httpx.get(f"{srv.base}/profiles/x:cap").status_code  # reads stay open


def test_exposed_serve_needs_a_token_and_a_long_one(tmp_path: Path) -> None:
    """Beyond loopback `serve` refuses to start without a token, and any token shorter than 16 characters."""
    short = tmp_path / "short"
    short.write_text("abc\n")
    cases = [  # (test_api.py covers 0.0.0.0 and 192.0.2.10 without any token; read_token's cases are below)
        (["--host", "::"], {}, "PROFILECHECK_API_TOKEN"),
        (["--host", "0.0.0.0", "--token-file", str(short)], {}, "16 characters"),
    ]
    for args, env, says in cases:
        r = subprocess.run(
            [sys.executable, "-m", "profilecheck", "serve", "-w", str(tmp_path / "ws"), *args],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
        )  # fmt: skip
        assert 1 == r.returncode and says in r.stderr, (args, r.stderr)
        assert 1 == len(r.stderr.strip().splitlines()), r.stderr  # one line, no traceback


def test_token_reading_and_matching(tmp_path: Path) -> None:
    """The file wins over the variable; the scheme is checked; the comparison is exact."""
    f = tmp_path / "tok"
    f.write_text(f"  {TOKEN}\n")
    env = {"PROFILECHECK_API_TOKEN": "another-token-0123456789"}
    assert TOKEN == read_token(f, environ=env)
    assert TOKEN == read_token(environ={**env, "PROFILECHECK_API_TOKEN_FILE": str(f)})
    assert "another-token-0123456789" == read_token(environ=env)
    f.write_text("")
    with pytest.raises(InputError):
        read_token(f, environ={})
    with pytest.raises(InputError, match="cannot read"):
        read_token(tmp_path / "absent", environ={})
    with pytest.raises(InputError, match="16 characters"):
        read_token(environ={"PROFILECHECK_API_TOKEN": "short"})
    assert token_matches(TOKEN, f"Bearer {TOKEN}") and token_matches(TOKEN, f"bearer  {TOKEN} ")
    for bad in (None, "", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer \udcff"):
        assert not token_matches(TOKEN, bad), bad


def test_report_form_needs_the_token_when_set(tmp_path: Path) -> None:
    """The report's decision form is a write too: without the token field it is a 401."""
    client = TestClient(create_app(tmp_path, token=TOKEN), follow_redirects=False)
    assert 200 == client.post("/check", json=_profile_body(), headers=AUTH).status_code
    form = {"profile_id": "x:cap", "decision": "fake", "reason": "r", "reviewer": "a"}
    assert 401 == client.post("/report/decisions", data=form).status_code
    assert 401 == client.post("/report/decisions", data={**form, "token": "nope"}).status_code
    assert 303 == client.post("/report/decisions", data={**form, "token": TOKEN}).status_code
