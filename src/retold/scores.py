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

Cost: a pair costs time in proportion to its *smaller* document (plus the matches found), never
to the larger one. Why it matters: a document with millions of words is a candidate of many
others; building its hash table (or scanning it) for each of those pairs made one 4 MB text cost
200 s in ``find`` on BBC (measured), quadratic in its length. A document longer than
:data:`LARGE_DOC` shingles is instead sorted once per batch; each pair then looks the smaller
document's shingles up in it, and the larger side's coverage is computed from the positions of
the shared shingles alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import nb

DEFAULT_GAP = 8
DEFAULT_MIN_RUN = 3
#: Documents with more shingles than this are looked up through a sorted index built once per
#: batch (:func:`doc_index`) instead of a hash table built for every pair they are in.
LARGE_DOC = 1 << 14


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
def _insert(tab, mask, h) -> tuple[int, bool]:
    """The slot of ``h`` (never 0) in the open-addressing set ``tab``, inserted when absent;
    and whether it was."""
    i = _slot(h, mask)
    while True:
        x = tab[i]
        if x == 0:
            tab[i] = h
            return i, True
        if x == h:
            return i, False
        i = (i + 1) & mask


@nb.njit(inline="always")
def _build(seq, s0, s1, buf, slots):
    """Open-addressing hash set of seq[s0:s1] in the front of ``buf`` (0 marks empty); each
    position's slot goes to ``slots`` unless it is empty.

    Returns (table, distinct count): ``table`` is a view into ``buf``, which is reused from pair
    to pair (why: a fresh table per document was a large allocation and page faults for long
    documents, which also serialised the threads).
    """
    size = _table_size(s1 - s0)
    tab = buf[:size]
    tab[:] = 0
    mask = size - 1
    distinct = 0
    keep = slots.shape[0] > 0
    for p in range(s0, s1):
        i, new = _insert(tab, mask, seq[p] | np.uint64(1))  # keep 0 free as the empty marker
        distinct += new
        if keep:
            slots[p - s0] = i
    return tab, distinct


@nb.njit(inline="always")
def _find(tab, h) -> int:
    """The slot of ``h`` in the hash set ``tab`` (see :func:`_build`), or -1."""
    h = h | np.uint64(1)
    mask = tab.shape[0] - 1
    i = _slot(h, mask)
    while True:
        x = tab[i]
        if x == h:
            return i
        if x == 0:
            return -1
        i = (i + 1) & mask


@nb.njit(inline="always")
def _build_marking(seq, s0, s1, buf, flag, found, other, stamp, stamp_id):
    """:func:`_build` counting the distinct elements shared with the set ``other``, and marking
    both sides for the coverages without probing again: ``found[p - s0]`` tells whether
    position p's element is in ``other``, and ``stamp[j] = stamp_id`` for each slot j of
    ``other`` whose element is here. ``flag``: scratch of the table's size."""
    size = _table_size(s1 - s0)
    tab = buf[:size]
    tab[:] = 0
    mask = size - 1
    distinct = 0
    shared = 0
    for p in range(s0, s1):
        h = seq[p] | np.uint64(1)
        i, new = _insert(tab, mask, h)
        if new:
            distinct += 1
            j = _find(other, h)
            flag[i] = j >= 0
            if j >= 0:
                shared += 1
                stamp[j] = stamp_id
        found[p - s0] = flag[i]
    return tab, distinct, shared


@nb.njit(inline="always")
def _cover_found(found, n, k, ntok, gap, min_run) -> float:
    """Share of a document's tokens covered by runs of its shingles found in the other document
    (``found[p]``: whether the shingle at position p is; ``n`` positions, ``ntok`` tokens)."""
    if n == 0 or ntok == 0:
        return 0.0
    need = min_run if n >= min_run else n
    covered = 0
    start = -1
    last = -1
    run = 0
    for p in range(n):
        if found[p]:
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


