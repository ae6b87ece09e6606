"""Candidate pairs: which pairs are worth verifying, by one rule whatever the engine.

Three inverted indexes propose pairs: LSH band keys of the content-word signature
(near-duplicates), sampled shingle anchors (shared passages) and, for the paraphrase tier,
content words. The rule is the same for all three and for every engine:

* a key counts only when it is held by at least 2 and at most ``max_df`` documents, counted
  over the representatives of exact groups (a key in every page of a site, a stock phrase, a
  common word, is not evidence and would make the work quadratic);
* a pair is a candidate when it shares at least ``min_hits`` counting keys;
* a band candidate is verified only when the content-word signatures of both documents agree
  on at least ``band_min_agreement`` of their bins (:func:`agreement_filter`). Why: documents
  spliced from the same sentences, templates and wire copy collide in a band or two while
  their word sets differ; their number grows with the square of such documents, and each
  collision costs an exact verification. The agreement estimates the word-set Jaccard from
  one byte per bin, already computed, in a few machine words per pair (95% of the band
  collisions of a 1M-document corpus were not near-duplicates; this rule drops nearly all of
  them and no reported pair).

Batch runs apply it with the compiled kernels of :mod:`retold.candidates` over the whole
corpus (:func:`candidates`); the incremental index applies it to one document against its
stored postings (:func:`probe_hits`); Spark applies it with a group-by per key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..candidates import candidate_pairs, posting_pairs, sketch_agreement
from ..model import Options, Plan


@dataclass(frozen=True)
class Rule:
    """Keys held by more than ``max_df`` documents are ignored; a pair needs ``min_hits`` keys
    and, when ``min_agreement`` > 0, that share of agreeing signature bins."""

    min_hits: int
    max_df: int
    min_agreement: float = 0.0
    agreement_min_tokens: int = 0

    def agreeing_bins(self, bins: int) -> int:
        """Agreeing bins a pair needs out of ``bins`` (0: no filter).

        >>> Rule(1, 1000, 0.2).agreeing_bins(320), Rule(1, 8).agreeing_bins(320)
        (64, 0)
        """
        if self.min_agreement <= 0:
            return 0
        return max(1, math.ceil(self.min_agreement * bins - 1e-9))


def band_rule(options: Options) -> Rule:
    return Rule(options.min_hits, options.max_postings, options.band_min_agreement, options.agreement_min_tokens)


def anchor_rule(options: Options) -> Rule:
    return Rule(options.anchor_min_hits, options.anchor_max_df)


def indexes(options: Options, plan: Plan) -> list[tuple[str, Rule]]:
    """The inverted indexes a plan's candidates come from, each with its rule: band keys (when the
    plan verifies near-duplicates), then anchors (when it looks for shared passages).

    >>> [name for name, _ in indexes(Options(), Plan.for_kinds("exact,near_duplicate"))]
    ['bands']
    """
    out: list[tuple[str, Rule]] = []
    if plan.bands:
        out.append(("bands", band_rule(options)))
        if plan.anchors:
            out.append(("anchors", anchor_rule(options)))
    return out


def key_pairs(keys: np.ndarray, docs: np.ndarray, rule: Rule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first half of the rule, on postings (``docs[i]`` holds ``keys[i]``, once) that hold every
    holder of their keys: a whole corpus, or one partition of the key space. Returns the pairs of
    documents (a < b, global numbers) sharing keys held by 2..``rule.max_df`` documents, and how
    many such keys each pair shares. A pair's hits from every partition add up; then
    :func:`enough_hits` applies. :func:`candidates` is both halves over one corpus.

    >>> a, b, h = key_pairs(np.array([5, 5, 6, 6, 7], dtype=np.uint64), np.array([10, 30, 10, 30, 20]), Rule(2, 10))
    >>> a.tolist(), b.tolist(), h.tolist()
    ([10], [30], [2])
    """
    docs = np.asarray(docs, dtype=np.int64)
    if docs.shape[0] == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), e.copy()
    uniq, local = np.unique(docs, return_inverse=True)
    a, b, h = posting_pairs(np.ascontiguousarray(keys, dtype=np.uint64), local.astype(np.int64), uniq.shape[0], 1,
                            rule.max_df)
    return uniq[a], uniq[b], h.astype(np.int64)


def enough_hits(hits: np.ndarray, rule: Rule) -> np.ndarray:
    """The second half of the rule: which pairs share enough counting keys.

    >>> enough_hits(np.array([1, 2, 3]), Rule(2, 10)).tolist()
    [False, True, True]
    """
    return np.asarray(hits) >= rule.min_hits


