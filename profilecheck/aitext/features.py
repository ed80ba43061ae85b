"""Stylometric and length features: the fast path of ``ai_text`` (no torch, no model files).

One pass of regular expressions and counts per text; :func:`style_features` of a batch is a
``(n, len(STYLE_FEATURES))`` array. Rates are per word so that length enters only through the
explicit length features.

>>> x = style_features(["Hi! I build apps. I'm based in Lyon, and I like it."])
>>> x.shape == (1, len(STYLE_FEATURES))
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

__all__ = ["AI_LEXICON", "FUNCTION_WORDS", "STYLE_FEATURES", "style_features"]

#: Words that assistant-written text over-uses (from published word-frequency studies of
#: ChatGPT-era text); counted as one rate.
AI_LEXICON = frozenset(
    """delve delves delving tapestry vibrant crucial additionally furthermore moreover overall ensure ensuring
    enhance enhancing foster fostering showcase showcasing seamless seamlessly robust comprehensive dynamic
    innovative pivotal realm landscape navigate navigating leverage leveraging unwavering testament intricate
    meticulous embark elevate passionate dedicated diverse essential significant significantly various valuable
    insights journey commitment strive optimal exceptional utilize utilizing facilitate paramount notably
    profound invaluable captivating cutting-edge renowned boasts underscores""".split()
)
FUNCTION_WORDS = (
    "the a an and of to in is that it for with as was on this be are by but not have they which can their "
    "also such these from or at will would i you my we".split()
)
_PUNCT = {
    "comma": ",",
    "period": ".",
    "excl": "!",
    "quest": "?",
    "semicolon": ";",
    "colon": ":",
    "paren": "(",
    "quote": '"',
    "apos": "'",
}
STYLE_FEATURES: tuple[str, ...] = (
    "log_words",
    "log_chars",
    "word_len_mean",
    "word_len_std",
    "long_word_rate",
    "ttr_25",
    "sent_len_mean",
    "sent_len_std",
    "log_sents",
    *(f"p_{k}" for k in _PUNCT),
    "p_dash",
    "digit_rate",
    "upper_rate",
    "allcaps_rate",
    "cap_start_rate",
    "lower_i_rate",
    "space_before_punct",
    "contraction_rate",
    "ai_lexicon_rate",
    *(f"fw_{w}" for w in FUNCTION_WORDS),
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
_SENT = re.compile(r"[.!?]+(?:\s+|$)")


# Runs rather than single characters: the counts are the same, the lists far shorter.
_DIGITS = re.compile(r"\d+")
_UPPERS = re.compile(r"[A-Z]+")
_ALPHAS = re.compile(r"[A-Za-z]+")
_SPACE_PUNCT = re.compile(r"\s[,.!?;:]")
_FW_INDEX = {w: i for i, w in enumerate(FUNCTION_WORDS)}


def _mean_std(xs: list[int]) -> tuple[float, float]:
    if not xs:
        return 0.0, 0.0
    m = sum(xs) / len(xs)
    return m, math.sqrt(sum((x - m) * (x - m) for x in xs) / len(xs))


def _one(text: str) -> list[float]:
    # The hot loop of the fast path (thousands of bios a second): C-level calls (regex,
    # str.count, map) wherever one does the work of a Python loop.
    toks = _WORD.findall(text)
    n = max(1, len(toks))
    # Lower-casing the tokens equals tokenising the lower-cased text: the word pattern is
    # case-blind and the apostrophes it folds are inside its character class.
    ltoks = text.lower().replace("’", "'")
    ltoks_l = _WORD.findall(ltoks)
    lens = list(map(len, toks))
    sents = [s for s in _SENT.split(text) if s.strip()]
    slens = [len(_WORD.findall(s)) for s in sents]
    # Type-token ratio over windows of 25 words, so that it does not fall with length.
    nl = len(ltoks_l)
    if nl >= 25:
        ttr = sum(len(set(ltoks_l[i : i + 25])) for i in range(0, nl - 24, 25)) / (25 * (nl // 25))
    else:
        ttr = len(set(ltoks_l)) / n
    letters = sum(map(len, _ALPHAS.findall(text))) or 1
    counts: dict[str, int] = {}
    for w in ltoks_l:
        counts[w] = counts.get(w, 0) + 1
    wm, ws = _mean_std(lens)
    sm, ss = _mean_std(slens)
    fw = [0.0] * len(FUNCTION_WORDS)
    apos = ai = 0
    for w, c in counts.items():
        k = _FW_INDEX.get(w)
        if k is not None:
            fw[k] = c / n
        if "'" in w:
            apos += c
        if w in AI_LEXICON:
            ai += c
    return [
        math.log1p(len(toks)),
        math.log1p(len(text)),
        wm,
        ws,
        sum(k >= 8 for k in lens) / n,
        ttr,
        sm,
        ss,
        math.log1p(len(sents)),
        *(text.count(ch) / n for ch in _PUNCT.values()),
        (text.count(" - ") + text.count("—") + text.count("--")) / n,
        sum(map(len, _DIGITS.findall(text))) / max(1, len(text)),
        sum(map(len, _UPPERS.findall(text))) / letters,
        sum(1 for t in toks if len(t) > 1 and t.isupper()) / n,
        sum(1 for s in sents if s.lstrip()[:1].isupper()) / max(1, len(sents)),
        counts.get("i", 0) and toks.count("i") / n,
        len(_SPACE_PUNCT.findall(text)) / n,
        apos / n,
        ai / n,
        *fw,
    ]


def style_features(texts: Sequence[str]) -> np.ndarray:
    """``(len(texts), len(STYLE_FEATURES))`` float64 features."""
    return np.array([_one(t) for t in texts], dtype=np.float64).reshape(len(texts), len(STYLE_FEATURES))
