"""The same-photograph verifier: the precision tier of reuse detection.

Hash candidates and face-embedding neighbours include different photos of one person (and
look-alikes); this stage decides whether two images are *the same photograph*, however
edited. It matches ORB keypoints (OpenCV), fits a similarity transform (rotation, uniform
scale, translation) with RANSAC (``cv2.estimateAffinePartial2D``), warps one image onto the
other and measures the normalised pixel correlation on the overlap. The second image is
also tried mirrored. Two photos of one person taken moments apart share no consistent
transform with high correlation on the overlap; a crop, resize, re-encode, border, banner,
watermark or small rotation of one photo does.

:func:`prepare` decodes and extracts keypoints once per photo (callers cache it);
:func:`compare` costs a match, a RANSAC fit and a warp per pair.
Thresholds (:data:`MIN_INLIERS`, :data:`MIN_NCC`, :data:`MIN_OVERLAP`) were chosen on the
robustness benchmark (``python -m benchmarks robustness``): see ``docs/photo-reuse.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

__all__ = [
    "MIN_INLIERS",
    "MIN_NCC",
    "MIN_OVERLAP",
    "VERIFY_SIDE",
    "Prepared",
    "Verdict",
    "compare",
    "prepare",
    "same_photo",
]

#: Longest side the verifier works at.
VERIFY_SIDE = 384
#: RANSAC inliers needed before a transform is believed.
MIN_INLIERS = 12
#: Overlap score at which two photos are the same photograph (ROC in docs/photo-reuse.md).
MIN_NCC = 0.90
#: Band-pass correlation is lower than plain correlation for honest copies (resizing and JPEG
#: remove detail): it enters the score as ``min(ncc, detail + DETAIL_OFFSET)``.
DETAIL_OFFSET = 0.2
#: Chroma (Lab a/b) correlation enters as ``chroma + CHROMA_OFFSET`` when both photos have colour.
CHROMA_OFFSET = 0.3
#: Below this standard deviation of Lab a/b, a photo counts as gray.
MIN_CHROMA_STD = 3.0
#: Edits rotate a little; keypoints of look-alike drawings can fit any angle.
MAX_ANGLE = 30.0
#: Share of the smaller image the overlap must cover.
MIN_OVERLAP = 0.25

_ORB: Any = None


def _orb() -> Any:
    global _ORB
    if _ORB is None:
        _ORB = cv2.ORB_create(nfeatures=1000, fastThreshold=10, edgeThreshold=15, patchSize=15)  # type: ignore[attr-defined]
    return _ORB


@dataclass(frozen=True, slots=True)
class Prepared:
    """One photo ready to compare: its gray pixels and keypoints, plain and mirrored."""

    gray: np.ndarray
    chroma: np.ndarray | None  # Lab a/b channels (float32, centred), None for a gray photo
    pts: np.ndarray
    desc: np.ndarray | None
    pts_m: np.ndarray
    desc_m: np.ndarray | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """How two photos compare. ``score`` is the overlap correlation (0 when no transform fits)."""

    same: bool
    score: float
    inliers: int
    overlap: float
    mirrored: bool
    scale: float = 1.0
    angle: float = 0.0
    ncc: float = 0.0
    detail: float = 0.0


def _features(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    kps, desc = _orb().detectAndCompute(gray, None)
    pts = np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2)
    return pts, desc


def prepare(img: Image.Image, side: int = VERIFY_SIDE) -> Prepared:
    """Gray copy at ``side`` pixels on its longest side and its ORB keypoints, plain and mirrored."""
    rgb = img.convert("RGB")
    if max(rgb.size) != side:
        s = side / max(rgb.size)
        rgb = rgb.resize((max(8, round(rgb.size[0] * s)), max(8, round(rgb.size[1] * s))), Image.Resampling.BILINEAR)
    arr = np.asarray(rgb)
    gray = np.ascontiguousarray(cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY))
    lab = cv2.cvtColor(arr, cv2.COLOR_RGB2LAB)[:, :, 1:].astype(np.float32) - 128.0
    chroma = np.ascontiguousarray(lab) if float(lab.std()) >= MIN_CHROMA_STD else None
    pts, desc = _features(gray)
    pts_m, desc_m = _features(np.ascontiguousarray(gray[:, ::-1]))
    return Prepared(gray, chroma, pts, desc, pts_m, desc_m)


_BF = cv2.BFMatcher(cv2.NORM_HAMMING)


def _fit(a: Prepared, pts_b: np.ndarray, desc_b: np.ndarray | None) -> tuple[np.ndarray | None, int]:
    if a.desc is None or desc_b is None or len(a.desc) < 2 or len(desc_b) < 2:
        return None, 0
    good: list[tuple[int, int]] = []
    for pair in _BF.knnMatch(desc_b, a.desc, k=2):
        if len(pair) == 2 and pair[0].distance < 0.8 * pair[1].distance:
            good.append((pair[0].queryIdx, pair[0].trainIdx))
    if len(good) < MIN_INLIERS:
        return None, 0
    src = pts_b[[q for q, _ in good]]
    dst = a.pts[[t for _, t in good]]
    m, inl = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0, maxIters=2000, confidence=0.99
    )
    if m is None or inl is None:
        return None, 0
    return m, int(inl.sum())


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum()) / den if den > 0 else 0.0


def _chroma_corr(a: np.ndarray, b: np.ndarray, m: np.ndarray, mask: np.ndarray) -> float:
    h, w = a.shape[:2]
    warped = cv2.warpAffine(b, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0))
    x = cv2.GaussianBlur(a, (0, 0), 2.0)[mask]
    y = cv2.GaussianBlur(warped, (0, 0), 2.0)[mask]
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum()) / den if den > 0 else 0.0


def _ncc(a: np.ndarray, b_gray: np.ndarray, m: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    h, w = a.shape
    warped = cv2.warpAffine(b_gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    cover = cv2.warpAffine(np.full(b_gray.shape, 255, np.uint8), m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    mask: np.ndarray = cv2.erode(cover, np.ones((5, 5), np.uint8)) > 0
    overlap = float(mask.sum()) / float(min(a.size, b_gray.size))
    if mask.sum() < 400:
        return 0.0, overlap, 0.0, mask
    # Compare structure, not noise or JPEG blocks: a light blur on both sides. Flat studio
    # backgrounds make two photos of one pose correlate on their silhouette alone, so the
    # band-pass (detail between 1.5 and 6 pixels) is correlated too.
    xa = cv2.GaussianBlur(a.astype(np.float32), (0, 0), 1.5)
    ya = cv2.GaussianBlur(warped.astype(np.float32), (0, 0), 1.5)
    xb = xa - cv2.GaussianBlur(xa, (0, 0), 6.0)
    yb = ya - cv2.GaussianBlur(ya, (0, 0), 6.0)
    inner: np.ndarray = cv2.erode(mask.astype(np.uint8), np.ones((13, 13), np.uint8)) > 0
    if inner.sum() < 400:
        inner = mask
    return _corr(xa[mask], ya[mask]), overlap, _corr(xb[inner], yb[inner]), mask


def _flip(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else np.ascontiguousarray(x[:, ::-1])


def compare(a: Prepared, b: Prepared) -> Verdict:
    """Best of ``b`` and mirrored ``b`` fitted onto ``a``."""
    best = Verdict(False, 0.0, 0, 0.0, False)
    for mirrored, pts, desc, gray, chroma in (
        (False, b.pts, b.desc, b.gray, b.chroma),
        (True, b.pts_m, b.desc_m, np.ascontiguousarray(b.gray[:, ::-1]), _flip(b.chroma)),
    ):
        m, inliers = _fit(a, pts, desc)
        if m is None or inliers < MIN_INLIERS:
            continue
        scale = float(np.hypot(m[0, 0], m[1, 0]))
        angle = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
        if not 0.2 <= scale <= 5.0 or abs(angle) > MAX_ANGLE:
            continue
        ncc, overlap, detail, mask = _ncc(a.gray, gray, m)
        score = min(ncc, detail + DETAIL_OFFSET)
        if a.chroma is not None and chroma is not None and mask.sum() >= 400:
            # Two colour photos: their colours must line up too (a gray copy skips this).
            score = min(score, _chroma_corr(a.chroma, chroma, m, mask) + CHROMA_OFFSET)
        same = score >= MIN_NCC and overlap >= MIN_OVERLAP
        v = Verdict(same, score, inliers, overlap, mirrored, scale, angle, ncc, detail)
        if (v.same, v.score) > (best.same, best.score):
            best = v
    return best


def same_photo(a: Image.Image, b: Image.Image) -> Verdict:
    """Compare two decoded images directly (convenience for one-off checks)."""
    return compare(prepare(a), prepare(b))
