"""The paraphrase tier as a stage: it returns a new table; copies stay what they are; a partial pair
that is retold is upgraded and keeps its verbatim passages."""

from __future__ import annotations

import numpy as np
import pytest

from retold.model import KIND_CODE, Options, PairTable, Plan
from retold.paraphrase import resolve_embedder
from retold.stages import assemble, decide, exact, sign
from retold.stages.paraphrase import candidates, paraphrase_tier, rows_of, select_candidates

from ..conftest import seed_texts


def decided(texts: list[str]) -> tuple[PairTable, sign.Signed]:
    plan, opt = Plan.for_kinds(embedder="lexical"), Options()
    masked = [sign.evidence(t, None, None, plan, opt)[0] for t in texts]
    s = sign.sign(masked, opt, plan)
    n = len(texts)
    la, lb = np.triu_indices(n, 1)
    d = decide.decide(s.shingles, s.sh_offsets, s.n_tokens, la, lb, opt, plan)
    base = s.tok_bounds[:-1]
    chars = (assemble.char_spans(s.tok_offsets, base[la[d.p_pair]], d.p_a0, d.p_a1),
             assemble.char_spans(s.tok_offsets, base[lb[d.p_pair]], d.p_b0, d.p_b1))
    t = PairTable.concat([exact.exact_pairs(exact.exact_groups(s.content, s.n_tokens)),
                          assemble.decided_table(la, lb, d, *chars)])
    return PairTable(*(getattr(t, c) for c in PairTable.COLUMNS), passages=t.passages, has_passages=True), s


def test_the_seed_pair_is_upgraded_and_the_table_is_not_mutated() -> None:
    a, b = seed_texts()
    texts = [a, b, "An unrelated note about the weather in Leeds on Tuesday, with rain expected later."]
    table, s = decided(texts)
    assert table.kinds() == ["partial"]
    before = table.kind.copy()
    ca, cb = candidates(s.terms, s.term_offsets, np.arange(3), Options())
    assert list(zip(ca.tolist(), cb.tolist())) == [(0, 1)]
    out = paraphrase_tier(table, ca, cb, 3, lambda w: {d: texts[d] for d in w}, Options(), resolve_embedder("lexical"))
    assert np.array_equal(table.kind, before), "the stage returns a new table"
    assert out.kinds() == ["paraphrase"] and out.score[0] >= table.score[0]
    kinds = [p for p in out.passages.kind.tolist()]
    assert set(kinds) >= {0, 1, 2}, "near-verbatim and verbatim passages stay, rewritten ones are added"


def test_exact_and_near_pairs_are_never_candidates() -> None:
    t = PairTable.from_columns(a=[0, 1, 2], b=[5, 6, 7], kind=[KIND_CODE["exact"], KIND_CODE["near_duplicate"],
                                                           KIND_CODE["partial"]],
                               coverage_a=[1, 0.9, 0.2], coverage_b=[1, 0.9, 0.3])
    ca, cb, row, verbatim = select_candidates(t, np.array([0, 1, 2, 3]), np.array([5, 6, 7, 8]), 9)
    assert list(zip(ca.tolist(), cb.tolist(), row.tolist())) == [(2, 7, 2), (3, 8, -1)]
    assert verbatim.tolist() == [0.3, 0.0]
    assert rows_of(t.a, t.b, np.array([2, 4]), np.array([7, 4]), 9).tolist() == [2, -1]


def test_the_term_rule_and_containment_give_the_candidates() -> None:
    """candidates() is term_rule over an index of content words, then term_containment (the pieces
    the Spark engine applies per partition)."""
    from retold.stages.candidates import enough_hits, key_pairs
    from retold.stages.paraphrase import term_containment, term_rule

    a, b = seed_texts()
    texts = [a, b, a[: len(a) // 2], "An unrelated note about the weather in Leeds on Tuesday, with rain expected."]
    _, s = decided(texts)
    reps = np.arange(len(texts))
    want = list(zip(*[x.tolist() for x in candidates(s.terms, s.term_offsets, reps, Options())]))
    rule = term_rule(Options())
    docs = np.repeat(reps, np.diff(s.term_offsets))
    pa, pb, hits = key_pairs(s.terms.astype(np.uint64), docs, rule)
    keep = enough_hits(hits, rule)
    pa, pb = pa[keep], pb[keep]
    kept = term_containment(s.terms, s.term_offsets, pa, pb, Options())
    assert list(zip(pa[kept].tolist(), pb[kept].tolist())) == want and len(want) >= 2


def _row(t: PairTable, a: int, b: int) -> tuple:
    """A pair's row: kind, score, coverage and its passages, sorted."""
    (i,) = np.flatnonzero((t.a == a) & (t.b == b))
    p = t.passages
    m = p.pair == i
    passages = sorted(zip(p.a_start[m].tolist(), p.a_end[m].tolist(), p.b_start[m].tolist(), p.b_end[m].tolist(),
                          p.kind[m].tolist(), np.round(p.score[m], 6).tolist()))
    return int(t.kind[i]), round(float(t.score[i]), 6), round(float(t.coverage_a[i]), 6), passages


def test_a_run_cut_in_pieces_decides_each_pair_as_one_call(minilm) -> None:
    """With the cascade, the sentences MiniLM reads depend on every pair of a call: an engine that
    aligns its candidates in pieces (Spark) passes the union of the pieces' needs
    (``cascade_needs``) as ``known`` and gets, pair by pair, the table of one call."""
    from retold import static_model
    from retold.stages.paraphrase import cascade_needs

    if not static_model.available():
        pytest.skip("the cascade's static model needs ONNX Runtime")
    a, b = seed_texts()
    # two more documents mixing halves of both: four documents, each in several candidate pairs
    cut_a, cut_b = a.split(". "), b.split(". ")
    texts = [a, b, ". ".join(cut_a[: len(cut_a) // 2] + cut_b[len(cut_b) // 2 :]),
             ". ".join(cut_b[: len(cut_b) // 2] + cut_a[len(cut_a) // 2 :])]
    table, s = decided(texts)
    opt = Options()
    ca, cb = candidates(s.terms, s.term_offsets, np.arange(len(texts)), opt)

    def load(wanted):
        return {d: texts[d] for d in wanted}

    whole = paraphrase_tier(table, ca, cb, len(texts), load, opt, minilm)
    pieces = [(ca[i : i + 1], cb[i : i + 1]) for i in range(ca.shape[0])]
    needs = [cascade_needs(table, x, y, len(texts), load, opt, minilm) for x, y in pieces]
    known: dict[int, np.ndarray] = {}
    for got in needs:
        for d, sentences in got.items():
            known[d] = np.union1d(known.get(d, np.zeros(0, dtype=np.int64)), sentences)
    assert known, "the cheap model is unsure of some sentence pairs"
    # the union matters: other pieces read sentences of some piece's document that it did not
    assert any(len(known[d]) > len(g[d]) for g in needs for d in g)
    found = 0
    for x, y in pieces:
        piece = paraphrase_tier(table, x, y, len(texts), load, opt, minilm, known=known)
        pair = (int(x[0]), int(y[0]))
        in_whole = bool(((whole.a == pair[0]) & (whole.b == pair[1])).any())
        assert in_whole == bool(((piece.a == pair[0]) & (piece.b == pair[1])).any())
        if in_whole:
            assert _row(piece, *pair) == _row(whole, *pair)
            found += int(whole.kind[(whole.a == pair[0]) & (whole.b == pair[1])][0] == KIND_CODE["paraphrase"])
    assert found >= 1
