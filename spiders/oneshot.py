"""One profile, gathered now, for ``profilecheck check URL`` and the API's ``POST /check/url``.

A crawl runs the spiders in a Twisted reactor, which starts once per process; checking one
profile from a long-running API cannot. This module runs the *same spider code* without the
reactor: :func:`drive` takes a spider's requests, fetches each through the SSRF-guarded
:class:`~profilecheck.fetch.SafeFetcher` (every redirect hop checked, bodies capped), hands the
response to the request's own callback (or the failure to its errback) and follows the requests
the callbacks yield. So the page is read by :class:`spiders.spiders.profile.ProfileSpider`
(JSON-LD, microdata, OpenGraph, microformats through extruct, and the site definitions), the
linked GitHub account by :class:`spiders.spiders.github.GitHubSpider` (user, repositories, own
commits' ``.patch`` offsets), and images by the item pipeline's :func:`spiders.pipelines.fetch_images`.
robots.txt is obeyed as in a crawl. What a crawl adds for many pages (throttling, the ETag cache,
retries) is left out: one profile is a handful of requests.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from pydantic import ValidationError
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from profilecheck.errors import BlockedError, FetchError
from profilecheck.fetch import USER_AGENT, SafeFetcher
from profilecheck.model import Activity, Profile
from spiders.pipelines import fetch_images
from spiders.spiders.github import GitHubSpider
from spiders.spiders.profile import ProfileSpider

__all__ = ["GatherOptions", "Gathered", "drive", "gather_profile", "github_login_of"]

#: Paths of github.com that are not user accounts.
_NOT_USERS = frozenset(
    "about apps blog collections contact customer-stories enterprise events explore features issues login "
    "marketplace new notifications orgs organizations pricing pulls search security settings site sponsors "
    "team topics trending".split()
)


@dataclass(frozen=True)
class GatherOptions:
    """How to gather one profile.

    Args:
        allow_loopback: let the guard pass 127.0.0.0/8 and ::1 (your own test servers only).
        github_api: GitHub REST API base (GitHub Enterprise or a test server).
        github_web: GitHub web base: profile links under it name the account; ``.patch`` files come from it.
        follow_github: follow the profile's linked GitHub account.
        obey_robots: read the site's robots.txt first, as a crawl does.
        max_requests: cap on requests for the GitHub account (user, repositories, commits, patches).
        max_image_bytes: cap on each image (decompressed).
        timeout: seconds per connect and per read.
    """

    allow_loopback: bool = False
    github_api: str = "https://api.github.com"
    github_web: str = "https://github.com"
    follow_github: bool = True
    obey_robots: bool = True
    max_requests: int = 40
    max_image_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_images: int = 8
    timeout: float = 15.0


@dataclass
class Gathered:
    """The profile as gathered, the problems met on the way (``(item, reason)``), and the request count."""

    profile: Profile
    problems: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0
    github: str | None = None


def _collect(agen: AsyncIterator[Any]) -> list[Any]:
    async def run() -> list[Any]:
        return [x async for x in agen]

    return asyncio.run(run())


def _headers(req: Request) -> dict[str, str]:
    out = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in req.headers.items() if v}
    env = req.meta.get("token_env")
    token = os.environ.get(env, "").strip() if env else ""
    if token:  # as spiders.middlewares.TokenMiddleware: only on requests that ask for it, never logged
        out["Authorization"] = f"Bearer {token}"
    return out


def drive(requests: Iterable[Request], fetcher: SafeFetcher, max_requests: int) -> tuple[list[dict[str, Any]], int]:
    """Run spider requests to the end without a reactor: ``(items, requests made)``.

    Each request is fetched through ``fetcher``; its callback gets the response (whatever the
    status, as the spiders' ``handle_httpstatus_list`` asks), its errback a failure carrying the
    request when the fetch is refused or fails. Requests past ``max_requests`` are not made; the
    errback is told so.
    """
    queue: deque[Request] = deque(requests)
    items: list[dict[str, Any]] = []
    made = 0
    while queue:
        req = queue.popleft()
        out: Iterable[Any] | None
        if made >= max_requests:
            failure = Failure(FetchError(f"{req.url}: over the {max_requests} request budget of one check"))  # type: ignore[no-untyped-call]
            failure.request = req  # type: ignore[attr-defined]
            out = req.errback(failure) if req.errback else None
        else:
            made += 1
            try:
                res = fetcher.get(req.url, headers=_headers(req))
            except FetchError as exc:
                failure = Failure(exc)  # type: ignore[no-untyped-call]
                failure.request = req  # type: ignore[attr-defined]
                out = req.errback(failure) if req.errback else None
            else:
                resp = Response(res.url, status=res.status, headers=res.headers, body=res.body, request=req)
                callback = req.callback
                out = callback(resp, **req.cb_kwargs) if callable(callback) else None
        for x in out or ():
            if isinstance(x, Request):
                queue.append(x)
            elif isinstance(x, dict):
                items.append(x)
    return items, made


def _robots_allowed(url: str, fetcher: SafeFetcher) -> bool:
    parts = urlsplit(url)
    robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        res = fetcher.get(robots)
    except FetchError:
        return True  # as Scrapy: an unreachable robots.txt does not forbid
    if res.status >= 400:
        return res.status not in (401, 403)  # a refused robots.txt forbids everything (RFC 9309 2.3.1.4)
    rp = RobotFileParser()
    rp.parse(res.body.decode("utf-8", errors="replace").splitlines())
    return rp.can_fetch(USER_AGENT, url)


def github_login_of(profile: Profile, web_base: str) -> str | None:
    """The GitHub login a profile names: its ``activity.github_login``, else a link to an account page.

    >>> p = Profile(platform="x", handle="y", links=["https://twitter.com/a", "https://github.com/Octo/"])
    >>> github_login_of(p, "https://github.com")
    'Octo'
    """
    if profile.activity.github_login:
        return profile.activity.github_login
    base = urlsplit(web_base.rstrip("/"))
    prefix = [p for p in base.path.split("/") if p]
    hosts = {base.netloc.lower(), "github.com", "www.github.com"}
    for link in profile.links:
        parts = urlsplit(link if "://" in link else "https://" + link)
        path = [p for p in parts.path.split("/") if p]
        if parts.netloc.lower() not in hosts:
            continue
        if parts.netloc.lower() == base.netloc.lower() and path[: len(prefix)] == prefix:
            path = path[len(prefix) :]
        if len(path) == 1 and path[0].lower() not in _NOT_USERS:
            return path[0]
    return None


def _github_activity(login: str, fetcher: SafeFetcher, opts: GatherOptions) -> tuple[Activity | None, str, int]:
    spider = GitHubSpider(logins=login, api_url=opts.github_api, web_url=opts.github_web)
    items, made = drive(_collect(spider.start()), fetcher, opts.max_requests)
    for it in items:
        if it.get("status") == "ok" and it.get("profile"):
            try:
                gh = Profile.model_validate(it["profile"])
            except ValidationError as exc:
                return None, f"invalid GitHub record: {exc.errors()[0]['msg']}", made
            notes = "; ".join(str(p) for p in it.get("problems") or [])
            return gh.activity, notes, made
    bad = next((it for it in items if it.get("status") != "ok"), None)
    why = f"{bad['reason']}: {bad['detail']}" if bad else "no answer"
    return None, why, made


def gather_profile(url: str, opts: GatherOptions | None = None, *, media_put: Any) -> Gathered:
    """Gather the profile at ``url``: the page, its images, and its linked GitHub account's activity.

    Args:
        url: the profile page.
        opts: what to follow and how.
        media_put: ``bytes -> sha256`` (the store's ``media.put``) for the images.

    Raises:
        BlockedError: the URL is refused by the SSRF guard or by robots.txt.
        FetchError: the page could not be checked (blocked, rate-limited, no person data ...):
            the reason is in the message; nothing is stored as clean.
    """
    opts = opts or GatherOptions()
    fetcher = SafeFetcher(allow_loopback=opts.allow_loopback, max_bytes=opts.max_image_bytes, timeout=opts.timeout)
    fetcher.check(url)  # refuse an SSRF target before anything is sent
    made = 0
    if opts.obey_robots:
        made += 1
        if not _robots_allowed(url, fetcher):
            raise BlockedError(f"{url}: robots.txt disallows this page", url=url, reason="robots_disallowed")
    spider = ProfileSpider(urls=url)
    items, n = drive(_collect(spider.start()), fetcher, 1)
    made += n
    page = items[0] if items else {"status": "unknown", "reason": "fetch_failed", "detail": "no answer"}
    if page.get("status") != "ok":
        what = "no such profile" if page.get("status") == "missing" else "could not check the page"
        why = ": ".join(str(x) for x in (page.get("reason"), page.get("detail")) if x)
        raise FetchError(f"{url}: {what} ({why})", url=url, reason=page.get("reason"))
    rec: dict[str, Any] = dict(page.get("profile") or {})  # type: ignore[arg-type]
    rec["provenance"] = {"source": "check:url", "fetched_at": datetime.now(UTC).isoformat(), "source_url": url}
    try:
        profile = Profile.model_validate(rec)
    except ValidationError as exc:
        first = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise FetchError(f"{url}: the page's profile is invalid ({first})", url=url) from exc
    problems = [(f"item[{i}]", str(p)) for i, p in enumerate(page.get("problems") or [])]
    login = github_login_of(profile, opts.github_web) if opts.follow_github else None
    if login:
        activity, notes, n = _github_activity(login, fetcher, opts)
        made += n
        if activity is None:
            problems.append((f"github:{login}", f"linked GitHub account not read ({notes})"))
        else:
            # What GitHub says overrides what the page claims about the account: it is measured, not claimed.
            merged = profile.activity.model_copy(
                update={k: v for k, v in activity.model_dump().items() if v not in (None, [])}
            )
            profile = profile.model_copy(update={"activity": Activity.model_validate(merged.model_dump())})
            if notes:
                problems.append((f"github:{login}", notes[:300]))
    profile, image_problems = fetch_images(
        profile,
        fetcher,
        media_put,
        max_images=opts.max_images,
        max_bytes=opts.max_image_bytes,
        max_pixels=opts.max_image_pixels,
        seen={},
    )
    problems += image_problems
    return Gathered(profile, problems, made, login)
