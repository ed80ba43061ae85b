"""A scan killed with SIGKILL part-way resumes: whole database, every profile scored exactly once."""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
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
    return [sys.executable, "-m", "profilecheck", "scan", "-w", str(ws), "--batch", "5", "--commit-every", "5"]


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


def _progress(db: Path) -> int:
    return _count(db, "analysis") + _count(db, "verdicts")


def _check_whole(ws: Path) -> None:
    """The database after any kill: intact, and no profile analysed or scored twice."""
    with Store(ws) as store:
        assert "ok" == store.integrity_check()
        for table in ("analysis", "verdicts"):
            ids = [r[0] for r in store.conn.execute(f"SELECT profile_id FROM {table}")]
            assert len(ids) == len(set(ids)), table
            assert set(ids) <= set(store.profile_ids()), table


def test_sigkill_at_20_random_points_then_resume(sample_dir: Path, tmp_path: Path) -> None:
    """Kill the scan 20 times (seeded): 16 times once its stored progress passes a random threshold,
    4 times at a random delay after start (start-up, migrations, matching). After every kill the
    database is whole; the last run completes with every profile scored exactly once."""
    ws = tmp_path / "ws"
    small = tmp_path / "small"  # the first 100 profiles of the sample and their photos, to bound the CPU
    (small / "photos").mkdir(parents=True)
    lines = (sample_dir / "profiles.jsonl").read_text().splitlines()[:100]
    for line in lines:
        for photo in re.findall(r'"path":\s*"(photos/[^"]+)"', line):
            shutil.copy(sample_dir / photo, small / photo)
    (small / "profiles.jsonl").write_text("\n".join(lines) + "\n")
    with Store(ws) as store:
        import_file(store, small / "profiles.jsonl")
        total = store.count_profiles()
    assert total >= 95
    db = ws / DB_NAME
    rng = random.Random(20261122)
    plan = ["progress"] * 16
    for _ in range(4):
        plan.insert(rng.randrange(len(plan) + 1), "delay")
    survived = []
    for kind in plan:
        if _progress(db) >= 2 * total - 1:  # done: forget the results and go on killing from scratch
            with Store(ws) as store:
                store.conn.execute("DELETE FROM verdicts")
                store.conn.execute("DELETE FROM analysis")
        at = rng.uniform(0.05, 1.0) if kind == "delay" else rng.randint(_progress(db) + 1, 2 * total - 1)
        proc = subprocess.Popen(_scan_cmd(ws), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        while proc.poll() is None:
            if kind == "delay" and time.monotonic() - started >= at:
                break
            if kind == "progress" and _progress(db) >= at:
                break
            assert time.monotonic() - started < 120
            time.sleep(0.002)
        finished = proc.poll() is not None
        os.kill(proc.pid, signal.SIGKILL) if not finished else None
        proc.wait()
        _check_whole(ws)
        survived.append((kind, round(at, 3), _progress(db), finished))
    killed = [s for s in survived if not s[3]]
    assert len(killed) >= 16, survived  # a stage that commits in one step may finish before its threshold
    done = subprocess.run(_scan_cmd(ws), capture_output=True, text=True, timeout=300)
    assert 0 == done.returncode, done.stderr
    _check_whole(ws)
    with Store(ws) as store:
        assert total == store.count_verdicts() == _count(db, "analysis")
    again = subprocess.run(_scan_cmd(ws), capture_output=True, text=True, timeout=300)
    assert "nothing to do" in again.stdout


def test_killed_export_leaves_old_file_or_whole_new_one(scanned_copy: Path, tmp_path: Path) -> None:
    """Kill `export` at 12 seeded random moments: the target is always the old file or a complete export,
    never half of one; temporary files of killed exports are cleared by the next export."""
    with Store(scanned_copy) as store:  # 40 copies of every profile, so that writing takes a while
        with store.transaction() as c:
            for k in range(40):
                c.execute(
                    "INSERT INTO profiles SELECT id || ?, platform, handle || ?, name, data, content_hash, source,"
                    " first_seen, updated_at FROM profiles WHERE id NOT LIKE '%#%'",
                    (f"#{k}", f"#{k}"),
                )
                c.execute(
                    "INSERT INTO verdicts SELECT profile_id || ?, input_hash, score, p_fake, label, evidence, scored_at"
                    " FROM verdicts WHERE profile_id NOT LIKE '%#%'",
                    (f"#{k}",),
                )
        n = store.count_verdicts()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "verdicts.csv"
    out.write_text("old export\n")
    rng = random.Random(8)
    cmd = [sys.executable, "-m", "profilecheck", "export", str(out), "-w", str(scanned_copy)]
    started = time.monotonic()  # how long a whole export takes on this machine, now
    subprocess.run([*cmd[:4], str(tmp_path / "timing.csv"), *cmd[5:]], check=True, capture_output=True)
    whole = time.monotonic() - started
    outcomes = []
    for _ in range(12):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3 * whole, 1.1 * whole))
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        text = out.read_text()
        torn = any(p.name != out.name for p in out_dir.iterdir())
        if text == "old export\n":
            outcomes.append("old, mid-write" if torn else "old")
        else:
            rows = list(csv.reader(io.StringIO(text)))
            assert n + 1 == len(rows), "half an export"
            outcomes.append("new")
            out.write_text("old export\n")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert 0 == done.returncode, done.stderr
    assert [out.name] == [p.name for p in out_dir.iterdir()], "stale temporary files left behind"
    assert n + 1 == len(list(csv.reader(io.StringIO(out.read_text()))))
    assert any(o.startswith("old") for o in outcomes), outcomes
    print(f"export kills ({whole:.2f} s a whole export):", outcomes)
