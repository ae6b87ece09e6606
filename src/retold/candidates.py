"""Candidate pairs from one-permutation MinHash signatures, without comparing all pairs.

Classic LSH banding needs bands of several rows to stay selective, which throws away the
low-Jaccard pairs that noisy near-duplicates produce (20% word edits and a truncation give
word 3-gram Jaccard near 0.2). Instead every (bin, value) of a signature is a key in an
inverted index and a pair is a candidate when it collides on at least ``min_hits`` bins. The
number of collisions is Binomial(bins, J), so at 64 bins and J = 0.2 a pair collides on
about 13 bins while unrelated text collides on 0 or 1. Keys shared by too many documents
(stock phrases that happen to be a bin minimum) are ignored: they carry no evidence and
would make the pair count quadratic.
"""

from __future__ import annotations

import numba as nb
import numpy as np

DEFAULT_MIN_HITS = 1
DEFAULT_MAX_POSTINGS = 1000


@nb.njit(nogil=True, cache=True)
def _groups(sorted_keys: np.ndarray, order: np.ndarray, n_bins: int, max_postings: int):
    """CSR of key groups (documents sharing a key) with 2..max_postings members."""
    n = sorted_keys.shape[0]
    gstart = np.empty(n // 2 + 1, dtype=np.int64)
    glen = np.empty(n // 2 + 1, dtype=np.int64)
    ng = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        size = j - i
        if 2 <= size <= max_postings:
            gstart[ng] = i
            glen[ng] = size
            ng += 1
        i = j
    # member documents (row = position // n_bins)
    members = np.empty(n, dtype=np.int64)
    for t in range(n):
        members[t] = order[t] // n_bins
    return gstart[:ng], glen[:ng], members


@nb.njit(nogil=True, cache=True)
def _doc_groups(gstart, glen, members, n_docs):
    """For each document, the list of groups it belongs to (CSR)."""
    cnt = np.zeros(n_docs + 1, dtype=np.int64)
    for g in range(gstart.shape[0]):
        for t in range(gstart[g], gstart[g] + glen[g]):
            cnt[members[t] + 1] += 1
    offs = np.cumsum(cnt)
    fill = offs[:-1].copy()
    out = np.empty(offs[-1], dtype=np.int64)
    for g in range(gstart.shape[0]):
        for t in range(gstart[g], gstart[g] + glen[g]):
            d = members[t]
            out[fill[d]] = g
            fill[d] += 1
    return offs, out


@nb.njit(nogil=True, cache=True)
def _pairs_for_range(lo, hi, doff, dgroups, gstart, glen, members, n_docs, min_hits, write, out_a, out_b,
                     out_h, pos):
    counter = np.zeros(n_docs, dtype=np.int32)
    touched = np.empty(n_docs, dtype=np.int64)
    n_out = 0
    for a in range(lo, hi):
        nt = 0
        for gi in range(doff[a], doff[a + 1]):
            g = dgroups[gi]
            for t in range(gstart[g], gstart[g] + glen[g]):
                b = members[t]
                if b <= a:
                    continue
                if counter[b] == 0:
                    touched[nt] = b
                    nt += 1
                counter[b] += 1
        # emit in increasing partner order so the output is deterministic
        tt = np.sort(touched[:nt])
        for x in range(nt):
            b = tt[x]
            if counter[b] >= min_hits:
                if write:
                    out_a[pos + n_out] = a
                    out_b[pos + n_out] = b
                    out_h[pos + n_out] = counter[b]
                n_out += 1
            counter[b] = 0
    return n_out


@nb.njit(nogil=True, cache=True, parallel=True)
def _all_pairs(doff, dgroups, gstart, glen, members, n_docs, min_hits, n_chunks):
    bounds = np.linspace(0, n_docs, n_chunks + 1).astype(np.int64)
    counts = np.zeros(n_chunks + 1, dtype=np.int64)
    dummy = np.empty(0, dtype=np.int64)
    dummy32 = np.empty(0, dtype=np.int32)
    for c in nb.prange(n_chunks):
        counts[c + 1] = _pairs_for_range(bounds[c], bounds[c + 1], doff, dgroups, gstart, glen, members,
                                         n_docs, min_hits, False, dummy, dummy, dummy32, 0)
    offs = np.cumsum(counts)
    out_a = np.empty(offs[-1], dtype=np.int64)
    out_b = np.empty(offs[-1], dtype=np.int64)
    out_h = np.empty(offs[-1], dtype=np.int32)
    for c in nb.prange(n_chunks):
        _pairs_for_range(bounds[c], bounds[c + 1], doff, dgroups, gstart, glen, members, n_docs,
                         min_hits, True, out_a, out_b, out_h, offs[c])
    return out_a, out_b, out_h


def candidate_pairs(keys: np.ndarray, min_hits: int = DEFAULT_MIN_HITS,
                    max_postings: int = DEFAULT_MAX_POSTINGS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows of ``keys`` that share at least ``min_hits`` keys.

    Args:
        keys: uint64 [ndocs, bins] index keys (see :func:`retold.fingerprints.band_keys`).
        min_hits: collisions needed to become a candidate.
        max_postings: keys held by more documents than this are ignored.

    Returns:
        (a, b, hits): int64 row indices with a < b, sorted by (a, b), and the collision count.

    >>> k = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [7, 8, 9, 10]], dtype=np.uint64)
    >>> a, b, h = candidate_pairs(k, min_hits=3)
    >>> a.tolist(), b.tolist(), h.tolist()
    ([0], [1], [3])
    """
    n_docs, n_bins = keys.shape
    if n_docs < 2:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0, dtype=np.int32)
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    gstart, glen, members = _groups(flat[order], order, n_bins, max_postings)
    doff, dgroups = _doc_groups(gstart, glen, members, n_docs)
    n_chunks = max(1, min(64, n_docs // 256))
    return _all_pairs(doff, dgroups, gstart, glen, members, n_docs, min_hits, n_chunks)
