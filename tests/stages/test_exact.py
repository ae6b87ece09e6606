"""Exact groups: the first document of each token sequence represents it; empty texts match nothing."""

from __future__ import annotations

import numpy as np

from retold.model import KIND_CODE, Options, Plan
from retold.stages.exact import exact_groups, exact_pairs, representatives_of
from retold.stages.sign import sign


def test_case_punctuation_and_quotes_do_not_split_a_group() -> None:
    texts = ["Kim said: \u201cno.\u201d", "Rain in Paris.", "KIM SAID \"NO\"", "", "kim said no", "   "]
    s = sign(texts, Options(), Plan.for_kinds("exact"))
    rep = exact_groups(s.content, s.n_tokens)
    assert rep.tolist() == [0, 1, 0, -1, 0, -1]
    assert representatives_of(rep).tolist() == [0, 1]
    t = exact_pairs(rep)
    assert list(zip(t.a.tolist(), t.b.tolist())) == [(0, 2), (0, 4)]
    assert set(t.kind.tolist()) == {KIND_CODE["exact"]} and np.all(t.score == 1.0)


def test_a_hash_collision_with_another_length_is_not_a_group() -> None:
    rep = exact_groups(np.array([7, 7, 7], dtype=np.uint64), np.array([3, 4, 3]))
    assert rep.tolist() == [0, 1, 0]
