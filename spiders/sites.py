"""Site definitions: data files (TOML) validated by ``sites/site.schema.json``.

A site definition says how to recognise a site's profile pages, where the fields that schema.org
has no property for are (CSS selectors), what a missing or blocked page looks like, and gives a
known-present and a known-absent example whose saved HTML fixtures the tests check offline
(``tests/test_sites.py``), as sherlock and maigret do for their site lists.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from parsel import Selector

from profilecheck.errors import InputError

__all__ = ["SITES_DIR", "SiteDef", "apply_fields", "load_sites", "validate_site"]

SITES_DIR = Path(__file__).resolve().parent / "sites"
SCHEMA_PATH = SITES_DIR / "site.schema.json"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate_site(data: dict[str, Any], source: str = "<site>") -> None:
    """Raise :class:`InputError` naming the file and the first problems when ``data`` is invalid."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.path))
    if errors:
        msgs = "; ".join(f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:3])
        raise InputError(f"site definition {source}: {msgs}", path=source)


def _convert(value: str, kind: str) -> Any:
    value = value.strip()
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "int_list":
        return [int(x) for x in re.split(r"[,\s]+", value) if x]
    if kind == "wallet":
        chain, _, address = value.partition(":")
        if not address:
            raise ValueError(f"wallet {value!r} is not chain:address")
        return {"chain": chain.strip(), "address": address.strip()}
    return value


def _set(rec: dict[str, Any], path: str, value: Any) -> None:
    *heads, last = path.split(".")
    node = rec
    for h in heads:
        node = node.setdefault(h, {})
    node[last] = value


def apply_fields(fields: dict[str, dict[str, Any]], sel: Selector) -> tuple[dict[str, Any], list[str]]:
    """Read ``fields`` from a page: ``(partial record, problems)``; a bad value is a problem, not a crash."""
    rec: dict[str, Any] = {}
    problems: list[str] = []
    for path, spec in fields.items():
        kind = spec.get("type", "str")
        raw = [v for v in sel.css(spec["css"]).getall() if v.strip()]
        if not raw:
            continue
        try:
            if spec.get("many"):
                _set(rec, path, [_convert(v, kind) for v in raw])
            else:
                _set(rec, path, _convert(raw[0], kind))
        except ValueError as exc:
            problems.append(f"{path}: {exc}")
    return rec, problems


@dataclass(frozen=True)
class SiteDef:
    """One validated site definition."""

    name: str
    description: str
    platform: str | None
    match_url: re.Pattern[str] | None
    match_marker: str | None
    fields: dict[str, dict[str, Any]]
    absent: dict[str, Any]
    blocked: dict[str, Any]
    examples: dict[str, dict[str, Any]]
    path: Path

    @classmethod
    def from_file(cls, path: Path) -> SiteDef:
        try:
            data = (
                tomllib.loads(path.read_text(encoding="utf-8"))
                if path.suffix == ".toml"
                else json.loads(path.read_text(encoding="utf-8"))
            )
        except (OSError, ValueError) as exc:
            raise InputError(f"site definition {path}: {exc}", path=str(path)) from exc
        validate_site(data, str(path))
        m = data["match"]
        return cls(
            name=data["name"],
            description=data["description"],
            platform=data.get("platform"),
            match_url=re.compile(m["url"]) if "url" in m else None,
            match_marker=m.get("marker"),
            fields=data.get("fields", {}),
            absent=data.get("absent", {}),
            blocked=data.get("blocked", {}),
            examples=data["examples"],
            path=path,
        )

    def matches(self, url: str, sel: Selector) -> bool:
        if self.match_url is not None and not self.match_url.search(url):
            return False
        return not (self.match_marker is not None and not sel.css(self.match_marker))

    def is_absent(self, status: int, sel: Selector, text: str) -> bool:
        if status in self.absent.get("status", []):
            return True
        if self.absent.get("css") and sel.css(self.absent["css"]):
            return True
        return bool(self.absent.get("text") and self.absent["text"].lower() in text.lower())

    def blocked_marker(self, sel: Selector, text: str) -> str | None:
        for css in self.blocked.get("css", []):
            if sel.css(css):
                return str(css)
        low = text.lower()
        for t in self.blocked.get("text", []):
            if t.lower() in low:
                return str(t)
        return None

    def fixture(self, kind: str) -> Path:
        return self.path.parent / str(self.examples[kind]["fixture"])


@cache
def load_sites(directory: Path = SITES_DIR) -> tuple[SiteDef, ...]:
    """Every site definition in ``directory`` (``*.toml`` and ``*.json`` except the schema)."""
    files = sorted(p for p in directory.iterdir() if p.suffix in (".toml", ".json") and p.name != SCHEMA_PATH.name)
    return tuple(SiteDef.from_file(p) for p in files)
