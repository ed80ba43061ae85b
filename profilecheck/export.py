"""Exports: one line per profile with score, verdict, reasons and their refs.

Formats: JSONL (one object per line), CSV (reasons, refs and unknowns joined with ``;``) and
Parquet (the JSONL columns with their nesting kept as typed columns: ``reasons`` is a
``list<struct<code, signal, strength, detail, refs: list<string>>>`` and ``could_not_check`` a
``list<string>``, so pandas, DuckDB or Spark read it without parsing JSON; see
:func:`parquet_schema`). Pseudonymisation applies to every format alike.

Files are written atomically (a temporary file renamed into place), so a reader never sees
half an export. CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from profilecheck.errors import InputError
from profilecheck.model import Status, Verdict
from profilecheck.store import Store

__all__ = ["FORMATS", "export", "neutralise_cell", "parquet_schema", "pseudonymise"]

FORMATS = ("jsonl", "csv", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """Make a CSV cell inert in spreadsheets.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("plain")
    'plain'
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def pseudonymise(pid: str, key: bytes) -> str:
    """A keyed hash of a profile id (HMAC-SHA256, 24 hex digits): stable, not reversible without the key."""
    return "p:" + hmac.new(key, pid.encode(), hashlib.sha256).hexdigest()[:24]


def _rows(store: Store, key: bytes | None) -> Iterator[dict[str, Any]]:
    def ident(x: str) -> str:
        return pseudonymise(x, key) if key and ":" in x and not x.startswith(("wallet:", "phone:", "email")) else x

    for v in store.iter_verdicts(order="score"):
        yield _row(v, ident, key is not None)


def _row(v: Verdict, ident: Any, pseudo: bool) -> dict[str, Any]:
    reasons = []
    for e in v.reasons:
        refs = [ident(r.split("#", 1)[0]) + ("#" + r.split("#", 1)[1] if "#" in r else "") for r in e.refs]
        if pseudo:
            refs = [r for r in refs if r.startswith("p:")]
        reasons.append(
            {
                "code": e.code,
                "signal": e.signal,
                "strength": round(e.strength, 3),
                "detail": "" if pseudo else e.detail,
                "refs": refs,
            }
        )
    unknown = [e.code for e in v.evidence if e.status is Status.UNKNOWN]
    return {
        "profile_id": ident(v.profile_id),
        "score": v.score,
        "p_fake": round(v.p_fake, 4),
        "verdict": str(v.label),
        "reasons": reasons,
        "could_not_check": unknown,
    }


def _clear_stale_temps(path: Path) -> None:
    """Remove temporary files of exports to ``path`` whose writer died (killed mid-write)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            pid = int(tmp.name.removeprefix(f".{path.name}.").split(".", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, PermissionError, OSError):
            continue  # not ours, or a live writer


def _atomic_write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _clear_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(store: Store, out: Path | str, fmt: str | None = None, *, pseudonym_key: bytes | None = None) -> int:
    """Write every verdict to ``out`` as JSONL, CSV or Parquet; return the number of rows.

    With ``pseudonym_key``, profile ids become keyed hashes and free-text details (which may
    quote contacts) are left out; keep the key apart from the export.
    """
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"{out}: unknown export format {fmt!r}; use one of {', '.join(FORMATS)}", path=str(out))
    rows = list(_rows(store, pseudonym_key))
    text: str | bytes
    if fmt == "parquet":
        text = _parquet_bytes(rows)
    elif fmt == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["profile_id", "score", "p_fake", "verdict", "reasons", "refs", "could_not_check"])
        for r in rows:
            cells = [
                r["profile_id"],
                str(r["score"]),
                str(r["p_fake"]),
                r["verdict"],
                ";".join(x["code"] for x in r["reasons"]),
                ";".join(ref for x in r["reasons"] for ref in x["refs"]),
                ";".join(r["could_not_check"]),
            ]
            w.writerow([neutralise_cell(c) for c in cells])
        text = buf.getvalue()
    _atomic_write(out, text)
    return len(rows)


def parquet_schema() -> Any:
    """The Arrow schema of the Parquet export (pyarrow is imported only when Parquet is used)."""
    import pyarrow as pa

    reason = pa.struct(
        [
            ("code", pa.string()),
            ("signal", pa.string()),
            ("strength", pa.float64()),
            ("detail", pa.string()),
            ("refs", pa.list_(pa.string())),
        ]
    )
    return pa.schema(
        [
            ("profile_id", pa.string()),
            ("score", pa.int32()),
            ("p_fake", pa.float64()),
            ("verdict", pa.string()),
            ("reasons", pa.list_(reason)),
            ("could_not_check", pa.list_(pa.string())),
        ],
        metadata={"producer": "profilecheck", "columns": "same as the JSONL export"},
    )


def _parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    """The rows as one Parquet file (zstd-compressed) in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=parquet_schema())
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
