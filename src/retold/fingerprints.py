"""The hot kernels: tokens, shingles and one-permutation MinHash signatures, compiled with numba.

Everything here works on plain numpy arrays for a *batch* of documents (a UTF-8 byte buffer
plus document boundaries), holds no global state, and releases the GIL, so the same
functions run in a thread pool, inside a Spark partition or behind the HTTP service.

Why one-permutation hashing (OPH) instead of classic MinHash: a 128-permutation MinHash
costs 128 hash evaluations per shingle; OPH splits the hash range into ``K`` bins and keeps
the minimum per bin, one evaluation per shingle, with densification for empty bins
(Shrivastava 2017) so that the collision probability of each bin is still the Jaccard
similarity. That makes signing cost independent of ``K``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import nb
from .text import (
    FNV_OFFSET,
    FNV_PRIME,
    NO_LOWER,
    Encoded,
    breaks_batch,
    cannot_lower,
    count_tokens,
    fmix64,
    hash_tokens,
    lower_table,
    tokenize_batch,
    tokens,
)

_MIX_PRIME = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint32(0xFFFFFFFF)
_NO_BREAKS = np.zeros(0, dtype=np.int64)

DEFAULT_SHINGLE = 3
DEFAULT_BANDS = 64
DEFAULT_ROWS = 5

# English function words and news verbs of attribution, left out of the word signature: they
# are in every English document and would make unrelated documents look alike.
STOP_WORDS = [
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
    "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself",
    "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most",
    "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    "yours", "yourself", "yourselves", "said", "says", "say", "mr", "mrs", "ms", "one", "two", "new",
    "year", "years", "us", "last", "first", "people", "told", "s", "t"
]


@nb.njit(inline="always")
def _n_shingles(ntok: int, k: int) -> int:
    if ntok == 0:
        return 0
    if ntok < k:
        return 1
    return ntok - k + 1



@nb.njit(inline="always")
def _shingle_doc(toks, k, out, o0) -> None:
    """Shingle hashes of one document's token hashes into out[o0:] (see :func:`shingle_batch`)."""
    nt = toks.shape[0]
    ns = _n_shingles(nt, k)
    w = k if nt >= k else nt
    for s in range(ns):
        h = np.uint64(0)
        for j in range(w):
            h = (h ^ toks[s + j]) * _MIX_PRIME
            h ^= h >> np.uint64(29)
        out[o0 + s] = fmix64(h + np.uint64(w))


@nb.njit(inline="always")
def _content_doc(toks) -> np.uint64:
    h = np.uint64(0x27D4EB2F165667C5)
    for t in range(toks.shape[0]):
        h = fmix64((h ^ toks[t]) * _MIX_PRIME)
    return h


@nb.njit(inline="always")
def _is_stop(tab, sentinel, h) -> bool:
    """Membership in an open-addressing set built by :func:`stop_table` (one probe, usually)."""
    if h == sentinel:  # the sentinel marks empty slots and is never a member
        return False
    mask = tab.shape[0] - 1
    i = int(h >> np.uint64(40)) & mask  # token hashes are fmix64 outputs: every bit is uniform
    while True:
        x = tab[i]
        if x == h:
            return True
        if x == sentinel:
            return False
        i = (i + 1) & mask


_PROBES = 32  # densification probes precomputed per bin; a bin needing more computes them


@nb.njit(inline="always")
def _probe(b: int, attempt: int, n_bins: int) -> int:
    """The bin an empty bin ``b`` copies from at probe ``attempt`` (1-based)."""
    return int(fmix64(np.uint64(b) * np.uint64(0x10001) + np.uint64(attempt)) % np.uint64(n_bins))


@nb.njit(nogil=True, cache=True)
def probe_table(n_bins: int) -> np.ndarray:
    """The first :data:`_PROBES` densification probes of every bin: int32 [n_bins, _PROBES].

    Why a table: the probe sequence depends only on the bin, not on the document, and
    computing it costs a 64-bit division per probe; short documents leave most bins empty.
    """
    out = np.empty((n_bins, _PROBES), dtype=np.int32)
    for b in range(n_bins):
        for a in range(_PROBES):
            out[b, a] = _probe(b, a + 1, n_bins)
    return out


