"""The compiled lexical features equal their Python reference."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

_VOCAB = ["Kim", "denied", "Putin", "help", "allegedly", "assistance", "troops", "13,500", "2.5", "the", "was",
          "U.S.", "Hurst's", "running", "lives", "ذرائع", "کے", "مطابق", "۲۰۲۲", "Ölüdeniz", "naïve", "x2", "_id"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_VOCAB + [",", ".", "—", "\"", "(", "!"]), max_size=25), max_size=6))
def test_lexical_kernel_matches_the_python_reference(sentences: list[list[str]]) -> None:
    from retold.lexical import hashed_vectors, lexical_features, sentence_terms

    texts = [" ".join(words) for words in sentences]
    lex, nums, n_words, n_content, _ = lexical_features(texts)
    ref = [sentence_terms(t) for t in texts]
    assert np.allclose(lex.dense(), hashed_vectors([r.terms for r in ref], lex.shape[1]), atol=1e-6)
    assert np.allclose(lex.dot(lex), lex.dense() @ lex.dense().T, atol=1e-5)
    assert n_words.tolist() == [r.n_words for r in ref]
    assert n_content.tolist() == [sum(not k[0].isdigit() for k in r.terms) for r in ref]
    assert nums.counts().tolist() == [len({k for k in r.terms if k[0].isdigit()}) for r in ref]
