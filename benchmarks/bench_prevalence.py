"""Coverage of the prevalence intervals on the bundled sample, with simulated labels.

For each seed: draw a stratified sample of the scanned sample marketplace, label it from
``truth.csv`` (simulated reviewers who are always right), estimate, and check whether each
interval covers the true share of fakes. Run for the real detector and for a deliberately
degraded one (misses 40% of fakes, flags 10% of genuine profiles, fixed seed), with BCa and
percentile intervals and both allocations. The baseline is the uncorrected apparent
prevalence (the detector's own flag share).

    python -m benchmarks bench_prevalence          # 200 seeds (quick: the same; it takes seconds)
    PROFILECHECK_BENCH_WS=/path/to/scanned/workspace python -m benchmarks bench_prevalence
"""

from __future__ import annotations

import csv
import dataclasses
import os
import tempfile
from pathlib import Path

import numpy as np

from benchmarks._util import load_note
from profilecheck.prevalence import Unit, apparent_prevalence, draw_sample, estimate, population, sample_from_arrays


def _workspace() -> tuple[Path, Path]:
    given = os.environ.get("PROFILECHECK_BENCH_WS")
    if given:
        return Path(given), Path(given).parent / "sample" / "truth.csv"
    from profilecheck.engine import scan
    from profilecheck.importers import import_file
    from profilecheck.sample import SAMPLE_NOW, write_sample
    from profilecheck.store import Store

    root = Path(tempfile.mkdtemp(prefix="bench-prevalence-"))
    write_sample(root / "sample")
    with Store(root / "ws") as store:
        import_file(store, root / "sample" / "profiles.jsonl")
        scan(store, now=SAMPLE_NOW)
    return root / "ws", root / "sample" / "truth.csv"


def _degrade(units: list[Unit], fake: dict[str, bool], seed: int = 2026) -> list[Unit]:
    rng = np.random.default_rng(seed)
    out = []
    for u in units:
        v = u.verdict
        if fake[u.profile_id] and rng.random() < 0.40:
            v = "likely_genuine"
        elif not fake[u.profile_id] and rng.random() < 0.10:
            v = str(rng.choice(["review", "likely_fake"]))
        out.append(dataclasses.replace(u, verdict=v))
    return out


def main(quick: bool = True) -> None:
    os.environ.setdefault("PROFILECHECK_FACES", "0")
    ws, truth_csv = _workspace()
    from profilecheck.store import Store

    with Store(ws) as store:
        units = population(store, detect_language=False)
    with truth_csv.open(encoding="utf-8") as fh:
        fake = {r["profile_id"]: r["label"] == "fake" for r in csv.DictReader(fh)}
    true_share = sum(fake[u.profile_id] for u in units) / len(units)
    seeds = range(200)
    print(f"{len(units)} profiles, true share of fakes {true_share:.4f}; {len(seeds)} seeds, n=80, B=1000")
    print(load_note())
    for name, pop in (("real detector", units), ("degraded detector", _degrade(units, fake))):
        ap = apparent_prevalence(pop)
        print(f"{name}: apparent prevalence {ap:.4f} (uncorrected baseline: covers the true share: {ap == true_share})")
        for allocation in ("proportional", "equal"):
            for method in ("bca", "percentile"):
                cover = {"design": 0, "rg": 0}
                widths: list[float] = []
                for seed in seeds:
                    rows = draw_sample(pop, 80, seed=seed, allocation=allocation)
                    s = sample_from_arrays(
                        [r.stratum for r in rows],
                        [r.stratum_size for r in rows],
                        [fake[r.unit.profile_id] for r in rows],
                        [r.flagged for r in rows],
                    )
                    e = estimate(s, bootstrap=1000, seed=seed, method=method)
                    cover["design"] += e.design.covers(true_share)
                    rg = e.rogan_gladen
                    cover["rg"] += bool(rg and rg.covers(true_share))
                    widths.append(rg.width if rg else float("nan"))
                n = len(seeds)
                print(
                    f"  {allocation:<12} {method:<10} coverage: Rogan-Gladen {cover['rg'] / n:.3f}, "
                    f"design-weighted {cover['design'] / n:.3f}; median width {np.nanmedian(widths):.4f}"
                )


if __name__ == "__main__":
    main()
