"""Speed per core on 800 x 800 JPEGs, against ``imagehash.phash(Image.open(path))`` in the same run.

Tiers, each timed over the same files in one process, median of ``--repeat`` runs. Every rate is
given per wall second and per CPU second of this process (``time.process_time``; BLAS is held to
one thread in the face descriptor and this benchmark sets OpenCV to one thread), so that figures taken on a
shared machine stay comparable; the load averages are printed with them:

- ``baseline``: ``imagehash.phash(Image.open(path))`` (full decode, one hash);
- ``hash tier``: :func:`load_image` with JPEG draft decoding (libjpeg's 1/8 scale, 100 x 100)
  of the luma only (``mode="L"``: the signature needs no colour) + the whole signature (12
  views and their mirrors, resampled and hashed by banded matrix products): what recall needs
  when no face is wanted; ``hash tier, RGB decode``: the same with an RGB decode converted to
  L by the signature (the tier before luma decoding), in the same run;
- ``robust path``: draft decoding to <= 384 px, face detection on that small copy, landmark
  alignment, the 128-d embedding (:mod:`profilecheck.media.facenet`), the signature with its face
  view: what the scan runs; ``robust path, dlib descriptor``: the same with dlib's own
  ``compute_face_descriptor`` (the fallback), in the same run;
- ``descriptor``: the 128-d face descriptor per aligned chip, the numpy forward pass against
  dlib's ``compute_face_descriptor``;
- ``verify``: the verifier's cost per candidate pair (prepare once per photo, then compare).

Speed-ups are medians of per-round ratios, the two tiers' passes taken in turns.

Run: ``nice python -m benchmarks.speed [--n 40] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imagehash
from PIL import Image

from benchmarks._data import real_photos
from profilecheck.media import faces, load_image
from profilecheck.media.photo import DRAFT, describe
from profilecheck.media.signature import signature
from profilecheck.media.verify import compare, prepare


def make_jpegs(folder: Path, n: int) -> list[Path]:
    out = []
    for i, p in enumerate(real_photos(0, n)):
        img = Image.open(p).convert("RGB").resize((800, 800), Image.Resampling.LANCZOS)
        q = folder / f"p{i:03d}.jpg"
        img.save(q, "JPEG", quality=90)
        out.append(q)
    return out


def _rate(fn: Callable[[Path], Any], files: list[Path], repeat: int) -> tuple[float, float]:
    """Median photos per wall second and per CPU second over ``repeat`` passes."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        for f in files:
            fn(f)
        wall.append(len(files) / (time.perf_counter() - t))
        cpu.append(len(files) / max(1e-9, time.process_time() - c))
    return statistics.median(wall), statistics.median(cpu)


def _interleaved(
    fa: Callable[[Path], Any], fb: Callable[[Path], Any], files: list[Path], repeat: int
) -> tuple[tuple[float, float], tuple[float, float], float, float]:
    """Passes of ``fa`` and ``fb`` taken in turns (the same machine state for both).

    Returns the median rates of each (wall, CPU) and the median ratios b / a of the rounds,
    per wall second and per CPU second.
    """
    ra, rb, wall, cpu = [], [], [], []
    for _ in range(repeat):
        a = _rate(fa, files, 1)
        b = _rate(fb, files, 1)
        ra.append(a)
        rb.append(b)
        wall.append(b[0] / a[0])
        cpu.append(b[1] / a[1])
    med = statistics.median
    return (
        (med(x[0] for x in ra), med(x[1] for x in ra)),
        (med(x[0] for x in rb), med(x[1] for x in rb)),
        med(wall),
        med(cpu),
    )


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def baseline(path: Path) -> Any:
    return imagehash.phash(Image.open(path))


#: JPEG draft target of the hash tier: libjpeg decodes an 800 x 800 JPEG at 1/8 scale (100 x 100),
#: still three times the 32 x 32 every view is resampled to.
HASH_DRAFT = (64, 64)


def hash_tier(path: Path) -> Any:
    img, _ = load_image(path.read_bytes(), draft_size=HASH_DRAFT, name=str(path), mode="L")
    return signature(img)


def hash_tier_rgb(path: Path) -> Any:
    """The hash tier with an RGB decode (the signature then converts to L): the figure before luma decoding."""
    img, _ = load_image(path.read_bytes(), draft_size=HASH_DRAFT, name=str(path))
    return signature(img)


def robust_path(path: Path) -> Any:
    img, _ = load_image(path.read_bytes(), draft_size=DRAFT, name=str(path))
    return describe(img)


def robust_path_dlib(path: Path) -> Any:
    """The robust path with dlib's own descriptor (the fallback), for the in-run comparison."""
    m = faces._load()
    net = m.get("facenet")
    m["facenet"] = None
    try:
        return robust_path(path)
    finally:
        m["facenet"] = net


