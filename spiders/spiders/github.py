"""The GitHub REST importer, as a spider: it shares the throttling, retries, ETag cache and pipeline.

For each login: ``GET /users/{login}``, ``GET /users/{login}/repos`` (own repositories and forks,
creation and push dates, language, stars), then for a few of the user's own (non-fork)
repositories ``GET /repos/{owner}/{repo}/commits?author={login}`` and each listed commit's
``.patch`` from the web host, whose ``Date:`` header keeps the committer's UTC offset (the API
gives commit dates in UTC only). Commits whose author is someone else are skipped.

Requests are conditional (``If-None-Match`` from the ETag store: a ``304`` does not count against
the rate limit); ``x-ratelimit-remaining`` / ``x-ratelimit-reset`` and ``Retry-After`` are
honoured by :class:`spiders.middlewares.RateLimitMiddleware`; a token is taken from
``GITHUB_TOKEN`` when set and added to API requests only, never logged or stored.

    scrapy crawl github -a logins=octocat,torvalds
    profilecheck import github octocat torvalds
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_tz
from typing import Any, ClassVar
from urllib.parse import quote

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.pages import PageResult

__all__ = ["GitHubSpider", "patch_offset_minutes", "user_record"]

_DATE = re.compile(rb"^Date: (.+)$", re.MULTILINE)


def patch_offset_minutes(patch: bytes) -> int | None:
    """The UTC offset, in minutes, of the first ``Date:`` header of a ``git format-patch`` text.

    >>> patch_offset_minutes(b"From: A <a@example.org>\\nDate: Mon, 3 Feb 2025 10:00:00 +0900\\n")
    540
    >>> patch_offset_minutes(b"Date: Tue, 4 Feb 2025 08:15:00 -0530\\n")
    -330
    >>> patch_offset_minutes(b"no header") is None
    True
    """
    m = _DATE.search(patch[:8192])
    if not m:
        return None
    parsed = parsedate_tz(m.group(1).decode("latin-1").strip())
    if parsed is None or parsed[9] is None:
        return None
    return int(parsed[9]) // 60


def user_record(user: dict[str, Any], repos: list[dict[str, Any]], offsets: list[int]) -> dict[str, Any]:
    """Map a GitHub user object and its repositories onto the profile record shape."""
    login = str(user["login"])
    links = []
    if user.get("blog"):
        blog = str(user["blog"]).strip()
        links.append(blog if "://" in blog else f"https://{blog}")
    if user.get("twitter_username"):
        links.append(f"https://twitter.com/{user['twitter_username']}")
    rec: dict[str, Any] = {
        "platform": "github",
        "handle": login,
        "url": user.get("html_url"),
        "name": user.get("name"),
        "headline": user.get("company"),
        "bio": user.get("bio"),
        "location": user.get("location"),
        "created_at": user.get("created_at"),
        "links": links,
        "contacts": {"emails": [user["email"]] if user.get("email") else []},
        "photos": [{"url": user["avatar_url"], "role": "headshot"}] if user.get("avatar_url") else [],
        "activity": {
            "public_repos": user.get("public_repos"),
            "followers": user.get("followers"),
            "following": user.get("following"),
            "github_login": login,
            "github_created_at": user.get("created_at"),
            "commit_tz_offsets": offsets,
            "repos": [
                {
                    "name": r["name"],
                    "fork": bool(r.get("fork")),
                    "created_at": r.get("created_at"),
                    "pushed_at": r.get("pushed_at"),
                    "language": r.get("language"),
                    "stars": int(r.get("stargazers_count") or 0),
                }
                for r in repos
            ],
        },
    }
    return {k: v for k, v in rec.items() if v not in (None, "")}


class GitHubSpider(scrapy.Spider):
    """``-a logins=a,b`` (``-a api_url=`` / ``-a web_url=`` for GitHub Enterprise or a test server)."""

    name = "github"
    handle_httpstatus_list: ClassVar[list[int]] = [401, 403, 404, 410, 429, 451, 500, 502, 503]

    def __init__(
        self,
        logins: str = "",
        api_url: str = "https://api.github.com",
        web_url: str = "https://github.com",
        max_repos: str | int = 100,
        commit_repos: str | int = 3,
        commits_per_repo: str | int = 10,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.logins = [x for x in re.split(r"[\s,]+", logins) if x]
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.max_repos = int(max_repos)
        self.commit_repos = int(commit_repos)
        self.commits_per_repo = int(commits_per_repo)

    def api(self, path: str, callback: Any, state: dict[str, Any]) -> scrapy.Request:
        url = self.api_url + path
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            cb_kwargs={"state": state},
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
            meta={"etag_cache": True, "token_env": "GITHUB_TOKEN", "pc_page_url": url},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for login in self.logins:
            state: dict[str, Any] = {"login": login, "queue": [], "offsets": [], "problems": []}
            yield self.api(f"/users/{quote(login)}", self.parse_user, state)

    def _refused(self, response: Response, state: dict[str, Any]) -> dict[str, Any] | None:
        """An UNKNOWN/missing item when the response is not usable, else None."""
        url = f"{self.api_url}/users/{state['login']}"
        if response.meta.get("rate_limited") or response.status == 429:
            detail = response.meta.get("rate_limited") or f"HTTP {response.status}"
            return PageResult(url, "unknown", "rate_limited", detail).item()
        if response.status in (404, 410):
            return PageResult(url, "missing", "not_found", f"HTTP {response.status}").item()
        if response.status in (401, 403, 451):
            return PageResult(url, "unknown", "blocked_http_403", f"HTTP {response.status}").item()
        if response.status >= 400:
            return PageResult(url, "unknown", "http_error", f"HTTP {response.status}").item()
        return None

    def _json(self, response: Response) -> Any:
        try:
            return json.loads(response.body)
        except ValueError:
            return None

    def parse_user(self, response: Response, state: dict[str, Any]) -> Iterator[Any]:
        """The user object, then their repositories.

        @fixture github-api user
        @cb_kwargs {"state": {"login": "octocat", "queue": [], "offsets": [], "problems": []}}
        @returns requests 1 1
        @returns items 0 0
        """
        refused = self._refused(response, state)
        if refused:
            yield refused
            return
        user = self._json(response)
        if not isinstance(user, dict) or "login" not in user:
            yield PageResult(response.url, "unknown", "malformed_page", "not a GitHub user object").item()
            return
        state["user"] = user
        yield self.api(
            f"/users/{quote(state['login'])}/repos?per_page={self.max_repos}&type=owner&sort=pushed",
            self.parse_repos,
            state,
        )

    def parse_repos(self, response: Response, state: dict[str, Any]) -> Iterator[Any]:
        """The repositories; the commit lists of the most recently pushed own (non-fork) ones follow.

        @fixture github-api repos
        @cb_kwargs {"state": {"login": "octocat", "queue": [], "offsets": [], "problems": [], "user": {}}}
        @returns requests 1 1
        @returns items 0 0
        """
        refused = self._refused(response, state)
        if refused and refused["status"] == "unknown":
            # Without the repositories the account would look emptier than it is: say UNKNOWN, store nothing.
            refused["detail"] = f"repositories: {refused['detail']}"
            yield refused
            return
        repos = self._json(response) if response.status == 200 else None
        if not isinstance(repos, list):
            state["problems"].append(f"repositories: HTTP {response.status}")
            repos = []
        state["repos"] = [r for r in repos if isinstance(r, dict) and "name" in r][: self.max_repos]
        own = [r for r in state["repos"] if not r.get("fork")]
        own.sort(key=lambda r: str(r.get("pushed_at") or ""), reverse=True)
        login = quote(state["login"])
        for r in own[: self.commit_repos]:
            path = f"/repos/{login}/{quote(r['name'])}/commits?author={login}&per_page={self.commits_per_repo}"
            state["queue"].append(("commits", self.api_url + path, r["name"]))
        yield from self.next_step(state)

    def parse_commits(self, response: Response, state: dict[str, Any], repo: str = "") -> Iterator[Any]:
        """A commit list: the user's own commits queue their ``.patch`` (someone else's are skipped).

        @fixture github-api commits
        @cb_kwargs {"state": {"login": "octocat", "queue": [], "offsets": [], "problems": []}, "repo": "Hello-World"}
        @returns requests 1 1
        @returns items 0 0
        """
        commits = self._json(response) if response.status == 200 else None
        if not isinstance(commits, list):
            state["problems"].append(f"commits of {repo}: HTTP {response.status}")
            commits = []
        login = state["login"].lower()
        for c in commits:
            author = (c.get("author") or {}).get("login") if isinstance(c, dict) else None
            if not author or str(author).lower() != login or not c.get("sha"):
                continue  # only the user's own commits say where the user works from
            url = f"{self.web_url}/{quote(state['login'])}/{quote(repo)}/commit/{c['sha']}.patch"
            state["queue"].append(("patch", url, repo))
        yield from self.next_step(state)

    def parse_patch(self, response: Response, state: dict[str, Any], repo: str = "") -> Iterator[Any]:
        """A commit's ``.patch``: its ``Date:`` offset; with nothing left to fetch, the profile item.

        @fixture github-api commit
        @cb_kwargs {"state": {"login": "o", "queue": [], "offsets": [], "problems": [], "user": {"login": "o"}}}
        @returns items 1 1
        @returns requests 0 0
        @scrapes url status reason profile
        """
        offset = patch_offset_minutes(response.body) if response.status == 200 else None
        if offset is None:
            state["problems"].append(f"{response.url}: no Date header (HTTP {response.status})")
        else:
            state["offsets"].append(offset)
        yield from self.next_step(state)

    def next_step(self, state: dict[str, Any]) -> Iterator[Any]:
        """Follow the queue one request at a time; when it is empty, yield the profile."""
        if state["queue"]:
            kind, url, repo = state["queue"].pop(0)
            if kind == "commits":
                req = scrapy.Request(
                    url,
                    callback=self.parse_commits,
                    errback=self.failed,
                    cb_kwargs={"state": state, "repo": repo},
                    headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
                    meta={"etag_cache": True, "token_env": "GITHUB_TOKEN", "pc_page_url": url},
                    dont_filter=True,
                )
            else:
                req = scrapy.Request(
                    url,
                    callback=self.parse_patch,
                    errback=self.failed,
                    cb_kwargs={"state": state, "repo": repo},
                    meta={"etag_cache": True, "pc_page_url": url},
                    dont_filter=True,
                )
            yield req
            return
        user = state.get("user")
        if user is None:
            return
        record = user_record(user, state.get("repos", []), state["offsets"])
        item = PageResult(f"{self.api_url}/users/{state['login']}", "ok", "person_found", record=record).item()
        item["problems"] = state["problems"]
        yield item

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = getattr(failure, "request", None)
        state = request.cb_kwargs.get("state") if request is not None else None
        detail = str(failure.value)[:300] or type(failure.value).__name__
        if state is None:
            return
        if "user" not in state or "repos" not in state:  # the user or their repositories could not be fetched
            reason = "rate_limited" if "rate_limited" in detail else "fetch_failed"
            yield PageResult(f"{self.api_url}/users/{state['login']}", "unknown", reason, detail).item()
            return
        state["problems"].append(f"{request.url if request else '?'}: {detail}")
        yield from self.next_step(state)
