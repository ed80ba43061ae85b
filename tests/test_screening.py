"""Screening: SDN lists (XML and CSV) and domain lists, stored with their source, matched in a scan."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from profilecheck.engine import scan
from profilecheck.errors import InputError
from profilecheck.model import Profile, Status
from profilecheck.screening.lists import parse_list
from profilecheck.screening.names import NAME_THRESHOLD, NameIndex, fold_name, name_score, tokens
from profilecheck.store import Store
from profilecheck.store.screening import add_list, lists, remove_list
from tests.screening_fixtures import (
    ADD_CSV,
    ALT_CSV,
    BTC,
    DOMAINS_CSV,
    DOMAINS_TXT,
    ETH,
    SDN_CSV,
    SDN_XML,
    TRX,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)

XML_FILES = [("SDN.XML", SDN_XML.encode())]
CSV_FILES = [("SDN.CSV", SDN_CSV.encode("cp1252")), ("ALT.CSV", ALT_CSV.encode()), ("ADD.CSV", ADD_CSV.encode())]


def _p(handle: str, **fields: Any) -> Profile:
    return Profile.model_validate({"platform": "gigmarket", "handle": handle, **fields})


# Expected screening reason per profile: the hits, the false-positive controls and the misses.
CASES: list[tuple[Profile, str | None]] = [
    (_p("w-eth", name="Lee Park", contacts={"wallets": [{"chain": "erc20", "address": ETH}]}), "SDN_WALLET"),
    (_p("w-btc", name="Ann Ray", contacts={"wallets": [{"chain": "btc", "address": BTC.upper()}]}), "SDN_WALLET"),
    (_p("w-trx", name="Bo Chan", contacts={"wallets": [{"chain": "usdt-trc20", "address": TRX}]}), "SDN_WALLET"),
    (_p("cyr", name="Дмитрий Николаев", country="RU"), "SDN_NAME_CORROBORATED"),
    (_p("dob", name="Dmitry Nikolayev", country="RU", birth_date="1988-02-14"), "SDN_NAME_CORROBORATED"),
    (_p("hangul", name="박철수"), "SDN_NAME_ONLY"),
    (_p("garcia", name="María García", country="ES"), "SDN_NAME_ONLY"),
    (_p("mail", name="Sam Hill", contacts={"emails": ["hr@mail.northwind-staffing.example"]}), "LISTED_DOMAIN"),
    (_p("link", name="Tom Bell", links=["https://www.acme-hiring.example/team"]), "LISTED_DOMAIN"),
    (_p("port", name="Kay Moss", portfolio=[{"title": "x", "url": "http://fake-co.example/p"}]), "LISTED_DOMAIN"),
    # false-positive controls: a shared given name, a shared family root, a shared surname, a lone name
    (_p("c-petrov", name="Dmitri Petrov", country="RU"), None),
    (_p("c-anna", name="Anna Nikolaeva", country="RU"), None),
    (_p("c-pak", name="Pak Min-jun", country="KP"), None),
    (_p("c-sonny", name="Sonny"), None),
    (_p("c-maria", name="Maria Gonzalez", country="MX"), None),
    # near-miss wallets and domains
    (_p("c-wallet", name="Ida Fox", contacts={"wallets": [{"chain": "eth", "address": ETH[:-1].lower() + "e"}]}), None),
    (
        _p("c-dom1", name="Al Roe", links=["https://northwind.example/", "https://northwind-staffing.example.org/"]),
        None,
    ),
    (_p("c-dom2", name="Di Poe", contacts={"emails": ["x@acme-hiring.example.net"]}), None),
]


def _screen(tmp: Path, sdn: list[tuple[str, bytes]]) -> dict[str, list[Any]]:
    with Store(tmp) as store:
        store.upsert_profiles([p for p, _ in CASES], source="test")
        add_list(store, "sdn", parse_list(sdn, "sdn"), sdn)
        doms = [("domains.txt", DOMAINS_TXT.encode()), ("domains.csv", DOMAINS_CSV.encode())]
        add_list(store, "fake-domains", parse_list(doms, "domains"), doms)
        scan(store, now=NOW)
        out = {}
        for p, _ in CASES:
            v = store.get_verdict(p.id)
            assert v is not None
            out[p.id] = [e for e in v.evidence if e.signal == "screening"]
        return out


@pytest.mark.parametrize("files", [XML_FILES, CSV_FILES], ids=["sdn.xml", "sdn.csv"])
def test_hits_misses_and_controls(tmp_path: Path, files: list[tuple[str, bytes]]) -> None:
    """Every planted hit is found with its reason; every control screens clear."""
    got = _screen(tmp_path, files)
    for p, want in CASES:
        codes = sorted(e.code for e in got[p.id] if e.status is Status.HIT)
        if want is None:
            assert [] == codes, p.id
            assert ["SCREENED_CLEAR"] == [e.code for e in got[p.id]], p.id
        else:
            assert want in codes, (p.id, codes)


def test_strengths_follow_corroboration(tmp_path: Path) -> None:
    """A name alone is weak; country, date of birth and both raise it; a wallet is strong."""
    got = _screen(tmp_path, XML_FILES)

    def strength(pid: str, code: str) -> float:
        return next(e.strength for e in got[f"gigmarket:{pid}"] if e.code == code)

    assert strength("hangul", "SDN_NAME_ONLY") < 1.0
    assert strength("garcia", "SDN_NAME_ONLY") < strength("cyr", "SDN_NAME_CORROBORATED")
    assert strength("cyr", "SDN_NAME_CORROBORATED") < strength("dob", "SDN_NAME_CORROBORATED")
    assert strength("w-eth", "SDN_WALLET") >= 4.0
    wallet = next(e for e in got["gigmarket:w-eth"] if e.code == "SDN_WALLET")
    assert "list:sdn:90001" in wallet.refs and "CYBER2" in wallet.detail
    mail = next(e for e in got["gigmarket:mail"] if e.code == "LISTED_DOMAIN")
    assert "SDN-listed as northwind-staffing.example" in mail.detail


def test_name_alone_never_reaches_review(tmp_path: Path) -> None:
    """A namesake with nothing else against them stays likely genuine (common names)."""
    with Store(tmp_path) as store:
        store.upsert_profiles([_p("garcia", name="Maria Garcia", country="ES", bio="Accountant in Madrid.")], "t")
        add_list(store, "sdn", parse_list(XML_FILES), XML_FILES)
        scan(store, now=NOW)
        v = store.get_verdict("gigmarket:garcia")
    assert v is not None and "SDN_NAME_ONLY" in [e.code for e in v.evidence]
    assert v.p_fake < 0.3


def test_no_lists_is_unknown_and_a_new_list_rescores(tmp_path: Path) -> None:
    """Without lists the signal says UNKNOWN; adding one re-scores; removing it goes back."""
    p = _p("w-eth", name="Lee Park", contacts={"wallets": [{"chain": "eth", "address": ETH}]})
    with Store(tmp_path) as store:
        store.upsert_profiles([p], "t")
        scan(store, now=NOW)
        codes = lambda: [e.code for e in store.get_verdict(p.id).evidence if e.signal == "screening"]  # noqa: E731
        assert ["NO_LISTS"] == codes()
        add_list(store, "sdn", parse_list(XML_FILES), XML_FILES)
        assert 1 == scan(store, now=NOW).scored
        assert ["SDN_WALLET"] == codes()
        assert 4 == remove_list(store, "sdn")
        scan(store, now=NOW)
        assert ["NO_LISTS"] == codes()


def test_list_stored_with_source_date_and_hash(db: Store) -> None:
    """A stored list keeps each source's path, size and sha256, the date it states, and refuses a duplicate name."""
    row = add_list(db, "ofac", parse_list(XML_FILES), XML_FILES)
    assert ("sdn", "sdn-xml", "2026-11-14", 4) == (row["kind"], row["format"], row["published"], row["entries"])
    assert "SDN.XML" == row["sources"][0]["path"] and 64 == len(row["sources"][0]["sha256"])
    with pytest.raises(InputError, match="exists"):
        add_list(db, "ofac", parse_list(XML_FILES), XML_FILES)
    add_list(db, "ofac", parse_list(CSV_FILES), CSV_FILES, replace=True)
    assert ["sdn-csv"] == [r["format"] for r in lists(db)]


