"""Lexical evidence of sentences, compiled: weighted bags of stemmed content words and number sets.

:func:`lexical_features` is the batch kernel behind :func:`retold.semantic.sentence_features`;
:func:`sentence_terms` is its readable reference (the tests check they agree).
Per sentence it computes what the paraphrase similarity needs:

- a bag of content words (stop words out), each stemmed (:func:`stem`), names
  (a capital not at the start of the sentence) weighted 1.5 and numbers 2.0, feature-hashed with a
  sign into ``lex_dim`` dimensions and L2-normalised;
- the set of its numbers (``13,500`` -> ``13500``), hashed into ``num_dim`` 0/1 slots;
- its word count and its count of content words.

Why compiled: the paraphrase tier screens every candidate pair lexically before the model sees
it, so tens of thousands of documents pass through here; the Python reference manages about
10,000-20,000 sentences a second, this kernel 300,000-400,000 on 2 cores
(``benchmarks/paraphrase_eval.py``, section ``speed``).

Text goes in as Unicode code points (one ``utf-32`` encode per batch); character classes
(Python's ``\\w``, ``\\d``, ``isupper``, ``lower``) come from tables over the Basic Multilingual
Plane built once with :mod:`unicodedata`-backed ``str`` methods, so the kernel matches Python's
regular expressions on every script there. One known difference: a capital whose lower case is two
characters (``İ``) keeps its case in the kernel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .jit import nb
from .text import fmix64

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_WORD, _DIGIT, _UPPER = 1, 2, 4
NAME_WEIGHT = 1.5
NUMBER_WEIGHT = 2.0


#: English function words: they carry no evidence that two sentences say the same thing.
STOPWORDS: frozenset[str] = frozenset(
    str.split(
        """a an the and or but if then than that this these those there here of in on at to for from by with
    about as into onto over under after before between through during without within against among is are
    was were be been being am has have had having do does did doing will would shall should can could may
    might must it its it's he him his she her hers they them their theirs we us our ours you your yours i me
    my mine who whom whose which what when where why how not no nor so too very just also only such own same
    other some any each few more most all both either neither s t said says say told according mr mrs ms"""
    )
)
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)*|\w+", re.UNICODE)  # 13,500 and 13.5 are one token
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def stem(word: str) -> str:
    """A crude English stem: lowercase, drop a few inflections, keep at most 6 characters.

    Enough to match ``allegedly``/``alleged`` and ``assistance``/``assist``; harmless elsewhere.

    >>> [stem(w) for w in ["allegedly", "alleged", "Assistance", "assist", "troops", "2024"]]
    ['alleg', 'alleg', 'assist', 'assist', 'troop', '2024']
    """
    w = word.lower()
    if w.isdigit() or len(w) <= 4:
        return w
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    for suf in ("ing", "ed", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            w = w[: -len(suf)]
            break
    return w[:6]


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    """What the lexical features need of one sentence.

    Attributes:
        terms: stemmed content words with their weights (names and numbers weighted up).
        numbers: the numbers in it, normalised (``13,500`` -> ``13500``).
        n_words: word count.
    """

    terms: dict[str, float]
    numbers: frozenset[str]
    n_words: int


def sentence_terms(text: str) -> SentenceTerms:
    """Weighted content terms, numbers and length of one sentence.

    >>> t = sentence_terms("Russia has lost up to 13,500 troops, Kim said.")
    >>> sorted(t.terms.items()), sorted(t.numbers), t.n_words
    ([('13500', 2.0), ('kim', 1.5), ('lost', 1.0), ('russia', 1.0), ('troop', 1.0), ('up', 1.0)], ['13500'], 9)
    """
    words = _WORD_RE.findall(text)
    terms: dict[str, float] = {}
    for k, w in enumerate(words):
        low = w.lower()
        if low in STOPWORDS:
            continue
        if w[0].isdigit():
            key, weight = w.replace(",", ""), NUMBER_WEIGHT
        else:
            # a capital inside the sentence marks a name; the first word is capitalised anyway
            key, weight = stem(w), (NAME_WEIGHT if k > 0 and w[0].isupper() else 1.0)
        terms[key] = max(terms.get(key, 0.0), weight)
    nums = frozenset(n.replace(",", "") for n in _NUMBER_RE.findall(text))
    return SentenceTerms(terms, nums, len(words))


def hashed_vectors(bags: Sequence[dict[str, float]], dim: int, signed: bool = True) -> np.ndarray:
    """Feature-hash weighted bags into L2-normalised float32 rows (signed hashing keeps dot products unbiased).

    The reference for :func:`lexical_features` (same key hash).

    >>> v = hashed_vectors([{"kim": 1.0, "putin": 1.0}, {"kim": 1.0}], 256)
    >>> round(float(v[0] @ v[1]), 3)
    0.707
    """
    out = np.zeros((len(bags), dim), dtype=np.float32)
    for r, bag in enumerate(bags):
        hashes = key_hashes(list(bag)).tolist() if bag else []
        for h, w in zip(hashes, bag.values()):
            sign = -1.0 if (signed and (h >> 63) & 1) else 1.0
            out[r, h % dim] += sign * w
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out



@lru_cache(maxsize=1)
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """(classes uint8 [65536]: bit 1 word character, 2 decimal digit, 4 upper case;
    lower uint32 [65536]: the lower-case code point where ``str.lower`` gives one character).

    Asking Python about 65,536 characters takes a third of a second, so the tables are kept in
    the kernel cache folder, per Python version and Unicode version (they depend on nothing else).

    >>> cls, low = char_tables()
    >>> int(cls[ord("A")]), int(low[ord("A")]) == ord("a"), int(cls[ord("7")]), int(cls[ord(" ")])
    (5, True, 3, 0)
    """
    import sys
    import unicodedata

    from .jit import kernel_cache_dir

    path = kernel_cache_dir() / (f"char-tables-py{sys.version_info[0]}{sys.version_info[1]}-"
                                 f"unicode{unicodedata.unidata_version}.npy")
    try:
        both = np.load(path)
        if both.shape == (2, 0x10000):
            return both[0].astype(np.uint8), both[1].astype(np.uint32)
    except (OSError, ValueError, EOFError):
        pass
    cls, low = _char_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part.npy")
        np.save(tmp, np.stack([cls.astype(np.uint32), low]))
        os.replace(tmp, path)
    except OSError:
        pass
    return cls, low


def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    cls = np.zeros(0x10000, dtype=np.uint8)
    low = np.arange(0x10000, dtype=np.uint32)
    for c in range(0x10000):
        ch = chr(c)
        if ch.isalnum() or ch == "_":
            cls[c] |= _WORD
        if ch.isdecimal():
            cls[c] |= _DIGIT
        if ch.isupper():
            cls[c] |= _UPPER
            lo = ch.lower()
            if len(lo) == 1:
                low[c] = ord(lo)
    return cls, low


@nb.njit(inline="always")
def _cls(table, cp) -> int:
    # outside the BMP: letters of historic and CJK-extension scripts; count them as word characters
    return table[cp] if cp < 0x10000 else 1


@nb.njit(inline="always")
def _hash_span(buf, start, end) -> np.uint64:
    h = _FNV_OFFSET
    for i in range(start, end):
        h ^= np.uint64(buf[i])
        h *= _FNV_PRIME
    return fmix64(h)


@nb.njit(nogil=True, cache=True)
def _hash_keys(cps, bounds):
    out = np.empty(bounds.shape[0] - 1, dtype=np.uint64)
    for k in range(out.shape[0]):
        out[k] = _hash_span(cps, bounds[k], bounds[k + 1])
    return out


def key_hashes(keys: Sequence[str]) -> np.ndarray:
    """The kernel's hash of each key string (FNV-1a over code points, then fmix64).

    >>> key_hashes(["kim", "kim", "putin"]).tolist()[0] == key_hashes(["kim"]).tolist()[0]
    True
    """
    cps, bounds = _encode(list(keys))
    return _hash_keys(cps, bounds)


def _encode(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    parts = [t.encode("utf-32-le", errors="surrogatepass") for t in texts]
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) // 4 for p in parts], out=bounds[1:])
    cps = np.frombuffer(b"".join(parts), dtype=np.uint32) if parts else np.zeros(0, dtype=np.uint32)
    return cps, bounds


@nb.njit(nogil=True, cache=True)
def _stem_len(w, n) -> int:
    """Length of the stem of lower-cased word ``w[:n]`` (see :func:`stem`)."""
    if n <= 4:
        return n
    if n > 5 and w[n - 2] == 108 and w[n - 1] == 121:  # "ly"
        n -= 2
    if n >= 7 and w[n - 3] == 105 and w[n - 2] == 110 and w[n - 1] == 103:  # "ing"
        n -= 3
    elif n >= 6 and w[n - 2] == 101 and (w[n - 1] == 100 or w[n - 1] == 115):  # "ed", "es"
        n -= 2
    elif n >= 5 and w[n - 1] == 115:  # "s"
        n -= 1
    return min(n, 6)


@nb.njit(nogil=True, cache=True)
def _is_member(sorted_set, h) -> bool:
    i = np.searchsorted(sorted_set, h)
    return i < sorted_set.shape[0] and sorted_set[i] == h


@nb.njit(nogil=True, cache=True, parallel=True)
def _features_kernel(cps, bounds, table, lower, stop, lex_dim, num_dim, name_w, num_w):
    n = bounds.shape[0] - 1
    # rows are written at their sentence's start (a sentence has fewer terms than characters),
    # then compacted: no second scan to count them
    tmp_idx = np.empty(cps.shape[0] + 1, dtype=np.int32)
    tmp_val = np.empty(cps.shape[0] + 1, dtype=np.float32)
    tmp_num = np.empty(cps.shape[0] + 1, dtype=np.int32)
    lex_n = np.zeros(n, dtype=np.int64)
    num_n = np.zeros(n, dtype=np.int64)
    n_words = np.zeros(n, dtype=np.float32)
    n_content = np.zeros(n, dtype=np.float32)
    seq = np.zeros(n, dtype=np.uint64)
    for s in nb.prange(n):
        start, end = bounds[s], bounds[s + 1]
        size = end - start
        keys = np.empty(size + 1, dtype=np.uint64)
        weights = np.empty(size + 1, dtype=np.float32)
        is_num = np.empty(size + 1, dtype=np.bool_)
        word = np.empty(size + 1, dtype=np.uint32)
        nk = 0
        k = 0
        sh = _FNV_OFFSET
        i = start
        while i < end:
            c = _cls(table, cps[i])
            if c & 2:
                # \d+(?:[.,]\d+)*, with the commas dropped from the key
                m = 0
                j = i
                while j < end:
                    if _cls(table, cps[j]) & 2:
                        word[m] = cps[j]
                        m += 1
                        j += 1
                    elif (cps[j] == 46 or cps[j] == 44) and j + 1 < end and _cls(table, cps[j + 1]) & 2:
                        if cps[j] == 46:
                            word[m] = 46
                            m += 1
                        j += 1
                    else:
                        break
                keys[nk] = _hash_span(word, 0, m)
                sh = (sh ^ keys[nk]) * _FNV_PRIME
                weights[nk] = num_w
                is_num[nk] = True
                nk += 1
                k += 1
                i = j
            elif c & 1:
                j = i
                m = 0
                while j < end and _cls(table, cps[j]) & 1:
                    cp = cps[j]
                    word[m] = lower[cp] if cp < 0x10000 else cp
                    m += 1
                    j += 1
                h = _hash_span(word, 0, m)
                sh = (sh ^ h) * _FNV_PRIME
                if not _is_member(stop, h):
                    keys[nk] = _hash_span(word, 0, _stem_len(word, m))
                    weights[nk] = name_w if (k > 0 and (c & 4)) else 1.0
                    is_num[nk] = False
                    nk += 1
                k += 1
                i = j
            else:
                i += 1
        n_words[s] = k
        seq[s] = fmix64(sh)
        if nk == 0:
            continue
        order = np.argsort(keys[:nk])
        slots = np.empty(nk, dtype=np.int64)
        vals = np.empty(nk, dtype=np.float32)
        numslots = np.empty(nk, dtype=np.int64)
        ns = 0
        nn = 0
        content = 0
        r = 0
        while r < nk:
            h = keys[order[r]]
            w = weights[order[r]]
            num = is_num[order[r]]
            q = r + 1
            while q < nk and keys[order[q]] == h:
                w = max(w, weights[order[q]])
                num = num or is_num[order[q]]
                q += 1
            slots[ns] = int(h % np.uint64(lex_dim))
            vals[ns] = -w if (h >> np.uint64(63)) & np.uint64(1) else w
            ns += 1
            if num:
                numslots[nn] = int(h % np.uint64(num_dim))
                nn += 1
            else:
                content += 1
            r = q
        n_content[s] = content
        # slots shared by two terms add up (as in a dense hashed vector), then normalise
        so = np.argsort(slots[:ns])
        base = start
        m = 0
        norm = np.float64(0.0)  # as compiled: float64, also where the kernel runs uncompiled
        for t in range(ns):
            sl = slots[so[t]]
            if m > 0 and tmp_idx[base + m - 1] == sl:
                tmp_val[base + m - 1] += vals[so[t]]
            else:
                tmp_idx[base + m] = sl
                tmp_val[base + m] = vals[so[t]]
                m += 1
        w2 = 0
        for t in range(m):  # drop slots whose signed weights cancelled out
            if tmp_val[base + t] != 0.0:
                tmp_idx[base + w2] = tmp_idx[base + t]
                tmp_val[base + w2] = tmp_val[base + t]
                norm += tmp_val[base + w2] * tmp_val[base + w2]
                w2 += 1
        if norm > 0:
            inv = 1.0 / np.sqrt(norm)
            for t in range(w2):
                tmp_val[base + t] *= inv
        lex_n[s] = w2
        nsort = np.sort(numslots[:nn])
        u = 0
        for t in range(nn):
            if u == 0 or tmp_num[base + u - 1] != nsort[t]:
                tmp_num[base + u] = nsort[t]
                u += 1
        num_n[s] = u
    lex_off = np.zeros(n + 1, dtype=np.int64)
    num_off = np.zeros(n + 1, dtype=np.int64)
    for s in range(n):
        lex_off[s + 1] = lex_off[s] + lex_n[s]
        num_off[s + 1] = num_off[s] + num_n[s]
    lex_idx = np.empty(lex_off[n], dtype=np.int32)
    lex_val = np.empty(lex_off[n], dtype=np.float32)
    num_idx = np.empty(num_off[n], dtype=np.int32)
    for s in nb.prange(n):
        b = bounds[s]
        lex_idx[lex_off[s] : lex_off[s + 1]] = tmp_idx[b : b + lex_n[s]]
        lex_val[lex_off[s] : lex_off[s + 1]] = tmp_val[b : b + lex_n[s]]
        num_idx[num_off[s] : num_off[s + 1]] = tmp_num[b : b + num_n[s]]
    return lex_idx, lex_val, lex_off, num_idx, num_off, n_words, n_content, seq


@nb.njit(nogil=True, cache=True)
def _gram(ai, av, ao, bi, bv, bo):
    """Dot products of every row of sparse A with every row of sparse B.

    Each row of A is scattered into a dense scratch row once; every row of B then gathers from
    it: n*(nnz_a + m*nnz_b) steps, no branches, instead of n*m sorted merges.
    """
    n, m = ao.shape[0] - 1, bo.shape[0] - 1
    out = np.zeros((n, m), dtype=np.float32)
    if n == 0 or m == 0:
        return out
    width = 1
    for t in range(ai.shape[0]):
        width = max(width, ai[t] + 1)
    for t in range(bi.shape[0]):
        width = max(width, bi[t] + 1)
    scratch = np.zeros(width, dtype=np.float32)
    for r in range(n):
        for t in range(ao[r], ao[r + 1]):
            scratch[ai[t]] = av[t]
        for c in range(m):
            acc = np.float32(0.0)
            for t in range(bo[c], bo[c + 1]):
                acc += scratch[bi[t]] * bv[t]
            out[r, c] = acc
        for t in range(ao[r], ao[r + 1]):
            scratch[ai[t]] = 0.0
    return out


@nb.njit(nogil=True, cache=True)
def _pool(idx, val, off, first, last, weights, union):
    """Weighted sum (or, with ``union``, the column set) of rows first..last as one sorted row."""
    a, b = off[first], off[last + 1]
    cols = idx[a:b].copy()
    vals = np.empty(b - a, dtype=np.float32)
    for r in range(first, last + 1):
        for t in range(off[r], off[r + 1]):
            vals[t - a] = 1.0 if union else val[t] * weights[r - first]
    order = np.argsort(cols, kind="mergesort")
    out_c = np.empty(b - a, dtype=np.int32)
    out_v = np.zeros(b - a, dtype=np.float32)
    m = 0
    for k in range(order.shape[0]):
        c = cols[order[k]]
        if m > 0 and out_c[m - 1] == c:
            if not union:
                out_v[m - 1] += vals[order[k]]
        else:
            out_c[m] = c
            out_v[m] = vals[order[k]]
            m += 1
    return out_c[:m], out_v[:m]


@nb.njit(nogil=True, cache=True)
def _gram_pair(ai, av, ao, bi, bv, bo, ci, cv, co, di, dv, do):
    return _gram(ai, av, ao, bi, bv, bo), _gram(ci, cv, co, di, dv, do)


def gram_pair(a: SparseRows, b: SparseRows, c: SparseRows, d: SparseRows) -> tuple[np.ndarray, np.ndarray]:
    """``(a.dot(b), c.dot(d))`` in one compiled call (the paraphrase screen calls this per pair)."""
    return _gram_pair(a.idx, a.val, a.off, b.idx, b.val, b.off, c.idx, c.val, c.off, d.idx, d.val, d.off)


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix (CSR, column indices sorted within a row).

    The lexical features of a sentence touch ~10 of 2048 hashed slots: dense rows cost 8 KB a
    sentence (a gigabyte for a screen over 20k documents), these ~80 bytes.

    >>> a = SparseRows(np.array([1, 5, 2], np.int32), np.array([0.6, 0.8, 1.0], np.float32), np.array([0, 2, 3]), 8)
    >>> a.dot(a).round(2).tolist(), a.dense()[0].astype(float).round(1).tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.6, 0.0, 0.0, 0.0, 0.8, 0.0, 0.0])
    >>> p = a.pool(0, 1, np.array([1.0, 1.0]))
    >>> p.idx.tolist(), p.val.astype(float).round(3).tolist(), a.pool(0, 1, np.ones(2), union=True).idx.tolist()
    ([1, 2, 5], [0.424, 0.707, 0.566], [1, 2, 5])
    """

    idx: np.ndarray
    val: np.ndarray
    off: np.ndarray
    dim: int

    def __len__(self) -> int:
        return int(self.off.shape[0] - 1)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self.dim)

    def counts(self) -> np.ndarray:
        """Non-zero entries per row (float32)."""
        return np.diff(self.off).astype(np.float32)

    def rows(self, first: int, stop: int) -> SparseRows:
        """Rows ``first..stop-1`` as their own matrix."""
        a, b = int(self.off[first]), int(self.off[stop])
        return SparseRows(self.idx[a:b], self.val[a:b], self.off[first : stop + 1] - a, self.dim)

    def dot(self, other: SparseRows) -> np.ndarray:
        """``self @ other.T`` as a dense float32 [len(self), len(other)]."""
        return _gram(self.idx, self.val, self.off, other.idx, other.val, other.off)

    def dense(self) -> np.ndarray:
        out = np.zeros((len(self), self.dim), dtype=np.float32)
        rows = np.repeat(np.arange(len(self)), np.diff(self.off))
        np.add.at(out, (rows, self.idx), self.val)
        return out

    def pool(self, first: int, last: int, weights: np.ndarray, union: bool = False) -> SparseRows:
        """One row: the ``weights``-weighted sum of rows ``first..last`` (L2-normalised), or
        with ``union`` the set of their columns (value 1)."""
        cols, vals = _pool(self.idx, self.val, self.off, first, last, np.asarray(weights, dtype=np.float32), union)
        norm = float(np.linalg.norm(vals))
        if not union and norm > 0:
            vals /= norm
        return SparseRows(cols, vals, np.array([0, cols.shape[0]]), self.dim)


