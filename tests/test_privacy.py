"""Personal data: purge leaves nothing, pseudonym keys stay apart, logs never carry raw contacts."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from profilecheck.engine import scan
from profilecheck.importers import import_file
from profilecheck.model import Profile
from profilecheck.sample import SAMPLE_NOW
from profilecheck.store import DB_NAME, DERIVED_CACHE_DIRS, Store


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "profilecheck", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_every_per_profile_table_cascades_from_profiles() -> None:
    """Every table with a profile_id references profiles(id) ON DELETE CASCADE (purge relies on it)."""
    with Store(None) as store:
        checked = 0
        for table in store.tables():
            cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
            fks = [tuple(r) for r in store.conn.execute(f"PRAGMA foreign_key_list({table})")]
            if "profile_id" not in cols:
                continue
            # foreign_key_list rows: (id, seq, table, from, to, on_update, on_delete, match)
            assert any(
                fk[2] == "profiles" and fk[3] == "profile_id" and fk[6] == "CASCADE" for fk in fks
            ), f"table {table}: profile_id must REFERENCES profiles(id) ON DELETE CASCADE"
            checked += 1
        assert checked >= 4


def _markers(p: Profile) -> list[str]:
    return [p.id, *p.contacts.emails, *p.contacts.phones, *(w.address for w in p.contacts.wallets)] + (
        [p.name] if p.name else []
    )


def _unique_to(store: Store, pid: str, others: list[str]) -> list[str]:
    """The markers of ``pid`` that no other profile's data contains (what must vanish with it)."""
    p = store.get_profile(pid)
    data = [store.conn.execute("SELECT data FROM profiles WHERE id=?", (o,)).fetchone()[0] for o in others]
    return [m for m in _markers(p) if not any(m in d for d in data)]


def test_purge_leaves_nothing_of_purged_profiles(scanned_copy: Path) -> None:
    """Purge two profiles (one whose photo another profile reuses, one with its own photo): no table, no
    column, no byte of the database or its log, and no media file keeps anything of them."""
    with Store(scanned_copy) as store:
        shared = next(  # a profile whose first photo is also some other profile's photo
            pid
            for kind, value, ids in store.shared_artifacts(["photo_sha256"])
            for pid in ids
            if kind == "photo_sha256"
        )
        photo_shared = {pid for _k, _v, ids in store.shared_artifacts(["photo_sha256"]) for pid in ids}
        all_ids = store.profile_ids()
        own = next(  # a profile with its own photo and an e-mail address no one else holds
            pid
            for pid in all_ids
            if pid not in photo_shared
            and (a := store.get_analysis(pid))
            and a.features["photos"]
            and a.features["photos"][0].get("status") == "ok"
            and any("@" in m for m in _unique_to(store, pid, [o for o in all_ids if o not in (pid, shared)]))
        )
        targets = [shared, own]
        others = [p for p in all_ids if p not in targets]
        markers = {pid: _unique_to(store, pid, others) for pid in targets}
        assert all(pid in m for pid, m in markers.items())
        own_sha = store.get_analysis(own).features["photos"][0]["sha256"]  # type: ignore[union-attr]
        shared_sha = store.get_analysis(shared).features["photos"][0]["sha256"]  # type: ignore[union-attr]
        mentioned = store.conn.execute(
            "SELECT count(*) FROM verdicts WHERE profile_id NOT IN (?, ?)"
            " AND (instr(evidence, ?) OR instr(evidence, ?))",
            (shared, own, shared, own),
        ).fetchone()[0]
        assert mentioned > 0  # other verdicts point at the shared-photo profile: purge must clear them
        store.conn.execute("UPDATE profiles SET updated_at='2001-01-01T00:00:00+00:00' WHERE id IN (?, ?)", targets)
        caches = [scanned_copy / d for d in DERIVED_CACHE_DIRS if (scanned_copy / d).exists()]
        before = store.count_profiles()

    r = run("purge", "--older-than", "30d", "-w", str(scanned_copy))
    assert 0 == r.returncode, r.stderr
    assert "purged 2 profile(s)" in r.stdout

    assert not [d for d in caches if d.exists()]  # e.g. the text LSH index with the purged bios' signatures
    with Store(scanned_copy) as store:
        assert before - 2 == store.count_profiles()
        assert "ok" == store.integrity_check()
        for table in store.tables():
            cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
            for col in cols:
                for pid, ms in markers.items():
                    for m in ms:
                        hit = store.conn.execute(
                            f'SELECT count(*) FROM {table} WHERE instr(CAST("{col}" AS TEXT), ?) > 0', (m,)
                        ).fetchone()[0]
                        assert 0 == hit, f"{table}.{col} still holds {m!r} of purged {pid}"
        assert not store.media.has(own_sha)
        assert store.media.has(shared_sha)  # still used by another profile
        assert store.conn.execute("SELECT 1 FROM media WHERE sha256=?", (shared_sha,)).fetchone()
        assert not store.conn.execute("SELECT 1 FROM media WHERE sha256=?", (own_sha,)).fetchone()
        stats = scan(store, now=SAMPLE_NOW)  # the profiles that pointed at a purged one are re-scored
        assert stats.scored >= 1
        assert store.count_verdicts() == store.count_profiles()
    raw = b"".join(p.read_bytes() for p in scanned_copy.iterdir() if p.name.startswith(DB_NAME))
    for ms in markers.values():
        for m in ms:
            assert m.encode() not in raw, f"{m!r} lingers in the database file's free pages or log"


