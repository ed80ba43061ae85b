"""Importers: JSONL and CSV with mappings; bad rows reported, the rest imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from profilecheck.errors import InputError
from profilecheck.importers import builtin_mappings, import_file
from profilecheck.store import Store

from .conftest import SHARED_DATA

GITHUB_CSV = SHARED_DATA / "profiles" / "github-users" / "seattle_users.csv"


def test_sample_imports_with_one_refused_row(db: Store, sample_dir: Path, truth: dict[str, dict[str, str]]) -> None:
    """The sample imports whole; its one malformed row is reported with its line."""
    rep = import_file(db, sample_dir / "profiles.jsonl")
    assert len(truth) == rep.new
    assert 1 == len(rep.errors)
    line, reason = rep.errors[0]
    assert 102 == line
    assert "hourly_rate" in reason and "photos" in reason
    assert [{"source": str(sample_dir / "profiles.jsonl"), "line": 102}] == [
        {k: e[k] for k in ("source", "line")} for e in db.import_errors()
    ]


def test_reimport_changes_nothing(db: Store, sample_dir: Path) -> None:
    """Importing the same file twice is idempotent."""
    import_file(db, sample_dir / "profiles.jsonl")
    rep = import_file(db, sample_dir / "profiles.jsonl")
    assert 0 == rep.new + rep.changed
    assert rep.unchanged == db.count_profiles()


def test_photos_stored_by_content_hash(db: Store, sample_dir: Path) -> None:
    """Local photo paths become media-store hashes."""
    import_file(db, sample_dir / "profiles.jsonl")
    pid = db.profile_ids()[0]
    photo = db.get_profile(pid).photos[0]
    assert photo.sha256 is not None and db.media.has(photo.sha256)


def test_bad_jsonl_lines(db: Store, tmp_path: Path) -> None:
    """Every kind of bad line is reported with its number; good lines import."""
    f = tmp_path / "p.jsonl"
    lines = [
        json.dumps({"platform": "x", "handle": "good1"}),
        "{not json",
        "[1, 2]",
        json.dumps({"platform": "x"}),
        "",
        json.dumps({"platform": "x", "handle": "good2", "photos": [{"path": "../../etc/passwd"}]}),
        json.dumps({"platform": "x", "handle": "good3", "photos": [{"path": "missing.jpg"}]}),
    ]
    f.write_text("\n".join(lines) + "\n")
    rep = import_file(db, f)
    assert 3 == rep.new
    by_line = {line: reason for line, reason in rep.errors}
    assert {2, 3, 4, 6, 7} == set(by_line)
    assert "not valid JSON" in by_line[2]
    assert "expected a JSON object" in by_line[3]
    assert "handle" in by_line[4]
    assert "escapes" in by_line[6]
    assert "missing.jpg" in by_line[7]


def test_github_csv_mapping(db: Store) -> None:
    """The GitHub REST user objects in shared data import through the built-in mapping."""
    assert "github" in builtin_mappings()
    rep = import_file(db, GITHUB_CSV, mapping="github")
    assert 519 == rep.new
    assert [] == rep.errors
    p = db.get_profile("github:bradfitz")
    assert "https://github.com/bradfitz" == p.url
    assert "bradfitz" == p.activity.github_login
    assert p.activity.followers and p.activity.followers > 200
    assert p.created_at is not None and p.created_at == p.activity.github_created_at


def test_malformed_csv_rows(db: Store, tmp_path: Path) -> None:
    """A CSV row with extra fields is reported; the others import."""
    f = tmp_path / "p.csv"
    f.write_text('platform,handle,bio,contacts.emails[]\nx,a,hi,a@b.example\nx,b,"two","x@y.example",extra\nx,c,,\n')
    rep = import_file(db, f)
    assert 2 == rep.new
    assert [3] == [line for line, _ in rep.errors]
    assert ["a@b.example"] == db.get_profile("x:a").contacts.emails


def test_unknown_format_and_missing_file(db: Store, tmp_path: Path) -> None:
    """Unusable inputs raise InputError naming the file."""
    with pytest.raises(InputError, match="no such file"):
        import_file(db, tmp_path / "nope.jsonl")
    f = tmp_path / "p.xml"
    f.write_text("<x/>")
    with pytest.raises(InputError, match="unknown format"):
        import_file(db, f)
    with pytest.raises(InputError, match="mapping"):
        import_file(db, f, fmt="csv", mapping="no-such-mapping")
