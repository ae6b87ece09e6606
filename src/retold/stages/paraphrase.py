"""The paraphrase tier as a stage: which pairs are stories retold in other words.

It runs after the text-reuse kinds, on their table, and returns a new table:

1. **Candidates** from the documents' content words (kept when signing; no text is read):
   pairs sharing enough rare content words (:func:`retold.paraphrase.term_candidates`).
   Exact and near-duplicate pairs say more than paraphrase and are left as they are; a partial
   pair is a candidate only when its verbatim passages leave room for more reworded than
   copied text.
2. **Texts** of the candidates' documents only, through the caller's ``load`` (the engine
   knows where texts live: a file re-read, the index's rows, a Spark partition).
3. **Decision** (:func:`retold.paraphrase.align_candidates`): a lexical screen on every pair;
   for pairs of English documents (:mod:`retold.languages`) the cheap static model, then MiniLM
   on the sentence pairs the cheap model is unsure of, a few at a time, until the pair's verdict
   is settled (:class:`retold.semantic.CascadeModel`);
   for other languages character 3-gram evidence (:mod:`retold.chargrams`); sentence
   alignment, the document rule.

A partial pair whose other sentences are retold becomes ``paraphrase``: it keeps its verbatim
passages and gains the rewritten ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from ..candidates import set_overlap
from ..model import KIND_CODE, PASSAGE_CODE, Options, PairTable, PassageTable
from ..paraphrase import ParaphraseOptions, align_candidates, term_candidates
from ..semantic import EmbeddingCache
from .candidates import Rule


def paraphrase_options(options: Options) -> ParaphraseOptions:
    """The tier's own thresholds, with the sentence threshold of ``options``."""
    return ParaphraseOptions(threshold=options.paraphrase_threshold)


def rows_of(a: np.ndarray, b: np.ndarray, qa: np.ndarray, qb: np.ndarray, n_docs: int) -> np.ndarray:
    """For each query pair (qa, qb), its row in the pairs (a, b), or -1.

    >>> rows_of(np.array([0, 1]), np.array([2, 3]), np.array([1, 0, 0]), np.array([3, 2, 1]), 4).tolist()
    [1, 0, -1]
    """
    if a.shape[0] == 0:
        return np.full(qa.shape[0], -1, dtype=np.int64)
    n = np.int64(max(1, n_docs))
    known = a * n + b
    order = np.argsort(known, kind="stable")
    query = qa * n + qb
    pos = np.minimum(np.searchsorted(known[order], query), known.shape[0] - 1)
    return np.where(known[order][pos] == query, order[pos], -1).astype(np.int64)


