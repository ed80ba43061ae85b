"""The Dask engine: the scan's per-profile and per-partition functions on dask.distributed.

``scan(store, engine="dask")`` starts a ``LocalCluster`` (``workers`` processes, one thread
each); ``scheduler="tcp://host:8786"`` uses an existing cluster instead. The driver keeps the
store: it reads batches, sends them to the workers and writes what comes back, so the workers
need only the package and read access to the workspace's ``media/`` folder (a shared file
system path that is the same on every machine).

The cross-profile photo join runs as a partitioned shuffle, not on the driver: the hash
arrays are cut into chunks; a *split* task per chunk computes, for every band, each hash's
band key and its partition (:func:`~profilecheck.engine.bandjoin.partition_of`); a *join* task
per ``(band, partition)`` then gathers its piece of every chunk (the all-to-all exchange runs
worker to worker) and runs the same :func:`~profilecheck.engine.bandjoin.join_band` as the
other engines. Results are equal to the serial engine's (a test asserts it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from profilecheck.engine import Runner
from profilecheck.engine.bandjoin import bands, join_band, partition_of

__all__ = ["DaskRunner", "join_piece", "shuffle_join", "split_chunk"]


def split_chunk(
    args: tuple[np.ndarray, np.ndarray, int, int, int],
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Shuffle's map side: ``(hashes, ids)`` of one chunk cut into ``(band, partition)`` pieces."""
    hs, ids, radius, parts, _tag = args
    out: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for b, mask in enumerate(bands(radius).masks):
        p = partition_of(hs & mask, parts)
        order = np.argsort(p, kind="stable")
        bounds = np.searchsorted(p[order], np.arange(parts + 1))
        for k in range(parts):
            sel = order[bounds[k] : bounds[k + 1]]
            out[(b, k)] = (hs[sel], ids[sel])
    return out


def join_piece(
    band: int,
    radius: int,
    key: tuple[int, int],
    q_splits: list[dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]],
    d_splits: list[dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle's reduce side: one ``(band, partition)``'s queries joined with its data."""
    q = np.concatenate([s[key][0] for s in q_splits])
    qi = np.concatenate([s[key][1] for s in q_splits])
    d = np.concatenate([s[key][0] for s in d_splits])
    di = np.concatenate([s[key][1] for s in d_splits])
    return join_band(q, d, band, radius, qi, di)


def shuffle_join(
    client: Any, q: np.ndarray, d: np.ndarray, radius: int, parts: int, chunks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ``(i, j, distance)`` with ``q[i]`` within ``radius`` of ``d[j]``, as a shuffle on ``client``."""
    nb = len(bands(radius).masks)

    def split(arr: np.ndarray, tag: int) -> list[Any]:
        ids = np.arange(len(arr), dtype=np.int64)
        cuts = np.array_split(np.arange(len(arr)), max(1, min(chunks, len(arr))))
        return [client.submit(split_chunk, (arr[c], ids[c], radius, parts, tag), pure=False) for c in cuts if len(c)]

    qs = split(q, 0)
    ds = qs if d is q else split(d, 1)
    futures = [
        client.submit(join_piece, b, radius, (b, k), qs, ds, pure=False) for b in range(nb) for k in range(parts)
    ]
    results = client.gather(futures)
    return tuple(np.concatenate([r[n] for r in results]) for n in range(3))  # type: ignore[return-value]


class DaskRunner(Runner):
    """Runs the scan's functions on a dask.distributed cluster.

    Args:
        workers: LocalCluster size when no ``scheduler`` is given.
        scheduler: address of an existing scheduler (``tcp://host:8786``).
        parts: shuffle partitions per band (default: twice the workers).
    """

    name = "dask"

    def __init__(self, workers: int = 2, scheduler: str | None = None, parts: int | None = None) -> None:
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)  # type: ignore[no-untyped-call]
        else:
            # dashboard_address=None still starts the scheduler's HTTP server on port 8787 (and
            # fails when another cluster holds it: two scans at once); ":0" takes a free port.
            # Forked workers start with the driver's modules imported (about 3 s less than
            # spawned ones, which import profilecheck and its models again: 20% of a 10^4 scan);
            # they never touch the driver's store connection. Not on macOS/Windows (no safe fork).
            import dask

            method = "fork" if sys.platform.startswith("linux") else "spawn"
            with dask.config.set({"distributed.worker.multiprocessing-method": method}):
                self.cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            self.client = Client(self.cluster)  # type: ignore[no-untyped-call]
        info = self.client.scheduler_info()
        self.workers = max(1, len(info.get("workers", {})) or workers)
        self.parts = parts or 2 * self.workers

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        return self.client.submit(fn, arg, pure=False)

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterable[Any]:
        futures = [self.client.submit(fn, a, pure=False) for a in items]
        return self.client.gather(futures)  # type: ignore[no-any-return,no-untyped-call]

    def band_join(self, q: np.ndarray, d: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The band join as a partitioned shuffle across the cluster."""
        return shuffle_join(self.client, q, d, radius, self.parts, chunks=2 * self.workers)

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]
        if self.cluster is not None:
            self.cluster.close()
