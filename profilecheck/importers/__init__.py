"""Importers for files the user holds: JSONL in the profile format, and CSV with a column mapping.

A malformed row is reported with its file, line and reason and recorded in the store; the
rest of the file imports. Re-importing a file changes nothing (unchanged profiles are
skipped), so an interrupted import is resumed by running it again.

Photos given as local paths are read relative to the import file and must stay inside its
folder (no ``..`` or absolute paths escaping it); their bytes go into the media store by
content hash. Photos given as URLs are recorded and fetched by the gathering side.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from profilecheck.errors import InputError
from profilecheck.logs import get_logger
from profilecheck.model import Photo, PortfolioItem, Profile
from profilecheck.store import Store

__all__ = ["ImportReport", "Mapping", "builtin_mappings", "import_file", "load_mapping", "read_csv", "read_jsonl"]

log = get_logger(__name__)

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024
LIST_SEP = "|"


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.changed + self.unchanged


# -- reading records ----------------------------------------------------------------------------
def _bounded_lines(fh: BinaryIO, cap: int) -> Iterator[tuple[bytes, int]]:
    """Yield ``(line, size)``; a line over ``cap`` bytes comes back empty with its true size.

    Never holds more than ``cap`` bytes of one line, however long it is (``for line in fh`` would
    read a 1 GB line whole before anyone could refuse it).
    """
    while raw := fh.readline(cap + 1):
        if len(raw) <= cap or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        size = len(raw)
        while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
            size += len(rest)
        yield b"", size + len(rest)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield ``(line, record)``, or ``(line, reason)`` for a line that is not a JSON object."""
    with path.open("rb") as fh:
        for n, (raw, size) in enumerate(_bounded_lines(fh, MAX_LINE_BYTES), start=1):
            if size > MAX_LINE_BYTES:
                yield n, f"line is {size} bytes, over the {MAX_LINE_BYTES} byte cap"
                continue
            text = raw.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, 5000-digit ints
                yield n, f"not valid JSON: {str(exc)[:200]}"
                continue
            if not isinstance(obj, dict):
                yield n, f"expected a JSON object, got {type(obj).__name__}"
                continue
            yield n, obj


@dataclass(frozen=True)
class Mapping:
    """How CSV columns become profile fields (see ``importers/mappings/*.toml``)."""

    name: str
    columns: dict[str, list[str]]
    constants: dict[str, str]
    templates: dict[str, str]

    @classmethod
    def identity(cls) -> Mapping:
        return cls("profilecheck", {}, {}, {})


def builtin_mappings() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(__package__).joinpath("mappings").iterdir()
        if p.name.endswith(".toml")
    )


def load_mapping(name_or_path: str) -> Mapping:
    """A built-in mapping by name (``github``), or a TOML file of the same shape."""
    if name_or_path in builtin_mappings():
        text = resources.files(__package__).joinpath("mappings", f"{name_or_path}.toml").read_text()
        name = name_or_path
    else:
        p = Path(name_or_path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"mapping {name_or_path!r}: not a built-in mapping ({', '.join(builtin_mappings())}) "
                f"and not a readable file: {exc}",
                path=name_or_path,
            ) from exc
        name = p.stem
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"mapping {name_or_path}: invalid TOML: {exc}", path=name_or_path) from exc
    cols = {k: ([v] if isinstance(v, str) else list(v)) for k, v in data.get("columns", {}).items()}
    return Mapping(name, cols, dict(data.get("constants", {})), dict(data.get("templates", {})))


def _set_path(obj: dict[str, Any], path: str, value: str) -> None:
    """Set ``a.b``, append to ``a.b[]`` (``|``-separated), or fill ``photos[].url`` items."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        key = head[:-2]
        items = [v.strip() for v in value.split(LIST_SEP) if v.strip()]
        lst = obj.setdefault(key, [])
        if not rest:
            lst.extend(items)
            return
        for i, item in enumerate(items):
            while len(lst) <= i:
                lst.append({})
            _set_path(lst[i], rest, item)
        return
    if not rest:
        obj[head] = value
        return
    _set_path(obj.setdefault(head, {}), rest, value)


def read_csv(path: Path, mapping: Mapping) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield ``(line, record)`` or ``(line, reason)``; ``line`` is the file line a row starts on."""
    with path.open(newline="", encoding="utf-8-sig", errors="strict") as fh:
        reader = csv.DictReader(fh, strict=True)
        try:
            if reader.fieldnames is None:  # reads the header, so that line numbers start after it
                return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield 1, f"malformed CSV header: {exc}"
            return
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                # the decoder cannot move past bad bytes: retrying would raise the same error forever
                yield line, f"not UTF-8 text from here on, rest of the file skipped: {exc}"
                return
            except csv.Error as exc:
                yield line, f"malformed CSV: {exc}"
                line = reader.line_num + 1
                continue
            start, line = line, reader.line_num + 1
            if None in row:
                yield start, f"{len(row[None])} more field(s) than the header"  # type: ignore[index]
                continue
            rec: dict[str, Any] = {}
            for key, value in mapping.constants.items():
                _set_path(rec, key, value)
            for col, value in row.items():
                if value is None or value.strip() == "":
                    continue
                targets = mapping.columns.get(col, [col] if mapping.name == "profilecheck" else [])
                for target in targets:
                    _set_path(rec, target, value)
            for key, tmpl in mapping.templates.items():
                try:
                    _set_path(rec, key, tmpl.format_map({k: v or "" for k, v in row.items() if k}))
                except (KeyError, ValueError) as exc:
                    yield start, f"template {key}={tmpl!r}: {exc}"
                    continue
            yield start, rec


