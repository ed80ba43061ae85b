"""Template matching: datasketch-equal MinHash, the LSH index, and ring bios found across accounts."""

from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from profilecheck.engine import scan
from profilecheck.engine.matching import TEMPLATE_JACCARD, TEXT_INDEX_PATH, find_matches
from profilecheck.index.minhash import (
    LSHIndex,
    MinHasher,
    ShingleSets,
    exact_jaccard,
    jaccard_estimate,
    jaccard_estimates,
    shingles,
    unique_rows,
)
from profilecheck.sample import SAMPLE_NOW
from profilecheck.signals import Match
from profilecheck.store import Store


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    return [" ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 60))) for _ in range(n)] + ["one", ""]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_minhash_equals_datasketch(scheme: str) -> None:
    """Batched signatures equal datasketch's per-token update loop, bit for bit."""
    texts = [*_texts(60), " ".join(f"w{i}" for i in range(300))]  # the last one spans several chunks
    docs = [shingles(t) for t in texts] + [[b"again", b"x", b"again"], iter([b"a generator"])]
    sigs = MinHasher(scheme=scheme).signatures(docs, chunk_rows=97)
    docs[-1] = [b"a generator"]
    for doc, sig in zip(docs, sigs, strict=True):
        m = MinHash(num_perm=128, scheme=scheme)
        for sh in doc:
            m.update(sh)
        assert m.hashvalues.astype(np.uint32).tolist() == sig.tolist()


def test_minhash_golden() -> None:
    """Pinned values: a silent change of hash family fails here."""
    sig = MinHasher(num_perm=4).texts(["hello i am a senior developer"])[0]
    m = MinHash(num_perm=4)
    for sh in shingles("hello i am a senior developer"):
        m.update(sh)
    assert m.hashvalues.tolist() == sig.tolist()
    assert [1206973400, 2945821091, 416373582, 863141808] == sig.tolist()
    assert sig.tolist() == MinHasher(num_perm=4).texts(["Hello, I am a Senior Developer!"])[0].tolist()


def test_lsh_index_finds_near_duplicates_and_persists(tmp_path: Path) -> None:
    """Edited copies are found, unrelated texts are not; save/load, remove and compact keep results."""
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(3000)]
    base = [[rng.choice(vocab) for _ in range(60)] for _ in range(200)]
    edited = []
    for ws in base[:50]:
        ws = list(ws)
        for _ in range(3):
            ws[rng.randrange(len(ws))] = rng.choice(vocab)
        edited.append(ws)
    docs = [" ".join(w) for w in base + edited]
    sigs = MinHasher().texts(docs)
    idx = LSHIndex()
    idx.add(np.arange(150), sigs[:150])
    idx.add(np.arange(150, 250), sigs[150:])
    found = {(a, b) for a, b, _ in idx.pairs(0.4)}
    assert {(i, 200 + i) for i in range(50)} == found
    idx.save(tmp_path / "i.npz")
    again = LSHIndex.load(tmp_path / "i.npz")
    assert found == {(a, b) for a, b, _ in again.pairs(0.4)}
    assert [(200 + 7, pytest.approx(1.0, abs=0.5))] == [(i, e) for i, e in again.query(sigs[7], 0.4) if i != 7]
    again.remove([207])
    again.compact()
    assert (7, 207) not in {(a, b) for a, b, _ in again.pairs(0.4)}
    assert len(again) == 249 and again.dead == 0
    with pytest.raises(ValueError, match="already"):
        again.add([3], sigs[:1])


def test_jaccard_estimate_tracks_exact() -> None:
    """The 16-bit signature estimate stays within 0.15 of the exact Jaccard."""
    texts = _texts(40)
    sh = [shingles(t) for t in texts]
    sigs = MinHasher().signatures(sh)
    for i, j in itertools.combinations(range(0, 40, 3), 2):
        est = jaccard_estimate(sigs[i] & 0xFFFF, sigs[j] & 0xFFFF, bits=16)
        assert abs(float(est) - exact_jaccard(sh[i], sh[j])) < 0.15


