"""The command line: a thin layer over the library that only translates errors.

Every library error becomes one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from profilecheck import __version__
from profilecheck.errors import InputError, ProfileCheckError
from profilecheck.model import Label, Status, profile_json_schema
from profilecheck.store import GROUP_COMMIT_ROWS

app = typer.Typer(
    name="profilecheck",
    help="Tell whether a freelancer's public profile is who it claims to be.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEFAULT_WORKSPACE = "profilecheck-data"
Workspace = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="PROFILECHECK_HOME", help="Folder holding the database and media."),
]


# Sources for `profilecheck import SOURCE ARGS...` that are not files (API importers), registered
# by command modules: name -> callable(args, workspace, **options).
API_IMPORTERS: dict[str, Callable[..., None]] = {}


def _store(workspace: Path):  # type: ignore[no-untyped-def]
    from profilecheck.store import Store

    return Store(workspace)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal and os.environ.get("PROFILECHECK_PROGRESS") != "1",
    )


@app.command("import")
def import_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="JSONL or CSV files of profiles; or an API source and its arguments.")
    ],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: from the suffix).")] = None,
    mapping: Annotated[
        str | None, typer.Option(help="CSV column mapping: a built-in name (github) or a TOML file.")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option(help="API base URL of an API source (default: the public one).")
    ] = None,
    web_url: Annotated[
        str | None, typer.Option(help="Web base URL of an API source (GitHub: commit .patch files).")
    ] = None,
    allow_loopback: Annotated[
        bool, typer.Option(help="Let the SSRF guard pass loopback (test servers only).")
    ] = False,
) -> None:
    """Import profiles from files you hold (JSONL, CSV with a mapping) or an API: `import github LOGIN...`."""
    from profilecheck.importers import import_file

    source = str(files[0]) if files else ""
    if source in API_IMPORTERS and not files[0].exists():
        API_IMPORTERS[source](
            [str(f) for f in files[1:]], workspace, api_url=api_url, web_url=web_url, allow_loopback=allow_loopback
        )
        return

    with _store(workspace) as store:
        for f in files:
            rep = import_file(store, f, fmt=fmt, mapping=mapping)
            console.print(
                f"{f}: {rep.rows} rows, {rep.new} new, {rep.changed} changed, {rep.unchanged} unchanged, "
                f"{len(rep.errors)} problem(s)"
            )
            for line, reason in rep.errors[:20]:
                err.print(f"  {f}:{line if line is not None else '-'}: {reason}", markup=False, highlight=False)
            if len(rep.errors) > 20:
                err.print(f"  ... {len(rep.errors) - 20} more (profilecheck errors)")


@app.command()
def scan(
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    engine: Annotated[
        str, typer.Option(help="serial, process (a local process pool) or dask (dask.distributed).")
    ] = "serial",
    workers: Annotated[int | None, typer.Option(help="Process-pool or LocalCluster size (default: CPUs).")] = None,
    batch: Annotated[int, typer.Option(help="Profiles per task handed to a worker.")] = 200,
    commit_every: Annotated[
        int, typer.Option(help="Rows written per commit; a killed scan resumes after the last commit.")
    ] = GROUP_COMMIT_ROWS,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786); default: a LocalCluster.")
    ] = None,
) -> None:
    """Analyse new or changed profiles, match them across the store, and score them."""
    from profilecheck.engine import scan as run_scan

    with _store(workspace) as store, _progress() as prog:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=total)
            prog.update(tasks[stage], completed=done, total=total)

        stats = run_scan(
            store,
            engine=engine,
            workers=workers,
            batch=batch,
            commit_every=commit_every,
            progress=progress,
            scheduler=scheduler,
        )
    if not stats.changed_anything:
        console.print(f"nothing to do: {stats.profiles} profiles, all up to date")
    else:
        console.print(
            f"scanned {stats.profiles} profiles: {stats.analysed} analysed, {stats.scored} scored, "
            f"{stats.unchanged} unchanged, {stats.errors} with recorded problems"
        )
    console.print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.per_label.items())))


def _summary_table(store, limit: int) -> Table:  # type: ignore[no-untyped-def]
    t = Table(title=f"riskiest {limit} of {store.count_verdicts()} profiles", title_justify="left", width=100)
    t.add_column("profile", no_wrap=True, overflow="ellipsis", ratio=3)
    t.add_column("score", justify="right", width=5)
    t.add_column("verdict", no_wrap=True, width=11)
    t.add_column("top reasons", overflow="fold", ratio=5)
    for n, v in enumerate(store.iter_verdicts(order="score")):
        if n >= limit:
            break
        color = {"likely_fake": "red", "review": "yellow"}.get(str(v.label), "green")
        t.add_row(
            v.profile_id, f"[{color}]{v.score}[/]", f"[{color}]{v.label}[/]", " ".join(e.code for e in v.reasons[:2])
        )
    return t


@app.command()
def show(
    profile: Annotated[str, typer.Argument(help="Profile id (platform:handle) or handle.")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one profile's score, its reasons and their evidence."""
    with _store(workspace) as store:
        ids = store.find_profile_ids(profile)
        if not ids:
            raise InputError(f"no profile {profile!r} in {workspace}")
        if len(ids) > 1:
            raise InputError(f"{profile!r} matches {len(ids)} profiles: {', '.join(ids)}; give platform:handle")
        v = store.get_verdict(ids[0])
        p = store.get_profile(ids[0])
        errors = store.profile_errors(ids[0])
    if v is None:
        raise InputError(f"{ids[0]} has not been scanned yet: run profilecheck scan")
    if as_json:
        console.print_json(json.dumps({**v.to_dict(), "problems": errors}))
        return
    color = {"likely_fake": "red", "review": "yellow"}.get(str(v.label), "green")
    console.print(
        f"[bold]{v.profile_id}[/] {p.name or ''}  score [{color}]{v.score}[/] ({v.label}, P(fake) {v.p_fake:.2f})"
    )
    for e in v.evidence:
        mark = {Status.HIT: "[red]HIT[/]", Status.MISS: "[green]ok [/]", Status.UNKNOWN: "[dim]?? [/]"}[e.status]
        console.print(f"  {mark} {e.code:<32} {e.strength:+.2f}  {e.detail}", highlight=False)
        for r in e.refs:
            console.print(f"        -> {r}", highlight=False)
    for x in errors:
        console.print(f"  [dim]problem[/] {x['stage']} {x['item']}: {x['reason']}", highlight=False)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Output file (.jsonl, .csv or .parquet).")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from the suffix).")
    ] = None,
    pseudonymise: Annotated[
        bool, typer.Option(help="Replace ids by keyed hashes (key from PROFILECHECK_PSEUDONYM_KEY).")
    ] = False,
) -> None:
    """Export verdicts: one line per profile with score, verdict, reasons and their refs."""
    from profilecheck.export import export as do_export

    key = None
    if pseudonymise:
        raw = os.environ.get("PROFILECHECK_PSEUDONYM_KEY", "")
        if len(raw) < 16:
            raise InputError("--pseudonymise needs PROFILECHECK_PSEUDONYM_KEY set to a secret of 16+ characters")
        key = raw.encode()
    with _store(workspace) as store:
        n = do_export(store, out, fmt, pseudonym_key=key)
    console.print(f"wrote {n} profiles to {out}")


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="HTML file to write.")] = Path("profilecheck-report.html"),
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    limit: Annotated[int | None, typer.Option(help="Show this many cases in full (riskiest first).")] = None,
) -> None:
    """Write the self-contained HTML report (a case queue with evidence)."""
    from profilecheck.report import build_report

    with _store(workspace) as store:
        path = build_report(store, out, limit=limit)
    console.print(f"report: {path}")


