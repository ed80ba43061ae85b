"""Per-profile analysis: what a profile yields on its own, before any comparison.

:func:`analyse` is a pure function of the profile and the media it points at, so the engine
can run it serially, in a process pool or on a cluster and get the same answer. It returns
the profile's *features* (read by signals) and its *artifacts* (``(kind, value)`` pairs that
the matching stage joins across profiles). One broken photo is recorded as an error on the
profile; the rest of the profile is still analysed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from profilecheck.aiface import ai_face_features
from profilecheck.errors import MediaError
from profilecheck.index.minhash import MinHasher, shingles, words
from profilecheck.logs import get_logger
from profilecheck.media import load_image
from profilecheck.media.photo import DRAFT, describe
from profilecheck.model import Profile
from profilecheck.normalize import (
    FREE_MAIL_DOMAINS,
    is_hosting_domain,
    normalize_email,
    normalize_link,
    normalize_phone,
    normalize_wallet,
    registered_domain,
)
from profilecheck.store.media import MediaStore
from profilecheck.wallets import check_wallet

__all__ = ["ANALYSIS_VERSION", "MIN_TEMPLATE_WORDS", "analyse", "analyse_json", "profile_texts", "reference_domains"]

log = get_logger(__name__)


def faces_enabled() -> bool:
    """Face detection, embedding and the ai_face score run unless ``PROFILECHECK_FACES=0``.

    Turning them off keeps the hash tier and the verifier (photo reuse still works, through
    hashes only) and makes ``ai_face`` say UNKNOWN; it costs a fifth of the CPU per photo.
    """
    return os.environ.get("PROFILECHECK_FACES", "1") != "0"


# The version names the face setting, so switching it re-analyses every profile. @6: the
# ai_face@2 model (embedding + texture of the aligned face), whose scores live in the analyses.
ANALYSIS_VERSION = "analyse@6" + ("" if faces_enabled() else "-nofaces")

#: Artifact kinds that link profiles when two profiles hold the same value.
EXACT_KINDS = ("photo_sha256", "email", "phone", "wallet", "email_domain", "link_domain", "link")


def _photo_features(
    profile: Profile, media: MediaStore
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[list[Any]]]:
    photos: list[dict[str, Any]] = []
    errors: list[tuple[str, str]] = []
    media_rows: list[list[Any]] = []
    for i, photo in enumerate(profile.all_photos()):
        item = f"photo[{i}]"
        where = photo.url or photo.path or item
        if photo.sha256 is None:
            errors.append((item, f"{where}: not fetched"))
            photos.append({"role": photo.role, "status": "missing", "source": where})
            continue
        try:
            data = media.get(photo.sha256)
            img, info = load_image(data, draft_size=DRAFT, name=where)
        except MediaError as exc:
            errors.append((item, f"{exc.reason}: {exc}"))
            photos.append({"role": photo.role, "status": "broken", "reason": exc.reason, "sha256": photo.sha256})
            continue
        except Exception as exc:  # a missing media file is recorded, never fatal  # noqa: BLE001
            errors.append((item, f"unreadable: {exc}"))
            photos.append({"role": photo.role, "status": "broken", "reason": "unreadable", "sha256": photo.sha256})
            continue
        facts = describe(img, faces=faces_enabled())
        full, full_m = facts.signature.views["full"]
        photos.append(
            {
                "role": photo.role,
                "status": "ok",
                "sha256": photo.sha256,
                "phash": format(full, "016x"),
                "phash_mirror": format(full_m, "016x"),
                "format": info.format,
                "width": info.width,
                "height": info.height,
                **facts.to_json(),
                **ai_face_features(facts),
            }
        )
        media_rows.append([photo.sha256, info.format, info.width, info.height, len(data)])
    return photos, errors, media_rows


#: Fewest words a text needs to enter the template index: shorter texts ("Built with React.")
#: coincide by chance. On the bundled sample, ring portfolio blurbs have 16 words.
MIN_TEMPLATE_WORDS = 12
_HASHER: MinHasher | None = None


def _hasher() -> MinHasher:
    global _HASHER
    if _HASHER is None:
        _HASHER = MinHasher()
    return _HASHER


def profile_texts(profile: Profile) -> dict[str, str]:
    """The texts compared across profiles: the bio and each portfolio item's title and description.

    >>> from profilecheck.model import PortfolioItem
    >>> item = PortfolioItem(title="Shop", description="Built it.")
    >>> profile_texts(Profile(platform="x", handle="y", bio="Hi", portfolio=[item]))
    {'bio': 'Hi', 'portfolio[0]': 'Shop. Built it.'}
    """
    out: dict[str, str] = {}
    if profile.bio and profile.bio.strip():
        out["bio"] = profile.bio.strip()
    for i, item in enumerate(profile.portfolio):
        title = (item.title or "").strip()
        if title and title[-1] not in ".!?:":
            title += "."
        text = " ".join(p for p in (title, (item.description or "").strip()) if p)
        if text:
            out[f"portfolio[{i}]"] = text
    return out


def _text_features(profile: Profile) -> tuple[dict[str, Any], list[list[Any]]]:
    texts = profile_texts(profile)
    feats: dict[str, Any] = {}
    rows: list[list[Any]] = []
    indexed: list[tuple[str, str, str, list[bytes]]] = []
    for field, text in texts.items():
        n = len(words(text))
        digest = hashlib.sha256(" ".join(words(text)).encode()).hexdigest()[:16]
        feats[field] = {"words": n, "chars": len(text), "digest": digest, "indexed": n >= MIN_TEMPLATE_WORDS}
        if n >= MIN_TEMPLATE_WORDS:
            indexed.append((field, digest, text, shingles(text)))
    if indexed:
        sigs = _hasher().signatures([sh for *_, sh in indexed])
        for (field, digest, text, _sh), sig in zip(indexed, sigs, strict=True):
            rows.append([field, digest, text, sig.astype("<u4").tobytes()])
    return feats, rows


def reference_domains(profile: Profile) -> tuple[list[str], list[str]]:
    """The private registered domains a profile cites: ``(e-mail domains, link domains)``.

    Free-mail providers and hosting platforms are left out: they say nothing about who runs them.

    >>> reference_domains(Profile(platform="x", handle="y", links=["https://shop.acme-dev.co.uk/a", "github.com/y"]))
    ([], ['acme-dev.co.uk'])
    """
    emails = {e for e in (normalize_email(x) for x in profile.contacts.emails) if e}
    email_domains = sorted({e.split("@", 1)[1] for e in emails} - FREE_MAIL_DOMAINS)
    links = [*profile.links, *(it.url for it in profile.portfolio if it.url)]
    link_domains = sorted(
        {d for d in (registered_domain(u) for u in links) if d and not is_hosting_domain(d)} - FREE_MAIL_DOMAINS
    )
    return email_domains, link_domains


def analyse(profile: Profile, content_hash: str, media_root: str | Path) -> dict[str, Any]:
    """Analyse one profile; the result is what :meth:`Store.save_analyses` takes."""
    media = MediaStore(Path(media_root))
    photos, errors, media_rows = _photo_features(profile, media)
    artifacts: set[tuple[str, str]] = set()
    for ph in photos:
        if ph.get("status") == "ok":
            artifacts.add(("photo_sha256", ph["sha256"]))
            if ph.get("phash"):
                artifacts.add(("photo_phash", ph["phash"]))

    emails = sorted({e for e in (normalize_email(x) for x in profile.contacts.emails) if e})
    phones = sorted({p for p in (normalize_phone(x, profile.country) for x in profile.contacts.phones) if p})
    wallets = sorted({w for w in (normalize_wallet(x.chain, x.address) for x in profile.contacts.wallets) if w})
    # the reasons name the field, never the value: they end up in logs and reports
    for i, raw in enumerate(profile.contacts.emails):
        if normalize_email(raw) is None:
            errors.append((f"email[{i}]", f"contacts.emails[{i}] is not an e-mail address"))
    for i, w in enumerate(profile.contacts.wallets):
        chk = check_wallet(w.chain, w.address)
        if not chk.valid:
            errors.append((f"wallet[{i}]", f"contacts.wallets[{i}] is not a valid {w.chain} address ({chk.reason})"))
    for i, raw in enumerate(profile.contacts.phones):
        if normalize_phone(raw, profile.country) is None:
            errors.append((f"phone[{i}]", f"contacts.phones[{i}] is not a possible phone number"))
    email_domains, link_domains = reference_domains(profile)
    links = [*profile.links, *(it.url for it in profile.portfolio if it.url)]
    norm_links = sorted({n for n in (normalize_link(u) for u in links) if n})
    artifacts.update(("email", e) for e in emails)
    artifacts.update(("phone", p) for p in phones)
    artifacts.update(("wallet", w) for w in wallets)
    artifacts.update(("email_domain", d) for d in email_domains)
    artifacts.update(("link_domain", d) for d in link_domains)
    artifacts.update(("link", n) for n in norm_links)

    text_feats, text_rows = _text_features(profile)
    features = {
        "texts": text_feats,
        "photos": photos,
        "contacts": {
            "emails": emails,
            "phones": phones,
            "wallets": wallets,
            "email_domains": email_domains,
        },
        "links": norm_links,
        "link_domains": link_domains,
    }
    for item, reason in sorted(set(errors)):
        log.debug("%s %s: %s", profile.id, item, reason)
    return {
        "profile_id": profile.id,
        "input_hash": content_hash,
        "version": ANALYSIS_VERSION,
        "features": features,
        "artifacts": sorted(artifacts),
        "errors": sorted(set(errors)),
        "media": media_rows,
        "texts": text_rows,
    }


def analyse_json(args: tuple[str, str, str]) -> dict[str, Any]:
    """Process-pool entry point: ``(profile_json, content_hash, media_root)``."""
    profile_json, content_hash, media_root = args
    profile = Profile.model_validate_json(profile_json)
    return analyse(profile, content_hash, media_root)
