"""How many of the scanned profiles are fake? An estimate with a confidence interval, for researchers.

The detector's own count of flagged profiles is not the answer: it misses some fakes and flags
some genuine profiles. This module measures those errors on a sample that people label, and
corrects for them.

**1. Draw a stratified sample** (:func:`draw_sample`, ``profilecheck prevalence sample``). The
scanned population is split into strata by the detector's verdict band (``likely_fake``,
``review``, ``likely_genuine``, ``insufficient_evidence``; optionally also by claimed country).
Each stratum ``h`` of ``N_h`` profiles gets ``n_h`` labelled rows drawn without replacement
(at least ``min_per_stratum``, the rest proportional to ``N_h``, or an equal share per stratum),
so rare bands such as ``likely_fake`` are not left with one or two rows. Each row records its
stratum, ``N_h``, ``n_h`` and its inclusion probability ``pi = n_h / N_h``; its design weight is
``w = 1 / pi``. The rows are shuffled, so a labeller does not meet them band by band.

**2. Label** the ``label`` column (``fake`` / ``genuine``; a blank row is left out, and its
stratum's weight is spread over the rows labelled there, i.e. missing at random within a
stratum).

**3. Estimate** (:func:`estimate`, ``profilecheck prevalence estimate``):

(a) the *design-weighted* share of fakes from the human labels alone:
``p = sum(w * y) / sum(w)`` (the stratified mean);

(b) the *Rogan-Gladen* corrected share: the apparent prevalence ``AP`` (the share of ALL
scanned profiles the detector flags, a census number) corrected with the detector's
sensitivity ``Se = sum(w*f*y) / sum(w*y)`` and specificity ``Sp = sum(w*(1-f)*(1-y)) /
sum(w*(1-y))`` measured on the labelled sample (``f`` = flagged, ``y`` = labelled fake, both
weighted by ``w``): ``p = (AP + Sp - 1) / (Se + Sp - 1)``, clipped to [0, 1] (see
:func:`rogan_gladen`).

When the sample was drawn by band from the same scan, (a) and (b) agree: ``AP`` is then
exactly what the weighted sample says it is, and the Rogan-Gladen formula gives back the
stratified mean (an identity, not a coincidence). (b) earns its keep when the population moves
on (``estimate --workspace`` takes ``AP`` from today's scan while ``Se`` and ``Sp`` come from
the labels) and when strata are not cut by the detector's flag.

**Intervals.** Every figure gets a bootstrap interval that respects the design: the Rao-Wu
rescaled bootstrap (Rao, Wu and Yue 1992), which resamples ``n_h - 1`` rows with replacement
within each stratum and rescales the weights with ``lambda_h = sqrt(1 - n_h/N_h)``, so a stratum
labelled in full adds no variance (the finite-population correction) and a thin one adds a lot.
All replicates are computed at once as a ``(B, n)`` matrix of weights. The interval is the
percentile interval or BCa (bias-corrected and accelerated, Efron 1987; the acceleration from a
stratified delete-one jackknife); the draw is seeded, so the same seed gives the same interval.
Replicates in which a rate is undefined (no labelled fake left, or ``Se + Sp <= 1``) are dropped
and counted.

**When a stratum shows no error.** If every labelled row of a stratum agrees (all genuine in
``likely_genuine``, say), no bootstrap replicate can contain the fakes the draw missed, and the
interval would shrink to a point. Such a stratum widens the interval of the share by the most
profiles of the other kind it could still hold (:func:`zero_event_bound`, an exact
hypergeometric bound), and sensitivity or specificity seen at 100 % get a Wilson interval on
Kish's effective sample size instead of the collapsed bootstrap. Both are said in the notes.

What this does not fix: reviewers' own mistakes (the estimate is of the share that reviewers
would call fake), and a detector whose errors differ between the labelled period and the
population it is applied to.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from profilecheck.errors import InputError
from profilecheck.model import Label, Profile

__all__ = [
    "BANDS",
    "FLAG_RULES",
    "SAMPLE_COLUMNS",
    "Interval",
    "LabelledSample",
    "PrevalenceEstimate",
    "SampleRow",
    "Unit",
    "apparent_prevalence",
    "draw_sample",
    "estimate",
    "iter_labelled",
    "population",
    "read_sample",
    "rogan_gladen",
    "sample_from_arrays",
    "write_sample_csv",
    "zero_event_bound",
]

BANDS = tuple(str(x) for x in (Label.LIKELY_FAKE, Label.REVIEW, Label.LIKELY_GENUINE, Label.INSUFFICIENT))
# Which verdict bands count as "flagged by the detector".
FLAG_RULES: dict[str, frozenset[str]] = {
    "review": frozenset({str(Label.LIKELY_FAKE), str(Label.REVIEW)}),
    "likely_fake": frozenset({str(Label.LIKELY_FAKE)}),
}
SAMPLE_COLUMNS = (
    "profile_id",
    "label",
    "note",
    "stratum",
    "stratum_size",
    "stratum_sampled",
    "inclusion_prob",
    "weight",
    "flagged",
    "flag_rule",
    "verdict",
    "score",
    "p_fake",
    "country",
    "bio_language",
    "declared_languages",
    "url",
)
_FAKE = {"fake", "1", "true", "yes"}
_GENUINE = {"genuine", "0", "false", "no", "real"}


def rogan_gladen(apparent: float, sensitivity: float, specificity: float, *, clip: bool = True) -> float:
    """The Rogan-Gladen (1978) estimator: true prevalence from apparent prevalence and test error rates.

    A detector with sensitivity ``Se`` and specificity ``Sp`` flags a share
    ``AP = Se * p + (1 - Sp) * (1 - p)`` of a population whose true share is ``p``; solved for ``p``:
    ``p = (AP + Sp - 1) / (Se + Sp - 1)``. Sampling noise can push it outside [0, 1], so it is
    clipped (unless ``clip=False``). Undefined when ``Se + Sp <= 1`` (a detector no better than
    a coin), which raises ``ValueError``.

    >>> round(rogan_gladen(0.30, sensitivity=0.90, specificity=0.95), 4)  # (0.30 + 0.95 - 1) / (0.90 + 0.95 - 1)
    0.2941
    >>> rogan_gladen(0.02, sensitivity=0.90, specificity=0.95)  # fewer flags than false positives alone: clipped
    0.0
    >>> round(rogan_gladen(0.02, 0.90, 0.95, clip=False), 4)
    -0.0353
    >>> rogan_gladen(0.5, 0.5, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: Rogan-Gladen needs sensitivity + specificity > 1, got 0.5 + 0.5
    """
    j = sensitivity + specificity - 1
    if not j > 0:
        raise ValueError(f"Rogan-Gladen needs sensitivity + specificity > 1, got {sensitivity} + {specificity}")
    p = (apparent + specificity - 1) / j
    return min(1.0, max(0.0, p)) if clip else p


# -- the population ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """One scanned profile as the sampler sees it: the detector's output and the grouping fields."""

    profile_id: str
    verdict: str
    score: int
    p_fake: float
    country: str | None = None
    bio_language: str | None = None
    declared_languages: tuple[str, ...] = ()
    url: str | None = None


def population(store: Any, *, detect_language: bool = True) -> list[Unit]:
    """Every scanned profile of ``store`` (those with a verdict), in id order.

    Args:
        store: an open :class:`profilecheck.store.Store`.
        detect_language: detect the language of each bio (see :func:`profilecheck.fairness.bio_language`).
    """
    from profilecheck.fairness import bio_language

    verdicts = {v.profile_id: v for v in store.iter_verdicts(order="id")}
    out: list[Unit] = []
    for pid, _h, data in store.iter_profiles():
        v = verdicts.get(pid)
        if v is None:
            continue
        p = Profile.model_validate_json(data)
        out.append(
            Unit(
                profile_id=pid,
                verdict=str(v.label),
                score=v.score,
                p_fake=v.p_fake,
                country=(p.country or "").upper() or None,
                bio_language=bio_language(p.bio) if detect_language else None,
                declared_languages=tuple(sorted({x.strip().lower() for x in p.languages if x.strip()})),
                url=p.url,
            )
        )
    return out


def apparent_prevalence(units: Sequence[Unit], flag_rule: str = "review") -> float:
    """The share of ``units`` the detector flags under ``flag_rule`` (a census number).

    >>> apparent_prevalence([Unit("a:1", "review", 40, 0.6), Unit("a:2", "likely_genuine", 99, 0.01)])
    0.5
    """
    flags = _flag_set(flag_rule)
    if not units:
        raise InputError("no scanned profiles: run profilecheck scan first")
    return sum(u.verdict in flags for u in units) / len(units)


def _flag_set(rule: str) -> frozenset[str]:
    if rule not in FLAG_RULES:
        raise InputError(f"flag rule {rule!r}: use one of {', '.join(FLAG_RULES)}", value=rule)
    return FLAG_RULES[rule]


# -- drawing the sample -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One drawn row: the unit, its stratum and the design numbers."""

    unit: Unit
    stratum: str
    stratum_size: int
    stratum_sampled: int
    flagged: bool
    flag_rule: str

    @property
    def inclusion_prob(self) -> float:
        return self.stratum_sampled / self.stratum_size


def _allocate(sizes: dict[str, int], n: int, min_per_stratum: int, allocation: str) -> dict[str, int]:
    """Rows per stratum: a floor of ``min_per_stratum`` (or the whole stratum), then the rest.

    >>> _allocate({"a": 100, "b": 10, "c": 3}, 30, 5, "proportional")
    {'a': 22, 'b': 5, 'c': 3}
    >>> _allocate({"a": 100, "b": 10, "c": 3}, 30, 5, "equal")
    {'a': 17, 'b': 10, 'c': 3}
    """
    if allocation not in ("proportional", "equal"):
        raise InputError(f"allocation {allocation!r}: use proportional or equal", value=allocation)
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    floor = {h: min(N, min_per_stratum) for h, N in sizes.items()}
    if sum(floor.values()) > n:
        raise InputError(
            f"--n {n} is too small for {len(sizes)} strata with at least {min_per_stratum} rows each "
            f"(needs {sum(floor.values())}); raise --n or stratify by less"
        )
    # Strata whose share falls below their floor get the floor, strata whose share exceeds their
    # size are taken whole; the rest is shared out again among the others until nothing moves.
    fixed: dict[str, int] = {}
    while True:
        free = [h for h in sizes if h not in fixed]
        left = n - sum(fixed.values())
        weight = {h: (sizes[h] if allocation == "proportional" else 1) for h in free}
        tot = sum(weight.values())
        share = {h: left * weight[h] / tot for h in free}
        moved = {h: floor[h] for h in free if share[h] < floor[h]}
        moved |= {h: sizes[h] for h in free if share[h] > sizes[h]}
        if not moved:
            break
        fixed |= moved
    alloc = dict(fixed)
    alloc |= {h: math.floor(share[h]) for h in free}
    short = n - sum(alloc.values())
    for h in sorted(free, key=lambda h: (-(share[h] - math.floor(share[h])), h))[:short]:
        alloc[h] += 1  # largest remainders first, ties by name
    return {h: alloc[h] for h in sizes}


def draw_sample(
    units: Sequence[Unit],
    n: int,
    *,
    seed: int = 0,
    by_country: bool = False,
    flag_rule: str = "review",
    min_per_stratum: int = 5,
    allocation: str = "proportional",
) -> list[SampleRow]:
    """Draw a stratified random sample of ``n`` units for human labelling (without replacement).

    Strata are the verdict bands (and with ``by_country`` the claimed country within each band),
    so each stratum is either wholly flagged or wholly not flagged under ``flag_rule``. The
    same units, ``n`` and ``seed`` draw the same rows in the same (shuffled) order.

    >>> units = [Unit(f"x:{i}", "review" if i < 10 else "likely_genuine", 50, 0.5) for i in range(100)]
    >>> rows = draw_sample(units, 20, seed=1)
    >>> sorted({(r.stratum, r.stratum_size, r.stratum_sampled) for r in rows})
    [('likely_genuine', 90, 15), ('review', 10, 5)]

    Raises:
        InputError: ``n`` below 1, or too small for the strata's minimum.
    """
    if n < 1:
        raise InputError(f"--n {n}: draw at least one profile", value=n)
    if min_per_stratum < 2:
        raise InputError(f"min_per_stratum {min_per_stratum}: at least 2 rows per stratum are needed for a variance")
    if not units:
        raise InputError("no scanned profiles: run profilecheck scan first")
    flags = _flag_set(flag_rule)
    strata: dict[str, list[Unit]] = {}
    for u in sorted(units, key=lambda u: u.profile_id):
        key = u.verdict if not by_country else f"{u.verdict}|{u.country or 'unknown'}"
        strata.setdefault(key, []).append(u)
    alloc = _allocate({h: len(us) for h, us in strata.items()}, n, min_per_stratum, allocation)
    rng = np.random.default_rng(seed)
    rows: list[SampleRow] = []
    for h in sorted(strata):
        members = strata[h]
        k = alloc[h]
        pick = rng.choice(len(members), size=k, replace=False) if k < len(members) else range(len(members))
        for i in sorted(int(x) for x in pick):
            u = members[i]
            rows.append(SampleRow(u, h, len(members), alloc[h], u.verdict in flags, flag_rule))
    order = rng.permutation(len(rows))
    return [rows[int(i)] for i in order]


def write_sample_csv(rows: Sequence[SampleRow], out: Path | str) -> Path:
    """Write drawn rows as the labelling sheet (atomically); the ``label`` column is left blank."""
    import io

    from profilecheck.export import _atomic_write, neutralise_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(SAMPLE_COLUMNS)
    for r in rows:
        u = r.unit
        cells = {
            "profile_id": u.profile_id,
            "label": "",
            "note": "",
            "stratum": r.stratum,
            "stratum_size": str(r.stratum_size),
            "stratum_sampled": str(r.stratum_sampled),
            "inclusion_prob": f"{r.inclusion_prob:.6g}",
            "weight": f"{1 / r.inclusion_prob:.6g}",
            "flagged": str(int(r.flagged)),
            "flag_rule": r.flag_rule,
            "verdict": u.verdict,
            "score": str(u.score),
            "p_fake": f"{u.p_fake:.4f}",
            "country": u.country or "",
            "bio_language": u.bio_language or "",
            "declared_languages": ";".join(u.declared_languages),
            "url": u.url or "",
        }
        w.writerow([neutralise_cell(cells[c]) for c in SAMPLE_COLUMNS])
    out = Path(out)
    _atomic_write(out, buf.getvalue())
    return out


# -- reading the labelled sample --------------------------------------------------------------


@dataclass
class LabelledSample:
    """The labelled rows as arrays, with the design (one entry per labelled row).

    ``stratum`` indexes ``strata``; ``N`` and ``n`` are per stratum: the stratum's size and how
    many of its rows carry a label (blank labels are dropped and the weights re-spread).
    """

    profile_ids: list[str]
    stratum: np.ndarray  # int, index into strata
    strata: list[str]
    N: np.ndarray  # per stratum
    n: np.ndarray  # per stratum: labelled rows
    drawn: np.ndarray  # per stratum: rows drawn (labelled or not)
    y: np.ndarray  # 1.0 = labelled fake
    f: np.ndarray  # 1.0 = flagged by the detector
    flag_rule: str
    groups: dict[str, list[str]] = field(default_factory=dict)  # country / bio_language / declared_languages

    @property
    def weights(self) -> np.ndarray:
        """Design weights ``N_h / n_h`` of each labelled row."""
        return np.asarray(self.N[self.stratum] / self.n[self.stratum], dtype=float)

    @property
    def population_size(self) -> int:
        return int(self.N.sum())

    def census_apparent(self) -> float | None:
        """``AP`` from the strata when each stratum is wholly flagged or wholly not (else ``None``)."""
        flagged_n = 0
        for h in range(len(self.strata)):
            fs = self.f[self.stratum == h]
            if fs.size == 0 or fs.min() != fs.max():
                return None
            flagged_n += int(self.N[h]) if fs[0] else 0
        return flagged_n / self.population_size


def read_sample(path: Path | str) -> LabelledSample:
    """Read a labelled sheet written by :func:`write_sample_csv` (and filled in by people).

    Raises:
        InputError: the file is missing, lacks a design column, holds an unknown label (with
            its line), disagrees with itself on a stratum's size, or a stratum has no label.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", path=str(p))
    need = {"profile_id", "label", "stratum", "stratum_size", "flagged"}
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not need <= cols:
            raise InputError(
                f"{p}: needs columns {', '.join(sorted(need))} (write it with profilecheck prevalence sample); "
                f"missing {', '.join(sorted(need - cols))}",
                path=str(p),
            )
        sizes: dict[str, int] = {}
        drawn: dict[str, int] = {}
        rows: list[tuple[str, str, bool, bool, dict[str, str]]] = []
        rules: set[str] = set()
        for line, row in enumerate(reader, start=2):
            pid = (row.get("profile_id") or "").strip().lstrip("'")
            h = (row.get("stratum") or "").strip().lstrip("'")
            if not pid or not h:
                raise InputError(f"{p}:{line}: empty profile_id or stratum", path=str(p), line=line)
            try:
                size = int(row["stratum_size"])
                flagged = int(row["flagged"])
            except (TypeError, ValueError):
                raise InputError(
                    f"{p}:{line}: stratum_size and flagged must be integers, got "
                    f"{row.get('stratum_size')!r}, {row.get('flagged')!r}",
                    path=str(p),
                    line=line,
                ) from None
            if size < 1 or flagged not in (0, 1):
                raise InputError(f"{p}:{line}: stratum_size must be >= 1 and flagged 0 or 1", path=str(p), line=line)
            if sizes.setdefault(h, size) != size:
                raise InputError(
                    f"{p}:{line}: stratum {h!r} has size {size} here and {sizes[h]} on an earlier row",
                    path=str(p),
                    line=line,
                )
            drawn[h] = drawn.get(h, 0) + 1
            if row.get("flag_rule"):
                rules.add(row["flag_rule"].strip())
            lab = (row.get("label") or "").strip().lower()
            if not lab:
                continue
            if lab in _FAKE:
                y = True
            elif lab in _GENUINE:
                y = False
            else:
                raise InputError(
                    f"{p}:{line}: label {row.get('label')!r} for {pid}: use fake or genuine (or leave it blank)",
                    path=str(p),
                    line=line,
                )
            rows.append((pid, h, y, bool(flagged), row))
    for h in sizes:
        if drawn[h] > sizes[h]:
            raise InputError(f"{p}: stratum {h!r} has {drawn[h]} rows but a size of {sizes[h]}", path=str(p))
    if len(rules) > 1:
        raise InputError(f"{p}: rows use different flag rules: {', '.join(sorted(rules))}", path=str(p))
    strata = sorted(sizes)
    index = {h: i for i, h in enumerate(strata)}
    labelled = {h: 0 for h in strata}
    for _pid, h, *_ in rows:
        labelled[h] += 1
    empty = [h for h in strata if labelled[h] == 0]
    if empty:
        raise InputError(
            f"{p}: stratum {', '.join(repr(h) for h in empty)} has no labelled row; label at least two rows of each",
            path=str(p),
        )
    groups: dict[str, list[str]] = {
        "country": [(r[4].get("country") or "").strip().upper() or "unknown" for r in rows],
        "bio_language": [(r[4].get("bio_language") or "").strip() or "unknown" for r in rows],
        "declared_languages": [(r[4].get("declared_languages") or "").strip() for r in rows],
    }
    return LabelledSample(
        profile_ids=[r[0] for r in rows],
        stratum=np.array([index[r[1]] for r in rows], dtype=int),
        strata=strata,
        N=np.array([sizes[h] for h in strata], dtype=float),
        n=np.array([labelled[h] for h in strata], dtype=float),
        drawn=np.array([drawn[h] for h in strata], dtype=float),
        y=np.array([float(r[2]) for r in rows]),
        f=np.array([float(r[3]) for r in rows]),
        flag_rule=rules.pop() if rules else "review",
        groups=groups,
    )


def sample_from_arrays(
    stratum: Sequence[str],
    stratum_size: Sequence[int],
    y: Sequence[float],
    f: Sequence[float],
    flag_rule: str = "review",
) -> LabelledSample:
    """Build a :class:`LabelledSample` from parallel sequences (one entry per labelled row).

    >>> s = sample_from_arrays(["a", "a", "b", "b"], [10, 10, 2, 2], [1, 0, 0, 0], [1, 1, 0, 0])
    >>> s.weights.tolist(), s.population_size
    ([5.0, 5.0, 1.0, 1.0], 12)
    """
    strata = sorted(set(stratum))
    index = {h: i for i, h in enumerate(strata)}
    sizes: dict[str, int] = {}
    counts = {h: 0 for h in strata}
    for h, size in zip(stratum, stratum_size, strict=True):
        sizes.setdefault(h, int(size))
        counts[h] += 1
    return LabelledSample(
        profile_ids=[f"row:{i}" for i in range(len(stratum))],
        stratum=np.array([index[h] for h in stratum], dtype=int),
        strata=strata,
        N=np.array([sizes[h] for h in strata], dtype=float),
        n=np.array([counts[h] for h in strata], dtype=float),
        drawn=np.array([counts[h] for h in strata], dtype=float),
        y=np.asarray(y, dtype=float),
        f=np.asarray(f, dtype=float),
        flag_rule=flag_rule,
    )


# -- estimating -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval; ``dropped`` replicates were undefined."""

    estimate: float
    low: float
    high: float
    method: str
    dropped: int = 0

    @property
    def width(self) -> float:
        return self.high - self.low

    def covers(self, value: float) -> bool:
        return self.low - 1e-12 <= value <= self.high + 1e-12

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("estimate", "low", "high"):
            d[k] = round(d[k], 6)
        return d


@dataclass(frozen=True)
class PrevalenceEstimate:
    """Everything ``prevalence estimate`` reports."""

    design: Interval  # (a) design-weighted share of fakes from the labels
    rogan_gladen: Interval | None  # (b) None when Se + Sp <= 1 on the sample
    apparent: Interval  # the detector's flag share (census: a zero-width interval)
    apparent_source: str  # "census of N profiles" or "estimated from the sample"
    sensitivity: Interval
    specificity: Interval
    level: float
    bootstrap: int
    seed: int
    population: int
    labelled: int
    labelled_fake: int
    strata: list[dict[str, Any]]
    flag_rule: str
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "design_weighted": self.design.to_dict(),
            "rogan_gladen": self.rogan_gladen.to_dict() if self.rogan_gladen else None,
            "apparent_prevalence": {**self.apparent.to_dict(), "source": self.apparent_source},
            "sensitivity": self.sensitivity.to_dict(),
            "specificity": self.specificity.to_dict(),
            "level": self.level,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "population": self.population,
            "labelled": self.labelled,
            "labelled_fake": self.labelled_fake,
            "flag_rule": self.flag_rule,
            "strata": self.strata,
            "notes": self.notes,
        }


