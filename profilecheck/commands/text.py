"""Text model commands: ``profilecheck train ai-text``.

Rebuilds the ``ai_text`` heads (``models/ai_text/fast.json``, ``lm.json``, ``metrics.json``)
from ``../shared/data/text/`` deterministically, with a leave-one-source-out evaluation of
every method and its baselines. SmolLM2 features are cached (``--lm-cache``) so a re-run only
scores texts it has not seen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from profilecheck.cli import console
from profilecheck.commands._groups import train_app
from profilecheck.errors import InputError

__all__ = ["train_ai_text", "train_app"]


_DEFAULT_CACHE = Path(tempfile.gettempdir()) / "profilecheck-ai-text-lm.jsonl"
_DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "text"


@train_app.command("ai-text")
def train_ai_text(
    data: Annotated[Path, typer.Option(help="the text/ data folder")] = _DEFAULT_DATA,
    out: Annotated[Path, typer.Option(help="where the heads and metrics go")] = Path("models/ai_text"),
    lm_cache: Annotated[Path, typer.Option(help="JSON-lines cache of SmolLM2 features")] = _DEFAULT_CACHE,
    lm_per_source: Annotated[int, typer.Option(help="texts per source, class and generator family for SmolLM2")] = 10,
    fast_per_source: Annotated[int, typer.Option(help="the same for the fast path and TF-IDF")] = 150,
) -> None:
    """Rebuild the ai_text heads from the shared text data and print the held-out figures."""
    from profilecheck.aitext.train import evaluate_and_train

    if not data.is_dir():
        raise InputError(f"{data}: no such text data folder")
    rep = evaluate_and_train(data, out, lm_cache=lm_cache, lm_per_source=lm_per_source, fast_per_source=fast_per_source)
    for set_name in ("lm_set", "fast_set"):
        console.print(f"[bold]{set_name}[/] ({rep.tables[set_name]['n']} texts, leave-one-source-out, 40+ words)")
        for name, m in rep.tables[set_name]["methods"].items():
            auc = m["mean_auroc_chatgpt_era_heldout"]
            fpr = m["max_fpr_human_any_source"]
            console.print(
                f"  {name:22s} ChatGPT-era AUROC {auc if auc is None else f'{auc:.3f}'}  "
                f"worst human FPR {fpr if fpr is None else f'{fpr:.3f}'}  TPR {m['tpr_by_generator_family']}"
            )
    console.print(f"chosen LM head: {rep.chosen_lm_head}; wrote {', '.join(str(p) for p in rep.written)}")