def test_xml_entity_expansion_refused() -> None:
    """An SDN file with a DTD or entities (billion laughs, external entity) is refused, never expanded."""
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><sdnList>&b;</sdnList>'
    with pytest.raises(InputError, match="not a readable SDN XML"):
        parse_list([("evil.xml", bomb)])
    xxe = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><sdnList>&x;</sdnList>'
    with pytest.raises(InputError, match="not a readable SDN XML"):
        parse_list([("evil.xml", xxe)])


def test_bad_inputs_named() -> None:
    """Wrong roots and column counts are refused naming the file."""
    with pytest.raises(InputError, match="SDN_ADVANCED"):
        parse_list([("adv.xml", b"<Sanctions><DistinctParties/></Sanctions>")])
    with pytest.raises(InputError, match=r"x\.csv: 3 columns"):
        parse_list([("x.csv", b"1,2,3\n")], "sdn")
    with pytest.raises(InputError, match="no domain"):
        parse_list([("d.txt", b"# nothing\n")], "domains")


@pytest.mark.parametrize(
    ("profile_name", "listed_last", "listed_given"),
    [
        ("Дмитрий Николаев", "NIKOLAEV", "Dmitriy"),
        ("Aleksandr Ivanov", "IVANOV", "Alexander"),
        ("박철수", "PAK", "Chol Su"),
        ("김정은", "KIM", "Jong Un"),
        ("Jong-un Kim", "KIM", "Jong Un"),
        ("Mohammed Al-Rashid", "AL RASHID", "Muhammad"),
        ("José Nuñez", "NUNEZ", "Jose"),
    ],
)
def test_transliteration_variants_meet(profile_name: str, listed_last: str, listed_given: str) -> None:
    """Spellings of one name across scripts and romanisations score at or above the threshold."""
    assert name_score(tokens(profile_name), tokens(listed_last), tokens(listed_given)) >= NAME_THRESHOLD


