"""Shared fixtures: the bundled sample (generated once), stores, profile factories."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from profilecheck.engine import scan
from profilecheck.importers import import_file
from profilecheck.model import Profile
from profilecheck.sample import SAMPLE_NOW, write_sample
from profilecheck.store import Store

# Face detection and embedding cost most of a photo's analysis; the suite's many scans of the
# sample run without them (hash tier + verifier). Tests of faces and ai_face enable them.
os.environ.setdefault("PROFILECHECK_FACES", "0")

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample marketplace, written once per test session."""
    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


@pytest.fixture(scope="session")
def truth(sample_dir: Path) -> dict[str, dict[str, str]]:
    with (sample_dir / "truth.csv").open() as fh:
        return {r["profile_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="session")
def scanned_workspace(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the sample imported and scanned (read-only: copy it to change it)."""
    ws = tmp_path_factory.mktemp("scanned")
    with Store(ws) as store:
        import_file(store, sample_dir / "profiles.jsonl")
        scan(store, now=SAMPLE_NOW)
    return ws


@pytest.fixture
def scanned_copy(scanned_workspace: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "ws"
    shutil.copytree(scanned_workspace, dst)
    return dst


@pytest.fixture
def db() -> Iterator[Store]:
    """An in-memory store."""
    with Store(None) as store:
        yield store


@pytest.fixture
def make_profile() -> Callable[..., Profile]:
    def make(handle: str = "jdoe", platform: str = "gigmarket", **fields: Any) -> Profile:
        return Profile.model_validate({"platform": platform, "handle": handle, **fields})

    return make
