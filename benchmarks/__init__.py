"""Benchmarks: each module ``bench_*.py`` has ``main(quick: bool)`` and prints ratios measured in one run.

``python -m benchmarks`` (``make bench``) runs the quick version of every module; run one module
directly for its full version, e.g. ``python -m benchmarks.bench_join --full``.
"""
