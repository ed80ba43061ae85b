"""The scan on the bundled sample: incremental, idempotent, equal across engines, right on ground truth."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import profilecheck.store as store_module
from profilecheck.engine import scan
from profilecheck.importers import import_file
from profilecheck.model import Label, Status
from profilecheck.sample import SAMPLE_NOW
from profilecheck.store import Store


def test_second_scan_does_nothing(scanned_copy: Path) -> None:
    """A scan of an unchanged store analyses and scores nothing."""
    with Store(scanned_copy) as store:
        stats = scan(store, now=SAMPLE_NOW)
    assert (0, 0) == (stats.analysed, stats.scored)
    assert stats.unchanged == stats.profiles
    assert not stats.changed_anything


def test_every_profile_scored_once(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """Every imported profile has exactly one verdict."""
    with Store(scanned_workspace) as store:
        ids = [r[0] for r in store.conn.execute("SELECT profile_id FROM verdicts")]
    assert sorted(truth) == sorted(ids)


def test_rings_sharing_exact_photo_or_wallet_score_below_genuine(
    scanned_workspace: Path, truth: dict[str, dict[str, str]]
) -> None:
    """Ring members that share an exact photo or a wallet score below every genuine profile."""
    with Store(scanned_workspace) as store:
        scores = {v.profile_id: v.score for v in store.iter_verdicts()}
    flagged = [
        p
        for p, r in truth.items()
        if r["label"] == "fake" and (r["shares_exact_photo"] == "1" or r["shares_wallet"] == "1")
    ]
    genuine = [p for p, r in truth.items() if r["label"] == "genuine"]
    assert len(flagged) >= 20
    assert max(scores[p] for p in flagged) < min(scores[p] for p in genuine)


def test_genuine_profiles_mostly_clean(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """No genuine profile of the sample is called likely fake."""
    with Store(scanned_workspace) as store:
        labels = {v.profile_id: v.label for v in store.iter_verdicts()}
    assert [] == [p for p, r in truth.items() if r["label"] == "genuine" and labels[p] is Label.LIKELY_FAKE]


def test_reasons_point_at_evidence(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """Every HIT names the other profiles or values behind it."""
    with Store(scanned_workspace) as store:
        verdicts = list(store.iter_verdicts())
    hits = [e for v in verdicts for e in v.evidence if e.status is Status.HIT]
    assert hits
    for e in hits:
        if e.code.startswith(("PHOTO_REUSED", "SHARED_")):
            assert e.refs, e


def test_broken_photo_recorded_batch_goes_on(scanned_workspace: Path) -> None:
    """The sample's truncated upload is recorded on its profile; the profile is still scored."""
    with Store(scanned_workspace) as store:
        rows = store.conn.execute(
            "SELECT profile_id, reason FROM profile_errors WHERE reason LIKE 'truncated%' OR reason LIKE 'corrupt%'"
        ).fetchall()
        assert 1 == len(rows)
        v = store.get_verdict(rows[0][0])
    assert v is not None
    assert "NO_PHOTO" in {e.code for e in v.evidence if e.status is Status.UNKNOWN}


def test_changed_profile_rescored_only_with_its_links(scanned_copy: Path, sample_dir: Path, tmp_path: Path) -> None:
    """Changing one profile re-analyses it alone and re-scores only profiles whose inputs moved."""
    lines = (sample_dir / "profiles.jsonl").read_text().splitlines()
    import json

    first = json.loads(lines[0])
    first["bio"] = (first.get("bio") or "") + " Now also doing Rust."
    f = sample_dir.parent / "one.jsonl"
    f.write_text(json.dumps(first) + "\n")
    shutil.copytree(sample_dir / "photos", sample_dir.parent / "photos", dirs_exist_ok=True)
    with Store(scanned_copy) as store:
        import_file(store, f)
        stats = scan(store, now=SAMPLE_NOW)
    assert 1 == stats.analysed
    assert 1 == stats.scored


def _schema(store: Store) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in store.conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name")]


