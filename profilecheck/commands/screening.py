"""Screening commands: published lists (``profilecheck lists add|show|remove``) and ``profilecheck rdap``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from profilecheck.cli import DEFAULT_WORKSPACE, Workspace, _store, app, console, err
from profilecheck.errors import InputError

__all__ = ["lists_add", "lists_remove", "lists_show", "rdap"]

lists_app = typer.Typer(
    help="Published lists to screen against: the SDN list (XML or CSV), seized / known-fake domains.",
    no_args_is_help=True,
)
app.add_typer(lists_app, name="lists")


def _read(files: list[Path]) -> list[tuple[str, bytes]]:
    from profilecheck.screening.lists import MAX_LIST_BYTES

    out = []
    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: no such file", path=str(f))
        if f.stat().st_size > MAX_LIST_BYTES:
            raise InputError(f"{f}: {f.stat().st_size} bytes, over the {MAX_LIST_BYTES} byte cap", path=str(f))
        out.append((str(f), f.read_bytes()))
    return out


@lists_app.command("add")
def lists_add(
    files: Annotated[list[Path], typer.Argument(help="The list: SDN.XML, or SDN.CSV [ALT.CSV] [ADD.CSV], or domains.")],
    kind: Annotated[str | None, typer.Option(help="sdn or domains (default: told from the file).")] = None,
    name: Annotated[str | None, typer.Option(help="Name to store it under (default: the first file's stem).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a stored list of the same name (a newer edition).")] = False,
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Store a list with its source, date and sha256; the next scan screens every profile against it."""
    from profilecheck.screening.lists import parse_list
    from profilecheck.store.screening import add_list

    sources = _read(files)
    parsed = parse_list(sources, kind)
    with _store(workspace) as store:
        row = add_list(store, name or files[0].stem.lower(), parsed, sources, replace=replace)
    wallets = sum(len(e.wallets) for e in parsed.entries)
    names = sum(len(e.names) for e in parsed.entries)
    domains = sum(len(e.domains) for e in parsed.entries)
    console.print(
        f"list {row['name']}: {row['kind']} ({row['format']}), {row['entries']} entries, {names} names, "
        f"{wallets} wallets, {domains} domains; published {row['published'] or '-'}; sha256 {row['sha256'][:16]}",
        highlight=False,
    )
    for p in parsed.problems[:20]:
        err.print(f"  skipped: {p}", markup=False, highlight=False)
    if len(parsed.problems) > 20:
        err.print(f"  ... {len(parsed.problems) - 20} more skipped")
    console.print("run profilecheck scan to screen the stored profiles against it")


@lists_app.command("show")
def lists_show(workspace: Workspace = Path(DEFAULT_WORKSPACE)) -> None:
    """List the stored lists: kind, entries, the date each states, sources with their sha256, when added."""
    from profilecheck.store.screening import lists

    with _store(workspace) as store:
        rows = lists(store)
    for r in rows:
        console.print(
            f"{r['name']}: {r['kind']} ({r['format']}), {r['entries']} entries, published {r['published'] or '-'}, "
            f"added {r['added_at']}",
            highlight=False,
        )
        for s in r["sources"]:
            console.print(f"    {s['path']}  {s['bytes']} bytes  sha256 {s['sha256']}", highlight=False)
    console.print(f"{len(rows)} list(s)")


@lists_app.command("remove")
def lists_remove(
    name: Annotated[str, typer.Argument(help="The stored list's name.")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Remove a stored list; the next scan no longer screens against it."""
    from profilecheck.store.screening import remove_list

    with _store(workspace) as store:
        n = remove_list(store, name)
    console.print(f"removed list {name} ({n} entries)")


def rdap_options(rdap_url: str | None, rdap_bootstrap: Path | None) -> tuple[str | None, dict[str, list[str]] | None]:
    """The base URL and bootstrap table the user gave (a bootstrap alone uses no default server)."""
    from profilecheck.rdap import DEFAULT_RDAP_URL, load_bootstrap

    bootstrap = load_bootstrap(rdap_bootstrap) if rdap_bootstrap else None
    return (rdap_url or (None if bootstrap else DEFAULT_RDAP_URL)), bootstrap


@app.command()
def rdap(
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    rdap_url: Annotated[
        str | None, typer.Option(help="RDAP base URL (queries BASE/domain/NAME); default https://rdap.org.")
    ] = None,
    rdap_bootstrap: Annotated[
        Path | None, typer.Option(help="IANA RDAP bootstrap file (dns.json) you hold: picks the server by TLD.")
    ] = None,
    ttl_days: Annotated[float, typer.Option(help="Days a registration date stays cached.")] = 30.0,
    allow_loopback: Annotated[bool, typer.Option(help="Let the SSRF guard pass loopback (test servers only).")] = False,
) -> None:
    """Look up the registration date of every domain the stored profiles cite (RDAP; opt-in: reveals them)."""
    from profilecheck.engine import scan as run_scan
    from profilecheck.fetch import SafeFetcher
    from profilecheck.rdap import MAX_RDAP_BYTES, cited_domains, lookup_domains

    base, bootstrap = rdap_options(rdap_url, rdap_bootstrap)
    fetcher = SafeFetcher(allow_loopback=allow_loopback, max_bytes=MAX_RDAP_BYTES, timeout=15.0)
    with _store(workspace) as store:
        run_scan(store)  # the domains are the analysis' artifacts: bring them up to date first
        rep = lookup_domains(
            store, cited_domains(store), fetcher, base_url=base, bootstrap=bootstrap, ttl_days=ttl_days,
            now=datetime.now(UTC),
        )  # fmt: skip
        stats = run_scan(store)
    console.print(
        f"rdap: {rep.domains} cited domain(s): {rep.fetched} queried, {rep.cached} from the cache; "
        f"{rep.ok} with a registration date, {rep.unknown} UNKNOWN; rescored {stats.scored} profile(s)"
    )
    for p in rep.problems[:20]:
        err.print(f"  UNKNOWN {p}", markup=False, highlight=False)
