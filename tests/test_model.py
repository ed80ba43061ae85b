"""The vocabulary: ids, hashes, schema, evidence round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from profilecheck.model import Evidence, Profile, Provenance, Status, profile_id, profile_json_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_id_is_lowercase_platform_handle() -> None:
    """Ids are stable and case-insensitive."""
    assert "upwork:jane_doe" == Profile(platform="Upwork", handle="Jane_Doe").id


def test_blank_handle_refused() -> None:
    """A profile needs a handle."""
    with pytest.raises(ValidationError):
        Profile(platform="x", handle="  ")
    with pytest.raises(ValueError, match="platform and a handle"):
        profile_id("x", "")


def test_content_hash_ignores_provenance(make_profile) -> None:  # type: ignore[no-untyped-def]
    """Re-fetching the same profile is no change."""
    a = make_profile(bio="hello")
    b = a.model_copy(update={"provenance": Provenance(source="crawl", source_url="https://x.example")})
    c = make_profile(bio="hello!")
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != c.content_hash()


def test_unknown_fields_refused() -> None:
    """Objects never fill themselves from unchecked keys."""
    with pytest.raises(ValidationError, match="extra"):
        Profile.model_validate({"platform": "x", "handle": "y", "is_admin": True})


@given(st.text(min_size=1).filter(str.strip), st.text(min_size=1).filter(str.strip), st.text())
def test_evidence_round_trip(code: str, detail: str, ref: str) -> None:
    """Evidence survives its dict form."""
    e = Evidence("sig", code, Status.HIT, 1.25, detail, (ref,))
    assert e == Evidence.from_dict(json.loads(json.dumps(e.to_dict())))


def test_shipped_schema_is_current() -> None:
    """docs/profile.schema.json is what the model generates (run `profilecheck schema docs/profile.schema.json`)."""
    shipped = json.loads((DOCS / "profile.schema.json").read_text())
    assert profile_json_schema() == shipped
