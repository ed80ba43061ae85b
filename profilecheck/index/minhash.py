"""MinHash sketches and a banded LSH index for near-duplicate texts.

:class:`MinHasher` computes datasketch-compatible MinHash signatures (the same SHA-1 32-bit
token hash, the same ``RandomState(seed)`` permutations, the same arithmetic), but for a whole
batch of documents at once with numpy instead of one ``update`` call per token: a test pins
equality with :class:`datasketch.MinHash`. :class:`LSHIndex` keeps the sketch apart from the
index (as datasketch does): banded band-keys in sorted numpy runs that grow by appending and
merge like an LSM tree, with tombstones for removed documents, and saves to a plain ``.npz``
(no pickle). It stores 16 bits of each signature value for verification (b-bit MinHash), so a
document costs ``bands * 8 + num_perm * 2`` bytes (592 bytes with the defaults).

>>> mh = MinHasher(num_perm=16)
>>> a, b = mh.signatures([shingles("the quick brown fox jumps over the lazy dog"),
...                       shingles("the quick brown fox jumped over the lazy dog")])
>>> round(float(jaccard_estimate(a, b)), 2) < 1.0
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_NUM_PERM",
    "DEFAULT_ROWS",
    "LSHIndex",
    "MinHasher",
    "ShingleSets",
    "exact_jaccard",
    "jaccard_estimate",
    "jaccard_estimates",
    "leader_pairs",
    "shared_passage",
    "shingles",
    "unique_rows",
    "words",
]

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
DEFAULT_NUM_PERM = 128
#: 42 bands of 3 rows: a pair at Jaccard 0.5 becomes a candidate with probability 0.996,
#: at 0.3 with 0.68, at 0.1 with 0.04 (candidates are then verified on the signatures).
DEFAULT_BANDS = 42
DEFAULT_ROWS = 3

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """Case- and accent-folded words of a text.

    >>> words("Hello, I'm José — a Senior Dev!")
    ['hello', "i'm", 'jose', 'a', 'senior', 'dev']
    """
    folded = text.casefold()
    if not folded.isascii():  # ASCII text has no accents to strip: skip the per-character pass
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in folded if not unicodedata.combining(c)).replace("’", "'")
    return _WORD.findall(folded)


def shingles(text: str, k: int = 3) -> list[bytes]:
    """Distinct word ``k``-grams of a text as UTF-8 bytes (the whole text when shorter).

    >>> shingles("One two three four")
    [b'one two three', b'two three four']
    """
    ws = words(text)
    if not ws:
        return []
    if len(ws) <= k:
        return [" ".join(ws).encode()]
    # C-level loops (zip, map): no Python frame per shingle. The shifted copies are of unequal
    # length on purpose: zip stops at the shortest, the last full k-gram.
    grams = map(" ".join, zip(*(ws[i:] for i in range(k)), strict=False))
    return list(dict.fromkeys(map(str.encode, grams)))


_sha1 = hashlib.sha1


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 32-bit finalizer, as datasketch applies before its affine32 permutations.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    out: np.ndarray = h ^ (h >> np.uint32(16))
    return out


class MinHasher:
    """Batched MinHash with datasketch's hash family.

    Args:
        num_perm: permutations (signature length).
        seed: the permutation seed (datasketch's default is 1).
        scheme: datasketch's permutation scheme: ``affine32`` (its default since 2.0) or
            ``legacy`` (the Mersenne-prime scheme of datasketch before 2.0).
    """

    def __init__(self, num_perm: int = DEFAULT_NUM_PERM, seed: int = 1, scheme: str = "affine32") -> None:
        if num_perm < 1:
            raise ValueError(f"num_perm must be positive, got {num_perm}")
        if scheme not in ("affine32", "legacy"):
            raise ValueError(f"scheme must be 'affine32' or 'legacy', got {scheme!r}")
        self.num_perm, self.seed, self.scheme = num_perm, seed, scheme
        gen = np.random.RandomState(seed)
        if scheme == "legacy":  # datasketch < 2.0: (a*h + b) mod (2**61 - 1), cut to 32 bits
            perms = np.array(
                [
                    (gen.randint(1, _MERSENNE, dtype=np.uint64), gen.randint(0, _MERSENNE, dtype=np.uint64))
                    for _ in range(num_perm)
                ],
                dtype=np.uint64,
            ).T
            self._a, self._b = np.ascontiguousarray(perms[0]), np.ascontiguousarray(perms[1])
        else:  # datasketch >= 2.0 default: fmix32 pre-mix, then a*h + b mod 2**32 with odd a
            self._a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
            self._b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)

    def signatures(self, docs: Sequence[Iterable[bytes]], chunk_rows: int = 4096) -> np.ndarray:
        """One signature per document: a ``(len(docs), num_perm)`` uint32 array.

        An empty document gets the all-``2**32-1`` signature, as an empty datasketch MinHash.
        The only per-token Python work is the SHA-1 call itself (datasketch's hash, kept for
        bit-equality); the permutations run as one ``(num_perm, tokens)`` matrix product per
        chunk of documents, reduced per document along the contiguous axis.
        """
        docs_l: list[list[bytes] | tuple[bytes, ...]] = [d if isinstance(d, list | tuple) else list(d) for d in docs]
        n = len(docs_l)
        wide = self.scheme == "legacy"
        out = np.full((self.num_perm, n), _MAX_HASH, dtype=np.uint64 if wide else np.uint32)
        lens = np.fromiter(map(len, docs_l), dtype=np.int64, count=n)
        total = int(lens.sum())
        if total == 0:
            return np.ascontiguousarray(out.T.astype(np.uint32))
        # datasketch's sha1_hash32: the first 4 bytes of SHA-1, little-endian. Hashing a token
        # twice costs less than the dictionary that would avoid it (3-grams rarely repeat).
        digests = b"".join([_sha1(sh).digest() for sh in chain.from_iterable(docs_l)])
        hv = np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0]
        hv = hv.astype(np.uint64) if wide else _fmix32(hv.astype(np.uint32))
        a, b = self._a[:, None], self._b[:, None]
        ends = np.cumsum(lens)
        starts = ends - lens
        nonempty = np.flatnonzero(lens > 0)
        # Chunks of whole documents (about ``chunk_rows`` tokens each), so each chunk's minimum
        # per document is final; the block stays in cache.
        i = 0
        while i < len(nonempty):
            lo = starts[nonempty[i]]
            j = i + max(1, int(np.searchsorted(ends[nonempty[i:]], lo + chunk_rows, side="right")))
            ix = nonempty[i:j]
            hi = ends[ix[-1]]
            block = a * hv[None, lo:hi]  # wraps mod 2**64 / 2**32, as datasketch's arithmetic does
            block += b
            if wide:
                block %= _MERSENNE
                block &= _MAX_HASH
            out[:, ix] = np.minimum.reduceat(block, starts[ix] - lo, axis=1)
            i = j
        return np.ascontiguousarray(out.T.astype(np.uint32))

    def texts(self, texts: Sequence[str], k: int = 3) -> np.ndarray:
        """Signatures of raw texts (word ``k``-gram shingles)."""
        return self.signatures([shingles(t, k) for t in texts])


def jaccard_estimate(a: np.ndarray, b: np.ndarray, bits: int = 32) -> np.ndarray | float:
    """Jaccard estimated from two signatures (or rows of two arrays), b-bit corrected."""
    agree: np.ndarray = np.mean(np.asarray(a) == np.asarray(b), axis=-1)
    if bits >= 32:
        return agree
    c = 2.0**-bits
    out: np.ndarray = np.clip((agree - c) / (1 - c), 0.0, 1.0)
    return out


def jaccard_estimates(sigs: np.ndarray, pairs: np.ndarray, bits: int = 32, chunk: int = 1 << 16) -> np.ndarray:
    """:func:`jaccard_estimate` of rows ``pairs[:, 0]`` and ``pairs[:, 1]`` of ``sigs``, ``chunk`` pairs at a time.

    The same values as one call on the gathered rows, without holding two copies of the
    signatures of every pair at once (at 10^7 pairs of 126 16-bit values: 5 GB).

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [9, 9, 9, 9]], dtype=np.uint16)
    >>> jaccard_estimates(sigs, np.array([[0, 1], [0, 2], [1, 1]]), chunk=2).tolist()
    [0.75, 0.0, 1.0]
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.empty(len(pairs), dtype=np.float64)
    for s in range(0, len(pairs), chunk):
        p = pairs[s : s + chunk]
        out[s : s + len(p)] = np.atleast_1d(jaccard_estimate(sigs[p[:, 0]], sigs[p[:, 1]], bits))
    return out