@nb.njit(inline="always")
def _oph_doc(toks, stop_tab, stop_sentinel, probes, sig, filled) -> None:
    """One-permutation MinHash of one document into the row ``sig`` (see :func:`fingerprint_batch`).

    ``sig`` must hold 0xFFFFFFFF everywhere and ``filled`` False everywhere on entry;
    ``probes`` is :func:`probe_table` of ``sig.shape[0]`` bins.
    """
    n_bins = sig.shape[0]
    any_ = False
    for t in range(toks.shape[0]):
        h0 = toks[t]
        if _is_stop(stop_tab, stop_sentinel, h0):
            continue
        h = fmix64(h0 ^ np.uint64(0x5BD1E9955BD1E995))
        b = int(((h >> np.uint64(32)) * np.uint64(n_bins)) >> np.uint64(32))
        v = np.uint32(h & np.uint64(0xFFFFFFFF))
        # an unfilled bin still holds 0xFFFFFFFF, so the minimum alone is the right update
        if v < sig[b]:
            sig[b] = v
        filled[b] = True
        any_ = True
    if not any_:
        return
    for b in range(n_bins):
        if filled[b]:
            continue
        done = False
        for a in range(_PROBES):
            j = probes[b, a]
            if filled[j]:
                sig[b] = sig[j]
                done = True
                break
        attempt = _PROBES + 1
        while not done:
            j = _probe(b, attempt, n_bins)
            if filled[j]:
                sig[b] = sig[j]
                done = True
            attempt += 1


def stop_table(stop: np.ndarray) -> tuple[np.ndarray, int]:
    """An open-addressing hash set of the token hashes ``stop``: (table, sentinel).

    Why not a binary search in the sorted array: that is ~8 unpredictable branches per token,
    and the signature looks up every token. ``sentinel`` is a value not in ``stop`` that marks
    empty slots. Plain Python, not a kernel: a stop list is a few hundred words, and loading a
    compiled kernel costs every process milliseconds (issue 14: start-up).

    >>> tab, sentinel = stop_table(np.array([5, 0, 1 << 40], dtype=np.uint64))
    >>> tab.shape[0], int(sentinel), sorted(int(x) for x in tab if x != sentinel)
    (16, 1, [0, 5, 1099511627776])
    """
    members = {int(x) for x in stop}
    sentinel = 0
    while sentinel in members:  # the smallest value that is not a stop hash
        sentinel += 1
    size = 16
    while size < 4 * stop.shape[0]:
        size <<= 1
    slots = [sentinel] * size
    mask = size - 1
    for x in (int(v) for v in stop):
        i = (x >> 40) & mask
        while slots[i] != sentinel and slots[i] != x:
            i = (i + 1) & mask
        slots[i] = x
    return np.array(slots, dtype=np.uint64), sentinel


@nb.njit(inline="always")
def _terms_doc(toks, stop_tab, sentinel, out, o0) -> int:
    """Distinct content words of one document (not stop words), sorted, into out[o0:]; returns
    how many. Kept as the high 32 bits of the token hash: a set-overlap filter tolerates the
    rare collision and the corpus keeps half the memory."""
    m = 0
    for t in range(toks.shape[0]):
        h = toks[t]
        if not _is_stop(stop_tab, sentinel, h):
            out[o0 + m] = np.uint32(h >> np.uint64(32))
            m += 1
    if m > 1:
        out[o0 : o0 + m].sort()
        w = 1
        for r in range(1, m):
            if out[o0 + r] != out[o0 + w - 1]:
                out[o0 + w] = out[o0 + r]
                w += 1
        m = w
    return m


#: bytes of text per token slot a document is given in a batch's buffers before its tokens are
#: counted (English news: about six bytes a token; Chinese and Japanese: three, one character);
#: a document with more tokens than its slots is done again once its count is known.
BYTES_PER_SLOT = 3


