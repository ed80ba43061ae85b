"""Rings: the graph of shared artifacts recovers the planted rings; wallets and e-mails normalised."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from profilecheck.errors import StorageError
from profilecheck.graph import VIEW_MEMBERS, build_clusters, member_views
from profilecheck.normalize import normalize_email, normalize_wallet
from profilecheck.signals import Context, Match, get_signal
from profilecheck.signals.ring import ring_strength
from profilecheck.store import Store
from profilecheck.wallets import check_wallet


def test_planted_rings_recovered(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """Ring clusters match the planted rings: adjusted Rand index >= 0.95 against truth.csv."""
    with Store(scanned_workspace) as store:
        rings = store.clusters(rings_only=True)
    pred = {m: c["id"] for c in rings for m in c["members"]}
    ids = sorted(truth)
    ari = adjusted_rand_score([truth[i]["ring"] or i for i in ids], [pred.get(i, i) for i in ids])
    assert ari >= 0.95, ari
    assert len({truth[i]["ring"] for i in ids if truth[i]["ring"]}) == len(rings)


def test_score_separates_rings_from_genuine(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """The whole-profile P(fake) ranks ring members above genuine profiles: AUROC >= 0.98."""
    with Store(scanned_workspace) as store:
        p = {v.profile_id: v.p_fake for v in store.iter_verdicts()}
    ids = sorted(truth)
    auroc = roc_auc_score([truth[i]["label"] == "fake" for i in ids], [p[i] for i in ids])
    assert auroc >= 0.98, auroc


def test_agency_and_phone_collisions_are_not_rings(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """Genuine profiles tied by one family only (a company domain, one phone) are in no ring."""
    with Store(scanned_workspace) as store:
        rings = store.clusters(rings_only=True)
        weak = [c for c in store.clusters() if not c["is_ring"]]
        agency = [p for p in store.profile_ids() if "northwind-studio.example" in str(store.get_profile(p).contacts)]
        v = store.get_verdict(weak[0]["members"][0]) if weak else None
    assert len(agency) == 4
    assert not {m for c in rings for m in c["members"]} & set(agency)
    assert all(truth[m]["label"] == "genuine" for c in weak for m in c["members"])
    if v is not None:
        assert "CLUSTER_WEAK" in {e.code for e in v.evidence}


def test_template_alone_does_not_merge_rings() -> None:
    """Two rings that share only a circulating bio template stay two clusters."""
    ms: dict[str, list[Match]] = {}

    def tie(a: str, b: str, kinds: list[tuple[str, str]]) -> None:
        for x, y in ((a, b), (b, a)):
            ms.setdefault(x, []).extend(Match(k, v, y, y) for k, v in kinds)

    tie("m:a1", "m:a2", [("photo_sha256", "fa"), ("wallet", "evm:0xa"), ("text_template", "t")])
    tie("m:b1", "m:b2", [("photo_sha256", "fb"), ("wallet", "evm:0xb"), ("text_template", "t")])
    tie("m:a1", "m:b1", [("text_template", "t")])
    tie("m:a2", "m:b2", [("text_template", "t")])
    assert [("m:a1", "m:a2"), ("m:b1", "m:b2")] == sorted(c.members for c in build_clusters(ms, {}))


def _pair(a: str, b: str, kinds: list[tuple[str, str]], name_a: str = "A", name_b: str = "B") -> dict[str, list[Match]]:
    return {
        a: [Match(k, v, b, name_b) for k, v in kinds],
        b: [Match(k, v, a, name_a) for k, v in kinds],
    }


def test_ring_needs_two_families_not_size() -> None:
    """Fifty profiles on one company domain are no ring; two profiles sharing photo and wallet are."""
    big: dict[str, list[Match]] = {}
    ids = [f"m:p{i:02d}" for i in range(50)]
    for i in ids:
        big[i] = [Match("email_domain", "corp.example", j, j) for j in ids if j != i]
    clusters = build_clusters(big, {i: i for i in ids})
    assert not any(c.is_ring for c in clusters)
    for i in ids[:3]:
        big[i].append(Match("phone", "+1", ids[(ids.index(i) + 1) % 3], "x"))
    assert not any(c.is_ring for c in build_clusters(big, {i: i for i in ids}))
    two = build_clusters(_pair("m:a", "m:b", [("photo_sha256", "f"), ("wallet", "evm:0x1")]), {})
    assert [(2, True)] == [(c.size, c.is_ring) for c in two]


def test_new_match_kinds_are_picked_up() -> None:
    """A match kind the graph has never heard of (e.g. a future matcher) still ties profiles."""
    cl = build_clusters(_pair("m:a", "m:b", [("text_template", "t1"), ("face_embedding", "e1"), ("phone", "+1")]), {})
    assert 1 == len(cl) and cl[0].is_ring
    assert ("face", "phone", "text") == cl[0].families


def test_same_name_cross_platform_links_do_not_cluster() -> None:
    """One person's own accounts on two platforms (same name, same photo) form no cluster."""
    ms = _pair("gig:ann", "dev:ann", [("photo_sha256", "f"), ("email", "a@x.example")], "Ann Lee", "Ann Lee")
    assert [] == build_clusters(ms, {"gig:ann": "Ann Lee", "dev:ann": "Ann Lee"})


