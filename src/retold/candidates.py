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

from typing import Any

import numpy as np

from .jit import nb
from .store import ColumnStore, Spool

DEFAULT_MIN_HITS = 1
DEFAULT_MAX_POSTINGS = 1000
DEFAULT_SLAB = 8


SORT_BYTES = 256 << 20  # about what sorting a slab of keys holds at once (bytes)
_SORT_BYTES_PER_KEY = 32  # the slab read, its flat copy, sorted keys and their order
# keys sorted in one call; a slab read holding more is sorted a few bands at a time
SORT_KEYS = 1 << 20
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
def _key_groups(sorted_keys: np.ndarray, members: np.ndarray, max_postings: int, per_doc: int):
    """The documents holding each key that 2..max_postings documents hold, as CSR (offsets,
    documents), keys in sorted order; ``members[i] // per_doc`` holds ``sorted_keys[i]``.

    Only these groups are kept: most keys are held by one document, so the groups of a slab of
    bands are a small fraction of its keys (and only their members are divided: dividing every
    position of a slab was a visible part of the stage at 1M documents). Documents are int32
    (fewer than 2**31 in one run): these lists and their inverse per document were most of the
    10M run's 11.9 GB peak as int64. ``per_doc`` has no default: an omitted argument is another
    signature, compiled and loaded a second time.
    """
    n = sorted_keys.shape[0]
    ng = 0
    nm = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        if 2 <= j - i <= max_postings:
            ng += 1
            nm += j - i
        i = j
    offs = np.empty(ng + 1, dtype=np.int64)
    docs = np.empty(nm, dtype=np.int32)  # half the memory of the stage's largest lists
    offs[0] = 0
    g = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        if 2 <= j - i <= max_postings:
            for t in range(i, j):
                docs[offs[g] + t - i] = members[t] // per_doc
            offs[g + 1] = offs[g] + j - i
            g += 1
        i = j
    return offs, docs


@nb.njit(nogil=True, cache=True)
def _doc_groups(goffs, gdocs, n_docs, out, max_size):
    """For each document, the groups of at most ``max_size`` members it belongs to (CSR), written
    to ``out`` (room for one int32 a member of ``gdocs``)."""
    cnt = np.zeros(n_docs + 1, dtype=np.int64)
    for g in range(goffs.shape[0] - 1):
        if goffs[g + 1] - goffs[g] <= max_size:
            for t in range(goffs[g], goffs[g + 1]):
                cnt[gdocs[t] + 1] += 1
    offs = np.cumsum(cnt)
    fill = offs[:-1].copy()
    for g in range(goffs.shape[0] - 1):
        if goffs[g + 1] - goffs[g] <= max_size:
            for t in range(goffs[g], goffs[g + 1]):
                d = gdocs[t]
                out[fill[d]] = g
                fill[d] += 1
    return offs


@nb.njit(nogil=True, cache=True)
def _big_groups(goffs, max_size):
    """The groups with more than ``max_size`` members."""
    n = 0
    for g in range(goffs.shape[0] - 1):
        n += goffs[g + 1] - goffs[g] > max_size
    out = np.empty(n, dtype=np.int64)
    n = 0
    for g in range(goffs.shape[0] - 1):
        if goffs[g + 1] - goffs[g] > max_size:
            out[n] = g
            n += 1
    return out


_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_ONES = np.uint64(0x0101010101010101)


@nb.njit(inline="always")
def _agree(words, x, y) -> int:
    """Bins whose one-byte fingerprints agree between rows ``x`` and ``y`` of a sketch viewed as
    uint64 words (8 bins each): the zero bytes of ``x ^ y``, counted 8 at a time."""
    n = 0
    for w in range(words.shape[1]):
        v = words[x, w] ^ words[y, w]
        z = ~(((v & _LOW7) + _LOW7) | v | _LOW7)  # the high bit of each zero byte
        n += int(((z >> np.uint64(7)) * _ONES) >> np.uint64(56))
    return n


