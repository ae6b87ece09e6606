"""Rewrite evidence that needs no model and no word list: character n-grams of sentences.

The sentence model knows English; for documents in other languages the paraphrase tier aligns
sentences on this evidence instead. What a rewrite in any language keeps, and what it is
measured on here:

- **Character 3-grams**, not words: a newspaper that respells a name (``بنگلہ دیش`` /
  ``بنگلادیش``) or inflects a word differently still shares most of its 3-grams, where the words
  differ. Digits of every script are read as ASCII digits, so ``۲۰۱۴`` and ``2014`` agree.
- **Weights from the pair itself**: a 3-gram found in many of the two documents' sentences
  (function words, common endings: ``کے``, ``ہے``, ``the``) says little, one found in a single
  sentence on each side (a name, a number, a rare word) says much. The weight is the inverse
  sentence frequency over the sentences of the two documents, so no list of stop words is
  needed and the same pair gets the same similarity in any corpus.
- The cosine of two sentences' weighted 3-gram sets is their similarity; the paraphrase tier
  then keeps a one-to-one chain of sentence pairs in the same order on both sides
  (:func:`retold.paraphrase.align_matrix`): a rewrite retells the story in its order, while
  independent coverage of one event shares names scattered over the text.

Tuned on the reuse development corpus (English, every document sent down this path), MSRP
train stories and odd ECB+ topics (``benchmarks/foreign_eval.py``); COUNTER only reports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .jit import nb
from .lexical import SparseRows, _gram

#: hashed 3-gram slots (a sentence has ~100 distinct 3-grams: collisions are rare)
DIM = 1 << 16
GRAM = 3


@lru_cache(maxsize=1)
def _digit_table() -> dict[int, str]:
    # decimal digits of every script in the Basic Multilingual Plane -> ASCII
    return {c: str(unicodedata.decimal(chr(c))) for c in range(0x80, 0x10000)
            if chr(c).isdecimal() and unicodedata.decimal(chr(c), None) is not None}


_NON_WORD = re.compile(r"[\W_]+")


def normalise(sentence: str) -> str:
    """The form 3-grams are read from: lower case, ASCII digits, every run of punctuation and
    space one space, a space at both ends.

    >>> normalise("Bangladesh won by ۳ wickets!")
    ' bangladesh won by 3 wickets '
    """
    s = _NON_WORD.sub(" ", sentence.lower().translate(_digit_table())).strip()
    return f" {s} " if s else ""


def gram_rows(sentences: Sequence[str], dim: int = DIM) -> SparseRows:
    """Each sentence's set of character 3-grams (of :func:`normalise`), hashed into ``dim`` slots
    (value 1; the weights are the pair's, :func:`weighted`).

    >>> r = gram_rows(["Kim won", "kim won!", ""])
    >>> r.counts().tolist(), bool((r.rows(0, 1).idx == r.rows(1, 2).idx).all())
    ([7.0, 7.0, 0.0], True)
    """
    norm = [normalise(s) for s in sentences]
    n = len(norm)
    joined = "".join(norm)
    cps = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32).astype(np.uint64)
    lens = np.array([len(s) for s in norm], dtype=np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    grams_per = np.maximum(lens - GRAM + 1, 0)
    if cps.shape[0] < GRAM or not grams_per.any():
        return SparseRows(np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(n + 1, np.int64), dim)
    p = np.uint64(0x100000001B3)
    h = cps[: -GRAM + 1] * p * p + cps[1 : -GRAM + 2] * p + cps[GRAM - 1 :]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    # the 3-grams that start in a sentence and end in it
    owner = np.repeat(np.arange(n, dtype=np.int64), grams_per)
    first = np.concatenate([np.arange(s, s + g) for s, g in zip(starts[:-1].tolist(), grams_per.tolist())])
    slot = (h[first] % np.uint64(dim)).astype(np.int64)
    key = np.sort(owner * dim + slot)
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    rows, cols = key // dim, key % dim
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=off[1:])
    return SparseRows(cols.astype(np.int32), np.ones(cols.shape[0], np.float32), off, dim)


def pair_weights(a: SparseRows, b: SparseRows) -> tuple[np.ndarray, np.ndarray]:
    """The pair's (A, B) slots, sorted, and the weight of each: ``log(S / sf)``, S the two
    documents' sentences, sf how many of them hold the 3-gram (0 for one in every sentence).

    >>> slots, w = pair_weights(gram_rows(["the cat", "the dog"]), gram_rows(["the cow"]))
    >>> the, cow = gram_rows(["the"]).idx, gram_rows(["cow"]).idx
    >>> round(float(w[np.searchsorted(slots, the)].max()), 3), round(float(w[np.searchsorted(slots, cow)].min()), 3)
    (0.0, 1.099)
    """
    s = len(a) + len(b)
    slots, sf = np.unique(np.concatenate([a.idx, b.idx]), return_counts=True)
    return slots, np.log(s / sf).astype(np.float32)


def weighted(rows: SparseRows, weights: tuple[np.ndarray, np.ndarray]) -> SparseRows:
    """``rows`` (of the pair whose :func:`pair_weights` are ``weights``) with each slot's weight,
    every row L2-normalised."""
    slots, w = weights
    return _normalised(rows, w[np.searchsorted(slots, rows.idx)])


def _normalised(rows: SparseRows, val: np.ndarray) -> SparseRows:
    sizes = np.diff(rows.off)
    owner = np.repeat(np.arange(len(rows)), sizes)
    norms = np.sqrt(np.bincount(owner, weights=val.astype(np.float64) ** 2, minlength=len(rows)))
    inv = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
    val = val * inv[owner]
    return SparseRows(rows.idx, val.astype(np.float32), rows.off, rows.dim)


def join(rows: SparseRows, first: int, last: int) -> SparseRows:
    """Rows ``first..last`` read as one sentence: the union of their 3-grams.

    >>> join(gram_rows(["ab", "cd"]), 0, 1).counts().tolist()
    [4.0]
    """
    return rows.pool(first, last, np.ones(last - first + 1, np.float32), union=True)


@nb.njit(nogil=True, cache=True)
def _pair_matrix(ai, ao, bi, bo, dim):
    """Cosine of every row of A with every row of B, each slot weighted ``log(S / sf)`` over the
    pair's rows (:func:`pair_weights` and :func:`weighted` in one pass; the tests check they agree)."""
    n, m = ao.shape[0] - 1, bo.shape[0] - 1
    out = np.zeros((n, m), dtype=np.float32)
    if n == 0 or m == 0:
        return out
    sf = np.zeros(dim, dtype=np.int32)
    for t in range(ai.shape[0]):
        sf[ai[t]] += 1
    for t in range(bi.shape[0]):
        sf[bi[t]] += 1
    total = float(n + m)
    w = np.zeros(dim, dtype=np.float32)
    for t in range(ai.shape[0]):
        w[ai[t]] = np.log(total / sf[ai[t]])
    for t in range(bi.shape[0]):
        w[bi[t]] = np.log(total / sf[bi[t]])
    nb_ = np.zeros(m, dtype=np.float32)
    for c in range(m):
        acc = np.float64(0.0)  # as compiled: float64, also where the kernel runs uncompiled
        for t in range(bo[c], bo[c + 1]):
            acc += w[bi[t]] * w[bi[t]]
        nb_[c] = np.sqrt(acc)
    scratch = np.zeros(dim, dtype=np.float32)
    for r in range(n):
        acc = np.float64(0.0)
        for t in range(ao[r], ao[r + 1]):
            acc += w[ai[t]] * w[ai[t]]
        na = np.sqrt(acc)
        if na == 0.0:
            continue
        for t in range(ao[r], ao[r + 1]):
            scratch[ai[t]] = w[ai[t]]
        for c in range(m):
            if nb_[c] == 0.0:
                continue
            dot = np.float64(0.0)
            for t in range(bo[c], bo[c + 1]):
                dot += scratch[bi[t]] * w[bi[t]]
            out[r, c] = dot / (na * nb_[c])
        for t in range(ao[r], ao[r + 1]):
            scratch[ai[t]] = 0.0
    return out


@dataclass(frozen=True, slots=True)
class CharEvidence:
    """Sentence similarity from weighted character 3-grams (the decision's "model" for documents
    the sentence model does not serve).

    Attributes:
        threshold: cosine from which two sentences may align.
    """

    threshold: float = 0.25

    def matrix(self, a: SparseRows, b: SparseRows) -> np.ndarray:
        """Cosine of every sentence of A with every sentence of B (weighted by :func:`pair_weights`).

        >>> m = CharEvidence().matrix(gram_rows(["Dhaka hosts Pakistan", "Rain in Lahore today"]),
        ...                              gram_rows(["Pakistan in Dhaka", "Wheat prices rose"]))
        >>> (m * 100).round().astype(int).tolist()
        [[45, 0], [8, 0]]
        """
        return _pair_matrix(a.idx, a.off, b.idx, b.off, a.dim)

    @staticmethod
    def unit(a: SparseRows, b: SparseRows, weights: tuple[np.ndarray, np.ndarray], a0: int, a1: int, b0: int,
             b1: int) -> float:
        """Cosine of sentences ``a0..a1`` of A read as one with ``b0..b1`` of B (``weights``: the
        pair's :func:`pair_weights`)."""
        ja, jb = weighted(join(a, a0, a1), weights), weighted(join(b, b0, b1), weights)
        return float(_gram(ja.idx, ja.val, ja.off, jb.idx, jb.val, jb.off)[0, 0])
