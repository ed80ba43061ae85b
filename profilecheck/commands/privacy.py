"""Personal data commands: ``profilecheck purge``.

Retention: ``purge --older-than 180d`` removes every profile last imported or refreshed more
than 180 days ago, with its media (unless another profile uses the same file), everything
derived from it, and the import problems recorded before then; without ``--older-than`` the
setting ``PROFILECHECK_RETENTION`` (same syntax) applies, so a cron line of ``profilecheck
purge`` enforces a team's retention period.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from profilecheck.cli import DEFAULT_WORKSPACE, Workspace, _store, app, console
from profilecheck.errors import InputError
from profilecheck.logs import get_logger

__all__ = ["RETENTION_ENV", "parse_duration", "purge"]

log = get_logger(__name__)

RETENTION_ENV = "PROFILECHECK_RETENTION"
_UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*(s|min|h|d|w|y)\s*$")


def parse_duration(text: str) -> timedelta:
    """Parse ``90d``, ``12h``, ``30min``, ``2w``, ``1y`` (a year is 365 days).

    >>> parse_duration("90d")
    datetime.timedelta(days=90)
    >>> parse_duration("3 h").total_seconds()
    10800.0
    >>> parse_duration("soon")
    Traceback (most recent call last):
    ...
    profilecheck.errors.InputError: duration 'soon': use a number and a unit (s, min, h, d, w, y), e.g. 90d
    """
    m = _DURATION.match(text)
    if not m:
        raise InputError(f"duration {text!r}: use a number and a unit (s, min, h, d, w, y), e.g. 90d", value=text)
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


@app.command()
def purge(
    older_than: Annotated[
        str | None,
        typer.Option(help=f"Age, e.g. 180d (s, min, h, d, w, y); default: the {RETENTION_ENV} setting."),
    ] = None,
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Remove profiles not refreshed within a period, their media and everything derived from them."""
    text = older_than or os.environ.get(RETENTION_ENV)
    if not text:
        raise InputError(f"purge needs --older-than or the {RETENTION_ENV} setting (e.g. 180d)")
    cutoff = datetime.now(UTC) - parse_duration(text)
    with _store(workspace) as store:
        rep = store.purge(cutoff)
    log.info("purge before %s: %d profiles, %d media files", rep.cutoff, rep.profiles, rep.media)
    console.print(
        f"purged {rep.profiles} profile(s) last seen before {rep.cutoff}: {rep.media} media file(s), "
        f"{rep.derived_rows} row(s) of other profiles naming them (re-scored by the next scan), "
        f"{rep.import_errors} import problem(s)"
    )
