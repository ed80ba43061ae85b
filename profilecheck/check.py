"""One profile, one answer: check a single profile against everything already stored.

:func:`check_profile` adds the profile to the store (photos into the media store), runs the
incremental scan (so only this profile is analysed, and it is matched against every stored
profile, photo hashes, templates and contacts included) and returns its verdict with the cluster
it falls in. :func:`load_profile_file` reads one profile from a JSON file (one object, pretty or
on one line) whose photo paths are relative to the file.

:func:`check_target` also takes a URL: the page is gathered now through the SSRF-guarded fetcher
by the profile spider's own code (:mod:`spiders.oneshot`), with its headshot and its linked
GitHub account, and then checked the same way.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from profilecheck.engine import scan
from profilecheck.errors import InputError
from profilecheck.model import Profile, Verdict
from profilecheck.store import Store

if TYPE_CHECKING:
    from spiders.oneshot import GatherOptions

__all__ = ["CheckResult", "RdapOptions", "check_profile", "check_target", "load_profile_file"]


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    profile: Profile
    cluster: dict[str, Any] | None
    problems: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "name": self.profile.name,
            "cluster": self.cluster,
            "problems": self.problems,
        }


def load_profile_file(path: Path | str, store: Store) -> Profile:
    """Read one profile from a JSON file and put its local photos into the media store.

    Raises:
        InputError: missing file, not JSON, not one profile object, or not a valid profile.
    """
    from profilecheck.importers import _store_photos, _validation_reason

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", path=str(p))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a JSON profile ({exc})", path=str(p)) from exc
    if not isinstance(data, dict):
        raise InputError(f"{p}: expected one JSON object (a profile), got {type(data).__name__}", path=str(p))
    data.setdefault("provenance", {}).setdefault("source", "check:file")
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{p}: {_validation_reason(exc)}", path=str(p)) from exc
    profile, problems = _store_photos(profile, p.parent, store)
    for reason in problems:
        store.record_import_error(str(p), None, reason)
    return profile


_SCAN_LOCKS: dict[Path, threading.Lock] = {}
_SCAN_LOCKS_GUARD = threading.Lock()


def _scan_lock(workspace: Path) -> threading.Lock:
    with _SCAN_LOCKS_GUARD:
        return _SCAN_LOCKS.setdefault(workspace.resolve(), threading.Lock())


def check_profile(store: Store, profile: Profile, *, now: datetime | None = None) -> CheckResult:
    """Store ``profile``, bring the scan up to date, and return its verdict and cluster.

    Checks of one workspace run one at a time in a process (the API serves them from a thread
    pool): two scans at once would do the same work twice and both add to the on-disk photo index.
    """
    with _scan_lock(store.workspace):
        store.upsert_profiles([profile], source="check")
        scan(store, now=now)
    v = store.get_verdict(profile.id)
    if v is None:  # pragma: no cover - the scan scores every stored profile
        raise InputError(f"{profile.id}: the scan left no verdict")
    return CheckResult(v, profile, store.cluster_of(profile.id), store.profile_errors(profile.id))


def check_target(
    store: Store,
    target: str,
    *,
    now: datetime | None = None,
    gather: GatherOptions | None = None,
    rdap: RdapOptions | None = None,
) -> CheckResult:
    """Check a JSON profile file, or the profile page at a URL (gathered now through the guarded fetcher).

    A URL is gathered by :func:`spiders.oneshot.gather_profile` (the profile spider's extraction,
    the headshot, the linked GitHub account); with ``rdap`` the registration dates of the
    profile's own domains are looked up first (opt-in: the RDAP server learns them).

    Raises:
        InputError: a bad file.
        BlockedError: a URL refused by the SSRF guard or robots.txt.
        FetchError: the page could not be checked (the reason is in the message).
    """
    if target.startswith(("http://", "https://")) or "://" in target[:12]:
        from profilecheck.fetch import check_url
        from spiders.oneshot import GatherOptions, gather_profile

        opts = gather or GatherOptions()
        check_url(target, allow_loopback=opts.allow_loopback)  # one clear line for an SSRF target, before anything
        got = gather_profile(target, opts, media_put=store.media.put)
        profile = got.profile
        store.upsert_profiles([profile], source="check:url")
        store.clear_profile_error(profile.id, "gather", target)
        for item, reason in got.problems:
            store.record_profile_error(profile.id, "gather", item, reason)
        store.record_crawl_result(target, "ok", "person_found", spider="check", profile_id=profile.id)
    else:
        profile = load_profile_file(target, store)
    if rdap is not None:
        _lookup_rdap(store, profile, rdap, allow_loopback=bool(gather and gather.allow_loopback))
    return check_profile(store, profile, now=now)


@dataclass(frozen=True)
class RdapOptions:
    """Where to ask for registration dates: a base URL and/or an IANA bootstrap table (see :mod:`profilecheck.rdap`)."""

    base_url: str | None = None
    bootstrap: dict[str, list[str]] | None = None
    ttl_days: float = 30.0


def _lookup_rdap(store: Store, profile: Profile, opts: RdapOptions, *, allow_loopback: bool) -> None:
    from profilecheck.analysis import reference_domains
    from profilecheck.fetch import SafeFetcher
    from profilecheck.rdap import MAX_RDAP_BYTES, lookup_domains

    emails, links = reference_domains(profile)
    fetcher = SafeFetcher(allow_loopback=allow_loopback, max_bytes=MAX_RDAP_BYTES, timeout=15.0)
    lookup_domains(
        store, [*emails, *links], fetcher, base_url=opts.base_url, bootstrap=opts.bootstrap, ttl_days=opts.ttl_days
    )