#: a document longer than this (bytes) has its tokens counted before they are hashed: shorter
#: ones hash into scratch of one token a byte, which for a 100 MB document would be 800 MB
COUNT_FIRST_BYTES = 1 << 20


@nb.njit(inline="always")
def _slots(nbytes: int) -> int:
    return nbytes // BYTES_PER_SLOT + 8


@nb.njit(nogil=True, cache=True, parallel=True)
def _fingerprint_kernel(buf, bounds, brk, brk_offs, k, stop_tab, sentinel, n_bins, want_offsets, want_terms, low):
    """Tokenise, shingle, sign and hash every document of a batch in one pass over its text.

    Why fused: a document's token hashes live in a small scratch array, still in cache when its
    shingles, signature, content hash and content words are computed from them; the text is
    read once. Its shingles (and token offsets, content words) go to slots reserved by its
    length in bytes (:data:`BYTES_PER_SLOT`), then are packed once every count is known; the
    rare document whose tokens outnumber its slots is tokenised again in that second step.

    Returns (n_tokens int64, content uint64, signature uint32 [ndocs, n_bins], shingles
    uint64, sh_offsets int64 [ndocs+1], token character offsets packed ``start << 32 | end``
    (empty unless ``want_offsets``; document d's tokens start at cumsum(n_tokens)[d-1]),
    content-word sets (uint32, empty unless ``want_terms``) and their int64 offsets [ndocs+1],
    Chinese and Japanese one-character tokens per document).
    """
    nd = bounds.shape[0] - 1
    slot = np.zeros(nd + 1, dtype=np.int64)
    for d in range(nd):
        slot[d + 1] = slot[d] + _slots(bounds[d + 1] - bounds[d])
    sh_slots = np.empty(slot[nd], dtype=np.uint64)
    off_slots = np.empty(slot[nd] if want_offsets else 0, dtype=np.uint64)
    term_slots = np.empty(slot[nd] if want_terms else 0, dtype=np.uint32)
    ntok = np.empty(nd, dtype=np.int64)
    singles = np.empty(nd, dtype=np.int64)
    nterms = np.zeros(nd, dtype=np.int64)
    content = np.empty(nd, dtype=np.uint64)
    probes = probe_table(n_bins)
    sig = np.full((nd, n_bins), _EMPTY, dtype=np.uint32)
    no_offsets = np.empty(0, dtype=np.uint64)
    for d in nb.prange(nd):
        nbytes = bounds[d + 1] - bounds[d]
        room = slot[d + 1] - slot[d]
        cap = nbytes  # a token takes at least one byte
        if nbytes > COUNT_FIRST_BYTES:
            cap = count_tokens(buf, bounds[d], bounds[d + 1], brk, brk_offs[d], brk_offs[d + 1], low)[0]
        toks = np.empty(cap, dtype=np.uint64)
        offs = np.empty(cap if want_offsets else 0, dtype=np.uint64)
        n, s = hash_tokens(buf, bounds[d], bounds[d + 1], toks, offs, 0, brk, brk_offs[d], brk_offs[d + 1], low)
        ntok[d] = n
        singles[d] = s
        t = toks[:n]
        content[d] = _content_doc(t)
        filled = np.zeros(n_bins, dtype=np.bool_)
        _oph_doc(t, stop_tab, sentinel, probes, sig[d], filled)
        if n <= room:
            _shingle_doc(t, k, sh_slots, slot[d])
            if want_offsets:
                off_slots[slot[d] : slot[d] + n] = offs[:n]
            if want_terms:
                nterms[d] = _terms_doc(t, stop_tab, sentinel, term_slots, slot[d])
        elif want_terms:
            nterms[d] = _terms_doc(t, stop_tab, sentinel, np.empty(n, dtype=np.uint32), 0)
    sh_offs = np.zeros(nd + 1, dtype=np.int64)
    tok_offs = np.zeros(nd + 1, dtype=np.int64)
    term_offs = np.zeros(nd + 1, dtype=np.int64)
    for d in range(nd):
        sh_offs[d + 1] = sh_offs[d] + _n_shingles(ntok[d], k)
        tok_offs[d + 1] = tok_offs[d] + ntok[d]
        term_offs[d + 1] = term_offs[d] + nterms[d]
    shingles = np.empty(sh_offs[nd], dtype=np.uint64)
    packed = np.empty(tok_offs[nd] if want_offsets else 0, dtype=np.uint64)
    terms = np.empty(term_offs[nd] if want_terms else 0, dtype=np.uint32)
    for d in nb.prange(nd):
        n = ntok[d]
        if n <= slot[d + 1] - slot[d]:
            shingles[sh_offs[d] : sh_offs[d + 1]] = sh_slots[slot[d] : slot[d] + sh_offs[d + 1] - sh_offs[d]]
            if want_offsets:
                packed[tok_offs[d] : tok_offs[d + 1]] = off_slots[slot[d] : slot[d] + n]
            if want_terms:
                terms[term_offs[d] : term_offs[d + 1]] = term_slots[slot[d] : slot[d] + nterms[d]]
            continue
        toks = np.empty(n, dtype=np.uint64)
        hash_tokens(buf, bounds[d], bounds[d + 1], toks, packed if want_offsets else no_offsets, tok_offs[d], brk,
                    brk_offs[d], brk_offs[d + 1], low)
        _shingle_doc(toks, k, shingles, sh_offs[d])
        if want_terms:  # sorted and made distinct in place: in scratch, not over the next document's
            scratch = np.empty(n, dtype=np.uint32)
            m = _terms_doc(toks, stop_tab, sentinel, scratch, 0)
            terms[term_offs[d] : term_offs[d] + m] = scratch[:m]
    return ntok, content, sig, shingles, sh_offs, packed, terms, term_offs, singles