@nb.njit(inline="always")
def _group_pass(goffs, gdocs, g, words, rows, min_agree, exempt, n_docs, out, pos) -> int:
    """The pairs of group ``g``'s members that pass the agreement test: counted, and written
    to ``out[pos:]`` as ``a * n_docs + b`` unless ``out`` is empty."""
    m = 0
    write = out.shape[0] > 0
    for x in range(goffs[g], goffs[g + 1]):
        a = gdocs[x]  # members ascend
        ra = rows[a]
        ea = exempt[ra]
        for y in range(x + 1, goffs[g + 1]):
            b = gdocs[y]
            if b <= a:  # one document twice (a key value in two of its columns): not a pair
                continue
            rb = rows[b]
            if ea or exempt[rb] or _agree(words, ra, rb) >= min_agree:
                if write:
                    out[pos + m] = np.int64(a) * n_docs + b
                m += 1
    return m


@nb.njit(nogil=True, cache=True, parallel=True)
def _big_group_pairs(goffs, gdocs, big, words, rows, min_agree, exempt, n_docs, n_chunks):
    """Every pair within each group of ``big`` that passes the agreement test, once per group
    (codes ``a * n_docs + b``, unsorted). Chunks of groups hold equal work (pairs tested)."""
    work = np.zeros(big.shape[0] + 1, dtype=np.int64)
    for i in range(big.shape[0]):
        g_n = goffs[big[i] + 1] - goffs[big[i]]
        work[i + 1] = work[i] + g_n * (g_n - 1) // 2
    bounds = np.searchsorted(work, np.linspace(0, work[-1], n_chunks + 1)).astype(np.int64)
    bounds[0] = 0
    bounds[n_chunks] = big.shape[0]
    none = np.empty(0, dtype=np.int64)
    per = np.zeros(n_chunks + 1, dtype=np.int64)
    for c in nb.prange(n_chunks):
        m = 0
        for i in range(bounds[c], bounds[c + 1]):
            m += _group_pass(goffs, gdocs, big[i], words, rows, min_agree, exempt, n_docs, none, 0)
        per[c + 1] = m
    start = np.cumsum(per)
    out = np.empty(start[n_chunks], dtype=np.int64)
    for c in nb.prange(n_chunks):
        pos = start[c]
        for i in range(bounds[c], bounds[c + 1]):
            pos += _group_pass(goffs, gdocs, big[i], words, rows, min_agree, exempt, n_docs, out, pos)
    return out


@nb.njit(nogil=True, cache=True)
def _merge_codes(a, b, h, codes, n_docs):
    """The union of pairs (a, b, h) sorted by (a, b) and of sorted ``codes`` (``a * n_docs + b``,
    repeated once per shared key), hits added; sorted by (a, b)."""
    n_codes = 0
    for i in range(codes.shape[0]):
        n_codes += i == 0 or codes[i] != codes[i - 1]
    n = a.shape[0] + n_codes
    oa = np.empty(n, dtype=np.int64)
    ob = np.empty(n, dtype=np.int64)
    oh = np.empty(n, dtype=np.int32)
    i = 0
    j = 0
    m = 0
    while i < a.shape[0] or j < codes.shape[0]:
        ci = a[i] * n_docs + b[i] if i < a.shape[0] else np.int64(-1)
        cj = codes[j] if j < codes.shape[0] else np.int64(-1)
        if j >= codes.shape[0] or (i < a.shape[0] and ci <= cj):
            c = ci
            hits = np.int64(h[i])
            i += 1
        else:
            c = cj
            hits = np.int64(0)
        while j < codes.shape[0] and codes[j] == c:
            hits += 1
            j += 1
        oa[m] = c // n_docs
        ob[m] = c % n_docs
        oh[m] = hits
        m += 1
    return oa[:m], ob[:m], oh[:m]


