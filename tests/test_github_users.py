"""Real genuine profiles stay clean: the 519 Seattle GitHub users of ../shared/data."""

from __future__ import annotations

from pathlib import Path

from profilecheck.engine import scan
from profilecheck.importers import import_file
from profilecheck.model import Label
from profilecheck.store import Store

from .conftest import SHARED_DATA

USERS = SHARED_DATA / "profiles" / "github-users" / "seattle_users.csv"


def test_real_github_users_rarely_likely_fake(tmp_path: Path) -> None:
    """Imported with --mapping github and scanned, at most 1% get a likely_fake verdict (measured: 0 of 519)."""
    assert USERS.is_file(), f"{USERS} is needed (../shared beside the project)"
    with Store(tmp_path) as store:
        rep = import_file(store, USERS, mapping="github")
        assert rep.imported >= 500
        scan(store)
        labels = [v.label for v in store.iter_verdicts()]
        rings = store.clusters(rings_only=True)
    fake = sum(1 for x in labels if x is Label.LIKELY_FAKE)
    assert fake <= 0.01 * len(labels), (fake, len(labels))
    assert [] == rings