def test_process_pool_equals_serial(
    sample_dir: Path, tmp_path: Path, scanned_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process-pool engine gives the same verdicts as the serial one; this run also takes the
    bulk-analysis path (artifact index dropped, then built again), which changes neither the
    verdicts nor the schema."""
    monkeypatch.setattr(store_module, "BULK_ANALYSIS_MIN", 1)
    with Store(tmp_path / "pool") as store:
        import_file(store, sample_dir / "profiles.jsonl")
        before = _schema(store)
        scan(store, engine="process", workers=2, now=SAMPLE_NOW)
        pooled = {v.profile_id: v.to_dict() for v in store.iter_verdicts()}
        assert _schema(store) == before
    with Store(scanned_workspace) as store:
        serial = {v.profile_id: v.to_dict() for v in store.iter_verdicts()}
        assert _schema(store) == before
    assert serial == pooled


def test_bulk_analysis_drops_the_artifact_index_and_a_killed_run_gets_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def indexes(store: Store) -> set[str]:
        return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}

    with Store(tmp_path / "ws") as store:
        assert "artifacts_kind_value" in indexes(store)
        with store.bulk_analysis(10) as bulk:  # small: the index stays
            assert not bulk and "artifacts_kind_value" in indexes(store)
        monkeypatch.setattr(store_module, "BULK_ANALYSIS_MIN", 1)
        with store.bulk_analysis(10) as bulk:
            assert bulk and "artifacts_kind_value" not in indexes(store)
        assert "artifacts_kind_value" in indexes(store)
        with pytest.raises(RuntimeError), store.bulk_analysis(10):
            raise RuntimeError("killed mid-run")
        assert "artifacts_kind_value" not in indexes(store)  # a dead run cannot build it ...
    with Store(tmp_path / "ws") as store:
        assert "artifacts_kind_value" in indexes(store)  # ... the next store opened does
        assert store.ensure_indexes() == []


def test_verdicts_pickle_by_value() -> None:
    """Verdicts cross process boundaries (pool, Dask): they round-trip through pickle unchanged,
    enums included, by the classes' own ``__reduce__``."""
    import pickle

    from profilecheck.model import Evidence, Label, Status, Verdict

    status = [Status.MISS, Status.HIT]
    ev = tuple(Evidence(f"s{k}", f"C{k}", status[k % 2], k / 3, f"d{k}", (f"r{k}",)) for k in range(5))
    v = Verdict("gigmarket:ann", 42, 0.61, Label.REVIEW, ev)
    back = pickle.loads(pickle.dumps([v, v.evidence[0]]))
    assert back == [v, v.evidence[0]]
    assert back[0].label is Label.REVIEW and back[0].evidence[1].status is Status.HIT


def test_verdict_rows_store_what_verdicts_store(db: Store, make_profile) -> None:  # type: ignore[no-untyped-def]
    """A scan's workers hand the driver verdicts as stored rows (evidence already JSON): saved
    either way, a verdict reads back equal, and the count of saved rows is returned."""
    from profilecheck.model import Evidence, Label, Status, Verdict
    from profilecheck.store import verdict_row

    ev = (Evidence("photo_reuse", "PHOTO_REUSED_ACROSS_PROFILES", Status.HIT, 2.5, "same photo", ("x:1#a",)),)
    db.upsert_profiles([make_profile("ann"), make_profile("bob")], source="test")
    a = Verdict("gigmarket:ann", 12, 0.93, Label.LIKELY_FAKE, ev)
    b = Verdict("gigmarket:bob", 97, 0.01, Label.LIKELY_GENUINE, ())
    assert 1 == db.save_verdicts([(a, "h1")])
    assert 2 == db.save_verdict_rows([verdict_row(b, "h2"), verdict_row(a, "h3")])
    assert [a, b] == list(db.iter_verdicts(order="id"))
    assert {"gigmarket:ann": "h3", "gigmarket:bob": "h2"} == db.verdict_hashes()
