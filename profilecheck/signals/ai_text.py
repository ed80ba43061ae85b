"""ai_text: the calibrated probability that a bio or portfolio text is machine-written.

Weak evidence by design: honest people polish their bios with an assistant, and no detector
of this size is reliable at bio length (see ``models/ai_text/README.md`` for the measured
figures). A HIT adds :data:`W_AI_TEXT` to the log-odds, a tenth of a shared wallet; a MISS
adds nothing (failing to look machine-written proves nothing).

Two paths, chosen with the environment setting ``PROFILECHECK_AI_TEXT``:

- ``fast`` (default): stylometric and length features, numpy only, thousands of bios a
  second; the scan of a large batch never needs torch;
- ``lm``: zero-shot features from SmolLM2-135M (mean log-likelihood, entropy, Fast-DetectGPT's
  criterion) with the head that survived leave-one-source-out; ~0.1-1 s a text on CPU.

The chosen path and the digest of its head file are part of the signal's :meth:`AIText.config`,
which the scan's input hash includes: switching the setting, or retraining, re-scores stored
verdicts on the next scan.

Reason codes:
    AI_TEXT_LIKELY     HIT: a text scores at or above the operating threshold (set for 1 %
                       false positives on development human text, non-native writers included)
    AI_TEXT_UNLIKELY   MISS: every judged text scores below it
    TEXT_TOO_SHORT     UNKNOWN: no text reaches the length floor chosen on data
    NO_TEXT            UNKNOWN: no bio or portfolio description
    AI_TEXT_NO_MODEL   UNKNOWN: the head is missing (run ``profilecheck train ai-text``)

Known false positives: bios polished or translated with an assistant (not fraud); formulaic
corporate boilerplate; non-native writers at rates measured per source in the model card;
very formal short texts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from profilecheck.aitext.features import STYLE_FEATURES, style_features
from profilecheck.aitext.model import DEFAULT_MODEL_DIR, LogisticHead, load_head
from profilecheck.errors import ModelError
from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

#: Default log-likelihood ratio of a HIT: weak on purpose.
W_AI_TEXT = 0.4
SETTING = "PROFILECHECK_AI_TEXT"


def ai_text_path() -> str:
    """The configured path: ``fast`` or ``lm``."""
    path = os.environ.get(SETTING, "fast").strip().lower() or "fast"
    if path not in ("fast", "lm"):
        raise ValueError(f"{SETTING} must be 'fast' or 'lm', got {path!r}")
    return path


@lru_cache(maxsize=4)
def _head(path: str) -> LogisticHead:
    return load_head(DEFAULT_MODEL_DIR / f"{path}.json")


@lru_cache(maxsize=1)
def _lm() -> Any:
    from profilecheck.aitext.lm import LMScorer

    return LMScorer()


def score_texts(texts: list[str], path: str | None = None) -> tuple[np.ndarray, LogisticHead]:
    """Calibrated probabilities for ``texts`` under the configured path, with the head used."""
    path = path or ai_text_path()
    head = _head(path)
    style = style_features(texts)
    if path == "fast":
        return head.proba(style), head
    from profilecheck.aitext.lm import LM_FEATURES

    lm = _lm().features(texts)
    cols: list[np.ndarray] = []
    for f in head.features:
        if f in LM_FEATURES:
            cols.append(lm[:, LM_FEATURES.index(f)])
        else:
            cols.append(style[:, STYLE_FEATURES.index(f)])
    return head.proba(np.stack(cols, axis=1)), head


@register
class AIText:
    name = "ai_text"
    version = 1

    def config(self) -> str:
        """The path in use and its head file's digest (part of the scan's input hash).

        >>> AIText().config().split(":")[0] in ("fast", "lm", "invalid")
        True
        """
        try:
            path = ai_text_path()
        except ValueError:
            return "invalid:" + os.environ.get(SETTING, "")  # the signal itself reports the bad value
        head = DEFAULT_MODEL_DIR / f"{path}.json"
        try:
            digest = hashlib.sha256(head.read_bytes()).hexdigest()[:16]
        except OSError:
            digest = "missing"
        return f"{path}:{digest}"

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        texts = {k: v for k, v in profile.texts().items() if v.strip()}
        if not texts:
            yield Evidence(self.name, "NO_TEXT", Status.UNKNOWN, 0.0, "no bio or portfolio description")
            return
        path = ai_text_path()
        try:
            head = _head(path)
        except ModelError as exc:
            yield Evidence(self.name, "AI_TEXT_NO_MODEL", Status.UNKNOWN, 0.0, str(exc))
            return
        judged = {k: v for k, v in texts.items() if len(v.split()) >= head.length_floor}
        if not judged:
            longest = max(len(v.split()) for v in texts.values())
            yield Evidence(
                self.name,
                "TEXT_TOO_SHORT",
                Status.UNKNOWN,
                0.0,
                f"longest text has {longest} words; the {path} model judges {head.length_floor}+",
            )
            return
        probs, head = score_texts(list(judged.values()), path)
        best = int(np.argmax(probs))
        field, p = list(judged)[best], float(probs[best])
        if p >= head.threshold:
            yield Evidence(
                self.name,
                "AI_TEXT_LIKELY",
                Status.HIT,
                W_AI_TEXT,
                f"{field} reads as machine-written (p={p:.2f} >= {head.threshold:.2f}, {path} model); "
                "weak evidence: honest people polish bios with assistants",
                (field,),
            )
        else:
            yield Evidence(
                self.name,
                "AI_TEXT_UNLIKELY",
                Status.MISS,
                0.0,
                f"{len(judged)} text(s) below the threshold (max p={p:.2f} < {head.threshold:.2f}, {path} model)",
            )
