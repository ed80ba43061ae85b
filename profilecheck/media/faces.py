"""Faces: detection, landmark alignment to one template, and 128-d embeddings (dlib's model).

The models come from packages that ship them: dlib's HOG frontal-face detector (inside
``dlib-bin``), and the 5-point landmark predictor and ResNet face descriptor of
``face-recognition-models``. That package is located on disk without importing it (importing
it drags in ``pkg_resources`` and a warning). When dlib or the model files are missing,
:func:`faces_available` is False and every helper returns no face: callers say UNKNOWN.

Detection runs on a copy of the (already draft-decoded) image scaled to ``DETECT_SIDE`` on its
longest side: the HOG detector's cost grows with the pixel count, a headshot's face is big,
and small photos are scaled up so that their faces reach the detector's 80-pixel window. Every face is aligned by
``dlib.get_face_chip`` to one landmark template at one scale (150 x 150, padding 0.25), so
two crops of one face at any framing give the same chip: the aligned chip is what both the
embedding and the AI-face model see.

The embedding is dlib's ResNet face descriptor computed by :mod:`profilecheck.media.facenet`
(the same network and weights as a numpy forward pass: equal to dlib's
``compute_face_descriptor`` within float32 rounding, about 4x cheaper per face); dlib's own
implementation is the fallback when that module cannot read the model file, or when
``PROFILECHECK_FACENET=0``. BLAS runs single-threaded inside the forward pass: the matrices are
small and the scan already runs one process per core.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

__all__ = [
    "CHIP_PADDING",
    "CHIP_SIZE",
    "DETECT_SIDE",
    "Face",
    "embed_chip",
    "face_crop_box",
    "faces_available",
    "find_faces",
]

CHIP_SIZE = 150
CHIP_PADDING = 0.25
#: Longest side of the copy the detector runs on.
DETECT_SIDE = 320

_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Face:
    """One face found in an image.

    ``box`` is ``(left, top, right, bottom)`` in the coordinates of the image passed in;
    ``chip`` the aligned ``CHIP_SIZE`` square RGB array; ``embedding`` dlib's 128-d descriptor
    (two photos of one person sit within about 0.6 of each other).
    """

    box: tuple[int, int, int, int]
    score: float
    chip: np.ndarray
    embedding: np.ndarray


def _models_dir() -> Path | None:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations))) / "models"
    return d if d.is_dir() else None


def _load() -> dict[str, Any]:
    with _LOCK:
        if _MODELS:
            return _MODELS
        try:
            import dlib
        except ImportError:
            _MODELS["ok"] = False
            return _MODELS
        d = _models_dir()
        if d is None:
            _MODELS["ok"] = False
            return _MODELS
        _MODELS["detector"] = dlib.get_frontal_face_detector()
        _MODELS["shape"] = dlib.shape_predictor(str(d / "shape_predictor_5_face_landmarks.dat"))
        _MODELS["facerec"] = dlib.face_recognition_model_v1(str(d / "dlib_face_recognition_resnet_model_v1.dat"))
        _MODELS["facenet"] = _load_facenet(d / "dlib_face_recognition_resnet_model_v1.dat")
        _MODELS["dlib"] = dlib
        _MODELS["ok"] = True
        return _MODELS


def _load_facenet(path: Path) -> Any:
    """The numpy forward pass of dlib's descriptor, or None (dlib computes it then)."""
    if os.environ.get("PROFILECHECK_FACENET", "1") == "0":
        return None
    try:
        from profilecheck.media.facenet import load_facenet

        return load_facenet(path)
    except (OSError, ValueError, IndexError):
        return None


def embed_chip(chip: np.ndarray) -> np.ndarray:
    """dlib's 128-d descriptor of an aligned chip: the numpy forward pass, else dlib's own."""
    m = _load()
    net = m.get("facenet")
    if net is not None:
        out: np.ndarray = net.descriptor(chip)
        return out
    return np.asarray(m["facerec"].compute_face_descriptor(chip), dtype=np.float32)


def faces_available() -> bool:
    """True when dlib and the face model files are installed."""
    return bool(_load().get("ok"))


def find_faces(
    img: Image.Image, *, max_faces: int = 3, detect_side: int = DETECT_SIDE, upsample: int = 0
) -> list[Face]:
    """Detect, align and embed the faces of ``img``, largest first.

    Args:
        img: an RGB image (as :func:`profilecheck.media.load_image` returns).
        max_faces: keep at most this many faces.
        detect_side: the detector runs on a copy no larger than this on its longest side.
        upsample: dlib's upsampling passes (0 is fastest; 1 finds faces half the size).

    Returns:
        The faces found, largest first; ``[]`` when none is found or dlib is not installed.
    """
    m = _load()
    if not m.get("ok"):
        return []
    dlib = m["dlib"]
    rgb = np.asarray(img.convert("RGB"))
    h, w = rgb.shape[:2]
    # Small photos are scaled *up* to the detection size too: the HOG window is 80 pixels, so
    # the face of a 200-pixel crop is otherwise missed.
    scale = detect_side / max(h, w)
    small = (
        rgb if abs(scale - 1.0) < 0.02 else np.asarray(img.convert("RGB").resize((round(w * scale), round(h * scale))))
    )
    rects, scores, _ = m["detector"].run(small, upsample, 0.0)
    found = sorted(zip(rects, scores, strict=True), key=lambda rs: -rs[0].area())[:max_faces]
    out: list[Face] = []
    for r, s in found:
        big = dlib.rectangle(
            int(r.left() / scale), int(r.top() / scale), int(r.right() / scale), int(r.bottom() / scale)
        )
        shape = m["shape"](rgb, big)
        chip = np.asarray(dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING))
        emb = embed_chip(chip)
        box = (max(0, big.left()), max(0, big.top()), min(w, big.right()), min(h, big.bottom()))
        out.append(Face(box=box, score=float(s), chip=chip, embedding=emb))
    return out


def face_crop_box(
    box: tuple[int, int, int, int], size: tuple[int, int], grow: float = 1.8
) -> tuple[int, int, int, int]:
    """A square around a face box, ``grow`` times its side, clipped to the image.

    >>> face_crop_box((40, 40, 60, 60), (100, 100), grow=2.0)
    (30, 30, 70, 70)
    """
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half = max(right - left, bottom - top) * grow / 2
    w, h = size
    return (max(0, round(cx - half)), max(0, round(cy - half)), min(w, round(cx + half)), min(h, round(cy + half)))
