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

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

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
    bits = flat > np.median(flat, axis=1, keepdims=True)
    packed = np.packbits(bits, axis=1)  # 8 bytes per row, most significant bit first
    return [int(x) for x in packed.view(">u8").ravel()]


def phash_stack(pixels: np.ndarray) -> list[tuple[int, int]]:
    """pHash and mirrored pHash of a stack of 32 x 32 grayscale views, as ints.

    One batched matrix product does every view's DCT (``D @ X @ D.T`` over the stack);
    mirroring flips the sign of the odd horizontal frequencies, so the mirror costs a sign flip.
    """
    low = np.matmul(np.matmul(_D, pixels), _D.T)  # (views, 8, 8): rows vertical frequency
    plain = _hash_rows(low)
    mirrored = _hash_rows(low * _MIRROR_SIGN)
    return list(zip(plain, mirrored, strict=True))


def _pixels(gray: Image.Image) -> np.ndarray:
    return np.asarray(gray.resize((_N, _N), Image.Resampling.LANCZOS), dtype=np.float64)


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


def signature(img: Image.Image, face_box: tuple[int, int, int, int] | None = None) -> Signature:
    """Hash the views of ``img`` (RGB or L); ``face_box`` adds the face view.

    Every view is resampled to 32 x 32 and the stack is hashed by one batched DCT
    (:func:`phash_stack`).

    Args:
        img: the decoded photo (a draft-decoded copy is plenty: hashes look at 32 x 32).
        face_box: ``(left, top, right, bottom)`` of the crop around the face, if one was found.
    """
    gray = img.convert("L")
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
    boxes = _boxes(*gray.size, face_box)
    stack = np.stack(
        [np.asarray(gray.resize((_N, _N), Image.Resampling.LANCZOS, box=box), dtype=np.float64) for _n, box in boxes]
    )
    return Signature(dict(zip([n for n, _b in boxes], phash_stack(stack), strict=True)))