@nb.njit(inline="always")
def _partners(a, doff, dgroups, goffs, gdocs, counter, touched) -> int:
    """Count, in ``counter``, the keys ``a`` shares with each later document; list those
    documents in ``touched`` (sorted); returns how many."""
    nt = 0
    for gi in range(doff[a], doff[a + 1]):
        g = dgroups[gi]
        for t in range(goffs[g], goffs[g + 1]):
            b = gdocs[t]
            if b <= a:
                continue
            if counter[b] == 0:
                touched[nt] = b
                nt += 1
            counter[b] += 1
    touched[:nt].sort()  # partners in increasing order: the output is deterministic
    return nt


@nb.njit(nogil=True, cache=True, parallel=True)
def _count_pairs(lo, hi, doff, dgroups, goffs, gdocs, min_hits, n_chunks, counters, touched):
    """For each document a of ``lo..hi-1``, the later documents sharing at least ``min_hits`` keys
    with it (``out[a - lo]``). ``counters``/``touched``: one zeroed row of scratch per worker
    (left zeroed)."""
    out = np.zeros(hi - lo, dtype=np.int64)
    bounds = np.linspace(lo, hi, n_chunks + 1).astype(np.int64)
    n_workers = counters.shape[0]
    for w in nb.prange(n_workers):
        counter = counters[w]
        tt = touched[w]
        for c in range(w, n_chunks, n_workers):
            for a in range(bounds[c], bounds[c + 1]):
                nt = _partners(a, doff, dgroups, goffs, gdocs, counter, tt)
                m = 0
                for x in range(nt):
                    b = tt[x]
                    m += counter[b] >= min_hits
                    counter[b] = 0
                out[a - lo] = m
    return out


@nb.njit(nogil=True, cache=True, parallel=True)
def _write_pairs(lo, hi, per_doc, doff, dgroups, goffs, gdocs, min_hits, words, rows, min_agree, exempt,
                 n_chunks, counters, touched):
    """The pairs of documents ``lo..hi-1`` with later ones (``per_doc`` from :func:`_count_pairs`),
    each tested once for agreement; returns those that pass, sorted by (a, b)."""
    offs = np.zeros(hi - lo + 1, dtype=np.int64)
    for a in range(lo, hi):
        offs[a - lo + 1] = offs[a - lo] + per_doc[a - lo]
    n = offs[hi - lo]
    out_a = np.empty(n, dtype=np.int64)
    out_b = np.empty(n, dtype=np.int64)
    out_h = np.empty(n, dtype=np.int32)
    keep = np.empty(n, dtype=np.bool_)
    bounds = np.linspace(lo, hi, n_chunks + 1).astype(np.int64)
    n_workers = counters.shape[0]
    for w in nb.prange(n_workers):
        counter = counters[w]
        tt = touched[w]
        for c in range(w, n_chunks, n_workers):
            for a in range(bounds[c], bounds[c + 1]):
                nt = _partners(a, doff, dgroups, goffs, gdocs, counter, tt)
                pos = offs[a - lo]
                for x in range(nt):
                    b = tt[x]
                    if counter[b] >= min_hits:
                        out_a[pos] = a
                        out_b[pos] = b
                        out_h[pos] = counter[b]
                        keep[pos] = (min_agree <= 0 or exempt[rows[a]] or exempt[rows[b]]
                                     or _agree(words, rows[a], rows[b]) >= min_agree)
                        pos += 1
                    counter[b] = 0
    return out_a[keep], out_b[keep], out_h[keep]


