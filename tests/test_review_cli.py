"""check, explain, decide, calibrate and clusters through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from profilecheck.calibration import load_calibration
from profilecheck.store import Store


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "profilecheck", *args], capture_output=True, text=True, timeout=300)


def test_check_file_against_store(scanned_copy: Path, sample_dir: Path, tmp_path: Path) -> None:
    """A new profile that reuses a ring's photo and wallet is called out, with its evidence and cluster."""
    with Store(scanned_copy) as store:
        ring = store.clusters(rings_only=True)[0]
        # a member that holds the ring's wallet (members carry different parts of the ring's artifacts)
        src = next(p for p in map(store.get_profile, ring["members"]) if p.contacts.wallets)
    rec = json.loads(src.model_dump_json(exclude_none=True))
    rec.update(handle="new-applicant", name="Totally New", bio=None)
    photo_src = next(sample_dir.glob("photos/r*_0.jpg"))
    (tmp_path / "me.jpg").write_bytes(photo_src.read_bytes())
    rec["photos"] = [{"path": "me.jpg"}]
    f = tmp_path / "applicant.json"
    f.write_text(json.dumps(rec, indent=2))
    r = run("check", str(f), "-w", str(scanned_copy), "--json")
    assert 0 == r.returncode, r.stderr
    out = json.loads(r.stdout)
    assert "gigmarket:new-applicant" == out["profile_id"]
    assert out["label"] in ("likely_fake", "review")
    assert "SHARED_WALLET" in {e["code"] for e in out["evidence"]}
    r = run("check", str(f), "-w", str(scanned_copy))
    assert 0 == r.returncode and "SHARED_WALLET" in r.stdout
    r = run("check", "http://10.1.2.3/fl/x", "-w", str(scanned_copy))  # a URL is gathered: this one is refused
    assert 1 == r.returncode and "blocked range" in r.stderr and 1 == len(r.stderr.strip().splitlines())
    r = run("check", str(tmp_path / "missing.json"), "-w", str(scanned_copy))
    assert 1 == r.returncode and "no such file" in r.stderr


def test_explain_adds_up(scanned_copy: Path) -> None:
    """explain lists every reason's log-odds and ends at the stored P(fake)."""
    with Store(scanned_copy) as store:
        v = next(store.iter_verdicts())
    r = run("explain", v.profile_id, "-w", str(scanned_copy))
    assert 0 == r.returncode, r.stderr
    assert f"final P(fake) {v.p_fake:.3f}" in r.stdout
    for e in v.reasons:
        assert e.code in r.stdout


def test_calibrate_from_labels_then_decisions(scanned_copy: Path, sample_dir: Path, tmp_path: Path) -> None:
    """calibrate fits weights on truth.csv, writes a reliability curve, and later scans use the weights."""
    r = run("calibrate", str(sample_dir / "truth.csv"), "-w", str(scanned_copy))
    assert 0 == r.returncode, r.stderr
    cal = load_calibration(scanned_copy)
    assert cal is not None and cal.n > 200
    assert cal.weights["RING_MEMBER"] > 0
    assert cal.metrics["auroc_calibrated_oof"] > 0.95
    assert (scanned_copy / "reliability.svg").read_text().startswith("<svg")
    with Store(scanned_copy) as store:
        v = next(store.iter_verdicts())
    hit = next(e for e in v.evidence if e.code in cal.weights)
    assert abs(hit.strength - cal.weights[hit.code]) < 1e-3  # the rescored verdict uses the fitted weight
    # Decisions feed calibrate too.
    with Store(scanned_copy) as store:
        rings = {m for c in store.clusters(rings_only=True) for m in c["members"]}
        ids = store.profile_ids()
    with Store(scanned_copy) as store:
        for pid in ids[:40] + sorted(rings)[:10]:
            store.record_decision(pid, "fake" if pid in rings else "genuine", "reviewed", "ann")
    r = run("calibrate", "-w", str(scanned_copy))
    assert 0 == r.returncode, r.stderr
    n = len({*ids[:40], *sorted(rings)[:10]})
    assert f"fitted on {n} labelled" in r.stdout


def test_decide_needs_reason(scanned_copy: Path) -> None:
    """decide without a reason fails with one line; with one it is recorded."""
    with Store(scanned_copy) as store:
        pid = store.profile_ids()[3]
    r = run("decide", pid, "fake", "--reason", "  ", "--reviewer", "ann", "-w", str(scanned_copy))
    assert 1 == r.returncode and "reason" in r.stderr
    r = run("decide", pid, "fake", "--reason", "same wallet as a ring", "--reviewer", "ann", "-w", str(scanned_copy))
    assert 0 == r.returncode, r.stderr
    r = run("decisions", "-w", str(scanned_copy))
    assert "same wallet as a ring" in r.stdout
    r = run("clusters", "--rings", "-w", str(scanned_copy))
    assert 0 == r.returncode and "7 ring(s)" in r.stdout
