"""Speed per core on 800 x 800 JPEGs, against ``imagehash.phash(Image.open(path))`` in the same run.

Tiers, each timed over the same files in one process (so: per core), median of ``--repeat`` runs:

- ``baseline``: ``imagehash.phash(Image.open(path))`` (full decode, one hash);
- ``hash tier``: :func:`load_image` with JPEG draft decoding (libjpeg's 1/4 scale) + our
  signature (image, two centre crops, mirrors): what recall needs when no face is wanted;
- ``robust path``: draft decoding to <= 384 px, face detection on that small copy, landmark
  alignment, the 128-d embedding, the signature with its face view: what the scan runs;
- ``verify``: the verifier's cost per candidate pair (prepare once per photo, then compare).

Run: ``nice python -m benchmarks.speed [--n 40] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imagehash
from PIL import Image

from benchmarks._data import real_photos
from profilecheck.media import load_image
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


def _rate(fn: Callable[[Path], Any], files: list[Path], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        for f in files:
            fn(f)
        runs.append(len(files) / (time.perf_counter() - t))
    return statistics.median(runs)


def baseline(path: Path) -> Any:
    return imagehash.phash(Image.open(path))


def hash_tier(path: Path) -> Any:
    img, _ = load_image(path.read_bytes(), draft_size=(128, 128), name=str(path))
    return signature(img)


def robust_path(path: Path) -> Any:
    img, _ = load_image(path.read_bytes(), draft_size=DRAFT, name=str(path))
    return describe(img)


def run(n: int = 40, repeat: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_jpegs(Path(tmp), n)
        base = _rate(baseline, files, repeat)
        hashes = _rate(hash_tier, files, repeat)
        robust = _rate(robust_path, files, max(1, repeat - 1))
        imgs = [load_image(f.read_bytes(), draft_size=DRAFT)[0] for f in files[:20]]
        t = time.perf_counter()
        preps = [prepare(im) for im in imgs]
        prep_ms = 1000 * (time.perf_counter() - t) / len(imgs)
        t = time.perf_counter()
        k = 0
        for a, b in zip(preps, preps[1:] + preps[:1], strict=True):
            compare(a, b)
            k += 1
        diff_ms = 1000 * (time.perf_counter() - t) / k
        t = time.perf_counter()
        for im, a in zip(imgs, preps, strict=True):
            buf = io.BytesIO()
            im.crop((20, 20, im.width - 30, im.height - 10)).save(buf, "JPEG", quality=70)
            compare(a, prepare(load_image(buf.getvalue())[0]))
        same_ms = 1000 * (time.perf_counter() - t) / len(imgs)
    return {
        "files": n,
        "size": "800x800 JPEG q90",
        "baseline_imagehash_phash_per_s": round(base, 1),
        "hash_tier_per_s": round(hashes, 1),
        "hash_tier_speedup": round(hashes / base, 2),
        "robust_path_per_s": round(robust, 1),
        "robust_path_vs_baseline": round(robust / base, 2),
        "verify_prepare_ms_per_photo": round(prep_ms, 2),
        "verify_compare_ms_per_pair_different": round(diff_ms, 2),
        "verify_ms_per_pair_same_incl_prepare": round(same_ms, 2),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    print(json.dumps(run(a.n, a.repeat), indent=1))


if __name__ == "__main__":
    main()
