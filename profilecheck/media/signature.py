"""Photo signatures: the recall tier of reuse detection.

A signature is a handful of 64-bit perceptual hashes of one photo, each of a different view,
so that an edited copy lands near *one* of them even when it is far from the others:

- ``full``: the whole image;
- ``c85``, ``c70``: centre crops keeping 85% and 70% of each side (a cropped copy is close
  to the original's crop at about its own scale, and vice versa);
- ``tl80``, ``tr80``, ``bl80``, ``br80``: 80% crops anchored at each corner (a copy cropped
  more on one side than the other is close to one of them);
- ``face``: a square around the largest face, 1.8 times its side (survives borders, banners,
  padding and loose crops, as long as the face is found);
- ``in_*``: five *stored-only* inner crops (a 78% centre crop and four 78% crops shifted
  towards each corner). They are stored in the index but never probed: a copy cropped 5-20%
  per side probes with its *full* view and lands near the original's inner crop.

Each hash has a mirrored twin (``*_m``) computed from the same DCT: mirroring an image flips
the sign of its odd horizontal frequencies, so the mirror costs a sign flip, not a second
resize. Stored photos are indexed on the plain views; a query probes with the plain and
mirrored hashes of every view but the inner crops. Every view is resampled to 32 x 32 and the
stack goes through one batched DCT (``D @ X @ D.T``), not one pHash call per view. Hashes
are pHash exactly as :func:`imagehash.phash` computes it (a golden test pins this), so the
values interoperate with other tools.

Hashes only *propose* candidates: the keypoint verifier (:mod:`profilecheck.media.verify`)
decides whether two photos are the same photograph.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from profilecheck.media.facenet import one_blas_thread

__all__ = [
    "CENTRE_SCALES",
    "INNER_CROPS",
    "STORED_ONLY_PREFIX",
    "Signature",
    "dct_matrix",
    "is_stored_only",
    "phash_pair",
    "phash_stack",
    "signature",
]

CENTRE_SCALES: tuple[tuple[str, float], ...] = (("c85", 0.85), ("c70", 0.70))
CORNER_SCALE = 0.8
#: Views stored in the index but never probed: a query is never a crop of these.
STORED_ONLY_PREFIX = "in_"
#: The stored-only inner crops, as margins ``(left, top, right, bottom)`` in fractions of the side:
#: a copy cropped 5-20% per side is close to one of them (its *full* view is probed).
INNER_CROPS: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("in_c78", (0.11, 0.11, 0.11, 0.11)),
    ("in_tl", (0.06, 0.06, 0.16, 0.16)),
    ("in_tr", (0.16, 0.06, 0.06, 0.16)),
    ("in_bl", (0.06, 0.16, 0.16, 0.06)),
    ("in_br", (0.16, 0.16, 0.06, 0.06)),
)
_N = 32
_K = 8


def dct_matrix(n: int = _N) -> np.ndarray:
    """The unnormalised DCT-II matrix scipy.fftpack uses (``2 cos(pi (2i+1) k / 2n)``)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    out: np.ndarray = 2.0 * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    return out


_D = dct_matrix()[:_K]  # only the 8 lowest frequencies are kept
_MIRROR_SIGN = np.where(np.arange(_K) % 2 == 1, -1.0, 1.0)[None, :]


def _hash_rows(low: np.ndarray) -> list[int]:
    """64-bit hashes of a stack of 8 x 8 DCT blocks: bit set where a coefficient beats its block's median."""
    flat = low.reshape(len(low), -1)
    srt = np.sort(flat, axis=1)
    bits = flat > (srt[:, 31:32] + srt[:, 32:33]) / 2  # the median of 64 values
    packed = np.packbits(bits, axis=1)  # 8 bytes per row, most significant bit first
    out: list[int] = packed.view(">u8").ravel().tolist()
    return out