@lru_cache(maxsize=1)
def _stop_hashes() -> np.ndarray:
    return np.sort(key_hashes(sorted(STOPWORDS)))


def lexical_features(texts: Sequence[str], lex_dim: int = 2048, num_dim: int = 512
                     ) -> tuple[SparseRows, SparseRows, np.ndarray, np.ndarray, np.ndarray]:
    """(lex, nums, n_words, n_content, words) of sentences.

    ``lex``: L2-normalised weighted bags of content words, hashed into ``lex_dim`` slots;
    ``nums``: each sentence's numbers hashed into ``num_dim`` slots (value 1); both
    :class:`SparseRows`. ``words``: a uint64 hash of the sentence's lower-cased word sequence:
    equal for copies that differ only in case, punctuation or spacing (a rewrite that keeps
    every word in another order, or in the passive, differs).

    >>> lex, nums, nw, nc, w = lexical_features(["Kim denied Putin help in 2022.", "Putin was denied help by Kim.",
    ...                                          "KIM denied Putin -- help in 2022"])
    >>> round(float(lex.dot(lex)[0, 1]), 2), nums.counts().tolist(), nw.tolist(), nc.tolist()
    (0.72, [1.0, 0.0, 1.0], [6.0, 6.0, 6.0], [4.0, 4.0, 4.0])
    >>> bool(w[0] == w[2]), bool(w[0] == w[1])
    (True, False)
    """
    table, lower = char_tables()
    cps, bounds = _encode(list(texts))
    li, lv, lo, ni, no, n_words, n_content, seq = _features_kernel(cps, bounds, table, lower, _stop_hashes(), lex_dim,
                                                                   num_dim, NAME_WEIGHT, NUMBER_WEIGHT)
    return (SparseRows(li, lv, lo, lex_dim), SparseRows(ni, np.ones(ni.shape[0], np.float32), no, num_dim),
            n_words, n_content, seq)