def _replicate_weights(s: LabelledSample, b: int, rng: np.random.Generator) -> np.ndarray:
    """``(b, n)`` Rao-Wu rescaled bootstrap weights (resample ``n_h - 1`` rows within each stratum)."""
    w = s.weights
    out = np.tile(w, (b, 1))
    for h in range(len(s.strata)):
        idx = np.flatnonzero(s.stratum == h)
        nh = idx.size
        if nh < 2:
            continue  # one labelled row: no variance can be estimated here (a note says so)
        fh = min(1.0, nh / s.N[h])
        lam = math.sqrt(1.0 - fh)
        if lam == 0.0:
            continue
        m = nh - 1
        r = rng.multinomial(m, np.full(nh, 1.0 / nh), size=b)
        out[:, idx] = w[idx] * (1.0 - lam + lam * (nh / m) * r)
    return out


def _jackknife_weights(s: LabelledSample) -> tuple[np.ndarray, np.ndarray]:
    """``(n, n)`` delete-one weights (row ``i`` drops row ``i``, its stratum re-weighted) and each row's scale."""
    w = s.weights
    n = w.size
    out = np.tile(w, (n, 1))
    scale = np.zeros(n)
    for h in range(len(s.strata)):
        idx = np.flatnonzero(s.stratum == h)
        nh = idx.size
        if nh < 2:
            continue
        out[np.ix_(idx, idx)] *= nh / (nh - 1)
        out[idx, idx] = 0.0
        scale[idx] = (nh - 1) * math.sqrt(max(0.0, 1.0 - nh / s.N[h]))
    return out, scale


