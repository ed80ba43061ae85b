"""Country names as the SDN list writes them, to ISO 3166-1 alpha-2 codes (pycountry, offline).

OFAC writes short English names (``Russia``, ``Korea, North``, ``Iran``, ``Burma``); pycountry
knows the ISO names and official names, and the few OFAC forms it does not are listed here.

>>> country_code("Korea, North"), country_code("Russia"), country_code("United Kingdom"), country_code("DE")
('KP', 'RU', 'GB', 'DE')
>>> country_code("Atlantis") is None
True
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

__all__ = ["country_code"]

_OFAC = {
    "korea, north": "KP",
    "north korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "burma": "MM",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "laos": "LA",
    "vietnam": "VN",
    "taiwan": "TW",
    "the bahamas": "BS",
    "the gambia": "GM",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "cote d'ivoire": "CI",
    "turkey": "TR",
    "west bank": "PS",
    "gaza": "PS",
    "kosovo": "XK",
    "czech republic": "CZ",
    "macedonia": "MK",
    "micronesia, federated states of": "FM",
    "region: crimea": "UA",
}


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO alpha-2 code of a country name or code, or None when unknown."""
    if not name:
        return None
    t = " ".join(name.strip().split()).rstrip(".")
    if not t:
        return None
    if t.lower() in _OFAC:
        return _OFAC[t.lower()]
    try:
        c = pycountry.countries.lookup(t)
    except LookupError:
        return None
    return str(c.alpha_2)
