"""Research commands: ``profilecheck prevalence sample|estimate|fairness``.

A thin layer over :mod:`profilecheck.prevalence` (the method is explained there and in the
README) and :mod:`profilecheck.fairness`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from profilecheck.cli import DEFAULT_WORKSPACE, Workspace, _store, app, console
from profilecheck.errors import InputError

__all__ = ["prevalence_app"]

prevalence_app = typer.Typer(
    help="For researchers: a stratified sample to label, the share of fakes with a corrected interval, fairness.",
    no_args_is_help=True,
)
app.add_typer(prevalence_app, name="prevalence")


def _wide() -> Console:
    """A console at least 120 columns wide: the tables stay readable when piped to a file."""
    return Console(soft_wrap=True, width=max(120, console.width), no_color=console.no_color)


FlagAt = Annotated[
    str, typer.Option("--flag-at", help="Which verdicts count as flagged: review (review or worse) or likely_fake.")
]


@prevalence_app.command("sample")
def sample_cmd(
    n: Annotated[int, typer.Option("--n", help="How many profiles to draw for labelling.")],
    out: Annotated[Path, typer.Option("--out", help="The labelling sheet to write (CSV).")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and scan draw the same rows.")] = 0,
    by_country: Annotated[bool, typer.Option(help="Stratify by claimed country within each verdict band.")] = False,
    allocation: Annotated[
        str, typer.Option(help="proportional (to stratum size, after the minimum) or equal (per stratum).")
    ] = "proportional",
    min_per_stratum: Annotated[int, typer.Option(help="Rows drawn from every stratum at least.")] = 5,
    flag_at: FlagAt = "review",
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Draw a stratified sample of scanned profiles for people to label (fill in the label column)."""
    from profilecheck.prevalence import draw_sample, population, write_sample_csv

    with _store(workspace) as store:
        units = population(store)
    rows = draw_sample(
        units,
        n,
        seed=seed,
        by_country=by_country,
        flag_rule=flag_at,
        min_per_stratum=min_per_stratum,
        allocation=allocation,
    )
    write_sample_csv(rows, out)
    t = Table(title=f"{len(rows)} of {len(units)} profiles drawn (seed {seed})", title_justify="left")
    for c in ("stratum", "size", "drawn", "inclusion prob."):
        t.add_column(c, justify="left" if c == "stratum" else "right")
    seen: dict[str, tuple[int, int]] = {}
    for r in rows:
        seen[r.stratum] = (r.stratum_size, r.stratum_sampled)
    for h, (size, k) in sorted(seen.items()):
        t.add_row(h, str(size), str(k), f"{k / size:.3f}")
    console.print(t)
    console.print(f"wrote {out}: fill the label column with fake or genuine, then run profilecheck prevalence estimate")


def _fmt(iv, pct: bool = True) -> str:  # type: ignore[no-untyped-def]
    if iv is None:
        return "not estimable"
    k = 100.0 if pct else 1.0
    unit = "%" if pct else ""
    return f"{iv.estimate * k:.1f}{unit} [{iv.low * k:.1f}, {iv.high * k:.1f}]"


