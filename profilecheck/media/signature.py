"""Photo signatures: the recall tier of reuse detection.

A signature is a handful of 64-bit perceptual hashes of one photo, each of a different view,
so that an edited copy lands near *one* of them even when it is far from the others:

- ``full``: the whole image;
- ``c85``, ``c70``: centre crops keeping 85% and 70% of each side (a cropped copy is close
  to the original's crop at about its own scale, and vice versa);
- ``tl80``, ``tr80``, ``bl80``, ``br80``: 80% crops anchored at each corner (a copy cropped
  more on one side than the other is close to one of them);
- ``face``: a square around the largest face, 1.8 times its side (survives borders, banners,
  padding and loose crops, as long as the face is found).

Each hash has a mirrored twin (``*_m``) computed from the same DCT: mirroring an image flips
the sign of its odd horizontal frequencies, so the mirror costs a sign flip, not a second
resize. Stored photos are indexed on the plain views; a query probes with plain and mirrored
views. Hashes are pHash exactly as :func:`imagehash.phash` computes it (a golden test pins
this), so the values interoperate with other tools.

Hashes only *propose* candidates: the keypoint verifier (:mod:`profilecheck.media.verify`)
decides whether two photos are the same photograph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

__all__ = ["CENTRE_SCALES", "Signature", "dct_matrix", "phash_pair", "signature"]

CENTRE_SCALES: tuple[tuple[str, float], ...] = (("c85", 0.85), ("c70", 0.70))
CORNER_SCALE = 0.8
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
_WEIGHTS = np.left_shift(np.uint64(1), np.arange(63, -1, -1, dtype=np.uint64))


def _bits_to_u64(bits: np.ndarray) -> int:
    return int(np.bitwise_or.reduce(_WEIGHTS[bits.ravel()]))


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
    px = np.asarray(gray.resize((_N, _N), Image.Resampling.LANCZOS), dtype=np.float64)
    low = _D @ px @ _D.T  # rows: vertical frequency, columns: horizontal
    low_m = low * _MIRROR_SIGN
    a = _bits_to_u64(low > np.median(low))
    m = _bits_to_u64(low_m > np.median(low_m))
    return a, m


@dataclass(frozen=True, slots=True)
class Signature:
    """The hashes of one photo's views: ``{view: (hash, mirrored_hash)}`` as ints."""

    views: dict[str, tuple[int, int]] = field(default_factory=dict)

    def stored(self) -> list[tuple[str, int]]:
        """The plain hashes an index stores."""
        return [(v, h) for v, (h, _m) in self.views.items()]

    def probes(self) -> list[tuple[str, int, bool]]:
        """Every hash a query probes with: ``(view, hash, mirrored)``."""
        out = [(v, h, False) for v, (h, _m) in self.views.items()]
        out += [(v, m, True) for v, (_h, m) in self.views.items()]
        return out

    def distance(self, other: Signature) -> int:
        """Smallest Hamming distance from any of our probes to any stored view of ``other``.

        >>> a = Signature({"full": (0b1011, 0b1101)})
        >>> a.distance(Signature({"full": (0b1001, 0)}))
        1
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


def signature(img: Image.Image, face_box: tuple[int, int, int, int] | None = None) -> Signature:
    """Hash the views of ``img`` (RGB or L); ``face_box`` adds the face view.

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
    views: dict[str, tuple[int, int]] = {"full": phash_pair(gray)}
    w, h = gray.size
    for name, s in CENTRE_SCALES:
        dx, dy = round(w * (1 - s) / 2), round(h * (1 - s) / 2)
        views[name] = phash_pair(gray.crop((dx, dy, w - dx, h - dy)))
    cw, ch = round(w * CORNER_SCALE), round(h * CORNER_SCALE)
    for name, (x0, y0) in (("tl80", (0, 0)), ("tr80", (w - cw, 0)), ("bl80", (0, h - ch)), ("br80", (w - cw, h - ch))):
        views[name] = phash_pair(gray.crop((x0, y0, x0 + cw, y0 + ch)))
    if face_box is not None and face_box[2] - face_box[0] >= 16 and face_box[3] - face_box[1] >= 16:
        views["face"] = phash_pair(gray.crop(face_box))
    return Signature(views)
