"""Command groups shared by several command modules (``profilecheck train ...``).

A module that adds a ``train`` sub-command imports :data:`train_app` from here rather than
creating its own group, so that areas never register two groups of one name.
"""

from __future__ import annotations

import typer

from profilecheck.cli import app

__all__ = ["train_app"]

# One ``train`` group shared by every area that trains a model (ai-text, ai-face, ...).
train_app = typer.Typer(help="Retrain the shipped models on the shared data, deterministically.", no_args_is_help=True)
app.add_typer(train_app, name="train")
