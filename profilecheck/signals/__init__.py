"""Signals: one module per signal, registered by name.

A signal gets a :class:`~profilecheck.model.Profile` and a read-only :class:`Context` (the
profile's own analysis features, its matches with other profiles, the settings) and yields
:class:`~profilecheck.model.Evidence`. It never fetches and never writes to the store.

Third parties add signals through the ``profilecheck.signals`` entry-point group: the entry
point names an object that satisfies :class:`Signal`.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from profilecheck.model import Evidence, Profile

__all__ = ["Context", "Match", "Signal", "all_signals", "get_signal", "register", "register_instance"]


@dataclass(frozen=True, slots=True)
class Match:
    """Another profile that shares an artifact with this one.

    ``kind`` names the artifact (``photo_sha256``, ``photo_phash``, ``wallet``, ``email``,
    ``phone``, ``domain``, ``link``, ``text_template`` ...), ``value`` the shared value as
    normalised, ``distance`` how far the two copies are (0 for exact; Hamming bits for hashes).
    """

    kind: str
    value: str
    other_id: str
    other_name: str | None = None
    distance: float = 0.0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    """What a signal may read besides the profile itself."""

    features: Mapping[str, Any] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()
    #: the cluster of profiles this one belongs to (``Cluster.to_dict()`` of :mod:`profilecheck.graph`), if any
    cluster: Mapping[str, Any] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def matches_of(self, *kinds: str) -> list[Match]:
        return [m for m in self.matches if m.kind in kinds]


@runtime_checkable
class Signal(Protocol):
    name: ClassVar[str]
    version: ClassVar[int]  # bump when output changes; golden tests pin it

    def __call__(self, profile: Profile, ctx: Context) -> Iterable[Evidence]: ...


_T = TypeVar("_T")
_REGISTRY: dict[str, Signal] = {}
_LOADED = False


def register(cls: type[_T]) -> type[_T]:
    """Class decorator: instantiate a signal class and add it to the registry by its name."""
    register_instance(cls())
    return cls


def register_instance(signal: object) -> None:
    """Add a ready signal object to the registry (for entry points that name an instance)."""
    if not isinstance(signal, Signal):
        raise TypeError(f"{signal!r} does not satisfy the Signal protocol")
    _REGISTRY[signal.name] = signal


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    # Built-ins: every public module of this package is one signal, named after its module.
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            import_module(f"{__name__}.{info.name}")
    for ep in entry_points(group="profilecheck.signals"):
        obj = ep.load()
        if isinstance(obj, type):
            register(obj)
        else:
            register_instance(obj)


def all_signals() -> dict[str, Signal]:
    """Every registered signal by name, built-ins first."""
    _load()
    return dict(_REGISTRY)


def get_signal(name: str) -> Signal:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"no signal named {name!r}; known: {sorted(_REGISTRY)}") from None


def signals_fingerprint() -> str:
    """A short text that changes whenever any signal's name, version or configuration changes.

    A signal whose output depends on a setting or a model file (not only on the profile and
    its context) says so with an optional ``config() -> str`` method, a short text naming the
    setting's value and the file's digest. The engine's input hash of a verdict includes this
    fingerprint, so changing such a setting, or retraining the model, re-scores the stored
    verdicts on the next scan instead of leaving them as the old setting made them.
    """
    parts = []
    for n, s in sorted(all_signals().items()):
        config = getattr(s, "config", None)
        parts.append(f"{n}@{s.version}" + (f"[{config()}]" if callable(config) else ""))
    return ",".join(parts)
