"""The decision on real text: a noisy copy is a near-duplicate, a lifted paragraph is partial, a
shared quote is nothing; passages only when the plan computes them."""

from __future__ import annotations

import numpy as np
import orjson

from retold.model import KIND_CODE, Options, Plan
from retold.stages.decide import classify_near, decide
from retold.stages.sign import sign


def texts(bbc_path) -> list[str]:
    recs = [orjson.loads(line) for line in bbc_path.read_bytes().splitlines()[:50]]
    art, other = recs[10]["text"], recs[30]["text"]
    paras = [p for p in art.split("\n\n") if len(p.split()) > 30]
    words = art.split()
    noisy = " ".join(w if i % 11 else w.upper() + "x" for i, w in enumerate(words))
    lifted = other + "\n\n" + paras[1]
    quote = recs[20]["text"] + " " + " ".join(paras[1].split()[:12])
    return [art, noisy, lifted, quote]


def run(bbc_path, plan: Plan, **kw):
    t = texts(bbc_path)
    s = sign(t, Options(), plan)
    la, lb = np.array([0, 0, 0]), np.array([1, 2, 3])
    return decide(s.shingles, s.sh_offsets, s.n_tokens, la, lb, Options(), plan, **kw), t


def test_near_partial_and_nothing(bbc_path) -> None:
    d, _ = run(bbc_path, Plan())
    assert d.kind.tolist() == [KIND_CODE["near_duplicate"], KIND_CODE["partial"], -1]
    assert 0.8 < d.score[0] <= 1.0 and d.scores.coverage_b[0] >= 0.8
    assert set(d.p_pair.tolist()) == {0, 1}, "passages of reported pairs only"
    assert np.all(d.p_a0 <= d.p_a1) and np.all(d.p_b0 <= d.p_b1)
    everything, _ = run(bbc_path, Plan(), all_passages=True)
    assert 2 in everything.p_pair.tolist(), "the shared quote is listed when asked (compare shows it)"


def test_the_fast_plan_decides_near_duplicates_without_passages(bbc_path) -> None:
    d, _ = run(bbc_path, Plan.for_kinds("exact,near_duplicate"))
    assert d.kind.tolist() == [KIND_CODE["near_duplicate"], -1, -1] and d.p_pair.shape[0] == 0


def test_splitting_the_alignment_changes_nothing(bbc_path) -> None:
    one, _ = run(bbc_path, Plan())
    many, _ = run(bbc_path, Plan(), pmap=map, pieces=3)
    for f in ("kind", "score", "p_pair", "p_a0", "p_a1", "p_b0", "p_b1", "p_score"):
        assert np.array_equal(getattr(one, f), getattr(many, f)), f


def test_near_needs_both_sides_covered() -> None:
    got = classify_near(np.array([100, 100, 100]), np.array([120, 400, 100]), np.array([0.85, 0.95, 0.79]),
                        np.array([0.7, 0.3, 0.9]), Options())
    assert got.tolist() == [True, False, False]


def test_one_sentence_in_other_words_is_not_partial_reuse_one_copied_is():
    """Two short articles on one event state one fact in near-identical words (half the words of
    the sentence shared): that is no reuse. The same sentence copied verbatim is."""
    fact = ("Peterson was convicted on November 12 of first degree murder for the death of Laci Peterson and "
            "second degree murder for the death of their unborn son")
    reworded = ("The jury foreman announced a finding of first degree murder in the death of Laci and second "
                "degree murder in the death of their near term son Conner")
    a = "Scott Peterson will be sentenced next month in Redwood City. " + fact + ". His lawyers plan an appeal."
    b = ("A California jury recommended the death penalty on Monday after a five month trial. " + reworded +
         ". Relatives of Laci wept in the courtroom.")
    c = ("A California jury recommended the death penalty on Monday after a five month trial. " + fact +
         ". Relatives of Laci wept in the courtroom.")
    s = sign([a, b, c], Options(), Plan())
    d = decide(s.shingles, s.sh_offsets, s.n_tokens, np.array([0, 0]), np.array([1, 2]), Options(), Plan())
    assert d.kind.tolist() == [-1, KIND_CODE["partial"]]


def test_japanese_stock_phrases_are_not_partial_reuse_a_lifted_passage_is() -> None:
    """Two articles of the Japanese Declaration (real text, ``../shared/data/mling``) share only
    stock phrases of 8-10 characters ("を受ける権利を有する", "has the right to receive"). Counted
    as tokens (characters) they made the pair partial; counted as words (1.55 characters a word,
    :func:`retold.text.word_counts`) they do not, while 300 lifted characters still do."""
    import json

    from ..conftest import SHARED

    p = SHARED / "data" / "mling" / "ja.jsonl"
    if not p.exists():
        import pytest

        pytest.skip(f"multilingual samples not found at {p}")
    docs = {r["id"]: r["text"] for r in map(json.loads, p.open(encoding="utf-8"))}
    a, b = docs["udhr:jpn:002"], docs["udhr:jpn:004"]
    lifted = docs["udhr:jpn:005"] + "\n\n" + a[:300]
    s = sign([a, b, lifted], Options(), Plan())
    assert s.n_words is not None and (s.n_words < 0.7 * s.n_tokens).all()
    la, lb = np.array([0, 0]), np.array([1, 2])
    by_chars = decide(s.shingles, s.sh_offsets, s.n_tokens, la, lb, Options(), Plan())
    by_words = decide(s.shingles, s.sh_offsets, s.n_tokens, la, lb, Options(), Plan(), n_words=s.n_words)
    assert by_chars.kind.tolist() == [KIND_CODE["partial"], KIND_CODE["partial"]]
    assert by_words.kind.tolist() == [-1, KIND_CODE["partial"]]
    # coverage is a share of words on each side: the lifted 300 characters of A
    assert 0.2 < by_words.scores.coverage_a[1] <= 1.0
