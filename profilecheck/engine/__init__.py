"""The scan: analyse new or changed profiles, match across profiles, score what changed.

The same per-profile function (:func:`profilecheck.analysis.analyse_json`) runs serially or in
a local process pool; results are equal either way. Each batch's writes are whole, and they are
committed every ``commit_every`` rows (:meth:`~profilecheck.store.Store.grouped_commits`), so
a killed scan resumes after the last commit: profiles already analysed or scored with the same
inputs are skipped, and a second scan on an unchanged store does nothing and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import numpy as np

from profilecheck.analysis import ANALYSIS_VERSION, analyse_json
from profilecheck.engine.bandjoin import bands
from profilecheck.engine.matching import compute_matches, join_task
from profilecheck.graph import build_clusters, member_views, ties_cluster
from profilecheck.logs import get_logger
from profilecheck.model import Profile, Verdict
from profilecheck.scoring import DEFAULT_PRIOR, score
from profilecheck.signals import Context, Match, all_signals, signals_fingerprint
from profilecheck.store import GROUP_COMMIT_ROWS, Store, verdict_row
from profilecheck.store.screening import list_fingerprint

__all__ = ["ProcessRunner", "Runner", "ScanStats", "analyse_batch", "make_runner", "scan", "score_batch"]

log = get_logger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ScanStats:
    profiles: int = 0
    analysed: int = 0
    scored: int = 0
    unchanged: int = 0
    errors: int = 0
    engine: str = "serial"
    per_label: dict[str, int] = field(default_factory=dict)
    #: Wall seconds per stage: ``analyse``, ``match``, ``score``.
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed_anything(self) -> bool:
        return bool(self.analysed or self.scored)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Runner:
    """Runs pure functions serially, in a local process pool, or on Dask (same functions, same results).

    ``submit(fn, arg)`` returns something with ``.result()``; ``map(fn, items)`` returns results in
    order. The per-profile function is :func:`~profilecheck.analysis.analyse_json` (via
    :func:`analyse_batch`), the per-partition ones :func:`score_batch`, the band join's
    :func:`~profilecheck.engine.matching.join_task` and the photo verifier's
    :func:`~profilecheck.engine.photomatch.verify_task`.
    """

    name = "serial"
    workers = 1

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        return _Done(fn(arg))

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterable[Any]:
        return map(fn, items)

    def band_join(self, q: np.ndarray, d: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every ``(i, j, distance)`` with ``q[i]`` within ``radius`` bits of ``d[j]``: one task per band."""
        nb = len(bands(radius).masks)
        ids = np.arange(max(len(q), len(d)), dtype=np.int64)
        results = list(self.map(join_task, [(b, radius, q, ids[: len(q)], d, ids[: len(d)]) for b in range(nb)]))
        return tuple(np.concatenate([r[n] for r in results]) for n in range(3))  # type: ignore[return-value]

    def close(self) -> None:
        return None


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class ProcessRunner(Runner):
    """A local process pool."""

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        return self.pool.submit(fn, arg)

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterable[Any]:
        return self.pool.map(fn, items)

    def close(self) -> None:
        self.pool.shutdown()


def make_runner(engine: str, workers: int, scheduler: str | None = None) -> Runner:
    """The runner for an engine name: ``serial``, ``process`` or ``dask``."""
    if engine == "serial":
        return Runner()
    if engine == "process":
        return ProcessRunner(workers)
    if engine == "dask":
        from profilecheck.engine.dask import DaskRunner

        return DaskRunner(workers=workers, scheduler=scheduler)
    raise ValueError(f"unknown engine {engine!r}; use 'serial', 'process' or 'dask'")


def _pipelined(runner: Runner, fn: Callable[[Any], Any], args: Iterable[Any], depth: int) -> Iterator[Any]:
    """``fn`` over ``args`` on the runner, ``depth`` tasks in flight, results in order."""
    flight: deque[Any] = deque()
    for a in args:
        flight.append(runner.submit(fn, a))
        if len(flight) >= depth:
            yield flight.popleft().result()
    while flight:
        yield flight.popleft().result()