@nb.njit(inline="always")
def _cover_sorted(pos, m, n, k, ntok, gap, min_run) -> float:
    """:func:`_cover_found` given the sorted positions ``pos[:m]`` of the matched shingles among
    the document's ``n`` (the same runs, without visiting the unmatched positions)."""
    if n == 0 or ntok == 0:
        return 0.0
    need = min_run if n >= min_run else n
    covered = 0
    start = -1
    last = -1
    run = 0
    for t in range(m):
        p = pos[t]
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


@nb.njit(inline="always")
def _lower(vals, i0, i1, h) -> int:
    """First place in the sorted ``vals[i0:i1]`` whose value is >= h."""
    lo = i0
    hi = i1
    while lo < hi:
        mid = (lo + hi) >> 1
        if vals[mid] < h:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(inline="always")
def _key_range(vals, i0, i1, key) -> tuple[int, int]:
    """Where the values equal to ``key`` under the hash tables' ``| 1`` (two adjacent integers,
    ``key - 1`` and ``key``) lie in the sorted ``vals[i0:i1]``."""
    lo = _lower(vals, i0, i1, key & ~np.uint64(1))
    if key == np.uint64(0xFFFFFFFFFFFFFFFF):
        return lo, i1
    return lo, _lower(vals, lo, i1, key + np.uint64(1))


@nb.njit(nogil=True, cache=True)
def _distinct_keys(vals) -> int:
    distinct = 0
    prev = np.uint64(0)
    for t in range(vals.shape[0]):
        key = vals[t] | np.uint64(1)
        if t == 0 or key != prev:
            distinct += 1
            prev = key
    return distinct


