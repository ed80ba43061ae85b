"""The ``ai_text`` heads as plain JSON: standardisation, logistic weights, calibration, threshold.

No pickle anywhere: a head is a few lists of floats, written and read with :mod:`json`.

>>> h = LogisticHead(("a",), [0.0], [1.0], [2.0], -1.0, (1.0, 0.0), 0.5, 30)
>>> round(float(h.proba(np.array([[1.0]]))[0]), 3)
0.731
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.errors import ModelError

__all__ = ["DEFAULT_MODEL_DIR", "LogisticHead", "load_head"]

#: Where ``profilecheck train ai-text`` writes and the signal reads (beside the package).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "ai_text"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    return out


@dataclass(frozen=True)
class LogisticHead:
    """A standardised logistic regression with Platt calibration and an operating point.

    ``proba(X) = sigmoid(a * (((X - mean) / scale) @ coef + intercept) + b)``; texts under
    ``length_floor`` words are not judged (the caller says UNKNOWN).
    """

    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    platt: tuple[float, float]
    threshold: float
    length_floor: int
    metrics: dict[str, Any] = field(default_factory=dict)

    def logit(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"expected (n, {len(self.features)}) features, got {x.shape}")
        z = ((np.nan_to_num(x) - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef)
        out: np.ndarray = z + self.intercept
        return out

    def proba(self, x: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return _sigmoid(a * self.logit(x) + b)

    def save(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LogisticHead:
        return cls(
            tuple(d["features"]),
            [float(x) for x in d["mean"]],
            [float(x) for x in d["scale"]],
            [float(x) for x in d["coef"]],
            float(d["intercept"]),
            (float(d["platt"][0]), float(d["platt"][1])),
            float(d["threshold"]),
            int(d["length_floor"]),
            dict(d.get("metrics", {})),
        )


def load_head(path: Path | str, expect: Sequence[str] | None = None) -> LogisticHead:
    """Read a head written by :meth:`LogisticHead.save`.

    Raises:
        ModelError: the file is missing, unreadable, or built for other features.
    """
    try:
        head = LogisticHead.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: cannot load the ai_text head ({exc}); run `profilecheck train ai-text`") from exc
    if expect is not None and tuple(expect) != head.features:
        raise ModelError(f"{path}: built for other features; run `profilecheck train ai-text`")
    return head