def test_shingle_sets_batched_jaccard_equals_pairwise_exact() -> None:
    """ShingleSets gives, for every pair at once, the same float exact_jaccard gives pair by pair."""
    texts = _texts(300) + _texts(40, seed=9)[:20]  # near repeats across the two draws, two empty-ish texts
    texts += [texts[5], texts[7] + " extra words here", "one"]
    sh = [shingles(t) for t in texts]
    ids = [1000 + 3 * i for i in range(len(texts))]  # ids neither dense nor from 0
    sets = ShingleSets(list(zip(ids[::-1], sh[::-1], strict=True)), batch=7)  # any order; small hash batches
    assert len(sets) == len(texts) and ids[4] in sets and 1001 not in sets
    pairs = [(i, j) for i in range(len(texts)) for j in range(len(texts)) if (i * 7 + j) % 5 == 0]
    n = len(texts)
    pairs += [(n - 2, n - 1), (n - 1, n - 1), (5, n - 3), (7, n - 2)]
    got = sets.jaccard([ids[i] for i, _ in pairs], [ids[j] for _, j in pairs], chunk=97).tolist()
    want = [exact_jaccard(sh[i], sh[j]) for i, j in pairs]
    assert want == got  # the same floats, not approximately
    assert any(0 < w < 1 for w in want) and 1.0 in want and 0.0 in want
    with pytest.raises(KeyError):
        sets.jaccard([ids[0]], [1001])


def test_chunked_estimates_and_sort_dedupe_equal_the_one_shot_versions() -> None:
    rng = np.random.default_rng(4)
    sigs = rng.integers(0, 4, size=(500, 126)).astype(np.uint16)
    pairs = rng.integers(0, 500, size=(5000, 2))
    one = np.atleast_1d(jaccard_estimate(sigs[pairs[:, 0]], sigs[pairs[:, 1]], 16))
    assert one.tolist() == jaccard_estimates(sigs, pairs, 16, chunk=333).tolist()
    rows = np.concatenate([pairs, pairs[:100]])
    assert np.unique(rows, axis=0).tolist() == unique_rows(rows).tolist()


