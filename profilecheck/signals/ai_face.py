"""ai_face: the probability that the headshot's face was made by a GAN.

The per-profile analysis aligns the largest face of each photo to one landmark template,
embeds it (dlib, 128-d), adds texture features of the aligned chip and scores it with the
shipped logistic model
(``models/ai_face/``, trained on StyleGAN2 vs Unsplash faces by ``profilecheck train
ai-face``). This signal reads that probability against the model's operating threshold
(set for 1% false positives on out-of-fold scores of the training source's real faces).

Reason codes:
    AI_FACE_LIKELY        HIT: a face scores at or above the operating threshold; the
                          strength grows with the probability
    AI_FACE_UNLIKELY      MISS: every face found scores below the threshold
    NO_FACE               UNKNOWN: no photo, no face found (cartoons, logos, side views), or
                          the model is not installed

Known false positives: heavily retouched or beauty-filtered studio portraits, and faces from
other sources than the training data (1 of 59 loose real photos in the shortcut check of the
model card). Known misses: generators other than StyleGAN2 (diffusion faces were never
seen in training) and faces too small to align. A HIT is evidence for review, never proof.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from profilecheck.model import Evidence, Profile, Status
from profilecheck.signals import Context, register

W_MAX = 2.0
W_MISS = -0.1


@register
class AIFace:
    name = "ai_face"
    version = 1

    def __call__(self, profile: Profile, ctx: Context) -> Iterator[Evidence]:
        scored = [
            p["ai_face"]
            for p in ctx.features.get("photos", [])
            if p.get("status") == "ok" and isinstance(p.get("ai_face"), dict) and "p" in p["ai_face"]
        ]
        if not scored:
            reasons = sorted(
                {
                    p["ai_face"].get("reason", "")
                    for p in ctx.features.get("photos", [])
                    if isinstance(p.get("ai_face"), dict)
                }
                - {""}
            )
            why = "; ".join(reasons) if reasons else "no photo could be checked"
            yield Evidence(self.name, "NO_FACE", Status.UNKNOWN, 0.0, why)
            return
        best = max(scored, key=lambda s: s["p"])
        p, thr = float(best["p"]), float(best["threshold"])
        if p >= thr:
            # From 1 at the threshold up to W_MAX as p approaches 1.
            rel = (p - thr) / max(1e-6, 1 - thr)
            strength = 1.0 + (W_MAX - 1.0) * math.sqrt(max(0.0, min(1.0, rel)))
            yield Evidence(
                self.name,
                "AI_FACE_LIKELY",
                Status.HIT,
                round(strength, 3),
                f"face scores {p:.2f} as GAN-made (threshold {thr:.2f}, {best['model']})",
            )
        else:
            yield Evidence(
                self.name, "AI_FACE_UNLIKELY", Status.MISS, W_MISS, f"face scores {p:.2f} (threshold {thr:.2f})"
            )
