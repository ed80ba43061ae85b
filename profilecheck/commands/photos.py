"""Photo commands: reference sets (``profilecheck refs add``) and the ai_face model (``train ai-face``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from profilecheck.cli import DEFAULT_WORKSPACE, Workspace, app, console, err
from profilecheck.commands._groups import train_app
from profilecheck.errors import InputError, MediaError

refs_app = typer.Typer(help="Reference photo sets: stock, stolen, celebrity headshots.", no_args_is_help=True)
app.add_typer(refs_app, name="refs")

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def add_reference_dir(store: Any, folder: Path, label: str) -> dict[str, int]:
    """Index every image under ``folder`` as a reference photo labelled ``label``.

    Broken images are counted and named on stderr; the rest are added. Returns counts.
    """
    from profilecheck.media import load_image
    from profilecheck.media.photo import DRAFT, describe

    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder", path=str(folder))
    if not label or not label.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"label {label!r}: use letters, digits, '-' or '_'", label=label)
    rows, broken, seen = [], 0, 0
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in _IMAGE_SUFFIXES:
            continue
        seen += 1
        data = p.read_bytes()
        try:
            img, _info = load_image(data, draft_size=DRAFT, name=str(p))
        except MediaError as exc:
            err.print(f"{p}: skipped ({exc.reason})")
            broken += 1
            continue
        sha = store.media.put(data)
        facts = describe(img)
        rows.append({"sha256": sha, "label": label, "name": p.stem, "source": str(p), "features": facts.to_json()})
    added = store.add_photo_refs(rows)
    return {"images": seen, "added": added, "already": len(rows) - added, "broken": broken}


@refs_app.command("add")
def refs_add(
    folder: Annotated[Path, typer.Argument(help="Folder of known photos (searched recursively).")],
    label: Annotated[str, typer.Option(help="What the photos are: stock, stolen, celebrity, ...")],
    workspace: Workspace = Path(DEFAULT_WORKSPACE),
) -> None:
    """Index known photos; a profile photo that is one of them gets PHOTO_MATCHES_REFERENCE."""
    from profilecheck.store import Store

    with Store(workspace) as store:
        counts = add_reference_dir(store, folder, label)
        total = store.count_photo_refs()
    console.print(
        f"{counts['added']} reference photo(s) added as {label!r} ({counts['already']} already there, "
        f"{counts['broken']} broken); sets now: {json.dumps(total, sort_keys=True)}. Run `profilecheck scan` to apply."
    )


@refs_app.command("list")
def refs_list(workspace: Workspace = Path(DEFAULT_WORKSPACE)) -> None:
    """Count the reference photos by label."""
    from profilecheck.store import Store

    with Store(workspace) as store:
        counts = store.count_photo_refs()
    if not counts:
        console.print("no reference photos")
    for label, n in sorted(counts.items()):
        console.print(f"{label}\t{n}")


@train_app.command("ai-face")
def train_ai_face(
    data: Annotated[Path, typer.Option(help="The shared faces folder.")] = Path("../shared/data/faces"),
    out: Annotated[Path | None, typer.Option(help="Where to write the model (default: models/ai_face).")] = None,
    seed: Annotated[int, typer.Option(help="Split and augmentation seed.")] = 0,
    augment: Annotated[int, typer.Option(help="Augmented copies per training image.")] = 3,
    limit: Annotated[int | None, typer.Option(help="At most this many images per class.")] = None,
) -> None:
    """Retrain the ai_face model on hardfakevsrealfaces and print its held-out metrics."""
    from profilecheck.aiface import MODEL_DIR, train

    if not (data / "hardfakevsrealfaces").is_dir():
        raise InputError(f"{data}: no hardfakevsrealfaces folder here", path=str(data))
    metrics = train(data, out or MODEL_DIR, seed=seed, augment=augment, limit=limit, progress=err.print)
    console.print(json.dumps(metrics, indent=2, sort_keys=True))
