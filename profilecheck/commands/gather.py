"""Gathering commands: ``profilecheck crawl`` and the API sources of ``profilecheck import``.

Thin layers over the Scrapy project in ``spiders/`` (which writes through the store).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from profilecheck.cli import API_IMPORTERS, DEFAULT_WORKSPACE, Workspace, app, console, err
from profilecheck.errors import InputError

__all__ = ["crawl", "print_results"]


def print_results(workspace: Path, urls: list[str] | None, stats: dict[str, Any]) -> dict[str, int]:
    """Print what the crawl gave per URL status; return the counts."""
    from profilecheck.store import Store

    with Store(workspace) as store:
        rows = store.crawl_results()
    if urls is not None:
        wanted = set(urls)
        rows = [r for r in rows if r["url"] in wanted]
    counts = {"ok": 0, "missing": 0, "unknown": 0}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    console.print(
        f"gathered {counts['ok']} profile(s), {counts['missing']} missing, "
        f"{counts['unknown']} UNKNOWN (could not check), "
        f"{stats.get('profilecheck/ssrf_refused', 0)} refused by the guard"
    )
    for r in rows:
        if r["status"] == "unknown":
            err.print(f"  UNKNOWN {r['url']}: {r['reason']} {r['detail']}".rstrip(), markup=False, highlight=False)
    return counts


@app.command()
def crawl(
    urls: Annotated[list[str] | None, typer.Argument(help="Profile page URLs.")] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="File of URLs, one a line.")] = None,
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    site: Annotated[str | None, typer.Option(help="Force a site definition by name.")] = None,
    jobdir: Annotated[Path | None, typer.Option(help="Scrapy JOBDIR: resume an interrupted crawl.")] = None,
    output: Annotated[Path | None, typer.Option(help="Also write the items as JSON Lines here.")] = None,
    allow_loopback: Annotated[
        bool, typer.Option(help="Let the SSRF guard pass 127.0.0.0/8 and ::1 (your own test servers only).")
    ] = False,
    fast: Annotated[bool, typer.Option(help="No politeness delay (only for a site you serve yourself).")] = False,
) -> None:
    """Gather profile pages (JSON-LD, microdata, OpenGraph, microformats) into the store, politely."""
    from spiders.run import crawl_settings, run_spider
    from spiders.spiders.profile import read_url_list

    if from_file is not None and not from_file.is_file():
        raise InputError(f"{from_file}: no such file", path=str(from_file))
    wanted = read_url_list(" ".join(urls or []), from_file)
    if not wanted:
        raise InputError("nothing to crawl: give URLs or --from FILE")
    settings = crawl_settings(workspace, allow_loopback=allow_loopback, local_fast=fast, jobdir=jobdir, feed=output)
    args: dict[str, Any] = {"urls": " ".join(urls or [])}
    if from_file is not None:
        args["from_file"] = str(from_file)
    if site:
        args["site"] = site
    stats = run_spider("profile", settings, **args)
    print_results(workspace, wanted, stats)


def _import_api(spider: str, logins: list[str], workspace: Path, **opts: Any) -> None:
    from spiders.run import crawl_settings, run_spider

    if not logins:
        raise InputError(f"profilecheck import {spider} needs at least one user name")
    extra: dict[str, Any] = {}
    if os.environ.get("PROFILECHECK_API_FAST") == "1":  # tests against a loopback API server
        extra = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
    settings = crawl_settings(workspace, allow_loopback=bool(opts.get("allow_loopback")), extra=extra)
    args = {"logins": ",".join(logins)}
    for key in ("api_url", "web_url") if spider == "github" else ("api_url",):
        if opts.get(key):
            args[key] = opts[key]
    stats = run_spider(spider, settings, **args)
    print_results(workspace, None, stats)
    console.print(
        f"{spider}: {stats.get('profilecheck/ok', 0)} profile(s) stored, "
        f"{stats.get('profilecheck/etag_not_modified', 0)} response(s) unchanged since last time (ETag)"
    )


def _import_github(logins: list[str], workspace: Path, **opts: Any) -> None:
    _import_api("github", logins, workspace, **opts)


def _import_gitlab(usernames: list[str], workspace: Path, **opts: Any) -> None:
    _import_api("gitlab", usernames, workspace, **opts)


API_IMPORTERS["github"] = _import_github
API_IMPORTERS["gitlab"] = _import_gitlab


def _import_twitter(files: list[str], workspace: Path, **_opts: Any) -> None:
    from profilecheck.importers.twitter import import_twitter
    from profilecheck.store import Store

    if not files:
        raise InputError("profilecheck import twitter needs at least one FILE of v1.1 user objects")
    with Store(workspace) as store:
        for f in files:
            rep = import_twitter(store, Path(f))
            console.print(
                f"{f}: {rep.rows} users, {rep.new} new, {rep.changed} changed, {rep.unchanged} unchanged, "
                f"{len(rep.errors)} problem(s)"
            )
            for line, reason in rep.errors[:20]:
                err.print(f"  {f}:{line}: {reason}", markup=False, highlight=False)


API_IMPORTERS["twitter"] = _import_twitter