def test_purge_needs_a_period(tmp_path: Path) -> None:
    """No --older-than and no retention setting: a one-line error; a bad duration names itself."""
    env = {"PROFILECHECK_RETENTION": ""}
    r = run("purge", "-w", str(tmp_path / "ws"), env=env)
    assert 1 == r.returncode and "PROFILECHECK_RETENTION" in r.stderr
    r = run("purge", "--older-than", "ages", "-w", str(tmp_path / "ws"))
    assert 1 == r.returncode and "'ages'" in r.stderr and "Traceback" not in r.stderr


def test_retention_setting_applies(sample_dir: Path, tmp_path: Path) -> None:
    """PROFILECHECK_RETENTION drives purge when no --older-than is given; recent profiles stay."""
    ws = tmp_path / "ws"
    with Store(ws) as store:
        import_file(store, sample_dir / "profiles.jsonl")
        n = store.count_profiles()
        store.conn.execute("UPDATE profiles SET updated_at='2020-01-01T00:00:00+00:00' WHERE id LIKE 'gigmarket:a%'")
        old = store.conn.execute("SELECT changes()").fetchone()[0]
    assert old > 0
    r = run("purge", "-w", str(ws), env={"PROFILECHECK_RETENTION": "365d"})
    assert 0 == r.returncode, r.stderr
    with Store(ws) as store:
        assert n - old == store.count_profiles()


def test_pseudonym_key_never_written(scanned_copy: Path, tmp_path: Path) -> None:
    """The HMAC key appears in no file of the workspace or the export folder, nor on the console."""
    key = "k3y-" + "s3cr3t-" * 4
    out_dir = tmp_path / "exports"
    for fmt in ("jsonl", "csv"):
        r = run(
            "export", str(out_dir / f"v.{fmt}"), "--pseudonymise", "-w", str(scanned_copy),
            env={"PROFILECHECK_PSEUDONYM_KEY": key},
        )
        assert 0 == r.returncode, r.stderr
        assert key not in r.stdout + r.stderr
    with Store(scanned_copy) as store:
        ids = store.profile_ids()
    for path in [*scanned_copy.rglob("*"), *out_dir.rglob("*")]:
        if path.is_file():
            blob = path.read_bytes()
            assert key.encode() not in blob, path
    rows = [json.loads(x) for x in (out_dir / "v.jsonl").read_text().splitlines()]
    assert len(ids) == len(rows) and all(r["profile_id"].startswith("p:") for r in rows)
    text = (out_dir / "v.jsonl").read_text() + (out_dir / "v.csv").read_text()
    assert not [i for i in ids if i in text]


HOSTILE_CONTACTS = [
    ("jane.doe@example.com", "+1 512 555 0101"),
    ("bob@@broken..example", "+44 20 7946 0958"),
    ("no-at-sign.example.com", "(512) 555-0199"),
    ("eve+tag@sub.example.org", "+1 555 12"),
]


def _contacts_batch(tmp_path: Path) -> Path:
    lines = []
    for i, (email, phone) in enumerate(HOSTILE_CONTACTS * 3):
        lines.append(
            json.dumps(
                {"platform": "p", "handle": f"u{i}", "country": "US",
                 "contacts": {"emails": [email], "phones": [phone]}, "photos": [{"path": f"missing{i}.jpg"}]}
            )
        )
    lines.append(json.dumps({"platform": "p", "handle": "bad", "contacts": {"emails": "x@example.com"}}))
    lines.append("{not json: jane.doe@example.com +1 512 555 0101")
    path = tmp_path / "contacts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _raw_values() -> list[str]:
    return [v for pair in HOSTILE_CONTACTS for v in pair] + ["x@example.com"]


def test_library_logs_carry_no_raw_contacts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Import + scan at DEBUG: records are written, and none holds a raw e-mail or phone."""
    caplog.set_level(logging.DEBUG, logger="profilecheck")
    with Store(tmp_path / "ws") as store:
        import_file(store, _contacts_batch(tmp_path))
        scan(store)
    assert len(caplog.records) > 10
    text = caplog.text
    assert "contacts.emails[0] is not an e-mail address" in text
    for value in _raw_values():
        assert value not in text


def test_package_loggers_redact_whatever_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    """A package logger redacts at the record, so even pytest's own handler never sees a raw contact."""
    from profilecheck.logs import get_logger

    caplog.set_level(logging.DEBUG, logger="profilecheck")
    log = get_logger("profilecheck.anywhere")
    log.warning("row from %s, phone %s", "jane.doe@example.com", "+1 512 555 0101")
    try:
        raise ValueError("bad contact eve+tag@sub.example.org")
    except ValueError:
        log.exception("failed")
    assert "row from <email>, phone <phone>" in caplog.text
    assert "eve+tag@sub.example.org" not in caplog.text and "<email>" in caplog.records[1].exc_text


def test_cli_stderr_carries_no_raw_contacts(tmp_path: Path) -> None:
    """The CLI at PROFILECHECK_LOG_LEVEL=DEBUG: stderr and stdout hold no raw contact."""
    batch = _contacts_batch(tmp_path)
    env = {"PROFILECHECK_LOG_LEVEL": "DEBUG"}
    out = ""
    for args in (("import", str(batch)), ("scan",), ("export", str(tmp_path / "v.csv"))):
        r = run(*args, "-w", str(tmp_path / "ws"), env=env)
        assert 0 == r.returncode, r.stderr
        out += r.stdout + r.stderr
    assert "DEBUG profilecheck.analysis" in out
    for value in _raw_values():
        assert value not in out
