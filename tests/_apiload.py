"""A load run against a live API: N client threads on loopback for a fixed time (tests and benchmarks).

Each client is a thread with its own keep-alive ``httpx.Client``. The first ``checkers`` clients
check profiles back to back (``POST /check``: a sample profile under one of a bounded set of
handles, so the store stops growing once each handle has been checked); the others loop over a
mix of reads: a verdict (``GET /profiles/{id}``), the cluster list (``GET /clusters``), one
cluster (``GET /clusters/{id}``). A check stores the profile and brings the scan up to date,
which recomputes every match of the store (about 3.5 s of CPU on the 277-profile sample), so
checks run one at a time per workspace; a closed loop of 20 clients that all check would only
measure that queue. Every answer that is not the expected status, and every exception or
timeout, is an error. The server's RSS is read from ``/proc`` at the start, every few seconds,
and at the end.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

READS = (("verdict", 0.55), ("clusters", 0.3), ("cluster", 0.15))


@dataclass
class LoadReport:
    clients: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rss_kib: list[tuple[float, int]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @staticmethod
    def pct(xs: list[float], q: float) -> float:
        """The q-th percentile (nearest rank) in milliseconds."""
        if not xs:
            return float("nan")
        s = sorted(xs)
        return 1000 * s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))]

    def all_latencies(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]

    def summary(self) -> dict[str, Any]:
        allx = self.all_latencies()
        out: dict[str, Any] = {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "errors": len(self.errors),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.pct(allx, 50), 1),
            "p99_ms": round(self.pct(allx, 99), 1),
            "rss_start_mib": round(self.rss_kib[0][1] / 1024, 1) if self.rss_kib else None,
            "rss_end_mib": round(self.rss_kib[-1][1] / 1024, 1) if self.rss_kib else None,
        }
        for op, xs in sorted(self.latencies.items()):
            out[f"{op}_n"] = len(xs)
            out[f"{op}_p50_ms"] = round(self.pct(xs, 50), 1)
            out[f"{op}_p99_ms"] = round(self.pct(xs, 99), 1)
        return out

    def lines(self) -> list[str]:
        s = self.summary()
        rows = [
            f"{s['clients']} clients, {s['seconds']} s: {s['requests']} requests, {s['errors']} errors, "
            f"{s['throughput_rps']} req/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
            f"server RSS {s['rss_start_mib']} -> {s['rss_end_mib']} MiB"
        ]
        for op in sorted(self.latencies):
            rows.append(f"  {op:<9} n={s[op + '_n']:<6} p50 {s[op + '_p50_ms']} ms  p99 {s[op + '_p99_ms']} ms")
        return rows


def run_load(
    base: str,
    *,
    profile_ids: list[str],
    cluster_ids: list[str],
    check_records: list[dict[str, Any]],
    rss: Callable[[], int],
    clients: int = 20,
    seconds: float = 120.0,
    seed: int = 0,
    handles: int = 20,
    warmup: float = 0.0,
    checkers: int = 1,
    mix: tuple[tuple[str, float], ...] = READS,
) -> LoadReport:
    """Run ``clients`` threads against ``base`` for ``seconds``; return latencies, errors and RSS samples."""
    report = LoadReport(clients, seconds)
    lock = threading.Lock()
    ops = [name for name, _ in mix]
    weights = [w for _, w in mix]
    if warmup and checkers:  # touch every path once so that lazy imports and caches are not counted as growth
        with httpx.Client(base_url=base, timeout=60) as c:
            c.get("/clusters")
            c.post("/check", json={**check_records[0], "handle": "loadtest-0"})
    start_at = time.monotonic()
    stop_at = start_at + seconds
    report.rss_kib.append((0.0, rss()))

    def client(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        lat: dict[str, list[float]] = {op: [] for op in [*ops, "check"]}
        errs: list[str] = []
        with httpx.Client(base_url=base, timeout=300) as c:
            while time.monotonic() < stop_at:
                op = "check" if k < checkers else rng.choices(ops, weights)[0]
                t0 = time.perf_counter()
                try:
                    if op == "verdict":
                        r, want = c.get(f"/profiles/{rng.choice(profile_ids)}"), 200
                    elif op == "clusters":
                        r, want = c.get("/clusters", params={"rings_only": rng.random() < 0.5, "limit": 50}), 200
                    elif op == "cluster":
                        r, want = c.get(f"/clusters/{rng.choice(cluster_ids)}"), 200
                    else:
                        rec = {**rng.choice(check_records), "handle": f"loadtest-{rng.randrange(handles)}"}
                        r, want = c.post("/check", json=rec), 200
                    took = time.perf_counter() - t0
                    if r.status_code != want:
                        errs.append(f"{op}: HTTP {r.status_code} {r.text[:200]}")
                    else:
                        lat[op].append(took)
                except httpx.HTTPError as exc:
                    errs.append(f"{op}: {type(exc).__name__}: {exc}")
        with lock:
            for op, xs in lat.items():
                if xs or op in ops:
                    report.latencies.setdefault(op, []).extend(xs)
            report.errors.extend(errs)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(min(5.0, max(1.0, stop_at - time.monotonic())))
        report.rss_kib.append((round(time.monotonic() - start_at, 1), rss()))
    for t in threads:
        t.join()
    report.seconds = time.monotonic() - start_at
    return report
