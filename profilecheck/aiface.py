"""AI-made faces: the probability that a headshot's face is GAN-generated.

The model is deliberately light and framing-blind: every face is aligned by its landmarks to
one template at one scale (:mod:`profilecheck.media.faces`), embedded by dlib's 128-d face
descriptor, standardised, and scored by a logistic regression trained by :func:`train` on
``faces/hardfakevsrealfaces`` (StyleGAN2 vs Unsplash) with JPEG, resize and blur
augmentation. Whole-image features score near 1.0 on that source only because its fakes share
one framing; see ``models/ai_face/MODEL_CARD.md`` for the held-out numbers, the shortcut
checks (fakes re-cropped tight, loose real photos of ``deepface-testfaces``) and the limits.

The weights ship as ``models/ai_face/ai_face.npz`` (arrays only, loaded with
``allow_pickle=False``); retrain with ``profilecheck train ai-face``.
"""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from profilecheck.errors import ModelError
from profilecheck.media import load_image
from profilecheck.media.faces import face_crop_box, find_faces
from profilecheck.media.photo import DRAFT, PhotoFacts

__all__ = ["MODEL_DIR", "AIFaceModel", "ai_face_features", "evaluate", "load_model", "train"]

MODEL_DIR = Path(os.environ.get("PROFILECHECK_MODELS", Path(__file__).resolve().parents[1] / "models")) / "ai_face"
MODEL_FILE = "ai_face.npz"
#: dlib's detector confidence below which a face is not judged (UNKNOWN): drawn and cartoon
#: faces, side views and tiny faces score low, and the model never saw them.
MIN_FACE_SCORE = 1.0