def analyse_batch(args: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The per-profile function over a batch (one task per batch keeps the overhead low)."""
    return [analyse_json(a) for a in args]


def _analyse_stage(
    store: Store, runner: Runner, batch: int, commit_every: int, progress: Progress | None
) -> tuple[int, int]:
    pending = store.pending_analysis(ANALYSIS_VERSION)
    media_root = str(store.media.root)
    done = errors = 0
    if progress:
        progress("analyse", 0, len(pending))
    # Small tasks keep every worker busy; the store writes one transaction per task's batch.
    size = max(1, min(batch, -(-len(pending) // (runner.workers * 4)) if pending else 1))

    def tasks() -> Iterator[list[tuple[str, str, str]]]:
        for i in range(0, len(pending), size):
            yield [(data, h, media_root) for _pid, h, data in store.iter_profiles(pending[i : i + size])]

    with store.bulk_analysis(len(pending)), store.grouped_commits(commit_every) as wrote:
        for results in _pipelined(runner, analyse_batch, tasks(), depth=runner.workers * 2 + 1):
            wrote(store.save_analyses(results))
            done += len(results)
            errors += sum(1 for r in results if r["errors"])
            if progress:
                progress("analyse", done, len(pending))
    return done, errors


def _input_hash(
    content_hash: str,
    features: Mapping[str, Any],
    matches: list[Any],
    fingerprint: str,
    cluster: Mapping[str, Any] | None = None,
) -> str:
    blob = json.dumps(
        [content_hash, features, [asdict(m) for m in matches], fingerprint, cluster],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def evaluate(
    profile: Profile,
    ctx: Context,
    *,
    prior: float = DEFAULT_PRIOR,
    weights: Mapping[str, float] | None = None,
) -> Verdict:
    """Run every registered signal on one profile and score the evidence.

    A signal that raises is recorded as an UNKNOWN reason (``SIGNAL_FAILED``) on that profile;
    the other signals still count.
    """
    from profilecheck.model import Evidence, Status

    evidence: list[Evidence] = []
    for name, signal in all_signals().items():
        try:
            evidence.extend(signal(profile, ctx))
        except Exception as exc:  # noqa: BLE001 - one signal's bug never stops the batch
            evidence.append(Evidence(name, "SIGNAL_FAILED", Status.UNKNOWN, 0.0, f"{type(exc).__name__}: {exc}"))
    return score(profile.id, evidence, prior=prior, weights=weights)


def scan(
    store: Store,
    *,
    engine: str = "serial",
    workers: int | None = None,
    batch: int = 200,
    commit_every: int = GROUP_COMMIT_ROWS,
    prior: float = DEFAULT_PRIOR,
    weights: Mapping[str, float] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    calibrated: bool = True,
) -> ScanStats:
    """Bring every verdict in the store up to date.

    Args:
        store: the store to scan.
        engine: ``serial``, ``process`` (a local process pool) or ``dask`` (dask.distributed).
        workers: pool size (default: the CPUs available).
        batch: profiles per task (a worker's unit of work; each task's writes are whole).
        commit_every: rows written per commit (at least one task's): a killed scan loses at
            most this many, and resumes after them.
        prior: base rate of fakes for scoring.
        weights: per reason code strengths (from ``calibrate``).
        now: the time signals measure ages against (default: now).
        progress: called as ``progress(stage, done, total)``.
        scheduler: for ``dask``: a scheduler address (default: a LocalCluster of ``workers``).
        calibrated: with no ``weights`` given, use the workspace's saved calibration (its weights
            and prior) when there is one (``profilecheck calibrate``).
    """
    if calibrated and weights is None:
        from profilecheck.calibration import load_calibration

        cal = load_calibration(store.workspace)
        if cal is not None:
            weights, prior = cal.weights, cal.prior
    if batch < 1:
        raise ValueError(f"batch must be positive, got {batch}")
    if commit_every < 1:
        raise ValueError(f"commit_every must be positive, got {commit_every}")
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    runner = make_runner(engine, workers, scheduler)
    try:
        stats = _scan(store, runner, batch, commit_every, prior, weights, now, progress)
    finally:
        runner.close()
    return stats


def score_batch(args: tuple[Any, ...]) -> list[Any]:
    """The per-partition scoring function: for each item, the verdict as the store keeps it
    (:func:`~profilecheck.store.verdict_row`, evidence already JSON) or ``None`` if unchanged."""
    items, fingerprint, prior, weights, when = args[:5]
    settings: dict[str, Any] = args[5] if len(args) > 5 else {}  # type: ignore[misc]
    out: list[Any] = []
    for it in items:
        features = json.loads(it["features"]) if it["features"] else {}
        ms = [Match(*m) for m in it["matches"]]
        cl = it.get("cluster")
        h = _input_hash(it["content_hash"], features, ms, fingerprint, cl)
        if it["verdict_hash"] == h:
            out.append(None)
            continue
        profile = Profile.model_validate_json(it["data"])
        ctx = Context(features=features, matches=tuple(ms), cluster=cl, settings=settings, now=when)
        out.append(verdict_row(evaluate(profile, ctx, prior=prior, weights=weights), h))
    return out


def _clustered_ids(store: Store) -> set[str]:
    """Ids of the profiles some cluster will hold: one streaming pass over the scan's matches,
    pair by pair, keeping only the ids of pairs whose edge clusters them (the edge test of
    :func:`~profilecheck.graph.build_clusters`). Memory: the clustered ids, not the matches."""
    out: set[str] = set()
    for (a, b), rows in groupby(store.iter_scan_pairs(), key=lambda r: (r[0], r[2])):
        pair = list(rows)
        if ties_cluster([Match(r[4], r[5], b, r[3]) for r in pair], a, pair[0][1]):
            out.update((a, b))
    return out


def _clusters(store: Store) -> dict[str, dict[str, Any]]:
    """Cluster the profiles by the scan's matches (:mod:`profilecheck.graph`), store the clusters,
    and return each clustered profile's view of its cluster (:func:`~profilecheck.graph.member_views`:
    bounded in size, so that scoring stays linear in the cluster's size).

    Two streaming passes: the first finds which profiles any cluster will hold, the second loads
    only their matches for :func:`~profilecheck.graph.build_clusters`, which therefore sees every
    edge it would keep, and gives the same clusters as over all matches. Memory grows with the
    clustered profiles (rings), not with every profile that shares anything with another."""
    keep = _clustered_ids(store)
    matches: dict[str, list[Match]] = {}
    for pid, kind, value, other, other_name, distance, detail in store.iter_scan_matches():
        if pid in keep:
            matches.setdefault(pid, []).append(Match(kind, value, other, other_name, distance, detail))
    clusters = [c.to_dict() for c in build_clusters(matches, store.names_of(sorted(matches)))]
    store.save_clusters(clusters)
    return {pid: v for c in clusters for pid, v in member_views(c).items()}


def _with_clusters(items: list[dict[str, Any]], member_of: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    for it in items:
        it["cluster"] = member_of.get(it["id"])
    return items


def _scan(
    store: Store,
    runner: Runner,
    batch: int,
    commit_every: int,
    prior: float,
    weights: Mapping[str, float] | None,
    now: datetime | None,
    progress: Progress | None,
) -> ScanStats:
    run = store.start_run("scan")
    stats = ScanStats(profiles=store.count_profiles(), engine=runner.name)
    t0 = time.perf_counter()
    stats.analysed, stats.errors = _analyse_stage(store, runner, batch, commit_every, progress)
    t1 = time.perf_counter()
    if progress:
        progress("match", 0, 1)
    # The photo verifier stays in the driver: OpenCV's RANSAC draws from a per-process RNG, so
    # verdicts computed in workers differ from serial ones (seen on Dask); see benchmarks/README.md.
    compute_matches(store, join_fn=runner.band_join)
    member_of = _clusters(store)
    if progress:
        progress("match", 1, 1)
    t2 = time.perf_counter()
    settings = {"photo_refs_loaded": bool(store.count_photo_refs()), "screen_lists": list_fingerprint(store)}
    fingerprint = signals_fingerprint() + json.dumps([prior, sorted((weights or {}).items()), settings])
    when = now or datetime.now(UTC)
    total = stats.profiles
    if progress:
        progress("score", 0, total)
    seen = 0
    w = dict(weights) if weights is not None else None
    args = (
        (_with_clusters(items, member_of), fingerprint, prior, w, when, settings)
        for items in store.iter_scan_batches(batch)
    )
    with store.grouped_commits(commit_every) as wrote:
        for results in _pipelined(runner, score_batch, args, depth=runner.workers * 2 + 1):
            seen += len(results)
            changed = [r for r in results if r is not None]
            stats.unchanged += len(results) - len(changed)
            if changed:
                n = store.save_verdict_rows(changed)
                stats.scored += n
                wrote(n)
            if progress:
                progress("score", seen, total)
    stats.per_label = store.label_counts()
    t3 = time.perf_counter()
    stats.seconds = {"analyse": round(t1 - t0, 3), "match": round(t2 - t1, 3), "score": round(t3 - t2, 3)}
    store.finish_run(run, stats.to_dict())
    log.info("scan: %s", json.dumps(stats.to_dict(), sort_keys=True))
    return stats
