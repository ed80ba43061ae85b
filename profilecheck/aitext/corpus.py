"""The labelled text corpus behind ``ai_text``, read from ``../shared/data/text/``.

Every source is cut to bio length the same way for both classes: the first sentences of a
text up to a length drawn per text (deterministically, from its hash) between 15 and 110
words, so the model sees the short texts it must abstain on as well as full bios. Texts are
deduplicated (folded words) before any split: the Fast-DetectGPT files repeat their human
originals across generators. Each record carries its ``source`` (the unit of
leave-one-source-out), its ``generator`` and a ``group`` (essay, user or original) so that
passages of one text never straddle a split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from profilecheck.errors import InputError
from profilecheck.index.minhash import words

__all__ = ["CHATGPT_ERA", "Record", "bio_cut", "load_corpus"]

#: Generators of the ChatGPT era (the target of the evaluation); the rest are older models.
CHATGPT_ERA = frozenset({"gpt-3.5-turbo", "gpt-4", "chatgpt"})

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_ASAP = re.compile(r"@[A-Z]+\d*")
_PLACEHOLDER = re.compile(
    r"\b(Generic_Name|Generic_City|Generic_School|STUDENT_NAME|TEACHER_NAME|LOCATION_NAME|PROPER_NAME|"
    r"SCHOOL_NAME|RELATIVE_NAME|PHONE_NUMBER)\b"
)
_NAMES = ["Alex", "Maria", "Sam", "Lee", "Jordan", "Priya", "Omar", "Chen"]


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    label: int  # 1 = machine-written, 0 = human
    source: str
    generator: str
    group: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def _h(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def bio_cut(text: str, lo: int = 15, hi: int = 110) -> str:
    """The first sentences of ``text`` up to a per-text length in ``[lo, hi]`` words.

    >>> bio_cut("One two three. Four five six seven. Eight.", lo=3, hi=3)
    'One two three.'
    """
    text = " ".join(text.split())
    target = lo + _h(text) % (hi - lo + 1)
    out: list[str] = []
    n = 0
    for sent in _SENT.split(text):
        k = len(sent.split())
        if n + k > target:
            break
        out.append(sent)
        n += k
    if n < min(target, lo):  # one long sentence: cut it at the target
        return " ".join(text.split()[:target])
    return " ".join(out)


def _fdg(root: Path) -> Iterator[Record]:
    for sub in ("exp_gpt3to4", "exp_main"):
        for f in sorted((root / "fastdetectgpt" / sub).glob("*.raw_data.json")):
            domain, gen = f.name.removesuffix(".raw_data.json").split("_", 1)
            data = json.loads(f.read_text(encoding="utf-8"))
            for i, (orig, samp) in enumerate(zip(data["original"], data["sampled"], strict=True)):
                group = f"{domain}:{hashlib.sha256(orig.encode()).hexdigest()[:12]}"
                yield Record(orig, 0, f"news-stories:{domain}", "human", group)
                yield Record(samp, 1, f"news-stories:{domain}", gen, f"{group}:{gen}:{i}")


def _tweepfake(root: Path) -> Iterator[Record]:
    for split in ("train", "validation", "test"):
        with (root / "tweepfake" / f"{split}.csv").open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter=";"):
                human = r["account.type"] == "human"
                yield Record(r["text"], 0 if human else 1, "tweepfake", r["class_type"], f"tw:{r['screen_name']}")


def _reviews(root: Path) -> Iterator[Record]:
    for split in ("dev", "test"):
        with (root / "fakereviews-gpt2" / f"{split}.csv").open(newline="", encoding="utf-8") as fh:
            for i, r in enumerate(csv.DictReader(fh)):
                human = r["True_Label"] == "1"
                yield Record(r["Text"], 0 if human else 1, "reviews", "human" if human else "gpt2", f"rv:{split}:{i}")


def _essays(root: Path) -> Iterator[Record]:
    base = root / "authenticheck-essays"
    with (base / "asap_chatgpt_mixed.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            r = json.loads(line)
            if not r["chatgpt"]:
                text = _ASAP.sub(lambda m: _NAMES[len(m.group()) % len(_NAMES)], r["answer"])
                yield Record(text, 0, "essays", "human", f"es:h{i}")
    with (base / "chatgpt_essays.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            yield Record(r["essay"], 1, "essays", "chatgpt", f"es:c{r['essay_id']}")


def _wi(root: Path) -> Iterator[Record]:
    for f in sorted((root / "non-native" / "wi-learners").glob("*.json")):
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                yield Record(r["text"], 0, "non-native:wi", "human", f"wi:{r.get('userid') or r['id']}")


def _ellipse(root: Path) -> Iterator[Record]:
    rng = random.Random(0)
    with (root / "non-native" / "ellipse" / "ELLIPSE_Final_github_test.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            text = _PLACEHOLDER.sub(lambda _m: rng.choice(_NAMES), r["full_text"])
            yield Record(text, 0, "non-native:ellipse", "human", f"el:{r['text_id_kaggle']}")


_READERS = (_fdg, _tweepfake, _reviews, _essays, _wi, _ellipse)


def load_corpus(root: Path | str, *, per_source_class: int | None = None, seed: int = 0) -> list[Record]:
    """Every source, cut to bio length, deduplicated, optionally subsampled.

    Args:
        root: the ``text/`` data folder.
        per_source_class: at most this many records per (source, label, generator family),
            drawn with ``seed``; ``None`` keeps all.
        seed: the subsampling seed.

    Raises:
        InputError: a source folder is missing or unreadable.
    """
    root = Path(root)
    seen: set[str] = set()
    out: list[Record] = []
    for reader in _READERS:
        try:
            for rec in reader(root):
                text = bio_cut(rec.text)
                key = " ".join(words(text))
                if len(key.split()) < 3 or key in seen:
                    continue
                seen.add(key)
                out.append(Record(text, rec.label, rec.source, rec.generator, rec.group))
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"{root}: cannot read text source {reader.__name__[1:]}: {exc}") from exc
    if per_source_class is None:
        return out
    buckets: dict[tuple[str, int, str], list[Record]] = {}
    for rec in out:
        fam = "chatgpt-era" if rec.generator in CHATGPT_ERA else ("human" if rec.label == 0 else "older")
        buckets.setdefault((rec.source, rec.label, fam), []).append(rec)
    # Each bucket is shuffled by its own seed, so a smaller sample is a prefix of a larger one.
    picked: list[Record] = []
    for bucket in sorted(buckets):
        recs = list(buckets[bucket])
        random.Random(f"{seed}:{bucket}").shuffle(recs)
        picked.extend(recs[:per_source_class])
    return picked


def rank_in_bucket(records: list[Record]) -> list[int]:
    """Each record's position within its (source, label, family) bucket, as :func:`load_corpus` drew it."""
    seen: dict[tuple[str, int, str], int] = {}
    ranks = []
    for rec in records:
        fam = "chatgpt-era" if rec.generator in CHATGPT_ERA else ("human" if rec.label == 0 else "older")
        key = (rec.source, rec.label, fam)
        ranks.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    return ranks
