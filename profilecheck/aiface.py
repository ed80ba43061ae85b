"""AI-made faces: the probability that a headshot's face is GAN-generated.

The model is deliberately light and framing-blind: every face is aligned by its landmarks to
one template at one scale (:mod:`profilecheck.media.faces`). Its features are dlib's 128-d
face descriptor plus 47 texture features of the aligned chip (:func:`chip_texture`:
second-order residual co-occurrences, local binary patterns, residual statistics per colour
channel), computed only over the chip's pixels that lie inside the photo: where the face sits
near the photo's edge, ``dlib.get_face_chip`` fills the chip with black, and tight Unsplash
portraits do that far more often than GAN faces, a framing shortcut the texture features must
not see. The features are standardised and scored by a logistic regression trained by
:func:`train` on ``faces/hardfakevsrealfaces`` (StyleGAN2 vs Unsplash) with photometric
augmentation (JPEG, resizing, blur, sharpening, noise, tone) and tight random re-crops of both
classes. See ``models/ai_face/MODEL_CARD.md`` for the held-out numbers, the shortcut checks
(fakes re-cropped tight, loose real photos of ``deepface-testfaces``) and the limits.

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
from PIL import Image, ImageEnhance, ImageFilter

from profilecheck.errors import ModelError
from profilecheck.media import load_image
from profilecheck.media.faces import face_crop_box, find_faces
from profilecheck.media.photo import DRAFT, PhotoFacts

__all__ = [
    "FEATURE_DIM",
    "MODEL_DIR",
    "AIFaceModel",
    "ai_face_features",
    "chip_texture",
    "evaluate",
    "face_vector",
    "load_model",
    "train",
]

MODEL_DIR = Path(os.environ.get("PROFILECHECK_MODELS", Path(__file__).resolve().parents[1] / "models")) / "ai_face"
MODEL_FILE = "ai_face.npz"
#: dlib's detector confidence below which a face is not judged (UNKNOWN): drawn and cartoon
#: faces, side views and tiny faces score low, and the model never saw them.
MIN_FACE_SCORE = 1.0
#: 128 embedding dimensions + 25 residual co-occurrences + 10 LBP bins + 12 residual statistics.
TEXTURE_DIM = 47
FEATURE_DIM = 128 + TEXTURE_DIM
VERSION = "ai_face@2"


# -- features of the aligned chip -------------------------------------------------------------
def _shift_or(m: np.ndarray) -> np.ndarray:
    """``m`` grown by one pixel (4-neighbourhood)."""
    out = m.copy()
    out[1:] |= m[:-1]
    out[:-1] |= m[1:]
    out[:, 1:] |= m[:, :-1]
    out[:, :-1] |= m[:, 1:]
    return out


def inside_mask(chip: np.ndarray, margin: int = 3) -> np.ndarray:
    """Pixels of an aligned chip that come from the photo (True), not from dlib's black fill.

    The fill is the pure-black region connected to the chip's border; it is grown by
    ``margin`` pixels to drop the interpolated seam.
    """
    black = np.asarray(chip).max(axis=-1) == 0
    seed = np.zeros_like(black)
    seed[0], seed[-1], seed[:, 0], seed[:, -1] = black[0], black[-1], black[:, 0], black[:, -1]
    if not seed.any():
        return np.ones(black.shape, dtype=bool)
    fill = seed
    for _ in range(black.shape[0] * 2):  # flood fill inside the black pixels
        grown = _shift_or(fill) & black
        if np.array_equal(grown, fill):
            break
        fill = grown
    for _ in range(margin):
        fill = _shift_or(fill)
    inside: np.ndarray = ~fill
    return inside


def _gray(chip: np.ndarray) -> np.ndarray:
    a = np.asarray(chip, dtype=np.float64)
    out: np.ndarray = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    return out


def _cooccurrence(g: np.ndarray, inside: np.ndarray, t: int = 2, q: float = 2.0) -> np.ndarray:
    """Co-occurrences of adjacent quantised second-order residuals (horizontal + vertical), 25 bins."""
    k = 2 * t + 1
    hists = []
    for axis in (0, 1):
        if axis == 0:
            r = g[:, :-2] - 2 * g[:, 1:-1] + g[:, 2:]
            ok = inside[:, 1:-1]
            a, b, w = r[:, :-1], r[:, 1:], ok[:, :-1] & ok[:, 1:]
        else:
            r = g[:-2, :] - 2 * g[1:-1, :] + g[2:, :]
            ok = inside[1:-1, :]
            a, b, w = r[:-1, :], r[1:, :], ok[:-1, :] & ok[1:, :]
        qa = np.clip(np.round(a / q), -t, t).astype(np.int64) + t
        qb = np.clip(np.round(b / q), -t, t).astype(np.int64) + t
        h = np.bincount((qa * k + qb)[w], minlength=k * k).astype(np.float64)
        hists.append(h / max(h.sum(), 1.0))
    out: np.ndarray = np.sqrt(hists[0] + hists[1])
    return out


def _lbp(g: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Rotation-invariant uniform local binary patterns (8 neighbours, radius 1), 10 bins."""
    c = g[1:-1, 1:-1]
    h, w = g.shape
    ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    bits = np.stack([g[dy : dy + h - 2, dx : dx + w - 2] >= c for dy, dx in ring]).astype(np.int64)
    ones = bits.sum(axis=0)
    changes = np.abs(np.diff(np.concatenate([bits, bits[:1]]), axis=0)).sum(axis=0)
    code = np.where(changes <= 2, ones, 9)
    hist = np.bincount(code[inside[1:-1, 1:-1]], minlength=10).astype(np.float64)
    out: np.ndarray = np.sqrt(hist / max(hist.sum(), 1.0))
    return out