def _stats(wm: np.ndarray, y: np.ndarray, f: np.ndarray, ap: float | None) -> dict[str, np.ndarray]:
    """The estimates for each row of a weight matrix (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = wm.sum(axis=1)
        fake = wm @ y
        gen = tot - fake
        tp = wm @ (y * f)
        tn = wm @ ((1 - y) * (1 - f))
        p = fake / tot
        se = np.where(fake > 0, tp / fake, np.nan)
        sp = np.where(gen > 0, tn / gen, np.nan)
        apv = np.full_like(p, ap) if ap is not None else (wm @ f) / tot
        j = se + sp - 1
        rg = np.where(j > 0, np.clip((apv + sp - 1) / j, 0.0, 1.0), np.nan)
    return {"design": p, "sensitivity": se, "specificity": sp, "apparent": apv, "rogan_gladen": rg}


def _interval(
    theta: float, reps: np.ndarray, jack: np.ndarray, scale: np.ndarray, level: float, method: str
) -> Interval:
    ok = reps[~np.isnan(reps)]
    dropped = int(reps.size - ok.size)
    alpha = 1 - level
    if ok.size == 0 or math.isnan(theta):
        return Interval(theta, math.nan, math.nan, method, dropped)
    lo_q, hi_q = alpha / 2, 1 - alpha / 2
    used = method
    if method == "bca":
        nd = NormalDist()
        below = (np.count_nonzero(ok < theta) + 0.5 * np.count_nonzero(ok == theta)) / ok.size
        jk_ok = ~np.isnan(jack) & (scale > 0)
        if 0 < below < 1 and jk_ok.sum() >= 3:
            z0 = nd.inv_cdf(below)
            u = scale[jk_ok] * (jack[jk_ok].mean() - jack[jk_ok])
            den = float((u**2).sum()) ** 1.5
            a = float((u**3).sum()) / (6 * den) if den > 0 else 0.0
            qs = []
            for q in (lo_q, hi_q):
                z = nd.inv_cdf(q)
                qs.append(nd.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
            lo_q, hi_q = qs
        else:
            used = "percentile"  # every replicate on one side of the estimate: BCa is undefined
    lo, hi = np.quantile(ok, [lo_q, hi_q])
    return Interval(theta, float(min(lo, theta)), float(max(hi, theta)), used, dropped)


def zero_event_bound(n: int, N: int, level: float = 0.95) -> int:
    """The most units of a kind a stratum of ``N`` can hold when none showed up in ``n`` drawn without replacement.

    The largest ``K`` with ``P(no such unit among n | K of N) >= (1 - level) / 2`` (hypergeometric,
    one-sided, matching a two-sided interval at ``level``).

    >>> zero_event_bound(70, 242), zero_event_bound(10, 35), zero_event_bound(5, 5)
    (10, 9, 0)
    """
    alpha = (1 - level) / 2
    best = 0
    for k in range(1, N - n + 1):
        p = 1.0
        for i in range(n):
            p *= (N - k - i) / (N - i)
        if p < alpha:
            break
        best = k
    return best


def _rate_interval(boot: Interval, sample: LabelledSample, among: np.ndarray, level: float) -> Interval:
    """Se or Sp: the bootstrap interval, or a Wilson interval when every labelled row agreed (zero width).

    With no error observed the bootstrap collapses to a point; a Wilson interval on Kish's
    effective sample size ``(sum w)^2 / sum w^2`` of the rows the rate is taken over keeps the
    honest width (e.g. 14 fakes all flagged: sensitivity 100% [78.5, 100]).
    """
    if math.isnan(boot.estimate) or boot.high - boot.low > 1e-9:
        return boot
    w = sample.weights[among]
    if w.size == 0:
        return boot
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = boot.estimate
    den = 1 + z * z / n_eff
    centre = (p + z * z / (2 * n_eff)) / den
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / den
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return Interval(p, low, high, "wilson (no error observed)", boot.dropped)


def estimate(
    sample: LabelledSample,
    *,
    bootstrap: int = 2000,
    level: float = 0.95,
    method: str = "bca",
    seed: int = 0,
    apparent: float | None = None,
    apparent_population: int | None = None,
) -> PrevalenceEstimate:
    """Estimate the share of fakes, design-weighted and Rogan-Gladen corrected, with bootstrap intervals.

    Args:
        sample: the labelled sample (:func:`read_sample`).
        bootstrap: number of bootstrap replicates ``B``.
        level: confidence level of every interval.
        method: ``bca`` or ``percentile``.
        seed: seed of the bootstrap draw.
        apparent: the detector's flag share over the whole population, when known from a scan
            (e.g. a newer one); by default it comes from the sample's strata when they are cut by
            the flag (a census), else it is estimated from the sample.
        apparent_population: how many profiles ``apparent`` was measured on (for the report).

    >>> s = sample_from_arrays(["f"] * 10 + ["n"] * 10, [20] * 10 + [80] * 10,
    ...                        [1] * 8 + [0] * 2 + [1] + [0] * 9, [1] * 10 + [0] * 10)
    >>> e = estimate(s, bootstrap=500, seed=1)
    >>> round(e.design.estimate, 3), round(e.rogan_gladen.estimate, 3), e.apparent.estimate
    (0.24, 0.24, 0.2)
    >>> e.design.low < 0.24 < e.design.high
    True
    """
    if method not in ("bca", "percentile"):
        raise InputError(f"interval method {method!r}: use bca or percentile", value=method)
    if not 0 < level < 1:
        raise InputError(f"--level {level}: use a confidence level between 0 and 1, e.g. 0.95", value=level)
    if bootstrap < 100:
        raise InputError(f"--bootstrap {bootstrap}: use at least 100 replicates (1000+ for a 95% interval)")
    notes: list[str] = []
    census = sample.census_apparent()
    if apparent is not None:
        if not 0 <= apparent <= 1:
            raise InputError(f"apparent prevalence {apparent}: must be in [0, 1]")
        source = f"census of {apparent_population} scanned profiles" if apparent_population else "given"
        ap: float | None = apparent
    elif census is not None:
        ap = census
        source = f"census of {sample.population_size} scanned profiles (from the strata)"
    else:
        ap = None
        source = "estimated from the sample (strata are not cut by the detector's flag)"
    rng = np.random.default_rng(seed)
    wb = _replicate_weights(sample, bootstrap, rng)
    w0 = sample.weights[None, :]
    point = {k: float(v[0]) for k, v in _stats(w0, sample.y, sample.f, ap).items()}
    reps = _stats(wb, sample.y, sample.f, ap)
    jw, scale = _jackknife_weights(sample)
    jack = _stats(jw, sample.y, sample.f, ap)

    def iv(key: str) -> Interval:
        return _interval(point[key], reps[key], jack[key], scale, level, method)

    def widened(x: Interval) -> Interval:
        if not (up or down):
            return x
        return Interval(
            x.estimate, max(0.0, x.low - down), min(1.0, x.high + up), x.method + " + zero-event bound", x.dropped
        )

    # Strata whose labelled rows all agree: the bootstrap cannot vary what it never drew, so
    # each such stratum widens the interval by the most profiles of the other kind it could
    # still hold (exact hypergeometric bound, one-sided at (1 - level) / 2).
    up = down = 0.0
    for h, name in enumerate(sample.strata):
        ys = sample.y[sample.stratum == h]
        nh, Nh = int(sample.n[h]), int(sample.N[h])
        if nh < Nh and ys.size and ys.min() == ys.max():
            k = zero_event_bound(nh, Nh, level)
            kind, other = ("fake", "genuine") if ys[0] else ("genuine", "fake")
            if ys[0]:
                down += k / sample.population_size
            else:
                up += k / sample.population_size
            notes.append(
                f"stratum {name}: all {nh} labelled rows are {kind}; up to {k} of its {Nh} profiles could still be "
                f"{other} (exact bound): the share's interval is widened by {k / sample.population_size:.1%}"
            )
    thin = [sample.strata[h] for h in range(len(sample.strata)) if sample.n[h] < 2 and sample.n[h] < sample.N[h]]
    if thin:
        notes.append(
            f"stratum {', '.join(thin)} has one labelled row: its variance is not estimable, "
            "so the intervals are too narrow"
        )
    missing = int((sample.drawn - sample.n).sum())
    if missing:
        notes.append(
            f"{missing} drawn row(s) left unlabelled: their strata's weights are spread over the labelled rows"
        )
    n_fake = int(sample.y.sum())
    if n_fake == 0:
        notes.append("no labelled fake: sensitivity is undefined and Rogan-Gladen cannot be applied")
    rg: Interval | None = None
    if not math.isnan(point["rogan_gladen"]):
        rg = widened(iv("rogan_gladen"))
        raw = (point["apparent"] + point["specificity"] - 1) / (point["sensitivity"] + point["specificity"] - 1)
        if not 0 <= raw <= 1:
            notes.append(f"Rogan-Gladen gave {raw:.4f} before clipping to [0, 1]")
        if rg.dropped:
            notes.append(f"{rg.dropped} of {bootstrap} replicates had sensitivity + specificity <= 1 and were dropped")
    elif n_fake:
        notes.append("sensitivity + specificity <= 1 on the sample: the detector is no better than chance here")
    strata_info = [
        {
            "stratum": h,
            "size": int(sample.N[i]),
            "drawn": int(sample.drawn[i]),
            "labelled": int(sample.n[i]),
            "labelled_fake": int(sample.y[sample.stratum == i].sum()),
            "weight": round(float(sample.N[i] / sample.n[i]), 4),
        }
        for i, h in enumerate(sample.strata)
    ]
    ap_iv = (
        Interval(point["apparent"], point["apparent"], point["apparent"], "census")
        if ap is not None
        else iv("apparent")
    )
    return PrevalenceEstimate(
        design=widened(iv("design")),
        rogan_gladen=rg,
        apparent=ap_iv,
        apparent_source=source,
        sensitivity=_rate_interval(iv("sensitivity"), sample, sample.y == 1, level),
        specificity=_rate_interval(iv("specificity"), sample, sample.y == 0, level),
        level=level,
        bootstrap=bootstrap,
        seed=seed,
        population=sample.population_size,
        labelled=int(sample.y.size),
        labelled_fake=n_fake,
        strata=strata_info,
        flag_rule=sample.flag_rule,
        notes=notes,
    )


def iter_labelled(sample: LabelledSample) -> Iterator[tuple[str, bool, bool, float]]:
    """``(profile_id, labelled_fake, flagged, weight)`` for each labelled row."""
    w = sample.weights
    for i, pid in enumerate(sample.profile_ids):
        yield pid, bool(sample.y[i]), bool(sample.f[i]), float(w[i])
