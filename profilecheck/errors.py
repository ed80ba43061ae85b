"""The exception tree.

::

    ProfileCheckError            root: the CLI turns any of these into one line and exit 1
    ├── InputError               a file, row, URL or setting the user gave is unusable
    │   └── MediaError           an image refused by the safe decoder (``reason`` is a code)
    ├── FetchError               a network fetch failed (``url=``)
    │   └── BlockedError         refused by policy (SSRF guard, robots.txt) or by the site
    ├── StorageError             the database or media store cannot do what was asked
    └── ModelError               a model file is missing, corrupt or of an unsafe format

Errors carry their context as attributes (``path``, ``line``, ``url``, ``profile_id``) so that
callers can record them on the right row.
"""

from __future__ import annotations

__all__ = [
    "BlockedError",
    "FetchError",
    "InputError",
    "MediaError",
    "ModelError",
    "ProfileCheckError",
    "StorageError",
]


class ProfileCheckError(Exception):
    """Root of every error profilecheck raises on purpose."""

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.context = context
        for key, value in context.items():
            setattr(self, key, value)


class InputError(ProfileCheckError):
    """A file, row, URL or setting given by the user cannot be used."""


class MediaError(InputError):
    """An image refused by the safe decoder; ``reason`` is a stable code such as ``too_many_pixels``."""

    def __init__(self, message: str, reason: str, **context: object) -> None:
        super().__init__(message, reason=reason, **context)
        self.reason = reason


class FetchError(ProfileCheckError):
    """A fetch failed."""


class BlockedError(FetchError):
    """A fetch refused by policy (SSRF guard, robots.txt) or blocked by the site."""


class StorageError(ProfileCheckError):
    """The store cannot do what was asked."""


class ModelError(ProfileCheckError):
    """A model artifact is missing, corrupt or unsafe."""