def _residual_stats(chip: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Per colour channel: log spread, shape and kurtosis of the Laplacian residual; their cross-correlations."""
    a = np.asarray(chip, dtype=np.float64)
    ok = inside[1:-1, 1:-1]
    if ok.sum() < 16:
        ok = np.ones_like(ok)
    out: list[float] = []
    res = []
    for ch in range(3):
        x = a[..., ch]
        r = (4 * x[1:-1, 1:-1] - x[:-2, 1:-1] - x[2:, 1:-1] - x[1:-1, :-2] - x[1:-1, 2:])[ok]
        res.append(r)
        sd = float(r.std()) + 1e-6
        out += [np.log(sd), float(np.log(np.mean(np.abs(r)) + 1e-6) - np.log(sd)), float(np.mean((r / sd) ** 4))]
    with np.errstate(invalid="ignore", divide="ignore"):
        cc = np.corrcoef(np.stack(res))
    out += [cc[0, 1], cc[0, 2], cc[1, 2]]
    return np.nan_to_num(np.array(out, dtype=np.float64))


def chip_texture(chip: np.ndarray) -> np.ndarray:
    """The 47 texture features of an aligned chip, over its pixels inside the photo only."""
    inside = inside_mask(chip)
    g = _gray(chip)
    return np.concatenate([_cooccurrence(g, inside), _lbp(g, inside), _residual_stats(chip, inside)])


def face_vector(chip: np.ndarray, embedding: np.ndarray) -> np.ndarray:
    """The model's input for one face: its 128-d embedding and the texture of its aligned chip."""
    return np.concatenate([np.asarray(embedding, dtype=np.float64).ravel(), chip_texture(chip)])


@dataclass(frozen=True)
class AIFaceModel:
    """Standardiser + logistic regression over :func:`face_vector` (embedding + chip texture)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    version: str

    def proba(self, features: np.ndarray) -> np.ndarray:
        """P(AI-made) for each row of ``features`` (n x FEATURE_DIM, rows of :func:`face_vector`)."""
        z = (np.asarray(features, dtype=np.float64).reshape(-1, self.mean.shape[0]) - self.mean) / self.scale
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
    dims = (FEATURE_DIM,)
    if m.mean.shape != dims or m.coef.shape != dims or m.scale.shape != dims or not np.all(m.scale > 0):
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
    p = float(m.proba(face_vector(face.chip, face.embedding)[None, :])[0])
    return {"ai_face": {"p": round(p, 4), "threshold": round(m.threshold, 4), "model": m.version}}


# -- training and evaluation ------------------------------------------------------------------
_AUGMENTS = ("jpeg", "resize", "upscale", "blur", "sharpen", "noise", "tone")


def _augment(img: Image.Image, rng: random.Random) -> Image.Image:
    """One to three of: JPEG re-encoding (quality 30-95), down-and-up resizing, upscaling, blur,
    unsharp masking, sensor-like noise, gamma / contrast / saturation, each at a random strength.

    Applied alike to real and fake training photos, so that camera, compression and retouching
    differences cannot tell the classes apart.
    """
    resamplers = [Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS]
    for how in rng.sample(_AUGMENTS, rng.choice([1, 2, 2, 3])):
        w, h = img.size
        if how == "jpeg":
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=rng.randrange(30, 96))
            img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        elif how == "resize":
            s = rng.uniform(0.35, 0.85)
            down = rng.choice([*resamplers, Image.Resampling.BOX])
            img = img.resize((max(8, round(w * s)), max(8, round(h * s))), down).resize(
                (w, h), rng.choice(resamplers[:2])
            )
        elif how == "upscale":
            s = rng.uniform(1.3, 2.5)
            img = img.resize((round(w * s), round(h * s)), rng.choice(resamplers))
        elif how == "blur":
            img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.5)))
        elif how == "sharpen":
            img = img.filter(
                ImageFilter.UnsharpMask(rng.uniform(0.8, 2.5), rng.randrange(40, 180), rng.randrange(0, 4))
            )
        elif how == "noise":
            px = np.asarray(img, dtype=np.float64)
            shape = px.shape if rng.random() < 0.5 else (*px.shape[:2], 1)
            px = px + np.random.default_rng(rng.randrange(2**31)).normal(0.0, rng.uniform(1.0, 6.0), shape)
            img = Image.fromarray(np.clip(px + 0.5, 0, 255).astype(np.uint8))
        else:  # tone
            a = 255.0 * (np.asarray(img, dtype=np.float32) / 255.0) ** rng.uniform(0.7, 1.4)
            img = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
            img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.75, 1.3))
            img = ImageEnhance.Color(img).enhance(rng.uniform(0.7, 1.3))
    return img


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


def _vector(img: Image.Image) -> np.ndarray | None:
    faces = find_faces(img, max_faces=1)
    return face_vector(faces[0].chip, faces[0].embedding) if faces else None


def _vectors(
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
        v = _vector(img)
        if v is not None:
            rows.append(v)
            kept.append(p)
    return (np.array(rows, dtype=np.float64).reshape(-1, FEATURE_DIM), kept)


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
    ef, _ = _vectors(test_f)
    er, _ = _vectors(test_r)
    pf, pr = model.proba(ef), model.proba(er)
    thr_1 = float(np.quantile(pr, 0.99))
    tf, _ = _vectors(test_f, lambda im: _reframe_tight(im, rng))
    tr, _ = _vectors(test_r, lambda im: _reframe_tight(im, rng))
    loose = sorted((data_dir / "deepface-testfaces").glob("*.jpg"))[:loose_limit]
    el, kept_loose = _vectors(loose)
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


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> AIFaceModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    return AIFaceModel(mean, scale, clf.coef_[0].astype(np.float64), float(clf.intercept_[0]), 0.5, VERSION)


def train(
    data_dir: Path,
    out_dir: Path = MODEL_DIR,
    *,
    seed: int = 0,
    test_share: float = 0.3,
    augment: int = 3,
    limit: int | None = None,
    c: float = 0.3,
    folds: int = 5,
    loose_limit: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train the ai_face model on ``data_dir/hardfakevsrealfaces`` and write it with its metrics.

    Every training photo enters as itself, ``augment`` augmented copies (:func:`_augment`) and
    one tight re-crop with a random offset, for both classes. The operating threshold is the
    99th percentile of out-of-fold scores of the real training faces (``folds``-fold
    cross-validation grouped by photo, all copies included), so that it rests on every real
    training photo rather than on a small validation slice.

    Args:
        data_dir: the shared ``faces`` folder (holding ``hardfakevsrealfaces`` and ``deepface-testfaces``).
        out_dir: where ``ai_face.npz`` and ``metrics.json`` go.
        seed: split and augmentation seed.
        test_share: share of each class held out (never trained on, never used for the threshold).
        augment: augmented copies per training image.
        limit: use at most this many images per class (tests train on a tiny subset).
        c: inverse regularisation strength of the logistic regression.
        folds: cross-validation folds for the out-of-fold threshold.
        loose_limit: check at most this many loose real photos (tests).
        progress: called with a line of text as stages finish.

    Returns:
        The metrics written to ``metrics.json``.
    """
    from sklearn.model_selection import GroupKFold, train_test_split

    say = progress or (lambda _s: None)
    src = data_dir / "hardfakevsrealfaces" / "images"
    fakes = sorted((src / "fake").glob("*.jpg"))[:limit]
    reals = sorted((src / "real").glob("*.jpg"))[:limit]
    if not fakes or not reals:
        raise ModelError(f"no training images under {src}", path=str(src))
    tr_f, te_f = train_test_split(fakes, test_size=test_share, random_state=seed)
    tr_r, te_r = train_test_split(reals, test_size=test_share, random_state=seed)
    rng = random.Random(seed)
    xs, ys, gs, copies = [], [], [], []
    for label, paths in ((1, tr_f), (0, tr_r)):
        kinds: list[tuple[str, Callable[[Image.Image], Image.Image | None] | None]] = [("orig", None)]
        kinds += [("augment", lambda im: _augment(im, rng))] * augment
        kinds += [("reframe", lambda im: _reframe_tight(im, rng))]
        for kind, transform in kinds:
            v, kept = _vectors(paths, transform)
            xs.append(v)
            ys.append(np.full(len(v), label))
            gs += [f"{label}/{p.name}" for p in kept]
            copies += [kind] * len(v)
        say(f"featurised {'fake' if label else 'real'} training faces")
    x, y, groups = np.vstack(xs), np.concatenate(ys), np.array(gs)
    # Out-of-fold scores of every training face: the threshold and the validation AUROC.
    oof = np.full(len(y), np.nan)
    n_groups = len(set(gs))
    for fit_i, val_i in GroupKFold(n_splits=max(2, min(folds, n_groups))).split(x, y, groups):
        if len(set(y[fit_i])) < 2:
            continue
        oof[val_i] = _fit(x[fit_i], y[fit_i], c).proba(x[val_i])
    is_orig = np.array(copies) == "orig"
    scored = ~np.isnan(oof)
    oof_real = oof[scored & (y == 0)]
    thr = float(np.quantile(oof_real, 0.99)) if len(oof_real) else 0.5
    full = _fit(x, y, c)
    model = AIFaceModel(full.mean, full.scale, full.coef, full.intercept, max(0.5, thr), VERSION)
    say("fitted; evaluating on held-out data")
    of, orr = oof[scored & is_orig & (y == 1)], oof[scored & is_orig & (y == 0)]
    split = {"test_fake": [p.name for p in te_f], "test_real": [p.name for p in te_r]}
    metrics: dict[str, Any] = {
        "model": VERSION,
        "features": FEATURE_DIM,
        "train_faces": len(y),
        "train_images": {"fake": len(tr_f), "real": len(tr_r)},
        "threshold_from": f"99th percentile of {len(oof_real)} out-of-fold real training faces ({folds}-fold)",
        "oof_auroc_original_training_faces": round(_auroc(of, orr), 4) if len(of) and len(orr) else None,
        "augment_copies": augment,
        "reframe_copies": 1,
        "seed": seed,
        "C": c,
        **evaluate(model, data_dir, split, seed, loose_limit),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / MODEL_FILE)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    _CACHE.pop(out_dir / MODEL_FILE, None)
    return metrics
