"""Shared helpers: load average, peak memory of a process tree, medians."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psutil

T = TypeVar("T")


def evict_from_page_cache(*paths: Path) -> int:
    """Ask the kernel to drop the cached pages of ``paths`` (files, or every file under a folder).

    The scan benchmark calls it on what a scan never reads (the generated sample, the base
    database each run is copied from), so that at 10^6, where those files with the workspace
    exceed the RAM, they do not crowd the scanned workspace out of the page cache: a real
    deployment does not copy its database before every scan. Dirty pages are flushed first
    (``fdatasync``); only clean pages can be dropped. Returns the bytes covered.
    """
    covered = 0
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
        for f in files:
            try:
                fd = os.open(f, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                covered += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return covered


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1/5 min) on {os.cpu_count()} CPUs"


class PeakRSS:
    """Samples the RSS of this process and all its children (pools, Dask workers); keeps the peak."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            try:
                procs = [me, *me.children(recursive=True)]
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, list[float]]:
    times = [timed(fn)[0] for _ in range(runs)]
    return statistics.median(times), times
