"""Site definitions check themselves offline; page outcomes from saved and inline fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from profilecheck.errors import InputError
from profilecheck.model import Profile
from spiders.extract import extract_person
from spiders.pages import read_page
from spiders.sites import SiteDef, load_sites, validate_site

SITES = load_sites()


def _get(d: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        d = d[part]
    return d


def test_sites_exist_and_validate() -> None:
    """At least one site ships and every one validates against the schema."""
    assert SITES
    assert all(isinstance(s, SiteDef) for s in SITES)


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.name)
def test_known_present_example_yields_expected_fields(site: SiteDef) -> None:
    """The saved present fixture gives a valid profile with every expected field."""
    ex = site.examples["present"]
    res = read_page(ex["url"], int(ex.get("status", 200)), site.fixture("present").read_bytes())
    assert ("ok", site.name) == (res.status, res.site), res.detail
    assert res.record is not None
    profile = Profile.model_validate(res.record).model_dump(mode="json", exclude_none=True)
    for path, want in ex.get("expect", {}).items():
        assert want == _get(profile, path), path


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.name)
def test_known_absent_example_is_missing(site: SiteDef) -> None:
    """The saved absent fixture is a missing profile, never a clean one."""
    ex = site.examples["absent"]
    res = read_page(ex["url"], int(ex.get("status", 200)), site.fixture("absent").read_bytes())
    assert ("missing", "not_found", None) == (res.status, res.reason, res.record)
    # The same page served with 200 is still recognised by the site's marker.
    res = read_page(ex["url"], 200, site.fixture("absent").read_bytes())
    assert "missing" == res.status


def test_invalid_site_definition_names_file_and_problem(tmp_path: Path) -> None:
    """A site file without examples, or with an unknown key, is refused with the reason."""
    with pytest.raises(InputError, match="examples"):
        validate_site({"name": "x-site", "description": "a site with no examples", "match": {"url": "x"}}, "x.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ndescription = "unknown key here"\nwhatever = 1\n[match]\nurl = "x"\n')
    with pytest.raises(InputError, match=r"bad\.toml"):
        SiteDef.from_file(bad)


PERSON = b'<script type="application/ld+json">{"@type": "Person", "name": "Ada", "identifier": "ada"}</script>'


@pytest.mark.parametrize(
    ("status", "headers", "body", "outcome"),
    [
        (200, {}, PERSON, ("ok", "person_found")),
        (403, {}, PERSON, ("unknown", "blocked_http_403")),
        (451, {}, b"", ("unknown", "blocked_http_403")),
        (429, {"retry-after": "120"}, b"", ("unknown", "rate_limited")),
        (503, {"retry-after": "30"}, b"", ("unknown", "rate_limited")),
        (200, {}, b"<title>Attention Required! | Cloudflare</title>", ("unknown", "captcha_or_waf")),
        (200, {}, b'<div id="px-captcha"></div>', ("unknown", "captcha_or_waf")),
        (200, {}, b"<html><body>just an article</body></html>", ("unknown", "no_person_data")),
        (200, {}, b'<script type="application/ld+json">{"@type": "Person",</script>', ("unknown", "no_person_data")),
        (200, {}, b"\xff\xfe\x00garbage", ("unknown", "no_person_data")),
        (404, {}, b"", ("missing", "not_found")),
        (500, {}, b"", ("unknown", "http_error")),
    ],
)
def test_page_outcomes(status: int, headers: dict[str, str], body: bytes, outcome: tuple[str, str]) -> None:
    """Blocked, rate-limited, captcha, malformed and missing pages never give a profile."""
    res = read_page("https://example.org/u/ada", status, body, headers=headers)
    assert outcome == (res.status, res.reason)
    assert (res.record is not None) == (outcome[0] == "ok")


def test_extract_microdata_hcard_and_opengraph() -> None:
    """Microdata, microformats h-card and OpenGraph profiles are read too."""
    md = b"""<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Bo Md</span>
    <img itemprop="image" src="/bo.jpg"><a itemprop="sameAs" href="https://github.com/bo">gh</a></div>"""
    rec = extract_person(md, "https://ex.org/p/bo")
    assert rec is not None
    assert ("Bo Md", ["https://github.com/bo"], "https://ex.org/bo.jpg") == (
        rec["name"],
        rec["links"],
        rec["photos"][0]["url"],
    )
    hcard = b'<div class="h-card"><a class="p-name u-url" href="/me">Cy Card</a><img class="u-photo" src="c.png"></div>'
    rec = extract_person(hcard, "https://ex.org/people/")
    assert rec is not None and ("Cy Card", "https://ex.org/people/c.png") == (rec["name"], rec["photos"][0]["url"])
    og = b"""<meta property="og:type" content="profile"><meta property="og:title" content="Di Og">
    <meta property="profile:username" content="diog"><meta property="og:image" content="https://cdn.ex.org/d.jpg">"""
    rec = extract_person(og, "https://ex.org/diog")
    assert rec is not None and ("Di Og", "diog") == (rec["name"], rec["handle"])


def test_jsonld_depth_is_capped() -> None:
    """A deeply nested JSON-LD graph is not walked past the cap (the Person below it is ignored)."""
    inner = '{"@type": "Person", "name": "Deep"}'
    for _ in range(30):
        inner = '{"@type": "Thing", "mainEntity": ' + inner + "}"
    page = f'<script type="application/ld+json">{inner}</script>'.encode()
    assert extract_person(page, "https://ex.org/x") is None
