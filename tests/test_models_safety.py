"""Models and dependencies: only our own model files, only through formats that cannot run code."""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "profilecheck", ROOT / "spiders"]

# Ways Python code loads something that can execute code on load.
UNSAFE_LOADS = re.compile(
    r"\bpickle\.loads?\(|\bcPickle\.|\bdill\.|\bcloudpickle\.|\bjoblib\.load\(|\bread_pickle\(|"
    r"\bshelve\.open\(|\bmarshal\.loads?\(|allow_pickle\s*=\s*True|"
    r"\btorch\.load\((?![^)]*weights_only\s*=\s*True)|\bskops\.io\.load\([^)]*trusted\s*=\s*True|"
    r"\bfrom_pretrained\([^)]*trust_remote_code\s*=\s*True"
)
PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".dill"}


def _is_pickle(blob: bytes) -> bool:
    """A pickle stream (protocol 2+ starts with PROTO), or a zip holding one (torch's format)."""
    if len(blob) > 2 and blob[0] == 0x80 and 2 <= blob[1] <= 5:
        return True
    if blob.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                for name in z.namelist():
                    if name.endswith((".pkl", "data.pkl")):
                        return True
                    if name.endswith(".npy") and b"|O" in z.read(name)[:128]:
                        return True
        except zipfile.BadZipFile:
            return False
    return blob.startswith(b"\x93NUMPY") and b"|O" in blob[:128]


def test_no_source_loads_pickles() -> None:
    """No module of ours loads pickles, joblib, unsafe torch checkpoints or remote code."""
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for src in SOURCES
        for path in src.rglob("*.py")
        for text in [path.read_text(encoding="utf-8")]
        for m in UNSAFE_LOADS.finditer(text)
    ]
    assert [] == offenders


def test_shipped_model_files_are_safe_formats() -> None:
    """Every file under models/ (and package data) is a safe format: no pickle inside, whatever its name."""
    files = [p for d in (ROOT / "models", ROOT / "profilecheck") if d.exists() for p in d.rglob("*") if p.is_file()]
    offenders = [
        str(p.relative_to(ROOT))
        for p in files
        if "__pycache__" not in p.parts and (p.suffix in PICKLE_SUFFIXES or _is_pickle(p.read_bytes()[:1 << 20]))
    ]
    assert [] == offenders


def test_detector_sees_pickles(tmp_path: Path) -> None:
    """The checks above can fail: a pickle, a torch-style zip and an object .npy are all caught."""
    class_blob = pickle.dumps({"a": 1}, protocol=4)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", class_blob)
    npy = io.BytesIO()
    np.save(npy, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    assert _is_pickle(class_blob) and _is_pickle(buf.getvalue()) and _is_pickle(npy.getvalue())
    assert not _is_pickle(b"\x89PNG\r\n\x1a\n") and not _is_pickle(b'{"weights": []}')
    assert UNSAFE_LOADS.search("m = torch.load(path)") and not UNSAFE_LOADS.search("torch.load(p, weights_only=True)")


def test_array_loader_refuses_pickled_arrays(tmp_path: Path) -> None:
    """Our npz loader (the MinHash LSH index) refuses an index file whose arrays are pickled objects."""
    from profilecheck.index.minhash import LSHIndex

    path = tmp_path / "index.npz"
    np.savez(
        path,
        meta=np.array([4, 4, 16, 8]),
        ids=np.array([{"__reduce__": "os.system"}], dtype=object),
        sigs=np.zeros((1, 16), dtype=np.uint16),
        alive=np.ones(1, dtype=bool),
        keys=np.zeros((0, 0)),
        rows=np.zeros(0),
    )
    with pytest.raises(ValueError, match="allow_pickle"):
        LSHIndex.load(path)
