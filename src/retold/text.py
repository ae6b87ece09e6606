"""Tokenisation that keeps character offsets into the original text.

A *token* is a maximal run of word characters. Word characters are ASCII letters and
digits and every non-ASCII code point except punctuation, spaces and symbols (the ranges in
``SEPARATOR_RANGES``). CJK ideographs and kana are one token each, since those scripts do not
put spaces between words. Tokens are compared lowercased, so quote style (curly or straight),
non-breaking spaces, dashes, double spaces and letter case never change the token sequence.

There is a single tokeniser: the compiled kernel here (:func:`tokenize_batch`, fused into the
corpus kernel of :mod:`retold.fingerprints`), which works on UTF-8 bytes and counts characters as
it goes. :func:`tokens` runs that same scanner on one document and maps its offsets back to the
*original* string (only needed where lowercasing changes a string's length), so the fast corpus
path and the offset path can never disagree on what a token is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .jit import nb

# Code points that separate words (inclusive ranges). ASCII is handled separately: only
# [0-9A-Za-z] are word characters there.
SEPARATOR_RANGES: tuple[tuple[int, int], ...] = (
    (0x0080, 0x00BF),  # Latin-1 punctuation and symbols, NBSP, soft hyphen, pound sign
    (0x00D7, 0x00D7),  # multiplication sign
    (0x00F7, 0x00F7),  # division sign
    (0x037E, 0x037E),  # Greek question mark
    (0x0387, 0x0387),  # Greek ano teleia
    (0x055A, 0x055F),  # Armenian punctuation
    (0x0589, 0x058A),
    (0x05BE, 0x05BE),  # Hebrew maqaf
    (0x05C0, 0x05C0),
    (0x05C3, 0x05C3),
    (0x05F3, 0x05F4),
    (0x0600, 0x060F),  # Arabic number signs, comma, date separator, ...
    (0x061B, 0x061F),  # Arabic semicolon, question mark
    (0x066A, 0x066D),  # Arabic percent, decimal/thousands separators, star
    (0x06D4, 0x06D4),  # Arabic full stop (used in Urdu)
    (0x0964, 0x0965),  # Devanagari danda
    (0x0E4F, 0x0E4F),
    (0x0E5A, 0x0E5B),
    (0x1680, 0x1680),  # Ogham space
    (0x2000, 0x206F),  # general punctuation: spaces, dashes, curly quotes, ellipsis, ZWSP
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x214F),  # letterlike symbols (trade mark, numero)
    (0x2190, 0x2BFF),  # arrows, maths operators, technical, box drawing, shapes, dingbats
    (0x2E00, 0x2E7F),  # supplemental punctuation
    (0x3000, 0x303F),  # CJK punctuation, ideographic space
    (0xFE10, 0xFE1F),
    (0xFE30, 0xFE6F),  # CJK compatibility and small form variants
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFF01, 0xFF0F),  # fullwidth punctuation
    (0xFF1A, 0xFF20),
    (0xFF3B, 0xFF40),
    (0xFF5B, 0xFF65),
    (0xFFF0, 0xFFFF),  # specials, including the replacement character
    (0x1F000, 0x1FAFF),  # emoji and pictographs
)

# Scripts written without spaces: each code point is a token of its own.
SINGLE_CHAR_RANGES: tuple[tuple[int, int], ...] = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x2FA1F),  # CJK extensions B and later
)


def _range_arrays(ranges: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([a for a, _ in ranges], dtype=np.int64)
    hi = np.array([b for _, b in ranges], dtype=np.int64)
    return lo, hi


SEP_LO, SEP_HI = _range_arrays(SEPARATOR_RANGES)
SINGLE_LO, SINGLE_HI = _range_arrays(SINGLE_CHAR_RANGES)

#: an empty :func:`lower_table`: the text was lowercased by ``str.lower()``
NO_LOWER = np.zeros(0, dtype=np.uint16)


def _ascii_fold() -> np.ndarray:
    """uint8 [128]: the lowercase of each ASCII word character ([0-9A-Za-z]), 0 for the rest.

    Why: one load tells the tokeniser both whether a byte is a word character and what to
    hash, where range tests cost three comparisons and a fourth for the case (the ASCII loop
    is most of signing)."""
    out = np.zeros(128, dtype=np.uint8)
    for c in b"0123456789abcdefghijklmnopqrstuvwxyz":
        out[c] = c
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        out[c] = c + 32
    return out


ASCII_FOLD = _ascii_fold()


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """uint16 [65536]: ``ord(chr(c).lower())`` for every code point of the Basic Multilingual
    Plane (every lowercase there is one BMP code point, but for U+0130, kept as it is: text
    holding it is lowercased by ``str.lower()``, see :func:`kernel_can_lower`).

    Why: ``str.lower()`` of a non-ASCII news article cost about a tenth of signing it; the
    kernel folds each character with this table as it reads it, at no extra pass.

    >>> t = lower_table()
    >>> chr(t[ord("Ä")]), chr(t[0x212A]), chr(t[ord("ж")])
    ('ä', 'k', 'ж')
    """
    table = np.arange(0x10000, dtype=np.uint16)
    for c in range(0x80, 0x10000):
        low = chr(c).lower()
        if len(low) == 1 and ord(low) != c:
            table[c] = ord(low)
    return table


def kernel_can_lower(utf8: bytes) -> bool:
    """Whether the kernel's character-by-character folding (:func:`lower_table`) gives the
    tokens of ``str.lower()`` for this UTF-8 text: not when it holds U+0130 (whose lowercase
    is two characters), a capital sigma (lowercased by its context, final or not), a character
    of the first plane beyond the BMP (which holds the only cased letters there: lead byte F0),
    or a script whose word breaks are found on the lowercased string (:func:`may_need_breaks`).
    The rule itself is :func:`cannot_lower`, which signing runs over a whole batch.

    >>> kernel_can_lower("Ärger in Köln".encode()), kernel_can_lower("ΟΔΟΣ".encode())
    (True, False)
    """
    bounds = np.array([0, len(utf8)], dtype=np.int64)
    return not cannot_lower(np.frombuffer(utf8, dtype=np.uint8), bounds, np.ones(1, dtype=np.bool_))[0]


@nb.njit(nogil=True, cache=True)
def cannot_lower(buf, bounds, check):
    """For each document of a batch with ``check``: whether :func:`kernel_can_lower` says no
    (U+0130, capital sigma, a lead byte F0, or one of E0, E1, EA), in one compiled pass over
    the batch (six byte searches a text in Python cost signing a tenth of its time)."""
    nd = bounds.shape[0] - 1
    out = np.zeros(nd, dtype=np.bool_)
    for d in range(nd):
        if not check[d]:
            continue
        end = bounds[d + 1]
        for i in range(bounds[d], end):
            c = buf[i]
            if c < 0xC4:
                continue
            if c == 0xE0 or c == 0xE1 or c == 0xEA or c == 0xF0:
                out[d] = True
                break
            if i + 1 < end and ((c == 0xC4 and buf[i + 1] == 0xB0) or (c == 0xCE and buf[i + 1] == 0xA3)):
                out[d] = True
                break
    return out


FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@nb.njit(inline="always")
def fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(inline="always")
def _in_ranges(cp: int, lo: np.ndarray, hi: np.ndarray) -> bool:
    # binary search over sorted, disjoint inclusive ranges
    a = 0
    b = lo.shape[0] - 1
    while a <= b:
        m = (a + b) >> 1
        if cp < lo[m]:
            b = m - 1
        elif cp > hi[m]:
            a = m + 1
        else:
            return True
    return False


@nb.njit(inline="always")
def _char_at(buf: np.ndarray, i: int, end: int) -> tuple[int, int, int]:
    """(code point, byte length, class) of the character at byte i.

    class 0 = separator, 1 = word character, 2 = a character that is a token by itself.
    """
    b0 = int(buf[i])
    if b0 < 0x80:
        if (0x30 <= b0 <= 0x39) or (0x61 <= b0 <= 0x7A) or (0x41 <= b0 <= 0x5A):
            return b0, 1, 1
        return b0, 1, 0
    if b0 >= 0xF0:
        n = 4
        cp = b0 & 0x07
    elif b0 >= 0xE0:
        n = 3
        cp = b0 & 0x0F
    elif b0 >= 0xC0:
        n = 2
        cp = b0 & 0x1F
    else:
        return b0, 1, 0  # stray continuation byte
    if i + n > end:
        return b0, 1, 0
    for j in range(1, n):
        cp = (cp << 6) | (int(buf[i + j]) & 0x3F)
    if _in_ranges(cp, SEP_LO, SEP_HI):
        return cp, n, 0
    if _in_ranges(cp, SINGLE_LO, SINGLE_HI):
        return cp, n, 2
    return cp, n, 1


@nb.njit(inline="always")
def _is_ascii_word(c) -> bool:
    return (0x30 <= c <= 0x39) or (0x61 <= c <= 0x7A) or (0x41 <= c <= 0x5A)


@nb.njit(inline="always")
def _char_lower_at(buf: np.ndarray, i: int, end: int, low: np.ndarray) -> tuple[int, int, int, bool]:
    """:func:`_char_at` of the character's lowercase (``low``: :func:`lower_table`, or empty for
    text already lowercased): (lowercase code point, byte length in ``buf``, its class, whether
    it differs from the character read, so that its bytes are not those in ``buf``).

    The class is that of the lowercase: the Kelvin sign and the Ohm sign are letterlike
    symbols (separators), their lowercase forms are letters, as in ``str.lower()`` text."""
    cp, n, cls = _char_at(buf, i, end)
    folded = False
    if n > 1 and cp < low.shape[0]:
        lc = int(low[cp])
        if lc != cp:
            cp = lc
            folded = True
            if lc < 0x80:
                cls = 1 if _is_ascii_word(lc) else 0
            elif _in_ranges(lc, SEP_LO, SEP_HI):
                cls = 0
            elif _in_ranges(lc, SINGLE_LO, SINGLE_HI):
                cls = 2
            else:
                cls = 1
    return cp, n, cls, folded


@nb.njit(inline="always")
def _hash_char(h: np.uint64, buf: np.ndarray, i: int, n: int, cp: int, folded: bool) -> np.uint64:
    """FNV-1a step over the UTF-8 bytes of the character ``buf[i:i+n]`` as read, or, when it was
    ``folded`` (:func:`_char_lower_at`), of its lowercase ``cp`` (a BMP code point, whose bytes
    are not in ``buf`` and may be fewer or more)."""
    if not folded:
        for j in range(n):
            h ^= np.uint64(buf[i + j])
            h *= FNV_PRIME
        return h
    if cp < 0x80:
        return (h ^ np.uint64(cp)) * FNV_PRIME
    if cp < 0x800:
        h = (h ^ np.uint64(0xC0 | (cp >> 6))) * FNV_PRIME
    else:
        h = (h ^ np.uint64(0xE0 | (cp >> 12))) * FNV_PRIME
        h = (h ^ np.uint64(0x80 | ((cp >> 6) & 0x3F))) * FNV_PRIME
    return (h ^ np.uint64(0x80 | (cp & 0x3F))) * FNV_PRIME


@nb.njit(inline="always")
def count_tokens(buf, start, end, brk, b0, b1, low) -> tuple[int, int]:
    """Number of tokens :func:`hash_tokens` finds in buf[start:end], without hashing them, and
    how many of them are characters that are tokens by themselves (Chinese and Japanese: what
    :func:`word_counts` counts, here for free while the bytes are read anyway).

    ASCII bytes are classified inline (most text is ASCII); other characters go through
    :func:`_char_at`, so the token boundaries are exactly the tokeniser's. ``brk[b0:b1]``: the
    document's word breaks (see :func:`hash_tokens`); ``low``: see :func:`hash_tokens`.
    """
    count = 0
    singles = 0
    i = start
    ci = 0
    k = b0
    in_tok = False
    while i < end:
        c = buf[i]
        if c < 0x80:
            if ASCII_FOLD[c] != 0:
                in_tok = True
            elif in_tok:
                count += 1
                in_tok = False
            i += 1
            ci += 1
            continue
        while k < b1 and brk[k] < ci:
            k += 1
        if in_tok and k < b1 and brk[k] == ci:
            count += 1
            in_tok = False
        cp, n, cls, _ = _char_lower_at(buf, i, end, low)
        if cls == 1:
            in_tok = True
        else:
            if in_tok:
                count += 1
                in_tok = False
            if cls == 2:
                count += 1
                singles += 1
        i += n
        ci += 1
    if in_tok:
        count += 1
    return count, singles


@nb.njit(inline="always")
def hash_tokens(buf, start, end, out, offs, o0, brk, b0, b1, low) -> tuple[int, int]:
    """Token hashes of buf[start:end] into out[0:] (the one tokeniser: every path calls this);
    returns (tokens, of them characters that are tokens by themselves: see :func:`count_tokens`).

    ``brk[b0:b1]``: sorted character offsets (relative to the document) where a word ends inside
    a run of word characters: the word breaks of scripts written without spaces (Thai, Lao,
    Khmer, Burmese; :func:`word_breaks`). Empty for other text.

    When ``offs`` is not empty, also writes each token's ``[start, end)`` *character* offsets
    (relative to the document, packed ``start << 32 | end``) into offs[o0:]: a character
    counter runs along the bytes, so no separate pass maps bytes to characters.
    The ASCII fast path skips :func:`_char_at` (decode + class lookup) for the common case.
    ``low``: :func:`lower_table` when the text was not lowercased by ``str.lower()`` (the
    kernel folds each character as it reads it), else empty: tokens are hashed lowercased.
    """
    want = offs.shape[0] > 0
    count = 0
    singles = 0
    i = start
    ci = 0  # characters before byte i
    tok_c = 0
    k = b0
    in_tok = False
    h = FNV_OFFSET
    while i < end:
        c = buf[i]
        if c < 0x80:
            f = ASCII_FOLD[c]
            if f != 0:
                if not in_tok:
                    in_tok = True
                    h = FNV_OFFSET
                    tok_c = ci
                h = (h ^ np.uint64(f)) * FNV_PRIME
            elif in_tok:
                out[count] = fmix64(h)
                if want:
                    offs[o0 + count] = (np.uint64(tok_c) << np.uint64(32)) | np.uint64(ci)
                count += 1
                in_tok = False
            i += 1
            ci += 1
            continue
        while k < b1 and brk[k] < ci:
            k += 1
        if in_tok and k < b1 and brk[k] == ci:
            out[count] = fmix64(h)
            if want:
                offs[o0 + count] = (np.uint64(tok_c) << np.uint64(32)) | np.uint64(ci)
            count += 1
            in_tok = False
        cp, n, cls, folded = _char_lower_at(buf, i, end, low)
        if cls == 1:
            if not in_tok:
                in_tok = True
                h = FNV_OFFSET
                tok_c = ci
            h = _hash_char(h, buf, i, n, cp, folded)  # bytes of a multi-byte character are never ASCII A-Z
        else:
            if in_tok:
                out[count] = fmix64(h)
                if want:
                    offs[o0 + count] = (np.uint64(tok_c) << np.uint64(32)) | np.uint64(ci)
                count += 1
                in_tok = False
            if cls == 2:
                out[count] = fmix64(_hash_char(FNV_OFFSET, buf, i, n, cp, folded))
                if want:
                    offs[o0 + count] = (np.uint64(ci) << np.uint64(32)) | np.uint64(ci + 1)
                count += 1
                singles += 1
        i += n
        ci += 1
    if in_tok:
        out[count] = fmix64(h)
        if want:
            offs[o0 + count] = (np.uint64(tok_c) << np.uint64(32)) | np.uint64(ci)
        count += 1
    return count, singles


@nb.njit(nogil=True, cache=True, parallel=True)
def tokenize_batch(buf: np.ndarray, bounds: np.ndarray, brk: np.ndarray, brk_offs: np.ndarray, low: np.ndarray):
    """Token hashes and character offsets of every document in a batch.

    Args:
        buf: uint8 UTF-8 bytes of the documents, concatenated (lowercased, or folded here with
            ``low``, :func:`lower_table`; empty when they are).
        bounds: int64 array of length ndocs + 1; document d is ``buf[bounds[d]:bounds[d+1]]``.
        brk, brk_offs: word breaks (int64 character offsets) of each document, CSR
            (:func:`breaks_batch`).

    Returns:
        (hashes uint64, tok_offsets int64 [ndocs+1], packed uint64 ``start << 32 | end``
        character offsets of each token relative to its document): the same tokens as the
        fused corpus kernel, from the same scanner.
    """
    nd = bounds.shape[0] - 1
    counts = np.zeros(nd + 1, dtype=np.int64)
    for d in nb.prange(nd):
        counts[d + 1] = count_tokens(buf, bounds[d], bounds[d + 1], brk, brk_offs[d], brk_offs[d + 1], low)[0]
    offs = np.cumsum(counts)
    hashes = np.empty(offs[nd], dtype=np.uint64)
    packed = np.empty(offs[nd], dtype=np.uint64)
    for d in nb.prange(nd):
        hash_tokens(buf, bounds[d], bounds[d + 1], hashes[offs[d] : offs[d + 1]], packed, offs[d], brk, brk_offs[d],
                    brk_offs[d + 1], low)
    return hashes, offs, packed



#: characters per word in Chinese and Japanese text, where every character is a token: ICU's
#: dictionary word boundaries over ``../shared/data/mling`` give 1.55 (zh, 90k characters) and
#: 1.56 (ja, 287k) characters per word (``benchmarks/mling_eval.py --chars-per-word``)
CJK_CHARS_PER_WORD = 1.55
_SINGLE_CHAR = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in SINGLE_CHAR_RANGES) + "]")


def word_counts(texts: list[str], n_tokens: np.ndarray) -> np.ndarray:
    """Words in each text, counted alike in every script: tokens, with each run of
    :data:`CJK_CHARS_PER_WORD` Chinese or Japanese characters (one token each) counted as one word.

    The partial rule asks for passages of so many *words*; without this a stock phrase of 10
    Japanese characters ("を受ける権利を有する", "has the right to receive") would count as 10 words.

    >>> word_counts(["Kim said no", "東京で会議が開かれた"], np.array([3, 10])).round(2).tolist()
    [3.0, 6.45]
    """
    n = np.asarray(n_tokens, dtype=np.float64).copy()
    for k, t in enumerate(texts):
        if not t.isascii():
            c = len(_SINGLE_CHAR.findall(t))
            if c:
                n[k] -= c * (1.0 - 1.0 / CJK_CHARS_PER_WORD)
    return n


def words_of_tokens(n_tokens: np.ndarray, singles: np.ndarray) -> np.ndarray:
    """:func:`word_counts` from the token counts and the single-character tokens the kernel
    counted (:func:`count_tokens`): the same values, without a regular expression over the text.

    >>> words_of_tokens(np.array([3, 10]), np.array([0, 10])).round(2).tolist()
    [3.0, 6.45]
    """
    n = np.asarray(n_tokens, dtype=np.float64).copy()
    some = np.asarray(singles) > 0
    n[some] -= np.asarray(singles)[some] * (1.0 - 1.0 / CJK_CHARS_PER_WORD)
    return n


# Scripts written without spaces between words whose letters are not words on their own:
# Thai, Lao, Burmese (Myanmar and its extensions), Khmer (and Khmer symbols)
_NO_SPACE_RUN = re.compile("[\u0e00-\u0eff\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f\u1780-\u17ff\u19e0-\u19ff]+")


@lru_cache(maxsize=1)
def _icu_words():
    try:
        import icu
    except ImportError:
        return None
    return icu


def segmenter() -> str:
    """How words of Thai, Lao, Khmer and Burmese are found: ``icu`` (dictionary-based word
    boundaries, the ``lang`` extra: ``pip install pyicu-wheels``) or ``characters`` (each
    letter a token, so shingles are character n-grams: copies still match, but a passage lifted
    into another text is not reliably told from a near-duplicate)."""
    return "icu" if _icu_words() is not None else "characters"


def word_breaks(text: str) -> np.ndarray:
    """Character offsets where a word ends inside a run of Thai, Lao, Khmer or Burmese letters.

    Those scripts put no space between words; the tokeniser splits their runs at these offsets
    (ICU's dictionary-based word boundaries, or every character without ICU). Offsets are into
    ``text`` (the tokeniser passes its lowercased form, which has the same letters here).

    >>> t = "ภาษาไทย ง่ายนิดเดียว"
    >>> [t[s:e] for s, e in zip(tokens(t).starts, tokens(t).ends)] if segmenter() == "icu" else ['ภาษา', 'ไทย']
    ['ภาษา', 'ไทย', 'ง่าย', 'นิด', 'เดียว']
    >>> word_breaks("plain English").tolist()
    []
    """
    if text.isascii():
        return _NO_BREAKS
    runs = list(_NO_SPACE_RUN.finditer(text))
    if not runs:
        return _NO_BREAKS
    icu = _icu_words()
    out: list[int] = []
    if icu is None:
        for m in runs:
            out.extend(range(m.start() + 1, m.end()))
        return np.asarray(out, dtype=np.int64)
    it = icu.BreakIterator.createWordInstance(icu.Locale.getRoot())
    for m in runs:
        # the runs hold only BMP letters: ICU's UTF-16 offsets are character offsets
        it.setText(m.group())
        out.extend(m.start() + b for b in it if 0 < b < m.end() - m.start())
    return np.asarray(out, dtype=np.int64)


_NO_BREAKS = np.zeros(0, dtype=np.int64)


def may_need_breaks(utf8: bytes) -> bool:
    """Whether UTF-8 text may hold a script written without spaces: every one lies in
    U+0800-U+1FFF or U+A000-U+AFFF, whose lead bytes are E0, E1 and EA (a byte search).

    >>> may_need_breaks("café".encode()), may_need_breaks("ภาษาไทย".encode())
    (False, True)
    """
    return b"\xe0" in utf8 or b"\xe1" in utf8 or b"\xea" in utf8


def breaks_batch(texts: list[str], encoded: list[bytes] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`word_breaks` of many (lowercased) texts, CSR: (offsets int64, bounds int64 [n + 1]).

    ``encoded``: the texts' UTF-8, when the caller has it: a text that :func:`may_need_breaks`
    rules out is passed over at the speed of a byte search instead of a regular expression over
    its characters (which cost a third of signing news text with curly quotes).

    >>> b, o = breaks_batch(["abc", "def"])
    >>> b.tolist(), o.tolist()
    ([], [0, 0, 0])
    """
    if encoded is None:
        parts = [word_breaks(t) for t in texts]
    else:
        parts = [word_breaks(t) if may_need_breaks(e) else _NO_BREAKS for t, e in zip(texts, encoded)]
    offs = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([p.shape[0] for p in parts], out=offs[1:])
    return (np.concatenate(parts) if any(p.shape[0] for p in parts) else _NO_BREAKS), offs


@dataclass(frozen=True, slots=True)
class Encoded:
    """A batch of texts as the kernels read them: their UTF-8 in one buffer.

    Attributes:
        buf: uint8 bytes of every text, concatenated.
        bounds: int64 [n + 1]; text d is ``buf[bounds[d]:bounds[d + 1]]``.
        ascii: bool [n], whether text d is ASCII.

    >>> e = Encoded.of(["ab", "\\u00e9"])
    >>> e.bounds.tolist(), e.ascii.tolist()
    ([0, 2, 4], [True, False])
    """

    buf: np.ndarray
    bounds: np.ndarray
    ascii: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> Encoded:
        parts = [t.encode("utf-8", errors="surrogatepass") for t in texts]
        bounds = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts)), out=bounds[1:])
        ascii_ = np.fromiter((len(p) == len(t) for p, t in zip(parts, texts)), dtype=np.bool_, count=len(texts))
        return cls(np.frombuffer(b"".join(parts), dtype=np.uint8), bounds, ascii_)

    def blanked(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> Encoded | None:
        """The batch with the character ``spans`` of each text (``texts``: what was encoded)
        blanked out by spaces, as :func:`retold.boilerplate.mask` blanks the text; None when a
        span holds a character of several bytes (the blanked text is shorter in bytes: encode
        it instead).

        Why: the cue gate encoded the batch, and its masks touch a few furniture lines; joining
        the texts' bytes again for signing was a copy of the whole batch under the GIL.

        >>> e = Encoded.of(["Story\\nShare this", "caf\\u00e9 x"])
        >>> bytes(e.blanked(["Story\\nShare this", "caf\\u00e9 x"], [[(6, 16)], [(5, 6)]]).buf)
        b'Story\\n          caf\\xc3\\xa9  '
        >>> e.blanked(["Story\\nShare this", "caf\\u00e9 x"], [[], [(0, 4)]]) is None
        True
        """
        if not any(spans):
            return self
        buf = self.buf.copy()
        for k, sp in enumerate(spans):
            base = int(self.bounds[k])
            for s, e in sp:
                if e <= s:
                    continue
                if self.ascii[k]:
                    bs, be = s, e
                else:
                    text = texts[k]
                    bs = len(text[:s].encode("utf-8", errors="surrogatepass"))
                    be = bs + len(text[s:e].encode("utf-8", errors="surrogatepass"))
                    if be - bs != e - s:
                        return None
                buf[base + bs : base + be] = 0x20
        buf.flags.writeable = False  # as the buffer of Encoded.of: one compiled type for the kernels
        return Encoded(buf, self.bounds, self.ascii)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of one document: hashes plus ``[start, end)`` character offsets into its text.

    Attributes:
        hashes: uint64 hash of each lowercased token, in document order.
        starts: character offset where each token starts in the original text.
        ends: character offset one past each token's last character.
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.hashes.shape[0])