def _ms(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """Milliseconds per call, wall and CPU."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return 1000 * (time.perf_counter() - t) / n, 1000 * (time.process_time() - c) / n


def run(n: int = 40, repeat: int = 5) -> dict[str, Any]:
    import cv2

    cv2.setNumThreads(1)  # one core: the verifier's warps would otherwise spread over all
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_jpegs(Path(tmp), n)
        faces.faces_available()  # models loaded before timing
        for fn in (baseline, hash_tier, hash_tier_rgb, robust_path, robust_path_dlib):
            fn(files[0])  # warm: lazy imports, models, per-size weights
        base, hashes, hash_wall_ratio, hash_cpu_ratio = _interleaved(baseline, hash_tier, files, repeat)
        _base, hashes_rgb, rgb_wall_ratio, rgb_cpu_ratio = _interleaved(baseline, hash_tier_rgb, files, repeat)
        robust_dlib, robust, robust_wall_ratio, robust_cpu_ratio = _interleaved(
            robust_path_dlib, robust_path, files, max(1, repeat - 1)
        )
        chips = [f.chip for p in files for f in faces.find_faces(load_image(p.read_bytes(), draft_size=DRAFT)[0])]
        m = faces._load()
        desc_ms = _ms(lambda: [m["facenet"].descriptor(c) for c in chips], len(chips)) if m.get("facenet") else None
        dlib_ms = _ms(lambda: [m["facerec"].compute_face_descriptor(c) for c in chips], len(chips))
        imgs = [load_image(f.read_bytes(), draft_size=DRAFT)[0] for f in files[:20]]
        preps: list[Any] = []
        prep_ms = _ms(lambda: preps.extend(prepare(im) for im in imgs), len(imgs))
        pairs = list(zip(preps, preps[1:] + preps[:1], strict=True))
        diff_ms = _ms(lambda: [compare(a, b) for a, b in pairs], len(pairs))
        copies = []
        for im in imgs:
            buf = io.BytesIO()
            im.crop((20, 20, im.width - 30, im.height - 10)).save(buf, "JPEG", quality=70)
            copies.append(load_image(buf.getvalue())[0])
        same_ms = _ms(lambda: [compare(a, prepare(c)) for a, c in zip(preps, copies, strict=True)], len(imgs))
    return {
        "files": n,
        "size": "800x800 JPEG q90",
        "load_before": load_before,
        "load_after": _load(),
        "baseline_imagehash_phash_per_s": round(base[0], 1),
        "baseline_imagehash_phash_per_cpu_s": round(base[1], 1),
        "hash_tier_per_s": round(hashes[0], 1),
        "hash_tier_per_cpu_s": round(hashes[1], 1),
        "hash_tier_speedup_wall": round(hash_wall_ratio, 2),
        "hash_tier_speedup_per_cpu_s": round(hash_cpu_ratio, 2),
        "hash_tier_rgb_decode_per_s": round(hashes_rgb[0], 1),
        "hash_tier_rgb_decode_per_cpu_s": round(hashes_rgb[1], 1),
        "hash_tier_rgb_decode_speedup_wall": round(rgb_wall_ratio, 2),
        "hash_tier_rgb_decode_speedup_per_cpu_s": round(rgb_cpu_ratio, 2),
        "robust_path_per_s": round(robust[0], 1),
        "robust_path_per_cpu_s": round(robust[1], 1),
        "robust_path_dlib_descriptor_per_s": round(robust_dlib[0], 1),
        "robust_path_dlib_descriptor_per_cpu_s": round(robust_dlib[1], 1),
        "robust_path_numpy_vs_dlib_descriptor_per_cpu_s": round(robust_cpu_ratio, 2),
        "robust_path_numpy_vs_dlib_descriptor_wall": round(robust_wall_ratio, 2),
        "faces": len(chips),
        "descriptor_numpy_ms_per_face": round(desc_ms[0], 2) if desc_ms else None,
        "descriptor_numpy_cpu_ms_per_face": round(desc_ms[1], 2) if desc_ms else None,
        "descriptor_dlib_ms_per_face": round(dlib_ms[0], 2),
        "descriptor_dlib_cpu_ms_per_face": round(dlib_ms[1], 2),
        "verify_prepare_ms_per_photo": round(prep_ms[0], 2),
        "verify_prepare_cpu_ms_per_photo": round(prep_ms[1], 2),
        "verify_compare_ms_per_pair_different": round(diff_ms[0], 2),
        "verify_compare_cpu_ms_per_pair_different": round(diff_ms[1], 2),
        "verify_ms_per_pair_same_incl_prepare": round(same_ms[0], 2),
        "verify_cpu_ms_per_pair_same_incl_prepare": round(same_ms[1], 2),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    print(json.dumps(run(a.n, a.repeat), indent=1))


if __name__ == "__main__":
    main()
