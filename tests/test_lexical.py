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


def test_char_tables_are_kept_and_read_back_the_same(tmp_path) -> None:
    import subprocess
    import sys

    from retold.lexical import _char_tables

    code = ("import retold.lexical as x, retold.jit as j; c, l = x.char_tables(); "
            "print(sorted(p.name for p in j.kernel_cache_dir().glob('char-tables-*')), int(c.sum()), int(l.sum()))")
    env = {**__import__("os").environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert first == again and "char-tables-py3" in first
    cls, low = _char_tables()
    assert first.split()[-2:] == [str(int(cls.sum())), str(int(low.sum()))]
