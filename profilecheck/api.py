"""The REST API (FastAPI): check a profile, read verdicts and clusters, record decisions.

A thin layer over the library, like the CLI. Each request opens its own :class:`Store` (SQLite
connections are per thread). ``profilecheck serve`` binds 127.0.0.1 by default; bound to any
other address it refuses to start without a token (``PROFILECHECK_API_TOKEN`` or a token file),
and with a token every request that changes the store (a check, a decision) needs
``Authorization: Bearer <token>`` (401 otherwise). Request bodies are capped while they stream in
(413 past ``max_body`` bytes; see :mod:`profilecheck.apilimits`). The OpenAPI schema is at
``/openapi.json``, the docs at ``/docs``, and ``/report`` serves the HTML case queue whose
decision forms post back here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Form, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from profilecheck import __version__
from profilecheck.apilimits import DEFAULT_MAX_BODY, BodyLimitMiddleware, token_matches
from profilecheck.errors import ProfileCheckError
from profilecheck.model import Profile
from profilecheck.store import Store

__all__ = ["create_app"]


class EvidenceOut(BaseModel):
    signal: str
    code: str
    status: str
    strength: float
    detail: str
    refs: list[str]


class VerdictOut(BaseModel):
    profile_id: str
    score: int
    p_fake: float
    label: str
    evidence: list[EvidenceOut]
    name: str | None = None
    cluster: dict[str, Any] | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list)
    decisions: list[dict[str, Any]] = Field(default_factory=list)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["fake", "genuine", "unsure"]
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    reviewer: str = Field(min_length=1, max_length=200, pattern=r"\S")


class CheckUrlIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=10, max_length=2000, pattern=r"^https?://\S+$")


class DecisionOut(BaseModel):
    id: int
    profile_id: str
    decision: str
    reason: str
    reviewer: str
    at: str


class ClusterOut(BaseModel):
    id: str
    size: int
    members: list[str]
    evidence: float
    is_ring: bool
    families: list[str]
    artifacts: list[dict[str, Any]]


def _store(request: Request) -> Iterator[Store]:
    # Opened, used and closed in up to three different worker threads, one after the other.
    s = Store(request.app.state.workspace, check_same_thread=False)
    try:
        yield s
    finally:
        s.close()


def _check_token(token: str | None, authorization: str | None) -> None:
    if token is None:
        return
    if not token_matches(token, authorization):
        raise HTTPException(
            status_code=401, detail="a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )


def _authorised(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    _check_token(request.app.state.token, authorization)


StoreDep = Annotated[Store, Depends(_store)]


def create_app(
    workspace: Path | str | None = None, *, token: str | None = None, max_body: int = DEFAULT_MAX_BODY
) -> FastAPI:
    """Build the API over a workspace (``None``: a fresh temporary one, for tests and trials).

    ``token``: when set, writes need ``Authorization: Bearer <token>``; ``max_body``: the request
    body cap in bytes.
    """
    tmp = None
    if workspace is None:
        tmp = tempfile.TemporaryDirectory(prefix="profilecheck-api-")
        workspace = tmp.name
    ws = Path(workspace)
    Store(ws).close()  # create and migrate once, up front
    app = FastAPI(
        title="profilecheck",
        version=__version__,
        description="Tell whether a freelancer's public profile is who it claims to be.",
    )
    app.state.tmp = tmp
    app.state.workspace = ws
    app.state.token = token
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body)

    def verdict_out(s: Store, pid: str) -> VerdictOut:
        v = s.get_verdict(pid)
        if v is None:
            raise HTTPException(status_code=404, detail=f"no verdict for {pid!r}; check or scan it first")
        p = s.get_profile(pid)
        return VerdictOut(
            **v.to_dict(),
            name=p.name,
            cluster=s.cluster_of(pid),
            problems=s.profile_errors(pid),
            decisions=s.decisions(pid),
        )

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok", "version": __version__}

    @app.post("/check", response_model=VerdictOut, dependencies=[Depends(_authorised)])
    def check(profile: Profile, s: StoreDep) -> VerdictOut:
        """Check one profile (the import format) against everything stored; returns its verdict."""
        from profilecheck.check import check_profile

        try:
            res = check_profile(s, profile)
        except ProfileCheckError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return verdict_out(s, res.profile.id)

    @app.post("/check/url", response_model=VerdictOut, dependencies=[Depends(_authorised)])
    def check_url(body: CheckUrlIn, request: Request, s: StoreDep) -> VerdictOut:
        """Gather the profile page at a URL now (SSRF-guarded) and check it; off unless served with --gather-urls."""
        from profilecheck.check import check_target
        from profilecheck.errors import BlockedError

        opts = getattr(request.app.state, "gather", None)  # spiders.oneshot.GatherOptions, set by `serve`
        if opts is None:
            raise HTTPException(status_code=403, detail="checking by URL is off: start with serve --gather-urls")
        try:
            res = check_target(s, body.url, gather=opts)
        except BlockedError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        except ProfileCheckError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return verdict_out(s, res.profile.id)

    @app.get("/profiles/{profile_id}", response_model=VerdictOut)
    def get_profile(profile_id: str, s: StoreDep) -> VerdictOut:
        """A profile's verdict, every reason with its evidence, its cluster and its decisions."""
        ids = s.find_profile_ids(profile_id)
        if len(ids) != 1:
            raise HTTPException(status_code=404, detail=f"no single profile {profile_id!r}")
        return verdict_out(s, ids[0])

    @app.get("/clusters", response_model=list[ClusterOut])
    def clusters(
        s: StoreDep,
        rings_only: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Clusters of profiles tied by shared artifacts, rings first."""
        return s.clusters(rings_only=rings_only)[:limit]

    @app.get("/clusters/{cluster_id}", response_model=ClusterOut)
    def cluster(cluster_id: str, s: StoreDep) -> dict[str, Any]:
        """One cluster with its members and the artifacts that tie them."""
        c = s.get_cluster(cluster_id)
        if c is None:
            raise HTTPException(status_code=404, detail=f"no cluster {cluster_id!r}")
        return c

    def _decide(s: Store, profile_id: str, body: DecisionIn) -> dict[str, Any]:
        ids = s.find_profile_ids(profile_id)
        if len(ids) != 1:
            raise HTTPException(status_code=404, detail=f"no single profile {profile_id!r}")
        try:
            return s.record_decision(ids[0], body.decision, body.reason, body.reviewer)
        except ProfileCheckError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc

    @app.post(
        "/profiles/{profile_id}/decisions",
        response_model=DecisionOut,
        status_code=201,
        dependencies=[Depends(_authorised)],
    )
    def decide(profile_id: str, body: DecisionIn, s: StoreDep) -> dict[str, Any]:
        """Record a reviewer's decision (fake, genuine or unsure) with its reason; append-only."""
        return _decide(s, profile_id, body)

    @app.get("/profiles/{profile_id}/decisions", response_model=list[DecisionOut])
    def decisions(profile_id: str, s: StoreDep) -> list[dict[str, Any]]:
        """Every decision recorded on a profile, oldest first."""
        return s.decisions(profile_id.strip().lower())

    @app.post("/report/decisions", include_in_schema=False)
    def decide_form(
        s: StoreDep,
        profile_id: Annotated[str, Form()],
        decision: Annotated[Literal["fake", "genuine", "unsure"], Form()],
        reason: Annotated[str, Form(min_length=1, max_length=2000)],
        reviewer: Annotated[str, Form(min_length=1, max_length=200)],
        token_field: Annotated[str, Form(alias="token")] = "",
    ) -> RedirectResponse:
        """The report's decision form (form-encoded); redirects back to the case."""
        _check_token(token, f"Bearer {token_field}")
        try:
            body = DecisionIn(decision=decision, reason=reason, reviewer=reviewer)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        _decide(s, profile_id, body)
        return RedirectResponse(url=f"/report#{profile_id}", status_code=303)

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    def report(s: StoreDep, limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> str:
        """The HTML case queue, with decision forms that post here."""
        from profilecheck.report import render_report

        return render_report(s, limit=limit, form_action="/report/decisions", needs_token=token is not None)

    return app
