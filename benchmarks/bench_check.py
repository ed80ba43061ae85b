"""``check URL`` latency and name-screening throughput, each against a named baseline in the same run.

1. check URL vs check FILE: the bundled sample is imported and scanned once; then, alternating,
   a new applicant page (a ring member's record under a new handle) is checked by URL (served on
   loopback, gathered through the guarded fetcher with its headshot; GitHub not followed) and the
   same profile by JSON file, each into a fresh copy of the scanned workspace. The baseline is
   ``check FILE``: the difference is what gathering costs; both pay the scan's matching.
2. Name screening: a synthetic list of ``--names`` listed names (the sample generator's name
   pools crossed, with romanisation variants) is indexed; every sample profile name is searched.
   The baseline is the all-pairs scan (``name_score`` against every listed name).

    python -m benchmarks.bench_check             # quick: 3 repeats, 5000 listed names
    python -m benchmarks.bench_check --repeats 5 --names 20000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._util import load_note


def _check_latency(repeats: int) -> None:
    from profilecheck.check import check_target
    from profilecheck.engine import scan
    from profilecheck.importers import import_file
    from profilecheck.sample import SAMPLE_NOW, write_sample
    from profilecheck.sample_site import render_page, render_site, serve_site
    from profilecheck.store import Store
    from spiders.oneshot import GatherOptions

    tmp = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        sample = tmp / "sample"
        write_sample(sample)
        render_site(sample)
        base = tmp / "base"
        with Store(base) as store:
            import_file(store, sample / "profiles.jsonl")
            t = time.perf_counter()
            scan(store, now=SAMPLE_NOW)
            print(f"  sample scanned once in {time.perf_counter() - t:.1f} s (not in the figures)")
        rec = next(
            json.loads(line) for line in (sample / "profiles.jsonl").read_text().splitlines() if '"wallets"' in line
        )
        rec = {**rec, "handle": "bench-applicant", "activity": {}}
        page = sample / "site" / rec["platform"] / "bench-applicant.html"
        page.write_text(render_page(rec), encoding="utf-8")
        (sample / "applicant.json").write_text(json.dumps(rec), encoding="utf-8")  # photo paths resolve beside it
        times: dict[str, list[float]] = {"url": [], "file": []}
        opts = GatherOptions(allow_loopback=True, follow_github=False)
        with serve_site(sample) as site:
            url = f"{site}/site/{rec['platform']}/bench-applicant.html"
            for _ in range(repeats):
                for kind in ("url", "file"):
                    ws = tmp / f"ws-{kind}"
                    shutil.rmtree(ws, ignore_errors=True)
                    shutil.copytree(base, ws)
                    with Store(ws) as store:
                        t = time.perf_counter()
                        check_target(store, url if kind == "url" else str(sample / "applicant.json"), gather=opts)
                        times[kind].append(time.perf_counter() - t)
        u, f = statistics.median(times["url"]), statistics.median(times["file"])
        print(f"  check URL  median {u:.2f} s over {repeats} ({', '.join(f'{x:.2f}' for x in times['url'])})")
        print(f"  check FILE median {f:.2f} s over {repeats} (baseline)")
        print(f"  ratio URL/FILE {u / f:.2f}; gathering adds {u - f:+.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _name_throughput(n_names: int) -> None:
    import random

    from profilecheck import sample as smp
    from profilecheck.screening.names import NAME_THRESHOLD, NameIndex, name_score, tokens

    firsts, lasts = list(smp.FIRST), list(smp.LAST)
    rng = random.Random(7)
    listed = []
    for i in range(n_names):
        first = rng.choice(firsts) + rng.choice(["", "a", "o", "ie", "ov"])
        last = rng.choice(lasts) + rng.choice(["", "a", "ov", "ski", "son", "yan"]) + rng.choice(["", str(i % 97)])
        listed.append((f"e{i}", f"{first} {last}", last, first, "primary"))
    probes = [f"{rng.choice(firsts)} {rng.choice(lasts)}" for _ in range(2000)]
    t = time.perf_counter()
    idx = NameIndex(listed)
    build = time.perf_counter() - t
    t = time.perf_counter()
    hits = sum(len(idx.search(p)) for p in probes)
    indexed = (time.perf_counter() - t) / len(probes)
    sub = probes[:50]
    t = time.perf_counter()
    brute_hits = 0
    for p in sub:
        toks = tokens(p)
        keys = {k for k, _f, la, fi, _c in listed if name_score(toks, tokens(la), tokens(fi)) >= NAME_THRESHOLD}
        brute_hits += len(keys)
    brute = (time.perf_counter() - t) / len(sub)
    idx_sub = sum(len(idx.search(p)) for p in sub)
    print(f"  {n_names} listed names indexed in {build:.2f} s; {len(probes)} profile names searched, {hits} hits")
    print(
        f"  indexed search {indexed * 1000:.2f} ms/name; all-pairs baseline {brute * 1000:.1f} ms/name "
        f"(speed-up {brute / indexed:.0f}x); on 50 names the index finds {idx_sub} of the {brute_hits} all-pairs hits"
    )


def main(quick: bool = True, argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--names", type=int, default=5000)
    args = ap.parse_args(argv if argv is not None else ([] if quick else None))
    print(f"  {load_note()}")
    _check_latency(args.repeats)
    _name_throughput(args.names)


if __name__ == "__main__":
    main(quick=False)
