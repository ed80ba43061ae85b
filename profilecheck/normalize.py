"""Normalise contact artifacts so that the same e-mail, phone, wallet or domain compares equal.

Everything here is offline: ``tldextract`` uses its bundled public-suffix snapshot and never
fetches a fresh one; ``phonenumbers`` ships its metadata.

>>> normalize_email(" Jane.Doe+fiverr@GMail.com ")
'janedoe@gmail.com'
>>> normalize_phone("+1 (206) 555-0100")
'+12065550100'
>>> registered_domain("https://portfolio.acme-dev.co.uk/work")
'acme-dev.co.uk'
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
import tldextract
from email_validator import EmailNotValidError, validate_email

from profilecheck.wallets import check_wallet

__all__ = [
    "FREE_MAIL_DOMAINS",
    "normalize_email",
    "normalize_link",
    "normalize_phone",
    "normalize_wallet",
    "registered_domain",
]

# Shared by millions of honest people: a shared free-mail domain is no link between profiles.
FREE_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.co.uk hotmail.com outlook.com live.com msn.com
    icloud.com me.com aol.com protonmail.com proton.me pm.me gmx.com gmx.de gmx.net web.de mail.ru
    yandex.ru yandex.com qq.com 163.com 126.com zoho.com tutanota.com fastmail.com mail.com
    inbox.ru list.ru bk.ru rediffmail.com naver.com""".split()
)

# Platforms whose domain says nothing about who runs a link.
HOSTING_DOMAINS = frozenset(
    """github.com gitlab.com bitbucket.org linkedin.com twitter.com x.com facebook.com instagram.com
    behance.net dribbble.com medium.com youtube.com upwork.com fiverr.com freelancer.com
    stackoverflow.com google.com vercel.app netlify.app herokuapp.com github.io wordpress.com
    wixsite.com notion.site t.me telegram.me""".split()
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOT_INSENSITIVE = frozenset({"gmail.com", "googlemail.com"})


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url_or_host: str) -> str | None:
    """The registered domain (``example.co.uk``) of a URL or host, or None."""
    text = url_or_host.strip().lower()
    if not text:
        return None
    ext = _extractor()(text)
    dom = ext.top_domain_under_public_suffix
    return dom or None


def normalize_email(email: str) -> str | None:
    """Lower-case, drop ``+tags``, and drop dots for providers that ignore them."""
    e = email.strip().lower()
    if e.startswith("mailto:"):
        e = e[7:]
    if not _EMAIL_RE.match(e):
        return None
    try:
        # Syntax only (no DNS): the validator knows the RFC rules, internationalised domains included.
        checked = validate_email(e, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    local, domain = checked.local_part.lower(), checked.domain.lower()
    local = local.split("+", 1)[0]
    if domain in _DOT_INSENSITIVE:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


def normalize_phone(phone: str, region: str | None = None) -> str | None:
    """E.164 form, or None when the number does not parse as a possible number."""
    try:
        num = phonenumbers.parse(phone, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalize_wallet(chain: str, address: str) -> str | None:
    """``chain:address`` in the chain's canonical form, or None when the address fails its checksum.

    See :mod:`profilecheck.wallets` for the rules (EIP-55, Base58Check, Bech32/Bech32m, TRON).
    """
    return check_wallet(chain, address).canonical


def normalize_link(url: str) -> str | None:
    """Scheme-less, ``www.``-less, lower-case host, no query or fragment, no trailing slash."""
    u = url.strip()
    if not u:
        return None
    if "://" not in u:
        u = "http://" + u
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    path = parts.path.rstrip("/")
    return f"{host}{path}"


def is_hosting_domain(domain: str) -> bool:
    return domain in HOSTING_DOMAINS
