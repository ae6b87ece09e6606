"""Passage alignment: which stretches of document B came from document A, with character offsets.

Seed, extend, merge, as passim and textreuse do, but compiled:

1. Seeds are word k-gram shingles that occur in both documents (shingles that repeat many
   times inside one document, like list markers, are not seeds).
2. Seeds on the same diagonal (same offset between positions in A and B) that are at most
   ``gap`` shingles apart join into one segment: a changed word breaks k shingles but not the
   diagonal.
3. Segments whose ends are close in both documents join into one passage even when the
   diagonal shifts a little: an inserted or deleted word moves the diagonal by one.
   Segments far apart, or out of order (reordered sentences), stay separate passages.
4. A passage covers whole words: from the first token of its first shingle to the last token
   of its last shingle, so it never swallows unmatched neighbours.

The score of a passage is the share of its tokens (on the shorter side) covered by matching
shingles; ``verbatim`` when every token is matched and both sides have the same length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fingerprints import shingle_batch
from .jit import nb
from .records import Passage
from .scores import _lower
from .text import Tokens, tokens

DEFAULT_SHINGLE = 3
DEFAULT_GAP = 8
DEFAULT_MIN_WORDS = 8
DEFAULT_MIN_SCORE = 0.5
MAX_SEED_REPEATS = 8
MAX_SHIFT = 3  # diagonal shift (inserted/deleted words) bridged when merging segments


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """Tunables of :func:`align`.

    Attributes:
        shingle_size: words per seed shingle.
        gap: largest gap (in shingles) bridged inside one passage.
        min_words: shortest passage reported, in words (on the shorter side).
        min_score: lowest passage score reported.
    """

    shingle_size: int = DEFAULT_SHINGLE
    gap: int = DEFAULT_GAP
    min_words: int = DEFAULT_MIN_WORDS
    min_score: float = DEFAULT_MIN_SCORE


@nb.njit(nogil=True, cache=True)
def _seeds(sa: np.ndarray, sb: np.ndarray, max_repeats: int):
    """All (i, j) with sa[i] == sb[j], skipping shingles repeated more than max_repeats times."""
    ob = np.argsort(sb, kind="mergesort")
    sbs = sb[ob]
    nb_ = sbs.shape[0]
    cap = 1024
    oi = np.empty(cap, dtype=np.int64)
    oj = np.empty(cap, dtype=np.int64)
    n = 0
    for i in range(sa.shape[0]):
        h = sa[i]
        lo = np.searchsorted(sbs, h)
        hi = lo
        while hi < nb_ and sbs[hi] == h:
            hi += 1
        if hi - lo == 0 or hi - lo > max_repeats:
            continue
        for t in range(lo, hi):
            if n == cap:
                cap *= 2
                oi2 = np.empty(cap, dtype=np.int64)
                oj2 = np.empty(cap, dtype=np.int64)
                oi2[:n] = oi[:n]
                oj2[:n] = oj[:n]
                oi, oj = oi2, oj2
            oi[n] = i
            oj[n] = ob[t]
            n += 1
    return oi[:n], oj[:n]


@nb.njit(inline="always")
def _push(oi, oj, n, i, j):
    if n == oi.shape[0]:
        oi2 = np.empty(2 * n, dtype=np.int64)
        oj2 = np.empty(2 * n, dtype=np.int64)
        oi2[:n] = oi[:n]
        oj2[:n] = oj[:n]
        oi, oj = oi2, oj2
    oi[n] = i
    oj[n] = j
    return oi, oj, n + 1


@nb.njit(inline="always")
def _value_range(vals, i0, i1, h):
    lo = _lower(vals, i0, i1, h)
    if h == np.uint64(0xFFFFFFFFFFFFFFFF):
        return lo, i1
    return lo, _lower(vals, lo, i1, h + np.uint64(1))


@nb.njit(nogil=True, cache=True)
def _seeds_in_b(sa, ix, vals, i0, i1, max_repeats):
    """:func:`_seeds` when B has a sorted index (:func:`retold.scores.doc_index`): time in
    proportion to A, not to B (the same seeds, in another order)."""
    oi = np.empty(1024, dtype=np.int64)
    oj = np.empty(1024, dtype=np.int64)
    n = 0
    for i in range(sa.shape[0]):
        lo, hi = _value_range(vals, i0, i1, sa[i])
        if hi - lo == 0 or hi - lo > max_repeats:
            continue
        for t in range(lo, hi):
            oi, oj, n = _push(oi, oj, n, i, ix[t])
    return oi[:n], oj[:n]


@nb.njit(nogil=True, cache=True)
def _seeds_in_a(sb, ix, vals, i0, i1, max_repeats):
    """:func:`_seeds` when A has a sorted index: time in proportion to B and to the seeds."""
    ob = np.argsort(sb, kind="mergesort")
    sbs = sb[ob]
    oi = np.empty(1024, dtype=np.int64)
    oj = np.empty(1024, dtype=np.int64)
    n = 0
    g0 = 0
    while g0 < sbs.shape[0]:
        g1 = g0 + 1
        while g1 < sbs.shape[0] and sbs[g1] == sbs[g0]:
            g1 += 1
        if g1 - g0 <= max_repeats:
            lo, hi = _value_range(vals, i0, i1, sbs[g0])
            for t in range(lo, hi):
                for u in range(g0, g1):
                    oi, oj, n = _push(oi, oj, n, ix[t], ob[u])
        g0 = g1
    return oi[:n], oj[:n]


@nb.njit(nogil=True, cache=True)
def _segments(si: np.ndarray, sj: np.ndarray, gap: int):
    """Runs of seeds on one diagonal, consecutive seeds at most ``gap`` apart.

    Returns arrays (a0, a1, b0, b1, matched) in shingle positions, a1/b1 inclusive, and the
    segment of each seed.
    """
    n = si.shape[0]
    seg_of = np.empty(n, dtype=np.int64)
    diag = sj - si
    span = np.int64(si.max() + 1) if n else np.int64(1)
    # sort by (diagonal, position in A) with one int64 key
    order = np.argsort((diag - diag.min()) * span + si, kind="mergesort")
    a0 = np.empty(n, dtype=np.int64)
    a1 = np.empty(n, dtype=np.int64)
    b0 = np.empty(n, dtype=np.int64)
    b1 = np.empty(n, dtype=np.int64)
    cnt = np.empty(n, dtype=np.int64)
    m = 0
    k = 0
    while k < n:
        t = order[k]
        d = diag[t]
        a0[m] = si[t]
        a1[m] = si[t]
        b0[m] = sj[t]
        b1[m] = sj[t]
        cnt[m] = 1
        seg_of[t] = m
        k += 1
        while k < n:
            u = order[k]
            if diag[u] != d or si[u] - a1[m] > gap:
                break
            a1[m] = si[u]
            b1[m] = sj[u]
            cnt[m] += 1
            seg_of[u] = m
            k += 1
        m += 1
    return a0[:m], a1[:m], b0[:m], b1[:m], cnt[:m], seg_of


@nb.njit(nogil=True, cache=True)
def _merge(a0, a1, b0, b1, cnt, gap, max_shift):
    """Join segments, in order along A, whose ends are close in both documents.

    Returns (a0, a1, b0, b1, matched, n_segments) of the merged passages, and the passage of
    each segment.
    """
    n = a0.shape[0]
    span = np.int64(b0.max() + 1) if n else np.int64(1)
    order = np.argsort(a0 * span + b0, kind="mergesort")
    a0_sorted = a0[order]
    used = np.zeros(n, dtype=np.bool_)
    out_a0 = np.empty(n, dtype=np.int64)
    out_a1 = np.empty(n, dtype=np.int64)
    out_b0 = np.empty(n, dtype=np.int64)
    out_b1 = np.empty(n, dtype=np.int64)
    out_c = np.empty(n, dtype=np.int64)
    out_s = np.empty(n, dtype=np.int64)
    pass_of = np.empty(n, dtype=np.int64)
    m = 0
    for x in range(n):
        s = order[x]
        if used[s]:
            continue
        used[s] = True
        pass_of[s] = m
        ca0, ca1, cb0, cb1, cc, ns = a0[s], a1[s], b0[s], b1[s], cnt[s], 1
        # greedily extend with the closest unused segment that continues this one
        progress = True
        while progress:
            progress = False
            best = -1
            best_gap = gap + 1
            # segments starting before ca1 - gap cannot continue this one (da < -gap), and every
            # segment before x is used: start where a continuation can start. Why: rescanning
            # from x + 1 after each join made a long passage of many segments quadratic.
            y0 = max(x + 1, np.searchsorted(a0_sorted, ca1 - gap))
            for y in range(y0, n):
                t = order[y]
                if a0[t] - ca1 > gap:
                    break
                if used[t]:
                    continue
                da = a0[t] - ca1
                db = b0[t] - cb1
                if da < -gap or db < -gap or db > gap or abs(da - db) > max_shift:
                    continue
                g = max(da, db)
                if g < best_gap:
                    best_gap = g
                    best = t
            if best >= 0:
                used[best] = True
                pass_of[best] = m
                ca1 = max(ca1, a1[best])
                cb1 = max(cb1, b1[best])
                cc += cnt[best]
                ns += 1
                progress = True
        out_a0[m], out_a1[m], out_b0[m], out_b1[m], out_c[m], out_s[m] = ca0, ca1, cb0, cb1, cc, ns
        m += 1
    return out_a0[:m], out_a1[:m], out_b0[:m], out_b1[:m], out_c[:m], out_s[:m], pass_of


@nb.njit(nogil=True, cache=True)
def _coverage_in(pos: np.ndarray, lo: int, hi: int, k: int) -> int:
    """Tokens in [lo, hi + k) covered by matched shingles starting at sorted positions ``pos``."""
    covered = 0
    end = lo
    i0 = np.searchsorted(pos, lo)
    for t in range(i0, pos.shape[0]):
        p = pos[t]
        if p > hi:
            break
        s = max(p, end)
        e = p + k
        if e > s:
            covered += e - s
            end = e
    return covered


@nb.njit(nogil=True, cache=True)
def _b_first(sa, sb) -> bool:
    """Whether B leads the pair: the longer sequence is aligned as A (ties: the larger by value).

    Why a fixed lead: seeding, merging and keeping passages apart all read the pair in one
    direction, so "a then b" and "b then a" gave different passages and scores. Which document
    leads is now decided by their contents alone, never by their order in the input. (The longer
    one leads because repeated shingles are filtered on the B side: a short text quoted many
    times in a long one is still seen.)
    """
    if sb.shape[0] != sa.shape[0]:
        return sb.shape[0] > sa.shape[0]
    for t in range(sa.shape[0]):
        if sa[t] != sb[t]:
            return sb[t] > sa[t]
    return False


@nb.njit(nogil=True, cache=True)
def align_shingles(sa, sb, k, gap, max_shift, min_words, min_score, max_repeats):
    """Passages between two shingle sequences, in token positions.

    Returns (a_tok0, a_tok1, b_tok0, b_tok1, score, verbatim), token ranges inclusive, sorted
    by position in A, never overlapping on either side; swapping A and B swaps the sides of the
    result and changes nothing else. Works on k-gram shingles, so it never needs the text
    itself: the corpus path runs it on the stored sequences and maps tokens to characters at
    the end.
    """
    if _b_first(sa, sb):
        si, sj = _seeds(sb, sa, max_repeats)
        return _swap_sides(*_align_seeds(si, sj, k, gap, max_shift, min_words, min_score))
    si, sj = _seeds(sa, sb, max_repeats)
    return _align_seeds(si, sj, k, gap, max_shift, min_words, min_score)


@nb.njit(nogil=True, cache=True)
def _swap_sides(a0, a1, b0, b1, sc, vb):
    order = np.argsort(b0 * (a0.max() + 1 if a0.shape[0] else 1) + a0, kind="mergesort")
    return b0[order], b1[order], a0[order], a1[order], sc[order], vb[order]


@nb.njit(inline="always")
def _hits(lo, hi, ks, ke, nk) -> bool:
    """Whether the token range [lo, hi] meets one of the kept ranges [ks[t], ke[t]]."""
    for t in range(nk):  # noqa: SIM110 - numba compiles no generator expressions
        if ks[t] <= hi and ke[t] >= lo:
            return True
    return False


@nb.njit(nogil=True, cache=True)
def _any_overlap(lo, hi) -> bool:
    order = np.argsort(lo, kind="mergesort")
    end = np.int64(-1)
    for t in order:
        if lo[t] <= end:
            return True
        end = max(end, hi[t])
    return False


@nb.njit(nogil=True, cache=True)
def _disjoint(si, sj, seed_pass, pid, ra0, ra1, rb0, rb1, rsc, rvb, cnt, k, min_words, min_score, pos_a, pos_b):
    """Passages that never overlap on either side, from passages that may.

    A sentence repeated in one document matches the same sentence of the other twice, so two
    passages can claim the same words of one side (and a word can end one passage and start
    the next), which counted those words twice: coverage above 1, scores that depended on the
    order of the pair. Passages are taken from the most matched shingles down; a passage that
    meets what is already taken keeps only its seeds outside it, cut into pieces where taken
    text lies between them, and each piece must again pass ``min_words`` and ``min_score``.
    ``pid``: each passage's index in ``seed_pass`` (the merged passage of each seed).
    """
    n = ra0.shape[0]
    # the passages kept so far (token ranges, inclusive) are also what is taken on each side
    cap = n + 4
    o_a0 = np.empty(cap, dtype=np.int64)
    o_a1 = np.empty(cap, dtype=np.int64)
    o_b0 = np.empty(cap, dtype=np.int64)
    o_b1 = np.empty(cap, dtype=np.int64)
    o_s = np.empty(cap, dtype=np.float64)
    o_v = np.empty(cap, dtype=np.bool_)
    m = 0
    # seeds grouped by merged passage, in order of position in A (then B): two stable sorts,
    # one combined key could overflow on long documents
    by_pos = np.argsort(si * (sj.max() + 1) + sj, kind="mergesort")
    by_pass = by_pos[np.argsort(seed_pass[by_pos], kind="mergesort")]
    sp_sorted = seed_pass[by_pass]
    span = np.int64(rb0.max() + 1)
    by_start = np.argsort(ra0 * span + rb0, kind="mergesort")
    order = by_start[np.argsort(-cnt[by_start], kind="mergesort")]
    for x in order:
        if m == o_a0.shape[0]:
            o_a0, o_a1, o_b0, o_b1 = _grow(o_a0, 2 * m), _grow(o_a1, 2 * m), _grow(o_b0, 2 * m), _grow(o_b1, 2 * m)
            o_s, o_v = _grow(o_s, 2 * m), _grow(o_v, 2 * m)
        if not _hits(ra0[x], ra1[x], o_a0, o_a1, m) and not _hits(rb0[x], rb1[x], o_b0, o_b1, m):
            o_a0[m], o_a1[m], o_b0[m], o_b1[m], o_s[m], o_v[m] = ra0[x], ra1[x], rb0[x], rb1[x], rsc[x], rvb[x]
            m += 1
            continue
        lo = np.searchsorted(sp_sorted, pid[x])
        hi = np.searchsorted(sp_sorted, pid[x] + 1)
        # the seeds outside what is taken, cut where taken text lies between two of them
        first = -1
        first_t = lo
        prev = -1
        t = lo
        while t <= hi:
            cut = t == hi
            u = -1
            if not cut:
                u = by_pass[t]
                if _hits(si[u], si[u] + k - 1, o_a0, o_a1, m) or _hits(sj[u], sj[u] + k - 1, o_b0, o_b1, m):
                    t += 1
                    continue
                if prev >= 0:
                    if si[prev] + k <= si[u] - 1 and _hits(si[prev] + k, si[u] - 1, o_a0, o_a1, m):
                        cut = True
                    j0 = min(sj[prev], sj[u])
                    j1 = max(sj[prev], sj[u])
                    if j0 + k <= j1 - 1 and _hits(j0 + k, j1 - 1, o_b0, o_b1, m):
                        cut = True
            if cut and first >= 0:
                # the piece [first .. prev] of this passage's seeds (in A order)
                pa0 = si[first]
                pa1 = si[prev]
                pb0 = sj[first]
                pb1 = sj[first]
                one_diag = True
                count = 0
                for w in range(first_t, t):
                    v = by_pass[w]
                    if _hits(si[v], si[v] + k - 1, o_a0, o_a1, m) or _hits(sj[v], sj[v] + k - 1, o_b0, o_b1, m):
                        continue
                    pb0 = min(pb0, sj[v])
                    pb1 = max(pb1, sj[v])
                    one_diag = one_diag and sj[v] - si[v] == sj[first] - si[first]
                    count += 1
                len_a = pa1 - pa0 + k
                len_b = pb1 - pb0 + k
                if (min(len_a, len_b) >= min_words and not _hits(pa0, pa1 + k - 1, o_a0, o_a1, m)
                        and not _hits(pb0, pb1 + k - 1, o_b0, o_b1, m)):
                    score = min(_coverage_in(pos_a, pa0, pa1, k) / len_a, _coverage_in(pos_b, pb0, pb1, k) / len_b)
                    if score >= min_score:
                        if m == o_a0.shape[0]:
                            o_a0, o_a1 = _grow(o_a0, 2 * m), _grow(o_a1, 2 * m)
                            o_b0, o_b1 = _grow(o_b0, 2 * m), _grow(o_b1, 2 * m)
                            o_s, o_v = _grow(o_s, 2 * m), _grow(o_v, 2 * m)
                        o_a0[m], o_a1[m], o_b0[m], o_b1[m] = pa0, pa1 + k - 1, pb0, pb1 + k - 1
                        o_s[m] = score
                        o_v[m] = one_diag and count == pa1 - pa0 + 1 and len_a == len_b
                        m += 1
                first = -1
            if t == hi:
                break
            if first < 0:
                first = u
                first_t = t
            prev = u
            t += 1
    keep = np.argsort(o_a0[:m] * span + o_b0[:m], kind="mergesort")
    return o_a0[keep], o_a1[keep], o_b0[keep], o_b1[keep], o_s[keep], o_v[keep]


@nb.njit(nogil=True, cache=True)
def _align_seeds(si, sj, k, gap, max_shift, min_words, min_score):
    """:func:`align_shingles` from its seeds (in any order)."""
    n0 = si.shape[0]
    ra0 = np.empty(n0, dtype=np.int64)
    ra1 = np.empty(n0, dtype=np.int64)
    rb0 = np.empty(n0, dtype=np.int64)
    rb1 = np.empty(n0, dtype=np.int64)
    rsc = np.empty(n0, dtype=np.float64)
    rvb = np.empty(n0, dtype=np.bool_)
    if n0 == 0:
        return ra0, ra1, rb0, rb1, rsc, rvb
    a0, a1, b0, b1, cnt, seg_of = _segments(si, sj, gap)
    a0, a1, b0, b1, cnt, nseg, pass_of = _merge(a0, a1, b0, b1, cnt, gap, max_shift)
    pos_a = np.unique(si)
    pos_b = np.unique(sj)
    pid = np.empty(n0, dtype=np.int64)
    rcnt = np.empty(n0, dtype=np.int64)
    m = 0
    for x in range(a0.shape[0]):
        len_a = a1[x] - a0[x] + k
        len_b = b1[x] - b0[x] + k
        if min(len_a, len_b) < min_words:
            continue
        cov_a = _coverage_in(pos_a, a0[x], a1[x], k) / len_a
        cov_b = _coverage_in(pos_b, b0[x], b1[x], k) / len_b
        score = min(cov_a, cov_b)
        if score < min_score:
            continue
        # one diagonal run with every shingle matched: the token sequences are identical
        ra0[m], ra1[m], rb0[m], rb1[m] = a0[x], a1[x] + k - 1, b0[x], b1[x] + k - 1
        rsc[m] = score
        rvb[m] = nseg[x] == 1 and cnt[x] == a1[x] - a0[x] + 1 and len_a == len_b
        pid[m] = x
        rcnt[m] = cnt[x]
        m += 1
    if m > 1 and (_any_overlap(ra0[:m], ra1[:m]) or _any_overlap(rb0[:m], rb1[:m])):
        return _disjoint(si, sj, pass_of[seg_of], pid[:m], ra0[:m], ra1[:m], rb0[:m], rb1[:m], rsc[:m], rvb[:m],
                         rcnt[:m], k, min_words, min_score, pos_a, pos_b)
    return ra0[:m], ra1[:m], rb0[:m], rb1[:m], rsc[:m], rvb[:m]


@nb.njit(nogil=True, cache=True)
def align_batch(seqs, offs, pa, pb, k, gap, max_shift, min_words, min_score, max_repeats, ix_offs, ix_pos,
                ix_val):
    """:func:`align_shingles` for many pairs of stored documents (``seqs``/``offs`` as in a store).

    ``ix_offs``/``ix_pos``/``ix_val``: :func:`retold.scores.doc_index` of the long documents. A pair with one
    of them finds its seeds through the index, in time proportional to the other document (and
    to the seeds), so that a long document paired with many others is not sorted once a pair.

    Returns flat arrays (pair, a_tok0, a_tok1, b_tok0, b_tok1, score, verbatim), grouped by pair.
    """
    cap = 1024
    o_p = np.empty(cap, dtype=np.int64)
    o_a0 = np.empty(cap, dtype=np.int64)
    o_a1 = np.empty(cap, dtype=np.int64)
    o_b0 = np.empty(cap, dtype=np.int64)
    o_b1 = np.empty(cap, dtype=np.int64)
    o_s = np.empty(cap, dtype=np.float64)
    o_v = np.empty(cap, dtype=np.bool_)
    m = 0
    for i in range(pa.shape[0]):
        a, b = pa[i], pb[i]
        sa = seqs[offs[a] : offs[a + 1]]
        sb = seqs[offs[b] : offs[b + 1]]
        if sa.shape[0] == 0 or sb.shape[0] == 0:
            continue
        swap = _b_first(sa, sb)
        if swap:  # the lead is decided by content (see _b_first), then the sides are swapped back
            a, b = b, a
            sa, sb = sb, sa
        a_ix = ix_offs[a + 1] > ix_offs[a]
        b_ix = ix_offs[b + 1] > ix_offs[b]
        if b_ix and (not a_ix or sa.shape[0] <= sb.shape[0]):
            si, sj = _seeds_in_b(sa, ix_pos, ix_val, ix_offs[b], ix_offs[b + 1], max_repeats)
        elif a_ix:
            si, sj = _seeds_in_a(sb, ix_pos, ix_val, ix_offs[a], ix_offs[a + 1], max_repeats)
        else:
            si, sj = _seeds(sa, sb, max_repeats)
        a0, a1, b0, b1, sc, vb = _align_seeds(si, sj, k, gap, max_shift, min_words, min_score)
        if swap:
            a0, a1, b0, b1, sc, vb = _swap_sides(a0, a1, b0, b1, sc, vb)
        n = a0.shape[0]
        if m + n > cap:
            while m + n > cap:
                cap *= 2
            o_p = _grow(o_p, cap)
            o_a0 = _grow(o_a0, cap)
            o_a1 = _grow(o_a1, cap)
            o_b0 = _grow(o_b0, cap)
            o_b1 = _grow(o_b1, cap)
            o_s = _grow(o_s, cap)
            o_v = _grow(o_v, cap)
        for x in range(n):
            o_p[m], o_a0[m], o_a1[m], o_b0[m], o_b1[m], o_s[m], o_v[m] = i, a0[x], a1[x], b0[x], b1[x], sc[x], vb[x]
            m += 1
    return o_p[:m], o_a0[:m], o_a1[:m], o_b0[:m], o_b1[:m], o_s[:m], o_v[:m]


@nb.njit(inline="always")
def _grow(arr, cap):
    out = np.empty(cap, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


def _shingles(tok: Tokens, k: int) -> np.ndarray:
    sh, _ = shingle_batch(tok.hashes, np.array([0, len(tok)], dtype=np.int64), k)
    return sh


def align_tokens(ta: Tokens, tb: Tokens, options: AlignOptions | None = None) -> list[Passage]:
    """Passages shared by two tokenised documents (offsets are those of the Tokens)."""
    opt = options or AlignOptions()
    k = opt.shingle_size
    if len(ta) < k or len(tb) < k:
        # shorter than one shingle: only an identical token sequence counts
        same = len(ta) and len(ta) == len(tb) and np.array_equal(ta.hashes, tb.hashes)
        if same and len(ta) >= opt.min_words:
            return [Passage(int(ta.starts[0]), int(ta.ends[-1]), int(tb.starts[0]), int(tb.ends[-1]),
                            "verbatim", 1.0)]
        return []
    a0, a1, b0, b1, sc, vb = align_shingles(_shingles(ta, k), _shingles(tb, k), k, opt.gap, MAX_SHIFT,
                                            opt.min_words, opt.min_score, MAX_SEED_REPEATS)
    return [Passage(int(ta.starts[a0[x]]), int(ta.ends[a1[x]]), int(tb.starts[b0[x]]), int(tb.ends[b1[x]]),
                    "verbatim" if vb[x] else "near_verbatim", float(sc[x])) for x in range(a0.shape[0])]


def align(text_a: str, text_b: str, options: AlignOptions | None = None) -> list[Passage]:
    """Passages of ``text_b`` that come from ``text_a``, as ``[start, end)`` character offsets.

    >>> a = "Kim was quick to deny Putin assistance, according to XSoviet-News author Sarah Hurst."
    >>> b = "Unrelated opening words here. KIM was quick to deny Putin assistance, according to Hurst."
    >>> [(b[p.b_start:p.b_end], p.kind) for p in align(a, b)]
    [('KIM was quick to deny Putin assistance, according to', 'verbatim')]
    """
    return align_tokens(tokens(text_a), tokens(text_b), options)
