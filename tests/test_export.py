"""Exports: whole, neutralised, pseudonymised on request."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilecheck.errors import InputError
from profilecheck.export import export, neutralise_cell, pseudonymise
from profilecheck.store import Store


@given(st.text())
def test_neutralised_cells_never_start_a_formula(value: str) -> None:
    """No exported cell starts with a spreadsheet formula character."""
    assert not neutralise_cell(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_and_jsonl_agree(scanned_workspace: Path, tmp_path: Path) -> None:
    """Both formats hold every profile with the same scores."""
    with Store(scanned_workspace) as store:
        n = export(store, tmp_path / "v.csv")
        assert n == export(store, tmp_path / "v.jsonl")
        total = store.count_profiles()
    with (tmp_path / "v.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    js = [json.loads(x) for x in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert total == n == len(rows) == len(js)
    assert [int(r["score"]) for r in rows] == [r["score"] for r in js]


def test_pseudonymised_export_has_no_ids_or_contacts(scanned_workspace: Path, tmp_path: Path) -> None:
    """With a key, ids are keyed hashes and no contact or name leaks."""
    key = b"k" * 32
    with Store(scanned_workspace) as store:
        export(store, tmp_path / "p.jsonl", pseudonym_key=key)
        ids = store.profile_ids()
    text = (tmp_path / "p.jsonl").read_text()
    assert not any(pid in text for pid in ids)
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text)
    assert "0x" not in text and "+1" not in text
    assert pseudonymise(ids[0], key) in text
    assert pseudonymise(ids[0], key) != pseudonymise(ids[0], b"other-key-000000")


def test_unknown_format(scanned_workspace: Path, tmp_path: Path) -> None:
    """An unknown format names the file."""
    with Store(scanned_workspace) as store, pytest.raises(InputError, match=r"x\.xml"):
        export(store, tmp_path / "x.xml")
