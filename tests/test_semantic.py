"""Sentence similarity: the embedders, the per-run cache, the combined model."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from retold.semantic import (
    LEXICAL_MODEL,
    sentence_similarity,
)


def test_default_embedder_warns_without_model(monkeypatch) -> None:
    import retold.semantic as sem

    monkeypatch.setattr(sem, "minilm_available", lambda: False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        emb = sem.default_embedder()
    assert emb.name == "lexical" and not emb.semantic
    assert any("less sensitive" in str(x.message) for x in w)
    with pytest.raises(ImportError):
        sem.default_embedder("minilm")


def test_lexical_sentence_similarity() -> None:
    assert sentence_similarity("Russia has allegedly asked China for financial and military assistance.",
                               "Already Russia is alleged to have asked China for financial and military assistance.",
                               model=LEXICAL_MODEL) > 0.5
    assert sentence_similarity("Russia asked China for help.", "The weather in Paris was fine on Sunday.") < 0.2


def test_minilm_survives_rewording(minilm) -> None:
    from retold.semantic import MINILM_MODEL

    s = sentence_similarity("But China has refuted this is the case.", "However, China has vehemently denied this.",
                            minilm.embedder, MINILM_MODEL)
    assert s > MINILM_MODEL.threshold
    assert sentence_similarity("China denied the report.", "The match ended in a draw.", minilm.embedder,
                               MINILM_MODEL) < 0.1


def test_embedding_cache_embeds_each_sentence_once(minilm) -> None:
    before = minilm.misses
    minilm.encode(["A brand new sentence about cache testing.", "A brand new sentence about cache testing."])
    minilm.encode(["A brand new sentence about cache testing."])
    assert minilm.misses - before == 1
    v = minilm.encode(["A brand new sentence about cache testing."])
    assert v.dtype == np.float32 and abs(float(np.linalg.norm(v[0])) - 1) < 1e-4
