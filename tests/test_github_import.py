"""The GitHub importer against a loopback server in the API's shapes: data, ETags, rate limits, token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from profilecheck.store import Store
from tests.github_api import GitHubAPI
from tests.loopback import serve

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ghp_test_token_that_must_never_leak_0123456789"


def import_github(ws: Path, base: str, *logins: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_TOKEN": TOKEN, "PROFILECHECK_API_FAST": "1"}
    return subprocess.run(
        [sys.executable, "-m", "profilecheck", "import", "github", *logins, "-w", str(ws),
         "--api-url", f"{base}/api", "--web-url", f"{base}/web", "--allow-loopback"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=env,
    )  # fmt: skip


def test_github_user_repos_and_commit_offsets(tmp_path: Path) -> None:
    """User, repos (own vs forks, dates, languages, stars), own commits' offsets; ETags; token kept out of sight."""
    api = GitHubAPI()
    ws = tmp_path / "ws"
    with serve(api) as srv:
        r = import_github(ws, srv.base, "octo", "ghost")
        first_calls = len(api.calls)
        r2 = import_github(ws, srv.base, "octo")
        second_calls = len(api.calls) - first_calls
        # A primary rate limit (403, remaining 0, reset in an hour) is not waited out: UNKNOWN.
        r3 = import_github(ws, srv.base, "limited")
    assert 0 == r.returncode, r.stderr[-3000:]
    assert 0 == r2.returncode, r2.stderr[-3000:]
    assert 0 == r3.returncode, r3.stderr[-3000:]
    with Store(ws) as store:
        assert ["github:octo"] == store.profile_ids()
        p = store.get_profile("github:octo")
        results = {row["url"].rsplit("/", 1)[-1]: (row["status"], row["reason"]) for row in store.crawl_results()}
    files = [f for f in ws.rglob("*") if f.is_file()]
    assert ("Octo Cat", "Seoul, South Korea", "I write Go and Rust.") == (p.name, p.location, p.bio)
    assert ["https://octo.example", "https://twitter.com/octo_cat"] == p.links
    a = p.activity
    assert ("octo", 3, 12, 3) == (a.github_login, a.public_repos, a.followers, a.following)
    assert a.github_created_at is not None and 2015 == a.github_created_at.year
    repos = {x.name: x for x in a.repos}
    assert {"tool": False, "lib": False, "linux": True} == {k: v.fork for k, v in repos.items()}
    assert ("Go", 41, 2016) == (repos["tool"].language, repos["tool"].stars, repos["tool"].created_at.year)
    # Own commits only (the foreign -0800 commit is skipped), offsets from the .patch Date headers.
    assert [540, 540, 180] == a.commit_tz_offsets
    assert p.photos[0].sha256 is not None  # the avatar, through the safe fetcher, by content hash
    assert {
        "octo": ("ok", "person_found"),
        "ghost": ("missing", "not_found"),
        "limited": ("unknown", "rate_limited"),
    } == results
    assert "UNKNOWN" in r3.stderr and "rate_limited" in r3.stderr
    # Conditional requests: the second run got 304s for everything it had seen, and the same data.
    assert 4 == api.not_modified  # user, repos, two commit lists (the .patch files carry no ETag)
    assert "unchanged since last time (ETag)" in r2.stdout
    assert second_calls <= 9  # robots.txt, 4 conditional API calls, 3 patches, the avatar
    # The token went to the API (and only there) and nowhere else.
    assert {f"Bearer {TOKEN}"} == set(api.auth_seen)
    assert {None} == set(api.patch_auth_seen)
    assert TOKEN not in r.stdout + r.stderr + r2.stdout + r2.stderr + r3.stdout + r3.stderr
    assert not [f for f in files if TOKEN.encode() in f.read_bytes()]


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    """A 429 with Retry-After: 1 is waited out and retried, then the user is imported."""
    api = GitHubAPI()
    with serve(api) as srv:
        t0 = time.monotonic()
        r = import_github(tmp_path / "ws", srv.base, "slow")
        took = time.monotonic() - t0
    assert 0 == r.returncode, r.stderr[-3000:]
    assert 2 == api.slow_calls
    assert took >= 1.0
    with Store(tmp_path / "ws") as store:
        assert ["github:slow"] == store.profile_ids()
