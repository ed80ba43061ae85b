"""Census of a scanned workspace's cross-profile matches by kind and by truth class.

For a scale sample (``truth.csv``), counts the scan's match rows per kind among genuine pairs
(``GG``), within one planted ring (``same-ring``) and across (``cross``), and the verdict labels
per truth label. Genuine-genuine rows that grow faster than the sample are chance collisions:
this is how the 10^6 slow-down of 2026-12-02 was traced to the generator (benchmarks/README.md).

    PROFILECHECK_FACES=0 PROFILECHECK_PHOTO_VERIFY=0 \\
        python -m benchmarks.match_census WORKSPACE SAMPLE/truth.csv
"""

from __future__ import annotations

import argparse
import collections
import csv
import time
from pathlib import Path

from profilecheck.engine.matching import compute_matches
from profilecheck.store import Store


def census(ws: Path, truth_csv: Path) -> None:
    with truth_csv.open(newline="") as fh:
        lab = {r["profile_id"]: (r["label"], r["ring"]) for r in csv.DictReader(fh)}
    with Store(ws) as store:
        t = time.perf_counter()
        compute_matches(store)
        print(f"match stage {time.perf_counter() - t:.1f} s")
        rows: collections.Counter[tuple[str, str]] = collections.Counter()
        per: collections.Counter[str] = collections.Counter()
        for pid, kind, _value, other, _name, _dist, _detail in store.iter_scan_matches():
            a, b = lab.get(pid, ("?", "")), lab.get(other, ("?", ""))
            cls = "GG" if a[0] == b[0] == "genuine" else ("same-ring" if a[1] and a[1] == b[1] else "cross")
            rows[(kind, cls)] += 1
            per[pid] += 1
        for (kind, cls), n in sorted(rows.items()):
            print(f"  {kind:16s} {cls:10s} {n:9d}")
        print(f"profiles with matches {len(per)}, most matches of one profile {max(per.values(), default=0)}")
        labels: collections.Counter[tuple[str, str]] = collections.Counter()
        for pid, label in store.conn.execute("SELECT profile_id, label FROM verdicts"):
            labels[(lab.get(pid, ("?", ""))[0], label)] += 1
        print("truth x verdict:", dict(sorted(labels.items())))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("truth", type=Path)
    a = ap.parse_args(argv)
    census(a.workspace, a.truth)


if __name__ == "__main__":
    main()