def phash_stack(pixels: np.ndarray) -> list[tuple[int, int]]:
    """pHash and mirrored pHash of a stack of 32 x 32 grayscale views, as ints.

    One batched matrix product does every view's DCT (``D @ X @ D.T`` over the stack);
    mirroring flips the sign of the odd horizontal frequencies, so the mirror costs a sign flip.
    """
    low = np.matmul(np.matmul(_D, pixels), _D.T)  # (views, 8, 8): rows vertical frequency
    n = len(low)
    both = _hash_rows(np.concatenate([low, low * _MIRROR_SIGN]))  # plain and mirrored: one sort
    return list(zip(both[:n], both[n:], strict=True))


def _pixels(gray: Image.Image, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    return np.asarray(gray.resize((_N, _N), Image.Resampling.LANCZOS, box=box), dtype=np.float64)


_PREC = 22  # Pillow's fixed-point precision for 8-bit resampling (32 - 8 - 2 bits)


def _lanczos_weights(in_size: int, spans: np.ndarray) -> np.ndarray:
    """Pillow's LANCZOS resampling weights from spans ``(in0, in1)`` of ``in_size`` to 32 samples.

    ``(views, 32, in_size)`` integers (as floats) in Pillow's 22-bit fixed point: the same
    support, rounding of the window bounds, normalisation and rounding as its ``Resample.c``, so
    that :func:`_resample` reproduces ``Image.resize((32, 32), LANCZOS, box=...)`` bit for bit
    (a test pins this).
    """
    in0, in1 = spans[:, 0:1], spans[:, 1:2]
    scale = (in1 - in0) / _N
    fscale = np.maximum(scale, 1.0)
    support = 3.0 * fscale
    center = in0 + (np.arange(_N)[None, :] + 0.5) * scale
    xmin = np.maximum(np.trunc(center - support + 0.5), 0)
    xmax = np.minimum(np.trunc(center + support + 0.5), in_size)
    x = np.arange(in_size, dtype=np.float64)[None, None, :]
    t = (x - center[..., None] + 0.5) * (1.0 / fscale[..., None])
    pt = np.pi * t
    safe = np.where(t == 0, 1.0, pt)
    sinc = np.where(t == 0, 1.0, np.sin(pt) / safe)
    sinc3 = np.where(t == 0, 1.0, np.sin(pt / 3) / (safe / 3))
    inside = (x >= xmin[..., None]) & (x < xmax[..., None]) & (t >= -3.0) & (t < 3.0)
    w = np.where(inside, sinc * sinc3, 0.0)
    total = w.sum(axis=2, keepdims=True)
    w = np.divide(w, total, out=w.copy(), where=total != 0)
    out: np.ndarray = np.where(w < 0, np.trunc(-0.5 + w * (1 << _PREC)), np.trunc(0.5 + w * (1 << _PREC)))
    return out


@dataclass(frozen=True, slots=True)
class _Plan:
    """How the fixed views of one image size are resampled: weights, and the pass order Pillow uses."""

    h_first: np.ndarray  # indices of the views Pillow resamples horizontally first
    v_first: np.ndarray  # ... vertically first (it picks the order by the image's shape)
    kx_t: np.ndarray  # (W, spans * 32): the distinct horizontal spans of the h_first views
    h_map: np.ndarray  # the span of each h_first view (views share spans: tl80 and bl80, ...)
    ky_h: np.ndarray  # (len(h_first), 32, H)
    ky_v: np.ndarray  # (spans * 32, H): the distinct vertical spans of the v_first views
    v_map: np.ndarray  # the span of each v_first view
    kx_v: np.ndarray  # (len(v_first), W, 32)
    pillow: np.ndarray  # views neither order reproduces: Pillow resamples those
    banded: _Banded | None  # the one-pass-order fast path, when every view takes the same order


@dataclass(frozen=True, slots=True)
class _Banded:
    """Both passes of every view as two batched products over bands of the image.

    A LANCZOS weight row to 32 samples touches at most ``2 * 3 * scale + 1`` input pixels (19
    of 100 at libjpeg's 1/8 draft of an 800 px photo), so a dense product multiplies mostly
    zeros. The first pass cuts the (transposed) image into ``blocks`` overlapping bands of
    ``band`` rows, ``step`` apart (a strided view, no copy), and each output column is computed
    from the one band that holds its whole window; the second pass does the same per view.
    Weights are pre-scaled by ``2**-22`` (exact: a power of two), so Pillow's fixed-point
    rounding is ``floor(x + 0.5)``.
    """

    transposed: bool  # the views are vertically first: run on the transposed image
    rows: int  # rows of the (possibly transposed) image, i.e. columns of the first pass
    cols: int
    step: int
    band: int
    k1: np.ndarray  # (blocks, per_block, band): first-pass weights of each block's outputs
    take1: np.ndarray  # (views * 32,): where each view's first-pass outputs are, in (blocks * per_block)
    step2: int
    band2: int
    k2: np.ndarray  # (views, blocks2, per_block2, band2): second-pass weights
    take2: np.ndarray  # (views * 32,): where each view's output rows are, in (views * blocks2 * per_block2)


def _clip8(acc: np.ndarray) -> np.ndarray:
    """Pillow's rounding of a fixed-point sum back to 0..255."""
    out: np.ndarray = np.clip(np.floor((acc + (1 << (_PREC - 1))) * (1.0 / (1 << _PREC))), 0, 255)
    return out


@functools.lru_cache(maxsize=32)  # up to ~0.8 MB each at 256 px
def _plan(w: int, h: int) -> _Plan:
    """Weights of the fixed views of a ``w`` x ``h`` image, and each view's pass order.

    Pillow runs the two passes in an order that depends on the image's shape; which one it
    takes is found once per size by resampling a noise image both ways against ``Image.resize``
    (noise tells the orders apart), so every view below is bit-equal to Pillow by construction.
    """
    boxes = [b for _n, b in _boxes(w, h, None)]
    arr = np.array(boxes, dtype=np.float64)
    kx = _lanczos_weights(w, arr[:, [0, 2]])
    ky = _lanczos_weights(h, arr[:, [1, 3]])
    noise = np.random.default_rng(w * 65537 + h).integers(0, 256, (h, w), dtype=np.uint8)
    img, g = Image.fromarray(noise), noise.astype(np.float64)
    h_first, v_first, pillow = [], [], []
    for i, box in enumerate(boxes):
        ref = _pixels(img, box)
        if np.array_equal(_clip8(ky[i] @ _clip8(g @ kx[i].T)), ref):
            h_first.append(i)
        elif np.array_equal(_clip8(_clip8(ky[i] @ g) @ kx[i].T), ref):
            v_first.append(i)
        else:  # pragma: no cover - a Pillow with other arithmetic
            pillow.append(i)
    hi, vi = np.array(h_first, dtype=int), np.array(v_first, dtype=int)
    banded = _banded(kx, ky, w, h, h_first, v_first, len(boxes))
    if banded is not None:  # the per-view weights below are not needed
        none = np.empty((0, 0))
        return _Plan(hi, vi, none, none.ravel(), none, none, none.ravel(), none, none.ravel(), banded)
    # The first pass is the expensive one (full resolution): done once per distinct span.
    _hs, h_rep, h_map = np.unique(arr[hi][:, [0, 2]], axis=0, return_index=True, return_inverse=True)
    _vs, v_rep, v_map = np.unique(arr[vi][:, [1, 3]], axis=0, return_index=True, return_inverse=True)
    plan = _Plan(
        h_first=hi,
        v_first=vi,
        kx_t=np.ascontiguousarray(kx[hi[h_rep]].reshape(-1, w).T),
        h_map=h_map.ravel(),
        ky_h=np.ascontiguousarray(ky[hi]),
        ky_v=np.ascontiguousarray(ky[vi[v_rep]].reshape(-1, h)),
        v_map=v_map.ravel(),
        kx_v=np.ascontiguousarray(kx[vi].transpose(0, 2, 1)),
        pillow=np.array(pillow, dtype=int),
        banded=None,
    )
    return plan


def _bands(windows: np.ndarray, size: int) -> tuple[int, int, int, np.ndarray]:
    """Overlapping bands of ``size`` pixels that hold every window ``(start, stop)``: step, band,
    number of bands, and the band of each window."""
    widest = max(1, int((windows[:, 1] - windows[:, 0]).max()))
    band = 2 * widest + 2
    if band >= size:
        return size, size, 1, np.zeros(len(windows), dtype=int)
    step = band - widest
    blocks = -(-(size - band) // step) + 1
    which = np.minimum(windows[:, 0] // step, blocks - 1)
    assert ((which * step <= windows[:, 0]) & (windows[:, 1] <= which * step + band)).all()
    return step, band, blocks, which


def _windows(weights: np.ndarray) -> np.ndarray:
    """``(start, stop)`` of the non-zero weights of each row (``(0, 1)`` for an all-zero row)."""
    nz = weights != 0
    n = weights.shape[1]
    start = np.where(nz.any(axis=1), nz.argmax(axis=1), 0)
    stop = np.where(nz.any(axis=1), n - nz[:, ::-1].argmax(axis=1), 1)
    return np.stack([start, stop], axis=1)


def _banded(
    kx: np.ndarray, ky: np.ndarray, w: int, h: int, h_first: list[int], v_first: list[int], n: int
) -> _Banded | None:
    """The banded plan of the views when they all take one pass order, else None."""
    if h_first == list(range(n)):
        first, second, rows, cols, transposed = kx, ky, w, h, False
    elif v_first == list(range(n)):
        first, second, rows, cols, transposed = ky, kx, h, w, True
    else:  # pragma: no cover - mixed orders: the per-view path
        return None
    scale = 1.0 / (1 << _PREC)
    # First pass: the distinct spans' 32 outputs each, from the band that holds their window.
    spans, inverse = np.unique(first.reshape(n, -1), axis=0, return_inverse=True)
    spans = spans.reshape(len(spans), _N, rows)
    flat = spans.reshape(-1, rows)
    step, band, blocks, which = _bands(_windows(flat), rows)
    per_block = int(np.bincount(which, minlength=blocks).max())
    k1 = np.zeros((blocks, per_block, band))
    slot = np.zeros(len(flat), dtype=int)
    fill = np.zeros(blocks, dtype=int)
    padded = np.zeros((len(flat), step * (blocks - 1) + band))
    padded[:, :rows] = flat * scale
    for c, b in enumerate(which):
        slot[c] = fill[b]
        fill[b] += 1
        k1[b, slot[c]] = padded[c, b * step : b * step + band]
    where = (which * per_block + slot).reshape(len(spans), _N)
    take1 = where[inverse.ravel()].ravel()
    # Second pass: per view, each output row from the band of first-pass rows that holds it.
    step2, band2, blocks2, which2 = _bands(_windows(second.reshape(-1, cols)), cols)
    which2 = which2.reshape(n, _N)
    per_block2 = max(int(np.bincount(which2[v], minlength=blocks2).max()) for v in range(n))
    k2 = np.zeros((n, blocks2, per_block2, band2))
    take2 = np.zeros((n, _N), dtype=int)
    padded2 = np.zeros((n, _N, step2 * (blocks2 - 1) + band2))
    padded2[:, :, :cols] = second * scale
    for v in range(n):
        fill = np.zeros(blocks2, dtype=int)
        for r in range(_N):
            b = which2[v, r]
            k2[v, b, fill[b]] = padded2[v, r, b * step2 : b * step2 + band2]
            take2[v, r] = (v * blocks2 + b) * per_block2 + fill[b]
            fill[b] += 1
    return _Banded(transposed, rows, cols, step, band, k1, take1, step2, band2, k2, take2.ravel())


_SCRATCH = threading.local()
_SIZES: dict[tuple[int, int], int] = {}
_SIZES_LOCK = threading.Lock()


def _common_size(w: int, h: int) -> bool:
    """True from the second photo of a size on: only then are its resampling weights built.

    Photos of one platform share a few sizes (and the analysis thumbnails them to 256 px), so
    nearly every photo takes the matrix path; a size seen once is resampled by Pillow instead.
    """
    with _SIZES_LOCK:
        n = _SIZES.get((w, h), 0) + 1
        if len(_SIZES) > 4096:
            _SIZES.clear()
        _SIZES[(w, h)] = n
    return n >= 2


def _scratch(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A per-thread work array, reused while the shape stays: a fresh array over glibc's mmap
    threshold (128 KB) costs a page fault per page on every call, which here cost more than the
    matrix products themselves. Zeroed when made (padding that is never written stays zero)."""
    bufs: dict[str, np.ndarray] | None = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    buf = bufs.get(name)
    if buf is None or buf.shape != shape:
        buf = bufs[name] = np.zeros(shape)
    return buf


def _clip8_inplace(acc: np.ndarray) -> None:
    """:func:`_clip8` in place."""
    acc += 1 << (_PREC - 1)
    acc *= 1.0 / (1 << _PREC)
    np.floor(acc, out=acc)
    np.clip(acc, 0, 255, out=acc)


def _round8_inplace(acc: np.ndarray) -> None:
    """:func:`_clip8` in place, of a sum already scaled by ``2**-22``."""
    acc += 0.5
    np.floor(acc, out=acc)
    np.clip(acc, 0, 255, out=acc)


def _resample_banded(pixels: np.ndarray, b: _Banded) -> np.ndarray:
    """:func:`_resample` of a plan whose views all take one pass order: two batched products."""
    src = pixels if b.transposed else pixels.T  # (rows, cols): the first pass runs along rows
    blocks, per_block, _band = b.k1.shape
    views, blocks2, per_block2, _band2 = b.k2.shape
    padded_rows = b.step * (blocks - 1) + b.band
    padded_cols = b.step2 * (blocks2 - 1) + b.band2
    # Only [:rows, :cols] is written: the padding holds zeros (or an earlier image's pixels, finite),
    # which meet only zero weights.
    g = _scratch("banded", (padded_rows, padded_cols))
    np.copyto(g[: b.rows, : b.cols], src)
    item = g.itemsize
    # Overlapping views into the work arrays (np.ndarray over their buffer: as_strided costs ~10 us).
    bands = np.ndarray(
        (blocks, b.band, padded_cols), g.dtype, g, 0, (b.step * padded_cols * item, padded_cols * item, item)
    )
    first = np.matmul(b.k1, bands, out=_scratch("banded1", (blocks, per_block, padded_cols)))
    _round8_inplace(first)
    a = first.reshape(-1, padded_cols)[b.take1]  # (views * 32, padded_cols): each view's first pass
    bands2 = np.ndarray(
        (views, blocks2, b.band2, _N),
        a.dtype,
        a,
        0,
        (_N * padded_cols * item, b.step2 * item, item, padded_cols * item),
    )
    second = np.matmul(b.k2, bands2, out=_scratch("banded3", (views, blocks2, per_block2, _N)))
    out: np.ndarray = second.reshape(-1, _N).take(b.take2, axis=0).reshape(views, _N, _N)
    _round8_inplace(out)
    return out.transpose(0, 2, 1) if b.transposed else out


def _resample(gray: Image.Image, plan: _Plan) -> np.ndarray:
    """Every fixed view of ``gray`` resampled to 32 x 32 by matrix products, as Pillow would.

    The sums are integers below 2**53 (or such integers times ``2**-22``), so float64 BLAS
    computes them exactly; each pass rounds to 8 bits as Pillow's does. When every view takes
    the same pass order (all the sizes seen so far), both passes are banded batched products
    (:class:`_Banded`); otherwise the full-resolution pass runs once per distinct span into a
    reused work array and the second pass is one small product per view.
    """
    pixels = np.asarray(gray)
    if plan.banded is not None:
        return _resample_banded(pixels, plan.banded)
    h, w = pixels.shape  # pragma: no cover - mixed pass orders (not seen with Pillow 10-11)
    g = _scratch("g", (h, w))
    np.copyto(g, pixels)
    n = len(plan.h_first) + len(plan.v_first) + len(plan.pillow)
    out = np.empty((n, _N, _N))
    if len(plan.h_first):
        acc = np.matmul(g, plan.kx_t, out=_scratch("h", (h, plan.kx_t.shape[1])))
        _clip8_inplace(acc)
        spans = acc.reshape(h, -1, _N)
        for j, v in enumerate(plan.h_first):
            np.matmul(plan.ky_h[j], spans[:, plan.h_map[j], :], out=out[v])
    if len(plan.v_first):
        acc = np.matmul(plan.ky_v, g, out=_scratch("v", (plan.ky_v.shape[0], w)))
        _clip8_inplace(acc)
        spans = acc.reshape(-1, _N, w)
        for j, v in enumerate(plan.v_first):
            np.matmul(spans[plan.v_map[j]], plan.kx_v[j], out=out[v])
    _clip8_inplace(out)
    if len(plan.pillow):
        boxes = _boxes(w, h, None)
        for i in plan.pillow:
            out[i] = _pixels(gray, boxes[i][1])
    return out


def phash_pair(gray: Image.Image) -> tuple[int, int]:
    """pHash of a grayscale image and of its mirror image, as ints.

    Bit-equal to ``imagehash.phash`` except where DCT coefficients tie with the median (flat or
    perfectly symmetric images), where float rounding may flip a bit.

    >>> from PIL import ImageDraw
    >>> im = Image.linear_gradient("L").rotate(30).resize((64, 64))
    >>> ImageDraw.Draw(im).ellipse([5, 10, 30, 40], fill=255)
    >>> a, m = phash_pair(im)
    >>> import imagehash
    >>> format(a, "016x") == str(imagehash.phash(im))
    True
    >>> from PIL import ImageOps
    >>> format(m, "016x") == str(imagehash.phash(ImageOps.mirror(im)))
    True
    """
    return phash_stack(_pixels(gray)[None])[0]


def is_stored_only(view: str) -> bool:
    """True for the inner-crop views an index stores but a query never probes with."""
    return view.startswith(STORED_ONLY_PREFIX)


@dataclass(frozen=True, slots=True)
class Signature:
    """The hashes of one photo's views: ``{view: (hash, mirrored_hash)}`` as ints.

    Views whose name starts with :data:`STORED_ONLY_PREFIX` (the inner crops) are stored but
    not probed: a cropped copy's *probes* land near the original's *stored* inner crop.
    """

    views: dict[str, tuple[int, int]] = field(default_factory=dict)

    def stored(self) -> list[tuple[str, int]]:
        """The plain hashes an index stores (every view, inner crops included)."""
        return [(v, h) for v, (h, _m) in self.views.items()]

    def probes(self) -> list[tuple[str, int, bool]]:
        """Every hash a query probes with: ``(view, hash, mirrored)``; inner crops are not probed."""
        probed = [(v, hm) for v, hm in self.views.items() if not is_stored_only(v)]
        out = [(v, h, False) for v, (h, _m) in probed]
        out += [(v, m, True) for v, (_h, m) in probed]
        return out

    def distance(self, other: Signature) -> int:
        """Smallest Hamming distance from any of our probes to any stored view of ``other``.

        >>> a = Signature({"full": (0b1011, 0b1101)})
        >>> a.distance(Signature({"full": (0b1001, 0)}))
        1
        >>> a.distance(Signature({"in_c78": (0b1101, 0)}))  # our mirror probe vs their inner crop
        0
        """
        best = 64
        for _v, h, _m in self.probes():
            for _w, g in other.stored():
                best = min(best, (h ^ g).bit_count())
        return best

    def to_json(self) -> dict[str, list[str]]:
        return {v: [format(h, "016x"), format(m, "016x")] for v, (h, m) in self.views.items()}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> Signature:
        return cls({v: (int(hm[0], 16), int(hm[1], 16)) for v, hm in data.items()})


def _boxes(w: int, h: int, face_box: tuple[int, int, int, int] | None) -> list[tuple[str, tuple[int, int, int, int]]]:
    boxes: list[tuple[str, tuple[int, int, int, int]]] = [("full", (0, 0, w, h))]
    for name, s in CENTRE_SCALES:
        dx, dy = round(w * (1 - s) / 2), round(h * (1 - s) / 2)
        boxes.append((name, (dx, dy, w - dx, h - dy)))
    cw, ch = round(w * CORNER_SCALE), round(h * CORNER_SCALE)
    for name, (x0, y0) in (("tl80", (0, 0)), ("tr80", (w - cw, 0)), ("bl80", (0, h - ch)), ("br80", (w - cw, h - ch))):
        boxes.append((name, (x0, y0, x0 + cw, y0 + ch)))
    for name, (left, top, right, bottom) in INNER_CROPS:
        boxes.append((name, (round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom)))))
    if face_box is not None and face_box[2] - face_box[0] >= 16 and face_box[3] - face_box[1] >= 16:
        boxes.append(("face", face_box))
    return boxes


@functools.lru_cache(maxsize=256)
def _fixed_names(w: int, h: int) -> tuple[str, ...]:
    return tuple(n for n, _b in _boxes(w, h, None))


def signature(img: Image.Image, face_box: tuple[int, int, int, int] | None = None) -> Signature:
    """Hash the views of ``img`` (RGB or L); ``face_box`` adds the face view.

    Every view is resampled to 32 x 32 and the stack is hashed by one batched DCT
    (:func:`phash_stack`). The fixed views are resampled by matrix products with Pillow's
    LANCZOS weights (cached per image size; bit-equal to ``Image.resize``), the face view by
    Pillow itself (its box differs in every photo).

    Args:
        img: the decoded photo (a draft-decoded copy is plenty: hashes look at 32 x 32).
        face_box: ``(left, top, right, bottom)`` of the crop around the face, if one was found.
    """
    gray = img if img.mode == "L" else img.convert("L")
    # Shrink once: every view below is resampled to 32 x 32 from this copy.
    if max(gray.size) > 256:
        gray = gray.copy()
        gray.thumbnail((256, 256), Image.Resampling.BILINEAR)
        sx, sy = gray.size[0] / img.size[0], gray.size[1] / img.size[1]
        if face_box is not None:
            face_box = (
                round(face_box[0] * sx),
                round(face_box[1] * sy),
                round(face_box[2] * sx),
                round(face_box[3] * sy),
            )
    w, h = gray.size
    names = _fixed_names(w, h)  # the fixed views: their resampling weights depend on the size only
    if _common_size(w, h):
        with one_blas_thread():
            stack = _resample(gray, _plan(w, h))
    else:  # a size seen once: Pillow per view (same pixels) beats building the weights (3-12 ms)
        stack = np.stack([_pixels(gray, box) for _n, box in _boxes(w, h, None)])
    if face_box is not None and face_box[2] - face_box[0] >= 16 and face_box[3] - face_box[1] >= 16:
        # its box differs in every photo: Pillow resamples it (the same arithmetic)
        names = (*names, "face")
        stack = np.concatenate([stack, _pixels(gray, face_box)[None]])
    return Signature(dict(zip(names, phash_stack(stack), strict=True)))
