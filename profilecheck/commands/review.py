"""Review commands: check one profile, explain a score, decide, calibrate, clusters, serve, prevalence."""

from __future__ import annotations

import ipaddress
import json
import math
import os
from pathlib import Path
from typing import Annotated

import typer

from profilecheck.apilimits import DEFAULT_MAX_BODY, read_token
from profilecheck.cli import DEFAULT_WORKSPACE, Workspace, _store, app, console, err
from profilecheck.errors import InputError
from profilecheck.model import Status


def _one_id(store, query: str) -> str:  # type: ignore[no-untyped-def]
    ids = store.find_profile_ids(query)
    if not ids:
        raise InputError(f"no profile {query!r} in {store.workspace}")
    if len(ids) > 1:
        raise InputError(f"{query!r} matches {len(ids)} profiles: {', '.join(ids)}; give platform:handle")
    return str(ids[0])


@app.command()
def check(
    target: Annotated[str, typer.Argument(help="A profile page URL, or a JSON profile file.")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    github_api: Annotated[str, typer.Option(help="GitHub REST API base for the linked account.")] = (
        "https://api.github.com"
    ),
    github_web: Annotated[str, typer.Option(help="GitHub web base (account links, .patch files).")] = (
        "https://github.com"
    ),
    no_github: Annotated[bool, typer.Option("--no-github", help="Do not follow the linked GitHub account.")] = False,
    rdap: Annotated[bool, typer.Option("--rdap", help="Look up the profile's domains' registration dates.")] = False,
    rdap_url: Annotated[str | None, typer.Option(help="RDAP base URL (default https://rdap.org).")] = None,
    rdap_bootstrap: Annotated[Path | None, typer.Option(help="IANA RDAP bootstrap file (dns.json).")] = None,
    allow_loopback: Annotated[bool, typer.Option(help="Let the SSRF guard pass loopback (test servers only).")] = False,
) -> None:
    """Check one profile (URL or JSON file) against everything stored: verdict, reasons and evidence in seconds."""
    from profilecheck.check import RdapOptions, check_target
    from profilecheck.commands.screening import rdap_options
    from spiders.oneshot import GatherOptions

    gather = GatherOptions(
        allow_loopback=allow_loopback, github_api=github_api, github_web=github_web, follow_github=not no_github
    )
    rdap_opts = None
    if rdap or rdap_url or rdap_bootstrap:
        base, table = rdap_options(rdap_url, rdap_bootstrap)
        rdap_opts = RdapOptions(base_url=base, bootstrap=table)
    with _store(workspace) as store:
        res = check_target(store, target, gather=gather, rdap=rdap_opts)
    if as_json:
        console.print_json(json.dumps(res.to_dict()))
        return
    v = res.verdict
    color = {"likely_fake": "red", "review": "yellow"}.get(str(v.label), "green")
    console.print(
        f"[bold]{v.profile_id}[/] {res.profile.name or ''}  score [{color}]{v.score}[/] "
        f"({v.label}, P(fake) {v.p_fake:.2f})"
    )
    for e in v.evidence:
        mark = {Status.HIT: "[red]HIT[/]", Status.MISS: "[green]ok [/]", Status.UNKNOWN: "[dim]?? [/]"}[e.status]
        console.print(f"  {mark} {e.code:<32} {e.strength:+.2f}  {e.detail}", highlight=False)
        for r in e.refs[:8]:
            console.print(f"        -> {r}", highlight=False)
    if res.cluster:
        c = res.cluster
        kind = "ring" if c["is_ring"] else "cluster"
        console.print(f"  {kind} {c['id']}: {c['size']} profiles tied by {', '.join(c['families'])}", highlight=False)
    for x in res.problems:
        console.print(f"  [dim]problem[/] {x['stage']} {x['item']}: {x['reason']}", highlight=False)


@app.command()
def explain(
    profile: Annotated[str, typer.Argument(help="Profile id (platform:handle) or handle.")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Show how each reason moved one profile's score: log-odds added and P(fake) after each."""
    from profilecheck.calibration import load_calibration
    from profilecheck.scoring import DEFAULT_PRIOR

    with _store(workspace) as store:
        pid = _one_id(store, profile)
        v = store.get_verdict(pid)
        cal = load_calibration(store.workspace)
    if v is None:
        raise InputError(f"{pid} has not been scanned yet: run profilecheck scan")
    prior = cal.prior if cal else DEFAULT_PRIOR
    z = math.log(prior / (1 - prior))
    src = f"calibrated on {cal.n} labelled profiles ({cal.fitted_at})" if cal else "documented defaults"
    console.print(f"[bold]{pid}[/]  score {v.score} ({v.label}); weights: {src}", highlight=False)
    console.print(f"  {'start: prior':<44} {'':>7}  log-odds {z:+.2f}  P(fake) {prior:.3f}", highlight=False)
    for e in sorted(v.evidence, key=lambda e: (e.status is Status.UNKNOWN, -abs(e.strength))):
        if e.status is Status.UNKNOWN:
            console.print(f"  {e.code:<44} {'  n/a':>7}  (could not check: {e.detail})", highlight=False)
            continue
        z += e.strength
        p = 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))
        console.print(
            f"  {e.signal + ' ' + e.code:<44} {e.strength:+7.2f}  log-odds {z:+.2f}  P(fake) {p:.3f}", highlight=False
        )
    console.print(f"  final P(fake) {v.p_fake:.3f}, score {v.score}", highlight=False)


@app.command()
def decide(
    profile: Annotated[str, typer.Argument(help="Profile id (platform:handle) or handle.")],
    decision: Annotated[str, typer.Argument(help="fake, genuine or unsure.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    reviewer: Annotated[str, typer.Option("--reviewer", envvar="PROFILECHECK_REVIEWER", help="Who decides.")] = "",
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Record a reviewer's decision on a profile (append-only: who, when, why); it feeds calibrate."""
    who = reviewer or os.environ.get("USER", "")
    with _store(workspace) as store:
        d = store.record_decision(_one_id(store, profile), decision, reason, who)
    console.print(f"recorded #{d['id']}: {d['profile_id']} {d['decision']} by {d['reviewer']} at {d['at']}")


@app.command()
def decisions(
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    out: Annotated[Path | None, typer.Option(help="Write the latest decision per profile as a labels CSV.")] = None,
) -> None:
    """List recorded decisions, or write them as LABELS.csv for calibrate."""
    with _store(workspace) as store:
        rows = store.decisions()
        latest = store.decisions(latest_only=True)
    if out:
        lines = ["profile_id,label"] + [
            f"{d['profile_id']},{d['decision']}" for d in latest if d["decision"] != "unsure"
        ]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        console.print(f"wrote {len(lines) - 1} labels to {out}")
        return
    for d in rows:
        console.print(f"#{d['id']} {d['at']} {d['reviewer']}: {d['profile_id']} {d['decision']} - {d['reason']}")
    console.print(f"{len(rows)} decision(s)")


@app.command()
def calibrate(
    labels: Annotated[
        Path | None, typer.Argument(help="CSV with profile_id,label (fake/genuine). Default: recorded decisions.")
    ] = None,
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    curve: Annotated[
        Path | None, typer.Option(help="Reliability curve SVG (default: WORKSPACE/reliability.svg).")
    ] = None,
) -> None:
    """Fit per-reason weights on your labelled cases (logistic regression); later scans use them."""
    from profilecheck.calibration import fit, read_labels, reliability_svg, save_calibration
    from profilecheck.engine import scan as run_scan

    with _store(workspace) as store:
        if labels is not None:
            lab = read_labels(labels)
        else:
            lab = {
                d["profile_id"]: d["decision"] == "fake"
                for d in store.decisions(latest_only=True)
                if d["decision"] in ("fake", "genuine")
            }
        cal = fit(store.iter_verdicts(), lab)
        path = save_calibration(store.workspace, cal)
        svg = curve or store.workspace / "reliability.svg"
        svg.write_text(reliability_svg(cal), encoding="utf-8")
        (store.workspace / "reliability.csv").write_text(
            "predicted,observed\n" + "".join(f"{r['predicted']},{r['observed']}\n" for r in cal.reliability),
            encoding="utf-8",
        )
        stats = run_scan(store)
    console.print(f"fitted on {cal.n} labelled profiles ({cal.n_fake} fake); prior {cal.prior:.3f}; saved {path}")
    for k, v in sorted(cal.metrics.items()):
        console.print(f"  {k}: {v:.4f}")
    top = sorted(cal.weights.items(), key=lambda kv: -abs(kv[1]))[:12]
    for code, w in top:
        console.print(f"  {code:<36} {w:+.3f}", highlight=False)
    console.print(f"reliability curve: {svg}; rescored {stats.scored} profiles with the new weights")


@app.command()
def clusters(
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    rings_only: Annotated[bool, typer.Option("--rings", help="Only rings.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List clusters of profiles tied by shared artifacts (rings first) with what ties them."""
    with _store(workspace) as store:
        rows = store.clusters(rings_only=rings_only)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for c in rows:
        kind = "RING   " if c["is_ring"] else "cluster"
        console.print(
            f"{kind} {c['id']} size {c['size']:>3} evidence {c['evidence']:5.1f} tied by {', '.join(c['families'])}: "
            + ", ".join(c["members"][:8])
            + (" ..." if c["size"] > 8 else ""),
            highlight=False,
        )
    console.print(f"{len(rows)} cluster(s), {sum(1 for c in rows if c['is_ring'])} ring(s)")


@app.command()
def serve(
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
    gather_urls: Annotated[
        bool, typer.Option(help="Let POST /check/url gather profile pages (through the SSRF guard).")
    ] = False,
    token_file: Annotated[
        Path | None, typer.Option(help="File holding the API token (else PROFILECHECK_API_TOKEN[_FILE]).")
    ] = None,
    max_body: Annotated[int, typer.Option(help="Request body cap in bytes (413 past it).", min=1)] = DEFAULT_MAX_BODY,
) -> None:
    """Serve the REST API and the live report (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from profilecheck.api import create_app

    token = read_token(token_file)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not token:
        raise InputError(
            f"binding {host} beyond loopback needs a token for writes: set PROFILECHECK_API_TOKEN "
            "or give --token-file (16 characters or more)"
        )
    err.print(f"profilecheck API on http://{host}:{port} (report at /report, docs at /docs)")
    api = create_app(workspace, token=token, max_body=max_body)
    if gather_urls:
        from spiders.oneshot import GatherOptions

        api.state.gather = GatherOptions()
    uvicorn.run(api, host=host, port=port, log_level="warning")
