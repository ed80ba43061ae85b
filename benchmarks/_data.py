"""Where the shared data sets live (``../shared/data`` beside the project)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PROFILECHECK_SHARED_DATA", ROOT.parent / "shared" / "data"))
FACES = SHARED_DATA / "faces"
DEEPFACE = FACES / "deepface-testfaces"
HARDFAKE = FACES / "hardfakevsrealfaces" / "images"


def real_photos(n_deepface: int = 64, n_unsplash: int = 539) -> list[Path]:
    """Single-face real photos: deepface-testfaces (group shots left out) then Unsplash reals."""
    deep = sorted(p for p in DEEPFACE.glob("img*.jpg"))[:n_deepface]
    uns = sorted(HARDFAKE.glob("real/*.jpg"), key=lambda p: int(p.stem.split("_")[1]))[:n_unsplash]
    return [*deep, *uns]