@nb.njit(nogil=True, cache=True, parallel=True)
def shingle_batch(tok_hashes: np.ndarray, tok_offsets: np.ndarray, k: int):
    """Word k-gram shingle hashes, in document order (one per start position).

    A document shorter than ``k`` tokens gets one shingle made of all its tokens, so short
    texts still match each other. Returns (shingles uint64, sh_offsets int64 [ndocs+1]).
    """
    nd = tok_offsets.shape[0] - 1
    counts = np.zeros(nd + 1, dtype=np.int64)
    for d in range(nd):
        counts[d + 1] = _n_shingles(tok_offsets[d + 1] - tok_offsets[d], k)
    offs = np.cumsum(counts)
    out = np.empty(offs[nd], dtype=np.uint64)
    for d in nb.prange(nd):
        _shingle_doc(tok_hashes[tok_offsets[d] : tok_offsets[d + 1]], k, out, offs[d])
    return out, offs


@nb.njit(nogil=True, cache=True)
def band_keys(sig: np.ndarray, rows: int = 1) -> np.ndarray:
    """LSH keys: one per band of ``rows`` consecutive bins, hashing the band number and values."""
    nd, nbins = sig.shape
    nbands = nbins // rows
    out = np.empty((nd, nbands), dtype=np.uint64)
    for d in range(nd):
        for b in range(nbands):
            h = fmix64(np.uint64(b + 1) * _MIX_PRIME)
            for r in range(rows):
                h = fmix64((h ^ np.uint64(sig[d, b * rows + r])) * FNV_PRIME)
            out[d, b] = h
    return out


def bin_sketch(signature: np.ndarray) -> np.ndarray:
    """One byte per bin of a one-permutation signature (its low 8 bits): uint8 [ndocs, bins].

    Why: two documents agree on a bin with probability J (the Jaccard similarity of their
    content-word sets), so the share of agreeing bins estimates J; a byte keeps that estimate
    (chance agreement 1/256) at a quarter of the memory of the 32-bit bins, and the candidate
    filter compares 8 bins per machine word (:func:`retold.candidates.sketch_agreement`).

    >>> fp = fingerprint_batch(["Kim was quick to deny Putin", "Kim was quick to deny Putin again"])
    >>> sk = bin_sketch(fp.signature)
    >>> sk.shape, sk.dtype.name, int((sk[0] == sk[1]).sum()) > 160
    ((2, 320), 'uint8', True)
    """
    return (signature & np.uint32(0xFF)).astype(np.uint8)


