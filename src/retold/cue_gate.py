"""A compiled gate in front of the single-page furniture cues of :mod:`retold.boilerplate`.

The cues are regular expressions run line by line in Python: about 0.2 ms a news article, a
third of the whole exact/near-duplicate pass (measured on the 20k benchmark corpus). Nearly no
document has a cue, and every cue line is short and starts with one of a few words (or a digit,
``[``, ``©``), or holds "rights reserved". :func:`may_have_cues` scans the UTF-8 bytes of a batch
once and says which documents have such a line; only those go through the regular expressions.
It is a superset test: a document it passes over has no cue (tested on the benchmark corpora and
by a property test against :func:`retold.boilerplate.cue_spans`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .boilerplate import CUE_STARTS, MAX_CUE_CHARS
from .jit import nb
from .text import Encoded


def _prefix_table(prefixes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    ascii_only = [p for p in prefixes if p.isascii()]
    width = max(len(p) for p in ascii_only)
    table = np.zeros((len(ascii_only), width), dtype=np.uint8)
    lens = np.zeros(len(ascii_only), dtype=np.int64)
    for i, p in enumerate(ascii_only):
        b = p.encode()
        table[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        lens[i] = len(b)
    return table, lens


_TABLE, _LENS = _prefix_table(CUE_STARTS)
_FIRST = np.zeros(256, dtype=np.bool_)
_FIRST[_TABLE[:, 0]] = True
_RESERVED = np.frombuffer(b"rights reserved", dtype=np.uint8).copy()


@nb.njit(inline="always")
def _lower(c: int) -> int:
    return c | 0x20 if 0x41 <= c <= 0x5A else c


@nb.njit(inline="always")
def _utf8_char(buf, i: int, end: int) -> tuple[int, int]:
    """(code point, byte length) of the character at ``buf[i]`` (lenient on broken bytes)."""
    c = int(buf[i])
    if c < 0x80:
        return c, 1
    n = 2 if c < 0xE0 else (3 if c < 0xF0 else 4)
    if i + n > end:
        return c, 1
    cp = c & (0x3F >> (n - 1))
    for k in range(1, n):
        cp = (cp << 6) | (int(buf[i + k]) & 0x3F)
    return cp, n


@nb.njit(inline="always")
def _is_space(cp: int) -> bool:
    # what str.strip() removes: ASCII whitespace, the C1 and Unicode spaces, line separators
    return (cp == 0x20 or 0x09 <= cp <= 0x0D or 0x1C <= cp <= 0x1F or cp == 0x85 or cp == 0xA0 or cp == 0x1680
            or 0x2000 <= cp <= 0x200A or cp == 0x2028 or cp == 0x2029 or cp == 0x202F or cp == 0x205F or cp == 0x3000)


@nb.njit(inline="always")
def _line_may_be_cue(buf, s: int, e: int, table, lens, first_ok, reserved, max_chars: int, ascii_only: bool) -> bool:
    i = s
    while i < e:
        cp, n = _utf8_char(buf, i, e)
        if not _is_space(cp):
            break
        i += n
    if i >= e:
        return False
    trail = e
    while trail > i and (buf[trail - 1] == 0x20 or 0x09 <= buf[trail - 1] <= 0x0D or 0x1C <= buf[trail - 1] <= 0x1F):
        trail -= 1
    # a line of more than max_chars characters cannot be a cue; most paragraphs of an article are
    # such lines. A line ending in a non-ASCII byte may end in Unicode whitespace, which
    # str.strip() would remove: its length is left to the regular expressions.
    if buf[trail - 1] < 0x80 and trail - i > max_chars:
        if trail - i > 4 * max_chars:
            return False
        if ascii_only:
            return False
        chars = 0
        for k in range(i, trail):
            if (buf[k] & 0xC0) != 0x80:
                chars += 1
                if chars > max_chars:
                    return False
    first, _ = _utf8_char(buf, i, e)
    if first >= 0x80:
        # every cue starts with ASCII but for the copyright sign; letters that case-fold to ASCII
        # under re.IGNORECASE (long s, Kelvin sign, dotted and dotless i) are let through too
        if first == 0xA9 or first == 0x17F or first == 0x212A or first == 0x130 or first == 0x131:
            return True
    elif 0x30 <= first <= 0x39:
        return True
    elif first_ok[_lower(first)]:
        for p in range(table.shape[0]):
            m = lens[p]
            if table[p, 0] != _lower(first) or i + m > e:
                continue
            ok = True
            for k in range(1, m):
                if _lower(int(buf[i + k])) != table[p, k]:
                    ok = False
                    break
            if ok:
                return True
    # "... All rights reserved." ends its line: look at the end only, past [\s!.:…]
    t = trail
    while t > i:
        c = buf[t - 1]
        if c == 0x20 or c == 0x09 or c == 0x0D or c == 0x21 or c == 0x2E or c == 0x3A:
            t -= 1
        elif c == 0xA6 and t - 3 >= i and buf[t - 2] == 0x80 and buf[t - 3] == 0xE2:  # the ellipsis
            t -= 3
        elif c >= 0x80:
            k = t - 1
            while k > i and (buf[k] & 0xC0) == 0x80:
                k -= 1
            cp, _ = _utf8_char(buf, k, t)
            if _is_space(cp):
                return True  # Unicode whitespace at the end: let the regular expressions decide
            break
        else:
            break
    r = reserved.shape[0]
    if t - i < r:
        return False
    for j in range(r):  # noqa: SIM110 - a generator in all() does not compile
        if _lower(int(buf[t - r + j])) != reserved[j]:
            return False
    return True


_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)


@nb.njit(nogil=True, cache=True)
def _line_ends(buf):
    """Positions of the line feeds in ``buf``, then ``len(buf)``.

    Why not a byte loop that stops at each line end: that loop cannot be vectorised and was
    most of the gate's time (0.18 of 0.25 s for 50k news articles). Counting is a loop the
    compiler vectorises; finding them tests 8 bytes at a time (a zero byte of ``word ^ 0x0A..``)
    and looks at single bytes only in the few words that hold one.
    """
    n = buf.shape[0]
    count = 0
    for i in range(n):
        count += buf[i] == 0x0A
    out = np.empty(count + 1, dtype=np.int64)
    n8 = n // 8
    words = buf[: n8 * 8].view(np.uint64)
    k = 0
    for w in range(n8):
        v = words[w] ^ _NEWLINES
        if ~(((v & _LOW7) + _LOW7) | v | _LOW7) != 0:
            for j in range(w * 8, w * 8 + 8):
                if buf[j] == 0x0A:
                    out[k] = j
                    k += 1
    for j in range(n8 * 8, n):
        if buf[j] == 0x0A:
            out[k] = j
            k += 1
    out[count] = n
    return out


@nb.njit(nogil=True, cache=True)
def _cue_lines(buf, bounds, ascii_doc, table, lens, first_ok, reserved, max_chars):
    """Lines that may be cues: (document, start, end) with ``[start, end)`` in characters of the
    document, the line break and a final carriage return excluded (as ``boilerplate.line_spans``)."""
    ends = _line_ends(buf)
    nd = bounds.shape[0] - 1
    cap = 256
    out_d = np.empty(cap, dtype=np.int64)
    out_s = np.empty(cap, dtype=np.int64)
    out_e = np.empty(cap, dtype=np.int64)
    m = 0
    q = 0  # the first line feed at or after the current line's start
    for d in range(nd):
        s = bounds[d]
        end = bounds[d + 1]
        count_chars = not ascii_doc[d]
        # characters are counted only up to the lines that may be cues, lazily: most documents
        # have none
        cb = bounds[d]  # a byte position ...
        cc = 0  # ... and the characters of the document before it
        while ends[q] < s:
            q += 1
        while s <= end:
            e = ends[q]
            if e >= end:
                e = end
            else:
                q += 1
            if e > s and _line_may_be_cue(buf, s, e, table, lens, first_ok, reserved, max_chars, not count_chars):
                if m == cap:
                    cap *= 2
                    out_d = np.concatenate((out_d, np.empty(cap - m, dtype=np.int64)))
                    out_s = np.concatenate((out_s, np.empty(cap - m, dtype=np.int64)))
                    out_e = np.concatenate((out_e, np.empty(cap - m, dtype=np.int64)))
                if count_chars:
                    for k in range(cb, s):
                        if (buf[k] & 0xC0) != 0x80:
                            cc += 1
                    cs = cc
                    for k in range(s, e):
                        if (buf[k] & 0xC0) != 0x80:
                            cc += 1
                    cb = e
                    ce = cc
                else:
                    cs = s - bounds[d]
                    ce = e - bounds[d]
                out_d[m] = d
                out_s[m] = cs
                out_e[m] = ce - 1 if buf[e - 1] == 0x0D else ce
                m += 1
            s = e + 1
    return out_d[:m], out_s[:m], out_e[:m]


def cue_lines(texts: Sequence[str], encoded: Encoded | None = None) -> list[list[tuple[int, int]]]:
    """Per text, the ``[start, end)`` character spans of the lines that may be single-page cues
    (a superset: every line :func:`retold.boilerplate.cue_spans` marks by itself, and every
    related-content heading, is among them).

    ``encoded``: the texts' UTF-8 (:class:`retold.text.Encoded`), when the caller has it.

    >>> cue_lines(["A story.\\nShare this article", "A story about sharing.", "\\u00a9 2024 Gazette"])
    [[(9, 27)], [], [(0, 14)]]
    """
    enc = encoded if encoded is not None else Encoded.of(list(texts))
    buf, bounds, ascii_doc = enc.buf, enc.bounds, enc.ascii
    docs, starts, ends = _cue_lines(buf, bounds, ascii_doc, _TABLE, _LENS, _FIRST, _RESERVED, MAX_CUE_CHARS)
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    for d, a, b in zip(docs.tolist(), starts.tolist(), ends.tolist()):
        out[d].append((a, b))
    return out


def may_have_cues(texts: Sequence[str]) -> np.ndarray:
    """Which texts may hold a single-page furniture cue (False: certainly none).

    >>> may_have_cues(["A story.\\nShare this article", "A story about sharing.", "\\u00a9 2024 Gazette"]).tolist()
    [True, False, True]
    """
    return np.array([bool(lines) for lines in cue_lines(texts)], dtype=np.bool_)
