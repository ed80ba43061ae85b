"""Fuzz targets shared by the Hypothesis tests and the atheris driver (``tests/fuzz_atheris.py``).

Each target takes raw bytes and checks the contract of one parser: it returns or raises one of
our typed errors, nothing else, whatever the bytes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

from profilecheck.errors import InputError, MediaError
from profilecheck.importers import import_file
from profilecheck.media import REASONS, load_image
from profilecheck.store import Store


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


TARGETS = {"image": fuzz_image, "jsonl": fuzz_jsonl, "csv": fuzz_csv}
