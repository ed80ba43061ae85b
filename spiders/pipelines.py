"""The item pipeline: items become validated ``Profile``s in the store, images by content hash.

Every spider yields ``{"kind": "page", "url", "status", "reason", "detail", "profile", ...}``
items (see :mod:`spiders.pages`). This pipeline

* records every result in the store's ``crawl_results`` (``ok``, ``missing``, or ``unknown``
  with the reason: an UNKNOWN page never becomes a clean profile);
* validates ``ok`` items into :class:`profilecheck.model.Profile` (a bad item is recorded and
  dropped with the reason, ``DropItem``);
* downloads headshots and portfolio images through the SSRF-guarded safe fetcher (in a thread,
  never blocking the crawl), checks each with :func:`profilecheck.media.load_image` (byte and
  pixel caps, format allowlist) and puts it in ``store.media`` by sha256, once per URL;
* upserts the profile (``Store.upsert_profiles``): a re-crawl of an unchanged page changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from profilecheck.errors import FetchError, MediaError
from profilecheck.fetch import SafeFetcher
from profilecheck.media import load_image
from profilecheck.model import Photo, PortfolioItem, Profile
from profilecheck.store import Store

logger = logging.getLogger(__name__)

__all__ = ["ProfilePipeline", "fetch_images"]


def fetch_images(
    profile: Profile,
    fetcher: SafeFetcher,
    store_put: Any,
    *,
    max_images: int,
    max_bytes: int,
    max_pixels: int,
    seen: dict[str, str],
) -> tuple[Profile, list[tuple[str, str]]]:
    """Download the profile's images (URL photos without a sha256); return it updated and ``(url, problem)`` pairs."""
    problems: list[tuple[str, str]] = []
    budget = [max_images]

    def one(photo: Photo) -> Photo:
        if photo.sha256 or not photo.url:
            return photo
        if photo.url in seen:
            return photo.model_copy(update={"sha256": seen[photo.url]})
        if budget[0] <= 0:
            problems.append((photo.url, f"skipped: more than {max_images} images on the profile"))
            return photo
        budget[0] -= 1
        try:
            res = fetcher.get(photo.url, headers={"Accept": "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8"})
            if res.status != 200:
                raise FetchError(f"{photo.url}: HTTP {res.status}", url=photo.url)
            load_image(res.body, max_bytes=max_bytes, max_pixels=max_pixels, draft_size=(64, 64), name=photo.url)
        except MediaError as exc:
            problems.append((photo.url, f"image refused ({exc.reason}): {exc}"))
            return photo
        except FetchError as exc:
            problems.append((photo.url, f"image not fetched: {exc}"))
            return photo
        sha = str(store_put(res.body))
        seen[photo.url] = sha
        return photo.model_copy(update={"sha256": sha})

    photos = [one(p) for p in profile.photos]
    portfolio = [item.model_copy(update={"images": [one(i) for i in item.images]}) for item in profile.portfolio]
    return profile.model_copy(
        update={"photos": photos, "portfolio": [PortfolioItem.model_validate(p.model_dump()) for p in portfolio]}
    ), problems


class ProfilePipeline:
    """Validate, fetch images, store (switched on in ``spiders.settings`` at 300)."""

    def __init__(self, workspace: Path, fetcher: SafeFetcher, max_images: int, max_bytes: int, max_pixels: int) -> None:
        self.workspace = workspace
        self.fetcher = fetcher
        self.max_images = max_images
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.store: Store | None = None
        self.seen: dict[str, str] = {}
        self.crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProfilePipeline:
        s = crawler.settings
        fetcher = SafeFetcher(
            allow_loopback=s.getbool("PROFILECHECK_ALLOW_LOOPBACK"),
            max_bytes=s.getint("PROFILECHECK_IMAGE_MAX_BYTES"),
            user_agent=s.get("USER_AGENT"),
            timeout=s.getfloat("DOWNLOAD_TIMEOUT", 30.0),
        )
        obj = cls(
            Path(s.get("PROFILECHECK_WORKSPACE")),
            fetcher,
            s.getint("PROFILECHECK_MAX_IMAGES"),
            s.getint("PROFILECHECK_IMAGE_MAX_BYTES"),
            s.getint("PROFILECHECK_IMAGE_MAX_PIXELS"),
        )
        obj.crawler = crawler
        return obj

    def _store(self) -> Store:
        if self.store is None:  # opened on the first real item: `scrapy check` never creates a workspace
            self.store = Store(self.workspace)
        return self.store

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def _spider_name(self) -> str:
        spider = getattr(self.crawler, "spider", None)
        return str(getattr(spider, "name", "spider"))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, dict) or item.get("kind") != "page":
            raise DropItem(f"not a profilecheck page item: {type(item).__name__}")
        if item.get("fixture"):
            return item  # a contract check on an offline fixture: nothing is stored
        url = str(item.get("url"))
        spider = self._spider_name()
        stats = self.crawler.stats if self.crawler else None
        store = self._store()
        if item.get("status") != "ok":
            # A page gathered before that cannot be checked now stays tied to its profile, and the
            # profile carries the problem: its stored data is not confirmed, never silently "clean".
            prev = store.crawl_result(url)
            pid = prev["profile_id"] if prev and prev["profile_id"] else None
            detail = str(item.get("detail") or "")
            status, reason = str(item.get("status")), str(item.get("reason"))
            store.record_crawl_result(url, status, reason, spider=spider, detail=detail, profile_id=pid)
            if prev and pid:
                what = "the page is gone" if status == "missing" else "could not re-check the page"
                store.record_profile_error(
                    pid, "gather", url, f"{what} ({reason}: {detail}); stored data is from {prev['fetched_at']}"
                )
            if stats:
                stats.inc_value(f"profilecheck/{item.get('status')}")
            return item
        rec = dict(item.get("profile") or {})
        rec["provenance"] = {
            "source": f"spider:{spider}",
            "fetched_at": datetime.now(UTC).isoformat(),
            "source_url": url,
        }
        try:
            profile = Profile.model_validate(rec)
        except ValidationError as exc:
            first = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            store.record_crawl_result(url, "unknown", "invalid_item", spider=spider, detail=first)
            if stats:
                stats.inc_value("profilecheck/invalid_item")
            raise DropItem(f"{url}: invalid profile: {first}") from exc
        profile, problems = await maybe_deferred_to_future(
            deferToThread(
                fetch_images,
                profile,
                self.fetcher,
                store.media.put,
                max_images=self.max_images,
                max_bytes=self.max_bytes,
                max_pixels=self.max_pixels,
                seen=self.seen,
            )
        )
        store.upsert_profiles([profile], source=f"crawl:{spider}")
        for image_url, reason in problems:
            store.record_profile_error(profile.id, "gather", image_url, reason)
            logger.warning("%s: %s", profile.id, reason)
        for n, reason in enumerate(item.get("problems") or []):  # partial data (a field, a repo, a commit)
            store.record_profile_error(profile.id, "gather", f"item[{n}]", str(reason))
        store.clear_profile_error(profile.id, "gather", url)
        store.record_crawl_result(url, "ok", "person_found", spider=spider, profile_id=profile.id)
        if stats:
            stats.inc_value("profilecheck/ok")
        out = dict(item)
        out["profile"] = profile.model_dump(mode="json", exclude={"provenance"})
        out["profile_id"] = profile.id
        return out
