"""One profile, one answer: check a single profile against everything already stored.

:func:`check_profile` adds the profile to the store (photos into the media store), runs the
incremental scan (so only this profile is analysed, and it is matched against every stored
profile, photo hashes, templates and contacts included) and returns its verdict with the cluster
it falls in. :func:`load_profile_file` reads one profile from a JSON file (one object, pretty or
on one line) whose photo paths are relative to the file.

Gathering a profile from a URL is the gathering side's job (``profilecheck.fetch``); until that
lands, :func:`check_target` says so for a URL and checks files only.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from profilecheck.engine import scan
from profilecheck.errors import InputError
from profilecheck.model import Profile, Verdict
from profilecheck.store import Store

__all__ = ["CheckResult", "check_profile", "check_target", "load_profile_file"]


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


def check_profile(store: Store, profile: Profile, *, now: datetime | None = None) -> CheckResult:
    """Store ``profile``, bring the scan up to date, and return its verdict and cluster."""
    store.upsert_profiles([profile], source="check")
    scan(store, now=now)
    v = store.get_verdict(profile.id)
    if v is None:  # pragma: no cover - the scan scores every stored profile
        raise InputError(f"{profile.id}: the scan left no verdict")
    return CheckResult(v, profile, store.cluster_of(profile.id), store.profile_errors(profile.id))


def check_target(store: Store, target: str, *, now: datetime | None = None) -> CheckResult:
    """Check a JSON profile file, or a URL once the gathering side is installed.

    Raises:
        InputError: a URL while no gatherer is available, or a bad file.
    """
    if target.startswith(("http://", "https://")):
        if importlib.util.find_spec("profilecheck.fetch") is None:
            raise InputError(
                f"{target}: checking by URL needs the gatherer (profilecheck.fetch), which is not installed "
                "in this version; save the profile as JSON and run profilecheck check FILE"
            )
        fetch = importlib.import_module("profilecheck.fetch")
        gather = getattr(fetch, "gather_profile", None)
        if gather is None:
            raise InputError(f"{target}: this gatherer has no gather_profile(url); check a JSON file instead")
        profile = gather(target, store=store)
        return check_profile(store, profile, now=now)
    return check_profile(store, load_profile_file(target, store), now=now)
