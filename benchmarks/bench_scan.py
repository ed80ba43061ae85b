"""End-to-end scan throughput and peak memory, serial vs process pool vs Dask, in one run.

For each size: the scale sample is generated (once, cached in ``--dir``) and imported into a
base workspace (once); every timed run starts from a copy of the imported database (the media
folder is shared by a symlink) and scans it *from the store to the scores* in a fresh
subprocess, while a sampler records the peak RSS of that process and all its children (pool
or Dask workers). Medians of ``--repeats`` runs; ratios against the serial engine of the same
run. The machine's load average is printed, since the machine may be shared.

    python -m benchmarks.bench_scan                                # quick: 2000 profiles, 3 engines
    python -m benchmarks.bench_scan --sizes 10000 --repeats 3      # the 10^4 comparison
    python -m benchmarks.bench_scan --sizes 100000 --engines process --repeats 1
    python -m benchmarks.bench_scan --sizes 1000000 --engines process --repeats 1   # the long run

With ``--cold`` every run starts from a cold page cache: the copied store and the media are
flushed and dropped from it (``posix_fadvise``), so that sizes compare under the same cache
conditions. Without it a 10^5 store stays cached between runs (0.7 GB with its media before the
scan, a 1.0 GB database after) while most of a 10^6 one cannot (7.4 GB before, a 10.1 GB
database after), so the ratio of the two mixes the algorithm's growth with the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._util import PeakRSS, evict_from_page_cache, load_note

DEFAULT_DIR = Path("build/bench")


def _prepare(root: Path, size: int) -> Path:
    """The imported base workspace for ``size`` profiles (generated and imported if missing)."""
    from profilecheck.importers import import_file
    from profilecheck.sample_scale import write_scale_sample
    from profilecheck.store import Store

    sample, base = root / f"sample-{size}", root / f"ws-{size}"
    if not (sample / "truth.csv").exists():
        s = write_scale_sample(sample, size=size)
        print(f"  generated {s.profiles} profiles in {s.seconds:.1f} s ({s.per_second:.0f}/s) -> {sample}")
    if not (base / ".imported").exists():
        shutil.rmtree(base, ignore_errors=True)
        t = time.perf_counter()
        with Store(base) as store:
            rep = import_file(store, sample / "profiles.jsonl")
        dt = time.perf_counter() - t
        print(f"  imported {rep.imported} profiles in {dt:.1f} s ({rep.imported / dt:.0f}/s), not in the scan times")
        (base / ".imported").touch()
    return base


def _fresh_copy(base: Path, dst: Path, cold: bool = False) -> None:
    """Copy the imported store to ``dst`` (the media shared by a symlink); with ``cold``, drop
    the copy and the media from the page cache too, so that the run starts cold."""
    from profilecheck.store import DB_NAME

    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    shutil.copy2(base / DB_NAME, dst / DB_NAME)
    evict_from_page_cache(base / DB_NAME)  # the scan reads the copy, never the base
    (dst / "media").symlink_to((base / "media").resolve())
    if cold:
        gone = evict_from_page_cache(dst / DB_NAME, base / "media")
        print(f"  cold start: dropped {gone / 1e9:.1f} GB (store copy and media) from the page cache")


def _one(ws: str, engine: str, workers: int) -> None:
    """Child process: scan ``ws`` with ``engine``; print the stats and the peak RSS as JSON."""
    from profilecheck.engine import scan
    from profilecheck.sample import SAMPLE_NOW
    from profilecheck.store import Store

    with PeakRSS() as peak, Store(ws) as store:
        t = time.perf_counter()
        stats = scan(store, engine=engine, workers=workers, batch=500, now=SAMPLE_NOW)
        seconds = time.perf_counter() - t
    cpu = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    out = {**stats.to_dict(), "stage": stats.seconds, "seconds": seconds, "peak_mb": peak.peak_mb, "cpu": cpu}
    print("RESULT " + json.dumps(out), flush=True)


def _run(ws: Path, engine: str, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_scan", "--one", str(ws), engine, str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"scan failed ({engine}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1][7:])
    return result


def bench(sizes: list[int], engines: list[str], repeats: int, root: Path, workers: int, cold: bool = False) -> None:
    print(load_note())
    for size in sizes:
        print(f"size {size}:")
        base = _prepare(root, size)
        gone = evict_from_page_cache(root / f"sample-{size}")  # generated input: a scan never reads it
        print(f"  dropped the sample's {gone / 1e9:.1f} GB from the page cache (not read by a scan)")
        med: dict[str, dict[str, float]] = {}
        # Rounds alternate the engines (E1 E2 E3, E1 E2 E3 ...), so that a change in the machine's
        # load during the run falls on every engine alike.
        all_runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
        for _ in range(repeats):
            for engine in engines:
                ws = root / f"run-{size}-{engine}"
                _fresh_copy(base, ws, cold)
                r = _run(ws, engine, workers)
                all_runs[engine].append(r)
                st = r["stage"]
                print(
                    f"    {engine} run {len(all_runs[engine])}: {r['seconds']:.1f} s (analyse {st['analyse']:.1f}, "
                    f"match {st['match']:.1f}, score {st['score']:.1f}), CPU {r['cpu']:.0f} s, "
                    f"peak {r['peak_mb']:.0f} MB; {load_note()}",
                    flush=True,
                )
                shutil.rmtree(ws, ignore_errors=True)
        for engine in engines:
            runs = all_runs[engine]
            m = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "cpu": statistics.median(r["cpu"] for r in runs),
                **{k: statistics.median(r["stage"][k] for r in runs) for k in ("analyse", "match", "score")},
            }
            med[engine] = m
            labels = runs[-1]["per_label"]
            print(
                f"  {engine:8s} median {m['seconds']:7.1f} s of {len(runs)} ({size / m['seconds']:6.0f} profiles/s), "
                f"analyse {m['analyse']:.1f} s, match {m['match']:.1f} s, score {m['score']:.1f} s, "
                f"CPU {m['cpu']:.0f} s, peak {m['peak_mb']:.0f} MB; labels {labels}; {load_note()}"
            )
        if "serial" in med:
            s = med["serial"]
            for engine, m in med.items():
                if engine != "serial":
                    print(
                        f"  {engine} vs serial: {s['seconds'] / m['seconds']:.2f}x end to end, "
                        f"{s['analyse'] / m['analyse']:.2f}x photo/analyse stage, "
                        f"{s['score'] / m['score']:.2f}x scoring"
                    )
        if "dask" in med and "process" in med:
            print(f"  dask / process time: {med['dask']['seconds'] / med['process']['seconds']:.2f} (target <= 1.3)")


def main(quick: bool = True, argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_scan")
    ap.add_argument("--sizes", default="2000")
    ap.add_argument("--engines", default="serial,process,dask")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--one", nargs=3, metavar=("WS", "ENGINE", "WORKERS"))
    ap.add_argument(
        "--cold", action="store_true", help="drop the store copy and media from the page cache before each run"
    )
    args = ap.parse_args(argv if argv is not None else ([] if quick else sys.argv[1:]))
    if args.one:
        _one(args.one[0], args.one[1], int(args.one[2]))
        return
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    sizes = [int(s) for s in args.sizes.split(",")]
    bench(sizes, args.engines.split(","), args.repeats, args.dir, args.workers, cold=args.cold)


if __name__ == "__main__":
    main(quick=False)
