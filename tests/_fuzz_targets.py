"""Fuzz targets shared by the Hypothesis tests and the atheris driver (``tests/fuzz_atheris.py``).

Each target takes raw bytes and checks the contract of one parser: it returns or raises one of
our typed errors, nothing else, whatever the bytes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from PIL import Image

from profilecheck.errors import InputError, MediaError
from profilecheck.importers import import_file
from profilecheck.media import REASONS, load_image
from profilecheck.store import Store
from spiders.pages import read_page

PAGE_STATUSES = {"ok", "missing", "unknown"}
PAGE_REASONS = {"person_found", "no_person_data", "too_large", "too_deep", "malformed_page", "captcha_or_waf"}


def fuzz_image(data: bytes) -> None:
    """The decoder gives an RGB image or a MediaError with a known reason."""
    try:
        img, info = load_image(data, max_seconds=2.0, draft_size=(128, 128), name="fuzz")
    except MediaError as exc:
        assert exc.reason in REASONS, exc.reason
        return
    assert isinstance(img, Image.Image) and "RGB" == img.mode
    assert info.width > 0 and info.height > 0 and info.frames >= 1


def _import(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory(prefix="pc-fuzz-") as tmp:
        src = Path(tmp) / f"in.{suffix}"
        src.write_bytes(data)
        with Store(None) as store:
            try:
                rep = import_file(store, src)
            except InputError:
                return
            assert rep.imported + len(rep.errors) >= 0
            assert store.count_profiles() == len(set(store.profile_ids())) <= rep.rows
            assert len(store.import_errors()) <= len(rep.errors)


def fuzz_jsonl(data: bytes) -> None:
    """The JSONL importer reports bad lines and never raises anything but InputError."""
    _import(data, "jsonl")


def fuzz_csv(data: bytes) -> None:
    """The CSV importer reports bad rows and never raises anything but InputError."""
    _import(data, "csv")


def fuzz_page(data: bytes) -> None:
    """The page extractor gives a typed outcome for any bytes, and what it gives can be stored."""
    res = read_page("https://example.org/u/fuzz", 200, data, headers={"content-type": "text/html"})
    assert res.status in PAGE_STATUSES and res.reason in PAGE_REASONS, (res.status, res.reason)
    json.dumps(res.item(), ensure_ascii=False).encode("utf-8")  # serialisable, no lone surrogates
    if res.status == "ok":
        assert res.record is not None and (res.record.get("name") or res.record.get("handle"))
    else:
        assert res.record is None


TARGETS = {"image": fuzz_image, "jsonl": fuzz_jsonl, "csv": fuzz_csv, "page": fuzz_page}