def doc_index(seqs: np.ndarray, offs: np.ndarray, docs: np.ndarray,
              large: int = LARGE_DOC) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sorted lookup index of the documents among ``docs`` longer than ``large`` shingles.

    Returns ``(ix_offs, ix_pos, ix_val, ix_distinct)``: document d's shingle values sorted are
    ``ix_val[ix_offs[d]:ix_offs[d + 1]]`` (empty for documents not indexed), at positions
    ``ix_pos[...]`` of the document, and ``ix_distinct[d]`` is its number of distinct shingles
    (0 when not indexed).

    >>> seqs = np.array([5, 3, 5, 9, 1], dtype=np.uint64)
    >>> ix_offs, ix_pos, ix_val, ix_distinct = doc_index(seqs, np.array([0, 3, 5]), np.array([0, 1]), large=2)
    >>> ix_offs.tolist(), ix_val.tolist(), sorted(ix_pos[1:].tolist()), ix_distinct.tolist()
    ([0, 3, 3], [3, 5, 5], [0, 2], [2, 0])
    """
    nd = offs.shape[0] - 1
    lens = np.diff(offs)
    docs = np.unique(np.asarray(docs, dtype=np.int64))
    big = docs[lens[docs] > large]
    sizes = np.zeros(nd + 1, dtype=np.int64)
    sizes[big + 1] = lens[big]
    ix_offs = np.cumsum(sizes)
    ix_pos = np.empty(int(ix_offs[-1]), dtype=np.int64)
    ix_val = np.empty(int(ix_offs[-1]), dtype=np.uint64)
    ix_distinct = np.zeros(nd, dtype=np.int64)
    for d in big.tolist():
        seq = seqs[offs[d] : offs[d + 1]]
        order = np.argsort(seq)  # numpy's sort: several times numba's on millions of values
        i0, i1 = int(ix_offs[d]), int(ix_offs[d + 1])
        ix_pos[i0:i1] = order
        ix_val[i0:i1] = seq[order]
        ix_distinct[d] = _distinct_keys(ix_val[i0:i1])
    return ix_offs, ix_pos, ix_val, ix_distinct


@nb.njit(inline="always")
def _lookup_pair(seqs, offs, ntok, s, tab_s, l, ix_offs, ix_pos, ix_val, k, gap, min_run, min_containment,
                 min_shared, n_s, n_l):
    """Shared distinct shingles of ``s`` (hash table ``tab_s``) and the indexed ``l``, and both
    coverages when they are due: time in proportion to ``s`` and to the matches, not to ``l``.

    Returns (shared, coverage of s, coverage of l).
    """
    s0 = offs[s]
    l0 = offs[l]
    i0 = ix_offs[l]
    i1 = ix_offs[l + 1]
    shared = 0
    m = 0
    for x in range(tab_s.shape[0]):
        key = tab_s[x]
        if key != 0:
            lo, hi = _key_range(ix_val, i0, i1, key)
            if hi > lo:
                shared += 1
                m += hi - lo
    if not (shared > 0 and shared >= min_shared and shared >= min_containment * min(n_s, n_l)):
        return shared, 0.0, 0.0
    ns = offs[s + 1] - s0
    hit = np.empty(ns, dtype=np.int64)
    mh = 0
    for p in range(ns):
        lo, hi = _key_range(ix_val, i0, i1, seqs[s0 + p] | np.uint64(1))
        if hi > lo:
            hit[mh] = p
            mh += 1
    cov_s = _cover_sorted(hit, mh, ns, k, ntok[s], gap, min_run)
    pos = np.empty(m, dtype=np.int64)
    mp = 0
    for x in range(tab_s.shape[0]):
        key = tab_s[x]
        if key != 0:
            lo, hi = _key_range(ix_val, i0, i1, key)
            for t in range(lo, hi):
                pos[mp] = ix_pos[t]
                mp += 1
    pos.sort()
    cov_l = _cover_sorted(pos, mp, offs[l + 1] - l0, k, ntok[l], gap, min_run)
    return shared, cov_s, cov_l


@nb.njit(nogil=True, cache=True, parallel=True)
def _score_pairs(seqs, offs, ntok, pa, pb, k, gap, min_run, min_containment, min_shared, ix_offs, ix_pos,
                 ix_val, ix_distinct):
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
    # Documents in the sorted index (ix_offs) get no hash table: a pair with one of them costs
    # its other document's length (see the module docstring).
    work = np.zeros(n_runs + 1, dtype=np.int64)
    for r in range(n_runs):
        a = pa[run_start[r]]
        a_ix = ix_offs[a + 1] > ix_offs[a]
        w = 0 if a_ix else offs[a + 1] - offs[a]
        for i in range(run_start[r], run_start[r + 1]):
            b = pb[i]
            len_b = offs[b + 1] - offs[b]
            if a_ix or ix_offs[b + 1] > ix_offs[b]:
                len_b = min(len_b, offs[a + 1] - offs[a])
            w += len_b + 1
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
            if ix_offs[pa[i] + 1] == ix_offs[pa[i]]:
                max_a = max(max_a, offs[pa[i] + 1] - offs[pa[i]])
            if ix_offs[pb[i] + 1] == ix_offs[pb[i]]:
                max_b = max(max_b, offs[pb[i] + 1] - offs[pb[i]])
        buf_a = np.empty(_table_size(max_a), dtype=np.uint64)
        buf_b = np.empty(_table_size(max_b), dtype=np.uint64)
        # Why slots and stamps: the coverages need, for every position of both documents,
        # whether its element is in the other; b's table is built probing a's, so those answers
        # are kept as they are found (a's slot of each of its positions, stamped with the pair's
        # number when b holds it) instead of probing each table again with the other's positions.
        slots_a = np.empty(max_a, dtype=np.int32)
        found_a = np.empty(max_a, dtype=np.bool_)
        found_b = np.empty(max_b, dtype=np.bool_)
        flag_b = np.empty(_table_size(max_b), dtype=np.bool_)
        stamp = np.full(_table_size(max_a), -1, dtype=np.int64)
        no_slots = np.empty(0, dtype=np.int32)
        for r in range(r0, r1):
            a = pa[run_start[r]]
            a_ix = ix_offs[a + 1] > ix_offs[a]
            if a_ix:
                ta = buf_a[:0]
                na = ix_distinct[a]
            else:
                ta, na = _build(seqs, offs[a], offs[a + 1], buf_a, slots_a)
            for i in range(run_start[r], run_start[r + 1]):
                b = pb[i]
                b_ix = ix_offs[b + 1] > ix_offs[b]
                if not a_ix and not b_ix:
                    tb, nb_, c = _build_marking(seqs, offs[b], offs[b + 1], buf_b, flag_b, found_b, ta, stamp, i)
                    if c > 0 and c >= min_shared and c >= min_containment * min(na, nb_):
                        len_a = offs[a + 1] - offs[a]
                        for p in range(len_a):
                            found_a[p] = stamp[slots_a[p]] == i
                        cov_a[i] = _cover_found(found_a, len_a, k, ntok[a], gap, min_run)
                        cov_b[i] = _cover_found(found_b, offs[b + 1] - offs[b], k, ntok[b], gap, min_run)
                else:
                    nb_ = ix_distinct[b] if b_ix else 0
                    # s: the side looked up (by its hash table), in the sorted index of the other
                    if not a_ix:
                        s_is_a = True
                        ts = ta
                    elif not b_ix:
                        s_is_a = False
                        ts, nb_ = _build(seqs, offs[b], offs[b + 1], buf_b, no_slots)
                    else:  # both long: the shorter one gets a table
                        s_is_a = offs[a + 1] - offs[a] < offs[b + 1] - offs[b]
                        s = a if s_is_a else b
                        buf = np.empty(_table_size(offs[s + 1] - offs[s]), dtype=np.uint64)
                        ts, _ = _build(seqs, offs[s], offs[s + 1], buf, no_slots)
                    if s_is_a:
                        c, xa, xb = _lookup_pair(seqs, offs, ntok, a, ts, b, ix_offs, ix_pos, ix_val, k, gap, min_run,
                                                 min_containment, min_shared, na, nb_)
                    else:
                        c, xb, xa = _lookup_pair(seqs, offs, ntok, b, ts, a, ix_offs, ix_pos, ix_val, k, gap, min_run,
                                                 min_containment, min_shared, nb_, na)
                    cov_a[i] = xa
                    cov_b[i] = xb
                size_a[i] = na
                size_b[i] = nb_
                inter[i] = c
    return inter, size_a, size_b, cov_a, cov_b


def score_pairs(seqs: np.ndarray, offs: np.ndarray, n_tokens: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                shingle_size: int, gap: int = DEFAULT_GAP, min_run: int = DEFAULT_MIN_RUN,
                min_containment: float = 0.0, min_shared: int = 1,
                index: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> PairScores:
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
        index: :func:`doc_index` of the documents involved (made here when None); the result
            does not depend on which documents it holds, only the time does.

    >>> from retold.fingerprints import fingerprint_batch
    >>> fp = fingerprint_batch(["the cat sat on the mat today", "the cat sat on a mat today"])
    >>> s = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, np.array([0]), np.array([1]), 3)
    >>> int(s.intersection[0]), round(float(s.jaccard[0]), 3)
    (2, 0.25)
    """
    pa = np.ascontiguousarray(pa, dtype=np.int64)
    pb = np.ascontiguousarray(pb, dtype=np.int64)
    if index is None:
        index = doc_index(seqs, offs, np.concatenate([pa, pb]))
    ix_offs, ix_pos, ix_val, ix_distinct = index
    inter, sa, sb, cov_a, cov_b = _score_pairs(seqs, offs, np.asarray(n_tokens, dtype=np.int64), pa, pb,
                                               shingle_size, gap, min_run, min_containment, min_shared,
                                               ix_offs, ix_pos, ix_val, ix_distinct)
    union = sa + sb - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        ca = np.where(sa > 0, inter / np.maximum(sa, 1), 0.0)
        cb = np.where(sb > 0, inter / np.maximum(sb, 1), 0.0)
    return PairScores(intersection=inter, size_a=sa, size_b=sb, jaccard=jac, containment_a=ca,
                      containment_b=cb, coverage_a=cov_a, coverage_b=cov_b)
