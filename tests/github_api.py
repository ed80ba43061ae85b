"""A small loopback server answering in the GitHub REST API's shapes (from its public documentation).

Serves ``/api/users/{login}``, ``/api/users/{login}/repos``, ``/api/repos/{owner}/{repo}/commits``
(with ``author=``), ``/web/{owner}/{repo}/commit/{sha}.patch`` and avatars; sends ``ETag`` and
answers ``If-None-Match`` with ``304``; sends ``x-ratelimit-*`` headers; can refuse a login with
a primary rate limit (403, remaining 0) or a ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image


def _avatar(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (96, 96), (seed * 40 % 256, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


USERS: dict[str, dict[str, Any]] = {
    "octo": {
        "user": {
            "login": "octo",
            "id": 1,
            "type": "User",
            "name": "Octo Cat",
            "company": "@example",
            "blog": "octo.example",
            "location": "Seoul, South Korea",
            "email": None,
            "bio": "I write Go and Rust.",
            "twitter_username": "octo_cat",
            "public_repos": 3,
            "followers": 12,
            "following": 3,
            "created_at": "2015-03-01T10:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
        "repos": [
            {
                "name": "tool",
                "fork": False,
                "created_at": "2016-01-01T00:00:00Z",
                "pushed_at": "2026-05-01T00:00:00Z",
                "language": "Go",
                "stargazers_count": 41,
            },
            {
                "name": "lib",
                "fork": False,
                "created_at": "2018-06-01T00:00:00Z",
                "pushed_at": "2026-04-01T00:00:00Z",
                "language": "Rust",
                "stargazers_count": 7,
            },
            {
                "name": "linux",
                "fork": True,
                "created_at": "2020-02-02T00:00:00Z",
                "pushed_at": "2020-02-02T00:00:00Z",
                "language": "C",
                "stargazers_count": 0,
            },
        ],
        # repo -> list of (sha, author login, Date header)
        "commits": {
            "tool": [
                ("a1" * 20, "octo", "Mon, 3 Feb 2025 10:00:00 +0900"),
                ("b2" * 20, "someone-else", "Mon, 3 Feb 2025 11:00:00 -0800"),
                ("c3" * 20, "octo", "Tue, 4 Feb 2025 22:10:00 +0900"),
            ],
            "lib": [("d4" * 20, "octo", "Sat, 8 Mar 2025 09:00:00 +0300")],
        },
    },
}
FORKS_NOT_ASKED = "linux"


class GitHubAPI:
    """The handler; counts requests, conditional hits and what auth header it saw."""

    def __init__(self) -> None:
        self.not_modified = 0
        self.auth_seen: list[str | None] = []
        self.patch_auth_seen: list[str | None] = []
        self.slow_calls = 0
        self.calls: list[str] = []

    def _json(self, h: Any, obj: Any, extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(obj).encode()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "ETag": etag,
            "Cache-Control": "private, max-age=60, s-maxage=60",
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "59",
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            **(extra or {}),
        }
        if h.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return 304, {k: v for k, v in headers.items() if k != "Content-Type"}, b""
        return 200, headers, body

    def __call__(self, h: Any) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(h.path)
        path = parts.path
        query = parse_qs(parts.query)
        self.calls.append(path)
        base = f"http://{h.headers.get('Host')}"
        if path == "/robots.txt":
            return 404, {}, b""
        if path.startswith("/api/"):
            self.auth_seen.append(h.headers.get("Authorization"))
        seg = path.strip("/").split("/")
        if seg[:2] == ["api", "users"] and len(seg) == 3:
            login = seg[2]
            if login == "limited":
                reset = str(int(time.time()) + 3600)
                return (
                    403,
                    {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "Content-Type": "application/json"},
                    (b'{"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest"}'),
                )
            if login == "slow":
                self.slow_calls += 1
                if self.slow_calls == 1:
                    return 429, {"Retry-After": "1", "Content-Type": "application/json"}, b'{"message": "slow down"}'
                login = "octo"
            if login not in USERS:
                return 404, {"Content-Type": "application/json"}, b'{"message": "Not Found", "status": "404"}'
            u = dict(USERS[login]["user"])
            u.update(
                {
                    "login": seg[2],
                    "html_url": f"{base}/web/{seg[2]}",
                    "url": f"{base}/api/users/{seg[2]}",
                    "avatar_url": f"{base}/avatars/{seg[2]}.png",
                }
            )
            return self._json(h, u)
        if seg[:2] == ["api", "users"] and len(seg) == 4 and seg[3] == "repos":
            login = "octo" if seg[2] == "slow" else seg[2]
            repos = [
                {**r, "full_name": f"{seg[2]}/{r['name']}", "owner": {"login": seg[2]}, "private": False}
                for r in USERS[login]["repos"]
            ]
            return self._json(h, repos)
        if seg[:2] == ["api", "repos"] and len(seg) == 5 and seg[4] == "commits":
            owner, repo = seg[2], seg[3]
            author = query.get("author", [None])[0]
            assert repo != FORKS_NOT_ASKED, "the importer must not read commits of forks"
            rows = USERS["octo"]["commits"].get(repo, [])
            # Like GitHub, `author=` filters; one foreign commit is left in to prove the spider checks too.
            out = [
                {
                    "sha": sha,
                    "commit": {"author": {"name": who, "date": "2025-02-03T01:00:00Z"}, "message": "change"},
                    "author": {"login": who},
                    "html_url": f"{base}/web/{owner}/{repo}/commit/{sha}",
                }
                for sha, who, _ in rows
                if author is None or who in (author, "someone-else")
            ]
            return self._json(h, out)
        if seg[0] == "web" and path.endswith(".patch"):
            self.patch_auth_seen.append(h.headers.get("Authorization"))
            sha = seg[-1].removesuffix(".patch")
            for rows in USERS["octo"]["commits"].values():
                for s, who, date in rows:
                    if s == sha:
                        patch = (
                            f"From {sha} Mon Sep 17 00:00:00 2001\nFrom: {who} <{who}@users.noreply.example>\n"
                            f"Date: {date}\nSubject: [PATCH] change\n\n---\n file | 1 +\n"
                        )
                        return 200, {"Content-Type": "text/plain; charset=utf-8"}, patch.encode()
            return 404, {}, b"Not Found"
        if seg[0] == "avatars":
            return 200, {"Content-Type": "image/png"}, _avatar(len(seg[-1]))
        return 404, {"Content-Type": "application/json"}, b'{"message": "Not Found"}'
