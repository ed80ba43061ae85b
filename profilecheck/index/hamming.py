"""Near-duplicate search over 64-bit perceptual hashes.

:func:`near_pairs` finds every pair of stored hashes within ``radius`` bits. This is the
blocked brute-force version (XOR + popcount over numpy blocks); the photo issue replaces it
with multi-index hashing and keeps this one as the measured baseline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["hex_to_u64", "near_pairs", "popcount64"]


def hex_to_u64(hexes: Sequence[str]) -> np.ndarray:
    """``["ffd8...", ...]`` (16 hex digits each) to a uint64 array.

    >>> int(hex_to_u64(["000000000000000f"])[0])
    15
    """
    return np.fromiter((int(h, 16) for h in hexes), dtype=np.uint64, count=len(hexes))


def popcount64(x: np.ndarray) -> np.ndarray:
    """Bits set in each uint64."""
    out: np.ndarray = np.bitwise_count(x) if hasattr(np, "bitwise_count") else _popcount_fallback(x)
    return out


def _popcount_fallback(x: np.ndarray) -> np.ndarray:  # pragma: no cover - numpy < 2
    b = x.view(np.uint8).reshape(*x.shape, 8)
    out: np.ndarray = np.unpackbits(b, axis=-1).sum(axis=-1)
    return out


def near_pairs(
    a: np.ndarray, b: np.ndarray | None = None, radius: int = 8, block: int = 256
) -> Iterator[tuple[int, int, int]]:
    """Yield ``(i, j, distance)`` for ``a[i]`` within ``radius`` bits of ``b[j]``.

    With ``b`` omitted, pairs within ``a`` with ``i < j``.
    """
    same = b is None
    other = a if b is None else b
    for start in range(0, len(a), block):
        chunk = a[start : start + block]
        d = popcount64(chunk[:, None] ^ other[None, :])
        ii, jj = np.nonzero(d <= radius)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            gi = start + i
            if same and gi >= j:
                continue
            yield gi, j, int(d[i, j])