def select_candidates(table: PairTable, ca: np.ndarray, cb: np.ndarray, n_docs: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which term candidates the tier aligns: (a, b, row in ``table`` or -1, verbatim share).

    Exact and near-duplicate pairs are left out; a partial pair is kept only when the share its
    passages leave uncovered (reworded text cannot exceed it) is at least the share they cover.
    """
    row = rows_of(table.a, table.b, ca, cb, n_docs)
    if len(table) == 0:
        return ca, cb, row, np.zeros(ca.shape[0])
    r0 = np.maximum(row, 0)
    cva, cvb = table.coverage_a[r0], table.coverage_b[r0]
    verbatim = np.where(row >= 0, np.maximum(cva, cvb), 0.0)
    room = np.where(row >= 0, 1.0 - np.minimum(cva, cvb), 1.0)
    keep = (row < 0) | ((table.kind[r0] == KIND_CODE["partial"]) & (room >= verbatim))
    return ca[keep], cb[keep], row[keep], verbatim[keep]


def candidates(terms: np.ndarray, term_offsets: np.ndarray, reps: np.ndarray, options: Options
               ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of documents (among ``reps``, the representatives of exact groups) sharing enough
    rare content words to be worth aligning (:func:`retold.paraphrase.term_candidates`).

    >>> from retold.fingerprints import fingerprint_batch
    >>> fp = fingerprint_batch(["Kim denied Putin help in Pyongyang on Monday",
    ...                         "On Monday in Pyongyang, Putin was denied help by Kim", "Rain in Paris"], terms=True)
    >>> [x.tolist() for x in candidates(fp.terms, fp.term_offsets, np.arange(3), Options())]
    [[0], [1]]
    """
    if reps.shape[0] < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    ca, cb, _ = term_candidates(terms, term_offsets, reps, paraphrase_options(options))
    return ca, cb


def term_rule(options: Options) -> Rule:
    """The candidate rule of the content-word index (:mod:`retold.stages.candidates`): a pair
    shares ``min_shared_terms`` words held by at most ``max_term_df`` documents.

    >>> term_rule(Options())
    Rule(min_hits=3, max_df=50, min_agreement=0.0, agreement_min_tokens=0)
    """
    popt = paraphrase_options(options)
    return Rule(popt.min_shared_terms, popt.max_term_df)


def term_containment(terms: np.ndarray, term_offsets: np.ndarray, la: np.ndarray, lb: np.ndarray,
                     options: Options) -> np.ndarray:
    """Which pairs of the content-word index to keep: the share of the smaller document's content
    words found in the other reaches ``min_term_containment``. ``terms``/``term_offsets`` hold
    the sorted distinct words of the documents concerned (CSR), ``la``/``lb`` their rows.
    :func:`candidates` is :func:`term_rule` applied to an index of the words, then this.

    >>> t, o = np.array([1, 2, 3, 1, 2, 9, 8], dtype=np.uint32), np.array([0, 3, 5, 7])
    >>> term_containment(t, o, np.array([0, 0]), np.array([1, 2]), Options()).tolist()
    [True, False]
    """
    popt = paraphrase_options(options)
    offs = np.asarray(term_offsets, dtype=np.int64)
    overlap = set_overlap(terms, offs, la, lb)
    size = np.diff(offs)
    return overlap / np.maximum(1, np.minimum(size[la], size[lb])) >= popt.min_term_containment


def _aligner_inputs(table: PairTable, ca: np.ndarray, cb: np.ndarray, n_docs: int,
                    load: Callable[[set[int]], dict[int, str]]) -> tuple[list[tuple[int, int]], dict[int, str],
                                                                         dict, dict] | None:
    """What :func:`retold.paraphrase.align_candidates` reads: the selected pairs whose texts
    loaded, the texts, the verbatim passages of the partial ones, and their (row, share)."""
    ca, cb, row, verbatim = select_candidates(table, ca, cb, n_docs)
    if ca.shape[0] == 0:
        return None
    p = table.passages
    copied: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    if (row >= 0).any() and len(p):
        order = np.argsort(p.pair, kind="stable")
        sorted_pair = p.pair[order]
        cols = [c.tolist() for c in (p.a_start, p.a_end, p.b_start, p.b_end)]
        for x, y, n in zip(ca[row >= 0].tolist(), cb[row >= 0].tolist(), row[row >= 0].tolist()):
            lo, hi = np.searchsorted(sorted_pair, n), np.searchsorted(sorted_pair, n, side="right")
            copied[(x, y)] = [(cols[0][k], cols[1][k], cols[2][k], cols[3][k]) for k in order[lo:hi].tolist()]
    texts = load(set(ca.tolist()) | set(cb.tolist()))
    pairs = [(x, y) for x, y in zip(ca.tolist(), cb.tolist()) if x in texts and y in texts]
    # candidates already reported as partial: their row, and the share their passages cover
    where = {(x, y): (n, v) for x, y, n, v in zip(ca.tolist(), cb.tolist(), row.tolist(), verbatim.tolist())
             if n >= 0}
    return pairs, texts, copied, where


def cascade_needs(table: PairTable, ca: np.ndarray, cb: np.ndarray, n_docs: int,
                  load: Callable[[set[int]], dict[int, str]], options: Options, cache: EmbeddingCache
                  ) -> dict[int, np.ndarray]:
    """The first pass of an engine that runs :func:`paraphrase_tier` on its candidates in
    several pieces: per document, the sentence numbers the precise model read to settle these
    pairs (it runs; empty without the cascade). The union over every piece is ``known`` for the
    tier.
    """
    got = _aligner_inputs(table, ca, cb, n_docs, load)
    needs: dict[int, np.ndarray] = {}
    if got is not None:
        pairs, texts, copied, where = got
        align_candidates(texts.__getitem__, pairs, cache, paraphrase_options(options), copied,
                         {k: v for k, (_, v) in where.items()}, needs=needs)
    return needs


def paraphrase_tier(table: PairTable, ca: np.ndarray, cb: np.ndarray, n_docs: int,
                    load: Callable[[set[int]], dict[int, str]], options: Options, cache: EmbeddingCache,
                    on_pair: Callable[[], None] | None = None, on_start: Callable[[int], None] | None = None,
                    stats: dict[str, int] | None = None, known: Mapping[int, np.ndarray] | None = None
                    ) -> PairTable:
    """``table`` with the paraphrase pairs added and the retold partial pairs upgraded.

    ``ca``/``cb``: the candidate pairs (:func:`candidates`, a < b in read order); ``n_docs``:
    the document numbers' bound; ``load(docs)``: the (furniture-masked) texts of some
    documents; ``cache``: the sentence embedder of the run. ``on_start(n)`` and ``on_pair()``
    report progress over the ``n`` pairs aligned. ``known``: when the candidates of a run are
    aligned in several calls, the sentences the precise model reads (:func:`cascade_needs`
    over all of them), so that every pair is decided as in one call.
    """
    got = _aligner_inputs(table, ca, cb, n_docs, load)
    if got is None:
        return table
    pairs, texts, copied, where = got
    if on_start is not None:
        on_start(len(pairs))
    found = align_candidates(texts.__getitem__, pairs, cache, paraphrase_options(options), copied,
                             {k: v for k, (_, v) in where.items()}, on_pair=on_pair, stats=stats, known=known)
    if not found:
        return table
    new_a: list[int] = []
    new_b: list[int] = []
    new_score: list[float] = []
    new_cov: list[tuple[float, float]] = []
    upgrade_rows: list[int] = []
    upgrade_score: list[float] = []
    passages: list[tuple[int, int, int, int, int, float]] = []
    n_next = len(table)
    for ga, gb, r in found:
        if (ga, gb) in where:
            n = where[(ga, gb)][0]
            upgrade_rows.append(n)
            upgrade_score.append(r.score.score)
        else:
            n = n_next
            n_next += 1
            new_a.append(ga)
            new_b.append(gb)
            new_score.append(r.score.score)
            new_cov.append((r.score.coverage_a, r.score.coverage_b))
        passages.extend((n, u.a_start, u.a_end, u.b_start, u.b_end, u.score) for u in r.pairs)
    kind, score = table.kind.copy(), table.score.copy()
    if upgrade_rows:
        rows = np.asarray(upgrade_rows, dtype=np.int64)
        kind[rows] = KIND_CODE["paraphrase"]
        score[rows] = np.maximum(score[rows], upgrade_score)
    upgraded = replace(table, kind=kind, score=score, has_passages=True)
    cov = np.asarray(new_cov, dtype=np.float64).reshape(-1, 2)
    added = PairTable.from_columns(a=new_a, b=new_b, kind=np.full(len(new_a), KIND_CODE["paraphrase"]),
                                   score=new_score, coverage_a=cov[:, 0], coverage_b=cov[:, 1], has_passages=True)
    merged = PairTable.concat([upgraded, added])
    arr = np.asarray(passages, dtype=np.float64).reshape(-1, 6)
    extra = PassageTable(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64),
                         arr[:, 3].astype(np.int64), arr[:, 4].astype(np.int64), arr[:, 5],
                         np.full(arr.shape[0], PASSAGE_CODE["paraphrase"], dtype=np.int8))
    return replace(merged, passages=PassageTable.concat([merged.passages, extra]))
