"""ai_text: corpus hygiene, the shipped heads, the signal on the sample, and one SmolLM2 run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from profilecheck.aitext.corpus import bio_cut, load_corpus
from profilecheck.aitext.features import STYLE_FEATURES, style_features
from profilecheck.aitext.lm import LM_FEATURES
from profilecheck.aitext.model import DEFAULT_MODEL_DIR, load_head
from profilecheck.errors import ModelError
from profilecheck.model import Status
from profilecheck.signals import Context
from profilecheck.signals.ai_text import W_AI_TEXT, AIText, score_texts
from profilecheck.store import Store

from .conftest import SHARED_DATA

TEXT_DATA = SHARED_DATA / "text"
needs_data = pytest.mark.skipif(not TEXT_DATA.exists(), reason="../shared/data/text is absent")


@needs_data
def test_corpus_is_deduplicated_cut_and_labelled() -> None:
    """No text twice, every text at most 110 words, every source present, both classes where they exist."""
    recs = load_corpus(TEXT_DATA, per_source_class=20)
    keys = [" ".join(r.text.lower().split()) for r in recs]
    assert len(keys) == len(set(keys))
    assert max(r.words for r in recs) <= 110
    sources = {r.source for r in recs}
    assert {"essays", "reviews", "tweepfake", "non-native:wi", "non-native:ellipse"} <= sources
    assert {r.label for r in recs if r.source == "essays"} == {0, 1}
    assert not any("@CAPS" in r.text or "Generic_Name" in r.text for r in recs)
    # A smaller sample is a prefix of a larger one (so cached LM features are reused).
    small = {r.text for r in load_corpus(TEXT_DATA, per_source_class=10)}
    assert small <= {r.text for r in recs}


def test_bio_cut_keeps_whole_sentences() -> None:
    """The cut ends on a sentence boundary when one fits."""
    text = "First sentence here. " * 30
    cut = bio_cut(text)
    assert cut.endswith(".") and 15 <= len(cut.split()) <= 110


def test_shipped_heads_are_plain_json_and_match_the_code() -> None:
    """models/ai_text holds JSON only (no pickle), built for today's features, with a threshold and a floor."""
    files = sorted(p.name for p in DEFAULT_MODEL_DIR.iterdir())
    assert {"fast.json", "lm.json", "metrics.json", "README.md"} <= set(files)
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".joblib"))]
    fast = load_head(DEFAULT_MODEL_DIR / "fast.json", expect=STYLE_FEATURES)
    lm = load_head(DEFAULT_MODEL_DIR / "lm.json")
    assert set(lm.features) <= set(LM_FEATURES) | set(STYLE_FEATURES)
    for head in (fast, lm):
        assert 0 < head.threshold < 1 and 10 <= head.length_floor <= 50
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert {"raw_loglik", "tfidf_lr", "fast_detectgpt"} <= set(metrics["lm_set"]["methods"])


def test_broken_head_is_a_model_error(tmp_path: Path) -> None:
    """A damaged head file is reported as a ModelError naming the file."""
    bad = tmp_path / "fast.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match=r"fast\.json"):
        load_head(bad)


def test_fast_path_probabilities_are_calibrated_numbers() -> None:
    """Probabilities are in [0, 1] and the same text gets the same probability."""
    texts = [
        "I am a passionate and dedicated developer committed to delivering robust, innovative solutions.",
        "i work on websites since 2015, mostly wordpress, and i like fixing old php code for small shops",
    ]
    p1, head = score_texts(texts, "fast")
    p2, _ = score_texts(texts, "fast")
    assert np.all((p1 >= 0) & (p1 <= 1)) and p1.tolist() == p2.tolist()
    assert style_features(texts).shape == (2, len(STYLE_FEATURES))
    assert head.length_floor > 0


