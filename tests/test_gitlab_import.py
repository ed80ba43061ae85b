"""The GitLab users importer against a loopback server in the API v4 shapes (from its documentation)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from profilecheck.store import Store
from tests.loopback import serve

ROOT = Path(__file__).resolve().parents[1]

USER = {
    "id": 42,
    "username": "ada",
    "name": "Ada Example",
    "state": "active",
    "avatar_url": None,
    "web_url": "https://gitlab.example/ada",
    "created_at": "2019-05-06T07:08:09.000Z",
    "bio": "Backend developer. Elixir and Postgres.",
    "location": "Warsaw, Poland",
    "public_email": "ada@example.org",
    "skype": "",
    "linkedin": "ada-example",
    "twitter": "",
    "website_url": "ada.example",
    "organization": "Example Sp. z o.o.",
    "job_title": "Engineer",
    "followers": 5,
    "following": 2,
}
PROJECTS = [
    {"id": 1, "name": "Orbit", "path": "orbit", "created_at": "2020-01-01T00:00:00.000Z",
     "last_activity_at": "2026-02-01T00:00:00.000Z", "star_count": 12},
    {"id": 2, "name": "gitlab", "path": "gitlab", "created_at": "2021-03-03T00:00:00.000Z",
     "last_activity_at": "2021-03-03T00:00:00.000Z", "star_count": 0,
     "forked_from_project": {"id": 278964, "path_with_namespace": "gitlab-org/gitlab"}},
]  # fmt: skip


def handler(h: Any) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(h.path)
    js = {"Content-Type": "application/json"}
    if parts.path == "/api/v4/users":
        name = parse_qs(parts.query).get("username", [""])[0]
        found = (
            [{k: USER[k] for k in ("id", "username", "name", "state", "avatar_url", "web_url")}]
            if name == "ada"
            else []
        )
        return 200, js, json.dumps(found).encode()
    if parts.path == "/api/v4/users/42":
        return 200, js, json.dumps(USER).encode()
    if parts.path == "/api/v4/users/42/projects":
        return 200, js, json.dumps(PROJECTS).encode()
    return 404, js, b'{"message": "404 Not found"}'


def test_gitlab_users_mapped_to_profiles(tmp_path: Path) -> None:
    """A GitLab user and their projects (forks recognised) become a profile; an unknown name is missing."""
    ws = tmp_path / "ws"
    with serve(handler) as srv:
        r = subprocess.run(
            [sys.executable, "-m", "profilecheck", "import", "gitlab", "ada", "nobody", "-w", str(ws),
             "--api-url", f"{srv.base}/api/v4", "--allow-loopback"],
            capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, "PROFILECHECK_API_FAST": "1"},
        )  # fmt: skip
    assert 0 == r.returncode, r.stderr[-3000:]
    with Store(ws) as store:
        assert ["gitlab:ada"] == store.profile_ids()
        p = store.get_profile("gitlab:ada")
        status = {row["url"].rsplit("=", 1)[-1]: row["status"] for row in store.crawl_results()}
    assert ("Ada Example", "Engineer at Example Sp. z o.o.", "Warsaw, Poland") == (p.name, p.headline, p.location)
    assert ["https://ada.example", "https://www.linkedin.com/in/ada-example"] == p.links
    assert ["ada@example.org"] == p.contacts.emails
    assert {"orbit": False, "gitlab": True} == {x.name: x.fork for x in p.activity.repos}
    assert p.created_at is not None and 2019 == p.created_at.year
    assert {"ada": "ok", "nobody": "missing"} == status