@dataclass(slots=True)
class Fingerprints:
    """Fingerprints of a batch of documents (plain arrays, one row per document).

    Attributes:
        n_tokens: int64 number of tokens per document.
        content: uint64 hash of the whole normalised token sequence.
        signature: uint32 [ndocs, bands * rows] one-permutation MinHash of content words.
        shingles: uint64 shingle hashes of all documents, concatenated in order.
        sh_offsets: int64 [ndocs + 1] document boundaries in ``shingles``.
        token_offsets: uint64 ``start << 32 | end`` character offsets of every token in the
            original text (``None`` unless asked for); document d's tokens start at
            ``n_tokens[:d].sum()``.
        singles: int64 tokens per document that are one Chinese or Japanese character.
    """

    n_tokens: np.ndarray
    content: np.ndarray
    signature: np.ndarray
    shingles: np.ndarray
    sh_offsets: np.ndarray
    token_offsets: np.ndarray | None = None
    terms: np.ndarray | None = None
    term_offsets: np.ndarray | None = None
    singles: np.ndarray | None = None


def encode_batch(texts: list[str], fold: bool = True, encoded: Encoded | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """UTF-8 encode texts into one buffer plus boundaries, with the word breaks of scripts
    written without spaces (:func:`retold.text.breaks_batch`) and the case table: the kernels'
    input (``tokenize_batch(*encode_batch(texts))``).

    Texts are not lowercased here where the kernel can fold them as it reads them
    (:func:`retold.text.kernel_can_lower`: ASCII and nearly all other text); the rest
    (a capital sigma, a dotted capital I, characters beyond the BMP, scripts without spaces)
    pay for ``str.lower``. ``fold=False``: lowercase every non-ASCII text with ``str.lower``
    (the reference the tests compare the kernel's folding with). ``encoded``: the texts' UTF-8
    where the caller has it (:class:`retold.text.Encoded`).
    """
    if not fold:
        return _encode_lowered(texts)
    enc = encoded if encoded is not None else Encoded.of(texts)
    buf, bounds = enc.buf, enc.bounds
    other = np.flatnonzero(~enc.ascii)
    if not other.shape[0]:
        return buf, bounds, _NO_BREAKS, np.zeros(len(texts) + 1, dtype=np.int64), NO_LOWER
    check = np.zeros(len(texts), dtype=np.bool_)
    check[other] = True
    redo = np.flatnonzero(cannot_lower(buf, bounds, check)).tolist()
    if not redo:
        return buf, bounds, _NO_BREAKS, np.zeros(len(texts) + 1, dtype=np.int64), lower_table()
    # what the kernel cannot fold (see kernel_can_lower) is lowercased here, then encoded again
    parts = [t.encode("utf-8", errors="surrogatepass") for t in texts]
    lowered = list(texts)
    for k in redo:
        lowered[k] = texts[k].lower()
        parts[k] = lowered[k].encode("utf-8", errors="surrogatepass")
    buf, bounds = _joined(parts)
    brk, brk_offs = breaks_batch(lowered, parts)
    return buf, bounds, brk, brk_offs, lower_table() if len(redo) < other.shape[0] else NO_LOWER


def _joined(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts)), out=bounds[1:])
    return np.frombuffer(b"".join(parts), dtype=np.uint8), bounds


