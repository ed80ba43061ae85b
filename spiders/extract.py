"""Person data from a profile page: JSON-LD, microdata, OpenGraph and microformats (extruct).

:func:`extract_person` turns one HTML page into a partial profile record (a dict in the shape
of :class:`profilecheck.model.Profile`), or None when the page holds no person. Relative URLs are
made absolute against the page. JSON-LD is size- and depth-capped: a page cannot make us walk
an unbounded structure.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct

__all__ = ["MAX_DEPTH", "MAX_HTML_BYTES", "extract_person", "find_persons"]

MAX_HTML_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 12
_PERSON = {"Person", "schema:Person"}


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type")
    if isinstance(t, str):
        return {t.rsplit("/", 1)[-1]}
    if isinstance(t, list):
        return {str(x).rsplit("/", 1)[-1] for x in t}
    return set()


def _walk(
    node: Any, depth: int, parent: dict[str, Any] | None, out: list[tuple[dict[str, Any], dict[str, Any] | None]]
) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for x in node[:200]:
            _walk(x, depth + 1, parent, out)
        return
    if not isinstance(node, dict):
        return
    if _types(node) & _PERSON:
        out.append((node, parent))
        return
    for key in ("@graph", "mainEntity", "about", "author"):
        if key in node:
            _walk(node[key], depth + 1, node, out)


def find_persons(data: dict[str, list[Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """``(person, containing page node)`` pairs from JSON-LD first, then microdata."""
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for syntax in ("json-ld", "microdata"):
        _walk(data.get(syntax, []), 0, None, out)
    return out


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _text(v: Any) -> str | None:
    for x in _list(v):
        if isinstance(x, str) and x.strip():
            return x.strip()
        if isinstance(x, dict):
            for k in ("name", "@value", "value"):
                if isinstance(x.get(k), str) and x[k].strip():
                    return str(x[k]).strip()
    return None


def _url(v: Any, base: str) -> str | None:
    for x in _list(v):
        if isinstance(x, dict):
            x = x.get("contentUrl") or x.get("url") or x.get("@id")
        if isinstance(x, str) and x.strip():
            return urljoin(base, x.strip())
    return None


def _strs(v: Any) -> list[str]:
    out = []
    for x in _list(v):
        t = _text(x)
        if t:
            out.append(t)
    return out


def _location(person: dict[str, Any]) -> tuple[str | None, str | None]:
    country = None
    location = None
    for key in ("homeLocation", "address", "workLocation"):
        for node in _list(person.get(key)):
            if isinstance(node, str):
                location = location or node.strip()
                continue
            if not isinstance(node, dict):
                continue
            location = location or _text(node.get("name"))
            addr = node.get("address", node)
            if isinstance(addr, dict):
                c = _text(addr.get("addressCountry"))
                if c and len(c) == 2 and c.isalpha():
                    country = country or c.upper()
                if not location:
                    parts = [_text(addr.get(k)) for k in ("addressLocality", "addressRegion")]
                    location = ", ".join(p for p in parts if p) or None
    return location, country


def _handle_from_url(url: str | None) -> str | None:
    if not url:
        return None
    path = [p for p in urlsplit(url).path.split("/") if p]
    if not path:
        return None
    last = re.sub(r"\.(html?|php|aspx?)$", "", path[-1])
    return last.lstrip("@") or None


def person_record(person: dict[str, Any], page: dict[str, Any] | None, base: str) -> dict[str, Any]:
    """Map a schema.org Person (and its ProfilePage, if any) onto the profile record shape."""
    rec: dict[str, Any] = {}
    url = _url(person.get("url"), base)
    rec["url"] = url
    rec["name"] = _text(person.get("name"))
    rec["handle"] = _text(person.get("identifier")) or _text(person.get("alternateName")) or _handle_from_url(url)
    rec["headline"] = _text(person.get("jobTitle"))
    rec["bio"] = _text(person.get("description"))
    rec["location"], rec["country"] = _location(person)
    rec["languages"] = _strs(person.get("knowsLanguage"))
    rec["skills"] = _strs(person.get("knowsAbout"))
    rec["links"] = [urljoin(base, s) for s in _strs(person.get("sameAs"))]
    emails = [e.removeprefix("mailto:") for e in _strs(person.get("email"))]
    phones = [p.removeprefix("tel:") for p in _strs(person.get("telephone"))]
    rec["contacts"] = {"emails": emails, "phones": phones}
    image = _url(person.get("image"), base)
    rec["photos"] = [{"url": image, "role": "headshot"}] if image else []
    portfolio = []
    for work in [*_list(person.get("subjectOf")), *_list(person.get("workExample"))]:
        if not isinstance(work, dict):
            continue
        item: dict[str, Any] = {
            "title": _text(work.get("name")),
            "description": _text(work.get("description")),
            "url": _url(work.get("url"), base),
        }
        img = _url(work.get("image"), base)
        item["images"] = [{"url": img, "role": "portfolio"}] if img else []
        portfolio.append(item)
    rec["portfolio"] = portfolio
    if page is not None and "ProfilePage" in _types(page):
        rec["created_at"] = _text(page.get("dateCreated"))
    return {k: v for k, v in rec.items() if v not in (None, [], {})}


def _from_opengraph(og: dict[str, Any], base: str) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "name": _text(og.get("og:title")),
        "bio": _text(og.get("og:description")),
        "url": _url(og.get("og:url"), base),
        "handle": _text(og.get("profile:username")),
    }
    image = _url(og.get("og:image"), base)
    if image:
        rec["photos"] = [{"url": image, "role": "headshot"}]
    return {k: v for k, v in rec.items() if v}


def _from_hcard(card: dict[str, Any], base: str) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "name": _text(card.get("name")),
        "bio": _text(card.get("note")),
        "url": _url(card.get("url"), base),
        "handle": _text(card.get("nickname")),
        "location": _text(card.get("locality")),
        "headline": _text(card.get("job-title")),
    }
    photo = _url(card.get("photo"), base)
    if photo:
        rec["photos"] = [{"url": photo, "role": "headshot"}]
    emails = [e.removeprefix("mailto:") for e in _strs(card.get("email"))]
    if emails:
        rec["contacts"] = {"emails": emails}
    return {k: v for k, v in rec.items() if v}


def extract_person(html: str | bytes, url: str) -> dict[str, Any] | None:
    """The person a profile page describes, as a partial profile record, or None.

    Sources are merged in order of trust: JSON-LD / microdata Person first, then microformats
    h-card, then OpenGraph (``og:type`` profile) fill what is still missing.

    >>> page = '<script type="application/ld+json">{"@type": "Person", "name": "Ada", "image": "/a.png"}</script>'
    >>> extract_person(page, "https://example.org/u/ada")["photos"]
    [{'url': 'https://example.org/a.png', 'role': 'headshot'}]
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if len(html) > MAX_HTML_BYTES:
        raise ValueError(f"{url}: page is {len(html)} characters, over the {MAX_HTML_BYTES} cap")
    data = extruct.extract(
        html, base_url=url, syntaxes=["json-ld", "microdata", "opengraph", "microformat"], uniform=True, errors="log"
    )
    layers: list[dict[str, Any]] = []
    persons = find_persons(data)
    if persons:
        layers.append(person_record(*persons[0], url))
    for card in data.get("microformat", []):
        if "h-card" in _list(card.get("@type")):
            layers.append(_from_hcard(card, url))
            break
    for og in data.get("opengraph", []):
        if og.get("@type") == "profile" or "profile:username" in og:
            layers.append(_from_opengraph(og, url))
            break
    if not layers:
        return None
    merged: dict[str, Any] = {}
    for layer in layers:
        for k, v in layer.items():
            merged.setdefault(k, v)
    return merged
