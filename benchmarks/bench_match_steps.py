"""Where the scan's match and score stages spend their time, step by step, on an analysed store.

Run it on two sizes to see which step grows faster than the profiles::

    python -m benchmarks.bench_match_steps WORKSPACE [--copy-to DIR]

``WORKSPACE`` must hold a store the scan has analysed (e.g. a copy ``bench_scan`` made and
scanned). With ``--copy-to`` the store is copied first, so the original is left untouched.
The verdicts of the copy are deleted, so the score stage scores every profile again, and the
scan's driver-side steps (the indexes built from scratch, as in a first scan) are timed by
wrapping them (wall seconds, summed over calls); the analysis stage finds nothing to do.
Prints one JSON line per step and the stage totals.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            TIMES[name] += time.perf_counter() - t
            CALLS[name] += 1

    return wrapper


def _patch() -> None:
    import profilecheck.engine as eng
    import profilecheck.engine.matching as m
    import profilecheck.engine.photomatch as pm
    from profilecheck.index.minhash import LSHIndex
    from profilecheck.store import Store

    for mod, names in (
        (
            m,
            (
                "load_photo_hashes",
                "photo_pairs",
                "verified_photo_matches",
                "screening_matches",
                "_template_matches",
                "sync_text_index",
                "leader_pairs",
                "unique_rows",
                "jaccard_estimates",
                "_verify_pairs",
                "_bounded_edges",
                "_cluster_names",
                "shared_passage",
                "_add_by_rowid",
            ),
        ),
        (eng, ("compute_matches", "_clusters", "_clustered_ids", "build_clusters", "member_views")),
        (pm, ("_record_batches",)),
    ):
        for n in names:
            setattr(mod, n, _timed(n, getattr(mod, n)))
    LSHIndex.candidates = _timed("LSHIndex.candidates", LSHIndex.candidates)  # type: ignore[method-assign]
    for n in (
        "add_exact_matches",
        "add_matches",
        "reset_matches",
        "save_clusters",
        "iter_scan_matches",
        "save_verdict_rows",
        "label_counts",
        "rowids",
        "names_of",
    ):
        setattr(Store, n, _timed(f"Store.{n}", getattr(Store, n)))
    # Generators: time spent producing the batches the score stage reads.
    orig = Store.iter_scan_batches

    def iter_scan_batches(self: Store, batch: int) -> Any:
        it = orig(self, batch)
        while True:
            t = time.perf_counter()
            try:
                b = next(it)
            except StopIteration:
                TIMES["Store.iter_scan_batches"] += time.perf_counter() - t
                return
            TIMES["Store.iter_scan_batches"] += time.perf_counter() - t
            yield b

    Store.iter_scan_batches = iter_scan_batches  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_match_steps")
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--copy-to", type=Path)
    ap.add_argument("--engine", default="process")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    from profilecheck.store import DB_NAME

    ws: Path = args.workspace
    if args.copy_to:
        shutil.rmtree(args.copy_to, ignore_errors=True)
        args.copy_to.mkdir(parents=True)
        shutil.copy2(ws / DB_NAME, args.copy_to / DB_NAME)
        # The photo and template indexes are not copied: a first scan builds them, as timed here.
        (args.copy_to / "media").symlink_to((ws / "media").resolve())
        ws = args.copy_to
    _patch()
    from profilecheck.engine import scan
    from profilecheck.sample import SAMPLE_NOW
    from profilecheck.store import Store

    with Store(ws) as store:
        with store.transaction() as c:
            c.execute("DELETE FROM verdicts")
        t = time.perf_counter()
        stats = scan(store, engine=args.engine, workers=args.workers, batch=500, now=SAMPLE_NOW)
        total = time.perf_counter() - t
    for name in sorted(TIMES, key=lambda n: -TIMES[n]):
        print(json.dumps({"step": name, "seconds": round(TIMES[name], 3), "calls": CALLS.get(name)}))
    print(json.dumps({"total": round(total, 3), "stage": stats.seconds, "labels": stats.per_label}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
