"""Tokenisation that keeps character offsets into the original text.

A *token* is a maximal run of word characters. Word characters are ASCII letters and
digits and every non-ASCII code point except punctuation, spaces and symbols (the ranges in
``SEPARATOR_RANGES``). CJK ideographs and kana are one token each, since those scripts do not
put spaces between words. Tokens are compared lowercased, so quote style (curly or straight),
non-breaking spaces, dashes, double spaces and letter case never change the token sequence.

There is a single tokeniser: the compiled kernel in :mod:`retold.fingerprints`, which works on
UTF-8 bytes and counts characters as it goes. :func:`tokens` runs that same scanner on one
document and maps its offsets back to the *original* string (only needed where lowercasing
changes a string's length), so the fast corpus path and the offset path can never disagree on
what a token is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    from .fingerprints import tokenize_batch

    low, cmap = lower_with_map(text)
    enc = low.encode("utf-8", errors="surrogatepass")
    buf = np.frombuffer(enc, dtype=np.uint8)
    bounds = np.array([0, len(enc)], dtype=np.int64)
    hashes, _, packed = tokenize_batch(buf, bounds)
    starts = (packed >> np.uint64(32)).astype(np.int64)
    ends = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    if cmap is not None:
        starts, ends = cmap[starts], cmap[ends]
    return Tokens(hashes=hashes, starts=starts.astype(np.int64), ends=ends.astype(np.int64))

