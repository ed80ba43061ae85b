"""Prevalence: stratified sample, design-weighted and Rogan-Gladen estimates, coverage, fairness table."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilecheck.errors import InputError
from profilecheck.fairness import bio_language, fairness_table, read_label_set, wilson
from profilecheck.prevalence import (
    Unit,
    apparent_prevalence,
    draw_sample,
    estimate,
    population,
    read_sample,
    rogan_gladen,
    sample_from_arrays,
    write_sample_csv,
)
from profilecheck.store import Store


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "profilecheck", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def units(scanned_workspace: Path) -> list[Unit]:
    with Store(scanned_workspace) as store:
        return population(store)


@pytest.fixture(scope="module")
def is_fake(truth: dict[str, dict[str, str]]) -> dict[str, bool]:
    return {pid: r["label"] == "fake" for pid, r in truth.items()}


def degraded(units: list[Unit], is_fake: dict[str, bool], seed: int = 2026) -> list[Unit]:
    """A deliberately worse detector: misses 40% of the fakes and flags 10% of the genuine profiles."""
    rng = np.random.default_rng(seed)
    out = []
    for u in units:
        v = u.verdict
        if is_fake[u.profile_id] and rng.random() < 0.40:
            v = "likely_genuine"
        elif not is_fake[u.profile_id] and rng.random() < 0.10:
            v = str(rng.choice(["review", "likely_fake"]))
        out.append(dataclasses.replace(u, verdict=v))
    return out


@given(
    p=st.floats(0, 1),
    se=st.floats(0.55, 1),
    sp=st.floats(0.55, 1),
)
def test_rogan_gladen_inverts_the_apparent_prevalence(p: float, se: float, sp: float) -> None:
    """Applied to the share a detector with known Se and Sp would flag, Rogan-Gladen gives back the true share."""
    ap = se * p + (1 - sp) * (1 - p)
    assert rogan_gladen(ap, se, sp) == pytest.approx(p, abs=1e-9)


def test_sample_is_stratified_reproducible_and_weighted(units: list[Unit], tmp_path: Path) -> None:
    """The same seed draws the same rows; each stratum's design numbers are right; weights add up to N."""
    a = draw_sample(units, 60, seed=5)
    b = draw_sample(units, 60, seed=5)
    c = draw_sample(units, 60, seed=6)
    assert [r.unit.profile_id for r in a] == [r.unit.profile_id for r in b]
    assert [r.unit.profile_id for r in a] != [r.unit.profile_id for r in c]
    assert 60 == len(a) == len({r.unit.profile_id for r in a})
    sizes = {}
    for u in units:
        sizes[u.verdict] = sizes.get(u.verdict, 0) + 1
    for r in a:
        assert sizes[r.stratum] == r.stratum_size
        assert r.stratum_sampled == sum(1 for x in a if x.stratum == r.stratum)
        assert r.flagged == (r.unit.verdict in ("likely_fake", "review"))
    assert sum(1 / r.inclusion_prob for r in a) == pytest.approx(len(units))
    assert min(sum(1 for x in a if x.stratum == h) for h in sizes) >= 5
    # by country: strata are band x country, each at least the minimum (or the whole stratum)
    bc = draw_sample(units, 160, seed=5, by_country=True, min_per_stratum=2)
    assert all("|" in r.stratum for r in bc)
    assert sum(1 / r.inclusion_prob for r in bc) == pytest.approx(len(units))
    with pytest.raises(InputError, match="too small"):
        draw_sample(units, 20, seed=5, by_country=True)
    out = write_sample_csv(a, tmp_path / "s.csv")
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert {"profile_id", "label", "stratum", "stratum_size", "inclusion_prob", "weight", "flagged"} <= set(rows[0])
    assert all(r["label"] == "" for r in rows)


