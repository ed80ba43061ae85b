"""Twitter/X v1.1 user objects as profiles: exports and research data sets (e.g. TwiBot-20).

Reads a JSON array or JSON Lines of either plain v1.1 user objects or TwiBot-20 records
(``{"ID", "profile", "tweet", ...}``, where ``profile`` is the user object, sometimes as a
Python-repr string, its values carrying trailing spaces and nested objects such as ``entities``
as Python-repr strings too). Python literals are parsed with :func:`ast.literal_eval` (literals
only: never ``eval``), size-capped.

Mapping: ``screen_name`` -> handle, ``description`` -> bio, the expanded ``entities.url`` link ->
links, ``created_at`` (``Tue Nov 18 10:27:25 +0000 2008``) -> created_at, ``profile_image_url_https``
at the 400x400 size -> the headshot (fetched later, through the safe fetcher), follower and friend
counts -> activity.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from profilecheck.errors import InputError
from profilecheck.importers import ImportReport
from profilecheck.model import Profile
from profilecheck.store import Store

__all__ = ["import_twitter", "read_twitter", "twitter_user_record"]

MAX_LITERAL = 200_000
MAX_FILE_BYTES = 512 * 1024 * 1024


def _literal(value: Any) -> Any:
    """A value as a Python object: strings that hold a Python literal (dict, list, True, None, digits) are parsed."""
    if not isinstance(value, str):
        return value
    v = value.strip()
    if v in ("None", ""):
        return None
    if v in ("True", "False"):
        return v == "True"
    if v[:1] in "{[" and len(v) <= MAX_LITERAL:
        try:
            return ast.literal_eval(v)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return v
    return v


def _int(value: Any) -> int | None:
    v = _literal(value)
    if isinstance(v, bool) or v is None:
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def twitter_user_record(user: dict[str, Any]) -> dict[str, Any]:
    """Map a v1.1 user object onto the profile record shape.

    >>> rec = twitter_user_record({"screen_name": "SHAQ ", "created_at": "Tue Nov 18 10:27:25 +0000 2008 ",
    ...     "profile_image_url_https": "https://pbs.twimg.com/profile_images/1/image_normal.jpg "})
    >>> rec["handle"], rec["created_at"], rec["photos"][0]["url"]
    ('SHAQ', '2008-11-18T10:27:25+00:00', 'https://pbs.twimg.com/profile_images/1/image_400x400.jpg')
    """
    u = {k: _literal(v) for k, v in user.items()}
    handle = u.get("screen_name")
    if not isinstance(handle, str) or not handle:
        raise ValueError("user object has no screen_name")
    links: list[str] = []
    entities = u.get("entities") if isinstance(u.get("entities"), dict) else {}
    for entry in ((entities or {}).get("url") or {}).get("urls", []) or []:
        expanded = entry.get("expanded_url") if isinstance(entry, dict) else None
        if expanded:
            links.append(str(expanded))
    if not links and isinstance(u.get("url"), str) and u["url"].startswith("http"):
        links.append(u["url"])
    created = None
    if isinstance(u.get("created_at"), str):
        try:
            created = datetime.strptime(u["created_at"], "%a %b %d %H:%M:%S %z %Y").isoformat()
        except ValueError:
            created = None
    photo = u.get("profile_image_url_https") or u.get("profile_image_url")
    photos = []
    if isinstance(photo, str) and photo.startswith("http") and "default_profile_images" not in photo:
        photos.append({"url": photo.replace("_normal.", "_400x400."), "role": "headshot"})
    rec: dict[str, Any] = {
        "platform": "twitter",
        "handle": handle,
        "url": f"https://twitter.com/{handle}",
        "name": u.get("name") if isinstance(u.get("name"), str) else None,
        "bio": u.get("description") or None,
        "location": u.get("location") or None,
        "timezone": u.get("time_zone") if isinstance(u.get("time_zone"), str) else None,
        "created_at": created,
        "links": links,
        "photos": photos,
        "activity": {"followers": _int(u.get("followers_count")), "following": _int(u.get("friends_count"))},
        "provenance": {"source": "import:twitter-v1.1"},
    }
    if isinstance(u.get("lang"), str) and 2 <= len(u["lang"]) <= 5:
        rec["languages"] = [u["lang"]]
    return {k: v for k, v in rec.items() if v is not None}


def read_twitter(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield ``(record number, user object)`` or ``(record number, reason)``."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {size} bytes, over the {MAX_FILE_BYTES} byte cap", path=str(path))
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    rows: list[Any]
    if stripped.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON: {exc}", path=str(path)) from exc
    else:
        rows = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                rows.append(f"not valid JSON: {exc}")
    for n, row in enumerate(rows, start=1):
        if isinstance(row, str):
            yield n, row
            continue
        if not isinstance(row, dict):
            yield n, f"expected an object, got {type(row).__name__}"
            continue
        user = row.get("profile", row) if "profile" in row else row
        if isinstance(user, str):
            parsed = _literal(user)
            if not isinstance(parsed, dict):
                yield n, "profile is neither an object nor a Python-literal dict"
                continue
            user = parsed
        if not isinstance(user, dict):
            yield n, f"profile is {type(user).__name__}, not an object"
            continue
        yield n, user


def import_twitter(store: Store, path: Path | str) -> ImportReport:
    """Import v1.1 user objects (or TwiBot-20 records) from ``path`` into ``store``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path))
    report = ImportReport(source=str(path))
    profiles: dict[str, Profile] = {}
    for n, user in read_twitter(path):
        report.rows += 1
        try:
            if isinstance(user, str):
                raise ValueError(user)
            profile = Profile.model_validate(twitter_user_record(user))
        except (ValueError, ValidationError) as exc:
            reason = (
                str(exc).splitlines()[0]
                if not isinstance(exc, ValidationError)
                else f"invalid: {exc.errors()[0]['msg']}"
            )
            report.errors.append((n, reason))
            store.record_import_error(str(path), n, reason)
            continue
        profiles[profile.id] = profile
    counts = store.upsert_profiles(profiles.values(), source=f"import:{path.name}")
    report.new, report.changed, report.unchanged = counts["new"], counts["changed"], counts["unchanged"]
    return report
