"""Distributed crawling: two crawler processes share one scrapy-redis scheduler and dupefilter.

A real ``redis-server`` is started on loopback (``.ci/run`` installs it); a loopback site of
40 pages that link to each other many times over is crawled by two OS processes at once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
    redis = pytest.importorskip("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/start":
            links = [0]
        elif self.path.startswith("/p/") and self.path[3:].isdigit() and int(self.path[3:]) < PAGES:
            i = int(self.path[3:])
            links = [(2 * i + 1) % PAGES, (2 * i + 2) % PAGES, i // 2, 0, (i + 7) % PAGES]
        else:
            self.send_error(404)
            return
        time.sleep(0.2)  # a slow site, so the second crawler has time to take work from the shared queue
        body = "".join(f'<a href="/p/{j}">page {j}</a> ' for j in links).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _crawlers(redis_url: str, workers: list[str], out: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return [
        subprocess.Popen([sys.executable, str(ROOT / "tests" / "_redis_crawl.py"), redis_url, w, str(out)], env=env)
        for w in workers
    ]


def _wait_ready(out: Path, workers: list[str], procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 120
    while not all((out / f"{w}.ready").exists() for w in workers):
        assert all(p.poll() is None for p in procs), "a crawler exited before it was ready"
        assert time.monotonic() < deadline, "crawlers not ready after 120 s"
        time.sleep(0.1)


def _fetched(out: Path, worker: str) -> list[str]:
    path = out / f"{worker}.jsonl"
    return [json.loads(line)["url"] for line in path.read_text().splitlines()] if path.exists() else []


def test_two_crawlers_share_one_queue_and_dupefilter(redis_url: str, site: str, tmp_path: Path) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    workers = ["a", "b"]
    procs = _crawlers(redis_url, workers, tmp_path)
    _wait_ready(tmp_path, workers, procs)
    client.lpush("loop:start_urls", json.dumps({"url": f"{site}/start"}))
    for p in procs:
        assert p.wait(120) == 0

    by_worker = {w: _fetched(tmp_path, w) for w in workers}
    fetched = [u for urls in by_worker.values() for u in urls]
    pages = {f"{site}/p/{i}" for i in range(PAGES)} | {f"{site}/start"}
    assert set(fetched) == pages  # the whole site ...
    assert len(fetched) == len(pages)  # ... each page fetched once, across both processes
    # How the pages split between the two depends on timing (an idle Scrapy engine polls the shared
    # queue on its 5 s heartbeat), so it is reported, not asserted.
    print("pages per crawler:", {w: len(u) for w, u in by_worker.items()})
    assert client.scard("loop:dupefilter") == PAGES  # one shared set of fingerprints (the seed is unfiltered)

    # The fingerprints persist: a new crawler given the same seed fetches only the seed.
    again = tmp_path / "again"
    again.mkdir()
    procs = _crawlers(redis_url, ["c"], again)
    _wait_ready(again, ["c"], procs)
    client.lpush("loop:start_urls", json.dumps({"url": f"{site}/start"}))
    assert procs[0].wait(120) == 0
    assert _fetched(again, "c") == [f"{site}/start"]
