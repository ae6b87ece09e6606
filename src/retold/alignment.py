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


@nb.njit(nogil=True, cache=True)
def _segments(si: np.ndarray, sj: np.ndarray, gap: int):
    """Runs of seeds on one diagonal, consecutive seeds at most ``gap`` apart.

    Returns arrays (a0, a1, b0, b1, matched) in shingle positions, a1/b1 inclusive.
    """
    n = si.shape[0]
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
        k += 1
        while k < n:
            u = order[k]
            if diag[u] != d or si[u] - a1[m] > gap:
                break
            a1[m] = si[u]
            b1[m] = sj[u]
            cnt[m] += 1
            k += 1
        m += 1
    return a0[:m], a1[:m], b0[:m], b1[:m], cnt[:m]


@nb.njit(nogil=True, cache=True)
def _merge(a0, a1, b0, b1, cnt, gap, max_shift):
    """Join segments, in order along A, whose ends are close in both documents.

    Returns (a0, a1, b0, b1, matched, n_segments) of the merged passages.
    """
    n = a0.shape[0]
    span = np.int64(b0.max() + 1) if n else np.int64(1)
    order = np.argsort(a0 * span + b0, kind="mergesort")
    used = np.zeros(n, dtype=np.bool_)
    out_a0 = np.empty(n, dtype=np.int64)
    out_a1 = np.empty(n, dtype=np.int64)
    out_b0 = np.empty(n, dtype=np.int64)
    out_b1 = np.empty(n, dtype=np.int64)
    out_c = np.empty(n, dtype=np.int64)
    out_s = np.empty(n, dtype=np.int64)
    m = 0
    for x in range(n):
        s = order[x]
        if used[s]:
            continue
        used[s] = True
        ca0, ca1, cb0, cb1, cc, ns = a0[s], a1[s], b0[s], b1[s], cnt[s], 1
        # greedily extend with the closest unused segment that continues this one
        progress = True
        while progress:
            progress = False
            best = -1
            best_gap = gap + 1
            for y in range(x + 1, n):
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
                ca1 = max(ca1, a1[best])
                cb1 = max(cb1, b1[best])
                cc += cnt[best]
                ns += 1
                progress = True
        out_a0[m], out_a1[m], out_b0[m], out_b1[m], out_c[m], out_s[m] = ca0, ca1, cb0, cb1, cc, ns
        m += 1
    return out_a0[:m], out_a1[:m], out_b0[:m], out_b1[:m], out_c[:m], out_s[:m]


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
def align_shingles(sa, sb, k, gap, max_shift, min_words, min_score, max_repeats):
    """Passages between two shingle sequences, in token positions.

    Returns (a_tok0, a_tok1, b_tok0, b_tok1, score, verbatim), token ranges inclusive, sorted
    by position in A. Works on k-gram shingles, so it never needs the text itself: the
    corpus path runs it on the stored sequences and maps tokens to characters at the end.
    """
    si, sj = _seeds(sa, sb, max_repeats)
    n0 = si.shape[0]
    ra0 = np.empty(n0, dtype=np.int64)
    ra1 = np.empty(n0, dtype=np.int64)
    rb0 = np.empty(n0, dtype=np.int64)
    rb1 = np.empty(n0, dtype=np.int64)
    rsc = np.empty(n0, dtype=np.float64)
    rvb = np.empty(n0, dtype=np.bool_)
    if n0 == 0:
        return ra0, ra1, rb0, rb1, rsc, rvb
    a0, a1, b0, b1, cnt = _segments(si, sj, gap)
    a0, a1, b0, b1, cnt, nseg = _merge(a0, a1, b0, b1, cnt, gap, max_shift)
    pos_a = np.unique(si)
    pos_b = np.unique(sj)
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
        m += 1
    return ra0[:m], ra1[:m], rb0[:m], rb1[:m], rsc[:m], rvb[:m]


@nb.njit(nogil=True, cache=True)
def align_batch(seqs, offs, pa, pb, k, gap, max_shift, min_words, min_score, max_repeats):
    """:func:`align_shingles` for many pairs of stored documents (``seqs``/``offs`` as in a store).

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
        a0, a1, b0, b1, sc, vb = align_shingles(sa, sb, k, gap, max_shift, min_words, min_score, max_repeats)
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