@pytest.mark.parametrize(
    ("profile_name", "listed_last", "listed_given"),
    [
        ("Anna Ivanova", "IVANOV", "Aleksandr"),
        ("Aleksei Ivanov", "IVANOV", "Aleksandr"),
        ("Kim Min-jun", "KIM", "Jong Un"),
        ("John Smithson", "SMITH", "John"),
        ("Ivan", "IVANOV", "Ivan"),
    ],
)
def test_different_names_stay_apart(profile_name: str, listed_last: str, listed_given: str) -> None:
    """Relatives, namesakes in part and lone names stay under the threshold."""
    assert name_score(tokens(profile_name), tokens(listed_last), tokens(listed_given)) < NAME_THRESHOLD


def test_name_index_finds_aliases() -> None:
    """The index finds a listed alias through the fuzzy token lookup and keeps one hit per entry."""
    idx = NameIndex(
        [
            ("e1", "Dmitriy NIKOLAEV", "NIKOLAEV", "Dmitriy", "primary"),
            ("e1", "Dmitry NIKOLAYEV", "NIKOLAYEV", "Dmitry", "strong"),
        ]
    )
    hits = idx.search("Dmitrij Nikolajev")
    assert ["e1"] == [h.key for h in hits]
    assert "kim jong un" == fold_name("KIM, Jong-un")


def test_cli_lists_add_show_remove(tmp_path: Path) -> None:
    """lists add / show / remove through the CLI; a bad file is one line naming it."""
    (tmp_path / "SDN.XML").write_text(SDN_XML)
    (tmp_path / "bad.xml").write_text("<sdnList><oops></sdnList>")
    ws = str(tmp_path / "ws")
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "profilecheck", *a, "-w", ws], capture_output=True, text=True, timeout=120
    )
    r = run("lists", "add", str(tmp_path / "SDN.XML"), "--name", "ofac")
    assert 0 == r.returncode, r.stderr
    assert "4 entries, 7 names, 4 wallets, 2 domains; published 2026-11-14" in r.stdout
    r = run("lists", "show")
    assert "ofac: sdn (sdn-xml), 4 entries, published 2026-11-14" in r.stdout
    r = run("lists", "add", str(tmp_path / "bad.xml"), "--kind", "sdn")
    assert 1 == r.returncode and 1 == len(r.stderr.strip().splitlines()) and "bad.xml" in r.stderr
    r = run("lists", "remove", "ofac")
    assert 0 == r.returncode and "removed list ofac (4 entries)" in r.stdout
