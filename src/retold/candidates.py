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

import numpy as np

from .jit import nb

DEFAULT_MIN_HITS = 1
DEFAULT_MAX_POSTINGS = 1000


_TOP_BITS = 8  # first radix pass: 256 partitions, each sorted on its own


@nb.njit(inline="always")
def _insertion_sort(vals, idx, lo, hi) -> None:
    """Stable sort of vals[lo:hi] (carrying idx along); for the tiny buckets of a radix pass."""
    for x in range(lo + 1, hi):
        kv = vals[x]
        iv = idx[x]
        y = x - 1
        while y >= lo and vals[y] > kv:
            vals[y + 1] = vals[y]
            idx[y + 1] = idx[y]
            y -= 1
        vals[y + 1] = kv
        idx[y + 1] = iv


@nb.njit(nogil=True, cache=True, parallel=True)
def _sort_keys(flat: np.ndarray, n_chunks: int):
    """(sorted keys, order) with ``order`` equal to ``np.argsort(flat, kind="stable")``.

    Why not argsort: a comparison sort of ndocs * bins 64-bit keys was the slowest step of
    candidate generation. Index keys are uniform hashes, so a most-significant-digit radix
    sort needs two passes: a stable scatter into 256 partitions by the top 8 bits, then, in
    parallel per partition, a counting sort on the next bits into about one bucket per key
    (a bucket then holds one or two keys, put in order by insertion sort). A bucket with more
    keys (a key shared by many documents, or keys that are not hashes) falls back to a
    stable mergesort, so the result is the stable order for any input.
    """
    n = flat.shape[0]
    n_parts = 1 << _TOP_BITS
    top_shift = np.uint64(64 - _TOP_BITS)
    # pass 1: stable scatter by the top bits; each chunk of the input writes its own slice
    # of every partition, so chunks can run in parallel and still keep input order
    cbounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    hist = np.zeros((n_chunks, n_parts), dtype=np.int64)
    for c in nb.prange(n_chunks):
        for t in range(cbounds[c], cbounds[c + 1]):
            hist[c, flat[t] >> top_shift] += 1
    pstart = np.zeros(n_parts + 1, dtype=np.int64)
    pos = np.empty((n_chunks, n_parts), dtype=np.int64)
    run = 0
    for p in range(n_parts):
        pstart[p] = run
        for c in range(n_chunks):
            pos[c, p] = run
            run += hist[c, p]
    pstart[n_parts] = run
    vals = np.empty(n, dtype=np.uint64)
    idx = np.empty(n, dtype=np.int64)
    for c in nb.prange(n_chunks):
        for t in range(cbounds[c], cbounds[c + 1]):
            p = flat[t] >> top_shift
            vals[pos[c, p]] = flat[t]
            idx[pos[c, p]] = t
            pos[c, p] += 1
    # pass 2: each partition on its own
    for p in nb.prange(n_parts):
        lo = pstart[p]
        m = pstart[p + 1] - lo
        if m < 2:
            continue
        bits = 1
        while (1 << bits) < m:
            bits += 1
        if bits > 64 - _TOP_BITS:
            bits = 64 - _TOP_BITS
        shift = np.uint64(64 - _TOP_BITS - bits)
        bmask = np.uint64((1 << bits) - 1)
        nb_ = 1 << bits
        bstart = np.zeros(nb_ + 1, dtype=np.int64)
        for t in range(lo, lo + m):
            bstart[((vals[t] >> shift) & bmask) + 1] += 1
        for u in range(nb_):
            bstart[u + 1] += bstart[u]
        fill = bstart[:-1].copy()
        v2 = np.empty(m, dtype=np.uint64)
        i2 = np.empty(m, dtype=np.int64)
        for t in range(lo, lo + m):
            u = (vals[t] >> shift) & bmask
            v2[fill[u]] = vals[t]
            i2[fill[u]] = idx[t]
            fill[u] += 1
        for u in range(nb_):
            a = bstart[u]
            b = bstart[u + 1]
            if b - a > 16:
                o = np.argsort(v2[a:b], kind="mergesort")
                v2[a:b] = v2[a:b][o]
                i2[a:b] = i2[a:b][o]
            elif b - a > 1:
                _insertion_sort(v2, i2, a, b)
        vals[lo : lo + m] = v2
        idx[lo : lo + m] = i2
    return vals, idx


