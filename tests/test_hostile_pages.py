"""Hostile profile pages: a 50 MB page, a 10 MB JSON-LD block, deep nesting, bad encodings, entities.

Each page gets its documented outcome (a profile, or UNKNOWN with a typed reason), within a CPU
and memory bound, in the extractor and through a real crawl that goes on past them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from profilecheck.model import Profile
from profilecheck.store import Store
from spiders.pages import read_page
from tests._hostile_pages import hostile_pages
from tests.loopback import serve

ROOT = Path(__file__).resolve().parents[1]
CPU_BOUND_S = 2.0
PEAK_BOUND_MB = 256


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)  # pragma: no cover


def test_each_hostile_page_bounded_with_its_outcome() -> None:
    """Every page gives its expected outcome under 2 s of CPU and 256 MB of peak RSS growth, and the
    result is storable (JSON, UTF-8, and a record that validates or is refused as a whole)."""
    rows, bad = [], []
    for name, (body, ctype, expected, want) in hostile_pages(big=True).items():
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS (VmHWM) to the current RSS
        before = _status_kib("VmRSS")
        t0 = time.process_time()
        res = read_page(f"https://example.org/u/{name}", 200, body, headers={"content-type": ctype})
        cpu = time.process_time() - t0
        peak_mb = (_status_kib("VmHWM") - before) / 1024
        json.dumps(res.item(), ensure_ascii=False).encode("utf-8")  # no lone surrogate, nothing unserialisable
        got = (res.status, res.reason)
        rows.append((name, len(body), got, round(cpu, 3), round(peak_mb, 1)))
        if got != expected or cpu > CPU_BOUND_S or peak_mb > PEAK_BOUND_MB:
            bad.append(rows[-1])
        for key in ("name", "handle"):
            if key in want and (res.record or {}).get(key) != want[key]:
                bad.append((name, key, (res.record or {}).get(key)))
        if "problem" in want and not any(want["problem"] in p for p in res.problems):
            bad.append((name, "problems", res.problems))
        if res.status == "ok":
            assert res.record is not None
            Profile.model_validate({"platform": "example.org", **res.record})
    assert [] == bad, rows
    assert len(rows) >= 30


def test_crawl_goes_on_past_hostile_pages(tmp_path: Path) -> None:
    """A real crawl over every hostile page and two good ones: each page's result is recorded with its
    reason, the good profiles are stored, nothing is fetched from a page's DTD or entity URLs."""
    import subprocess

    pages: dict[str, tuple[bytes, str]] = {}

    def handler(h):  # type: ignore[no-untyped-def]
        if h.path == "/robots.txt":
            return 404, {}, b""
        body, ctype = pages.get(h.path, (b"not here", "text/plain"))
        return (200 if h.path in pages else 404), {"Content-Type": ctype}, body

    ws = tmp_path / "ws"
    with serve(handler) as srv:
        expected = {}
        for name, (body, ctype, outcome, _) in hostile_pages(big=True, dtd_url=f"{srv.base}/evil.dtd").items():
            pages[f"/u/{name}"] = (body, ctype)
            expected[f"/u/{name}"] = outcome
        for good in ("grace", "alan"):
            person = {"@context": "https://schema.org", "@type": "Person", "identifier": good, "name": good.title()}
            pages[f"/u/{good}"] = (
                f'<script type="application/ld+json">{json.dumps(person)}</script>'.encode(),
                "text/html",
            )
            expected[f"/u/{good}"] = ("ok", "person_found")
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{srv.base}{p}\n" for p in expected))
        r = subprocess.run(
            [sys.executable, "-m", "profilecheck", "crawl", "--from", str(urls), "-w", str(ws), "--allow-loopback",
             "--fast"],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        served = [p for p, _ in srv.requests]
    assert 0 == r.returncode, r.stderr[-3000:]
    assert "/evil.dtd" not in served
    with Store(ws) as store:
        got = {row["url"].removeprefix(srv.base): (row["status"], row["reason"]) for row in store.crawl_results()}
        assert expected == got
        ids = store.profile_ids()
        assert {"127.0.0.1:grace", "127.0.0.1:alan", "127.0.0.1:ada", "127.0.0.1:sur?rogate"} <= set(ids)
        assert "ok" == store.integrity_check()
        problems = [e["reason"] for e in store.profile_errors("127.0.0.1:deep")]  # the syntax that failed is on record
        assert any("json-ld: RecursionError" in p for p in problems), problems