def test_ring_strength_grows_with_evidence() -> None:
    """More independent evidence means a stronger reason; a loosely tied member counts less."""
    assert ring_strength(5, 2, 3) < ring_strength(10, 2, 3) < ring_strength(10, 4, 3) <= 4.0
    assert ring_strength(10, 4, 1) < ring_strength(10, 4, 3)


def test_ring_signal_reads_cluster(make_profile) -> None:  # type: ignore[no-untyped-def]
    """The ring signal reports a HIT with the cluster and its members as refs."""
    c = build_clusters(_pair("gigmarket:a", "gigmarket:b", [("photo_sha256", "f"), ("wallet", "evm:0x1")]), {})[0]
    p = make_profile("a")
    (e,) = list(get_signal("ring")(p, Context(cluster=c.to_dict())))
    assert ("RING_MEMBER", "hit") == (e.code, str(e.status))
    assert f"cluster:{c.id}" in e.refs and "gigmarket:b" in e.refs
    (e,) = list(get_signal("ring")(p, Context()))
    assert "NO_CLUSTER" == e.code


@pytest.mark.parametrize(
    ("chain", "address", "canonical"),
    [
        ("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        ("usdt-erc20", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        ("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", None),
        ("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", None),
        ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", None),
        ("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        (
            "btc",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "btc:bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ),
        ("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", None),
        ("trx", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "tron:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
        ("usdt-trc20", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8", None),
        ("xmr", " 4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx ", "xmr:4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx"),
    ],
)
def test_wallets_checked_by_chain(chain: str, address: str, canonical: str | None) -> None:
    """Wallets: EIP-55, Base58Check, Bech32/Bech32m and TRON checksums; one canonical form."""
    assert canonical == normalize_wallet(chain, address)
    chk = check_wallet(chain, address)
    assert chk.valid == (canonical is not None)
    if canonical is None:
        assert chk.reason


def test_emails_validated() -> None:
    """E-mail syntax is checked by email-validator; tags and gmail dots are folded."""
    assert "janedoe@gmail.com" == normalize_email("Jane.Doe+gig@GMAIL.com")
    assert normalize_email("jane..doe@example.com") is None
    assert normalize_email("jane@-example.com") is None
    assert "ann@example.com" == normalize_email("mailto:Ann@Example.com")


def test_bad_wallet_recorded_on_profile(db: Store, make_profile) -> None:  # type: ignore[no-untyped-def]
    """A wallet failing its checksum is recorded as a problem on the profile, not matched."""
    from profilecheck.engine import scan

    p = make_profile(
        "w", contacts={"wallets": [{"chain": "eth", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}]}
    )
    db.upsert_profiles([p], "test")
    scan(db)
    assert any("EIP-55" in x["reason"] and "wallets[0]" in x["reason"] for x in db.profile_errors(p.id))


def test_decisions_append_only(scanned_copy: Path) -> None:
    """Decisions need a reason and a reviewer and can never be edited or deleted."""
    with Store(scanned_copy) as store:
        pid = store.profile_ids()[0]
        with pytest.raises(StorageError, match="reason"):
            store.record_decision(pid, "fake", "  ", "ann")
        with pytest.raises(StorageError, match="decision must be"):
            store.record_decision(pid, "maybe", "x", "ann")
        d1 = store.record_decision(pid, "fake", "same photo as a ring", "ann")
        d2 = store.record_decision(pid, "genuine", "video call confirmed", "bob")
        assert [d1["id"], d2["id"]] == [d["id"] for d in store.decisions(pid)]
        assert ["genuine"] == [d["decision"] for d in store.decisions(latest_only=True)]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("UPDATE decisions SET decision='fake'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("DELETE FROM decisions")


def test_member_view_scores_like_the_whole_cluster(make_profile) -> None:  # type: ignore[no-untyped-def]
    """A member's bounded view of a 300-profile ring gives the ring signal the same evidence as the
    whole cluster, for members at the head, in the middle and at the tail of the member list."""
    ids = [f"gigmarket:p{i:03d}" for i in range(300)]
    ms: dict[str, list[Match]] = {i: [] for i in ids}
    for k, (a, b) in enumerate(pairwise(ids)):
        kinds = [("photo_sha256", f"f{k % 7}"), ("wallet", "evm:0x1")] + ([("phone", "+1")] if k % 3 == 0 else [])
        for x, y in ((a, b), (b, a)):
            ms[x].extend(Match(kk, v, y, y) for kk, v in kinds)
    (c,) = build_clusters(ms, {})
    whole = c.to_dict()
    views = member_views(whole)
    assert set(ids) == set(views) and c.is_ring
    for pid in (ids[0], ids[VIEW_MEMBERS - 1], ids[150], ids[-1]):
        assert len(views[pid]["members"]) == VIEW_MEMBERS
        p = make_profile(pid.split(":", 1)[1])
        full = list(get_signal("ring")(p, Context(cluster=whole)))
        view = list(get_signal("ring")(p, Context(cluster=views[pid])))
        assert [e.to_dict() for e in full] == [e.to_dict() for e in view]
        assert full[0].code == "RING_MEMBER"
    assert len(str(views[ids[150]])) < len(str(whole)) / 20


def test_clusters_from_two_passes_equal_clusters_over_all_matches(scanned_copy: Path) -> None:
    """The scan loads only clustered profiles' matches (two streaming passes); the clusters are
    the same as :func:`build_clusters` over every match of the scan, while fewer profiles are held."""
    from profilecheck.engine import _clusters
    from profilecheck.engine.matching import compute_matches

    with Store(scanned_copy) as store:
        compute_matches(store)
        every: dict[str, list[Match]] = {}
        for pid, kind, value, other, other_name, distance, detail in store.iter_scan_matches():
            every.setdefault(pid, []).append(Match(kind, value, other, other_name, distance, detail))
        expected = [c.to_dict() for c in build_clusters(every, store.names_of(sorted(every)))]
        views = _clusters(store)
        stored = store.clusters()
    key = lambda c: c["id"]  # noqa: E731
    assert sorted(expected, key=key) == sorted(stored, key=key) and any(c["is_ring"] for c in stored)
    assert set(views) == {m for c in expected for m in c["members"]}
    assert len(views) < len(every)  # profiles that share something but cluster with nobody stay out