@nb.njit(nogil=True, cache=True, parallel=True)
def _emit_pairs(lo, hi, doff, dgroups, goffs, gdocs, min_hits, words, rows, min_agree, exempt, n_chunks, cap,
                counters, touched):
    """One pass over documents ``lo..hi-1``: each chunk of them writes the pairs that pass into
    its own ``cap`` slots. Returns the slots, how many each chunk used, and whether a chunk
    ran out of room (then the caller counts first: :func:`_count_pairs`, :func:`_write_pairs`)."""
    out_a = np.empty(n_chunks * cap, dtype=np.int64)
    out_b = np.empty(n_chunks * cap, dtype=np.int64)
    out_h = np.empty(n_chunks * cap, dtype=np.int32)
    used = np.zeros(n_chunks, dtype=np.int64)
    full = np.zeros(n_chunks, dtype=np.bool_)
    bounds = np.linspace(lo, hi, n_chunks + 1).astype(np.int64)
    n_workers = counters.shape[0]
    for w in nb.prange(n_workers):
        counter = counters[w]
        tt = touched[w]
        for c in range(w, n_chunks, n_workers):
            pos = c * cap
            end = pos + cap
            for a in range(bounds[c], bounds[c + 1]):
                nt = _partners(a, doff, dgroups, goffs, gdocs, counter, tt)
                for x in range(nt):
                    b = tt[x]
                    if counter[b] >= min_hits and (min_agree <= 0 or exempt[rows[a]] or exempt[rows[b]]
                                                   or _agree(words, rows[a], rows[b]) >= min_agree):
                        if pos < end:
                            out_a[pos] = a
                            out_b[pos] = b
                            out_h[pos] = counter[b]
                            pos += 1
                        else:
                            full[c] = True
                    counter[b] = 0
                if full[c]:
                    break
            used[c] = pos - c * cap
    return out_a, out_b, out_h, used, full


_BLOCK_DOCS = 1 << 18  # documents enumerated at a time
_DOCS_PER_CHUNK = 256  # documents a worker takes at a time (at most 64 chunks a block)
_SLOTS_PER_DOC = 4  # room for pairs per document in the one-pass enumeration
_MIN_SLOTS = 64  # ... and at least this much per chunk
BIG_GROUP = 16  # groups with more members are tested group by group (see _pairs_of_groups)