def band_postings(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The band index's postings: every band key of each document (rows of ``keys``) with its
    document number from ``docs``.

    >>> k, d = band_postings(np.array([[7, 8], [9, 7]], dtype=np.uint64), np.array([4, 6]))
    >>> k.tolist(), d.tolist()
    ([7, 8, 9, 7], [4, 4, 6, 6])
    """
    return keys.reshape(-1), np.repeat(np.asarray(docs, dtype=np.int64), keys.shape[1] if keys.ndim == 2 else 0)


def candidates(keys: np.ndarray, anchors: np.ndarray, anchor_docs: np.ndarray, reps: np.ndarray, n_docs: int,
               options: Options, plan: Plan, sketch: np.ndarray | None = None,
               n_tokens: np.ndarray | None = None, scratch_bytes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs among the representatives ``reps`` (global indices, a < b, sorted).

    ``keys``: band keys of every document (rows = documents); ``sketch`` and ``n_tokens``: their
    signature bytes and token counts (the agreement test of band candidates; without a sketch,
    no test); ``anchors``/``anchor_docs``: sampled shingles and their (global) documents;
    ``scratch_bytes``: the band index's lists beyond this size go to temporary files
    (:func:`retold.candidates.candidate_pairs`; same pairs).

    >>> from retold.stages.sign import sign
    >>> s = sign(["the cat sat on the mat by the door today", "the cat sat on the mat by the door",
    ...           "a dog ran in the park"], Options(), Plan())
    >>> a, b = candidates(s.keys, s.anchors, s.anchor_docs, np.arange(3), 3, Options(), Plan(), s.sketch, s.n_tokens)
    >>> a.tolist(), b.tolist()
    ([0], [1])
    """
    n = reps.shape[0]
    e = np.zeros(0, dtype=np.int64)
    if n < 2 or not plan.bands:
        return e, e.copy()
    band = band_rule(options)
    need = band.agreeing_bins(sketch.shape[1]) if sketch is not None else 0
    exempt = None
    if need:
        if n_tokens is None:
            raise ValueError("the agreement test needs the documents' token counts")
        exempt = n_tokens < band.agreement_min_tokens
    ca, cb, _ = candidate_pairs(keys, band.min_hits, band.max_df, sketch=sketch, min_agree=need, exempt=exempt,
                                rows=reps, scratch_bytes=scratch_bytes)
    if plan.anchors and anchors.shape[0]:
        local = np.full(n_docs, -1, dtype=np.int64)
        local[reps] = np.arange(n)
        ad = local[anchor_docs]
        keep = ad >= 0
        anchor = anchor_rule(options)
        xa, xb, _ = posting_pairs(anchors[keep], ad[keep], n, anchor.min_hits, anchor.max_df)
        code = np.unique(np.concatenate([ca * n + cb, xa * n + xb]))
        ca, cb = code // n, code % n
    return reps[ca], reps[cb]


def agreement_filter(sketch: np.ndarray, n_tokens: int, other: np.ndarray, other_tokens: np.ndarray,
                     rule: Rule) -> np.ndarray:
    """The rule's agreement test of one document (``sketch``: its bin bytes; ``n_tokens``) against
    others (``other``: one row each; ``other_tokens``): which of them pass.

    >>> one = np.arange(8, dtype=np.uint8)
    >>> agreement_filter(one, 200, np.stack([one, one[::-1], one[::-1]]), np.array([200, 200, 50]),
    ...                  Rule(1, 10, 0.5, 100)).tolist()
    [True, False, True]
    """
    n = other.shape[0]
    if n == 0 or n_tokens < rule.agreement_min_tokens:
        return np.ones(n, dtype=bool)
    return pair_agreement(np.broadcast_to(sketch, other.shape), other, np.full(n, n_tokens), other_tokens, rule)


def pair_agreement(sketch_a: np.ndarray, sketch_b: np.ndarray, tokens_a: np.ndarray, tokens_b: np.ndarray,
                   rule: Rule) -> np.ndarray:
    """The rule's agreement test on pairs given side by side (row i of ``sketch_a`` and
    ``sketch_b``: the two documents of pair i; their token counts): which pairs pass, as the
    batch kernel decides (an engine that joins both sides to each pair, such as Spark, uses it).

    >>> one = np.arange(8, dtype=np.uint8)
    >>> pair_agreement(np.stack([one, one, one]), np.stack([one, one[::-1], one[::-1]]),
    ...                np.array([200, 200, 50]), np.array([200, 200, 200]), Rule(1, 10, 0.5, 100)).tolist()
    [True, False, True]
    """
    n = sketch_a.shape[0]
    need = rule.agreeing_bins(sketch_a.shape[1]) if n else 0
    if need == 0:
        return np.ones(n, dtype=bool)
    both = np.concatenate([sketch_a, sketch_b]).astype(np.uint8)
    agree = sketch_agreement(both, np.arange(n, dtype=np.int64), np.arange(n, 2 * n, dtype=np.int64))
    exempt = (np.asarray(tokens_a) < rule.agreement_min_tokens) | (np.asarray(tokens_b) < rule.agreement_min_tokens)
    return (agree >= need) | exempt


def probe_hits(postings: Sequence[np.ndarray], rule: Rule, extra: int = 0, self_idx: int = -1) -> np.ndarray:
    """The rule for one document against stored postings: the documents sharing enough keys
    (the agreement test, when the rule has one, comes after: :func:`agreement_filter`).

    ``postings[k]``: the (stored, representative) documents holding the probe's k-th key; a
    caller may cut each list at ``rule.max_df - extra + 1`` documents, all that is needed to tell
    that a key is too common. ``extra``: 1 when the probe is not stored itself (its own holding
    counts towards each key's document frequency, as in a batch run that includes it).

    >>> probe_hits([np.array([3, 5]), np.array([3]), np.array([3, 4, 5, 6, 7])], Rule(2, 3), extra=1).tolist()
    [3]
    """
    counting = [p for p in postings if 2 <= p.shape[0] + extra <= rule.max_df]
    if not counting:
        return np.zeros(0, dtype=np.int64)
    docs, hits = np.unique(np.concatenate(counting).astype(np.int64), return_counts=True)
    keep = (hits >= rule.min_hits) & (docs != self_idx)
    return docs[keep]
