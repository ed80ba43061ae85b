"""The store: migrations, upserts, media by content hash."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from profilecheck.errors import StorageError
from profilecheck.store import DB_NAME, MIGRATIONS, Store


def test_migrations_recorded_and_rerunnable(tmp_path: Path) -> None:
    """Named migrations are applied once and recorded."""
    with Store(tmp_path) as s:
        names = [r[0] for r in s.conn.execute("SELECT name FROM migrations")]
        assert [m[0] for m in MIGRATIONS] == names
        assert [] == s.migrate()
    with Store(tmp_path) as s:  # reopening applies nothing twice
        assert len(MIGRATIONS) == s.conn.execute("SELECT count(*) FROM migrations").fetchone()[0]


def test_wal_mode(tmp_path: Path) -> None:
    """The database runs in WAL mode."""
    with Store(tmp_path) as s:
        assert "wal" == s.conn.execute("PRAGMA journal_mode").fetchone()[0]


def test_upsert_counts(db: Store, make_profile) -> None:  # type: ignore[no-untyped-def]
    """New, changed and unchanged profiles are told apart by content hash."""
    a, b = make_profile("a", bio="x"), make_profile("b")
    assert {"new": 2, "changed": 0, "unchanged": 0} == db.upsert_profiles([a, b], "t")
    assert {"new": 0, "changed": 1, "unchanged": 1} == db.upsert_profiles([make_profile("a", bio="y"), b], "t")
    assert "y" == db.get_profile("gigmarket:a").bio


def test_missing_profile_is_storage_error(db: Store) -> None:
    """Asking for an unknown id names it."""
    with pytest.raises(StorageError, match="nope"):
        db.get_profile("x:nope")


def test_media_content_addressed(db: Store) -> None:
    """The same bytes are stored once, under their sha256."""
    sha = db.media.put(b"abc")
    assert sha == db.media.put(b"abc")
    assert b"abc" == db.media.get(sha)
    assert db.media.path(sha).name == sha
    with pytest.raises(ValueError, match="sha256"):
        db.media.path("../../etc/passwd")


def test_scan_batches_in_storage_order_cover_every_profile(db: Store, make_profile) -> None:  # type: ignore[no-untyped-def]
    """Batches follow storage order (ids imported out of order), each profile exactly once."""
    handles = ["m", "c", "x", "a", "k", "b", "z"]
    db.upsert_profiles([make_profile(h) for h in handles], "t")
    db.reset_matches()
    batches = list(db.iter_scan_batches(3))
    assert [3, 3, 1] == [len(b) for b in batches]
    assert [f"gigmarket:{h}" for h in handles] == [it["id"] for b in batches for it in b]


def test_label_counts_read_the_label_index(db: Store) -> None:
    """Counting verdicts per label reads the small label index, not the verdicts and their evidence."""
    sql = "EXPLAIN QUERY PLAN SELECT label, count(*) FROM verdicts GROUP BY label"
    plan = " ".join(str(r[-1]) for r in db.conn.execute(sql))
    assert "COVERING INDEX verdicts_label" in plan


def _committed_verdicts(ws: Path) -> int:
    """Verdicts another connection sees (what a killed scan would leave)."""
    con = sqlite3.connect(ws / DB_NAME)
    try:
        return int(con.execute("SELECT count(*) FROM verdicts").fetchone()[0])
    finally:
        con.close()


def test_grouped_commits_commit_every_n_rows_and_keep_each_write_whole(tmp_path: Path, make_profile) -> None:  # type: ignore[no-untyped-def]
    """Inside a group, writes become visible to other connections once ``rows`` rows are written
    and at the end; a write that fails is undone alone, and the rows before it are still committed."""
    ws = tmp_path / "ws"
    with Store(ws) as s:
        s.upsert_profiles([make_profile(f"u{i}") for i in range(12)], "t")
        ids = sorted(s.profile_ids())
        rows = [(pid, "h", 50, 0.5, "review", "[]") for pid in ids]
        with pytest.raises(RuntimeError, match="boom"), s.grouped_commits(4) as wrote:
            wrote(s.save_verdict_rows(rows[0:3]))
            assert 0 == _committed_verdicts(ws)  # 3 < 4 rows: not committed yet
            wrote(s.save_verdict_rows(rows[3:5]))
            assert 5 == _committed_verdicts(ws)  # 5 >= 4: committed
            wrote(s.save_verdict_rows(rows[5:6]))

            def failing() -> Iterator[tuple[str, str, int, float, str, str]]:
                yield rows[6]
                raise RuntimeError("boom")

            s.save_verdict_rows(failing())  # row 6 is written, then its write fails: undone
        assert not s.conn.in_transaction
        assert 6 == _committed_verdicts(ws)  # rows 0-5 kept, the failed write's row 6 undone
        assert {r[0] for r in s.conn.execute("SELECT profile_id FROM verdicts")} == set(ids[:6])
        with s.grouped_commits(100) as wrote:  # the end of a group commits what it holds
            wrote(s.save_verdict_rows(rows[6:]))
            assert 6 == _committed_verdicts(ws)
        assert 12 == _committed_verdicts(ws)
        with s.transaction() as c:  # outside a group, transactions are plain again
            c.execute("DELETE FROM verdicts")
        assert 0 == _committed_verdicts(ws)
