"""Calibration: fit the per-reason weights on a team's own labelled cases.

Thresholds do not transfer between platforms: a shared company domain means little on a
marketplace of agency staff and a lot on one of solo freelancers. ``profilecheck calibrate``
fits one weight per reason code by L2-regularised logistic regression on the reasons the last
scan stored (each code present on a profile, HIT or MISS, is a 0/1 feature; UNKNOWN never
counts), with the intercept as the new prior. It writes a reliability curve (out-of-fold
predictions, 5-fold) and saves the weights as JSON in the workspace (``calibration.json``,
never a pickle); later scans use them.

The defaults, before any calibration, are each signal's own strengths (see the README table)
and a 5 % prior.

>>> from profilecheck.model import Evidence, Status, Verdict, Label
>>> row = features_of(Verdict("x:y", 50, 0.5, Label.REVIEW, (Evidence("s", "A", Status.HIT, 1.0, ""),)))
>>> row
{'A': 1.0}
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.errors import InputError
from profilecheck.export import _atomic_write
from profilecheck.model import Status, Verdict

__all__ = [
    "CALIBRATION_FILE",
    "Calibration",
    "features_of",
    "fit",
    "load_calibration",
    "read_labels",
    "reliability_svg",
    "save_calibration",
]

CALIBRATION_FILE = "calibration.json"
_FAKE = {"fake", "1", "true", "yes", "likely_fake"}
_GENUINE = {"genuine", "0", "false", "no", "likely_genuine", "real"}


@dataclass
class Calibration:
    """Fitted weights: ``weights`` per reason code (log-odds), ``prior`` the fitted base rate."""

    prior: float
    weights: dict[str, float]
    n: int
    n_fake: int
    fitted_at: str
    metrics: dict[str, float] = field(default_factory=dict)
    reliability: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_labels(path: Path | str) -> dict[str, bool]:
    """Read ``profile_id,label`` rows (``fake``/``genuine``, or 1/0); other labels are skipped.

    Raises:
        InputError: the file is missing or has no ``profile_id`` and ``label`` columns.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", path=str(p))
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not {"profile_id", "label"} <= cols:
            raise InputError(f"{p}: needs columns profile_id and label, found {sorted(cols)}", path=str(p))
        out: dict[str, bool] = {}
        for row in reader:
            lab = (row.get("label") or "").strip().lower()
            pid = (row.get("profile_id") or "").strip().lower()
            if not pid:
                continue
            if lab in _FAKE:
                out[pid] = True
            elif lab in _GENUINE:
                out[pid] = False
    return out


def features_of(v: Verdict) -> dict[str, float]:
    """The 0/1 features of a verdict: each reason code that judged (HIT or MISS)."""
    return {e.code: 1.0 for e in v.evidence if e.status is not Status.UNKNOWN}


def fit(
    verdicts: Iterable[Verdict], labels: Mapping[str, bool], *, c: float = 1.0, folds: int = 5, seed: int = 0
) -> Calibration:
    """Fit per-code weights and the prior on the labelled profiles among ``verdicts``.

    Raises:
        InputError: fewer than 10 labelled profiles found, or only one class among them.
    """
    from sklearn.calibration import calibration_curve
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows, ys, default_p = [], [], []
    for v in verdicts:
        if v.profile_id in labels:
            rows.append(features_of(v))
            ys.append(labels[v.profile_id])
            default_p.append(v.p_fake)
    n_fake = sum(ys)
    if len(ys) < 10:
        raise InputError(f"calibration needs at least 10 labelled, scanned profiles; found {len(ys)}")
    if n_fake == 0 or n_fake == len(ys):
        raise InputError("calibration needs both fake and genuine labels among the scanned profiles")
    codes = sorted({k for r in rows for k in r})
    x = np.array([[r.get(k, 0.0) for k in codes] for r in rows])
    y = np.array(ys, dtype=int)
    model = LogisticRegression(C=c, max_iter=1000)
    model.fit(x, y)
    k = max(2, min(folds, n_fake, len(ys) - n_fake))
    oof = cross_val_predict(
        LogisticRegression(C=c, max_iter=1000),
        x,
        y,
        cv=StratifiedKFold(k, shuffle=True, random_state=seed),
        method="predict_proba",
    )[:, 1]
    frac, mean = calibration_curve(y, oof, n_bins=10, strategy="uniform")
    dp = np.clip(np.array(default_p), 1e-6, 1 - 1e-6)
    metrics = {
        "auroc_default": float(roc_auc_score(y, dp)),
        "auroc_calibrated_oof": float(roc_auc_score(y, oof)),
        "brier_default": float(brier_score_loss(y, dp)),
        "brier_calibrated_oof": float(brier_score_loss(y, oof)),
        "log_loss_default": float(log_loss(y, dp)),
        "log_loss_calibrated_oof": float(log_loss(y, np.clip(oof, 1e-6, 1 - 1e-6))),
    }
    intercept = float(model.intercept_[0])
    return Calibration(
        prior=1 / (1 + math.exp(-intercept)),
        weights={code: round(float(w), 6) for code, w in zip(codes, model.coef_[0], strict=True)},
        n=len(ys),
        n_fake=int(n_fake),
        fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metrics={k2: round(v2, 6) for k2, v2 in metrics.items()},
        reliability=[
            {"predicted": round(float(m), 6), "observed": round(float(f), 6)} for m, f in zip(mean, frac, strict=True)
        ],
    )


def save_calibration(workspace: Path | str, cal: Calibration) -> Path:
    path = Path(workspace) / CALIBRATION_FILE
    _atomic_write(path, json.dumps(cal.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


def load_calibration(workspace: Path | str) -> Calibration | None:
    """The workspace's saved calibration, or None. A damaged file is an :class:`InputError`."""
    path = Path(workspace) / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        cal = Calibration(
            prior=float(d["prior"]),
            weights={str(k): float(v) for k, v in d["weights"].items()},
            n=int(d["n"]),
            n_fake=int(d["n_fake"]),
            fitted_at=str(d["fitted_at"]),
            metrics={str(k): float(v) for k, v in d.get("metrics", {}).items()},
            reliability=list(d.get("reliability", [])),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a calibration file ({exc}); delete it or run calibrate again") from exc
    if not 0 < cal.prior < 1:
        raise InputError(f"{path}: prior {cal.prior} is not in (0, 1)")
    return cal


def reliability_svg(cal: Calibration, width: int = 360, height: int = 360) -> str:
    """The reliability curve (out-of-fold predicted vs observed share of fakes) as an SVG image."""
    pad = 40
    w, h = width - 2 * pad, height - 2 * pad

    def xy(px: float, py: float) -> tuple[float, float]:
        return pad + px * w, pad + (1 - py) * h

    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(r["predicted"], r["observed"]) for r in cal.reliability))
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#b3261e"/>'
        for x, y in (xy(r["predicted"], r["observed"]) for r in cal.reliability)
    )
    x0, y0 = xy(0, 0)
    x1, y1 = xy(1, 1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11">'
        f'<rect x="{pad}" y="{pad}" width="{w}" height="{h}" fill="#fff" stroke="#999"/>'
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#bbb" stroke-dasharray="4 3"/>'
        f'<polyline points="{pts}" fill="none" stroke="#b3261e" stroke-width="2"/>{dots}'
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">predicted P(fake), out of fold</text>'
        f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" text-anchor="middle">'
        "observed share of fakes</text>"
        f'<text x="{pad}" y="{pad - 8}">reliability: n={cal.n}, fakes={cal.n_fake}, '
        f"Brier {cal.metrics.get('brier_calibrated_oof', float('nan')):.3f}</text></svg>"
    )
