"""Nearest-neighbour search over 128-d face embeddings (FAISS).

Face embeddings find the *person*, not the photo: two photos of one person sit within about
0.6 (Euclidean) of each other. In reuse detection they are a recall source only; the keypoint
verifier decides. The index is exact (``IndexFlatL2``) up to ``hnsw_from`` vectors and an
HNSW graph above; it is persisted with ``faiss.write_index`` (FAISS's own format, no pickle)
and grows by :meth:`add`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DIM", "FaceIndex"]

DIM = 128


class FaceIndex:
    """Face embeddings, their row numbers as ids.

    Args:
        hnsw_from: build an HNSW graph instead of a flat index from this many vectors on.
    """

    def __init__(self, hnsw_from: int = 200_000) -> None:
        import faiss

        self._faiss = faiss
        self.hnsw_from = hnsw_from
        self.index: Any = faiss.IndexFlatL2(DIM)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        """Append embeddings (ids continue from ``len(self)``)."""
        x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, DIM))
        if x.shape[0] == 0:
            return
        if isinstance(self.index, self._faiss.IndexFlatL2) and len(self) + x.shape[0] >= self.hnsw_from:
            old = self.index.reconstruct_n(0, len(self)) if len(self) else np.zeros((0, DIM), np.float32)
            self.index = self._faiss.IndexHNSWFlat(DIM, 32)
            if len(old):
                self.index.add(old)
        self.index.add(x)

    def within(self, vectors: np.ndarray, radius: float = 0.6, k: int = 16) -> list[list[tuple[int, float]]]:
        """For each query, up to ``k`` stored rows within ``radius``: ``[(row, distance), ...]``."""
        x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, DIM))
        if len(self) == 0 or x.shape[0] == 0:
            return [[] for _ in range(x.shape[0])]
        d2, ids = self.index.search(x, min(k, len(self)))
        out = []
        for drow, irow in zip(d2, ids, strict=True):
            out.append(
                [
                    (int(i), float(np.sqrt(max(0.0, d))))
                    for d, i in zip(drow, irow, strict=True)
                    if i >= 0 and d <= radius**2
                ]
            )
        return out

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        self._faiss.write_index(self.index, str(tmp))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> FaceIndex:
        idx = cls()
        idx.index = idx._faiss.read_index(str(path))
        return idx