def test_signal_on_the_sample_is_weak_and_abstains_on_short_text(scanned_workspace: Path, make_profile) -> None:  # type: ignore[no-untyped-def]
    """On the scanned sample every profile has an ai_text reason, a HIT is weak, short bios are UNKNOWN."""
    with Store(scanned_workspace) as store:
        evidence = [e for v in store.iter_verdicts() for e in v.evidence if e.signal == "ai_text"]
    assert evidence
    assert {e.code for e in evidence} <= {"AI_TEXT_LIKELY", "AI_TEXT_UNLIKELY", "TEXT_TOO_SHORT", "NO_TEXT"}
    assert all(e.strength <= W_AI_TEXT <= 0.5 for e in evidence)
    short = list(AIText()(make_profile(bio="Hi, I code."), Context()))
    assert [(Status.UNKNOWN, "TEXT_TOO_SHORT")] == [(e.status, e.code) for e in short]
    none = list(AIText()(make_profile(), Context()))
    assert [(Status.UNKNOWN, "NO_TEXT")] == [(e.status, e.code) for e in none]


def test_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch, make_profile) -> None:  # type: ignore[no-untyped-def]
    """An unknown PROFILECHECK_AI_TEXT value is an error naming the setting."""
    monkeypatch.setenv("PROFILECHECK_AI_TEXT", "turbo")
    with pytest.raises(ValueError, match="PROFILECHECK_AI_TEXT"):
        list(AIText()(make_profile(bio="word " * 60), Context()))


def test_smollm2_scores_a_handful_of_texts() -> None:
    """The only test that loads SmolLM2: finite features, repeatable, and the LM head gives probabilities."""
    pytest.importorskip("torch")
    from profilecheck.aitext.lm import LMScorer

    try:
        scorer = LMScorer(threads=2, batch_size=4)
    except ModelError as exc:  # pragma: no cover - the ml extra is installed by make test
        pytest.skip(str(exc))
    texts = [
        "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again.",
        "Zebra quantum marmalade, seventeen violins argued about the tax code of Jupiter's moons yesterday.",
        "I am a full-stack developer with five years of experience building web applications for startups.",
        "ok",
    ]
    f1 = scorer.features(texts)
    assert f1.shape == (4, len(LM_FEATURES))
    assert np.isfinite(f1[:3]).all()
    ll = f1[:, LM_FEATURES.index("ll_mean")]
    assert ll[0] > ll[1]  # a repeated plain sentence is likelier than word salad
    f2 = scorer.features(texts[:3])
    assert np.allclose(f1[:3], f2, atol=1e-4)
    head = load_head(DEFAULT_MODEL_DIR / "lm.json")
    style = style_features(texts[:3])
    cols = [
        f1[:3, LM_FEATURES.index(f)] if f in LM_FEATURES else style[:, STYLE_FEATURES.index(f)] for f in head.features
    ]
    p = head.proba(np.stack(cols, axis=1))
    assert all(0 <= x <= 1 and not math.isnan(x) for x in p)


def test_switching_the_path_rescores_stored_verdicts(tmp_path: Path, make_profile, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PROFILECHECK_AI_TEXT (and the head's digest) are in the input hash: switching re-scores stored verdicts."""
    from profilecheck.engine import scan
    from profilecheck.signals import signals_fingerprint
    from profilecheck.signals.ai_text import SETTING

    monkeypatch.setenv(SETTING, "fast")
    fast = signals_fingerprint()
    monkeypatch.setenv(SETTING, "lm")
    assert signals_fingerprint() != fast  # no model is loaded to tell them apart
    bio = "I build web shops for small businesses and care about clean, tested code. " * 4
    with Store(tmp_path / "ws") as store:
        store.upsert_profiles([make_profile(handle=f"u{i}", bio=bio) for i in range(3)], source="test")
        monkeypatch.setenv(SETTING, "fast")
        assert scan(store).scored == 3
        assert scan(store).scored == 0
        # A value the signal refuses stands in for the LM path (which would load SmolLM2 here).
        monkeypatch.setenv(SETTING, "turbo")
        assert scan(store).scored == 3
        codes = {e.code for v in store.iter_verdicts() for e in v.evidence if e.signal == "ai_text"}
        assert codes == {"SIGNAL_FAILED"}
        monkeypatch.setenv(SETTING, "fast")
        assert scan(store).scored == 3
        codes = {e.code for v in store.iter_verdicts() for e in v.evidence if e.signal == "ai_text"}
        assert codes <= {"AI_TEXT_LIKELY", "AI_TEXT_UNLIKELY"}
