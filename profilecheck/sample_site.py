"""The bundled sample marketplace as a web site, for the demo and the crawl tests.

:func:`render_site` turns the sample's ``profiles.jsonl`` into one HTML page per profile carrying
schema.org ``ProfilePage`` / ``Person`` JSON-LD (name, bio, location, skills, languages,
contacts, ``sameAs`` links, the headshot, portfolio items as ``subjectOf``) plus the few facts
schema.org has no property for (experience, rate, wallets, the linked GitHub account) as marked
elements that the ``demo-marketplace`` site definition reads. :func:`serve_site` serves it on
127.0.0.1 on a free port from a background thread, so that the demo gathers the sample with the
real spider instead of reading the file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from html import escape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["page_path", "render_page", "render_site", "serve_site"]

ROBOTS = "User-agent: *\nAllow: /\n"


def page_path(rec: dict[str, Any]) -> str:
    """The site path of a record's page: ``site/<platform>/<handle>.html`` (URL-quoted)."""
    return f"site/{quote(rec['platform'])}/{quote(rec['handle'])}.html"


def _jsonld(rec: dict[str, Any]) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "identifier": rec["handle"]}
    for src, dst in (("name", "name"), ("url", "url"), ("headline", "jobTitle"), ("bio", "description")):
        if rec.get(src):
            person[dst] = rec[src]
    if rec.get("location") or rec.get("country"):
        place: dict[str, Any] = {"@type": "Place"}
        if rec.get("location"):
            place["name"] = rec["location"]
        if rec.get("country"):
            place["address"] = {"@type": "PostalAddress", "addressCountry": rec["country"]}
        person["homeLocation"] = place
    for src, dst in (("languages", "knowsLanguage"), ("skills", "knowsAbout"), ("links", "sameAs")):
        if rec.get(src):
            person[dst] = rec[src]
    contacts = rec.get("contacts", {})
    if contacts.get("emails"):
        person["email"] = [f"mailto:{e}" for e in contacts["emails"]]
    if contacts.get("phones"):
        person["telephone"] = contacts["phones"]
    heads = [p for p in rec.get("photos", []) if p.get("role", "headshot") == "headshot" and p.get("path")]
    if heads:
        person["image"] = "/" + heads[0]["path"]
    works = []
    for item in rec.get("portfolio", []):
        work: dict[str, Any] = {"@type": "CreativeWork"}
        for src, dst in (("title", "name"), ("description", "description"), ("url", "url")):
            if item.get(src):
                work[dst] = item[src]
        works.append(work)
    if works:
        person["subjectOf"] = works
    page: dict[str, Any] = {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": person}
    if rec.get("created_at"):
        page["dateCreated"] = rec["created_at"]
    return page


def _fact(key: str, value: Any, label: str) -> str:
    return f'<dt>{escape(label)}</dt><dd data-pc="{key}">{escape(str(value))}</dd>'


def render_page(rec: dict[str, Any]) -> str:
    """One profile page (HTML) for a sample record."""
    ld = json.dumps(_jsonld(rec), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    facts = [
        f'<dt>handle</dt><dd data-pc="handle">{escape(rec["handle"])}</dd>',
    ]
    for key, label in (
        ("timezone", "time zone"),
        ("hourly_rate", "hourly rate"),
        ("currency", "currency"),
        ("experience_years", "experience (years)"),
    ):
        if rec.get(key) is not None:
            facts.append(_fact(key, rec[key], label))
    for w in rec.get("contacts", {}).get("wallets", []):
        facts.append(_fact("wallet", f"{w['chain']}:{w['address']}", "wallet"))
    act = rec.get("activity") or {}
    if act.get("github_login"):
        facts.append(_fact("github_login", act["github_login"], "GitHub"))
    if act.get("github_created_at"):
        v = escape(act["github_created_at"])
        facts.append(f'<dt>GitHub since</dt><dd><time data-pc="github_created_at" datetime="{v}">{v[:10]}</time></dd>')
    if act.get("public_repos") is not None:
        facts.append(_fact("public_repos", act["public_repos"], "public repositories"))
    if act.get("commit_tz_offsets"):
        facts.append(_fact("commit_tz_offsets", ",".join(str(x) for x in act["commit_tz_offsets"]), "commit offsets"))
    name = escape(rec.get("name") or rec["handle"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{name} | {escape(rec["platform"])}</title>
<meta name="generator" content="profilecheck-sample-site">
<meta name="profilecheck:platform" content="{escape(rec["platform"])}">
<meta property="og:type" content="profile">
<meta property="og:title" content="{name}">
<script type="application/ld+json">{ld}</script>
</head><body><main class="profile">
<h1>{name}</h1><p class="headline">{escape(rec.get("headline") or "")}</p>
<p class="bio">{escape(rec.get("bio") or "")}</p>
<dl class="facts">{"".join(facts)}</dl>
</main></body></html>
"""


NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title>
<meta name="generator" content="profilecheck-sample-site"></head>
<body><main class="not-found"><h1>No such freelancer</h1></main></body></html>
"""


def render_site(sample_dir: Path) -> list[str]:
    """Write the site beside the sample's photos; return the page paths (relative to ``sample_dir``)."""
    sample_dir = Path(sample_dir)
    paths: list[str] = []
    with (sample_dir / "profiles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec.get("platform"), str) or not isinstance(rec.get("handle"), str):
                continue
            if not isinstance(rec.get("photos", []), list):
                continue  # the sample's deliberately malformed export row is no page
            rel = page_path(rec)
            target = sample_dir / Path(*[p for p in rel.split("/")])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_page(rec), encoding="utf-8")
            paths.append(rel)
    (sample_dir / "robots.txt").write_text(ROBOTS, encoding="utf-8")
    (sample_dir / "404.html").write_text(NOT_FOUND, encoding="utf-8")
    links = "\n".join(f'<li><a href="/{p}">{escape(p)}</a></li>' for p in paths)
    (sample_dir / "index.html").write_text(f"<!doctype html><ul>{links}</ul>\n", encoding="utf-8")
    return paths


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = NOT_FOUND.encode()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve_site(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
