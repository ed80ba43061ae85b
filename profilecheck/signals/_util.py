"""Small helpers shared by signals."""

from __future__ import annotations

import unicodedata


def fold_name(name: str | None) -> str:
    """Case-, accent- and spacing-insensitive form of a person's name.

    >>> fold_name("  José  DA Silva ")
    'jose da silva'
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def same_person_name(a: str | None, b: str | None) -> bool:
    """True when both names are known and fold to the same text."""
    fa, fb = fold_name(a), fold_name(b)
    return bool(fa) and fa == fb


def link_weight(platform: str, name: str | None, other_id: str, other_name: str | None) -> float:
    """How much a shared artifact between two profiles says about fraud, from 0 to 1.

    Different names: 1. The same name on another platform is most often one person's own
    accounts: 0.1. The same name twice on one platform (duplicate accounts): 1/3.

    >>> link_weight("gigmarket", "Ann Lee", "devhub:annlee", "Ann Lee")
    0.1
    """
    if not same_person_name(name, other_name):
        return 1.0
    other_platform = other_id.split(":", 1)[0]
    return 0.1 if other_platform != platform.strip().lower() else 1 / 3
