"""Character 3-gram sentence evidence: respelling and digits of other scripts, pair weights, symmetry."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.chargrams import CharEvidence, gram_rows, normalise, pair_weights

_VOCAB = ["Kim", "denied", "Putin", "help", "13,500", "the", "was", "بنگلہ", "دیش", "بنگلادیش", "کے", "۲۰۲۲",
          "2022", "ภาษา", "東京", "Ölüdeniz", "x2", "_id"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_VOCAB + [",", ".", "—", "!"]), max_size=20), min_size=1, max_size=5),
       st.lists(st.lists(st.sampled_from(_VOCAB + [",", "."]), max_size=20), min_size=1, max_size=5))
def test_similarity_is_a_symmetric_cosine(sa: list[list[str]], sb: list[list[str]]) -> None:
    a, b = gram_rows([" ".join(s) for s in sa]), gram_rows([" ".join(s) for s in sb])
    m, (_, w) = CharEvidence().matrix(a, b), pair_weights(a, b)
    mt = CharEvidence().matrix(b, a)
    assert m.shape == (len(sa), len(sb))
    assert np.allclose(m, mt.T, atol=1e-5)
    assert (m >= -1e-6).all() and (m <= 1 + 1e-5).all()
    assert (w >= 0).all()
    # rows hold each sentence's distinct 3-grams, sorted
    for r in range(len(a)):
        idx = a.idx[a.off[r]:a.off[r + 1]]
        assert (np.diff(idx) > 0).all()
        text = normalise(" ".join(sa[r]))
        assert idx.shape[0] <= max(0, len(text) - 2)


def test_respelled_names_and_digits_of_another_script_still_match() -> None:
    """Urdu newspapers respell names and write digits in either script; the words differ, the
    3-grams mostly do not. An unrelated sentence that shares only function words scores low."""
    a = "بنگلہ دیش نے پاکستان کو 9 وکٹوں سے شکست دے دی"
    b = "بنگلادیش نے پاکستان کو ۹ وکٹوں سے ہرا دیا"
    c = "لاہور میں بارش کے بعد موسم خوشگوار ہو گیا"
    rows_a = gram_rows([a, c])
    rows_b = gram_rows([b, "حکومت نے گندم کی قیمت بڑھا دی"])
    m = CharEvidence().matrix(rows_a, rows_b)
    assert m[0, 0] >= CharEvidence().threshold
    assert m[1, 0] < 0.1 and m[0, 1] < 0.1 and m[1, 1] < CharEvidence().threshold
    assert normalise("۲۰۲۲") == normalise("2022") == " 2022 "


def test_a_gram_in_every_sentence_weighs_nothing() -> None:
    a, b = gram_rows(["the cat sat", "the dog ran"]), gram_rows(["the cow"])
    slots, w = pair_weights(a, b)
    assert w[np.searchsorted(slots, gram_rows(["the"]).idx)].max() == 0.0
    m = CharEvidence().matrix(a, b)
    assert m.max() < 0.2  # "the" alone is no evidence


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_VOCAB), max_size=15), min_size=1, max_size=6),
       st.lists(st.lists(st.sampled_from(_VOCAB), max_size=15), min_size=1, max_size=6))
def test_compiled_matrix_equals_the_weighted_cosine(sa: list[list[str]], sb: list[list[str]]) -> None:
    from retold.chargrams import weighted

    a, b = gram_rows([" ".join(s) for s in sa]), gram_rows([" ".join(s) for s in sb])
    m, w = CharEvidence().matrix(a, b), pair_weights(a, b)
    wa, wb = weighted(a, w), weighted(b, w)
    assert np.allclose(m, wa.dot(wb), atol=1e-5)
