"""CLI command modules: each module here adds its commands to :data:`profilecheck.cli.app`.

Add an area's commands in a module of its own (``from profilecheck.cli import app`` and
decorate), so that areas never edit one shared file; :func:`load` imports them all.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module


def load() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            import_module(f"{__name__}.{info.name}")