def test_coverage_over_seeds(units: list[Unit], is_fake: dict[str, bool]) -> None:
    """Acceptance: with simulated labels, the corrected interval covers the true share for >= 85% of 40 seeds.

    The detector is deliberately degraded (Se 0.6, Sp 0.9), so the apparent prevalence is
    biased and the uncorrected figure misses the true share; ignoring the design weights misses
    it too. Either mistake in the estimator would fail this test.
    """
    pop = degraded(units, is_fake)
    true_share = sum(is_fake[u.profile_id] for u in pop) / len(pop)
    ap = apparent_prevalence(pop)
    assert abs(ap - true_share) > 0.015  # the degraded detector's own count is off
    seeds = range(40)
    rg_cover = design_cover = ap_cover = naive_cover = 0
    widths: list[float] = []
    sens: list[float] = []
    for seed in seeds:
        for allocation in ("proportional", "equal"):
            rows = draw_sample(pop, 80, seed=seed, allocation=allocation)
            labels = [is_fake[r.unit.profile_id] for r in rows]  # simulated human labels from truth.csv
            s = sample_from_arrays(
                [r.stratum for r in rows], [r.stratum_size for r in rows], labels, [r.flagged for r in rows]
            )
            if allocation == "equal":  # over-draws the small flagged bands: the unweighted share is biased
                lo, hi = wilson(sum(labels), len(labels))
                naive_cover += lo <= true_share <= hi
                continue
            e = estimate(s, bootstrap=1000, seed=seed, method="bca")
            assert e.rogan_gladen is not None
            rg_cover += e.rogan_gladen.covers(true_share)
            design_cover += e.design.covers(true_share)
            ap_cover += e.apparent.covers(true_share)
            widths.append(e.rogan_gladen.width)
            assert 0.0 <= e.rogan_gladen.low <= e.rogan_gladen.estimate <= e.rogan_gladen.high <= 1.0
            sens.append(e.sensitivity.estimate)
    n = len(seeds)
    assert rg_cover / n >= 0.85, (rg_cover, n)
    assert design_cover / n >= 0.85, (design_cover, n)
    assert 0 == ap_cover  # uncorrected: never covers
    assert naive_cover / n < 0.5, naive_cover
    assert 0.02 < float(np.median(widths)) < 0.2
    assert 0.45 < float(np.median(sens)) < 0.8  # the detector's measured sensitivity is near its true 0.6


def test_rogan_gladen_uses_a_newer_apparent_prevalence() -> None:
    """Given the flag share of a newer scan, (b) moves with it while (a) stays on the labels."""
    s = sample_from_arrays(
        ["f"] * 10 + ["n"] * 10, [20] * 10 + [80] * 10, [1] * 8 + [0] * 2 + [1] + [0] * 9, [1] * 10 + [0] * 10
    )
    same = estimate(s, bootstrap=300, seed=0)
    assert same.rogan_gladen is not None
    assert same.rogan_gladen.estimate == pytest.approx(same.design.estimate)  # the identity on one scan
    newer = estimate(s, bootstrap=300, seed=0, apparent=0.30, apparent_population=500)
    assert newer.rogan_gladen is not None
    se, sp = 16 / 24, 72 / 76
    assert newer.rogan_gladen.estimate == pytest.approx(rogan_gladen(0.30, se, sp))
    assert newer.design.estimate == pytest.approx(same.design.estimate)
    assert "500" in newer.apparent_source


def test_full_census_stratum_adds_no_variance() -> None:
    """A stratum labelled in full is known exactly: the finite-population correction removes its variance."""
    s = sample_from_arrays(["a"] * 6, [6] * 6, [1, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0])
    e = estimate(s, bootstrap=200, seed=1)
    assert (e.design.low, e.design.estimate, e.design.high) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    thin = sample_from_arrays(["a"] * 6, [600] * 6, [1, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0])
    assert estimate(thin, bootstrap=200, seed=1).design.width > 0.2