def _encode_lowered(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`encode_batch` with every non-ASCII text lowercased by ``str.lower`` (``fold=False``)."""
    lowered = [t if t.isascii() else t.lower() for t in texts]
    parts = [t.encode("utf-8", errors="surrogatepass") for t in lowered]
    buf, bounds = _joined(parts)
    brk, brk_offs = breaks_batch(lowered, parts)
    return buf, bounds, brk, brk_offs, NO_LOWER


def token_hashes(words: list[str]) -> np.ndarray:
    """Sorted unique token hashes of some words (e.g. a stop list).

    >>> len(token_hashes(["The", "the", "cat"]))
    2
    """
    hashes, _, _ = tokenize_batch(*encode_batch([" ".join(words)]))
    return np.unique(hashes)


_M64 = (1 << 64) - 1


def _ascii_word_hash(word: str) -> int:
    """The token hash of one ASCII word of letters and digits, in plain Python: FNV-1a of its
    lower-cased bytes, then ``fmix64``, as :func:`retold.text.hash_tokens` computes it.

    Why: the stop list is hashed when this module is imported, by every process, and calling the
    tokeniser kernel there loaded it (and numba's whole target) into runs that never call it
    (issue 14: start-up). ``tests/test_fingerprints.py`` checks it against the kernel.

    >>> _ascii_word_hash("Cat") == int(token_hashes(["cat"])[0])
    True
    """
    if not (word.isascii() and word.isalnum()):
        raise ValueError(f"not one ASCII word: {word!r}")
    h = int(FNV_OFFSET)
    for c in word.lower().encode("ascii"):
        h = ((h ^ c) * int(FNV_PRIME)) & _M64
    for mul in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h ^= h >> 33
        h = (h * mul) & _M64
    return h ^ (h >> 33)


STOP_HASHES = np.array(sorted({_ascii_word_hash(w) for w in STOP_WORDS}), dtype=np.uint64)
STOP_TABLE, STOP_SENTINEL = stop_table(STOP_HASHES)


def fingerprint_batch(texts: list[str], shingle_size: int = DEFAULT_SHINGLE,
                      n_bins: int = DEFAULT_BANDS * DEFAULT_ROWS, stop: np.ndarray | None = None,
                      offsets: bool = False, terms: bool = False, fold: bool = True,
                      encoded: Encoded | None = None) -> Fingerprints:
    """Tokenise, shingle and sign a batch of documents.

    ``offsets``: also each token's character offsets; ``terms``: also each document's distinct
    content words (uint32 hashes, sorted; CSR by ``term_offsets``), the paraphrase tier's filter.
    ``fold``, ``encoded``: see :func:`encode_batch` (the same fingerprints either way).

    >>> fp = fingerprint_batch(["Kim was quick to deny Putin", "KIM was quick, to deny Putin!"])
    >>> fp.n_tokens.tolist(), bool(fp.content[0] == fp.content[1])
    ([6, 6], True)
    >>> fp.signature.shape
    (2, 320)
    """
    buf, bounds, brk, brk_offs, low = encode_batch(texts, fold, encoded)
    stop_tab, sentinel = (STOP_TABLE, STOP_SENTINEL) if stop is None else stop_table(stop)
    n_tokens, content, sig, sh, sh_offsets, packed, tset, toffs, singles = _fingerprint_kernel(
        buf, bounds, brk, brk_offs, shingle_size, stop_tab, sentinel, n_bins, offsets, terms, low)
    if offsets:
        # the kernel counted characters of text.lower(); where lowercasing changed the length
        # (rare: e.g. a dotted capital I), map back to the original text per document
        base = 0
        for d, text in enumerate(texts):
            n = int(n_tokens[d])
            if "\u0130" in text:  # the one character whose lowercase is longer (two)
                t = tokens(text)
                packed[base : base + n] = (t.starts.astype(np.uint64) << np.uint64(32)) | t.ends.astype(np.uint64)
            base += n
    return Fingerprints(n_tokens=n_tokens, content=content, signature=sig, shingles=sh, sh_offsets=sh_offsets,
                        token_offsets=packed if offsets else None, terms=tset if terms else None,
                        term_offsets=toffs if terms else None, singles=singles)


def shingles_of(text: str, shingle_size: int = DEFAULT_SHINGLE) -> np.ndarray:
    """Shingle hashes of one text, in order.

    >>> len(shingles_of("one two three four")), len(shingles_of("one two"))
    (2, 1)
    """
    fp = fingerprint_batch([text], shingle_size, 1)
    return fp.shingles
