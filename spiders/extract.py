"""Person data from a profile page: JSON-LD, microdata, OpenGraph and microformats (extruct).

:func:`extract_person` turns one HTML page into a partial profile record (a dict in the shape
of :class:`profilecheck.model.Profile`), or None when the page holds no person. Relative URLs are
made absolute against the page.

Pages are written by adversaries, so the extractor is bounded before extruct sees anything:

* a page over :data:`MAX_HTML_BYTES` is refused (:class:`PageRefused`, reason ``too_large``);
  the profile spider also asks Scrapy to stop downloading at that size;
* the HTML is parsed once (lxml, no network, no DTD loading, no entity expansion), and a tree
  deeper than :data:`MAX_HTML_DEPTH` elements is refused (reason ``too_deep``): extruct's and
  mf2py's walks are recursive, and a 100,000-deep page made them fail with RecursionError and
  then crash extruct itself (a KeyError in its ``uniform`` step);
* each syntax is extracted on its own, so one that fails (a 100,000-deep JSON-LD array) is
  recorded as a problem while the others still count;
* JSON-LD is walked at most :data:`MAX_DEPTH` levels deep and 200 items wide, and lone
  surrogates (``"\\ud800"`` escapes) are replaced so that the record can be stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct
import lxml.html

__all__ = [
    "MAX_DEPTH",
    "MAX_HTML_BYTES",
    "MAX_HTML_DEPTH",
    "Extraction",
    "PageRefused",
    "extract_page",
    "extract_person",
    "find_persons",
]

MAX_HTML_BYTES = 4 * 1024 * 1024
MAX_HTML_DEPTH = 200  # element nesting; real profile pages stay under ~40, libxml2 stops nesting at 256
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


class PageRefused(ValueError):
    """A page the extractor will not read, with a stable reason: ``too_large`` or ``too_deep``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class Extraction:
    """What a page gave: the merged record (or None) and the syntaxes that could not be read."""

    record: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)


_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*>")


def _too_deep(el: Any, cap: int, depth: int = 1) -> bool:
    # Recursion is safe here: libxml2 never nests an HTML tree deeper than 256 elements.
    return depth > cap or any(_too_deep(child, cap, depth + 1) for child in el)


def _clean(v: Any) -> Any:
    """Replace lone surrogates (from ``\\ud800`` JSON escapes) so that the record encodes as UTF-8."""
    if isinstance(v, str):
        return v.encode("utf-8", "replace").decode("utf-8") if any("\ud800" <= c <= "\udfff" for c in v) else v
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {_clean(k): _clean(x) for k, x in v.items()}
    return v


def extract_page(html: str | bytes, url: str) -> Extraction:
    """The person a page describes (see :func:`extract_person`) and the syntaxes that failed.

    Raises:
        PageRefused: the page is over :data:`MAX_HTML_BYTES` or nested deeper than :data:`MAX_HTML_DEPTH`.

    >>> deep = "<div>" * 300 + "</div>" * 300
    >>> extract_page(deep, "https://example.org/u/x")
    Traceback (most recent call last):
    ...
    spiders.extract.PageRefused: https://example.org/u/x: elements nested deeper than 200
    """
    if len(html) > MAX_HTML_BYTES:
        raise PageRefused("too_large", f"{url}: page is {len(html)} bytes, over the {MAX_HTML_BYTES} cap")
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    html = _XML_DECL.sub("", html, count=1)  # lxml refuses a str that declares its encoding
    if not html.strip():
        return Extraction(None)
    try:
        # libxml2's HTML parser: no network, no DTD loading, and it never expands entities that a
        # page declares in an internal subset (they stay literal text). One parser per call: lxml
        # parsers are not to be shared between threads.
        parser = lxml.html.HTMLParser(no_network=True, huge_tree=False, decompress=False)
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (ValueError, lxml.html.etree.LxmlError) as exc:
        return Extraction(None, [f"html: {exc}"[:200]])
    if _too_deep(tree, MAX_HTML_DEPTH):
        raise PageRefused("too_deep", f"{url}: elements nested deeper than {MAX_HTML_DEPTH}")
    data: dict[str, list[Any]] = {}
    problems: list[str] = []
    for syntax in ("json-ld", "microdata", "opengraph", "microformat"):
        doc = html if syntax == "microformat" else tree  # mf2py parses its own copy
        try:
            out = extruct.extract(doc, base_url=url, syntaxes=[syntax], uniform=True, errors="strict")
            data[syntax] = out.get(syntax, [])
        except Exception as exc:  # noqa: BLE001 (third-party parsers on hostile input: record, keep the other syntaxes)
            problems.append(f"{syntax}: {type(exc).__name__}: {exc}"[:200])
    layers: list[dict[str, Any]] = []
    persons = find_persons(data)
    if persons:
        layers.append(person_record(*persons[0], url))
    for card in data.get("microformat", []):
        if isinstance(card, dict) and "h-card" in _list(card.get("@type")):
            layers.append(_from_hcard(card, url))
            break
    for og in data.get("opengraph", []):
        if isinstance(og, dict) and (og.get("@type") == "profile" or "profile:username" in og):
            layers.append(_from_opengraph(og, url))
            break
    if not layers:
        return Extraction(None, problems)
    merged: dict[str, Any] = {}
    for layer in layers:
        for k, v in layer.items():
            merged.setdefault(k, v)
    return Extraction(_clean(merged), problems)


def extract_person(html: str | bytes, url: str) -> dict[str, Any] | None:
    """The person a profile page describes, as a partial profile record, or None.

    Sources are merged in order of trust: JSON-LD / microdata Person first, then microformats
    h-card, then OpenGraph (``og:type`` profile) fill what is still missing.

    >>> page = '<script type="application/ld+json">{"@type": "Person", "name": "Ada", "image": "/a.png"}</script>'
    >>> extract_person(page, "https://example.org/u/ada")["photos"]
    [{'url': 'https://example.org/a.png', 'role': 'headshot'}]
    """
    return extract_page(html, url).record
