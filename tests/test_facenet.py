"""The numpy forward pass of dlib's face descriptor: weights parsed from the .dat, output equal to dlib's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from profilecheck.media import load_image
from profilecheck.media.facenet import DatReader, FaceNet
from profilecheck.media.faces import _load, _models_dir, embed_chip, faces_available, find_faces
from profilecheck.media.photo import DRAFT
from tests.conftest import SHARED_DATA

REAL = SHARED_DATA / "faces" / "hardfakevsrealfaces" / "images" / "real"
DEEPFACE = SHARED_DATA / "faces" / "deepface-testfaces"

pytestmark = pytest.mark.skipif(not faces_available(), reason="dlib or face models not installed")


def _model_path() -> str:
    d = _models_dir()
    assert d is not None
    return str(d / "dlib_face_recognition_resnet_model_v1.dat")


def test_dlib_integers_floats_and_strings_decode() -> None:
    """dlib's variable-length integers (size | sign byte, little-endian), mantissa * 2**exponent floats."""
    r = DatReader(bytes([1, 1, 2, 0x80, 0x12, 0x81, 0x1C, 0, 3, 0x0A, 0xD7, 0xA3, 0x81, 0x1C, 1, 2]) + b"ab")
    assert r.read_int() == 1
    assert r.read_int() == 0x1280
    assert r.read_int() == -28
    assert r.read_int() == 0
    assert r.read_float() == pytest.approx(0.04)
    assert r.read_string() == "ab"


def test_descriptor_equals_dlib_on_aligned_chips() -> None:
    """Within float32 rounding of dlib's compute_face_descriptor on the same chips (max |diff| < 2e-6)."""
    net = FaceNet(_model_path())
    facerec = _load()["facerec"]
    chips = []
    for p in [*sorted(REAL.glob("real_*.jpg"))[:6], *sorted(DEEPFACE.glob("img*.jpg"))[:6]]:
        img = load_image(p.read_bytes(), draft_size=DRAFT, name=str(p))[0]
        chips += [f.chip for f in find_faces(img)]
    assert len(chips) >= 8
    ours = np.array([net.descriptor(c) for c in chips])
    ref = np.array([np.asarray(facerec.compute_face_descriptor(c)) for c in chips])
    assert np.abs(ours - ref).max() < 2e-6
    assert np.allclose([embed_chip(c) for c in chips], ref, atol=2e-6, rtol=0)


def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    """A truncated or altered file raises ValueError (faces.py then falls back to dlib)."""
    data = Path(_model_path()).read_bytes()
    cut = tmp_path / "cut.dat"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        FaceNet(cut)
    wrong = tmp_path / "wrong.dat"
    wrong.write_bytes(data.replace(b"\x01\x05con_4", b"\x01\x05con_9", 1))
    with pytest.raises(ValueError):
        FaceNet(wrong)


def test_one_blas_thread_nests_and_restores() -> None:
    """numpy's BLAS runs on one thread inside (nested blocks too) and gets its thread count back after.

    Only numpy's own BLAS is checked: other libraries (scipy's, torch's) may bring their own,
    loaded later, which the numpy products here never call.
    """
    from threadpoolctl import threadpool_info

    from profilecheck.media.facenet import one_blas_thread

    def blas_threads() -> list[int]:
        return [
            int(i["num_threads"])
            for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in str(i.get("filepath", ""))
        ]

    before = blas_threads()
    assert before
    with one_blas_thread():
        with one_blas_thread():
            assert all(n == 1 for n in blas_threads())
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before