def exact_jaccard(a: Iterable[bytes], b: Iterable[bytes]) -> float:
    """Jaccard of two shingle sets.

    >>> exact_jaccard([b"a", b"b"], [b"b", b"c"])
    0.3333333333333333
    """
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _key64(shingle: bytes) -> bytes:
    return hashlib.blake2b(shingle, digest_size=8).digest()


class ShingleSets:
    """The shingle sets of many documents, for the exact Jaccard of many pairs at once.

    Each shingle is kept as a 64-bit key (BLAKE2b, 8-byte digest: two distinct shingles of the
    same documents collide with probability ~``n**2 / 2**65``), the keys numbered densely, and
    the sets held as the rows of a sparse 0/1 matrix (``int32``, CSR): a document costs 12
    bytes a shingle. :meth:`jaccard` computes ``|A & B| / |A | B|`` for arrays of pairs with
    sparse row products, a chunk of pairs at a time, instead of a Python set operation per pair.

    Args:
        docs: ``(doc_id, shingles)`` pairs (ids distinct); the shingles are hashed as they
            come, so only the keys are held.

    >>> sets = ShingleSets([(1, [b"a", b"b"]), (2, [b"b", b"c"]), (3, [])])
    >>> sets.jaccard([1, 1, 3], [2, 1, 3]).tolist()
    [0.3333333333333333, 1.0, 1.0]
    """

    def __init__(self, docs: Iterable[tuple[int, Iterable[bytes]]], batch: int = 4096) -> None:
        from scipy.sparse import csr_matrix

        ids: list[int] = []
        lens: list[int] = []
        parts: list[np.ndarray] = []
        pending: list[bytes] = []
        for doc_id, shingle_list in docs:
            before = len(pending)
            pending.extend(map(_key64, shingle_list))
            ids.append(int(doc_id))
            lens.append(len(pending) - before)
            if len(pending) >= batch * 64:
                parts.append(np.frombuffer(b"".join(pending), dtype="<u8"))
                pending = []
        if pending:
            parts.append(np.frombuffer(b"".join(pending), dtype="<u8"))
        keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        # Dense column numbers by a sort (not np.unique: the sort and a diff are all it needs).
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        fresh = np.ones(len(sk), dtype=bool)
        fresh[1:] = sk[1:] != sk[:-1]
        cols = np.empty(len(keys), dtype=np.int64)
        cols[order] = np.cumsum(fresh) - 1
        del keys, order, sk, fresh
        n = len(ids)
        row = np.repeat(np.arange(n, dtype=np.int64), np.asarray(lens, dtype=np.int64))
        ncols = int(cols.max()) + 1 if len(cols) else 0
        m = csr_matrix((np.ones(len(cols), dtype=np.int32), (row, cols)), shape=(n, ncols))
        m.sum_duplicates()
        m.data[:] = 1  # a set: a key repeated in one document counts once
        self.matrix = m
        self.sizes = np.diff(m.indptr).astype(np.int64)
        id_arr = np.asarray(ids, dtype=np.int64)
        self._order = np.argsort(id_arr, kind="stable")
        self._ids = id_arr[self._order]
        if len(self._ids) > 1 and not (self._ids[1:] != self._ids[:-1]).all():
            raise ValueError("document ids must be distinct")

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, int | np.integer):
            return False
        i = int(np.searchsorted(self._ids, int(doc_id)))
        return i < len(self._ids) and int(self._ids[i]) == int(doc_id)

    def rows(self, doc_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Matrix rows of ``doc_ids`` (-1 for an id not held)."""
        q = np.asarray(doc_ids, dtype=np.int64)
        pos = np.searchsorted(self._ids, q)
        pos_c = np.minimum(pos, max(len(self._ids) - 1, 0))
        found = (pos < len(self._ids)) & (self._ids[pos_c] == q) if len(self._ids) else np.zeros(len(q), dtype=bool)
        out: np.ndarray = np.where(found, self._order[pos_c] if len(self._ids) else 0, -1)
        return out

    def jaccard(self, a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray, chunk: int = 20_000) -> np.ndarray:
        """Exact Jaccard of documents ``a[i]`` and ``b[i]`` (1.0 for two empty sets), as float64.

        The same numbers as :func:`exact_jaccard` on the shingle lists (both divide the same
        two integers). Raises ``KeyError`` for an id not held.
        """
        ra, rb = self.rows(a), self.rows(b)
        if len(ra) != len(rb):
            raise ValueError(f"{len(ra)} documents against {len(rb)}")
        if (ra < 0).any() or (rb < 0).any():
            missing = np.concatenate([np.asarray(a)[ra < 0], np.asarray(b)[rb < 0]])
            raise KeyError(f"documents not held: {missing[:5].tolist()}")
        inter = np.zeros(len(ra), dtype=np.int64)
        for s in range(0, len(ra), chunk):
            pa, pb = ra[s : s + chunk], rb[s : s + chunk]
            inter[s : s + len(pa)] = np.asarray(self.matrix[pa].multiply(self.matrix[pb]).sum(axis=1)).ravel()
        union = self.sizes[ra] + self.sizes[rb] - inter
        out = np.ones(len(ra), dtype=np.float64)
        nz = union > 0
        out[nz] = inter[nz] / union[nz]
        return out


def shared_passage(a: str, b: str, max_words: int = 40) -> str:
    """The longest run of words two texts share, as written in ``a`` (cut at ``max_words``).

    >>> shared_passage("Hi, I am Ann. I build robust apps fast.", "Hello! I am Bob. I build robust apps fast!")
    'I build robust apps fast'
    """
    from difflib import SequenceMatcher

    raw_a = re.findall(r"\S+", a)
    norm_a = [" ".join(words(t)) for t in raw_a]
    norm_b = [" ".join(words(t)) for t in re.findall(r"\S+", b)]
    m = SequenceMatcher(None, norm_a, norm_b, autojunk=False).find_longest_match(0, len(norm_a), 0, len(norm_b))
    run = raw_a[m.a : m.a + m.size]
    text = " ".join(run[:max_words]) + (" …" if m.size > max_words else "")
    return text.strip(".,;:!?\"' ") if m.size <= max_words else text


_BAND_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
     0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip


def band_keys(sigs: np.ndarray, bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS) -> np.ndarray:
    """``(n, bands)`` uint32 keys: each band's ``rows`` signature values mixed into 32 bits."""
    sigs = np.asarray(sigs, dtype=np.uint64)
    if sigs.ndim != 2 or sigs.shape[1] < bands * rows:
        raise ValueError(f"signatures of shape {sigs.shape} cannot fill {bands} bands of {rows} rows")
    if rows > len(_BAND_MIX):
        raise ValueError(f"at most {len(_BAND_MIX)} rows per band, got {rows}")
    part = sigs[:, : bands * rows].reshape(len(sigs), bands, rows)
    acc = np.zeros((len(sigs), bands), dtype=np.uint64)
    for r in range(rows):
        acc ^= part[:, :, r] * _BAND_MIX[r]
        acc = (acc ^ (acc >> np.uint64(29))) * _BAND_MIX[(r + 3) % len(_BAND_MIX)]
    return (acc >> np.uint64(32)).astype(np.uint32)


class LSHIndex:
    """A banded MinHash LSH index that grows incrementally and saves as ``.npz``.

    Documents are identified by caller-chosen int64 ids. Each :meth:`add` appends a sorted run
    per band; runs merge when there are more than ``max_runs``. :meth:`remove` marks ids dead
    (they stop appearing in results) and :meth:`compact` drops them.

    Args:
        bands: number of bands.
        rows: signature values per band.
        sig_bits: bits of each signature value kept for verification (16 or 32).
    """

    def __init__(self, bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS, sig_bits: int = 16, max_runs: int = 8):
        if sig_bits not in (16, 32):
            raise ValueError(f"sig_bits must be 16 or 32, got {sig_bits}")
        self.bands, self.rows, self.sig_bits, self.max_runs = bands, rows, sig_bits, max_runs
        self._dtype = np.uint16 if sig_bits == 16 else np.uint32
        self.ids = np.zeros(0, dtype=np.int64)
        self.sigs = np.zeros((0, bands * rows), dtype=self._dtype)
        self.alive = np.zeros(0, dtype=bool)
        # Each run: (keys (bands, m) uint32 sorted per band, rows (bands, m) int32 document rows).
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._row_of: dict[int, int] = {}

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def nbytes(self) -> int:
        """Bytes held by the index arrays (ids, signatures, band runs)."""
        n = self.ids.nbytes + self.sigs.nbytes + self.alive.nbytes
        return n + sum(k.nbytes + r.nbytes for k, r in self._runs)

    @property
    def dead(self) -> int:
        """Documents removed but still taking space (until :meth:`compact`)."""
        return len(self.alive) - len(self)

    def live_ids(self) -> list[int]:
        """Ids of the documents in the index."""
        return sorted(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, int | np.integer) and int(doc_id) in self._row_of

    def add(self, ids: Sequence[int] | np.ndarray, sigs: np.ndarray) -> None:
        """Add documents (ids must be new) with their full uint32 signatures."""
        ids = np.asarray(ids, dtype=np.int64)
        sigs = np.asarray(sigs)
        if len(ids) != len(sigs):
            raise ValueError(f"{len(ids)} ids for {len(sigs)} signatures")
        if len(ids) == 0:
            return
        dup = [int(i) for i in ids if int(i) in self._row_of]
        if dup or len(set(ids.tolist())) != len(ids):
            raise ValueError(f"ids already in the index or repeated: {dup[:5]}")
        keys = band_keys(sigs, self.bands, self.rows)  # (n, bands)
        first = len(self.ids)
        rows = np.arange(first, first + len(ids), dtype=np.int32)
        self.ids = np.concatenate([self.ids, ids])
        kept = np.asarray(sigs[:, : self.bands * self.rows], dtype=np.uint32) & np.uint32((1 << self.sig_bits) - 1)
        self.sigs = np.concatenate([self.sigs, kept.astype(self._dtype)])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        self._row_of.update(zip(ids.tolist(), rows.tolist(), strict=True))
        kt = np.ascontiguousarray(keys.T)
        order = np.argsort(kt, axis=1, kind="stable")
        self._runs.append((np.take_along_axis(kt, order, axis=1), rows[order]))
        if len(self._runs) > self.max_runs:
            self._merge()

    def remove(self, ids: Iterable[int]) -> int:
        """Mark ids dead; returns how many were present."""
        n = 0
        for i in ids:
            row = self._row_of.pop(int(i), None)
            if row is not None:
                self.alive[row] = False
                n += 1
        return n

    def _merge(self) -> None:
        if len(self._runs) <= 1:
            return
        keys = np.concatenate([k for k, _ in self._runs], axis=1)
        rows = np.concatenate([r for _, r in self._runs], axis=1)
        order = np.argsort(keys, axis=1, kind="stable")
        self._runs = [(np.take_along_axis(keys, order, axis=1), np.take_along_axis(rows, order, axis=1))]

    def compact(self) -> None:
        """Drop dead documents and merge all runs into one."""
        keep = np.flatnonzero(self.alive)
        remap = np.full(len(self.ids), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        ids, sigs = self.ids[keep], self.sigs[keep]
        runs = []
        for k, r in self._runs:
            live = self.alive[r[0]]
            runs.append((k[:, live], remap[r[:, live]].astype(np.int32)))
        self.ids, self.sigs, self.alive = ids, sigs, np.ones(len(keep), dtype=bool)
        self._row_of = {int(i): n for n, i in enumerate(ids.tolist())}
        self._runs = runs
        self._merge()

    def query(self, sig: np.ndarray, threshold: float = 0.5) -> list[tuple[int, float]]:
        """Ids whose estimated Jaccard with ``sig`` is at least ``threshold``, best first."""
        keys = band_keys(np.asarray(sig).reshape(1, -1), self.bands, self.rows)[0]
        cand: set[int] = set()
        for k, r in self._runs:
            for b in range(self.bands):
                lo = np.searchsorted(k[b], keys[b], side="left")
                hi = np.searchsorted(k[b], keys[b], side="right")
                if hi > lo:
                    cand.update(r[b, lo:hi].tolist())
        if not cand:
            return []
        rows = np.fromiter(cand, dtype=np.int64)
        rows = rows[self.alive[rows]]
        mine = np.asarray(sig[: self.bands * self.rows], dtype=np.uint32) & np.uint32((1 << self.sig_bits) - 1)
        est = jaccard_estimate(self.sigs[rows], mine.astype(self._dtype), self.sig_bits)
        hits = [(int(self.ids[r]), float(e)) for r, e in zip(rows, np.atleast_1d(est), strict=True) if e >= threshold]
        return sorted(hits, key=lambda t: (-t[1], t[0]))

    def candidate_pairs(self) -> np.ndarray:
        """Every pair of live documents that share a band key: ``(m, 2)`` rows, deduplicated."""
        return self.candidates()[0]

    def candidates(
        self, max_bucket: int | None = None, *, min_estimate: float | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Candidate pairs from the band buckets, with the oversized buckets set aside.

        Args:
            max_bucket: buckets of more live documents than this are not expanded into all
                their pairs (``None``: every bucket is).
            min_estimate: keep only pairs whose signature estimate (:func:`jaccard_estimates`)
                reaches this, filtered band by band: the same pairs as filtering the result,
                without holding every band's raw pairs at once (at 10^5 bios of the scale
                sample 5.4 million raw pairs of which 7% pass; they grow faster than the texts).

        Returns:
            ``(pairs, big)``: ``pairs`` the ``(m, 2)`` int64 rows ``(row_a, row_b)``, ``row_a <
            row_b``, deduplicated over the bands, of every bucket of at most ``max_bucket``
            documents; ``big`` the sorted rows of each larger bucket, for the caller to handle
            without all its pairs (:func:`leader_pairs`). The expansion is vectorised: its cost is
            the number of pairs it returns, never a Python loop per bucket.
        """
        self._merge()
        empty = np.zeros((0, 2), dtype=np.int64)
        if not self._runs:
            return empty, []
        keys, rows = self._runs[0]
        found: list[np.ndarray] = []
        big: list[np.ndarray] = []
        for b in range(self.bands):
            k, r = keys[b], rows[b]
            live = self.alive[r]
            k, r = k[live], r[live].astype(np.int64)
            if len(k) < 2:
                continue
            eq = k[1:] == k[:-1]
            if not eq.any():
                continue
            # Runs of equal keys, as [start, end) positions.
            edges = np.diff(np.concatenate([[False], eq, [False]]).astype(np.int8))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) + 1
            size = ends - starts
            if max_bucket is not None:
                for s, e in zip(starts[size > max_bucket].tolist(), ends[size > max_bucket].tolist(), strict=True):
                    big.append(np.sort(r[s:e]))
                keep = size <= max_bucket
                starts, ends = starts[keep], ends[keep]
            if not len(starts):
                continue
            # Every position p of a run [s, e) pairs with the positions p+1 .. e-1 (ragged expansion).
            pos = _ragged(starts, ends - starts)
            after = np.repeat(ends, ends - starts) - pos - 1
            first = np.repeat(pos, after)
            second = _ragged(pos + 1, after)
            a, c = r[first], r[second]
            del pos, after, first, second
            pairs = np.stack([np.minimum(a, c), np.maximum(a, c)], axis=1)
            if min_estimate is not None:
                pairs = pairs[jaccard_estimates(self.sigs, pairs, self.sig_bits) >= min_estimate]
            found.append(pairs)
        if not found:
            return empty, big
        return unique_rows(np.concatenate(found)), big

    def pairs(self, threshold: float = 0.5) -> Iterator[tuple[int, int, float]]:
        """Verified pairs ``(id_a, id_b, estimated_jaccard)`` with ``id_a < id_b``."""
        cand = self.candidate_pairs()
        if not len(cand):
            return
        est = np.atleast_1d(jaccard_estimate(self.sigs[cand[:, 0]], self.sigs[cand[:, 1]], self.sig_bits))
        for (ra, rb), e in zip(cand.tolist(), est.tolist(), strict=True):
            if e >= threshold:
                a, b = int(self.ids[ra]), int(self.ids[rb])
                yield (min(a, b), max(a, b), float(e))

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write the index to ``path`` (``.npz``, plain arrays; written atomically)."""
        self._merge()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys, rows = (
            self._runs[0] if self._runs else (np.zeros((self.bands, 0), np.uint32), np.zeros((self.bands, 0), np.int32))
        )
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            meta=np.array([self.bands, self.rows, self.sig_bits, self.max_runs], dtype=np.int64),
            ids=self.ids,
            sigs=self.sigs,
            alive=self.alive,
            keys=keys,
            rows=rows,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> LSHIndex:
        """Read an index written by :meth:`save` (no pickle)."""
        with np.load(Path(path), allow_pickle=False) as z:
            bands, rows, sig_bits, max_runs = (int(x) for x in z["meta"])
            idx = cls(bands, rows, sig_bits, max_runs)
            idx.ids, idx.sigs, idx.alive = z["ids"], z["sigs"], z["alive"]
            if z["keys"].shape[1]:
                idx._runs = [(z["keys"], z["rows"])]
        idx._row_of = {int(i): n for n, i in enumerate(idx.ids.tolist()) if idx.alive[n]}
        return idx


def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``starts[i] + 0 .. starts[i] + lengths[i] - 1`` for every ``i``, concatenated.

    >>> _ragged(np.array([0, 10]), np.array([2, 3])).tolist()
    [0, 1, 10, 11, 12]
    """
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out: np.ndarray = np.repeat(starts, lengths) + offsets
    return out


def unique_rows(pairs: np.ndarray) -> np.ndarray:
    """Distinct ``(a, b)`` rows of non-negative int64 pairs, sorted (one 1-d sort, not a row sort)."""
    if not len(pairs):
        return pairs.reshape(0, 2).astype(np.int64)
    width = np.int64(int(pairs[:, 1].max()) + 1)
    flat = np.sort(pairs[:, 0].astype(np.int64) * width + pairs[:, 1])
    # Sort and keep the first of each run: np.unique did the same, ~100x slower at 10^7 rows.
    keep = np.ones(len(flat), dtype=bool)
    keep[1:] = flat[1:] != flat[:-1]
    flat = flat[keep]
    return np.stack([flat // width, flat % width], axis=1)


def leader_pairs(
    sigs: np.ndarray, buckets: Iterable[np.ndarray], threshold: float, bits: int = 16, leaders: int = 8
) -> np.ndarray:
    """Candidate pairs of oversized buckets, without their quadratic expansion.

    In each bucket (sorted rows of ``sigs``) the first document is a *leader*: every member
    whose estimated Jaccard with it reaches ``threshold`` is paired with it alone, and leaves
    the bucket; the first document left is the next leader, up to ``leaders`` of them. A
    bucket of ``s`` documents costs ``s * leaders`` signature comparisons (numpy) and yields
    at most ``s`` pairs. Documents left after the last leader yield no pair from this bucket
    (a true pair among them shares, with high probability, another band's smaller bucket).

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [9, 9, 9, 9], [9, 9, 9, 8], [1, 2, 3, 4]], dtype=np.uint16)
    >>> leader_pairs(sigs, [np.arange(5)], 0.5).tolist()
    [[0, 1], [0, 4], [2, 3]]
    """
    out: list[np.ndarray] = []
    for rows in buckets:
        remaining = np.asarray(rows, dtype=np.int64)
        for _ in range(leaders):
            if len(remaining) < 2:
                break
            lead = remaining[0]
            est = np.atleast_1d(jaccard_estimate(sigs[remaining[1:]], sigs[lead], bits))
            near = est >= threshold
            if near.any():
                members = remaining[1:][near]
                out.append(np.stack([np.full(len(members), lead, dtype=np.int64), members], axis=1))
            remaining = remaining[1:][~near]
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    return unique_rows(np.stack([pairs.min(axis=1), pairs.max(axis=1)], axis=1))
