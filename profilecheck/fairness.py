"""Fairness table: does the detector flag some countries or languages more than others?

A claimed country, a time zone or non-native English is never evidence on its own; this table
checks that the detector as a whole keeps to that. For each group of the scanned population
(claimed country, language of the bio, each declared language) it gives:

- the **flag rate**: the share of the group the detector flags (``review`` or worse by
  default), with a Wilson score interval;
- where labels exist, the **false-positive rate**: the share of the group's *genuine* profiles
  that are flagged, with a Wilson interval. Labels from a ``prevalence sample`` sheet carry
  design weights (the sample over-draws flagged bands); the rate is then weighted and its
  interval uses Kish's effective sample size ``(sum w)^2 / sum w^2``. A plain
  ``profile_id,label`` file (``truth.csv``, ``decisions --out``) counts each row once.

Groups with fewer than ``min_group`` profiles (or genuine labelled profiles, for the
false-positive rate) are marked ``small``: their rates swing with one profile and should not be
compared. Declared languages overlap (a profile declaring ``en`` and ``de`` counts in both).

The bio's language is detected offline with ``py3langid`` (its model ships in the package as
npz arrays, no pickle, no download); bios under :data:`MIN_BIO_CHARS` characters or detected
with probability under :data:`MIN_LANG_PROB` are ``unknown``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

from profilecheck.errors import InputError

__all__ = [
    "MIN_BIO_CHARS",
    "MIN_LANG_PROB",
    "GroupRate",
    "LabelSet",
    "bio_language",
    "fairness_table",
    "read_label_set",
    "wilson",
]

MIN_BIO_CHARS = 40
MIN_LANG_PROB = 0.50
DIMENSIONS = ("country", "bio_language", "declared_language")


def wilson(successes: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``n`` may be an effective (non-integer) size.

    >>> [round(x, 4) for x in wilson(3, 20)]
    [0.0524, 0.3604]
    >>> wilson(0, 10)[0], round(wilson(0, 10)[1], 4)
    (0.0, 0.2775)
    >>> wilson(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return (low, high)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def bio_language(text: str | None) -> str | None:
    """The ISO 639-1 code of the language a bio is written in, or ``None`` when unsure.

    >>> bio_language("I am a backend engineer in Lagos; I build payment APIs in Go and Python for fintechs.")
    'en'
    >>> bio_language("Soy desarrolladora web en Bogotá y trabajo con React y Node desde hace seis años.")
    'es'
    >>> bio_language("Hi!") is None
    True
    """
    if not text or len(text.strip()) < MIN_BIO_CHARS:
        return None
    lang, prob = _identifier().classify(text)
    return str(lang) if float(prob) >= MIN_LANG_PROB else None


@dataclass(frozen=True)
class LabelSet:
    """Human labels: ``fake[pid]`` and a design ``weight[pid]`` (1 for a plain labels file)."""

    fake: dict[str, bool]
    weight: dict[str, float]
    weighted: bool
    source: str


def read_label_set(path: Path | str) -> LabelSet:
    """Read labels from a ``prevalence sample`` sheet (weighted) or a ``profile_id,label`` file.

    Raises:
        InputError: missing file, missing columns or an unknown label (with its line).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", path=str(p))
    fake: dict[str, bool] = {}
    weight: dict[str, float] = {}
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not {"profile_id", "label"} <= cols:
            raise InputError(f"{p}: needs columns profile_id and label, found {sorted(cols)}", path=str(p))
        weighted = "stratum_size" in cols and "stratum" in cols
    if weighted:
        from profilecheck.prevalence import iter_labelled, read_sample

        for pid, y, _f, w in iter_labelled(read_sample(p)):
            fake[pid.lower()] = y
            weight[pid.lower()] = w
        return LabelSet(fake, weight, True, str(p))
    with p.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            pid = (row.get("profile_id") or "").strip().lower()
            lab = (row.get("label") or "").strip().lower()
            if not pid or not lab:
                continue
            if lab in ("fake", "1", "true", "yes", "likely_fake"):
                fake[pid] = True
            elif lab in ("genuine", "0", "false", "no", "real", "likely_genuine"):
                fake[pid] = False
            else:
                raise InputError(f"{p}:{line}: label {lab!r}: use fake or genuine", path=str(p), line=line)
            weight[pid] = 1.0
    return LabelSet(fake, weight, False, str(p))