@dataclass(frozen=True)
class AIFaceModel:
    """Standardiser + logistic regression over 128-d face embeddings."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    version: str

    def proba(self, embeddings: np.ndarray) -> np.ndarray:
        """P(AI-made) for each row of ``embeddings`` (n x 128)."""
        z = (np.asarray(embeddings, dtype=np.float64).reshape(-1, self.mean.shape[0]) - self.mean) / self.scale
        out: np.ndarray = 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            mean=self.mean,
            scale=self.scale,
            coef=self.coef,
            intercept=np.array([self.intercept]),
            threshold=np.array([self.threshold]),
            version=np.array([self.version]),
        )


_CACHE: dict[Path, AIFaceModel] = {}


def load_model(path: Path | None = None) -> AIFaceModel:
    """Load the shipped weights (arrays only; never a pickle). Raises ModelError when absent."""
    p = path or MODEL_DIR / MODEL_FILE
    if p in _CACHE:
        return _CACHE[p]
    try:
        with np.load(p, allow_pickle=False) as z:
            m = AIFaceModel(
                mean=z["mean"].astype(np.float64),
                scale=z["scale"].astype(np.float64),
                coef=z["coef"].astype(np.float64),
                intercept=float(z["intercept"][0]),
                threshold=float(z["threshold"][0]),
                version=str(z["version"][0]),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"cannot load the ai_face model {p}: {exc}", path=str(p)) from exc
    if m.mean.shape != (128,) or m.coef.shape != (128,) or not np.all(m.scale > 0):
        raise ModelError(f"{p}: not an ai_face model (shapes {m.mean.shape}, {m.coef.shape})", path=str(p))
    _CACHE[p] = m
    return m


def ai_face_features(facts: PhotoFacts) -> dict[str, Any]:
    """The ``ai_face`` feature of one photo: ``{"p": ..., "threshold": ..., "model": ...}`` or a reason."""
    if not facts.faces:
        return {"ai_face": {"reason": "no face found" if facts.face_search else "face analysis switched off"}}
    face = facts.faces[0]
    if face.score < MIN_FACE_SCORE:
        return {"ai_face": {"reason": f"face detected with low confidence ({face.score:.2f} < {MIN_FACE_SCORE})"}}
    try:
        m = load_model()
    except ModelError as exc:
        return {"ai_face": {"reason": f"model unavailable: {exc}"}}
    p = float(m.proba(face.embedding[None, :])[0])
    return {"ai_face": {"p": round(p, 4), "threshold": round(m.threshold, 4), "model": m.version}}


# -- training and evaluation ------------------------------------------------------------------
def _augment(img: Image.Image, rng: random.Random) -> Image.Image:
    """One of JPEG re-encoding, down-and-up resizing or blur, at a random strength."""
    how = rng.choice(["jpeg", "resize", "blur"])
    if how == "jpeg":
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randrange(30, 90))
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if how == "resize":
        s = rng.uniform(0.4, 0.8)
        w, h = img.size
        return img.resize((round(w * s), round(h * s)), Image.Resampling.BILINEAR).resize((w, h))
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))


def _reframe_tight(img: Image.Image, rng: random.Random) -> Image.Image | None:
    """Re-crop a photo tight around its face with a random offset (breaks fixed eye positions)."""
    faces = find_faces(img, max_faces=1)
    if not faces:
        return None
    left, top, right, bottom = face_crop_box(faces[0].box, img.size, grow=rng.uniform(1.2, 1.5))
    side = right - left
    dx, dy = round(side * rng.uniform(-0.1, 0.1)), round(side * rng.uniform(-0.1, 0.1))
    box = (max(0, left + dx), max(0, top + dy), min(img.width, right + dx), min(img.height, bottom + dy))
    return img.crop(box).resize((256, 256), Image.Resampling.BICUBIC)


def _embed(img: Image.Image) -> np.ndarray | None:
    faces = find_faces(img, max_faces=1)
    return faces[0].embedding if faces else None


def _embed_all(
    paths: Sequence[Path], transform: Callable[[Image.Image], Image.Image | None] | None = None
) -> tuple[np.ndarray, list[Path]]:
    rows, kept = [], []
    for p in paths:
        img = load_image(p.read_bytes(), draft_size=DRAFT, name=str(p))[0]
        if transform is not None:
            t = transform(img)
            if t is None:
                continue
            img = t
        e = _embed(img)
        if e is not None:
            rows.append(e)
            kept.append(p)
    return (np.array(rows, dtype=np.float64).reshape(-1, 128), kept)


def _auroc(pos: np.ndarray, neg: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    return float(roc_auc_score(y, np.r_[pos, neg]))


def evaluate(
    model: AIFaceModel, data_dir: Path, split: dict[str, list[str]], seed: int = 0, loose_limit: int | None = None
) -> dict[str, Any]:
    """Held-out metrics: in-source test split, fakes and reals re-cropped tight, loose real photos."""
    rng = random.Random(seed)
    fake_dir, real_dir = (
        data_dir / "hardfakevsrealfaces" / "images" / "fake",
        data_dir / "hardfakevsrealfaces" / "images" / "real",
    )
    test_f = [fake_dir / n for n in split["test_fake"]]
    test_r = [real_dir / n for n in split["test_real"]]
    ef, _ = _embed_all(test_f)
    er, _ = _embed_all(test_r)
    pf, pr = model.proba(ef), model.proba(er)
    thr_1 = float(np.quantile(pr, 0.99))
    tf, _ = _embed_all(test_f, lambda im: _reframe_tight(im, rng))
    tr, _ = _embed_all(test_r, lambda im: _reframe_tight(im, rng))
    loose = sorted((data_dir / "deepface-testfaces").glob("*.jpg"))[:loose_limit]
    el, kept_loose = _embed_all(loose)
    pl = model.proba(el)
    return {
        "test_fake_faces": len(pf),
        "test_real_faces": len(pr),
        "auroc_in_source": round(_auroc(pf, pr), 4),
        "tpr_at_1pct_fpr_in_source": round(float((pf > thr_1).mean()), 4),
        "tpr_at_operating_threshold": round(float((pf >= model.threshold).mean()), 4),
        "fpr_at_operating_threshold": round(float((pr >= model.threshold).mean()), 4),
        "reframed_fake_faces": len(tf),
        "reframed_real_faces": len(tr),
        "auroc_reframed_fakes_vs_reframed_reals": round(_auroc(model.proba(tf), model.proba(tr)), 4),
        "auroc_reframed_fakes_vs_test_reals": round(_auroc(model.proba(tf), pr), 4),
        "loose_real_photos": len(loose),
        "loose_real_faces_found": len(kept_loose),
        "loose_real_flagged_at_threshold": round(float((pl >= model.threshold).mean()), 4),
        "loose_real_flagged_names": sorted(p.name for p, s in zip(kept_loose, pl, strict=True) if s >= model.threshold),
        "operating_threshold": round(model.threshold, 4),
    }


def train(
    data_dir: Path,
    out_dir: Path = MODEL_DIR,
    *,
    seed: int = 0,
    test_share: float = 0.3,
    augment: int = 1,
    limit: int | None = None,
    c: float = 0.3,
    loose_limit: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train the ai_face model on ``data_dir/hardfakevsrealfaces`` and write it with its metrics.

    Args:
        data_dir: the shared ``faces`` folder (holding ``hardfakevsrealfaces`` and ``deepface-testfaces``).
        out_dir: where ``ai_face.npz`` and ``metrics.json`` go.
        seed: split and augmentation seed.
        test_share: share of each class held out (never trained on, never used for the threshold).
        augment: augmented copies per training image (JPEG, resize, blur).
        limit: use at most this many images per class (tests train on a tiny subset).
        c: inverse regularisation strength of the logistic regression.
        loose_limit: check at most this many loose real photos (tests).
        progress: called with a line of text as stages finish.

    Returns:
        The metrics written to ``metrics.json``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    say = progress or (lambda _s: None)
    src = data_dir / "hardfakevsrealfaces" / "images"
    fakes = sorted((src / "fake").glob("*.jpg"))[:limit]
    reals = sorted((src / "real").glob("*.jpg"))[:limit]
    if not fakes or not reals:
        raise ModelError(f"no training images under {src}", path=str(src))
    tr_f, te_f = train_test_split(fakes, test_size=test_share, random_state=seed)
    tr_r, te_r = train_test_split(reals, test_size=test_share, random_state=seed)
    # A validation slice of the training part sets the threshold (1% of its reals flagged).
    tr_f, va_f = train_test_split(tr_f, test_size=0.2, random_state=seed)
    tr_r, va_r = train_test_split(tr_r, test_size=0.2, random_state=seed)
    rng = random.Random(seed)
    xs, ys = [], []
    for label, paths in ((1, tr_f), (0, tr_r)):
        e, _ = _embed_all(paths)
        xs.append(e)
        ys.append(np.full(len(e), label))
        for _ in range(augment):
            e, _ = _embed_all(paths, lambda im: _augment(im, rng))
            xs.append(e)
            ys.append(np.full(len(e), label))
        say(f"embedded {'fake' if label else 'real'} training faces")
    x, y = np.vstack(xs), np.concatenate(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit((x - mean) / scale, y)
    model = AIFaceModel(mean, scale, clf.coef_[0].astype(np.float64), float(clf.intercept_[0]), 0.5, "ai_face@1")
    vr, _ = _embed_all(va_r)
    vf, _ = _embed_all(va_f)
    thr = float(np.quantile(model.proba(vr), 0.99)) if len(vr) else 0.5
    model = AIFaceModel(mean, scale, model.coef, model.intercept, max(0.5, thr), model.version)
    say("fitted; evaluating on held-out data")
    split = {"test_fake": [p.name for p in te_f], "test_real": [p.name for p in te_r]}
    metrics: dict[str, Any] = {
        "train_faces": len(y),
        "train_images": {"fake": len(tr_f), "real": len(tr_r)},
        "validation_images": {"fake": len(va_f), "real": len(va_r)},
        "validation_auroc": round(_auroc(model.proba(vf), model.proba(vr)), 4) if len(vf) and len(vr) else None,
        "augment_copies": augment,
        "seed": seed,
        "C": c,
        **evaluate(model, data_dir, split, seed, loose_limit),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / MODEL_FILE)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    _CACHE.pop(out_dir / MODEL_FILE, None)
    return metrics
