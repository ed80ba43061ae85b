"""Parquet export: the JSONL columns, nesting kept, atomic, pseudonymised on request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from profilecheck.export import export, parquet_schema, pseudonymise
from profilecheck.store import Store


def test_parquet_round_trips_like_jsonl(scanned_workspace: Path, tmp_path: Path) -> None:
    """Read back with pyarrow, the Parquet export equals the JSONL export row for row."""
    with Store(scanned_workspace) as store:
        n = export(store, tmp_path / "v.parquet")
        assert n == export(store, tmp_path / "v.jsonl")
        total = store.count_profiles()
    table = pq.read_table(tmp_path / "v.parquet")
    assert table.schema.equals(parquet_schema(), check_metadata=False)
    assert pa.types.is_list(table.schema.field("reasons").type)
    js = [json.loads(x) for x in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert total == n == table.num_rows == len(js)
    assert table.to_pylist() == js
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left


def test_pseudonymised_parquet_has_no_ids_or_contacts(scanned_workspace: Path, tmp_path: Path) -> None:
    """With a key, no raw id, e-mail address or wallet appears anywhere in the Parquet values."""
    key = b"k" * 32
    with Store(scanned_workspace) as store:
        export(store, tmp_path / "p.pq", "parquet", pseudonym_key=key)
        ids = store.profile_ids()
    text = json.dumps(pq.read_table(tmp_path / "p.pq").to_pylist())
    assert not any(pid in text for pid in ids)
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text)
    assert "0x" not in text and "+1" not in text
    assert pseudonymise(ids[0], key) in text
    raw = (tmp_path / "p.pq").read_bytes()  # the file's bytes, not only the decoded values
    assert b"@gmail.com" not in raw and ids[0].encode() not in raw