@prevalence_app.command("estimate")
def estimate_cmd(
    labels: Annotated[Path, typer.Argument(help="The labelled sheet written by prevalence sample.")],
    bootstrap: Annotated[int, typer.Option(help="Bootstrap replicates.")] = 2000,
    level: Annotated[float, typer.Option(help="Confidence level of every interval.")] = 0.95,
    method: Annotated[str, typer.Option(help="Interval: bca or percentile.")] = "bca",
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap draw.")] = 0,
    apparent_from: Annotated[
        Path | None,
        typer.Option(help="Take the apparent prevalence from this workspace's scan (default: the sample's strata)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Estimate the share of fake profiles: design-weighted and Rogan-Gladen corrected, with intervals."""
    from profilecheck.prevalence import apparent_prevalence, estimate, population, read_sample

    sample = read_sample(labels)
    ap = ap_n = None
    if apparent_from is not None:
        from profilecheck.store import DB_NAME

        if not (apparent_from / DB_NAME).is_file():
            raise InputError(f"{apparent_from}: not a profilecheck workspace (no database)", path=str(apparent_from))
        with _store(apparent_from) as store:
            units = population(store, detect_language=False)
        ap, ap_n = apparent_prevalence(units, sample.flag_rule), len(units)
    res = estimate(
        sample, bootstrap=bootstrap, level=level, method=method, seed=seed, apparent=ap, apparent_population=ap_n
    )
    if as_json:
        console.print_json(json.dumps(res.to_dict()))
        return
    lv = f"{res.level:.0%}"
    console.print(
        f"{res.labelled} labelled profiles ({res.labelled_fake} fake) in {len(res.strata)} strata "
        f"of a population of {res.population}; flagged = verdict {res.flag_rule} or worse"
    )
    title = f"share of fake profiles, {lv} intervals ({res.bootstrap} bootstrap replicates)"
    t = Table(title=title, title_justify="left")
    t.add_column("estimate")
    t.add_column(f"value [{lv} interval]", justify="right")
    t.add_column("how", overflow="fold")
    t.add_row(
        "(a) design-weighted", _fmt(res.design), f"human labels weighted by 1/inclusion prob. ({res.design.method})"
    )
    rg = res.rogan_gladen
    t.add_row("(b) Rogan-Gladen", _fmt(rg), f"apparent prevalence corrected by Se and Sp ({rg.method if rg else '-'})")
    t.add_row("apparent prevalence", _fmt(res.apparent), f"share flagged by the detector: {res.apparent_source}")
    t.add_row("sensitivity", _fmt(res.sensitivity), "flagged share of labelled fakes (weighted)")
    t.add_row("specificity", _fmt(res.specificity), "unflagged share of labelled genuine (weighted)")
    _wide().print(t)
    for note in res.notes:
        console.print(f"note: {note}", highlight=False)


def _pct(rate: float, low: float, high: float) -> str:
    return f"{100 * rate:.1f} [{100 * low:.1f}, {100 * high:.1f}]"


@prevalence_app.command("fairness")
def fairness_cmd(
    labels: Annotated[
        Path | None,
        typer.Option(help="Labels: a labelled prevalence sheet (weighted) or a profile_id,label file."),
    ] = None,
    min_group: Annotated[int, typer.Option(help="Groups smaller than this are marked small.")] = 20,
    flag_at: FlagAt = "review",
    level: Annotated[float, typer.Option(help="Confidence level of the Wilson intervals.")] = 0.95,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Flag rates by claimed country and language, and false-positive rates where labels exist."""
    from profilecheck.fairness import fairness_table, labelled_coverage, read_label_set
    from profilecheck.prevalence import population

    label_set = read_label_set(labels) if labels else None
    with _store(workspace) as store:
        units = population(store)
    if not units:
        raise InputError(f"no scanned profiles in {workspace}: run profilecheck scan first")
    rows = fairness_table(units, flag_rule=flag_at, labels=label_set, min_group=min_group, level=level)
    found, stray = labelled_coverage(units, label_set.fake) if label_set else (0, 0)
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "flag_rule": flag_at,
                    "level": level,
                    "min_group": min_group,
                    "labels": label_set.source if label_set else None,
                    "labels_weighted": label_set.weighted if label_set else None,
                    "labelled_in_population": found,
                    "labels_not_in_population": stray,
                    "groups": [r.to_dict() for r in rows],
                }
            )
        )
        return
    t = Table(title=f"flag rates ({flag_at} or worse) by group, {level:.0%} Wilson intervals", title_justify="left")
    for c in ("by", "group", "profiles", "flagged", "flag % [interval]"):
        t.add_column(c, justify="left" if c in ("by", "group") else "right", no_wrap=True)
    if label_set:
        for c in ("genuine", "false pos.", "FP % [interval]"):
            t.add_column(c, justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    dims = {"country": "country", "bio_language": "bio lang.", "declared_language": "declared"}
    for r in rows:
        cells = [
            dims.get(r.dimension, r.dimension),
            r.group,
            str(r.profiles),
            str(r.flagged),
            _pct(r.flag_rate, r.flag_low, r.flag_high),
        ]
        if label_set:
            cells += [
                str(r.genuine_labelled),
                str(r.false_positives),
                "-" if r.fpr is None else _pct(r.fpr, r.fpr_low or 0.0, r.fpr_high or 0.0),
            ]
        cells.append("small" if r.small else "")
        t.add_row(*cells)
    _wide().print(t)
    if label_set:
        how = "weighted by the sample design" if label_set.weighted else "each label counted once"
        console.print(
            f"labels: {found} of the population labelled ({how}); {stray} label(s) name no scanned profile",
            highlight=False,
        )
