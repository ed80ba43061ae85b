"""The photo (analysis) stage alone: serial vs process pool, alternating runs, in one run.

The per-profile analysis (safe decode, pHash and mirrored pHash, text MinHash, contacts) over
the same imported profiles, with the serial runner and a 2-process pool taking turns (S P S P
...), so that a shared machine's load falls on both alike. Medians and their ratio; wall and
CPU seconds (CPU includes the pool's workers).

    python -m benchmarks.bench_photo_stage                    # quick: 1000 profiles, 2 rounds
    python -m benchmarks.bench_photo_stage --size 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

from benchmarks._util import load_note
from benchmarks.bench_scan import DEFAULT_DIR, _fresh_copy, _prepare


def _cpu() -> float:
    return sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )


def _analyse(base: Path, ws: Path, engine: str, workers: int) -> tuple[float, float, int]:
    from profilecheck.engine import _analyse_stage, make_runner
    from profilecheck.store import Store

    _fresh_copy(base, ws)
    with Store(ws) as store:
        runner = make_runner(engine, workers)
        try:
            c, t = _cpu(), time.perf_counter()
            done, _errors = _analyse_stage(store, runner, 500, None)
            wall = time.perf_counter() - t
        finally:
            runner.close()
        cpu = _cpu() - c
    shutil.rmtree(ws, ignore_errors=True)
    return wall, cpu, done


def main(quick: bool = True, argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_photo_stage")
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--engines", default="serial,process")
    args = ap.parse_args(argv if argv is not None else ([] if quick else sys.argv[1:]))
    print(load_note())
    base = _prepare(args.dir, args.size)
    runs: dict[str, list[tuple[float, float]]] = {e: [] for e in args.engines.split(",")}
    for _ in range(args.rounds):
        for engine in runs:
            wall, cpu, done = _analyse(base, args.dir / f"stage-{engine}", engine, args.workers)
            runs[engine].append((wall, cpu))
            print(f"  {engine:8s} {done} profiles: {wall:6.1f} s wall, {cpu:6.1f} s CPU; {load_note()}", flush=True)
    med = {e: statistics.median(w for w, _ in r) for e, r in runs.items()}
    for engine in med:
        if engine != "serial" and "serial" in med:
            print(
                f"photo stage over {args.size} profiles: serial median {med['serial']:.1f} s, "
                f"{engine} ({args.workers} workers) median {med[engine]:.1f} s -> "
                f"{med['serial'] / med[engine]:.2f}x (target >= 1.8x for the pool)"
            )
    if "dask" in med and "process" in med:
        print(f"dask / process time: {med['dask'] / med['process']:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main(quick=False)