@nb.njit(nogil=True, cache=True)
def _groups(sorted_keys: np.ndarray, max_postings: int):
    """Groups of equal keys (documents sharing a key) with 2..max_postings members."""
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
    return gstart[:ng], glen[:ng]


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
    sorted_keys, order = _sort_keys(np.ascontiguousarray(flat, dtype=np.uint64), 8)
    return _pairs_from_sorted(sorted_keys, order // n_bins, n_docs, min_hits, max_postings)


def _pairs_from_sorted(sorted_keys: np.ndarray, members: np.ndarray, n_docs: int, min_hits: int,
                       max_postings: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gstart, glen = _groups(sorted_keys, max_postings)
    doff, dgroups = _doc_groups(gstart, glen, members, n_docs)
    n_chunks = max(1, min(64, n_docs // 256))
    return _all_pairs(doff, dgroups, gstart, glen, members, n_docs, min_hits, n_chunks)


def posting_pairs(keys: np.ndarray, docs: np.ndarray, n_docs: int, min_hits: int,
                  max_postings: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`candidate_pairs` for variable-length postings: ``docs[i]`` holds ``keys[i]``.

    Each (key, doc) must appear once (deduplicate per document first).

    >>> a, b, h = posting_pairs(np.array([5, 5, 6, 6, 7], dtype=np.uint64), np.array([0, 2, 0, 2, 1]), 3, 2, 10)
    >>> a.tolist(), b.tolist(), h.tolist()
    ([0], [2], [2])
    """
    if n_docs < 2 or keys.shape[0] == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0, dtype=np.int32)
    sorted_keys, order = _sort_keys(np.ascontiguousarray(keys, dtype=np.uint64), 8)
    members = np.asarray(docs, dtype=np.int64)[order]
    return _pairs_from_sorted(sorted_keys, members, n_docs, min_hits, max_postings)


@nb.njit(nogil=True, cache=True)
def sample_anchors(shingles: np.ndarray, sh_offsets: np.ndarray, rate_bits: int):
    """Anchors for partial-reuse candidates: each document's distinct shingles whose hash has
    ``rate_bits`` chosen bits at zero (about one shingle in 2**rate_bits).

    Sampling by hash value, not by position, means two documents sample the same shingles of
    a shared passage, so a passage of n words yields about n / 2**rate_bits shared anchors.
    Returns (hashes, local document index), deduplicated per document.
    """
    mask = np.uint64((1 << rate_bits) - 1)
    n = shingles.shape[0]
    out_h = np.empty(n, dtype=np.uint64)
    out_d = np.empty(n, dtype=np.int64)
    m = 0
    for d in range(sh_offsets.shape[0] - 1):
        m0 = m
        for s in range(sh_offsets[d], sh_offsets[d + 1]):
            h = shingles[s]
            if (h >> np.uint64(40)) & mask == 0:
                out_h[m] = h
                out_d[m] = d
                m += 1
        if m - m0 > 1:
            out_h[m0:m].sort()
            w = m0 + 1
            for r in range(m0 + 1, m):
                if out_h[r] != out_h[w - 1]:
                    out_h[w] = out_h[r]
                    w += 1
            m = w
    return out_h[:m], out_d[:m]


@nb.njit(nogil=True, cache=True, parallel=True)
def set_overlap(sets: np.ndarray, offs: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """``|A & B|`` for each pair of sorted, distinct sets (CSR: set d is ``sets[offs[d]:offs[d+1]]``).

    >>> s = np.array([1, 2, 3, 2, 3, 4, 9], dtype=np.uint32)
    >>> set_overlap(s, np.array([0, 3, 6, 7]), np.array([0, 0]), np.array([1, 2])).tolist()
    [2, 0]
    """
    out = np.zeros(pa.shape[0], dtype=np.int64)
    for p in nb.prange(pa.shape[0]):
        i, iend = offs[pa[p]], offs[pa[p] + 1]
        j, jend = offs[pb[p]], offs[pb[p] + 1]
        n = 0
        while i < iend and j < jend:
            x, y = sets[i], sets[j]
            if x == y:
                n += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        out[p] = n
    return out


@nb.njit(nogil=True, cache=True)
def gather_sets(sets: np.ndarray, offs: np.ndarray, rows: np.ndarray):
    """The CSR rows ``rows`` of ``(sets, offs)`` as a new CSR (values, offsets).

    >>> v, o = gather_sets(np.array([1, 2, 3, 4], dtype=np.uint32), np.array([0, 1, 3, 4]), np.array([2, 1]))
    >>> v.tolist(), o.tolist()
    ([4, 2, 3], [0, 1, 3])
    """
    out_offs = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    for r in range(rows.shape[0]):
        out_offs[r + 1] = out_offs[r] + offs[rows[r] + 1] - offs[rows[r]]
    out = np.empty(out_offs[-1], dtype=sets.dtype)
    for r in range(rows.shape[0]):
        out[out_offs[r] : out_offs[r + 1]] = sets[offs[rows[r]] : offs[rows[r] + 1]]
    return out, out_offs