def test_labelled_sheet_through_the_console_script(
    scanned_workspace: Path, is_fake: dict[str, bool], tmp_path: Path
) -> None:
    """sample -> people label -> estimate --json -> fairness --json, through the real console script."""
    sheet = tmp_path / "sheet.csv"
    r = run("prevalence", "sample", "--n", "60", "--out", str(sheet), "--seed", "3", "-w", str(scanned_workspace))
    assert 0 == r.returncode, r.stderr
    assert "likely_fake" in r.stdout
    with sheet.open() as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[1:]:  # the first row is left unlabelled
        row["label"] = "fake" if is_fake[row["profile_id"]] else "genuine"
    with sheet.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = run("prevalence", "estimate", str(sheet), "--bootstrap", "500", "--json")
    assert 0 == r.returncode, r.stderr
    out = json.loads(r.stdout)
    true_share = sum(is_fake.values()) / len(is_fake)
    assert out["design_weighted"]["low"] - 1e-6 <= true_share <= out["design_weighted"]["high"] + 1e-6
    assert out["rogan_gladen"]["estimate"] == pytest.approx(true_share, abs=1e-6)  # the detector is exact here
    assert out["labelled"] == 59 and out["population"] == len(is_fake)
    assert any("unlabelled" in n for n in out["notes"])
    r = run("prevalence", "estimate", str(sheet), "--bootstrap", "500")
    assert 0 == r.returncode and "Rogan-Gladen" in r.stdout
    r = run("prevalence", "fairness", "-w", str(scanned_workspace), "--labels", str(sheet), "--json")
    assert 0 == r.returncode, r.stderr
    fair = json.loads(r.stdout)
    assert fair["labels_weighted"] is True
    everyone = next(g for g in fair["groups"] if g["dimension"] == "all")
    assert everyone["profiles"] == len(is_fake)
    # a label outside fake/genuine names the file and the line
    rows[4]["label"] = "maybe"
    with sheet.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = run("prevalence", "estimate", str(sheet))
    assert 1 == r.returncode
    assert f"{sheet}:6: label 'maybe'" in r.stderr and "Traceback" not in r.stderr


def test_bad_sheets_are_refused_with_the_reason(tmp_path: Path) -> None:
    """A sheet without design columns, or a stratum with no label, is refused, naming the file."""
    f = tmp_path / "plain.csv"
    f.write_text("profile_id,label\na:1,fake\n")
    with pytest.raises(InputError, match=r"plain\.csv: needs columns"):
        read_sample(f)
    f.write_text("profile_id,label,stratum,stratum_size,flagged\na:1,fake,x,10,1\na:2,,y,10,0\n")
    with pytest.raises(InputError, match="'y' has no labelled row"):
        read_sample(f)
    with pytest.raises(InputError, match="no such file"):
        read_sample(tmp_path / "missing.csv")


def test_fairness_table_on_the_sample(units: list[Unit], sample_dir: Path, is_fake: dict[str, bool]) -> None:
    """Every group is counted, bios are detected as English, small groups are marked, FPRs use the labels."""
    assert {u.bio_language for u in units} == {"en"}
    assert bio_language("Je suis développeuse web à Lyon et je travaille avec Django depuis six ans.") == "fr"
    labels = read_label_set(sample_dir / "truth.csv")
    rows = fairness_table(units, labels=labels, min_group=20)
    by = {(r.dimension, r.group): r for r in rows}
    assert by[("all", "all")].profiles == len(units)
    countries = [r for r in rows if r.dimension == "country"]
    assert sum(r.profiles for r in countries) == len(units)
    for r in countries:
        assert r.small == (r.profiles < 20 or (r.genuine_labelled or 0) < 20)
        assert r.genuine_labelled == sum(1 for u in units if u.country == r.group and not is_fake[u.profile_id])
    # the real detector flags no genuine profile of the sample, in any group
    assert all(r.false_positives == 0 for r in rows)
    # with the degraded detector the false positives show up, group by group
    worse = fairness_table(degraded(units, is_fake), labels=labels)
    total = next(r for r in worse if r.dimension == "all")
    assert total.false_positives and total.fpr is not None and total.fpr_low is not None
    assert total.fpr_low < total.fpr < (total.fpr_high or 0)