@dataclass(frozen=True)
class GroupRate:
    """One row of the fairness table."""

    dimension: str
    group: str
    profiles: int
    flagged: int
    flag_rate: float
    flag_low: float
    flag_high: float
    genuine_labelled: int | None = None
    false_positives: int | None = None
    fpr: float | None = None
    fpr_low: float | None = None
    fpr_high: float | None = None
    small: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def _groups_of(unit: Any, dimension: str) -> Sequence[str]:
    if dimension == "country":
        return [unit.country or "unknown"]
    if dimension == "bio_language":
        return [unit.bio_language or "unknown"]
    return list(unit.declared_languages) or ["none declared"]


def fairness_table(
    units: Sequence[Any],
    *,
    flag_rule: str = "review",
    labels: LabelSet | None = None,
    min_group: int = 20,
    level: float = 0.95,
    dimensions: Sequence[str] = DIMENSIONS,
) -> list[GroupRate]:
    """Flag rates (and false-positive rates where labelled) per group, largest groups first.

    Args:
        units: the scanned population (:func:`profilecheck.prevalence.population`).
        flag_rule: which verdicts count as flagged (``review`` or ``likely_fake``).
        labels: human labels; profiles without one are left out of the false-positive rates.
        min_group: a group with fewer profiles (or labelled genuine ones) is marked ``small``.
        level: confidence level of the Wilson intervals.
        dimensions: which groupings to report.

    >>> from profilecheck.prevalence import Unit
    >>> us = [Unit(f"a:{i}", "review" if i % 5 == 0 else "likely_genuine", 50, 0.5, country="NG") for i in range(40)]
    >>> rows = fairness_table(us, dimensions=["country"])
    >>> [(r.group, r.profiles, r.flagged, r.small) for r in rows]
    [('all', 40, 8, False), ('NG', 40, 8, False)]
    """
    from profilecheck.prevalence import FLAG_RULES

    if flag_rule not in FLAG_RULES:
        raise InputError(f"flag rule {flag_rule!r}: use one of {', '.join(FLAG_RULES)}")
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise InputError(f"unknown fairness dimension {unknown[0]!r}: use {', '.join(DIMENSIONS)}")
    flags = FLAG_RULES[flag_rule]
    buckets: dict[tuple[str, str], list[Any]] = {("all", "all"): list(units)}
    for u in units:
        for dim in dimensions:
            for g in _groups_of(u, dim):
                buckets.setdefault((dim, g), []).append(u)
    rows: list[GroupRate] = []
    for (dim, g), us in buckets.items():
        k = sum(u.verdict in flags for u in us)
        lo, hi = wilson(k, len(us), level)
        extra: dict[str, Any] = {}
        small = len(us) < min_group
        if labels is not None:
            gen = [u for u in us if labels.fake.get(u.profile_id.lower()) is False]
            w = [labels.weight[u.profile_id.lower()] for u in gen]
            wf = [wi for wi, u in zip(w, gen, strict=True) if u.verdict in flags]
            sw = sum(w)
            n_eff = (sw * sw / sum(x * x for x in w)) if w else 0.0
            rate = sum(wf) / sw if sw else math.nan
            flo, fhi = wilson(rate * n_eff, n_eff, level) if gen else (math.nan, math.nan)
            extra = {
                "genuine_labelled": len(gen),
                "false_positives": len(wf),
                "fpr": rate if gen else None,
                "fpr_low": flo if gen else None,
                "fpr_high": fhi if gen else None,
            }
            small = small or n_eff < min_group
        rows.append(GroupRate(dim, g, len(us), k, k / len(us) if us else 0.0, lo, hi, small=small, **extra))
    order = {d: i for i, d in enumerate(("all", *DIMENSIONS))}
    rows.sort(key=lambda r: (order[r.dimension], -r.profiles, r.group))
    return rows


def labelled_coverage(units: Sequence[Any], labels: Mapping[str, bool]) -> tuple[int, int]:
    """``(labelled profiles found in the population, labels naming no scanned profile)``."""
    ids = {u.profile_id.lower() for u in units}
    found = sum(1 for pid in labels if pid in ids)
    return found, len(labels) - found
