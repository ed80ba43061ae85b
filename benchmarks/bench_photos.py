"""Photo benchmarks: reuse robustness, speed per core, Hamming index (``main(quick)`` for ``make bench``).

Each part also runs on its own with its full options: ``python -m benchmarks.robustness --n 50``,
``python -m benchmarks.speed``, ``python -m benchmarks.index --sizes 100000 1000000 10000000``.
"""

from __future__ import annotations

import argparse


def main(quick: bool = True) -> None:
    from benchmarks import index, robustness, speed

    robustness.main(["--n", "24" if quick else "50"])
    speed.main(["--n", "20" if quick else "40"])
    index.main(["--sizes", "100000", "1000000"] if quick else ["--sizes", "100000", "1000000", "10000000"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_photos")
    ap.add_argument("--full", action="store_true")
    main(quick=not ap.parse_args().full)
