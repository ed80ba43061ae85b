"""What one fetched profile page tells us: a profile, a missing profile, or UNKNOWN with the reason.

:func:`read_page` is pure (bytes in, :class:`PageResult` out) so the spider and the offline
fixture tests share it. The outcomes, with their stable reason codes:

=========  ======================  =====================================================
status     reason                  when
=========  ======================  =====================================================
ok         ``person_found``        a Person (JSON-LD, microdata, h-card, OpenGraph profile)
missing    ``not_found``           HTTP 404/410 or the site's "no such profile" marker
unknown    ``blocked_http_403``    HTTP 401/403/451: the site refused us
unknown    ``rate_limited``        HTTP 429 (or 503 with Retry-After); the wait is in the detail
unknown    ``captcha_or_waf``      a captcha or WAF challenge page (generic or site markers)
unknown    ``http_error``          any other 4xx/5xx
unknown    ``no_person_data``      a 200 page with no person data (malformed or not a profile)
unknown    ``malformed_page``      the page could not be parsed
unknown    ``too_large``           the body is over the extractor's cap (``MAX_HTML_BYTES``, 4 MiB),
                                   or over ``DOWNLOAD_MAXSIZE`` once decompressed
unknown    ``too_deep``            HTML elements nested deeper than ``MAX_HTML_DEPTH`` (200)
unknown    ``ssrf_refused``        the URL or a redirect hop is refused by the SSRF guard
unknown    ``robots_disallowed``   robots.txt disallows the page
unknown    ``fetch_failed``        network failure (DNS, connection, timeout)
=========  ======================  =====================================================

An UNKNOWN result is never turned into a clean profile: no record is produced. The body is
decoded with w3lib (BOM, ``Content-Type`` charset, ``<meta charset>``, then UTF-8 with
replacement), so UTF-16 and Latin-1 pages read as what they are. A syntax that fails on a page
(say a JSON-LD block nested 100,000 deep) is listed in ``problems`` while the others still count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from w3lib.encoding import html_to_unicode

from spiders.extract import MAX_HTML_BYTES, PageRefused, extract_page
from spiders.sites import SiteDef, apply_fields, load_sites

__all__ = ["GENERIC_BLOCK_MARKERS", "PageResult", "read_page"]

# Markers of captcha / WAF interstitials, checked only on pages that hold no person data.
GENERIC_BLOCK_MARKERS = (
    "g-recaptcha",
    "h-captcha",
    "hcaptcha.com",
    "cf-challenge",
    "cf_chl_",
    "challenges.cloudflare.com",
    "attention required! | cloudflare",
    "just a moment...",
    "px-captcha",
    "_incapsula_resource",
    "request unsuccessful. incapsula",
    "pardon our interruption",
    "are you a robot",
    "verify you are human",
    "access denied",
)


@dataclass
class PageResult:
    url: str
    status: str  # ok | missing | unknown
    reason: str
    detail: str = ""
    record: dict[str, Any] | None = None
    site: str | None = None
    problems: list[str] = field(default_factory=list)

    def item(self) -> dict[str, Any]:
        return {
            "kind": "page",
            "url": self.url,
            "status": self.status,
            "reason": self.reason,
            "detail": self.detail,
            "site": self.site,
            "profile": self.record,
            "problems": self.problems,
        }


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def read_page(
    url: str,
    status: int,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    sites: tuple[SiteDef, ...] | None = None,
    site_name: str | None = None,
) -> PageResult:
    """Classify a fetched page and, for a profile page, build its record.

    Args:
        url: the page URL (the base for relative links).
        status: HTTP status.
        body: the page bytes.
        headers: response headers, lower-cased names (for ``Retry-After``).
        sites: site definitions to try (default: the bundled ones).
        site_name: force one site definition by name.
    """
    headers = headers or {}
    sites = load_sites() if sites is None else sites
    if status == 429 or (status == 503 and "retry-after" in headers):
        return PageResult(
            url, "unknown", "rate_limited", f"HTTP {status}, Retry-After {headers.get('retry-after', '-')}"
        )
    if status in (401, 403, 451):
        return PageResult(url, "unknown", "blocked_http_403", f"HTTP {status}: the site refused the request")
    if len(body) > MAX_HTML_BYTES:  # before decoding or parsing anything
        return PageResult(url, "unknown", "too_large", f"page is {len(body)} bytes, over the {MAX_HTML_BYTES} cap")
    try:
        _, text = html_to_unicode(headers.get("content-type"), body)
        sel = Selector(text=text or "<html></html>", type="html")  # never "json": a JSON body is still a page
    except (ValueError, TypeError) as exc:
        return PageResult(url, "unknown", "malformed_page", str(exc))
    site = None
    for s in sites:
        if (site_name is None and s.matches(url, sel)) or s.name == site_name:
            site = s
            break
    name = site.name if site else None
    if site and site.is_absent(status, sel, text):
        return PageResult(
            url, "missing", "not_found", f"HTTP {status}: the site says there is no such profile", site=name
        )
    if status in (404, 410):
        return PageResult(url, "missing", "not_found", f"HTTP {status}", site=name)
    if status >= 400:
        return PageResult(url, "unknown", "http_error", f"HTTP {status}", site=name)
    try:
        extraction = extract_page(text, url)
    except PageRefused as exc:
        return PageResult(url, "unknown", exc.reason, str(exc)[:200], site=name)
    except (ValueError, RecursionError) as exc:
        return PageResult(url, "unknown", "malformed_page", str(exc)[:200], site=name)
    record = extraction.record
    problems: list[str] = list(extraction.problems)
    if site and site.fields:
        extra, field_problems = apply_fields(site.fields, sel)
        problems += field_problems
        if record is not None or extra.get("handle"):
            record = _deep_merge(record or {}, extra)
    if record is None or not (record.get("name") or record.get("handle")):
        marker = site.blocked_marker(sel, text) if site else None
        low = text[:200_000].lower()
        marker = marker or next((m for m in GENERIC_BLOCK_MARKERS if m in low), None)
        if marker:
            return PageResult(url, "unknown", "captcha_or_waf", f"challenge page (marker {marker!r})", site=name)
        detail = "no Person in JSON-LD, microdata, h-card or OpenGraph"
        if problems:  # say what could not be read, so that "no person" is not mistaken for a clean page
            detail += "; unreadable: " + "; ".join(problems)
        return PageResult(url, "unknown", "no_person_data", detail[:500], site=name, problems=problems)
    if site and site.platform:
        record.setdefault("platform", site.platform)
    if "platform" not in record:
        host = (urlsplit(record.get("url") or url).hostname or "web").lower()
        record["platform"] = host.removeprefix("www.")
    if not record.get("handle"):
        path = [p for p in urlsplit(url).path.split("/") if p]
        record["handle"] = path[-1].rsplit(".", 1)[0] if path else record["platform"]
    return PageResult(url, "ok", "person_found", record=record, site=name, problems=problems)
