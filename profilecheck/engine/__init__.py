"""The scan: analyse new or changed profiles, match across profiles, score what changed.

The same per-profile function (:func:`profilecheck.analysis.analyse_json`) runs serially or in
a local process pool; results are equal either way. Each batch commits in one transaction, so
a killed scan resumes where it stopped: profiles already analysed or scored with the same
inputs are skipped, and a second scan on an unchanged store does nothing and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from profilecheck.analysis import ANALYSIS_VERSION, analyse_json
from profilecheck.engine.matching import find_matches
from profilecheck.logs import get_logger
from profilecheck.model import Profile, Verdict
from profilecheck.scoring import DEFAULT_PRIOR, score
from profilecheck.signals import Context, all_signals, signals_fingerprint
from profilecheck.store import Store

__all__ = ["ScanStats", "scan"]

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

    @property
    def changed_anything(self) -> bool:
        return bool(self.analysed or self.scored)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _batches(seq: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _analyse_stage(store: Store, engine: str, workers: int, batch: int, progress: Progress | None) -> tuple[int, int]:
    pending = store.pending_analysis(ANALYSIS_VERSION)
    media_root = str(store.media.root)
    done = errors = 0
    if progress:
        progress("analyse", 0, len(pending))
    pool = ProcessPoolExecutor(max_workers=workers) if engine == "process" and pending else None
    try:
        for ids in _batches(pending, batch):
            args = [(data, h, media_root) for _pid, h, data in store.iter_profiles(ids)]
            if pool is not None:
                results = list(pool.map(analyse_json, args, chunksize=max(1, len(args) // (workers * 4))))
            else:
                results = [analyse_json(a) for a in args]
            store.save_analyses(results)
            done += len(results)
            errors += sum(1 for r in results if r["errors"])
            if progress:
                progress("analyse", done, len(pending))
    finally:
        if pool is not None:
            pool.shutdown()
    return done, errors


def _input_hash(content_hash: str, features: Mapping[str, Any], matches: list[Any], fingerprint: str) -> str:
    blob = json.dumps(
        [content_hash, features, [asdict(m) for m in matches], fingerprint], sort_keys=True, separators=(",", ":")
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
    prior: float = DEFAULT_PRIOR,
    weights: Mapping[str, float] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ScanStats:
    """Bring every verdict in the store up to date.

    Args:
        store: the store to scan.
        engine: ``serial`` or ``process`` (a local process pool).
        workers: pool size (default: the CPUs available).
        batch: profiles per transaction.
        prior: base rate of fakes for scoring.
        weights: per reason code strengths (from ``calibrate``).
        now: the time signals measure ages against (default: now).
        progress: called as ``progress(stage, done, total)``.
    """
    if engine not in ("serial", "process"):
        raise ValueError(f"unknown engine {engine!r}; use 'serial' or 'process'")
    if batch < 1:
        raise ValueError(f"batch must be positive, got {batch}")
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    run = store.start_run("scan")
    stats = ScanStats(profiles=store.count_profiles(), engine=engine)
    stats.analysed, stats.errors = _analyse_stage(store, engine, workers, batch, progress)

    matches = find_matches(store)
    fingerprint = signals_fingerprint() + json.dumps([prior, sorted((weights or {}).items())])
    known = store.verdict_hashes()
    when = now or datetime.now(UTC)
    pending: list[tuple[Verdict, str]] = []
    total = stats.profiles
    if progress:
        progress("score", 0, total)
    seen = 0
    for pid, content_hash, data in store.iter_profiles():
        seen += 1
        analysis = store.get_analysis(pid)
        features = analysis.features if analysis else {}
        ms = matches.get(pid, [])
        h = _input_hash(content_hash, features, ms, fingerprint)
        if known.get(pid) == h:
            stats.unchanged += 1
        else:
            profile = Profile.model_validate_json(data)
            ctx = Context(features=features, matches=tuple(ms), now=when)
            pending.append((evaluate(profile, ctx, prior=prior, weights=weights), h))
        if len(pending) >= batch:
            stats.scored += store.save_verdicts(pending)
            pending.clear()
        if progress and (seen % batch == 0 or seen == total):
            progress("score", seen, total)
    if pending:
        stats.scored += store.save_verdicts(pending)
    for v in store.iter_verdicts():
        stats.per_label[str(v.label)] = stats.per_label.get(str(v.label), 0) + 1
    store.finish_run(run, stats.to_dict())
    log.info("scan: %s", json.dumps(stats.to_dict(), sort_keys=True))
    return stats