@app.command()
def errors(workspace: Workspace = Path(DEFAULT_WORKSPACE)) -> None:
    """List the import problems recorded in the store (file, line, reason)."""
    with _store(workspace) as store:
        rows = store.import_errors()
    for r in rows:
        console.print(f"{r['source']}:{r['line']}: {r['reason']}", markup=False, highlight=False)
    console.print(f"{len(rows)} recorded problem(s)")


@app.command()
def schema(out: Annotated[Path | None, typer.Argument(help="Write here instead of stdout.")] = None) -> None:
    """Print the JSON Schema of the profile import format."""
    text = json.dumps(profile_json_schema(), indent=2)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


@app.command()
def sample(
    out: Annotated[Path, typer.Argument(help="Folder to write the sample marketplace to.")] = Path("sample"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same files.")] = 7,
) -> None:
    """Write the bundled sample: profiles.jsonl, photos/, truth.csv (ground truth)."""
    from profilecheck.sample import write_sample

    s = write_sample(out, seed=seed)
    console.print(f"wrote {s.profiles} profiles ({s.genuine} genuine, {s.fake} in {s.rings} rings) to {out}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's sample, workspace and report.")] = Path("build/demo"),
) -> None:
    """Run the whole job on the bundled sample: generate, serve as a site, crawl, scan, summarise, report."""
    import shutil

    from profilecheck.engine import scan as run_scan
    from profilecheck.report import build_report
    from profilecheck.sample import write_sample
    from profilecheck.sample_site import render_site, serve_site
    from spiders.run import crawl_settings, run_spider

    s = write_sample(out / "sample")
    console.print(
        f"sample: {s.profiles} profiles ({s.genuine} genuine, {s.fake} in {s.rings} planted rings) in {out / 'sample'}"
    )
    pages = render_site(out / "sample")
    shutil.rmtree(out / "workspace", ignore_errors=True)  # the demo gathers from scratch every time
    with serve_site(out / "sample") as base:
        urls = out / "sample" / "urls.txt"
        urls.write_text("".join(f"{base}/{p}\n" for p in pages), encoding="utf-8")
        console.print(f"site: {len(pages)} profile pages with JSON-LD and headshots served at {base}/ (loopback)")
        settings = crawl_settings(out / "workspace", allow_loopback=True, local_fast=True, log_level="ERROR")
        crawl_stats = run_spider("profile", settings, from_file=str(urls))
    with _store(out / "workspace") as store:
        results = store.crawl_results()
        ok = sum(1 for r in results if r["status"] == "ok")
        console.print(
            f"crawl: {crawl_stats.get('response_received_count', 0)} responses, {ok} profiles gathered "
            f"({store.count_profiles()} in the store), {len(results) - ok} pages UNKNOWN or missing, "
            f"{len(list(store.media))} images stored by content hash"
        )
        with _progress() as prog:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = prog.add_task(stage, total=total)
                prog.update(tasks[stage], completed=done, total=total)

            stats = run_scan(store, progress=progress)
        console.print(f"scan: {stats.analysed} analysed, {stats.scored} scored, {stats.errors} with recorded problems")
        console.print(_summary_table(store, 12))
        with (out / "sample" / "truth.csv").open(encoding="utf-8") as fh:
            truth = {r["profile_id"]: r for r in csv.DictReader(fh)}
        verdicts = {v.profile_id: v for v in store.iter_verdicts()}
        flagged = {pid for pid, v in verdicts.items() if v.label in (Label.LIKELY_FAKE, Label.REVIEW)}
        fakes = {p for p, r in truth.items() if r["label"] == "fake"}
        genuine = set(truth) - fakes
        console.print(
            f"against the sample's ground truth: {len(flagged & fakes)}/{len(fakes)} ring members flagged "
            "for review or worse, "
            f"{len(flagged & genuine)}/{len(genuine)} genuine profiles flagged"
        )
        path = build_report(store, out / "report.html")
    console.print(f"report: {path}")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"profilecheck {__version__}")


from profilecheck import commands as _commands  # noqa: E402  (modules register on `app`)

_commands.load()


def main() -> None:
    """Console-script entry point: library errors become one line and exit status 1."""
    from profilecheck.logs import configure

    try:
        configure()
        app()
    except ProfileCheckError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted: run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
