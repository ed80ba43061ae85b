"""The API under load: 20 concurrent clients on loopback against a real server (uvicorn, subprocess).

A short run (reads only) is part of ``make test``; ``pytest -m slow tests/test_load.py`` runs the two-minute
one and prints its figures (``python -m benchmarks.bench_api_load`` prints them too). Both ask for
zero errors; the long one also asks that the server's memory stays flat once warm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from profilecheck.store import Store
from tests._apiload import LoadReport, run_load
from tests._apiserver import running_api


def _inputs(ws: Path, sample_dir: Path) -> dict[str, Any]:
    with Store(ws) as store:
        profile_ids = store.profile_ids()
        cluster_ids = [c["id"] for c in store.clusters()]
    records = [json.loads(x) for x in (sample_dir / "profiles.jsonl").read_text().splitlines()[:40]]
    records = [{**r, "photos": [], "portfolio": []} for r in records if r.get("handle") != "broken-row"]
    assert profile_ids and cluster_ids and records
    return {"profile_ids": profile_ids, "cluster_ids": cluster_ids, "check_records": records}


def _load(ws: Path, sample_dir: Path, seconds: float, checkers: int) -> LoadReport:
    inputs = _inputs(ws, sample_dir)
    with running_api(ws) as srv:
        return run_load(
            srv.base, rss=srv.rss_kib, clients=20, seconds=seconds, warmup=bool(checkers), checkers=checkers, **inputs
        )


def test_load_smoke_20_clients(scanned_copy: Path, sample_dir: Path) -> None:
    """Twenty clients reading for 4 s: every request answered as expected, every kind of read made
    (checks, at about 3.5 s of CPU each, are in the two-minute run)."""
    rep = _load(scanned_copy, sample_dir, seconds=4, checkers=0)
    assert [] == rep.errors[:5]
    assert rep.requests >= 20, rep.summary()
    assert {"verdict", "clusters", "cluster"} <= {op for op, xs in rep.latencies.items() if xs}
    assert rep.rss_kib[-1][1] - rep.rss_kib[0][1] < 200 * 1024, rep.rss_kib


@pytest.mark.slow
def test_load_two_minutes_20_clients(scanned_copy: Path, sample_dir: Path) -> None:
    """Twenty clients for 120 s (19 reading, one checking profiles back to back): zero errors, and the
    server's RSS flat once warm (the second minute grows by less than 16 MiB)."""
    rep = _load(scanned_copy, sample_dir, seconds=120, checkers=1)
    print("\n".join(rep.lines()))
    print("RSS samples (s, KiB):", rep.rss_kib)
    assert [] == rep.errors[:5], len(rep.errors)
    assert all(rep.latencies[op] for op in ("verdict", "clusters", "cluster", "check"))
    mid = min(rep.rss_kib, key=lambda x: abs(x[0] - rep.seconds / 2))[1]
    assert max(k for t, k in rep.rss_kib if t >= rep.seconds / 2) - mid < 16 * 1024, rep.rss_kib
