"""Fuzzing the parsers that read adversaries' bytes: the image decoder, the importers, the page extractor.

A short Hypothesis run of each target is part of ``make test``; ``pytest -m slow
tests/test_fuzz.py`` runs a long one, and a coverage-guided atheris run of every target when
atheris is installed (``pip install atheris``). Every run is seeded from the hostile corpus of
``tests/_hostile.py`` (images) and ``tests/_hostile_pages.py`` (profile pages).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._fuzz_targets import fuzz_csv, fuzz_image, fuzz_jsonl, fuzz_page
from tests._hostile import malformed_images, valid_images
from tests._hostile_pages import hostile_pages

SEEDS = sorted({**valid_images(), **{k: v for k, v in malformed_images().items() if len(v) < 200_000}}.items())
SHORT = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
PAGE_SEEDS = sorted((name, page[0]) for name, page in hostile_pages(big=False).items())
PAGE_SNIPPETS = [
    b"<div>", b"</div>", b'<script type="application/ld+json">', b"</script>", b'{"@type": "Person", "name": "A",',
    b'"identifier": "x"}', b"[[[[", b"]]", b'<div class="h-card"><span class="p-name">', b"&x;", b"<!DOCTYPE html [",
    b'<!ENTITY x SYSTEM "file:///etc/passwd">', b'<meta charset="utf-16">', b"\xff\xfe", b"\x00", b"\\ud800",
    b'<div itemscope itemtype="https://schema.org/Person">', b'<span itemprop="name">', b'<?xml encoding="latin-1"?>',
    b'<meta property="og:type" content="profile">', b'<meta property="profile:username" content="u">',
]  # fmt: skip


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    """A seed file with a few byte flips, a cut, a splice or an insertion."""
    data = bytearray(draw(st.sampled_from(SEEDS))[1])
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "splice"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            other = draw(st.sampled_from(SEEDS))[1]
            data[at:] = other[draw(st.integers(0, max(0, len(other) - 1))) :]
    return bytes(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["platform", "handle", "name", "bio", "photos", "contacts", "links", "hourly_rate", "created_at", "portfolio"]


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["record", "json", "bytes"]))
        if kind == "record":
            rec = draw(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
            lines.append(json.dumps(rec, allow_nan=True).encode())
        elif kind == "json":
            lines.append(json.dumps(draw(json_values)).encode())
        else:
            lines.append(draw(st.binary(max_size=80)))
    return b"\n".join(lines)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    cols = draw(st.lists(st.sampled_from([*FIELDS, "contacts.emails[]", "photos[].url", "x"]), min_size=1, max_size=5))
    cell = st.text(alphabet=st.sampled_from(list('ab,"\n\r|=+-@ \x00é')), max_size=12)
    rows = [",".join(cols)] + [",".join(draw(cell) for _ in cols) for _ in range(draw(st.integers(0, 5)))]
    text = "\n".join(rows).encode()
    return draw(st.sampled_from([text, text + draw(st.binary(max_size=16)), b"\xff\xfe" + text]))


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    """A hostile page with flips, cuts, splices, and insertions of markup that matters to the extractor."""
    data = bytearray(draw(st.sampled_from(PAGE_SEEDS))[1])
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "snippet", "snippet", "repeat", "splice"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:]
        elif op == "snippet":
            data[at:at] = draw(st.sampled_from(PAGE_SNIPPETS))
        elif op == "repeat":
            data[at:at] = draw(st.sampled_from(PAGE_SNIPPETS)) * draw(st.integers(2, 400))
        else:
            other = draw(st.sampled_from(PAGE_SEEDS))[1]
            data[at:] = other[draw(st.integers(0, max(0, len(other) - 1))) :]
    return bytes(data)


@SHORT
@given(mutated_images())
def test_fuzz_image_short(data: bytes) -> None:
    """Mutated images: an RGB image or a typed refusal."""
    fuzz_image(data)


@SHORT
@given(jsonl_files())
def test_fuzz_jsonl_short(data: bytes) -> None:
    """Random JSONL (records, other JSON, raw bytes): reported, never raised."""
    fuzz_jsonl(data)


@SHORT
@given(csv_files())
def test_fuzz_csv_short(data: bytes) -> None:
    """Random CSV (quotes, separators, NULs, bad encodings): reported, never raised."""
    fuzz_csv(data)


@settings(SHORT, max_examples=100)
@given(mutated_pages())
def test_fuzz_page_short(data: bytes) -> None:
    """Mutated hostile pages: a typed outcome that can be stored, never an exception."""
    fuzz_page(data)


@pytest.mark.slow
@LONG
@given(mutated_pages())
def test_fuzz_page_long(data: bytes) -> None:
    """The long run of the page target."""
    fuzz_page(data)


@pytest.mark.slow
@LONG
@given(mutated_images())
def test_fuzz_image_long(data: bytes) -> None:
    """The long run of the image target."""
    fuzz_image(data)


@pytest.mark.slow
@LONG
@given(jsonl_files())
def test_fuzz_jsonl_long(data: bytes) -> None:
    """The long run of the JSONL target."""
    fuzz_jsonl(data)


@pytest.mark.slow
@LONG
@given(csv_files())
def test_fuzz_csv_long(data: bytes) -> None:
    """The long run of the CSV target."""
    fuzz_csv(data)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["image", "jsonl", "csv", "page"])
def test_atheris_coverage_guided(target: str, tmp_path: Path) -> None:
    """atheris (libFuzzer) over each target for 20,000 runs, seeded from the hostile corpus."""
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text_seeds = [("good", b'{"platform":"p","handle":"h"}\n'), ("csv", b"platform,handle\np,h\n")]
    seeds = {"image": SEEDS, "page": PAGE_SEEDS}.get(target, text_seeds)
    for name, data in seeds:
        (corpus / name).write_bytes(data)
    runs = os.environ.get("PROFILECHECK_FUZZ_RUNS", "20000")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("fuzz_atheris.py")), target, str(corpus),
         f"-runs={runs}", "-max_len=65536", "-rss_limit_mb=2048", "-timeout=10"],
        capture_output=True, text=True, timeout=3600,
    )
    assert 0 == done.returncode, done.stderr[-4000:]