# -- photos ------------------------------------------------------------------------------------
def _safe_local(base: Path, rel: str) -> Path:
    """Resolve ``rel`` under ``base``; refuse anything that escapes it."""
    candidate = (base / rel).resolve()
    root = base.resolve()
    if candidate != root and root not in candidate.parents:
        raise InputError(f"photo path {rel!r} escapes the folder of the import file", path=rel)
    return candidate


def _store_photos(profile: Profile, base: Path, store: Store) -> tuple[Profile, list[str]]:
    problems: list[str] = []

    def one(photo: Photo) -> Photo:
        if photo.sha256 or not photo.path:
            return photo
        try:
            p = _safe_local(base, photo.path)
            size = p.stat().st_size
            if size > MAX_PHOTO_BYTES:
                raise InputError(f"photo {photo.path}: {size} bytes, over the {MAX_PHOTO_BYTES} byte cap")
            sha = store.media.put(p.read_bytes())
        except InputError as exc:
            problems.append(str(exc))
            return photo
        except OSError as exc:
            problems.append(f"photo {photo.path}: {exc.strerror or exc}")
            return photo
        return photo.model_copy(update={"sha256": sha})

    photos = [one(p) for p in profile.photos]
    portfolio = [
        PortfolioItem.model_validate({**item.model_dump(), "images": [one(i).model_dump() for i in item.images]})
        for item in profile.portfolio
    ]
    return profile.model_copy(update={"photos": photos, "portfolio": portfolio}), problems


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err["loc"]) or "<record>"
        parts.append(f"{loc}: {err['msg']}")
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "; ".join(parts) + more


def import_file(
    store: Store,
    path: Path | str,
    *,
    fmt: str | None = None,
    mapping: str | None = None,
    batch: int = 500,
) -> ImportReport:
    """Import a JSONL or CSV file of profiles into ``store``.

    Args:
        store: where the profiles go.
        path: the file; its folder is the base for relative photo paths.
        fmt: ``jsonl`` or ``csv`` (default: from the file suffix).
        mapping: for CSV, a built-in mapping name or a mapping TOML path (default: columns are
            profile field paths such as ``contacts.emails[]``).
        batch: profiles per transaction.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path))
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt in ("json", "ndjson"):
        fmt = "jsonl"
    if fmt == "jsonl":
        records = read_jsonl(path)
    elif fmt == "csv":
        records = read_csv(path, load_mapping(mapping) if mapping else Mapping.identity())
    else:
        raise InputError(f"{path}: unknown format {fmt!r}; use jsonl or csv", path=str(path))
    source = str(path)
    report = ImportReport(source=source)
    base = path.parent
    buffer: dict[str, Profile] = {}

    def problem(line: int | None, reason: str) -> None:
        report.errors.append((line, reason))
        store.record_import_error(source, line, reason)
        log.info("%s:%s: %s", source, line if line is not None else "-", reason)

    def flush() -> None:
        counts = store.upsert_profiles(buffer.values(), source=f"import:{path.name}")
        report.new += counts["new"]
        report.changed += counts["changed"]
        report.unchanged += counts["unchanged"]
        buffer.clear()

    try:
        for line, rec in records:
            report.rows += 1
            if isinstance(rec, str):
                problem(line, rec)
                continue
            rec.setdefault("provenance", {}).setdefault("source", f"import:{fmt}")
            try:
                profile = Profile.model_validate(rec)
            except ValidationError as exc:
                problem(line, _validation_reason(exc))
                continue
            profile, problems = _store_photos(profile, base, store)
            for reason in problems:
                problem(line, reason)
            buffer[profile.id] = profile
            if len(buffer) >= batch:
                flush()
    except UnicodeDecodeError as exc:
        problem(None, f"not UTF-8 text: {exc}")
    if buffer:
        flush()
    log.info(
        "%s: %d rows, %d new, %d changed, %d unchanged, %d problem(s)",
        source, report.rows, report.new, report.changed, report.unchanged, len(report.errors),
    )
    return report
