"""Twitter/X v1.1 user objects (TwiBot-20 sample) mapped to profiles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from profilecheck.importers.twitter import import_twitter
from profilecheck.store import Store
from tests.conftest import SHARED_DATA

TWIBOT = SHARED_DATA / "profiles" / "twibot20-sample" / "TwiBot-20_sample.json"
pytestmark = pytest.mark.skipif(not TWIBOT.exists(), reason="shared data not present")


def test_twibot_sample_imports(db: Store) -> None:
    """All 100 users import; the Python-repr values and trailing spaces are handled."""
    rep = import_twitter(db, TWIBOT)
    assert (100, 100, []) == (rep.rows, rep.new, rep.errors)
    p = db.get_profile("twitter:shaq")
    assert ("SHAQ", "Orlando, FL", ["http://www.ShaqFuRadio.com"]) == (p.handle, p.location, p.links)
    assert p.created_at is not None and (2008, 11, 18) == (p.created_at.year, p.created_at.month, p.created_at.day)
    assert (15349596, 692) == (p.activity.followers, p.activity.following)
    assert p.photos[0].url is not None and p.photos[0].url.endswith("_400x400.jpg")
    with_bio = sum(1 for pid in db.profile_ids() if db.get_profile(pid).bio)
    assert 91 == with_bio  # the manifest's count of non-empty descriptions
    assert 0 == import_twitter(db, TWIBOT).new  # re-import changes nothing


def test_bad_rows_reported_rest_imported(tmp_path: Path) -> None:
    """A row without screen_name and a row that is not an object are reported; the good row imports (CLI)."""
    f = tmp_path / "users.jsonl"
    good = {"screen_name": "ada ", "name": "Ada ", "created_at": "Mon Jan 02 03:04:05 +0000 2012 "}
    f.write_text(json.dumps(good) + "\n" + json.dumps({"name": "no handle"}) + "\n[1, 2]\n{broken\n")
    r = subprocess.run(
        [sys.executable, "-m", "profilecheck", "import", "twitter", str(f), "-w", str(tmp_path / "ws")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 0 == r.returncode, r.stderr
    assert "4 users, 1 new" in r.stdout and "3 problem(s)" in r.stdout
    assert "users.jsonl:2: user object has no screen_name" in r.stderr
    with Store(tmp_path / "ws") as store:
        assert ["twitter:ada"] == store.profile_ids()
