"""GitLab users as profiles (REST API v4), a second API source of a different shape.

``GET /users?username=NAME`` finds the account (an empty list: no such user), ``GET /users/:id``
gives the public profile (bio, location, job title, organisation, links, public e-mail, creation
date), ``GET /users/:id/projects`` the user's projects (forks recognised by
``forked_from_project``, creation and last-activity dates, stars). Same throttling, rate-limit
handling, ETag store and pipeline as the other spiders; ``GITLAB_TOKEN`` is used when set.

    scrapy crawl gitlab -a usernames=alice,bob
    profilecheck import gitlab alice bob
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import quote

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.pages import PageResult

__all__ = ["GitLabSpider", "gitlab_record"]


def gitlab_record(user: dict[str, Any], projects: list[dict[str, Any]]) -> dict[str, Any]:
    """Map a GitLab user object and its projects onto the profile record shape.

    >>> gitlab_record({"username": "ada", "name": "Ada", "twitter": "ada_l"}, [])["links"]
    ['https://twitter.com/ada_l']
    """
    links = []
    if user.get("website_url"):
        w = str(user["website_url"]).strip()
        links.append(w if "://" in w else f"https://{w}")
    if user.get("twitter"):
        links.append(f"https://twitter.com/{user['twitter']}")
    if user.get("linkedin"):
        links.append(f"https://www.linkedin.com/in/{user['linkedin']}")
    headline = " at ".join(str(x) for x in (user.get("job_title"), user.get("organization")) if x) or None
    rec: dict[str, Any] = {
        "platform": "gitlab",
        "handle": user["username"],
        "url": user.get("web_url"),
        "name": user.get("name"),
        "headline": headline,
        "bio": user.get("bio") or None,
        "location": user.get("location") or None,
        "created_at": user.get("created_at"),
        "links": links,
        "contacts": {"emails": [user["public_email"]] if user.get("public_email") else []},
        "photos": [{"url": user["avatar_url"], "role": "headshot"}] if user.get("avatar_url") else [],
        "activity": {
            "followers": user.get("followers"),
            "following": user.get("following"),
            "public_repos": len(projects),
            "repos": [
                {
                    "name": p.get("path") or p.get("name"),
                    "fork": "forked_from_project" in p,
                    "created_at": p.get("created_at"),
                    "pushed_at": p.get("last_activity_at"),
                    "stars": int(p.get("star_count") or 0),
                }
                for p in projects
                if p.get("path") or p.get("name")
            ],
        },
    }
    return {k: v for k, v in rec.items() if v is not None}


class GitLabSpider(scrapy.Spider):
    """``-a usernames=a,b`` (``-a api_url=`` for a self-hosted GitLab or a test server)."""

    name = "gitlab"
    handle_httpstatus_list: ClassVar[list[int]] = [401, 403, 404, 429, 500, 502, 503]

    def __init__(self, usernames: str = "", logins: str = "", api_url: str = "https://gitlab.com/api/v4", **kw: Any):
        super().__init__(**kw)
        self.usernames = [x for x in re.split(r"[\s,]+", usernames or logins) if x]
        self.api_url = api_url.rstrip("/")

    def api(self, path: str, callback: Any, state: dict[str, Any]) -> scrapy.Request:
        url = self.api_url + path
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            cb_kwargs={"state": state},
            headers={"Accept": "application/json"},
            meta={"etag_cache": True, "token_env": "GITLAB_TOKEN", "pc_page_url": url},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for name in self.usernames:
            yield self.api(f"/users?username={quote(name)}", self.parse_lookup, {"username": name})

    def _user_url(self, state: dict[str, Any]) -> str:
        return f"{self.api_url}/users?username={state['username']}"

    def _refused(self, response: Response, state: dict[str, Any]) -> dict[str, Any] | None:
        if response.meta.get("rate_limited") or response.status == 429:
            detail = response.meta.get("rate_limited") or f"HTTP {response.status}"
            return PageResult(self._user_url(state), "unknown", "rate_limited", detail).item()
        if response.status == 404:
            return PageResult(self._user_url(state), "missing", "not_found", "HTTP 404").item()
        if response.status in (401, 403):
            return PageResult(self._user_url(state), "unknown", "blocked_http_403", f"HTTP {response.status}").item()
        if response.status >= 400:
            return PageResult(self._user_url(state), "unknown", "http_error", f"HTTP {response.status}").item()
        return None

    def _json(self, response: Response) -> Any:
        try:
            return json.loads(response.body)
        except ValueError:
            return None

    def parse_lookup(self, response: Response, state: dict[str, Any]) -> Iterator[Any]:
        """The username lookup: an empty list means there is no such user.

        @fixture gitlab-api lookup
        @cb_kwargs {"state": {"username": "ada"}}
        @returns requests 1 1
        @returns items 0 0
        """
        refused = self._refused(response, state)
        if refused:
            yield refused
            return
        found = self._json(response)
        if found == []:
            yield PageResult(self._user_url(state), "missing", "not_found", "no user with that username").item()
            return
        if not isinstance(found, list) or not isinstance(found[0], dict) or "id" not in found[0]:
            yield PageResult(self._user_url(state), "unknown", "malformed_page", "not a GitLab user list").item()
            return
        yield self.api(f"/users/{int(found[0]['id'])}", self.parse_user, {**state, "id": int(found[0]["id"])})

    def parse_user(self, response: Response, state: dict[str, Any]) -> Iterator[Any]:
        refused = self._refused(response, state)
        if refused:
            yield refused
            return
        user = self._json(response)
        if not isinstance(user, dict) or "username" not in user:
            yield PageResult(self._user_url(state), "unknown", "malformed_page", "not a GitLab user object").item()
            return
        yield self.api(f"/users/{state['id']}/projects?per_page=100", self.parse_projects, {**state, "user": user})

    def parse_projects(self, response: Response, state: dict[str, Any]) -> Iterator[Any]:
        refused = self._refused(response, state)
        if refused and refused["status"] == "unknown":
            refused["detail"] = f"projects: {refused['detail']}"
            yield refused
            return
        projects = self._json(response)
        projects = [p for p in projects if isinstance(p, dict)] if isinstance(projects, list) else []
        yield PageResult(
            self._user_url(state), "ok", "person_found", record=gitlab_record(state["user"], projects)
        ).item()

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = getattr(failure, "request", None)
        state = request.cb_kwargs.get("state") if request is not None else None
        if state is None:
            return
        detail = str(failure.value)[:300] or type(failure.value).__name__
        reason = "rate_limited" if "rate_limited" in detail else "fetch_failed"
        yield PageResult(self._user_url(state), "unknown", reason, detail).item()
