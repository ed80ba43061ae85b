"""Readers for the published list formats: the SDN list (XML, CSV) and domain lists (text, CSV).

SDN.XML (the classic ``sdnList`` schema that ``SDN.XML`` and ``CONS_PRIM.XML`` use; the
namespace, old ``http://tempuri.org/sdnList.xsd`` or newer, is ignored): one ``sdnEntry`` per
party with ``uid``, ``firstName``, ``lastName``, ``sdnType``, ``programList``, ``akaList/aka``
(``type``, ``category`` strong/weak, ``firstName``, ``lastName``), ``idList/id`` (``idType``,
``idNumber``: digital-currency addresses are ids of type ``Digital Currency Address - XBT``,
``- ETH`` ...; websites and e-mail addresses are ids too), ``addressList/address/country``,
``nationalityList``, ``citizenshipList`` and ``dateOfBirthList/dateOfBirthItem/dateOfBirth``.
The publication date is ``publshInformation/Publish_Date`` (sic).

SDN.CSV (no header): ``ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
Tonnage, GRT, Vess_flag, Vess_owner, Remarks`` with ``-0-`` for empty; the remarks hold
``DOB ...; nationality ...; Digital Currency Address - XBT ...; Website ...; a.k.a. '...'``.
ALT.CSV: ``ent_num, alt_num, alt_type, alt_name, alt_remarks``; ADD.CSV: ``ent_num, add_num,
address, city/state/postal code, country, add_remarks``. Each CSV's role is told by its columns.

Domain lists: plain text, one domain or URL a line (``#`` starts a comment), or CSV with a
header naming a ``domain`` / ``url`` / ``website`` / ``host`` column (and optionally ``reason``).

>>> p = parse_list([("d.txt", b"# seized\\nacme-hiring.example\\nhttps://www.fake-co.example/jobs\\n")], "domains")
>>> [e.domains for e in p.entries]
[('acme-hiring.example',), ('fake-co.example',)]
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from profilecheck.errors import InputError
from profilecheck.screening.countries import country_code
from profilecheck.wallets import check_wallet

#: An element of the parsed tree (defusedxml hands back the standard library's elements).
Element = Any

__all__ = ["KINDS", "ListEntry", "ListName", "ParsedList", "normalize_domain", "parse_list", "wallet_key"]

KINDS = ("sdn", "domains")
MAX_LIST_BYTES = 200 * 1024 * 1024  # the full SDN.XML is ~15 MB, SDN_ADVANCED.XML ~100 MB

# OFAC currency tickers -> the chain names of profilecheck.wallets (EVM tokens share ETH's form).
_TICKER_CHAIN = {
    "XBT": "btc",
    "BTC": "btc",
    "ETH": "eth",
    "ETC": "eth",
    "ARB": "eth",
    "BSC": "eth",
    "TRX": "trx",
}
_DCA = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)")
_DCA_REMARK = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)\s+([A-Za-z0-9:]+)")
_DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@dataclass(frozen=True, slots=True)
class ListName:
    """One name of a listed party: the primary name or an alias (``strong`` / ``weak`` per OFAC)."""

    full: str
    last: str = ""
    first: str = ""
    category: str = "primary"


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed party (or one listed domain)."""

    entry_id: str
    kind: str  # individual | entity | vessel | aircraft | domain
    names: tuple[ListName, ...] = ()
    programs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 (nationality, citizenship, address)
    birth: tuple[str, ...] = ()  # YYYY-MM-DD, YYYY-MM or YYYY
    wallets: tuple[tuple[str, str], ...] = ()  # (OFAC ticker, address as listed)
    domains: tuple[str, ...] = ()
    remarks: str = ""

    @property
    def label(self) -> str:
        return self.names[0].full if self.names else (self.domains[0] if self.domains else self.entry_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.entry_id,
            "kind": self.kind,
            "names": [[n.full, n.last, n.first, n.category] for n in self.names],
            "programs": list(self.programs),
            "countries": list(self.countries),
            "birth": list(self.birth),
            "wallets": [list(w) for w in self.wallets],
            "domains": list(self.domains),
            "remarks": self.remarks,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ListEntry:
        return cls(
            entry_id=str(d["id"]),
            kind=str(d["kind"]),
            names=tuple(ListName(*n) for n in d.get("names", [])),
            programs=tuple(d.get("programs", [])),
            countries=tuple(d.get("countries", [])),
            birth=tuple(d.get("birth", [])),
            wallets=tuple((str(a), str(b)) for a, b in d.get("wallets", [])),
            domains=tuple(d.get("domains", [])),
            remarks=str(d.get("remarks", "")),
        )


@dataclass
class ParsedList:
    """A list as read: its kind, the format found, the date it states, entries, skipped items."""

    kind: str
    format: str
    published: str | None
    entries: list[ListEntry]
    problems: list[str] = field(default_factory=list)


def wallet_key(ticker: str, address: str) -> str:
    """The address part of the canonical form (:func:`profilecheck.wallets.check_wallet`).

    Keys compare the address only (chain labels vary: an exchange's "USDT" is a TRON or an EVM
    address); addresses are long enough that two chains never share one by chance.

    >>> wallet_key("ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
    >>> wallet_key("XBT", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    """
    t = ticker.strip().upper()
    a = address.strip()
    chain = _TICKER_CHAIN.get(t)
    if chain is None:
        chain = ("trx" if a.startswith("T") else "eth") if t in ("USDT", "USDC") else t.lower()
    chk = check_wallet(chain, a)
    canonical = chk.canonical if chk.valid else f"{chain}:{a}"
    return str(canonical).split(":", 1)[1]


def normalize_domain(text: str) -> str | None:
    """A host from a domain or URL: lower-case, no ``www.``, no port or path, IDNA (punycode) form.

    >>> normalize_domain("https://WWW.Fake-Co.example:8443/careers?x=1")
    'fake-co.example'
    >>> normalize_domain("bücher.example")
    'xn--bcher-kva.example'
    >>> normalize_domain("not a domain") is None
    True
    """
    t = text.strip().strip(".").lower()
    if not t:
        return None
    if "@" in t and "://" not in t:
        t = t.rsplit("@", 1)[1]
    try:
        host = urlsplit(t if "://" in t else "http://" + t).hostname or ""
    except ValueError:
        return None
    host = host.rstrip(".").removeprefix("www.")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _DOMAIN_RE.match(host) else None


# -- SDN XML -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: Element | None, name: str) -> str:
    c = None if el is None else _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _full(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


def birth_values(text: str) -> list[str]:
    """Dates of birth as OFAC writes them, in ISO form (``01 Oct 1952``, ``Oct 1952``, ``1952``, ``1960 to 1962``).

    >>> birth_values("07 Oct 1952")
    ['1952-10-07']
    >>> birth_values("circa 1960 to 1962")
    ['1960', '1962']
    """
    t = text.strip().rstrip(".")
    for fmt, out in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m"), ("%Y-%m-%d", "%Y-%m-%d")):
        try:
            return [datetime.strptime(t, fmt).strftime(out)]
        except ValueError:
            continue
    return re.findall(r"\b(1[89]\d\d|20\d\d)\b", t)


def _parse_sdn_xml(data: bytes, source: str) -> ParsedList:
    try:
        root = safe_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InputError(f"{source}: not a readable SDN XML file ({type(exc).__name__}: {exc})", path=source) from exc
    if _local(root.tag) != "sdnList":
        raise InputError(
            f"{source}: root element is <{_local(root.tag)}>, not <sdnList> (SDN.XML); "
            "SDN_ADVANCED.XML is not read yet: use SDN.XML or the CSV files",
            path=source,
        )
    pub = _child(root, "publshInformation") or _child(root, "publishInformation")
    published = None
    raw_date = _text(pub, "Publish_Date")
    if raw_date:
        try:
            published = datetime.strptime(raw_date, "%m/%d/%Y").date().isoformat()
        except ValueError:
            published = raw_date
    entries: list[ListEntry] = []
    problems: list[str] = []
    for el in _children(root, "sdnEntry"):
        uid = _text(el, "uid")
        if not uid:
            problems.append(f"{source}: an sdnEntry without a uid was skipped")
            continue
        first, last = _text(el, "firstName"), _text(el, "lastName")
        names = [ListName(_full(first, last), last, first, "primary")] if (first or last) else []
        for aka in _children(_child(el, "akaList"), "aka"):
            f, la = _text(aka, "firstName"), _text(aka, "lastName")
            if f or la:
                names.append(ListName(_full(f, la), la, f, (_text(aka, "category") or "strong").lower()))
        wallets: list[tuple[str, str]] = []
        domains: list[str] = []
        for id_el in _children(_child(el, "idList"), "id"):
            id_type, number = _text(id_el, "idType"), _text(id_el, "idNumber")
            m = _DCA.search(id_type)
            if m and number:
                wallets.append((m.group(1).upper(), number))
            elif id_type in ("Website", "Email Address") and number:
                d = normalize_domain(number)
                if d:
                    domains.append(d)
        countries: set[str] = set()
        for lst, item in (("nationalityList", "nationality"), ("citizenshipList", "citizenship")):
            for c in _children(_child(el, lst), item):
                cc = country_code(_text(c, "country"))
                if cc:
                    countries.add(cc)
        for a in _children(_child(el, "addressList"), "address"):
            cc = country_code(_text(a, "country"))
            if cc:
                countries.add(cc)
        birth: list[str] = []
        for dob in _children(_child(el, "dateOfBirthList"), "dateOfBirthItem"):
            birth += birth_values(_text(dob, "dateOfBirth"))
        programs = tuple(p.text.strip() for p in _children(_child(el, "programList"), "program") if p.text)
        entries.append(
            ListEntry(
                entry_id=uid,
                kind=(_text(el, "sdnType") or "entity").lower(),
                names=tuple(names),
                programs=programs,
                countries=tuple(sorted(countries)),
                birth=tuple(dict.fromkeys(birth)),
                wallets=tuple(dict.fromkeys(wallets)),
                domains=tuple(dict.fromkeys(domains)),
                remarks=_text(el, "remarks")[:500],
            )
        )
    if not entries and not problems:
        raise InputError(f"{source}: an <sdnList> with no sdnEntry", path=source)
    return ParsedList("sdn", "sdn-xml", published, entries, problems)


# -- SDN CSV -------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data).replace("\x1a", "")  # the published files end with a DOS end-of-file mark
    rows = []
    for row in csv.reader(io.StringIO(text)):
        cells = [("" if c.strip() == "-0-" else c.strip()) for c in row]
        if any(cells):
            rows.append(cells)
    return rows


def _split_name(name: str) -> tuple[str, str]:
    """``LAST, First`` -> (last, first); a name without a comma is all last name."""
    last, _, first = name.partition(",")
    return last.strip(), first.strip()


def _remark_parts(remarks: str) -> list[str]:
    return [p.strip().rstrip(".").strip() for p in remarks.split(";") if p.strip()]


def _parse_sdn_csv(files: Sequence[tuple[str, bytes]]) -> ParsedList:
    main: list[list[str]] = []
    alts: list[list[str]] = []
    adds: list[list[str]] = []
    problems: list[str] = []
    for name, data in files:
        rows = _csv_rows(data)
        width = max((len(r) for r in rows[:20]), default=0)
        if width >= 12:
            main += rows
        elif width == 6:
            adds += rows
        elif width == 5:
            alts += rows
        else:
            raise InputError(f"{name}: {width} columns: not SDN.CSV (12), ADD.CSV (6) or ALT.CSV (5)", path=name)
    if not main:
        raise InputError(f"{', '.join(n for n, _ in files)}: no SDN.CSV among the files (12 columns a row)")
    by_id: dict[str, dict[str, Any]] = {}
    for r in main:
        if len(r) < 12 or not r[0].strip().isdigit():
            problems.append(f"SDN.CSV row {r[:2]!r}: not an entry (skipped)")
            continue
        uid = r[0].strip()
        last, first = _split_name(r[1])
        kind = (r[2] or "entity").lower()
        remarks = r[11]
        wallets = [(m.group(1).upper(), m.group(2)) for m in _DCA_REMARK.finditer(remarks)]
        names = [ListName(_full(first, last), last, first, "primary")]
        countries: set[str] = set()
        birth: list[str] = []
        domains: list[str] = []
        for part in _remark_parts(remarks):
            low = part.lower()
            if low.startswith("dob "):
                birth += birth_values(part[4:])
            elif low.startswith(("nationality ", "citizen ")):
                cc = country_code(part.split(" ", 1)[1])
                if cc:
                    countries.add(cc)
            elif low.startswith(("website ", "email address ")):
                d = normalize_domain(part.rsplit(" ", 1)[1])
                if d:
                    domains.append(d)
            for m in re.finditer(r"a\.k\.a\.\s+'([^']+)'", part):
                la, fi = _split_name(m.group(1))
                names.append(ListName(_full(fi, la), la, fi, "weak"))
        by_id[uid] = {
            "kind": kind,
            "names": names,
            "programs": tuple(p.strip() for p in re.split(r"\]\s*\[|[\[\]]", r[3]) if p.strip()),
            "countries": countries,
            "birth": birth,
            "wallets": wallets,
            "domains": domains,
            "remarks": remarks[:500],
        }
    for r in alts:
        uid = r[0].strip()
        if uid in by_id and len(r) >= 4 and r[3]:
            la, fi = _split_name(r[3])
            by_id[uid]["names"].append(ListName(_full(fi, la), la, fi, "strong"))
    for r in adds:
        uid = r[0].strip()
        if uid in by_id and len(r) >= 5:
            cc = country_code(r[4])
            if cc:
                by_id[uid]["countries"].add(cc)
    entries = [
        ListEntry(
            entry_id=uid,
            kind=d["kind"],
            names=tuple(d["names"]),
            programs=d["programs"],
            countries=tuple(sorted(d["countries"])),
            birth=tuple(dict.fromkeys(d["birth"])),
            wallets=tuple(dict.fromkeys(d["wallets"])),
            domains=tuple(dict.fromkeys(d["domains"])),
            remarks=d["remarks"],
        )
        for uid, d in by_id.items()
    ]
    return ParsedList("sdn", "sdn-csv", None, entries, problems)


# -- domain lists --------------------------------------------------------------------------------


def _parse_domains(files: Sequence[tuple[str, bytes]]) -> ParsedList:
    entries: dict[str, ListEntry] = {}
    problems: list[str] = []
    fmt = "domains-text"
    for name, data in files:
        text = _decode(data)
        head = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
        cols = [c.strip().lower() for c in next(csv.reader([head]), [])] if "," in head else []
        key = next((c for c in ("domain", "url", "website", "host") if c in cols), None)
        if key is not None:
            fmt = "domains-csv"
            rows = csv.DictReader(io.StringIO(text))
            rows.fieldnames = [c.strip().lower() for c in (rows.fieldnames or [])]
            items = [(n + 2, r.get(key) or "", r.get("reason") or r.get("note") or "") for n, r in enumerate(rows)]
        else:
            items = [
                (n + 1, ln.split("#", 1)[0].strip(), "")
                for n, ln in enumerate(text.splitlines())
                if ln.split("#", 1)[0].strip()
            ]
        for line, raw, reason in items:
            d = normalize_domain(raw.split(",")[0] if key is None else raw)
            if d is None:
                problems.append(f"{name}:{line}: {raw[:80]!r} is not a domain or URL (skipped)")
                continue
            entries.setdefault(d, ListEntry(entry_id=d, kind="domain", domains=(d,), remarks=reason[:300]))
    if not entries:
        raise InputError(f"{', '.join(n for n, _ in files)}: no domain found in the list")
    return ParsedList("domains", fmt, None, list(entries.values()), problems)


def detect_kind(files: Sequence[tuple[str, bytes]]) -> str:
    """``sdn`` for XML or 12-column CSV, else ``domains``."""
    name, data = files[0]
    head = data[:4096].lstrip()
    if head.startswith(b"<") or name.lower().endswith(".xml"):
        return "sdn"
    rows = _csv_rows(data[:65536])
    if rows and len(rows[0]) >= 12 and rows[0][0].strip().isdigit():
        return "sdn"
    return "domains"


def parse_list(files: Sequence[tuple[str, bytes]], kind: str | None = None) -> ParsedList:
    """Read a list from ``(name, bytes)`` files; ``kind`` is ``sdn``, ``domains`` or None (detect).

    Raises:
        InputError: an unknown kind, a file that is not in a supported format, or no entry.
    """
    if not files:
        raise InputError("no list file given")
    kind = kind or detect_kind(files)
    if kind not in KINDS:
        raise InputError(f"unknown list kind {kind!r}; use one of {', '.join(KINDS)}")
    for name, data in files:
        if len(data) > MAX_LIST_BYTES:
            raise InputError(f"{name}: {len(data)} bytes, over the {MAX_LIST_BYTES} byte cap", path=name)
    if kind == "domains":
        return _parse_domains(files)
    xml = [(n, d) for n, d in files if d[:4096].lstrip().startswith((b"<", b"\xef\xbb\xbf<"))]
    if xml:
        if len(files) > 1:
            raise InputError("an SDN XML list is one file; give the XML alone")
        name, data = xml[0]
        return _parse_sdn_xml(data, name)
    return _parse_sdn_csv(files)
