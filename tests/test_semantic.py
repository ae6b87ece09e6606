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


def test_cascade_keeps_sure_pairs_and_asks_the_precise_model_only_where_it_read_both():
    from dataclasses import replace

    from retold.semantic import MINILM_MODEL, STATIC_MODEL, CascadeModel, sentence_features, similarity_matrix

    sents = ["Kim denied Putin any help with the war.", "Oil prices rose by 3% on Monday.",
             "The talks in Oslo ended early."]
    f = sentence_features(sents)
    rng = np.random.default_rng(0)
    static = rng.normal(size=(3, 8)).astype(np.float32)
    static /= np.linalg.norm(static, axis=1, keepdims=True)
    precise = np.eye(3, 4, dtype=np.float32)  # the precise model: every sentence only like itself
    cascade = CascadeModel()
    cheap_only = replace(f, emb=f.lex, static=static, known=np.zeros(3, dtype=bool))
    cheap = similarity_matrix(replace(f, emb=static), replace(f, emb=static), STATIC_MODEL)
    unsure = cascade.uncertain(cheap)
    p = similarity_matrix(cheap_only, cheap_only, cascade)
    # sure pairs keep the cheap probability; unsure ones are no evidence until the precise model reads them
    assert np.allclose(p[~unsure], cheap[~unsure]) and (p[unsure] == 0).all()
    both = replace(f, emb=precise[:, :4] / 1.0, static=static, known=np.array([True, True, False]))
    q = similarity_matrix(both, both, cascade)
    read = np.array([True, True, False])
    exact = similarity_matrix(replace(f, emb=precise), replace(f, emb=precise), MINILM_MODEL)
    assert np.allclose(q[np.ix_(read, read)], exact[np.ix_(read, read)])
    assert np.allclose(q[2, 2], p[2, 2]) and cascade.threshold == MINILM_MODEL.threshold


def test_an_unread_unsure_pair_counts_as_the_cheap_probability_shifted():
    """``unread``: an unsure sentence pair the precise model did not read takes the cheap
    probability (0), or a bound on it (a shift, clipped to [0, 1]) where it is the best match of
    one of its sentences; sure pairs and pairs read on both sides are untouched."""
    from dataclasses import replace

    from retold.semantic import MINILM_MODEL, STATIC_MODEL, CascadeModel, sentence_features, similarity_matrix

    fa = sentence_features(["Kim denied Putin any help with the war in Ukraine.",
                            "Oil prices rose by 3% on Monday in London.",
                            "Kim said that the war in Ukraine was not his."])
    fb = sentence_features(["Putin was refused help with the Ukraine war by Kim.",
                            "On Monday, London oil prices went up 3%.", "Kim said the war in Ukraine was not his."])
    # each sentence and its rewrite: cheap cosine 0.8 (unsure); the third B sentence is a weaker
    # match of the first A one (unsure, not the best match of either) and the third A one's copy
    sa = np.array([[1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1]], dtype=np.float32)
    sb = np.array([[0.8, 0.6, 0, 0, 0], [0, 0, 0.8, 0.6, 0], [0.7, 0, 0, 0, 0.714]], dtype=np.float32)
    pa, pb = np.eye(3, 6, dtype=np.float32), np.eye(3, 6, k=1, dtype=np.float32)
    cheap = similarity_matrix(replace(fa, emb=sa), replace(fb, emb=sb), STATIC_MODEL)
    unsure = CascadeModel().uncertain(cheap)
    best = (cheap >= cheap.max(axis=1, keepdims=True)) | (cheap >= cheap.max(axis=0, keepdims=True))
    ga = replace(fa, emb=pa, static=sa, known=np.array([True, False, False]))
    gb = replace(fb, emb=pb, static=sb, known=np.array([True, False, False]))
    both = ga.known[:, None] & gb.known[None, :]
    exact = similarity_matrix(replace(fa, emb=pa), replace(fb, emb=pb), MINILM_MODEL)
    assert (unsure & best & ~both).any() and (unsure & ~best & ~both).any() and (~unsure).any(), cheap
    for shift in (0.0, 0.3, -0.3):
        q = similarity_matrix(ga, gb, CascadeModel(unread=shift))
        assert np.allclose(q[both], exact[both])
        bound = ~both & unsure & best
        assert np.allclose(q[bound], np.clip(cheap[bound] + shift, 0, 1), atol=1e-6)
        assert np.allclose(q[~both & ~bound], cheap[~both & ~bound])
    assert (similarity_matrix(ga, gb, CascadeModel())[~both & unsure] == 0).all()