def _pairs_of_groups(goffs: np.ndarray, gdocs: np.ndarray, n_docs: int, min_hits: int,
                     words: np.ndarray | None = None, rows: np.ndarray | None = None, min_agree: int = 0,
                     exempt: np.ndarray | None = None, spool: Spool | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs sharing ``min_hits`` groups (and passing the agreement test), sorted by (a, b).

    Documents are enumerated in blocks (bounded memory). Each block is written in one pass
    into room for :data:`_SLOTS_PER_DOC` pairs per document, enough for all but the densest
    blocks. Why one pass: enumerating the partners of every document (and testing their
    agreement) is most of the candidate stage once colliding pairs outnumber documents; a pass
    that first counted them did it twice. A block that overflows is counted first, then written.
    ``spool``: where each document's list of groups goes (a mapped file beyond its budget).
    Each worker thread keeps one counter row over all documents for the whole run. Why: a
    counter per chunk of documents, allocated and zeroed per chunk, cost (chunks x documents),
    the square of the corpus size once the number of chunks grows with it.
    """
    if words is None or rows is None or exempt is None or min_agree <= 0:
        words, rows, min_agree = np.zeros((0, 0), dtype=np.uint64), np.zeros(0, dtype=np.int64), 0
        exempt = np.zeros(0, dtype=np.bool_)
    exempt = np.asarray(exempt, dtype=np.bool_)
    # Groups of more than BIG_GROUP documents (with the agreement test, and one shared key
    # enough): their pairs are tested group by group, the members' sketch rows read once a
    # group and held in cache for all its pairs; a pair in several such groups is tested in each.
    # Why: documents built from the same sentences meet in groups of tens to hundreds, whose
    # pairs grow with the square of the corpus; walked document by document, each of those
    # pairs cost a random read of the partner's row, and these pairs were 40% of those tested
    # at 1M generated documents (6% at 100k). Small groups stay document by document: a
    # near-duplicate pair shares many keys there and is tested once.
    split = min_agree > 0 and min_hits == 1
    big = _big_groups(goffs, BIG_GROUP) if split else np.zeros(0, dtype=np.int64)
    max_size = BIG_GROUP if big.shape[0] else np.iinfo(np.int64).max
    dgroups = np.empty(gdocs.shape[0], dtype=np.int32) if spool is None else spool.scratch(gdocs.shape[0])
    doff = _doc_groups(goffs, gdocs, n_docs, dgroups, max_size)
    n_workers = max(1, min(nb.get_num_threads(), -(-n_docs // _DOCS_PER_CHUNK)))
    counters = np.zeros((n_workers, n_docs), dtype=np.int32)
    touched = np.empty((n_workers, n_docs), dtype=np.int32)
    parts = []
    for lo in range(0, n_docs, _BLOCK_DOCS):
        hi = min(n_docs, lo + _BLOCK_DOCS)
        n_chunks = max(1, min(64, (hi - lo) // _DOCS_PER_CHUNK))
        cap = max(_MIN_SLOTS, _SLOTS_PER_DOC * -(-(hi - lo) // n_chunks))
        oa, ob, oh, used, full = _emit_pairs(lo, hi, doff, dgroups, goffs, gdocs, min_hits, words, rows,
                                             min_agree, exempt, n_chunks, cap, counters, touched)
        if not full.any():
            keep = np.concatenate([np.arange(c * cap, c * cap + used[c]) for c in range(n_chunks)])
            parts.append((oa[keep], ob[keep], oh[keep]))
            continue
        del oa, ob, oh
        per_doc = _count_pairs(lo, hi, doff, dgroups, goffs, gdocs, min_hits, n_chunks, counters, touched)
        parts.append(_write_pairs(lo, hi, per_doc, doff, dgroups, goffs, gdocs, min_hits, words, rows,
                                  min_agree, exempt, n_chunks, counters, touched))
    out = parts[0] if len(parts) == 1 else tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
    if big.shape[0]:
        codes = _big_group_pairs(goffs, gdocs, big, words, rows, min_agree, exempt, n_docs,
                                 max(1, min(256, big.shape[0])))
        codes.sort()
        out = _merge_codes(out[0], out[1], out[2], codes, n_docs)
    return out  # type: ignore[return-value]


def sketch_agreement(sketch: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bins whose one-byte fingerprints agree, for each pair ``(a[i], b[i])`` of rows of ``sketch``
    (uint8 [ndocs, bins], bins a multiple of 8; see :func:`retold.fingerprints.bin_sketch`).

    >>> sk = np.array([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 0, 4, 5, 6, 7, 0]], dtype=np.uint8)
    >>> sketch_agreement(sk, np.array([0, 0]), np.array([1, 0])).tolist()
    [6, 8]
    """
    return _agreement(_sketch_words(sketch, sketch.shape[0]), np.asarray(a, dtype=np.int64),
                      np.asarray(b, dtype=np.int64))


@nb.njit(nogil=True, cache=True, parallel=True)
def _agreement(words, a, b):
    out = np.empty(a.shape[0], dtype=np.int64)
    for i in nb.prange(a.shape[0]):
        out[i] = _agree(words, a[i], b[i])
    return out


def _sketch_words(sketch: Any, n_rows: int) -> np.ndarray:
    if sketch is None or sketch.shape[0] != n_rows or sketch.ndim != 2 or sketch.shape[1] % 8:
        raise ValueError("the sketch needs one row per document and a multiple of 8 bins")
    if isinstance(sketch, ColumnStore):
        sketch = sketch.mapped()  # the pairs tested read a few rows: not all of them into memory
    return np.ascontiguousarray(sketch, dtype=np.uint8).view(np.uint64)


def candidate_pairs(keys: np.ndarray, min_hits: int = DEFAULT_MIN_HITS,
                    max_postings: int = DEFAULT_MAX_POSTINGS, sketch: np.ndarray | None = None, min_agree: int = 0,
                    exempt: np.ndarray | None = None, rows: np.ndarray | None = None,
                    slab: int = DEFAULT_SLAB, scratch_bytes: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows of ``keys`` that share at least ``min_hits`` keys (and, with a ``sketch``,
    whose sketches agree on at least ``min_agree`` bins).

    Args:
        keys: uint64 [ndocs, bands] index keys (see :func:`retold.fingerprints.band_keys`); a key
            value belongs to one column (the band number is part of the hash).
        min_hits: collisions needed to become a candidate.
        max_postings: keys held by more documents than this are ignored.
        sketch: uint8 [ndocs, bins] one-byte bin fingerprints (:func:`retold.fingerprints.bin_sketch`);
            with ``min_agree`` > 0 a pair is kept only when at least ``min_agree`` of its bins
            agree (:func:`sketch_agreement`). Tested as the pairs are enumerated, once per
            pair, so the pairs that fail are never all held at once.
        exempt: bool [ndocs]: pairs with an exempt document skip the agreement test.
        rows: only these rows of ``keys`` and ``sketch`` take part (default all); the returned
            indices are positions in ``rows``.
        slab: bands read at a time. Why: sorting every key at once held several copies of
            the whole key matrix (3.7 GB at 1M documents); only the keys that 2 or more
            documents share are kept from each slab. Fewer bands are read at a time when a
            slab of all documents' keys would pass :data:`SORT_BYTES`, and a slab's bands are
            sorted a few at a time when it holds more than :data:`SORT_KEYS` keys. Why: a sort
            whose keys and order stay within the cache took about half the time of one over 8
            bands at 1M documents (0.77-0.95 against 1.23-2.21 s for the 64M keys).
        scratch_bytes: the lists of documents per shared key, and of shared keys per document,
            go to temporary files (read back mapped) beyond this many bytes each; None: in
            memory. Why: at 10M documents they were most of a run's peak memory. The pairs
            are the same either way.

    Returns:
        (a, b, hits): int64 row indices with a < b, sorted by (a, b), and the collision count.

    >>> k = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [7, 8, 9, 10]], dtype=np.uint64)
    >>> a, b, h = candidate_pairs(k, min_hits=3)
    >>> a.tolist(), b.tolist(), h.tolist()
    ([0], [1], [3])
    """
    n_docs = keys.shape[0] if rows is None else rows.shape[0]
    n_bands = keys.shape[1] if keys.ndim == 2 else 0
    if n_docs < 2 or n_bands == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0, dtype=np.int32)
    rows_ = np.arange(keys.shape[0], dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    words = _sketch_words(sketch, keys.shape[0]) if min_agree > 0 else None
    if exempt is None:
        exempt = np.zeros(keys.shape[0], dtype=np.bool_)
    # a slab's order is kept with its keys: the pairs do not depend on how bands are grouped
    slab = max(1, min(slab, n_bands, SORT_BYTES // max(1, n_docs * _SORT_BYTES_PER_KEY)))
    width = max(1, min(slab, SORT_KEYS // n_docs))  # bands sorted together
    offs_spool = Spool(np.int64, scratch_bytes)
    docs_spool = Spool(np.int32, scratch_bytes)
    try:
        offs_spool.append(np.zeros(1, dtype=np.int64))
        for s0 in range(0, n_bands, slab):
            s1 = min(n_bands, s0 + slab)
            sub = np.asarray(keys[:, s0:s1] if rows is None else keys[rows_, s0:s1], dtype=np.uint64)
            for w0 in range(0, s1 - s0, width):
                w1 = min(s1 - s0, w0 + width)
                flat = np.ascontiguousarray(sub[:, w0:w1]).ravel()
                sorted_keys, order = _sort_keys(flat, 8)
                del flat
                goffs, gdocs = _key_groups(sorted_keys, order, max_postings, w1 - w0)
                del sorted_keys, order
                offs_spool.append(goffs[1:] + len(docs_spool))
                docs_spool.append(gdocs)
                del goffs, gdocs
            del sub
        return _pairs_of_groups(offs_spool.array(), docs_spool.array(), n_docs, min_hits, words, rows_, min_agree,
                                exempt, docs_spool)
    finally:
        offs_spool.close()
        docs_spool.close()


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
    goffs, gdocs = _key_groups(sorted_keys, np.asarray(docs, dtype=np.int64)[order], max_postings, 1)
    return _pairs_of_groups(goffs, gdocs, n_docs, min_hits)


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
