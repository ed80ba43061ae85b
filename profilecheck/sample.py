"""The bundled sample: a small freelance marketplace with planted fraud rings.

Everything is made here, deterministically from a seed: procedural headshots (no real
person's photo), bios from phrase pools, contacts in reserved ranges (``example.*`` domains,
555 numbers, made-up wallets). Fraud rings reuse a headshot through re-encoding, resizing,
cropping and mirroring, share a bio template with small edits, share wallets, phones and
reference sites, and claim more experience than their linked GitHub accounts can show.

``write_sample(out_dir)`` writes ``profiles.jsonl``, ``photos/*.jpg`` and ``truth.csv``
(``profile_id,label,ring,shares_exact_photo,shares_wallet,photo_group``; two profiles
show the same photograph exactly when their ``photo_group`` is equal).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["SAMPLE_NOW", "SampleSummary", "write_sample"]

SAMPLE_NOW = datetime(2026, 11, 1, tzinfo=UTC)
PLATFORM = "gigmarket"

FIRST = """Amara Ben Chloe Dmitri Elena Farid Grace Hiroshi Ines Jamal Kavya Lars Mei Nikolai Olu
Priya Quentin Rosa Sanjay Tamar Umar Valentina Wei Ximena Yusuf Zofia Aiko Bruno Carmen Diego
Emeka Fatima Goran Hana Ivan Julia Kwame Leila Mateo Nadia Oscar Paulo Rania Sofia Tomas Ugo
Vera Wanjiru Yara Zeynep Andrei Bilal Chiara Dae-jung Esther Felix Gabriela Hassan Ingrid Jonas""".split()
LAST = """Okafor Schmidt Nakamura Petrov Haddad Kowalski Silva Mensah Gupta Larsen Chen Novak Osei
Rossi Ivanova Yilmaz Kim Fernandez Dubois Mwangi Hernandez Nguyen Ahmed Johansson Costa Tanaka
Popescu Kariuki Moreau Santos Ali Berg Horvat Lindqvist Adeyemi Reyes Sato Volkov Nowak Bauer""".split()
PLACES = [
    ("Lagos, Nigeria", "NG", "Africa/Lagos", 60),
    ("Kyiv, Ukraine", "UA", "Europe/Kyiv", 120),
    ("Bengaluru, India", "IN", "Asia/Kolkata", 330),
    ("Karachi, Pakistan", "PK", "Asia/Karachi", 300),
    ("Manila, Philippines", "PH", "Asia/Manila", 480),
    ("São Paulo, Brazil", "BR", "America/Sao_Paulo", -180),
    ("Austin, TX, USA", "US", "America/Chicago", -360),
    ("Seattle, WA, USA", "US", "America/Los_Angeles", -480),
    ("Berlin, Germany", "DE", "Europe/Berlin", 60),
    ("Nairobi, Kenya", "KE", "Africa/Nairobi", 180),
    ("Seoul, South Korea", "KR", "Asia/Seoul", 540),
    ("Tokyo, Japan", "JP", "Asia/Tokyo", 540),
    ("Warsaw, Poland", "PL", "Europe/Warsaw", 60),
    ("Mexico City, Mexico", "MX", "America/Mexico_City", -360),
    ("Toronto, Canada", "CA", "America/Toronto", -300),
    ("London, UK", "GB", "Europe/London", 0),
]
# Where ring members claim to live: the places remote employers are least wary of.
FAKE_PLACES = [p for p in PLACES if p[1] in ("US", "CA", "GB")]
SKILLS = """Python Django Flask React TypeScript Node.js Go Rust Kotlin Swift Flutter AWS GCP Docker
Kubernetes PostgreSQL MongoDB GraphQL Solidity Figma Vue.js Angular PHP Laravel Java Spring C# .NET
Unity Terraform Pandas PyTorch Tableau WordPress Shopify Webflow Elixir Ruby Rails""".split()
ROLES = [
    "full-stack developer",
    "backend engineer",
    "mobile developer",
    "data engineer",
    "front-end developer",
    "DevOps engineer",
    "blockchain developer",
    "machine-learning engineer",
    "web designer",
    "QA engineer",
]
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "hotmail.com"]

GENUINE_OPENERS = [
    "I'm a {role} based in {city}.",
    "{role_cap} here, working from {city}.",
    "Hi! I build things as a {role}.",
    "Self-taught {role} who fell in love with {s1} at university.",
    "Freelance {role}; before that I spent years at a {org}.",
    "I help small teams ship {product} as a {role}.",
    "{city}-based {role} with a soft spot for {s1}.",
]
GENUINE_MIDDLES = [
    "Most of my recent work is {s1} and {s2} for {client}.",
    "Last year I rebuilt a {product} for {client} that now serves {n}k users.",
    "I care about tests, boring deployments and clear handover notes.",
    "My favourite projects mix {s1} with a bit of {s2}.",
    "I moved into freelancing after {years} years in a {org}.",
    "I maintain a couple of small open-source {s1} libraries.",
    "Clients usually come to me for {s2} migrations that nobody else wants to touch.",
    "I mentor juniors at a local {s1} meetup.",
    "I write about {s2} on my blog now and then.",
    "Recently: a {product} for a {client}, mostly {s1}.",
    "I prefer long engagements and I answer messages within a day.",
    "Timezone overlap with Europe and the US east coast is easy for me.",
]
GENUINE_CLOSERS = [
    "Happy to jump on a call.",
    "Tell me about your project!",
    "References on request.",
    "I don't do crypto pump projects.",
    "Available 25 h/week.",
    "Currently booked until next month, but ask anyway.",
    "",
    "",
]
ORGS = [
    "bank",
    "telecom",
    "logistics startup",
    "hospital IT team",
    "game studio",
    "e-commerce agency",
    "university lab",
]
PRODUCTS = [
    "booking app",
    "inventory dashboard",
    "payments backend",
    "mobile storefront",
    "analytics pipeline",
    "CRM integration",
]
CLIENTS = [
    "a dental chain",
    "a Berlin fintech",
    "an NGO",
    "a logistics firm",
    "two Shopify brands",
    "a language school",
]

# Real people word the same idea in their own way: each pool sentence has rephrasings, and most
# genuine bios add something personal. Drawn from a generator seeded by the bio itself, so the
# main stream of the sample (and every other field) stays as it was.
GENUINE_REPHRASINGS: dict[str, list[str]] = {
    "I care about tests, boring deployments and clear handover notes.": [
        "Tests, dull releases and a proper handover document: that is my idea of done.",
        "I like my deploys uneventful and my handover notes readable.",
        "Good test coverage beats clever code, in my book.",
    ],
    "I prefer long engagements and I answer messages within a day.": [
        "Longer contracts suit me best; replies usually come the same day.",
        "I'd rather stay on a product for a year than hop between gigs.",
        "Expect an answer within 24 hours, weekends included most of the time.",
    ],
    "Timezone overlap with Europe and the US east coast is easy for me.": [
        "Calls with Europe or New York fit my hours fine.",
        "My working day overlaps with both CET and EST.",
        "I keep a few hours every day for meetings with European and US clients.",
    ],
    "I write about {s2} on my blog now and then.": [
        "Occasionally I blog about {s2} pitfalls.",
        "There is a small blog where I post {s2} notes when something surprises me.",
    ],
    "I mentor juniors at a local {s1} meetup.": [
        "On Thursdays I help newcomers at the {s1} meetup in town.",
        "Mentoring people new to {s1} keeps me honest.",
    ],
    "I maintain a couple of small open-source {s1} libraries.": [
        "A few of my {s1} packages on GitHub have users I have never met.",
        "I keep two tiny {s1} libraries alive in my spare time.",
    ],
    "Happy to jump on a call.": ["A quick call is the easiest way to start.", "Let's talk on a call first."],
    "Tell me about your project!": ["What are you building?", "Send me a short description of the work."],
    "References on request.": [
        "Past clients are happy to vouch for me.",
        "I can put you in touch with former clients.",
    ],
}
GENUINE_PERSONAL = [
    "Outside work I {hobby}.",
    "When the laptop is closed I {hobby}.",
    "Away from the keyboard I {hobby}.",
    "Fun fact: I {hobby}.",
    "Weekends are for {hobby_ing}.",
]
HOBBIES = [
    ("run half marathons", "running half marathons"),
    ("restore old bicycles", "restoring old bicycles"),
    ("bake sourdough for the neighbours", "baking sourdough"),
    ("play bass in a covers band", "playing bass in a covers band"),
    ("climb at the bouldering gym", "bouldering"),
    ("grow chillies on the balcony", "growing chillies on the balcony"),
    ("teach my kids to code", "teaching my kids to code"),
    ("collect vinyl jazz records", "digging through jazz records"),
    ("sail on the lake", "sailing"),
    ("learn Portuguese, slowly", "Portuguese lessons"),
    ("write short stories nobody reads", "writing short fiction"),
    ("volunteer at the animal shelter", "volunteering at the animal shelter"),
]


def _vary_bio(text: str, parts: list[str], fill: dict[str, Any]) -> str:
    vrng = random.Random(text)
    out = []
    for part in parts:
        alts = GENUINE_REPHRASINGS.get(part)
        if alts and vrng.random() < 0.7:
            part = vrng.choice(alts)
        out.append(part)
    if vrng.random() < 0.8:
        hobby, hobby_ing = vrng.choice(HOBBIES)
        out.insert(
            vrng.randrange(1, len(out) + 1), vrng.choice(GENUINE_PERSONAL).format(hobby=hobby, hobby_ing=hobby_ing)
        )
    return " ".join(p.format(**fill) for p in out if p).strip()


RING_TEMPLATES = [
    "Hello, I am {name}, a highly motivated Senior {role} with {years}+ years of experience delivering robust, scalable "
    "and high-quality solutions. I have extensive expertise in {s1}, {s2} and cloud technologies. I am passionate about "
    "clean code and always deliver on time and within budget. My goal is to build long-term relationships with clients "
    "by providing excellent communication and 100% satisfaction. Let's discuss how I can help bring your vision to life!",
    "As a seasoned {role} with over {years} years in the industry, I specialize in building cutting-edge applications "
    "using {s1} and {s2}. I have successfully delivered more than 50 projects for clients across the US and Europe. "
    "I am detail-oriented, responsive and committed to exceeding expectations. I am available to work in your time zone "
    "and can start immediately. Feel free to reach out and let's make your project a success.",
    "Top-rated {role} and tech lead. {years} years of hands-on experience with {s1}, {s2}, microservices and CI/CD. "
    "I have worked with startups and Fortune 500 companies to design and launch high-performance products. I pride "
    "myself on transparent communication, daily progress reports and on-time delivery. Your satisfaction is my top "
    "priority. Contact me today to get started!",
]
SYNONYMS = [
    ("highly motivated", "dedicated"),
    ("robust", "reliable"),
    ("extensive", "deep"),
    ("passionate", "enthusiastic"),
    ("seasoned", "experienced"),
    ("cutting-edge", "modern"),
    ("detail-oriented", "meticulous"),
    ("Top-rated", "Top rated"),
    ("high-performance", "high performance"),
    ("immediately", "right away"),
]


@dataclass
class SampleSummary:
    out_dir: Path
    profiles: int
    genuine: int
    fake: int
    rings: int
    malformed_rows: int


# -- headshots -----------------------------------------------------------------------------------
def _headshot(rng: random.Random, size: int = 400) -> Image.Image:
    """A procedural portrait: textured background, shoulders, face, hair, features."""
    w = h = size
    bg1 = tuple(rng.randrange(30, 230) for _ in range(3))
    bg2 = tuple(rng.randrange(30, 230) for _ in range(3))
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = ((xx * math.cos(angle) + yy * math.sin(angle)) / (w * 1.42)) % 1.0
    a, b = np.array(bg1, np.float32), np.array(bg2, np.float32)
    img = Image.fromarray((a + (b - a) * t[..., None]).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(rng.randrange(6, 14)):  # blurred shapes behind the person
        cx, cy, r = rng.randrange(w), rng.randrange(h), rng.randrange(20, 120)
        col = tuple(rng.randrange(0, 256) for _ in range(3))
        if rng.random() < 0.5:
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=col)
        else:
            d.rectangle([cx - r, cy - r // 2, cx + r, cy + r // 2], fill=col)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(6, 14)))
    d = ImageDraw.Draw(img)
    cx = w // 2 + rng.randrange(-70, 71)
    cy = int(h * rng.uniform(0.38, 0.48))
    fw, fh = rng.randrange(80, 140), rng.randrange(105, 170)
    skin = rng.choice([(255, 224, 196), (234, 192, 160), (198, 134, 66), (141, 85, 36), (92, 56, 30), (241, 194, 125)])
    shirt = tuple(rng.randrange(0, 256) for _ in range(3))
    d.ellipse([cx - fw * 2, cy + fh * 0.9, cx + fw * 2, cy + fh * 3.2], fill=shirt)
    d.rectangle([cx - fw * 0.35, cy + fh * 0.6, cx + fw * 0.35, cy + fh * 1.2], fill=skin)
    hair = rng.choice([(20, 15, 10), (70, 40, 20), (150, 100, 50), (200, 170, 120), (120, 120, 120), (40, 30, 30)])
    style = rng.randrange(4)
    if style == 0:
        d.ellipse([cx - fw * 1.1, cy - fh * 1.15, cx + fw * 1.1, cy + fh * 0.3], fill=hair)
    elif style == 1:
        d.ellipse([cx - fw * 1.25, cy - fh * 1.1, cx + fw * 1.25, cy + fh * 1.3], fill=hair)
    elif style == 2:
        d.rectangle([cx - fw * 1.05, cy - fh * 1.05, cx + fw * 1.05, cy - fh * 0.2], fill=hair)
    d.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=skin)
    ey = cy - fh * rng.uniform(0.05, 0.25)
    ex = fw * rng.uniform(0.35, 0.5)
    er = rng.randrange(7, 13)
    for sx in (-1, 1):
        d.ellipse([cx + sx * ex - er * 1.6, ey - er, cx + sx * ex + er * 1.6, ey + er], fill=(250, 250, 250))
        d.ellipse([cx + sx * ex - er * 0.7, ey - er * 0.7, cx + sx * ex + er * 0.7, ey + er * 0.7], fill=(40, 30, 20))
        d.line(
            [cx + sx * ex - er * 2, ey - er * 2.2, cx + sx * ex + er * 2, ey - er * 2.4],
            fill=hair,
            width=rng.randrange(3, 7),
        )
    if rng.random() < 0.3:
        for sx in (-1, 1):
            d.ellipse(
                [cx + sx * ex - er * 2.4, ey - er * 1.8, cx + sx * ex + er * 2.4, ey + er * 1.8],
                outline=(20, 20, 20),
                width=3,
            )
    ny = cy + fh * 0.25
    d.line([cx, ey + er, cx - 8, ny, cx + 6, ny], fill=tuple(max(0, c - 50) for c in skin), width=3)
    my = cy + fh * rng.uniform(0.45, 0.6)
    mw = fw * rng.uniform(0.3, 0.5)
    d.arc([cx - mw, my - 20, cx + mw, my + 15], 20, 160, fill=(150, 50, 50), width=4)
    if rng.random() < 0.25:  # beard
        d.chord([cx - fw, cy + fh * 0.2, cx + fw, cy + fh * 1.05], 0, 180, fill=hair)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    # Studio light from a random side: real photos differ most in their low frequencies.
    ang = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / (w / 2)
    light = 1.0 + rng.uniform(0.35, 0.7) * np.clip(ramp, -1, 1)
    arr = np.asarray(img, dtype=np.float32) * light[..., None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    noise = Image.effect_noise((w, h), rng.uniform(8, 20)).convert("RGB")
    return Image.blend(img, noise, 0.06)


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _variant(img: Image.Image, how: str, rng: random.Random) -> bytes:
    """A lightly edited copy of a reused headshot, as fraud rings post them."""
    if how == "exact":
        return _jpeg(img, 90)
    if how == "reencode":
        return _jpeg(img, rng.choice([60, 70, 80]))
    if how == "resize":
        s = rng.choice([240, 320, 512])
        return _jpeg(img.resize((s, s), Image.Resampling.LANCZOS), 85)
    if how == "crop":
        w, h = img.size
        m = int(w * rng.uniform(0.04, 0.08))
        return _jpeg(img.crop((m, m, w - m, h - m)).resize((w, h)), 88)
    if how == "mirror":
        return _jpeg(ImageOps.mirror(img), 88)
    raise ValueError(how)


# -- text ----------------------------------------------------------------------------------------
def _genuine_bio(rng: random.Random, role: str, city: str, years: int) -> str:
    s1, s2 = rng.sample(SKILLS, 2)
    fill = dict(
        role=role,
        role_cap=role[0].upper() + role[1:],
        city=city.split(",")[0],
        s1=s1,
        s2=s2,
        org=rng.choice(ORGS),
        product=rng.choice(PRODUCTS),
        client=rng.choice(CLIENTS),
        n=rng.randrange(2, 90),
        years=years,
    )
    parts = [
        rng.choice(GENUINE_OPENERS),
        *rng.sample(GENUINE_MIDDLES, rng.randrange(2, 5)),
        rng.choice(GENUINE_CLOSERS),
    ]
    return _vary_bio(" ".join(p.format(**fill) for p in parts if p).strip(), parts, fill)


def _ring_bio(rng: random.Random, template: str, name: str, role: str, years: int, s1: str, s2: str) -> str:
    text = template.format(name=name, role=role.title(), years=years, s1=s1, s2=s2)
    for a, b in rng.sample(SYNONYMS, 2):
        text = text.replace(a, b)
    if rng.random() < 0.3:  # drop or reorder a sentence, as people editing a template do
        sents = text.split(". ")
        if len(sents) > 4:
            i = rng.randrange(1, len(sents) - 2)
            sents[i], sents[i + 1] = sents[i + 1], sents[i]
        text = ". ".join(sents)
    return text


# -- the marketplace -----------------------------------------------------------------------------
def _handle(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    while True:
        base = rng.choice([f"{first}{last}", f"{first[0]}{last}", f"{first}_{last[0]}", f"{first}.{last}"]).lower()
        h = "".join(c for c in base if c.isalnum() or c in "._") + (
            str(rng.randrange(10, 99)) if rng.random() < 0.4 else ""
        )
        if h not in taken:
            taken.add(h)
            return h


def _date(rng: random.Random, lo_days: int, hi_days: int) -> datetime:
    return (SAMPLE_NOW - timedelta(days=rng.randrange(lo_days, hi_days))).replace(hour=12)


def write_sample(out_dir: Path | str, *, seed: int = 7, genuine: int = 240, rings: int = 7) -> SampleSummary:
    """Write the sample marketplace to ``out_dir``; the same seed writes the same bytes."""
    out = Path(out_dir)
    photos_dir = out / "photos"
    photos_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    taken: set[str] = set()
    records: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []

    def save_photo(name: str, data: bytes) -> str:
        (photos_dir / name).write_bytes(data)
        return f"photos/{name}"

    # Genuine profiles
    agency_domain = "northwind-studio.example"
    for i in range(genuine):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        handle = _handle(rng, first, last, taken)
        city, cc, tz, _off = rng.choice(PLACES)
        role = rng.choice(ROLES)
        years = rng.randrange(1, 16)
        created = _date(rng, 60, 3650)
        rec: dict[str, Any] = {
            "platform": PLATFORM,
            "handle": handle,
            "url": f"https://gigmarket.example/fl/{handle}",
            "name": name,
            "headline": f"{role.title()} | {', '.join(rng.sample(SKILLS, 3))}",
            "bio": _genuine_bio(rng, role, city, years),
            "location": city,
            "country": cc,
            "timezone": tz,
            "languages": ["en"]
            + ([rng.choice(["de", "fr", "es", "pt", "uk", "hi", "ja", "ko", "sw"])] if rng.random() < 0.6 else []),
            "skills": rng.sample(SKILLS, rng.randrange(3, 7)),
            "hourly_rate": float(rng.randrange(15, 120)),
            "currency": "USD",
            "created_at": created.isoformat(),
            "experience_years": years,
            "contacts": {"emails": [f"{first.lower()}.{last.lower()}{rng.randrange(1, 999)}@{rng.choice(FREEMAIL)}"]},
            "links": [],
            "portfolio": [],
        }
        if rng.random() < 0.5:
            rec["contacts"]["phones"] = (
                [f"+1 206 555 {rng.randrange(100, 200):04d}"]
                if cc == "US" and i % 2
                else [f"+44 20 7946 {rng.randrange(0, 999):04d}"]
            )
        if rng.random() < 0.15:
            rec["contacts"]["wallets"] = [
                {"chain": "eth", "address": "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))}
            ]
        if rng.random() < 0.6:
            gh_age = rng.randrange(max(2, years - 3), 17) * 365 + rng.randrange(0, 300)
            login = handle.replace(".", "-")
            rec["activity"] = {
                "github_login": login,
                "github_created_at": (SAMPLE_NOW - timedelta(days=gh_age)).isoformat(),
                "public_repos": rng.randrange(3, 80),
            }
            rec["links"].append(f"https://github.com/{login}")
        if rng.random() < 0.3:
            rec["links"].append(f"https://{handle.replace('.', '')}.dev.example/")
        if i < 4:  # a small agency: colleagues share the company's e-mail domain
            rec["contacts"]["emails"] = [f"{first.lower()}@{agency_domain}"]
        img = _headshot(rng)
        rec["photos"] = [
            {"path": save_photo(f"g{i:04d}.jpg", _jpeg(img, rng.choice([80, 85, 90]))), "role": "headshot"}
        ]
        if rng.random() < 0.4:
            rec["portfolio"].append(
                {
                    "title": f"{rng.choice(PRODUCTS).title()} for {rng.choice(CLIENTS)}",
                    "description": f"Built with {rng.choice(SKILLS)} and {rng.choice(SKILLS)}.",
                    "url": f"https://{handle.replace('.', '')}.dev.example/work/{rng.randrange(1, 9)}",
                }
            )
        records.append(rec)
        truth.append({"profile_id": f"{PLATFORM}:{handle}", "label": "genuine", "ring": "", "_photo": f"g{i:04d}"})
        if i in (10, 11):  # one person's second account on another platform: same name, same photo
            twin = dict(rec, platform="devhub", url=f"https://devhub.example/{handle}", handle=handle)
            twin["photos"] = [
                {"path": save_photo(f"g{i:04d}_twin.jpg", _variant(img, "resize", rng)), "role": "headshot"}
            ]
            records.append(twin)
            truth.append({"profile_id": f"devhub:{handle}", "label": "genuine", "ring": "", "_photo": f"g{i:04d}"})
        if i == 20:  # a broken upload: the profile is still scored, the photo recorded as broken
            (photos_dir / "g0020.jpg").write_bytes((photos_dir / "g0020.jpg").read_bytes()[:700])

    # Fraud rings
    for r in range(rings):
        size = rng.randrange(4, 8)
        template = RING_TEMPLATES[r % len(RING_TEMPLATES)]
        role = rng.choice(ROLES)
        s1, s2 = rng.sample(SKILLS, 2)
        stolen = [_headshot(rng) for _ in range(2)]
        wallet = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
        phone = f"+1 415 555 {rng.randrange(100, 200):04d}"
        domain = f"{rng.choice(['apex', 'nova', 'bright', 'sigma', 'vertex', 'quantum', 'zen'])}{r}-solutions.example"
        for m in range(size):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            handle = _handle(rng, first, last, taken)
            city, cc, tz, _off = rng.choice(FAKE_PLACES)
            years = rng.randrange(8, 14)
            login = handle.replace(".", "-")
            gh_created = _date(rng, 30, 400)
            rec = {
                "platform": PLATFORM,
                "handle": handle,
                "url": f"https://gigmarket.example/fl/{handle}",
                "name": name,
                "headline": f"Senior {role.title()} | {s1} | {s2}",
                "bio": _ring_bio(rng, template, name, role, years, s1, s2),
                "location": city,
                "country": cc,
                "timezone": tz,
                "languages": ["en"],
                "skills": [s1, s2, *rng.sample(SKILLS, 3)],
                "hourly_rate": float(rng.randrange(25, 60)),
                "currency": "USD",
                "created_at": _date(rng, 20, 300).isoformat(),
                "experience_years": years,
                "contacts": {"emails": [f"{first.lower()}.{last.lower()}@{rng.choice(FREEMAIL)}"]},
                "links": [f"https://github.com/{login}"],
                "activity": {
                    "github_login": login,
                    "github_created_at": gh_created.isoformat(),
                    "public_repos": rng.randrange(1, 6),
                    "commit_tz_offsets": [540] * rng.randrange(3, 12),
                },
                "portfolio": [
                    {
                        "title": "E-commerce platform for a US retailer",
                        "description": f"Led the development of a scalable e-commerce platform with {s1} and {s2}.",
                        "url": f"https://{domain}/case-studies/{m % 2}",
                    }
                ],
            }
            # Each member carries some of the ring's artifacts, so the ring links up as a chain.
            shares_wallet = m % 3 != 1
            if shares_wallet:
                rec["contacts"]["wallets"] = [
                    {"chain": "eth", "address": wallet if m % 2 else wallet.upper().replace("0X", "0x")}
                ]
            if m % 3 == 1:
                rec["contacts"]["phones"] = [phone]
            if m % 2 == 0:
                rec["contacts"]["emails"].append(f"{first.lower()}@{domain}")
            how = ["exact", "reencode", "resize", "crop", "mirror", "exact", "reencode"][m]
            src = stolen[0] if m != size - 1 else stolen[1]
            rec["photos"] = [{"path": save_photo(f"r{r}_{m}.jpg", _variant(src, how, rng)), "role": "headshot"}]
            records.append(rec)
            truth.append(
                {
                    "profile_id": f"{PLATFORM}:{handle}",
                    "label": "fake",
                    "ring": f"ring{r}",
                    "_how": how,
                    "_src": 0 if m != size - 1 else 1,
                    "_wallet": shares_wallet,
                    "_photo": f"ring{r}.{0 if m != size - 1 else 1}",
                }
            )

    # Which fakes share an exact photo (same bytes as another member) or a wallet.
    exact_groups: dict[tuple[str, int], int] = {}
    for t in truth:
        if t["label"] == "fake" and t["_how"] == "exact":
            exact_groups[(t["ring"], t["_src"])] = exact_groups.get((t["ring"], t["_src"]), 0) + 1
    rows = []
    for t in truth:
        fake = t["label"] == "fake"
        rows.append(
            {
                "profile_id": t["profile_id"],
                "label": t["label"],
                "ring": t["ring"],
                "shares_exact_photo": int(fake and t["_how"] == "exact" and exact_groups[(t["ring"], t["_src"])] > 1),
                "shares_wallet": int(fake and t["_wallet"]),
                "photo_group": t["_photo"],
            }
        )

    order = list(range(len(records)))
    rng.shuffle(order)
    with (out / "profiles.jsonl").open("w", encoding="utf-8") as fh:
        for k, idx in enumerate(order):
            fh.write(json.dumps(records[idx], ensure_ascii=False, sort_keys=True) + "\n")
            if k == 100:  # a malformed export row: reported with its line, the rest imports
                fh.write('{"platform": "gigmarket", "handle": "broken-row", "hourly_rate": -5, "photos": "nope"}\n')
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(
            fh, fieldnames=["profile_id", "label", "ring", "shares_exact_photo", "shares_wallet", "photo_group"]
        )
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["profile_id"]))
    n_fake = sum(1 for r in rows if r["label"] == "fake")
    return SampleSummary(out, len(rows), len(rows) - n_fake, n_fake, rings, 1)
