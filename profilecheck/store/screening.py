"""The store's part for screening: stored lists (with their source, date and hash) and the RDAP cache.

Functions over a :class:`~profilecheck.store.Store` (the only owner of the connection), kept in
their own module so the store's main file stays about profiles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from profilecheck.errors import InputError
from profilecheck.screening.lists import ListEntry, ParsedList

if TYPE_CHECKING:
    from profilecheck.store import Store

__all__ = [
    "add_list",
    "get_rdap",
    "iter_list_entries",
    "list_fingerprint",
    "lists",
    "put_rdap",
    "rdap_rows",
    "remove_list",
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def add_list(
    store: Store, name: str, parsed: ParsedList, sources: Sequence[tuple[str, bytes]], *, replace: bool = False
) -> dict[str, Any]:
    """Store a parsed list under ``name`` with each source file's path, size and sha256.

    Raises:
        InputError: ``name`` is taken and ``replace`` is False.
    """
    name = name.strip()
    if not name:
        raise InputError("a list needs a name")
    files: list[dict[str, Any]] = [
        {"path": p, "bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in sources
    ]
    combined = hashlib.sha256("".join(str(f["sha256"]) for f in files).encode()).hexdigest()
    with store.transaction() as c:
        row = c.execute("SELECT id FROM screen_lists WHERE name=?", (name,)).fetchone()
        if row is not None:
            if not replace:
                raise InputError(f"a list named {name!r} exists; give --replace to load the new version over it")
            c.execute("DELETE FROM screen_lists WHERE id=?", (row[0],))
        cur = c.execute(
            "INSERT INTO screen_lists (name, kind, format, sources, sha256, published, entries, added_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                name,
                parsed.kind,
                parsed.format,
                json.dumps(files),
                combined,
                parsed.published,
                len(parsed.entries),
                _now(),
            ),
        )
        list_id = int(cur.lastrowid or 0)
        c.executemany(
            "INSERT OR REPLACE INTO screen_entries VALUES (?,?,?)",
            [(list_id, e.entry_id, json.dumps(e.to_json(), sort_keys=True)) for e in parsed.entries],
        )
    return next(x for x in lists(store) if x["name"] == name)


def lists(store: Store) -> list[dict[str, Any]]:
    """Every stored list: name, kind, format, sources, sha256, published, entries, added_at."""
    out = []
    for r in store.conn.execute("SELECT * FROM screen_lists ORDER BY name"):
        d = dict(r)
        d["sources"] = json.loads(d["sources"])
        out.append(d)
    return out


def remove_list(store: Store, name: str) -> int:
    """Delete a list and its entries; returns the number of entries removed.

    Raises:
        InputError: no list of that name.
    """
    with store.transaction() as c:
        row = c.execute("SELECT id, entries FROM screen_lists WHERE name=?", (name,)).fetchone()
        if row is None:
            raise InputError(f"no list named {name!r} in {store.workspace}")
        c.execute("DELETE FROM screen_lists WHERE id=?", (row[0],))
    return int(row[1])


def iter_list_entries(store: Store, kind: str | None = None) -> Iterator[tuple[str, str, ListEntry]]:
    """``(list name, list kind, entry)`` for every stored entry, streaming."""
    sql = "SELECT l.name, l.kind, e.data FROM screen_entries e JOIN screen_lists l ON l.id = e.list_id"
    args: tuple[str, ...] = ()
    if kind is not None:
        sql += " WHERE l.kind=?"
        args = (kind,)
    cur = store.conn.execute(sql + " ORDER BY l.name, e.entry_id", args)
    while rows := cur.fetchmany(2000):
        for r in rows:
            yield r[0], r[1], ListEntry.from_json(json.loads(r[2]))


def list_fingerprint(store: Store) -> list[list[str]]:
    """``[name, sha256]`` of every stored list: a change re-scores every profile."""
    return [[r[0], r[1]] for r in store.conn.execute("SELECT name, sha256 FROM screen_lists ORDER BY name")]


# -- RDAP cache ----------------------------------------------------------------------------------


def get_rdap(store: Store, domain: str) -> dict[str, Any] | None:
    row = store.conn.execute("SELECT * FROM rdap_cache WHERE domain=?", (domain,)).fetchone()
    return None if row is None else dict(row)


def put_rdap(store: Store, domain: str, status: str, registered: str | None, detail: str, server: str) -> None:
    """Record one RDAP answer: ``ok`` with the registration date, or ``unknown`` with the reason."""
    if status not in ("ok", "unknown"):
        raise ValueError(f"RDAP status must be ok or unknown, got {status!r}")
    store.conn.execute(
        "INSERT OR REPLACE INTO rdap_cache VALUES (?,?,?,?,?,?)",
        (domain, status, registered, detail[:300], server, _now()),
    )


def rdap_rows(store: Store) -> Iterator[tuple[str, str, str, str | None, str, str]]:
    """``(profile_id, domain, status, registered, detail, fetched_at)`` for every cited domain with an RDAP answer."""
    cur = store.conn.execute(
        """SELECT DISTINCT a.profile_id, r.domain, r.status, r.registered, r.detail, r.fetched_at
           FROM artifacts a JOIN rdap_cache r ON r.domain = a.value
           WHERE a.kind IN ('email_domain', 'link_domain') ORDER BY a.profile_id, r.domain"""
    )
    while rows := cur.fetchmany(5000):
        yield from ((r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows)
