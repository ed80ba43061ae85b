"""The real `profile` crawl with a JOBDIR, SIGKILLed at seeded random points and resumed: no page lost, none twice.

Each run is ``scrapy crawl profile`` against a loopback site. It is killed either once the store
holds more than a random number of results (mid-crawl: requests in flight, items in the
pipeline) or at a random delay after start (start-up, migrations, opening the JOBDIR). After
every kill the database passes ``PRAGMA integrity_check``; the final run completes and every
page has exactly one result and its profile, and no page was fetched more often than the kills
can explain (only requests in flight at a kill are fetched again).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from profilecheck.store import DB_NAME, Store
from tests.loopback import serve

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 4


def _results(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM crawl_results").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _page(k: int) -> bytes:
    person = {"@context": "https://schema.org", "@type": "Person", "identifier": f"user{k}", "name": f"User {k}"}
    return f'<html><script type="application/ld+json">{json.dumps(person)}</script></html>'.encode()


def _check_whole(ws: Path, n_urls: int) -> None:
    """After any kill: the database is intact, each result names one stored profile."""
    with Store(ws) as store:
        assert "ok" == store.integrity_check()
        rows = store.crawl_results()
        assert len(rows) <= n_urls
        assert all(r["status"] == "ok" for r in rows), [r for r in rows if r["status"] != "ok"][:3]
        ids = set(store.profile_ids())
        assert {r["profile_id"] for r in rows} <= ids


def _kill_and_resume(tmp_path: Path, n_urls: int, n_kills: int, seed: int) -> list[tuple[str, float, int, bool]]:
    fetched: dict[str, int] = {}
    lock = threading.Lock()

    def handler(h):  # type: ignore[no-untyped-def]
        if h.path == "/robots.txt":
            return 404, {}, b""
        time.sleep(0.01)  # a little latency, so that requests are in flight when the kill comes
        with lock:
            fetched[h.path] = fetched.get(h.path, 0) + 1
        return 200, {"Content-Type": "text/html"}, _page(int(h.path.rsplit("/", 1)[-1]))

    ws, jobdir = tmp_path / "ws", tmp_path / "job"
    db = ws / DB_NAME
    rng = random.Random(seed)
    plan = ["progress"] * (n_kills - n_kills // 4)
    for _ in range(n_kills // 4):
        plan.insert(rng.randrange(len(plan) + 1), "delay")
    log = []
    with serve(handler) as srv:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{srv.base}/u/{i}\n" for i in range(n_urls)))
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", "profile", "-a", f"from_file={urls}",
            "-s", f"PROFILECHECK_WORKSPACE={ws}", "-s", "PROFILECHECK_ALLOW_LOOPBACK=True",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "TELNETCONSOLE_ENABLED=False",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", f"JOBDIR={jobdir}", "-s", "LOG_LEVEL=ERROR",
        ]  # fmt: skip
        rounds_fetched = 0  # fetches in earlier rounds (a round ends when a run completes and is wiped)
        for kind in plan:
            if _results(db) >= n_urls:  # the crawl completed: check it, then start over with an empty store
                _check_final(ws, n_urls, fetched, len([x for x in log if not x[3]]), rounds_fetched)
                rounds_fetched = sum(fetched.values())
                with Store(ws) as store:
                    store.conn.execute("DELETE FROM crawl_results")
                    store.conn.execute("DELETE FROM profiles")
                for f in sorted(jobdir.rglob("*"), reverse=True):
                    f.unlink() if f.is_file() else f.rmdir()
                fetched.clear()
                rounds_fetched = 0
            done = _results(db)
            if done + 1 > n_urls - 1:  # too close to the end for a progress threshold: kill by time instead
                kind = "delay"
            at = rng.uniform(0.05, 1.5) if kind == "delay" else rng.randint(done + 1, n_urls - 1)
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started = time.monotonic()
            while proc.poll() is None:
                if kind == "delay" and time.monotonic() - started >= at:
                    break
                if kind == "progress" and _results(db) >= at:
                    break
                assert time.monotonic() - started < 120
                time.sleep(0.003)
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            _check_whole(ws, n_urls)
            log.append((kind, round(at, 3), _results(db), finished))
        last = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert 0 == last.returncode, last.stderr[-3000:]
        _check_final(ws, n_urls, fetched, len([x for x in log if not x[3]]), 0)
    return log


def _check_final(ws: Path, n_urls: int, fetched: dict[str, int], kills: int, _: int) -> None:
    """A completed crawl: every page once in the store, every page fetched, re-fetches bounded by the kills."""
    _check_whole(ws, n_urls)
    with Store(ws) as store:
        rows = store.crawl_results()
        assert n_urls == len(rows) == len({r["url"] for r in rows}) == store.count_profiles()
        assert sorted(f"127.0.0.1:user{i}" for i in range(n_urls)) == sorted(store.profile_ids())
    assert sorted(f"/u/{i}" for i in range(n_urls)) == sorted(fetched)  # none lost
    extra = sum(fetched.values()) - n_urls
    assert extra <= kills * 2 * CONCURRENCY, (extra, kills)  # only what was in flight (or in the pipeline) again


def test_crawl_sigkill_at_5_points_then_resume(tmp_path: Path) -> None:
    """Five seeded kills of the real crawl (the 20-kill run is behind the slow marker)."""
    log = _kill_and_resume(tmp_path, n_urls=60, n_kills=5, seed=8)
    assert sum(1 for x in log if not x[3]) >= 4, log


@pytest.mark.slow
def test_crawl_sigkill_at_20_points_then_resume(tmp_path: Path) -> None:
    """Twenty seeded kills (15 by progress, 5 by delay) of a 400-page crawl, resumed after each."""
    log = _kill_and_resume(tmp_path, n_urls=400, n_kills=20, seed=20261122)
    print("kills:", log)
    assert sum(1 for x in log if not x[3]) >= 16, log
