"""profilecheck: tells whether a freelancer's public profile is who it claims to be."""

from __future__ import annotations

from profilecheck.errors import (
    BlockedError,
    FetchError,
    InputError,
    MediaError,
    ModelError,
    ProfileCheckError,
    StorageError,
)
from profilecheck.model import Evidence, Label, Profile, Status, Verdict

__version__ = "0.1.0"

__all__ = [
    "BlockedError",
    "Evidence",
    "FetchError",
    "InputError",
    "Label",
    "MediaError",
    "ModelError",
    "Profile",
    "ProfileCheckError",
    "Status",
    "StorageError",
    "Verdict",
    "__version__",
]
