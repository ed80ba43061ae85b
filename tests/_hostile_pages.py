"""Hostile profile pages for the page extractor (``spiders.pages.read_page`` / ``spiders.extract``).

Each entry is ``name -> (body, content_type, (status, reason), what the record must hold)``:
the outcome the page must give. Big pages are made on demand (:func:`hostile_pages` with
``big=True``) so that the fuzz seeds stay small.
"""

from __future__ import annotations

import json
from typing import Any

Expected = tuple[str, str]
Page = tuple[bytes, str, Expected, dict[str, Any]]

OK = ("ok", "person_found")
NO_PERSON = ("unknown", "no_person_data")
TOO_LARGE = ("unknown", "too_large")
TOO_DEEP = ("unknown", "too_deep")
HTML = "text/html"


def person(**kw: Any) -> dict[str, Any]:
    return {"@context": "https://schema.org", "@type": "Person", "name": "Ada Lovelace", "identifier": "ada", **kw}


def ld(obj: Any) -> str:
    return f'<script type="application/ld+json">{obj if isinstance(obj, str) else json.dumps(obj)}</script>'


GOOD = ld(person())
HCARD = '<div class="h-card"><span class="p-name">Ada Lovelace</span><span class="p-nickname">ada</span></div>'
LAUGHS_DTD = (
    '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


def hostile_pages(big: bool = True, dtd_url: str = "http://127.0.0.1:9/evil.dtd") -> dict[str, Page]:
    """The hostile pages; ``big`` adds the 50 MB page and the 10 MB JSON-LD block."""
    pages: dict[str, Page] = {}
    if big:
        pages["page_50mb"] = ((GOOD + "<p>" + "x" * (50 * 2**20) + "</p>").encode(), HTML, TOO_LARGE, {})
        pages["jsonld_10mb"] = (ld(person(description="d" * (10 * 2**20))).encode(), HTML, TOO_LARGE, {})
        pages["jsonld_3mb_bio"] = (
            ld(person(description="d" * (3 * 2**20))).encode(),
            HTML,
            OK,
            {"name": "Ada Lovelace"},
        )
        pages["long_attribute_3mb"] = ((GOOD + '<a href="' + "h" * (3 * 2**20) + '">x</a>').encode(), HTML, OK, {})
        pages["many_jsonld_blocks_20k"] = ((ld(person()) * 20_000).encode(), HTML, OK, {"name": "Ada Lovelace"})
        pages["deep_html_100k"] = ((GOOD + "<div>" * 100_000 + "</div>" * 100_000).encode(), HTML, TOO_DEEP, {})
        pages["deep_jsonld_array_100k"] = (
            (
                ld('{"@type":"Person","name":"A","knowsAbout":' + "[" * 100_000 + "]" * 100_000 + "}")
                + HCARD.replace(">ada<", ">deep<")
            ).encode(),
            HTML,
            OK,
            {"name": "Ada Lovelace", "handle": "deep", "problem": "json-ld: RecursionError"},
        )
        pages["deep_jsonld_object_50k"] = (
            ld('{"@type":"Person","name":"A","x":' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "}").encode(),
            HTML,
            NO_PERSON,
            {"problem": "json-ld: RecursionError"},
        )
        pages["wide_microdata_5k"] = (
            (
                '<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">A</span></div>' * 5000
            ).encode(),
            HTML,
            OK,
            {"name": "A"},
        )
    pages.update(
        {
            "deep_html_3k": ((GOOD + "<div>" * 3000 + "x" + "</div>" * 3000).encode(), HTML, TOO_DEEP, {}),
            "deep_hcards_3k": (
                ('<div class="h-card"><span class="p-name">A</span>' * 3000 + "</div>" * 3000).encode(),
                HTML,
                TOO_DEEP,
                {},
            ),
            "deep_microdata_3k": (
                ('<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">A</span>' * 3000).encode(),
                HTML,
                TOO_DEEP,
                {},
            ),
            "nested_150_hcards": (
                ('<div class="h-card"><span class="p-name">Ada Lovelace</span>' * 150 + "</div>" * 150).encode(),
                HTML,
                OK,
                {"name": "Ada Lovelace"},
            ),
            "deep_jsonld_900": (
                ld('{"@type":"Person","name":"A","knowsAbout":' + "[" * 900 + "]" * 900 + "}").encode(),
                HTML,
                OK,
                {"name": "A"},
            ),
            "billion_laughs": (
                (
                    LAUGHS_DTD
                    + "<html><head>"
                    + '<meta property="og:title" content="&i;"></head>'
                    + '<body><div itemscope itemtype="https://schema.org/Person"><span itemprop="name">&i;</span></div>'
                    + "</body></html>"
                ).encode(),
                HTML,
                OK,
                {"name": "&i;"},  # never expanded: the entity stays literal text
            ),
            "xxe_file": (
                (
                    b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]><html><body>'
                    b'<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">&x;</span></div>'
                    b"</body></html>"
                ),
                HTML,
                OK,
                {"name": "&x;"},
            ),
            "xxe_parameter_entity_dtd": (
                (
                    f'<!DOCTYPE html SYSTEM "{dtd_url}" [<!ENTITY % e SYSTEM "{dtd_url}"> %e;]>'
                    f'<html><head><link rel="stylesheet" href="{dtd_url}"></head><body>{HCARD}</body></html>'
                ).encode(),
                HTML,
                OK,
                {"name": "Ada Lovelace"},
            ),
            "xhtml_with_encoding_declaration": (
                (
                    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                    + GOOD
                    + "</head></html>"
                ).encode(),
                "application/xhtml+xml",
                OK,
                {"name": "Ada Lovelace"},
            ),
            "utf16_with_bom": (
                ('<html><head><meta charset="utf-16">' + ld(person(name="Zoë Ærø")) + "</head></html>").encode(
                    "utf-16"
                ),
                HTML,
                OK,
                {"name": "Zoë Ærø"},
            ),
            "latin1_by_header": (
                ("<html><head>" + ld(person(name="Zoë Ærø")) + "</head></html>").encode("latin-1"),
                "text/html; charset=iso-8859-1",
                OK,
                {"name": "Zoë Ærø"},
            ),
            "latin1_by_meta": (
                ('<html><head><meta charset="iso-8859-1">' + ld(person(name="Zoë")) + "</head></html>").encode(
                    "latin-1"
                ),
                HTML,
                OK,
                {"name": "Zoë"},
            ),
            "invalid_utf8_overlong_surrogates": (
                b"<html><head>" + GOOD.encode() + b"\xff\xfe\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80</head></html>",
                HTML,
                OK,
                {"name": "Ada Lovelace"},
            ),
            "bogus_charset": (
                ('<html><head><meta charset="x-no-such-charset">' + GOOD + "</head></html>").encode(),
                "text/html; charset=x-nope",
                OK,
                {"name": "Ada Lovelace"},
            ),
            "lone_surrogate_json_escape": (
                ld('{"@type":"Person","name":"\\ud800Ada","identifier":"sur\\udfffrogate"}').encode(),
                HTML,
                OK,
                {"name": "?Ada"},
            ),
            # Found by fuzzing: parsel took a JSON body for a JSON document and site matching raised.
            "json_body_not_html": (
                b'{"@type": "Person", "name": "A", "identifier": "x"}',
                "application/json",
                NO_PERSON,
                {},
            ),
            "nul_bytes": (b"\x00" * 1000 + GOOD.encode() + b"\x00" * 1000, HTML, OK, {"name": "Ada Lovelace"}),
            "empty": (b"", HTML, NO_PERSON, {}),
            "whitespace_only": (b" \n\t " * 100, HTML, NO_PERSON, {}),
            "binary_garbage": (bytes(range(256)) * 64, HTML, NO_PERSON, {}),
            "broken_jsonld_then_hcard": (
                (ld('{"@type": "Person", "name": ') + HCARD).encode(),
                HTML,
                OK,
                {"name": "Ada Lovelace"},
            ),
            "jsonld_not_an_object": ((ld('[1, 2, null, "x", [[]]]') + ld("42")).encode(), HTML, NO_PERSON, {}),
            "person_types_odd": (
                ld(
                    {"@type": ["Thing", "Person"], "name": ["Ada Lovelace", 7], "image": {"url": 5}, "sameAs": {}}
                ).encode(),
                HTML,
                OK,
                {"name": "Ada Lovelace"},
            ),
            "script_breakout": (
                ld('{"@type":"Person","name":"</script><script>alert(1)</script>","identifier":"x"}').encode(),
                HTML,
                NO_PERSON,
                {},
            ),
        }
    )
    return pages
