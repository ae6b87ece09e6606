"""Exact similarity of candidate pairs: shingle-set overlap and aligned coverage.

Candidates from the index are estimates; nothing is reported before this step computes the
real numbers from the documents' shingle sequences:

- ``jaccard``, ``containment_a``, ``containment_b``: exact, over the sets of word k-gram
  shingles (``containment_a`` = share of a's shingles found in b).
- ``coverage_a``, ``coverage_b``: the share of each document's *tokens* that lie in matching
  regions: runs of shared shingles where consecutive matches are at most ``gap`` tokens apart
  and a run holds at least ``min_run`` matches. Word edits leave small gaps that the run bridges;
  a paragraph of unrelated text is a gap too long to bridge. This is what separates a noisy
  copy (a 20%-edited mirror covers ~90% of the shorter text) from two documents that merely
  share a few sentences (the unshared sentences stay uncovered), which set overlap alone
  cannot do (measured on the generated corpus: the set-overlap ranges of the two overlap,
  the coverage ranges do not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import nb

DEFAULT_GAP = 8
DEFAULT_MIN_RUN = 3


@dataclass(slots=True)
class PairScores:
    """Exact scores for a batch of pairs (arrays aligned with the input pairs)."""

    intersection: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray
    jaccard: np.ndarray
    containment_a: np.ndarray
    containment_b: np.ndarray
    coverage_a: np.ndarray
    coverage_b: np.ndarray


@nb.njit(inline="always")
def _slot(h: np.uint64, mask: int) -> int:
    return int((h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask


@nb.njit(inline="always")
def _table_size(n: int) -> int:
    size = 16
    while size < 2 * n + 2:
        size <<= 1
    return size


@nb.njit(inline="always")
def _build(seq, s0, s1, buf, other, count_shared):
    """Open-addressing hash set of seq[s0:s1] in the front of ``buf`` (0 marks empty).

    Returns (table, distinct count, shared): ``table`` is a view into ``buf``, which is
    reused from pair to pair (why: a fresh table per document was a large allocation and
    page faults for long documents, which also serialised the threads). When
    ``count_shared``, ``shared`` is the number of distinct elements also in the set
    ``other``: one probe per distinct element while building, instead of a second pass over
    the table.
    """
    size = _table_size(s1 - s0)
    tab = buf[:size]
    tab[:] = 0
    mask = size - 1
    distinct = 0
    shared = 0
    for p in range(s0, s1):
        h = seq[p] | np.uint64(1)  # keep 0 free as the empty marker
        i = _slot(h, mask)
        while True:
            x = tab[i]
            if x == 0:
                tab[i] = h
                distinct += 1
                if count_shared and _has(other, h):
                    shared += 1
                break
            if x == h:
                break
            i = (i + 1) & mask
    return tab, distinct, shared


@nb.njit(inline="always")
def _has(tab, h) -> bool:
    h = h | np.uint64(1)
    mask = tab.shape[0] - 1
    i = _slot(h, mask)
    while True:
        x = tab[i]
        if x == h:
            return True
        if x == 0:
            return False
        i = (i + 1) & mask


@nb.njit(nogil=True, cache=True)
def _coverage(seq, s0, s1, other, k, ntok, gap, min_run) -> float:
    """Share of tokens of one document covered by runs of shingles found in the other."""
    n = s1 - s0
    if n == 0 or ntok == 0:
        return 0.0
    need = min_run if n >= min_run else n
    covered = 0
    start = -1
    last = -1
    run = 0
    for p in range(n):
        if _has(other, seq[s0 + p]):
            if run > 0 and p - last <= gap:
                last = p
                run += 1
            else:
                if run >= need:
                    covered += min(last + k, ntok) - start
                start = p
                last = p
                run = 1
    if run >= need:
        covered += min(last + k, ntok) - start
    if covered > ntok:
        covered = ntok
    return covered / ntok


@nb.njit(nogil=True, cache=True, parallel=True)
def _score_pairs(seqs, offs, ntok, pa, pb, k, gap, min_run, min_containment, min_shared):
    n = pa.shape[0]
    inter = np.zeros(n, dtype=np.int64)
    size_a = np.zeros(n, dtype=np.int64)
    size_b = np.zeros(n, dtype=np.int64)
    cov_a = np.zeros(n, dtype=np.float64)
    cov_b = np.zeros(n, dtype=np.float64)
    # Runs of consecutive pairs with the same a (candidates come sorted by a, ~4 pairs per
    # run): a's table is built once per run instead of once per pair.
    n_runs = 0
    for i in range(n):
        if i == 0 or pa[i] != pa[i - 1]:
            n_runs += 1
    run_start = np.empty(n_runs + 1, dtype=np.int64)
    r = 0
    for i in range(n):
        if i == 0 or pa[i] != pa[i - 1]:
            run_start[r] = i
            r += 1
    run_start[n_runs] = n
    # Blocks of runs share two table buffers, sized for the block's longest documents. The
    # threads take equal shares of blocks, so blocks hold equal work (elements hashed), not
    # equal runs: a document is the a of its pairs with later documents, so the runs of
    # early documents are much longer.
    work = np.zeros(n_runs + 1, dtype=np.int64)
    for r in range(n_runs):
        w = offs[pa[run_start[r]] + 1] - offs[pa[run_start[r]]]
        for i in range(run_start[r], run_start[r + 1]):
            w += offs[pb[i] + 1] - offs[pb[i]] + 1
        work[r + 1] = work[r] + w
    n_blocks = min(n_runs, 256)
    bounds = np.searchsorted(work, np.linspace(0, work[n_runs], n_blocks + 1)).astype(np.int64)
    bounds[0] = 0
    bounds[n_blocks] = n_runs
    for blk in nb.prange(n_blocks):
        r0 = bounds[blk]
        r1 = bounds[blk + 1]
        max_a = 0
        max_b = 0
        for i in range(run_start[r0], run_start[r1]):
            max_a = max(max_a, offs[pa[i] + 1] - offs[pa[i]])
            max_b = max(max_b, offs[pb[i] + 1] - offs[pb[i]])
        buf_a = np.empty(_table_size(max_a), dtype=np.uint64)
        buf_b = np.empty(_table_size(max_b), dtype=np.uint64)
        for r in range(r0, r1):
            a = pa[run_start[r]]
            ta, na, _ = _build(seqs, offs[a], offs[a + 1], buf_a, buf_a, False)
            for i in range(run_start[r], run_start[r + 1]):
                b = pb[i]
                tb, nb_, c = _build(seqs, offs[b], offs[b + 1], buf_b, ta, True)
                size_a[i] = na
                size_b[i] = nb_
                inter[i] = c
                if c > 0 and c >= min_shared and c >= min_containment * min(na, nb_):
                    cov_a[i] = _coverage(seqs, offs[a], offs[a + 1], tb, k, ntok[a], gap, min_run)
                    cov_b[i] = _coverage(seqs, offs[b], offs[b + 1], ta, k, ntok[b], gap, min_run)
    return inter, size_a, size_b, cov_a, cov_b


def score_pairs(seqs: np.ndarray, offs: np.ndarray, n_tokens: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                shingle_size: int, gap: int = DEFAULT_GAP, min_run: int = DEFAULT_MIN_RUN,
                min_containment: float = 0.0, min_shared: int = 1) -> PairScores:
    """Exact scores of pairs of documents given as shingle sequences.

    Args:
        seqs: uint64 shingle hashes of the documents involved, concatenated in order.
        offs: int64 [ndocs + 1] boundaries of each document in ``seqs``.
        n_tokens: int64 token count of each document.
        pa, pb: int64 local document indices of each pair.
        shingle_size: the k of the word k-grams, to turn shingle runs into token spans.
        min_shared: coverage is only computed for pairs sharing at least this many shingles.
        min_containment: coverage is only computed (else left 0) for pairs where the shared
            shingles make up at least this share of the smaller set; the set overlap is cheap,
            the coverage scan is not.

    >>> from retold.fingerprints import fingerprint_batch
    >>> fp = fingerprint_batch(["the cat sat on the mat today", "the cat sat on a mat today"])
    >>> s = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, np.array([0]), np.array([1]), 3)
    >>> int(s.intersection[0]), round(float(s.jaccard[0]), 3)
    (2, 0.25)
    """
    pa = np.ascontiguousarray(pa, dtype=np.int64)
    pb = np.ascontiguousarray(pb, dtype=np.int64)
    inter, sa, sb, cov_a, cov_b = _score_pairs(seqs, offs, np.asarray(n_tokens, dtype=np.int64), pa, pb,
                                               shingle_size, gap, min_run, min_containment, min_shared)
    union = sa + sb - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        ca = np.where(sa > 0, inter / np.maximum(sa, 1), 0.0)
        cb = np.where(sb > 0, inter / np.maximum(sb, 1), 0.0)
    return PairScores(intersection=inter, size_a=sa, size_b=sb, jaccard=jac, containment_a=ca,
                      containment_b=cb, coverage_a=cov_a, coverage_b=cov_b)
