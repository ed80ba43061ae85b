"""The public surface: __all__ guarded, signals registered, layering respected."""

from __future__ import annotations

import ast
from pathlib import Path

import profilecheck
from profilecheck.signals import Signal, all_signals

PKG = Path(profilecheck.__file__).parent


def test_public_all() -> None:
    """The package exports exactly this."""
    assert sorted(profilecheck.__all__) == sorted(
        [
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
    )
    for name in profilecheck.__all__:
        assert hasattr(profilecheck, name)


def test_builtin_signals_registered() -> None:
    """The first signals are registered by name, each with a docstring listing its codes."""
    sigs = all_signals()
    assert {"photo_reuse", "shared_artifacts", "identity_consistency"} <= set(sigs)
    for name, sig in sigs.items():
        assert isinstance(sig, Signal)
        assert name == sig.name
        mod = __import__(type(sig).__module__, fromlist=["_"])
        assert mod.__doc__ and "Reason codes" in mod.__doc__


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_layering() -> None:
    """The model imports nothing of ours; signals never import the store, spiders or faces."""
    assert not {m for m in _imports(PKG / "model.py") if m.startswith("profilecheck")}
    for f in (PKG / "signals").glob("*.py"):
        bad = {
            m
            for m in _imports(f)
            if m.startswith(
                (
                    "profilecheck.store",
                    "profilecheck.cli",
                    "profilecheck.engine",
                    "spiders",
                    "profilecheck.report",
                    "profilecheck.api",
                )
            )
        }
        assert not bad, (f.name, bad)
    for f in (PKG / "store").glob("*.py"):
        bad = {m for m in _imports(f) if m.startswith(("profilecheck.signals", "profilecheck.engine"))}
        assert not bad, (f.name, bad)
    for f in (PKG / "media").glob("*.py"):
        assert not {m for m in _imports(f) if m.startswith("profilecheck.store")}
