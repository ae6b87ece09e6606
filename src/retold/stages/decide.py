"""The decision on candidate pairs: exact scores from the shingle sequences, the near-duplicate
and partial-reuse rules, and the passages (in token positions; :mod:`~retold.stages.assemble`
turns them into character offsets).

A pair is ``near_duplicate`` when at least ``near_min_coverage`` of the shorter document's
tokens and ``near_min_coverage_long`` of the longer one's lie in matching regions (README,
"When is a pair a near-duplicate?"). Otherwise, when the plan computes passages, it is
``partial`` when one passage has ``partial_min_words`` words on each side and all passages
together hold ``partial_min_total_words`` words or ``partial_min_share`` of the shorter document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..alignment import MAX_SEED_REPEATS, MAX_SHIFT, align_batch
from ..model import KIND_CODE, Options, Plan
from ..scores import PairScores, doc_index, score_pairs

#: ``pmap(fn, items)``: how the caller runs independent pieces of work (``map``, a thread pool's
#: ``map``...); stages never start threads themselves.
ParallelMap = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


@dataclass
class Decision:
    """What :func:`decide` says of a batch of candidate pairs.

    ``kind`` is a code into :data:`~retold.model.KINDS`, or -1 for a pair that is not reported.
    Passages are in token positions (inclusive) and only for reported pairs: passage ``i``
    belongs to pair ``p_pair[i]`` (an index into the batch).
    """

    kind: np.ndarray
    score: np.ndarray
    scores: PairScores
    p_pair: np.ndarray
    p_a0: np.ndarray
    p_a1: np.ndarray
    p_b0: np.ndarray
    p_b1: np.ndarray
    p_score: np.ndarray
    p_verbatim: np.ndarray


def classify_near(ta: np.ndarray, tb: np.ndarray, coverage_a: np.ndarray, coverage_b: np.ndarray,
                  options: Options) -> np.ndarray:
    """Which verified pairs are near-duplicates: enough of both documents in matching regions.

    >>> classify_near(np.array([100, 100]), np.array([160, 400]), np.array([0.9, 1.0]), np.array([0.6, 0.25]),
    ...               Options()).tolist()
    [True, False]
    """
    a_short = ta <= tb
    cov_short = np.where(a_short, coverage_a, coverage_b)
    cov_long = np.where(a_short, coverage_b, coverage_a)
    return (cov_short >= options.near_min_coverage) & (cov_long >= options.near_min_coverage_long)


def decide(seqs: np.ndarray, offs: np.ndarray, n_tokens: np.ndarray, la: np.ndarray, lb: np.ndarray,
           options: Options, plan: Plan, pmap: ParallelMap | None = None, pieces: int = 2,
           all_passages: bool = False, n_words: np.ndarray | None = None) -> Decision:
    """Exact scores, kind and passages of candidate pairs of documents held as shingle sequences.

    ``seqs``/``offs`` hold the documents involved (CSR, as a sequence store returns them),
    ``n_tokens`` their token counts, ``la``/``lb`` the local indices of each pair. The plan
    says whether passages (and so ``partial``) are decided. Every engine calls this, so batch
    ``find``, the index and Spark report the same pairs. Passages are kept for reported pairs
    only, unless ``all_passages`` (:func:`retold.compare` shows them for any pair). ``pmap`` and
    ``pieces``: how to split the passage alignment (see :func:`align_pairs`). ``n_words``: the
    documents' word counts (:func:`retold.text.word_counts`; None = their token counts): the
    partial rule counts words, and a Chinese or Japanese token is a character, not a word.

    >>> from retold.stages.sign import sign
    >>> s = sign(["one two three four five six seven eight nine ten eleven twelve",
    ...           "one two three four five six seven eight nine ten eleven twelve thirteen"], Options(), Plan())
    >>> d = decide(s.shingles, s.sh_offsets, s.n_tokens, np.array([0]), np.array([1]), Options(), Plan())
    >>> d.kind.tolist(), d.p_a0.tolist(), d.p_a1.tolist()
    ([1], [0], [11])
    """
    k = options.shingle_size
    # the fewest shared shingles a reportable passage can have: a passage of partial_min_words
    # words holds partial_min_words - k + 1 shingles, at least passage_min_score of them matched
    min_shared = max(1, int((options.partial_min_words - k + 1) * options.passage_min_score))
    # coverage (the near-duplicate test) only where a near-duplicate is possible; partial pairs
    # get their coverage from their passages below
    # long documents are sorted once here, for both kernels (their pairs then cost the other side)
    index = doc_index(seqs, offs, np.concatenate([la, lb]))
    sc = score_pairs(seqs, offs, n_tokens, la, lb, k, options.gap, options.min_run, options.near_min_containment,
                     index=index)
    ta, tb = n_tokens[la], n_tokens[lb]
    near = classify_near(ta, tb, sc.coverage_a, sc.coverage_b, options)
    kind = np.where(near, KIND_CODE["near_duplicate"], -1).astype(np.int8)
    score = (sc.coverage_a * ta + sc.coverage_b * tb) / np.maximum(ta + tb, 1)
    e = np.zeros(0, dtype=np.int64)
    if not plan.passages:
        return Decision(kind, score, sc, e, e, e, e, e, np.zeros(0), np.zeros(0, dtype=bool))
    # passages for near-duplicates, and for the rest: is there a real shared passage?
    todo = np.flatnonzero(near | (sc.intersection >= min_shared))
    pp, a0, a1, b0, b1, ps, pv = align_pairs(seqs, offs, la[todo], lb[todo], options, pmap, pieces, index)
    pair = todo[pp]
    # words per token of each document (1 but in Chinese and Japanese text): passages in words
    scale = np.ones(n_tokens.shape[0]) if n_words is None else n_words / np.maximum(n_tokens, 1)
    pwa = (a1 - a0 + 1) * scale[la[pair]]
    pwb = (b1 - b0 + 1) * scale[lb[pair]]
    long_enough = np.minimum(pwa, pwb) >= options.partial_min_words
    has = np.zeros(la.shape[0], dtype=bool)
    has[pair[long_enough]] = True
    wa = np.bincount(pair, weights=pwa, minlength=la.shape[0])
    wb = np.bincount(pair, weights=pwb, minlength=la.shape[0])
    words = np.minimum(wa, wb)
    ta = ta * scale[la]
    tb = tb * scale[lb]
    # the share alone makes short pairs partial only with a verbatim passage: independent articles
    # on one event state its facts in near-identical words (one sentence, half its words shared:
    # all the false partial pairs of the reuse development corpus), copied text is copied
    verbatim = np.zeros(la.shape[0], dtype=bool)
    verbatim[pair[long_enough & pv]] = True
    enough = (words >= options.partial_min_total_words) | (
        (words >= options.partial_min_share * np.minimum(ta, tb)) & verbatim)
    is_partial = has & enough & ~near
    kind[is_partial] = KIND_CODE["partial"]
    # partial score: share of both documents' words inside passages; coverage likewise per side
    score = np.where(is_partial, (wa + wb) / np.maximum(ta + tb, 1), score)
    sc.coverage_a = np.where(is_partial, wa / np.maximum(ta, 1), sc.coverage_a)
    sc.coverage_b = np.where(is_partial, wb / np.maximum(tb, 1), sc.coverage_b)
    keep = (kind[pair] >= 0) | all_passages
    return Decision(kind, score, sc, pair[keep], a0[keep], a1[keep], b0[keep], b1[keep], ps[keep], pv[keep])


def align_pairs(seqs: np.ndarray, offs: np.ndarray, la: np.ndarray, lb: np.ndarray, options: Options,
                pmap: ParallelMap | None = None, pieces: int = 2,
                index: tuple[np.ndarray, ...] | None = None) -> tuple[np.ndarray, ...]:
    """Passages of many pairs (:func:`retold.alignment.align_batch`), in ``pieces`` runs through
    ``pmap`` when given (the kernel releases the GIL, so a thread pool's map runs them at once).

    ``index``: :func:`retold.scores.doc_index` of the documents (made here when None), so that a
    long document is sorted once, not once a pair.

    Returns flat arrays (pair, a_tok0, a_tok1, b_tok0, b_tok1, score, verbatim), grouped by pair.
    """
    if index is None:
        index = doc_index(seqs, offs, np.concatenate([la, lb]))
    args = (options.shingle_size, options.gap, MAX_SHIFT, options.passage_min_words, options.passage_min_score,
            MAX_SEED_REPEATS, index[0], index[1], index[2])
    n = la.shape[0]
    if pmap is None or n < 256 or pieces < 2:
        return align_batch(seqs, offs, la, lb, *args)
    cuts = np.linspace(0, n, pieces + 1).astype(np.int64)
    parts = list(pmap(lambda c: align_batch(seqs, offs, la[cuts[c]:cuts[c + 1]], lb[cuts[c]:cuts[c + 1]], *args),
                      range(pieces)))
    for c, part in enumerate(parts):
        part[0][:] += cuts[c]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(7))
