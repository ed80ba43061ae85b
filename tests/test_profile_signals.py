"""identity_consistency and github_activity on hand-made profiles, and fairness on the sample."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from profilecheck.model import Status
from profilecheck.signals import Context, get_signal
from profilecheck.store import Store

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def codes(signal: str, profile) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {e.code: e.strength for e in get_signal(signal)(profile, Context(now=NOW)) if e.status is Status.HIT}


def test_commit_offsets_far_from_claimed_zone_flagged(make_profile) -> None:  # type: ignore[no-untyped-def]
    """A profile claiming Austin that commits at +540 is flagged; Seoul at +540 is not."""
    austin = make_profile("a", country="US", timezone="America/Chicago", activity={"commit_tz_offsets": [540] * 6})
    seoul = make_profile("s", country="KR", timezone="Asia/Seoul", activity={"commit_tz_offsets": [540] * 6})
    tokyo = make_profile("t", country="JP", activity={"commit_tz_offsets": [540] * 6})
    assert "COMMIT_TZ_FAR_FROM_CLAIM" in codes("github_activity", austin)
    assert {} == codes("github_activity", seoul)
    assert {} == codes("github_activity", tokyo)


def test_offsets_without_claim_say_nothing(make_profile) -> None:  # type: ignore[no-untyped-def]
    """No claimed time zone or country: an offset alone is never evidence."""
    p = make_profile("x", activity={"commit_tz_offsets": [540] * 9})
    (e,) = list(get_signal("github_activity")(p, Context(now=NOW)))
    assert Status.UNKNOWN is e.status


def test_dst_and_travel_tolerated(make_profile) -> None:  # type: ignore[no-untyped-def]
    """Summer and winter offsets and one commit from a trip do not flag."""
    p = make_profile("b", timezone="Europe/Berlin", activity={"commit_tz_offsets": [60, 120, 120, 60, -300]})
    assert {} == codes("github_activity", p)


def test_fork_only_and_backfilled_portfolios(make_profile) -> None:  # type: ignore[no-untyped-def]
    """All-fork portfolios and repositories made in one recent burst are weak hits."""
    forks = [
        {"name": f"r{i}", "fork": True, "created_at": (NOW - timedelta(days=900 + 100 * i)).isoformat()}
        for i in range(4)
    ]
    burst = [{"name": f"b{i}", "created_at": (NOW - timedelta(days=20 + i)).isoformat()} for i in range(5)]
    old = [{"name": f"o{i}", "created_at": (NOW - timedelta(days=200 * i + 10)).isoformat()} for i in range(5)]
    assert "FORK_ONLY_PORTFOLIO" in codes("github_activity", make_profile("f", activity={"repos": forks}))
    assert "BACKFILLED_PORTFOLIO" in codes("github_activity", make_profile("g", activity={"repos": burst}))
    assert {} == codes("github_activity", make_profile("h", activity={"repos": old}))


def test_confusable_name(make_profile) -> None:  # type: ignore[no-untyped-def]
    """A Cyrillic 'а' inside a Latin name is flagged; a name written wholly in one script is not."""
    assert "NAME_CONFUSABLE_MIXED_SCRIPT" in codes("identity_consistency", make_profile("x", name="Jаne Doe"))
    assert "NAME_CONFUSABLE_MIXED_SCRIPT" not in codes("identity_consistency", make_profile("y", name="Олена Петренко"))
    assert "NAME_CONFUSABLE_MIXED_SCRIPT" not in codes("identity_consistency", make_profile("z", name="José Núñez"))


def test_name_vs_handle_and_email(make_profile) -> None:  # type: ignore[no-untyped-def]
    """A name that neither the handle nor any e-mail carries is a weak hit."""
    odd = make_profile("cooldev99", name="Maria Lopez", contacts={"emails": ["dragon.slayer@gmail.com"]})
    fits = make_profile("cooldev99", name="Maria Lopez", contacts={"emails": ["mlopez@gmail.com"]})
    assert codes("identity_consistency", odd)["NAME_UNRELATED_TO_HANDLE_EMAIL"] < 0.5
    assert "NAME_UNRELATED_TO_HANDLE_EMAIL" not in codes("identity_consistency", fits)


def test_country_vs_timezone(make_profile) -> None:  # type: ignore[no-untyped-def]
    """A time zone outside the claimed country is a weak hit; Kyiv's old and new names both fit UA."""
    assert "COUNTRY_TIMEZONE_MISMATCH" in codes(
        "identity_consistency", make_profile("a", country="US", timezone="Asia/Seoul")
    )
    assert {} == codes("identity_consistency", make_profile("b", country="UA", timezone="Europe/Kyiv"))


def test_sample_fairness_by_claimed_zone(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """On the sample, the time-zone code fires on ring members only, never on a genuine Seoul/Tokyo profile."""
    with Store(scanned_workspace) as store:
        hit = {v.profile_id for v in store.iter_verdicts() if "COMMIT_TZ_FAR_FROM_CLAIM" in {e.code for e in v.reasons}}
        asia = [p for p in store.profile_ids() if store.get_profile(p).country in ("KR", "JP")]
    assert hit and all(truth[p]["label"] == "fake" for p in hit)
    assert asia and not set(asia) & hit
