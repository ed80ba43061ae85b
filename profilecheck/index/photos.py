"""The photo index of a workspace: signature hashes (multi-index hashing) and face embeddings
(FAISS), keyed by the photo's sha256, persisted beside the database and grown incrementally.

Photos are content-addressed, so a row never goes stale: a photo's signature depends only on
its bytes and the signature version. A new photo is added once; a photo no longer used by any
profile stays in the index and is ignored by callers (they pass the set of live photos). The
index also keeps the verifier's answers per photo pair, so a re-scan verifies only new pairs.

Files under ``<workspace>/index/``: ``photo_sig.npz`` (the multi-index), ``photo_shas.npy``
(each photo's sha256, fixed-width bytes, by ordinal), ``photo_owner.npy`` (the ordinal owning
each hash row, int32), ``faces.faiss`` and ``face_owner.npy``, ``verified.json`` (pair ->
verdict), ``meta.json`` (versions). Nothing here is a pickle.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.index.faces import FaceIndex
from profilecheck.index.mih import MultiIndex

__all__ = ["INDEX_VERSION", "PhotoIndex"]

#: Bump when signatures or embeddings change meaning: a stored index of another version is rebuilt.
INDEX_VERSION = "photo-index@3"


class PhotoIndex:
    """Signature hashes and face embeddings of photos, by sha256.

    Each photo gets an ordinal (``photos[i]`` is its sha256, ``known[sha]`` its ordinal); each
    stored hash row and face row keeps only the ordinal of its photo (4 bytes), not the sha256.

    Args:
        root: the directory the index lives in (``None``: in memory only).
        version: the versions of the features and of the verifier; a stored index made under
            other versions is discarded.
    """

    def __init__(self, root: Path | str | None = None, version: str = INDEX_VERSION) -> None:
        self.root = Path(root) if root is not None else None
        self.version = version
        self._reset()
        if self.root is not None and (self.root / "meta.json").exists():
            try:
                self._load()
            except (OSError, ValueError, KeyError, RuntimeError):
                self._reset()  # a torn or foreign index: rebuilt from the store's features
            n = len(self.photos)
            if (
                len(self.hash_owner) != len(self.hashes)
                or len(self.face_owner) != len(self.faces)
                or len(self.known) != n
                or any(_out_of_range(a, n) for a in (self.hash_owner, self.face_owner))
            ):
                self._reset()

    def _reset(self) -> None:
        self.hashes = MultiIndex(m=4)
        self.faces = FaceIndex()
        self.photos: list[str] = []
        self.known: dict[str, int] = {}
        self.hash_owner = array("i")
        self.face_owner = array("i")
        self.verified: dict[str, dict[str, Any]] = {}

    @property
    def hash_rows(self) -> list[str]:
        """The sha256 owning each stored hash row (built on demand: the index keeps ordinals)."""
        return [self.photos[i] for i in self.hash_owner]

    @property
    def face_rows(self) -> list[str]:
        """The sha256 owning each face row."""
        return [self.photos[i] for i in self.face_owner]

    # -- persistence ------------------------------------------------------------------------
    def _load(self) -> None:
        assert self.root is not None
        meta = json.loads((self.root / "meta.json").read_text())
        if meta.get("version") != self.version:
            return  # another version: start afresh (the caller re-adds every photo)
        self.hashes = MultiIndex.load(self.root / "photo_sig.npz")
        shas = np.load(self.root / "photo_shas.npy", allow_pickle=False)
        if shas.dtype != np.dtype("S64"):
            raise ValueError(f"photo_shas.npy holds {shas.dtype}, not S64")
        for i in range(0, len(shas), _CHUNK):  # in chunks: no list of every bytes object at once
            self.photos.extend(b.decode() for b in shas[i : i + _CHUNK].tolist())
        self.known = {sha: i for i, sha in enumerate(self.photos)}
        self.hash_owner = _load_owner(self.root / "photo_owner.npy")
        if (self.root / "faces.faiss").exists():
            self.faces = FaceIndex.load(self.root / "faces.faiss")
            self.face_owner = _load_owner(self.root / "face_owner.npy")
        self.verified = json.loads((self.root / "verified.json").read_text())

    def save(self) -> None:
        """Write the index files (each atomically); a no-op for an in-memory index."""
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.hashes.save(self.root / "photo_sig.npz")
        shas = np.empty(len(self.photos), dtype="S64")
        for i in range(0, len(self.photos), _CHUNK):
            shas[i : i + _CHUNK] = [s.encode() for s in self.photos[i : i + _CHUNK]]
        _save_npy(self.root / "photo_shas.npy", shas)
        _save_npy(self.root / "photo_owner.npy", np.frombuffer(self.hash_owner, dtype=np.int32))
        self.faces.save(self.root / "faces.faiss")
        _save_npy(self.root / "face_owner.npy", np.frombuffer(self.face_owner, dtype=np.int32))
        _write(self.root / "verified.json", json.dumps(self.verified, sort_keys=True))
        _write(self.root / "meta.json", json.dumps({"version": self.version, "photos": len(self.photos)}))
        for legacy in _LEGACY_FILES:  # photo-index@2 kept a sha256 per row: up to 64 bytes a hash
            (self.root / legacy).unlink(missing_ok=True)

    # -- content ----------------------------------------------------------------------------
    def add(self, sha256: str, hashes: Iterable[int], embedding: np.ndarray | None) -> bool:
        """Index one photo; returns False when it was already there."""
        return self.add_many([(sha256, hashes, embedding)]) == 1

    def add_many(self, photos: Iterable[tuple[str, Iterable[int], np.ndarray | None]]) -> int:
        """Index many photos ``(sha256, hashes, embedding)`` at once; returns how many were new.

        The same as :meth:`add` on each in turn (known sha256s, and repeats within ``photos``,
        are skipped; the owners of hash and face rows stay aligned), but with one
        ``MultiIndex.add`` and one FAISS add for the lot: adding photo by photo appends to
        the hash array once per photo, which is quadratic in the number of photos. ``photos``
        may be a generator: only the hashes (8 bytes each) are held until the add.
        """
        parts: list[np.ndarray] = []
        embs: list[np.ndarray] = []
        new = 0
        for sha256, hashes, embedding in photos:
            if sha256 in self.known:
                continue
            ordinal = len(self.photos)
            hs = np.fromiter((int(h) for h in hashes), dtype=np.uint64)
            parts.append(hs)
            self.hash_owner.extend([ordinal] * len(hs))
            if embedding is not None:
                embs.append(np.asarray(embedding, dtype=np.float32).reshape(1, -1))
                self.face_owner.append(ordinal)
            self.photos.append(sha256)
            self.known[sha256] = ordinal
            new += 1
        if not new:
            return 0
        self.hashes.add(np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64))
        if embs:
            self.faces.add(np.concatenate(embs))
        return new

    def hash_neighbours(self, probes: Iterable[int], radius: int) -> dict[str, int]:
        """Photos with a stored hash within ``radius`` bits of any probe: ``{sha256: min bits}``."""
        out: dict[str, int] = {}
        qs = np.array([int(h) for h in probes], dtype=np.uint64)
        _qi, rows, dists = self.hashes.query_many(qs, radius)  # all probes in one vectorised call
        for row, dist in zip(rows.tolist(), dists.tolist(), strict=True):
            sha = self.photos[self.hash_owner[row]]
            if dist < out.get(sha, 65):
                out[sha] = dist
        return out

    def face_neighbours(self, embedding: np.ndarray, radius: float = 0.6, k: int = 16) -> dict[str, float]:
        """Photos whose face embedding is within ``radius``: ``{sha256: distance}``."""
        out: dict[str, float] = {}
        for row, dist in self.faces.within(np.asarray(embedding, dtype=np.float32), radius, k)[0]:
            sha = self.photos[self.face_owner[row]]
            out[sha] = min(dist, out.get(sha, 9.0))
        return out

    def candidates(
        self,
        probes: Iterable[int],
        embedding: np.ndarray | None,
        *,
        radius: int,
        face_radius: float = 0.6,
        limit: int = 24,
    ) -> dict[str, int]:
        """The photos worth verifying against one photo: ``{sha256: min bits (64 if only the face)}``.

        Face neighbours come first (nearest first, at most half of ``limit``), then hash
        neighbours by distance; ``limit`` bounds the verifier's work per photo however
        crowded the index is.
        """
        near = self.hash_neighbours(probes, radius)
        out: dict[str, int] = {}
        if embedding is not None:
            faces = sorted(self.face_neighbours(embedding, face_radius, k=limit).items(), key=lambda kv: kv[1])
            for sha, _d in faces[: max(1, limit // 2)]:
                out[sha] = near.get(sha, 64)
        for sha, bits in sorted(near.items(), key=lambda kv: (kv[1], kv[0])):
            if len(out) >= limit:
                break
            out.setdefault(sha, bits)
        return out

    @staticmethod
    def pair_key(a: str, b: str) -> str:
        return f"{a}:{b}" if a < b else f"{b}:{a}"


#: Files of older index versions, removed when the index is saved.
_LEGACY_FILES = ("photo_rows.npy", "face_rows.npy")
#: Rows converted at a time when the sha256 table is saved or loaded.
_CHUNK = 65_536


def _load_owner(path: Path) -> array[int]:
    owner = np.load(path, allow_pickle=False)
    if owner.dtype != np.int32 or owner.ndim != 1:
        raise ValueError(f"{path.name} holds {owner.dtype} {owner.shape}, not int32 rows")
    out = array("i")
    out.frombytes(owner.tobytes())
    return out


def _out_of_range(owner: array[int], n: int) -> bool:
    rows = np.frombuffer(owner, dtype=np.int32)
    return bool(len(rows)) and not (0 <= int(rows.min()) and int(rows.max()) < n)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, arr, allow_pickle=False)
    tmp.replace(path)
