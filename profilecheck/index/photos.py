"""The photo index of a workspace: signature hashes (multi-index hashing) and face embeddings
(FAISS), keyed by the photo's sha256, persisted beside the database and grown incrementally.

Photos are content-addressed, so a row never goes stale: a photo's signature depends only on
its bytes and the signature version. A new photo is added once; a photo no longer used by any
profile stays in the index and is ignored by callers (they pass the set of live photos). The
index also keeps the verifier's answers per photo pair, so a re-scan verifies only new pairs.

Files under ``<workspace>/index/``: ``photo_sig.npz`` (the multi-index), ``photo_rows.npy``
(the sha256 owning each hash row, fixed-width bytes), ``faces.faiss`` and ``face_rows.npy``,
``verified.json`` (pair -> verdict), ``meta.json`` (versions). Nothing here is a pickle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.index.faces import FaceIndex
from profilecheck.index.mih import MultiIndex

__all__ = ["INDEX_VERSION", "PhotoIndex"]

#: Bump when signatures or embeddings change meaning: a stored index of another version is rebuilt.
INDEX_VERSION = "photo-index@2"


class PhotoIndex:
    """Signature hashes and face embeddings of photos, by sha256.

    Args:
        root: the directory the index lives in (``None``: in memory only).
        version: the versions of the features and of the verifier; a stored index made under
            other versions is discarded.
    """

    def __init__(self, root: Path | str | None = None, version: str = INDEX_VERSION) -> None:
        self.root = Path(root) if root is not None else None
        self.version = version
        self.hashes = MultiIndex(m=4)
        self.hash_rows: list[str] = []
        self.faces = FaceIndex()
        self.face_rows: list[str] = []
        self.known: set[str] = set()
        self.verified: dict[str, dict[str, Any]] = {}
        if self.root is not None and (self.root / "meta.json").exists():
            try:
                self._load()
            except (OSError, ValueError, KeyError, RuntimeError):
                self._reset()  # a torn or foreign index: rebuilt from the store's features
            if len(self.hash_rows) != len(self.hashes) or len(self.face_rows) != len(self.faces):
                self._reset()

    def _reset(self) -> None:
        self.hashes = MultiIndex(m=4)
        self.hash_rows, self.face_rows = [], []
        self.faces = FaceIndex()
        self.known = set()
        self.verified = {}

    # -- persistence ------------------------------------------------------------------------
    def _load(self) -> None:
        assert self.root is not None
        meta = json.loads((self.root / "meta.json").read_text())
        if meta.get("version") != self.version:
            return  # another version: start afresh (the caller re-adds every photo)
        self.hashes = MultiIndex.load(self.root / "photo_sig.npz")
        self.hash_rows = [b.decode() for b in np.load(self.root / "photo_rows.npy", allow_pickle=False).tolist()]
        if (self.root / "faces.faiss").exists():
            self.faces = FaceIndex.load(self.root / "faces.faiss")
            self.face_rows = [b.decode() for b in np.load(self.root / "face_rows.npy", allow_pickle=False).tolist()]
        self.known = set(meta.get("known", []))
        self.verified = json.loads((self.root / "verified.json").read_text())

    def save(self) -> None:
        """Write the index files (each atomically); a no-op for an in-memory index."""
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.hashes.save(self.root / "photo_sig.npz")
        _save_npy(self.root / "photo_rows.npy", np.array([s.encode() for s in self.hash_rows], dtype="S64"))
        self.faces.save(self.root / "faces.faiss")
        _save_npy(self.root / "face_rows.npy", np.array([s.encode() for s in self.face_rows], dtype="S64"))
        _write(self.root / "verified.json", json.dumps(self.verified, sort_keys=True))
        _write(self.root / "meta.json", json.dumps({"version": self.version, "known": sorted(self.known)}))

    # -- content ----------------------------------------------------------------------------
    def add(self, sha256: str, hashes: Iterable[int], embedding: np.ndarray | None) -> bool:
        """Index one photo; returns False when it was already there."""
        return self.add_many([(sha256, hashes, embedding)]) == 1

    def add_many(self, photos: Iterable[tuple[str, Iterable[int], np.ndarray | None]]) -> int:
        """Index many photos ``(sha256, hashes, embedding)`` at once; returns how many were new.

        The same as :meth:`add` on each in turn (known sha256s, and repeats within ``photos``,
        are skipped; ``hash_rows`` and ``face_rows`` stay aligned), but with one
        ``MultiIndex.add`` and one FAISS add for the lot: adding photo by photo appends to
        the hash array once per photo, which is quadratic in the number of photos.
        """
        parts: list[np.ndarray] = []
        rows: list[str] = []
        embs: list[np.ndarray] = []
        face_rows: list[str] = []
        new = 0
        for sha256, hashes, embedding in photos:
            if sha256 in self.known:
                continue
            hs = np.array(list(hashes), dtype=np.uint64)
            parts.append(hs)
            rows.extend([sha256] * len(hs))
            if embedding is not None:
                embs.append(np.asarray(embedding, dtype=np.float32).reshape(1, -1))
                face_rows.append(sha256)
            self.known.add(sha256)
            new += 1
        if not new:
            return 0
        self.hashes.add(np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64))
        self.hash_rows.extend(rows)
        if embs:
            self.faces.add(np.concatenate(embs))
            self.face_rows.extend(face_rows)
        return new

    def hash_neighbours(self, probes: Iterable[int], radius: int) -> dict[str, int]:
        """Photos with a stored hash within ``radius`` bits of any probe: ``{sha256: min bits}``."""
        out: dict[str, int] = {}
        qs = np.array([int(h) for h in probes], dtype=np.uint64)
        _qi, rows, dists = self.hashes.query_many(qs, radius)  # all probes in one vectorised call
        for row, dist in zip(rows.tolist(), dists.tolist(), strict=True):
            sha = self.hash_rows[row]
            if dist < out.get(sha, 65):
                out[sha] = dist
        return out

    def face_neighbours(self, embedding: np.ndarray, radius: float = 0.6, k: int = 16) -> dict[str, float]:
        """Photos whose face embedding is within ``radius``: ``{sha256: distance}``."""
        out: dict[str, float] = {}
        for row, dist in self.faces.within(np.asarray(embedding, dtype=np.float32), radius, k)[0]:
            sha = self.face_rows[row]
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


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, arr, allow_pickle=False)
    tmp.replace(path)
