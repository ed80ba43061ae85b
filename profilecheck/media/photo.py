"""One photo's features for reuse detection: faces, signature, embedding.

:func:`describe` is what the per-profile analysis, the reference sets and the benchmarks all
run on a decoded photo, so the three see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from profilecheck.media.faces import Face, face_crop_box, find_faces
from profilecheck.media.signature import Signature, signature

__all__ = ["DRAFT", "PhotoFacts", "describe"]

#: JPEG draft target for analysis: libjpeg decodes big photos at 1/2, 1/4 or 1/8 scale, never
#: below this; faces, hashes and the verifier all work at or under 384 pixels.
DRAFT = (384, 384)


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What :func:`describe` found: the signature, the faces (largest first)."""

    signature: Signature
    faces: list[Face]
    face_search: bool = True  # False when detection was skipped

    @property
    def embedding(self) -> np.ndarray | None:
        return self.faces[0].embedding if self.faces else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sig": self.signature.to_json(), "faces": len(self.faces)}
        if self.faces:
            f = self.faces[0]
            out["face_box"] = list(f.box)
            out["face_score"] = round(f.score, 3)
            out["embedding"] = [round(float(x), 4) for x in f.embedding]
        return out


def describe(img: Image.Image, *, faces: bool = True) -> PhotoFacts:
    """Faces and signature of a decoded photo (``faces=False`` skips detection: hash tier only)."""
    found = find_faces(img) if faces else []
    box = face_crop_box(found[0].box, img.size) if found else None
    return PhotoFacts(signature(img, box), found, faces)
