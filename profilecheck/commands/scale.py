"""Scale commands: ``profilecheck scale-sample`` writes a marketplace of 10^4 ... 10^6 profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from profilecheck.cli import app, console


@app.command("scale-sample")
def scale_sample(
    out: Annotated[Path, typer.Argument(help="Folder to write profiles.jsonl, photos/ and truth.csv to.")],
    size: Annotated[int, typer.Option(help="Number of profiles (10000, 100000, 1000000 ...).")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same files.")] = 7,
    workers: Annotated[
        int | None, typer.Option(help="Processes (default: CPUs); the output does not depend on it.")
    ] = None,
) -> None:
    """Write a large sample marketplace with photos and planted rings, streaming to disk."""
    from profilecheck.sample_scale import write_scale_sample

    s = write_scale_sample(out, size=size, seed=seed, workers=workers)
    console.print(
        f"wrote {s.profiles} profiles ({s.genuine} genuine, {s.fake} in {s.rings} rings) to {out} "
        f"in {s.seconds:.1f} s ({s.per_second:.0f} profiles/s)"
    )
