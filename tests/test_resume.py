"""A scan killed with SIGKILL part-way resumes: whole database, every profile scored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from profilecheck.importers import import_file
from profilecheck.store import DB_NAME, Store


def _count(db: Path, table: str) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _scan_cmd(ws: Path) -> list[str]:
    return [sys.executable, "-m", "profilecheck", "scan", "-w", str(ws), "--batch", "5"]


@pytest.mark.parametrize("kill_in", ["analysis", "scoring"])
def test_sigkill_then_resume(sample_dir: Path, tmp_path: Path, kill_in: str) -> None:
    """Kill the scan in the analysis or the scoring stage, then run it again."""
    ws = tmp_path / "ws"
    with Store(ws) as store:
        import_file(store, sample_dir / "profiles.jsonl")
        total = store.count_profiles()
    db = ws / DB_NAME
    proc = subprocess.Popen(_scan_cmd(ws), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    table, at = ("analysis", total // 3) if kill_in == "analysis" else ("verdicts", 1)
    deadline = time.monotonic() + 120
    while _count(db, table) < at:
        assert proc.poll() is None, "scan finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _count(db, table)
    assert 0 < killed_at < total

    done = subprocess.run(_scan_cmd(ws), capture_output=True, text=True, timeout=300)
    assert 0 == done.returncode, done.stderr
    with Store(ws) as store:
        assert "ok" == store.integrity_check()
        ids = [r[0] for r in store.conn.execute("SELECT profile_id FROM verdicts")]
        assert sorted(store.profile_ids()) == sorted(ids)
        assert len(ids) == len(set(ids)) == total
        assert total == _count(db, "analysis")
    again = subprocess.run(_scan_cmd(ws), capture_output=True, text=True, timeout=300)
    assert "nothing to do" in again.stdout