def test_ring_members_share_templates_genuine_do_not(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """From truth.csv: every ring member has a bio template match within its ring; no genuine pair does."""
    with Store(scanned_workspace) as store:
        matches = find_matches(store)
        verdicts = {v.profile_id: v for v in store.iter_verdicts()}
    for pid, row in truth.items():
        tpl = [m for m in matches.get(pid, []) if m.kind == "text_template"]
        if row["label"] == "fake":
            same_ring = [m for m in tpl if truth[m.other_id]["ring"] == row["ring"] and m.detail.startswith("bio~bio")]
            assert same_ring, pid
            assert all(1 - m.distance >= TEMPLATE_JACCARD for m in tpl)
            codes = {e.code for e in verdicts[pid].evidence}
            assert {"BIO_TEMPLATE_SHARED", "PORTFOLIO_TEMPLATE_SHARED"} <= codes
        else:
            # Genuine: only one person's own copy on another platform (same handle) may match.
            assert all(m.other_id.split(":", 1)[1] == pid.split(":", 1)[1] for m in tpl), (pid, tpl)


def test_template_evidence_shows_the_shared_passage(scanned_workspace: Path, truth: dict[str, dict[str, str]]) -> None:
    """The reason carries the cluster id and a quoted passage both bios contain."""
    fake = next(p for p, r in sorted(truth.items()) if r["label"] == "fake")
    with Store(scanned_workspace) as store:
        ev = next(e for e in store.get_verdict(fake).evidence if e.code == "BIO_TEMPLATE_SHARED")
        passage = ev.detail.split("\u201c", 1)[1].rstrip("\u201d").rstrip(" …")
        other = next(r for r in ev.refs if not r.startswith("text_template:"))
        assert passage.split()[-3] in (store.get_profile(other).bio or "")
    assert any(r.startswith("text_template:tpl-") for r in ev.refs)
    assert ev.strength >= 2.5


def test_index_grows_incrementally(scanned_copy: Path, make_profile) -> None:  # type: ignore[no-untyped-def]
    """A new templated profile is added to the saved index and matched; a changed bio leaves it."""
    with Store(scanned_copy) as store:
        path = store.workspace / TEXT_INDEX_PATH
        before = LSHIndex.load(path)
        ring_pid = next(pid for pid, ms in find_matches(store).items() if any(m.kind == "text_template" for m in ms))
        bio = store.get_profile(ring_pid).bio
        store.upsert_profiles([make_profile("copycat", bio=bio, name="Copy Cat")], source="test")
        scan(store, now=SAMPLE_NOW)
        after = LSHIndex.load(path)
        assert len(after) == len(before) + 1
        assert any(m.other_id == ring_pid for m in find_matches(store)["gigmarket:copycat"])
        store.upsert_profiles([make_profile("copycat", bio="Completely different words " * 5, name="Copy Cat")], "t")
        scan(store, now=SAMPLE_NOW)
        assert "gigmarket:copycat" not in find_matches(store)
        assert LSHIndex.load(path).dead + len(LSHIndex.load(path)) >= len(before) + 1


def test_broken_index_file_is_rebuilt(scanned_copy: Path) -> None:
    """A corrupt index file is rebuilt from the store, with the same matches."""
    with Store(scanned_copy) as store:
        want = find_matches(store)
        (store.workspace / TEXT_INDEX_PATH).write_bytes(b"not an npz")
        assert want == find_matches(store)
    shutil.rmtree(scanned_copy / "index")
    with Store(scanned_copy) as store:
        assert want == find_matches(store)


def test_lsh_candidates_expand_buckets_vectorised_and_set_big_ones_aside() -> None:
    """The vectorised bucket expansion equals every pair of every bucket; big buckets are set aside."""
    rng = np.random.default_rng(4)
    sigs = rng.integers(0, 4, (400, 128)).astype(np.uint32)  # few values: crowded buckets
    idx = LSHIndex()
    idx.add(np.arange(400) * 2 + 1, sigs)
    idx.remove([5, 9])
    keys, rows = idx._runs[0]
    want: set[tuple[int, int]] = set()
    for b in range(idx.bands):
        groups: dict[int, list[int]] = {}
        for k, r in zip(keys[b].tolist(), rows[b].tolist(), strict=True):
            if idx.alive[r]:
                groups.setdefault(k, []).append(r)
        for g in groups.values():
            want.update(itertools.combinations(sorted(g), 2))
    assert {tuple(p) for p in idx.candidate_pairs().tolist()} == want
    small, big = idx.candidates(max_bucket=8)
    assert big and all(len(g) > 8 for g in big) and {tuple(p) for p in small.tolist()} < want
    # Filtered band by band on the signature estimate: the same pairs as filtering afterwards.
    est = jaccard_estimates(idx.sigs, small, idx.sig_bits)
    for cut in np.quantile(est, [0.5, 0.9]).tolist():
        kept, big2 = idx.candidates(max_bucket=8, min_estimate=cut)
        assert 0 < len(kept) < len(small)
        assert kept.tolist() == small[est >= cut].tolist()
        assert [g.tolist() for g in big2] == [g.tolist() for g in big]


def test_template_join_is_bounded_on_big_buckets(scanned_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny bucket cap the join takes the leader/neighbour path: same clusters, fewer pairs, all verified."""
    from profilecheck.engine import matching

    def templates(ms: dict[str, list[Match]]) -> dict[tuple[str, str], float]:
        return {(p, m.other_id): 1 - m.distance for p, xs in ms.items() for m in xs if m.kind == "text_template"}

    def clusters(ms: dict[str, list[Match]]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for p, xs in ms.items():
            for m in xs:
                if m.kind == "text_template":
                    out.setdefault(m.value, set()).update((p, m.other_id))
        return out

    with Store(scanned_copy) as store:
        full = find_matches(store)
        monkeypatch.setattr(matching, "TEMPLATE_BUCKET_CAP", 3)
        monkeypatch.setattr(matching, "TEMPLATE_NEIGHBOURS", 1)
        capped = find_matches(store)
    f, c = templates(full), templates(capped)
    assert set(c) < set(f) and all(j >= TEMPLATE_JACCARD for j in c.values())
    assert clusters(capped) == clusters(full)  # the same template clusters, named the same
    assert {p for p, _ in c} == {p for p, _ in f}  # every profile keeps a partner
    per_text: dict[tuple[str, str], int] = {}
    for p, xs in capped.items():
        for m in xs:
            if m.kind == "text_template":
                key = (p, m.detail.split("~", 1)[0])
                per_text[key] = per_text.get(key, 0) + 1
    assert max(per_text.values()) < max(
        sum(1 for m in xs if m.kind == "text_template" and m.detail.startswith("bio~")) for xs in full.values()
    )


def test_index_synced_in_chunks_equals_one_go(scanned_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New texts enter the index a chunk at a time; 7 at a time gives the same index as all at once."""
    import profilecheck.engine.matching as matching

    with Store(scanned_copy) as store:
        path = store.workspace / TEXT_INDEX_PATH
        path.unlink()
        whole = matching.sync_text_index(store)
        path.unlink()
        monkeypatch.setattr(matching, "TEXT_INDEX_CHUNK", 7)
        chunked = matching.sync_text_index(store)
    assert len(whole) == len(chunked) > 7
    assert np.array_equal(whole.ids, chunked.ids) and np.array_equal(whole.sigs, chunked.sigs)
    assert whole.query(whole.sigs[0]) == chunked.query(chunked.sigs[0])
