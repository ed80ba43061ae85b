"""The REST API under load: 20 concurrent clients on loopback against ``profilecheck serve`` (uvicorn).

``python -m benchmarks.bench_api_load [--seconds 120] [--clients 20]`` builds the sample
workspace (import + scan), starts the server in a subprocess on a free loopback port, and runs,
in the same run, the baseline (one client reading, alone) and then the load (N clients: one
checking profiles back to back, the others reading verdicts and clusters). It prints requests,
errors, throughput, p50/p99 latency per operation, the server's RSS at start and end, the ratios
against the baseline, and the machine's load average. ``make bench`` runs a 20-second version.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._util import load_note
from profilecheck.engine import scan
from profilecheck.importers import import_file
from profilecheck.sample import write_sample
from profilecheck.store import Store
from tests._apiload import LoadReport, run_load
from tests._apiserver import running_api


def _workspace(root: Path) -> tuple[Path, dict[str, Any]]:
    sample = root / "sample"
    write_sample(sample)
    ws = root / "ws"
    with Store(ws) as store:
        import_file(store, sample / "profiles.jsonl")
        scan(store)
        inputs: dict[str, Any] = {
            "profile_ids": store.profile_ids(),
            "cluster_ids": [c["id"] for c in store.clusters()],
        }
    records = [json.loads(x) for x in (sample / "profiles.jsonl").read_text().splitlines()[:40]]
    inputs["check_records"] = [{**r, "photos": [], "portfolio": []} for r in records if r.get("handle") != "broken-row"]
    return ws, inputs


def measure(seconds: float, clients: int) -> tuple[LoadReport, LoadReport]:
    """Baseline (one client reading) and load (``clients`` clients, one of them checking)."""
    with tempfile.TemporaryDirectory(prefix="pc-bench-load-") as tmp:
        ws, inputs = _workspace(Path(tmp))
        with running_api(ws) as srv:
            base = run_load(
                srv.base,
                rss=srv.rss_kib,
                clients=1,
                seconds=min(20.0, seconds),
                checkers=0,
                **inputs,
            )
            load = run_load(
                srv.base,
                rss=srv.rss_kib,
                clients=clients,
                seconds=seconds,
                warmup=True,
                checkers=1,
                **inputs,
            )
    return base, load


def main(quick: bool = False, seconds: float | None = None, clients: int = 20) -> None:
    secs = seconds if seconds is not None else (20.0 if quick else 120.0)
    print(f"API load: {clients} clients for {secs:.0f} s; {load_note()}", flush=True)
    base, load = measure(secs, clients)
    print("baseline, one client reading alone:")
    print("\n".join("  " + x for x in base.lines()))
    print("load:")
    print("\n".join("  " + x for x in load.lines()))
    b, s = base.summary(), load.summary()
    reads = [x for op in ("verdict", "clusters", "cluster") for x in load.latencies.get(op, [])]
    print(
        f"reads under load: p50 {LoadReport.pct(reads, 50):.1f} ms, p99 {LoadReport.pct(reads, 99):.1f} ms; "
        f"throughput {s['throughput_rps']} vs {b['throughput_rps']} req/s alone "
        f"({s['throughput_rps'] / b['throughput_rps']:.2f}x); p50 {s['p50_ms'] / b['p50_ms']:.1f}x the lone client's"
    )
    print(f"server RSS samples (s, KiB): {load.rss_kib}")
    print(f"after: {load_note()}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--clients", type=int, default=20)
    a = ap.parse_args()
    main(seconds=a.seconds, clients=a.clients)
