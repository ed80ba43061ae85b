"""The scale sample: the bundled marketplace grown to 10^4 ... 10^6 profiles, with photos and rings.

Same vocabulary as :mod:`profilecheck.sample` (names, places, bios, ring templates, edited
copies of a stolen headshot), built for size:

- **Deterministic and partition-free**: profile ``i`` is made from its own seed, so the output
  does not depend on how many worker processes wrote it. Work goes out in *units* of
  ``UNIT`` consecutive profiles; each unit holds its own rings (their members share a stolen
  headshot, a wallet, a phone and a site), about :data:`RING_SHARE` of all profiles.
- **Streaming**: a worker writes its unit's rows to a part file and its photos to disk and
  returns only counts; the parts are then concatenated into ``profiles.jsonl`` and
  ``truth.csv``. Memory is bounded by one unit, whatever the size.
- **Cheap, distinct photos**: procedural 400 px headshots cost ~40 ms each, too slow for 10^6.
  A pool of :data:`BASES` distinct base headshots is rendered once (160 px); each genuine
  profile's photo is a new composite of two bases (random crop, zoom, mirror, blend, lighting
  ramp, colour cast, noise) in a scene of its own (translucent shapes: background, clothing),
  a real distinct image whose pHash is far from its neighbours' (the test measures that
  genuine photos almost never fall within the matching radius).
- **Genuine people stay apart as the sample grows**: a genuine bio is the bundled sample's
  pooled sentences plus two sentences of particulars (employers, projects, years), so genuine
  profiles do not collide on photo or bio at a rate that grows with the square of the size,
  which made 10^6 slower per profile than 10^5 and flagged genuine profiles by chance.
  Ring members post edited copies (re-encode, resize, crop, mirror) of their ring's photo.

``write_scale_sample(out, size=100_000)`` writes ``profiles.jsonl``, ``photos/NNN/*.jpg`` and
``truth.csv`` (``profile_id,label,ring``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from profilecheck.sample import (
    CLIENTS,
    FAKE_PLACES,
    FIRST,
    FREEMAIL,
    LAST,
    PLACES,
    PRODUCTS,
    RING_TEMPLATES,
    ROLES,
    SAMPLE_NOW,
    SKILLS,
    _date,
    _genuine_bio,
    _headshot,
    _jpeg,
    _ring_bio,
    _variant,
)

__all__ = ["BASES", "PHOTO_SIZE", "RING_SHARE", "UNIT", "ScaleSummary", "write_scale_sample"]

PLATFORM = "gigscale"
#: Profiles per unit of work (and per part file); rings never cross a unit.
UNIT = 1000
#: Distinct base headshots every genuine photo is composed from.
BASES = 192
#: Side of the base headshots and of the photos written, in pixels.
PHOTO_SIZE = 160
#: Share of profiles that are ring members (rings of 4-7 inside every unit).
RING_SHARE = 0.02
_HOWS = ["exact", "reencode", "resize", "crop", "mirror", "exact", "reencode"]


@dataclass
class ScaleSummary:
    out_dir: Path
    profiles: int
    genuine: int
    fake: int
    rings: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.profiles / self.seconds if self.seconds else 0.0


def _seed(*parts: int) -> int:
    """A stable 63-bit seed from integers (``hash()`` of ints is stable, but be explicit)."""
    h = 1469598103934665603
    for p in parts:
        h = ((h ^ (p & 0xFFFFFFFFFFFF)) * 1099511628211) & 0x7FFFFFFFFFFFFFFF
    return h


# -- photos ------------------------------------------------------------------------------------
def _render_base(args: tuple[int, int]) -> bytes:
    """One base headshot, the same bytes in any process.

    ``Image.effect_noise`` draws from C's ``rand()``, whose state depends on what the process did
    before; while a base renders it is swapped for numpy noise seeded from the base's own seed.
    """
    seed, k = args
    noise_rng = np.random.default_rng(_seed(seed, 0x4015E, k))

    def seeded_noise(size: tuple[int, int], sigma: float) -> Image.Image:
        arr = np.clip(noise_rng.normal(128.0, sigma, (size[1], size[0])), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L")

    original = Image.effect_noise
    Image.effect_noise = seeded_noise  # type: ignore[assignment]
    try:
        img = _headshot(random.Random(_seed(seed, 0xBA5E, k)))
    finally:
        Image.effect_noise = original
    buf = io.BytesIO()
    img.resize((PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS).save(buf, "PNG")
    return buf.getvalue()


@cache
def _grid() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:PHOTO_SIZE, 0:PHOTO_SIZE].astype(np.float32)
    return yy, xx


def _compose(bases: list[Image.Image], rng: random.Random) -> Image.Image:
    """A new photo from two bases: crop and zoom one, blend in another, relight, recolour."""
    s = PHOTO_SIZE
    a = bases[rng.randrange(len(bases))]
    b = bases[rng.randrange(len(bases))]
    z = rng.uniform(0.62, 0.9)
    w = int(s * z)
    x0, y0 = rng.randrange(0, s - w + 1), rng.randrange(0, s - w + 1)
    img = a.crop((x0, y0, x0 + w, y0 + w)).resize((s, s), Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        img = ImageOps.mirror(img)
    other = b.rotate(rng.choice([0, 90, 180, 270]))
    arr = np.asarray(img, dtype=np.float32) * (1 - (t := rng.uniform(0.25, 0.45)))
    arr += np.asarray(other, dtype=np.float32) * t
    yy, xx = _grid()
    ang = rng.uniform(0, 2 * math.pi)
    ramp = ((xx - s / 2) * math.cos(ang) + (yy - s / 2) * math.sin(ang)) / (s / 2)
    bump = np.exp(-(((xx - rng.uniform(0, s)) ** 2 + (yy - rng.uniform(0, s)) ** 2) / (2 * (s / 4) ** 2)))
    light = 1.0 + rng.uniform(0.3, 0.6) * np.clip(ramp, -1, 1) + rng.uniform(-0.5, 0.5) * bump
    cast = np.array([rng.uniform(0.8, 1.2) for _ in range(3)], np.float32)
    arr = arr * light[..., None] * cast
    arr += np.random.default_rng(rng.randrange(1 << 32)).integers(-7, 8, arr.shape, dtype=np.int8)
    return _scene(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), rng)


def _scene(img: Image.Image, rng: random.Random) -> Image.Image:
    """The things around a face that make each photograph its own: 5-8 translucent shapes
    (background objects, clothing) of random colour, size and place.

    Without them, composites of the same base and a similar crop fell within the matching radius
    at a rate that grows with the square of the sample (2.5e-7 of genuine pairs at pHash radius 4:
    ~1 200 pairs at 10^5, ~125 000 at 10^6), which real photographs of different people do not;
    with them, none of 20 000 composites fell within radius 4 of another (4 pairs within 8).
    """
    s = img.size[0]
    over, mask = Image.new("RGB", (s, s)), Image.new("L", (s, s), 0)
    draw, dmask = ImageDraw.Draw(over), ImageDraw.Draw(mask)
    for _ in range(rng.randrange(5, 9)):
        x, y = rng.uniform(-0.2, 1.0) * s, rng.uniform(-0.2, 1.0) * s
        box = (x, y, x + rng.uniform(0.2, 0.6) * s, y + rng.uniform(0.2, 0.6) * s)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        alpha = rng.randrange(120, 220)
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
            dmask.ellipse(box, fill=alpha)
        else:
            draw.rectangle(box, fill=colour)
            dmask.rectangle(box, fill=alpha)
    return Image.composite(over, img, mask)


# -- profiles ----------------------------------------------------------------------------------
def _handle(rng: random.Random, first: str, last: str, i: int) -> str:
    base = rng.choice([f"{first}{last}", f"{first[0]}{last}", f"{first}_{last[0]}", f"{first}.{last}"]).lower()
    return "".join(c for c in base if c.isalnum() or c in "._") + f"{i:x}"


_SYLLABLES = (
    "ka lo mi ra te vo su ne pa di ro ba lu se fi to na me ri go da ve zu ly an or el is ur en "
    "ta ko bri sta qu ndo lix ver mar sol tan ber gar"
).split()
_PARTICULARS = (
    "Before freelancing I spent {y} years at {co}, where I shipped {pn}, a {product} for {n} {unit}.",
    "Recent clients include {co} and {co2}; with {co2} I rebuilt {pn} in {s} over {n} weeks.",
    "I maintain {pn}, a small {s} library, and I spoke about it at {co} meetups in {y2}.",
    "My side project {pn} tracks {unit} for {co2}, written in {s} on weekends since {y2}.",
    "At {co} I led {n} engineers moving {pn} from {s} to {s2}, which cut costs by {p}%.",
)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 4))).title()


def _particulars(rng: random.Random) -> str:
    """Two sentences only this person writes: their employers, projects, years and numbers.

    Real bios name their own companies and projects; bios built from the bundled sample's small
    sentence pools alone shared a word-3-gram Jaccard of 0.5 or more between ~6 400 pairs of
    genuine profiles at 10^5, a number that grows with the square of the sample.
    """
    fill = {
        "y": rng.randrange(2, 12),
        "y2": rng.randrange(2012, 2026),
        "n": rng.randrange(3, 400),
        "p": rng.randrange(10, 70),
        "co": _word(rng),
        "co2": _word(rng),
        "pn": _word(rng),
        "s": rng.choice(SKILLS),
        "s2": rng.choice(SKILLS),
        "product": rng.choice(PRODUCTS),
        "unit": rng.choice(["clinics", "stores", "schools", "farms", "warehouses", "hotels", "fleets", "labs"]),
    }
    return " ".join(t.format(**fill) for t in rng.sample(_PARTICULARS, 2))


def _genuine(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    handle = _handle(rng, first, last, i)
    city, cc, tz, _off = rng.choice(PLACES)
    role = rng.choice(ROLES)
    years = rng.randrange(1, 16)
    rec: dict[str, Any] = {
        "platform": PLATFORM,
        "handle": handle,
        "url": f"https://gigscale.example/fl/{handle}",
        "name": f"{first} {last}",
        "headline": f"{role.title()} | {', '.join(rng.sample(SKILLS, 3))}",
        "bio": f"{_genuine_bio(rng, role, city, years)} {_particulars(rng)}",
        "location": city,
        "country": cc,
        "timezone": tz,
        "languages": ["en"],
        "skills": rng.sample(SKILLS, rng.randrange(3, 7)),
        "hourly_rate": float(rng.randrange(15, 120)),
        "currency": "USD",
        "created_at": _date(rng, 60, 3650).isoformat(),
        "experience_years": years,
        "contacts": {"emails": [f"{first.lower()}.{last.lower()}{i:x}@{rng.choice(FREEMAIL)}"]},
        "links": [],
        "portfolio": [],
    }
    if rng.random() < 0.5:
        gh_age = rng.randrange(max(2, years - 3), 17) * 365 + rng.randrange(0, 300)
        login = handle.replace(".", "-")
        rec["activity"] = {
            "github_login": login,
            "github_created_at": (SAMPLE_NOW - timedelta(days=gh_age)).isoformat(),
            "public_repos": rng.randrange(3, 80),
        }
        rec["links"].append(f"https://github.com/{login}")
    if rng.random() < 0.3:
        rec["portfolio"].append(
            {
                "title": f"{rng.choice(PRODUCTS).title()} for {rng.choice(CLIENTS)}",
                "description": f"Built with {rng.choice(SKILLS)} and {rng.choice(SKILLS)}.",
                "url": f"https://{handle.replace('.', '')}.dev.example/work/{rng.randrange(1, 9)}",
            }
        )
    return rec


def _ring_member(rng: random.Random, i: int, ring: dict[str, Any], m: int) -> tuple[dict[str, Any], str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    handle = _handle(rng, first, last, i)
    city, cc, tz, _off = rng.choice(FAKE_PLACES)
    years = rng.randrange(8, 14)
    login = handle.replace(".", "-")
    s1, s2 = ring["skills"]
    rec: dict[str, Any] = {
        "platform": PLATFORM,
        "handle": handle,
        "url": f"https://gigscale.example/fl/{handle}",
        "name": name,
        "headline": f"Senior {ring['role'].title()} | {s1} | {s2}",
        "bio": _ring_bio(rng, ring["template"], name, ring["role"], years, s1, s2),
        "location": city,
        "country": cc,
        "timezone": tz,
        "languages": ["en"],
        "skills": [s1, s2, *rng.sample(SKILLS, 3)],
        "hourly_rate": float(rng.randrange(25, 60)),
        "currency": "USD",
        "created_at": _date(rng, 20, 300).isoformat(),
        "experience_years": years,
        "contacts": {"emails": [f"{first.lower()}.{last.lower()}{i:x}@{rng.choice(FREEMAIL)}"]},
        "links": [f"https://github.com/{login}"],
        "activity": {
            "github_login": login,
            "github_created_at": _date(rng, 30, 400).isoformat(),
            "public_repos": rng.randrange(1, 6),
            "commit_tz_offsets": [540] * rng.randrange(3, 12),
        },
        "portfolio": [
            {
                "title": "E-commerce platform for a US retailer",
                "description": f"Led the development of a scalable e-commerce platform with {s1} and {s2}.",
                "url": f"https://{ring['domain']}/case-studies/{m % 2}",
            }
        ],
    }
    if m % 3 != 1:
        rec["contacts"]["wallets"] = [{"chain": "eth", "address": ring["wallet"]}]
    else:
        rec["contacts"]["phones"] = [ring["phone"]]
    if m % 2 == 0:
        rec["contacts"]["emails"].append(f"{first.lower()}@{ring['domain']}")
    return rec, _HOWS[m % len(_HOWS)]


def _ring_phone(unit: int, ring: int) -> str:
    """A ring's own phone: a fictional ``555-01XX`` number under one of 800 area codes.

    Each ring gets a different number (up to 80,000 rings, i.e. 10^7 profiles). An earlier version
    drew it from only 100 numbers, so distinct rings shared phones at a rate growing with the
    square of the sample (63 profiles a number at 10^6), which no real marketplace looks like.

    >>> _ring_phone(0, 0), _ring_phone(0, 1), _ring_phone(10, 0)
    ('+1 200 555 0100', '+1 200 555 0101', '+1 201 555 0100')
    """
    g = unit * 10 + ring
    return f"+1 {200 + g // 100 % 800:03d} 555 01{g % 100:02d}"


def _unit_layout(seed: int, unit: int, n: int) -> list[tuple[int, int] | None]:
    """For each profile of a unit: ``(ring, member)`` or ``None`` for a genuine profile."""
    rng = random.Random(_seed(seed, 0x1A70, unit))
    target = round(n * RING_SHARE)
    slots: list[tuple[int, int] | None] = [None] * n
    free = list(range(n))
    rng.shuffle(free)
    ring = 0
    while target >= 4 and len(free) >= 4:
        size = min(rng.randrange(4, 8), target)
        for m in range(size):
            slots[free.pop()] = (ring, m)
        target -= size
        ring += 1
    return slots


def _write_unit(args: tuple[str, int, int, int, int]) -> tuple[int, int, int]:
    """Write one unit: ``part-UUUUU.jsonl``, ``truth-UUUUU.csv`` and its photos. Returns counts."""
    out_s, seed, unit, start, stop = args
    out = Path(out_s)
    bases = [Image.open(p).convert("RGB") for p in sorted((out / "_bases").glob("*.png"))]
    photo_dir = out / "photos" / f"{unit:04d}"
    photo_dir.mkdir(parents=True, exist_ok=True)
    slots = _unit_layout(seed, unit, stop - start)
    rings: dict[int, dict[str, Any]] = {}
    fakes = 0
    with (
        (out / "_parts" / f"part-{unit:05d}.jsonl").open("w", encoding="utf-8") as fh,
        (out / "_parts" / f"truth-{unit:05d}.csv").open("w", encoding="utf-8", newline="") as th,
    ):
        truth = csv.writer(th)
        for k, i in enumerate(range(start, stop)):
            rng = random.Random(_seed(seed, i))
            slot = slots[k]
            if slot is None:
                rec = _genuine(rng, i)
                data = _jpeg(_compose(bases, rng), rng.choice([80, 85, 90]))
                label, ring_name = "genuine", ""
            else:
                r, m = slot
                if r not in rings:
                    rr = random.Random(_seed(seed, 0x2196, unit, r))
                    rings[r] = {
                        "template": RING_TEMPLATES[r % len(RING_TEMPLATES)],
                        "role": rr.choice(ROLES),
                        "skills": rr.sample(SKILLS, 2),
                        "wallet": "0x" + "".join(rr.choice("0123456789abcdef") for _ in range(40)),
                        # The old draw from 100 numbers, kept (and dropped) so that every other
                        # byte of the sample stays as it was: only the phones changed.
                        "phone": _ring_phone(unit, r) if rr.randrange(100, 200) else "",
                        "domain": f"{rr.choice(['apex', 'nova', 'bright', 'sigma', 'zen'])}{unit}x{r}.example",
                        "photo": _compose(bases, rr),
                    }
                rec, how = _ring_member(rng, i, rings[r], m)
                data = _variant(rings[r]["photo"], how, rng)
                label, ring_name = "fake", f"ring{unit}.{r}"
                fakes += 1
            name = f"{i:07d}.jpg"
            (photo_dir / name).write_bytes(data)
            rec["photos"] = [{"path": f"photos/{unit:04d}/{name}", "role": "headshot"}]
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
            truth.writerow([f"{PLATFORM}:{rec['handle']}", label, ring_name])
    return stop - start, fakes, len(rings)


def write_scale_sample(
    out_dir: Path | str, *, size: int = 10_000, seed: int = 7, workers: int | None = None, bases: int = BASES
) -> ScaleSummary:
    """Write a marketplace of ``size`` profiles to ``out_dir``; the same seed writes the same bytes.

    Args:
        out_dir: folder to write (created; an existing ``profiles.jsonl`` is replaced).
        size: number of profiles.
        seed: random seed.
        workers: processes (default: the CPUs available). The output does not depend on it.
        bases: distinct base headshots to compose photos from (rendering them is the fixed cost).
    """
    if size < 1 or bases < 2:
        raise ValueError(f"size must be positive and bases at least 2, got size {size}, bases {bases}")
    t0 = time.perf_counter()
    out = Path(out_dir)
    for d in ("_bases", "_parts"):
        shutil.rmtree(out / d, ignore_errors=True)
        (out / d).mkdir(parents=True)
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    units = [(str(out), seed, u, s, min(s + UNIT, size)) for u, s in enumerate(range(0, size, UNIT))]
    n = fakes = rings = 0
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for k, png in enumerate(pool.map(_render_base, [(seed, k) for k in range(bases)], chunksize=8)):
            (out / "_bases" / f"{k:04d}.png").write_bytes(png)
        for a, b, c in pool.map(_write_unit, units):
            n, fakes, rings = n + a, fakes + b, rings + c
    with (out / "profiles.jsonl").open("wb") as fh, (out / "truth.csv").open("wb") as th:
        th.write(b"profile_id,label,ring\r\n")
        for u in range(len(units)):
            for src, dst in ((f"part-{u:05d}.jsonl", fh), (f"truth-{u:05d}.csv", th)):
                with (out / "_parts" / src).open("rb") as part:
                    shutil.copyfileobj(part, dst)
    shutil.rmtree(out / "_parts")
    shutil.rmtree(out / "_bases")
    return ScaleSummary(out, n, n - fakes, fakes, rings, time.perf_counter() - t0)
