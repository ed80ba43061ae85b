"""Name screening: transliteration-aware, fuzzy matching of a person's name against listed names.

How two names are compared:

1. Both are transliterated to Latin letters with ``anyascii`` (Cyrillic ``Дмитрий`` becomes
   ``Dmitriy``; each Hangul or CJK character becomes one syllable, so ``김정은`` is
   ``gim jeong eun``), case-folded, and split into tokens on anything that is not a letter or a
   digit (hyphens, commas, dots).
2. Each token also gets a *loose key* (:func:`loose_key`) that merges the spellings different
   romanisation systems give one sound: ``k/g/q/c``, ``ch/j/zh``, ``kh/h``, ``ph/f``, ``v/w``,
   ``y/i``, ``eo/o``, ``eu/u``, ``ou/u`` and doubled letters. ``gim`` and ``kim``, ``jeong`` and
   ``jong``, ``dmitrii`` and ``dmitriy`` get one key.
3. Two tokens are as similar as the better of their Levenshtein ratios (rapidfuzz
   ``fuzz.ratio``) on the folded tokens and on the loose keys (0-100); tokens whose consonant
   skeletons (:func:`skeleton`, four letters or more) agree score at least 92
   (``Mohammed`` / ``Muhammad``).
4. A listed name has a surname (OFAC gives ``lastName`` apart; in the CSV it is before the
   comma) and given names. The profile's name must hold a token close to *every* surname token
   and to at least one given-name token, each a different token of the profile's name; the
   name's score is the weakest of those token scores. A listed name of one part (entities,
   mononyms) must be met by all its tokens. Whole-name ``token_sort_ratio`` on the loose keys is
   taken when higher (it catches ``jong un`` against ``jongun``).
5. A profile name of one token is never screened (a lone given name or handle matches too much).

:data:`NAME_THRESHOLD` (88) was chosen on the variant pairs and negative controls of
``tests/test_screening.py`` and ``benchmarks/bench_screening.py``: romanisation variants of one
name score 90-100, and the closest different names seen there (``Ivanov`` / ``Ivanova``
families, one shared surname with a different given name) stay under 85. Name matches are weak
evidence on their own in any case (see :mod:`profilecheck.signals.screening`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz, process

__all__ = ["NAME_THRESHOLD", "NameHit", "NameIndex", "fold_name", "loose_key", "name_score", "skeleton", "tokens"]

NAME_THRESHOLD = 88.0
_SPLIT = re.compile(r"[^a-z0-9]+")
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "haji", "hajji", "sheikh", "shaykh"})
_LOOSE = (
    ("dzh", "j"),
    ("tch", "j"),
    ("sch", "s"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("sh", "s"),
    ("ch", "j"),
    ("zh", "j"),
    ("ts", "s"),
    ("tz", "s"),
    ("eo", "o"),
    ("eu", "u"),
    ("ou", "u"),
    ("oo", "u"),
    ("ae", "e"),
    ("ie", "i"),
)
_LOOSE_CHARS = str.maketrans({"q": "k", "c": "k", "g": "k", "x": "k", "b": "p", "d": "t", "z": "s", "v": "f",
                              "w": "f", "y": "i"})  # fmt: skip


def _syllabic(ch: str) -> bool:
    """Hangul syllables, CJK ideographs and kana: one character is one syllable of a name."""
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7A3 or 0x4E00 <= o <= 0x9FFF or 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF


@lru_cache(maxsize=65536)
def fold_name(name: str) -> str:
    """Latin, lower-case, tokens separated by one space.

    >>> fold_name("KIM, Jong-un"), fold_name("김정은"), fold_name("Дмитрий Николаев")
    ('kim jong un', 'gim jeong eun', 'dmitriy nikolaev')
    >>> fold_name("José  DA Silva")
    'jose da silva'
    """
    text = unicodedata.normalize("NFKC", name)
    parts = [f" {anyascii(ch)} " if _syllabic(ch) else anyascii(ch) for ch in text]
    return " ".join(_SPLIT.split("".join(parts).casefold())).strip()


def tokens(name: str) -> list[str]:
    """Folded tokens without honorifics.

    >>> tokens("Dr. Aleksandr  Ivanov")
    ['aleksandr', 'ivanov']
    """
    return [t for t in fold_name(name).split() if t and t not in _HONORIFICS]


@lru_cache(maxsize=65536)
def loose_key(token: str) -> str:
    """A token with the spellings that romanisation systems disagree on merged.

    >>> loose_key("jeong") == loose_key("chong") == loose_key("jong")
    True
    >>> loose_key("dmitriy") == loose_key("dmitrii"), loose_key("kim") == loose_key("gim")
    (True, True)
    """
    t = token
    for a, b in _LOOSE:
        t = t.replace(a, b)
    t = t.translate(_LOOSE_CHARS)
    return re.sub(r"(.)\1+", r"\1", t)


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """The loose key's consonants after its first letter: vowels are what romanisations disagree on most.

    >>> skeleton("mohammed") == skeleton("muhammad") == skeleton("mohamad")
    True
    """
    k = loose_key(token)
    return k[:1] + re.sub(r"[aeiou]", "", k[1:])


def _tok_sim(a: str, b: str) -> float:
    if a == b:
        return 100.0
    la, lb = loose_key(a), loose_key(b)
    if la == lb:
        return 100.0 if min(len(a), len(b)) >= 2 else 90.0
    s = max(fuzz.ratio(a, b), fuzz.ratio(la, lb))
    sa = skeleton(a)
    if len(sa) >= 4 and sa == skeleton(b):  # Mohammed / Muhammad; short skeletons coincide too often
        s = max(s, 92.0)
    return s


def name_score(profile_tokens: Sequence[str], last: Sequence[str], given: Sequence[str]) -> float:
    """How well a profile's name tokens meet a listed name (surname tokens, given-name tokens), 0-100.

    >>> name_score(["dmitrii", "nikolaev"], ["nikolaev"], ["dmitriy"])
    100.0
    >>> name_score(["dmitrii", "petrov"], ["nikolaev"], ["dmitriy"]) < 88
    True
    """
    if len(profile_tokens) < 2:
        return 0.0
    required = list(last)
    if not required:  # a name of one part: all of it must be met
        required, given = list(given), []
    used: set[int] = set()
    scores: list[float] = []
    for r in required:
        best, at = 0.0, -1
        for i, t in enumerate(profile_tokens):
            if i not in used:
                s = _tok_sim(t, r)
                if s > best:
                    best, at = s, i
        if at < 0:
            return 0.0
        used.add(at)
        scores.append(best)
    if given:
        best = 0.0
        for g in given:
            for i, t in enumerate(profile_tokens):
                if i not in used:
                    best = max(best, _tok_sim(t, g))
        scores.append(best)
    aligned = min(scores) if scores else 0.0
    whole = fuzz.token_sort_ratio(
        " ".join(loose_key(t) for t in profile_tokens), " ".join(loose_key(t) for t in [*last, *given])
    )
    # The whole-name comparison may only lift a name whose parts nearly match already.
    return max(aligned, whole if aligned >= 70 else 0.0)


@dataclass(frozen=True, slots=True)
class NameHit:
    """A listed name that a profile's name meets: the entry's key, the listed name and the score."""

    key: str
    listed: str
    category: str
    score: float


class NameIndex:
    """Listed names, indexed by the loose keys of their tokens for fast candidate lookup.

    Args:
        names: ``(key, full name, surname, given names, category)``; ``key`` names the entry
            (e.g. ``"list-id/uid"``).
    """

    def __init__(self, names: Iterable[tuple[str, str, str, str, str]]) -> None:
        self._variants: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = []
        self._by_key: dict[str, set[int]] = defaultdict(set)
        for key, full, last, given, category in names:
            lt, gt = tokens(last), tokens(given)
            if not lt and not gt:
                lt = tokens(full)
            if not lt and not gt:
                continue
            idx = len(self._variants)
            self._variants.append((key, full, category, tuple(lt), tuple(gt)))
            for t in (*lt, *gt):
                self._by_key[loose_key(t)].add(idx)
        self._vocab = sorted(self._by_key)

    def __len__(self) -> int:
        return len(self._variants)

    def search(self, name: str, threshold: float = NAME_THRESHOLD) -> list[NameHit]:
        """Listed names that ``name`` meets at ``threshold`` or above, best first (one per entry key)."""
        toks = tokens(name)
        if len(toks) < 2 or not self._variants:
            return []
        cands: set[int] = set()
        for t in toks:
            k = loose_key(t)
            cands |= self._by_key.get(k, set())
            if len(k) >= 3:
                for other, _s, _i in process.extract(k, self._vocab, scorer=fuzz.ratio, score_cutoff=75, limit=25):
                    cands |= self._by_key[other]
        best: dict[str, NameHit] = {}
        for i in cands:
            key, full, category, lt, gt = self._variants[i]
            s = name_score(toks, lt, gt)
            if s >= threshold and (key not in best or s > best[key].score):
                best[key] = NameHit(key, full, category, round(s, 1))
        return sorted(best.values(), key=lambda h: (-h.score, h.key))