def lower_with_map(text: str) -> tuple[str, np.ndarray | None]:
    """Lowercase ``text``; when that changes its length, also return a map to original offsets.

    Returns ``(lowered, None)`` in the usual case where every character lowercases to exactly
    one character, so offsets into ``lowered`` are offsets into ``text``. Otherwise the map
    gives, for each character of ``lowered`` (plus one end sentinel), its offset in ``text``.

    >>> lower_with_map("Kim SAID")
    ('kim said', None)
    >>> low, m = lower_with_map("\u0130stanbul")
    >>> len(low), int(m[1]), int(m[-1])
    (9, 0, 8)
    """
    low = text.lower()
    if len(low) == len(text):
        return low, None
    out = np.empty(len(low) + 1, dtype=np.int64)
    j = 0
    for i, ch in enumerate(text):
        n = len(ch.lower())
        out[j : j + n] = i
        j += n
    out[j] = len(text)
    return low, out


def tokens(text: str) -> Tokens:
    """Tokenise one document, keeping ``[start, end)`` character offsets into ``text``.

    >>> t = tokens("\u201cHello,\u00a0World\u201d - it\u2019s 2024!")
    >>> [("\u201cHello,\u00a0World\u201d - it\u2019s 2024!")[s:e] for s, e in zip(t.starts, t.ends)]
    ['Hello', 'World', 'it', 's', '2024']
    >>> bool(tokens("hello").hashes[0] == tokens("HELLO").hashes[0])
    True
    """
    low, cmap = lower_with_map(text)
    enc = low.encode("utf-8", errors="surrogatepass")
    buf = np.frombuffer(enc, dtype=np.uint8)
    bounds = np.array([0, len(enc)], dtype=np.int64)
    brk, brk_offs = breaks_batch([low])
    hashes, _, packed = tokenize_batch(buf, bounds, brk, brk_offs, NO_LOWER)
    starts = (packed >> np.uint64(32)).astype(np.int64)
    ends = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    if cmap is not None:
        starts, ends = cmap[starts], cmap[ends]
    return Tokens(hashes=hashes, starts=starts.astype(np.int64), ends=ends.astype(np.int64))

