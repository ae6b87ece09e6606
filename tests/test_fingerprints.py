"""Kernels: shingles, signatures, candidates and exact verification (property tests)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retold.candidates import candidate_pairs
from retold.fingerprints import (
    STOP_HASHES,
    STOP_SENTINEL,
    STOP_TABLE,
    STOP_WORDS,
    _ascii_word_hash,
    band_keys,
    fingerprint_batch,
    stop_table,
    token_hashes,
)


def test_signature_of_empty_document_matches_nothing():
    fp = fingerprint_batch(["", "   ", "real words here and there"])
    assert fp.n_tokens.tolist() == [0, 0, 5]
    a, _, _ = candidate_pairs(band_keys(fp.signature, 5), max_postings=1000)
    assert a.shape[0] <= 1  # the two empty ones may collide; find() never indexes empty documents


def test_the_stop_list_is_hashed_as_the_tokeniser_hashes_it():
    """The stop list's hashes are computed in plain Python at import (no kernel loaded): they
    must be the tokeniser's, or stop words would count in the signature."""
    assert np.array_equal(STOP_HASHES, token_hashes(STOP_WORDS))
    assert np.array_equal(STOP_TABLE, stop_table(token_hashes(STOP_WORDS))[0]) and STOP_SENTINEL == 0
    with_stop = fingerprint_batch(["the cat sat on the mat with a hat"], stop=token_hashes(STOP_WORDS))
    assert np.array_equal(fingerprint_batch(["the cat sat on the mat with a hat"]).signature, with_stop.signature)
    with pytest.raises(ValueError, match="not one ASCII word"):
        _ascii_word_hash("two words")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=30))
def test_ascii_word_hash_is_the_kernels(word):
    assert _ascii_word_hash(word) == int(token_hashes([word])[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=80))
def test_stop_table_holds_exactly_its_members(values):
    stop = np.array(values, dtype=np.uint64)
    tab, sentinel = stop_table(stop)
    size = tab.shape[0]
    assert size >= 16 and size & (size - 1) == 0 and size >= 4 * len(values)
    assert sentinel not in set(values) and all(s in set(values) for s in range(sentinel))
    members = [int(x) for x in tab if int(x) != sentinel]
    assert sorted(members) == sorted(set(values))
    for x in set(values):  # each member is on its probe path: linear probing from its home slot
        i = (x >> 40) & (size - 1)
        while int(tab[i]) != x:
            assert int(tab[i]) != sentinel
            i = (i + 1) & (size - 1)


def _oph_reference(hashes: list[int], stop: set[int], n_bins: int) -> list[int]:
    """One-permutation MinHash with densification, in plain Python (the kernel's definition)."""
    m64 = (1 << 64) - 1

    def fmix(h: int) -> int:
        for mul in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
            h ^= h >> 33
            h = (h * mul) & m64
        return h ^ (h >> 33)

    sig: list[int | None] = [None] * n_bins
    for h0 in hashes:
        if h0 in stop:
            continue
        h = fmix(h0 ^ 0x5BD1E9955BD1E995)
        b = ((h >> 32) * n_bins) >> 32
        v = h & 0xFFFFFFFF
        sig[b] = v if sig[b] is None else min(sig[b], v)
    if all(v is None for v in sig):
        return [0xFFFFFFFF] * n_bins
    out = []
    for b in range(n_bins):
        attempt = 0
        j = b
        while sig[j] is None:
            attempt += 1
            j = fmix((b * 0x10001 + attempt) & m64) % n_bins
        out.append(sig[j])
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["the", "a", "of", "said", "Kim", "Putin", "oil", "prices", "rose", "in", "London",
                                 "東", "ภาษา", "7", "mr", "deny"]), max_size=80).map(" ".join),
       st.sampled_from([8, 64, 320]))
def test_the_signature_is_one_permutation_minhash_of_the_content_words(text, n_bins):
    """The kernel's signature is the plain definition's: per bin the least hash of the content
    words falling in it, empty bins filled from the bins their probe sequence meets first."""
    from retold.text import tokens

    fp = fingerprint_batch([text], n_bins=n_bins)
    hashes = [int(h) for h in tokens(text).hashes]
    want = _oph_reference(hashes, set(STOP_HASHES.tolist()), n_bins)
    assert fp.signature[0].tolist() == want


_CASED = ["Ärger", "KÖLN", "ΑΘΗΝΑ", "ΟΔΟΣ", "Σ", "ЖУК", "Москва", "\u212a", "\u2126", "\u212b", "Ａｂ", "Ⅻ",
          "\u24b6", "\u023a", "\u1e9e", "İstanbul", "Ⴀ", "Ꭰ", "Ա", "É", "ǅ", "ΐ", "𐐀", "😀", "東京", "ภาษา",
          "abc", "ABC", "1,5", " ", "\n", "—", "\u00a0", "\ufffd", "x\u0301", "\U000e0001", "\U00040000"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CASED), max_size=10).map("".join), min_size=1, max_size=6))
def test_the_kernels_case_folding_gives_the_fingerprints_of_str_lower(texts):
    """Non-ASCII text is lowercased by the kernel as it reads it (a table of every BMP code
    point's lowercase) instead of by ``str.lower()``: the same tokens, offsets, shingles,
    signatures and content words, including characters whose lowercase is another length in
    UTF-8 (Kelvin sign -> k, U+023A -> U+2C65) or another class (the Ohm sign is a symbol, its
    lowercase a letter), and the text the table must not fold (final sigma, dotted I, emoji)."""
    folded = fingerprint_batch(texts, offsets=True, terms=True)
    reference = fingerprint_batch(texts, offsets=True, terms=True, fold=False)
    for name in ("n_tokens", "content", "signature", "shingles", "sh_offsets", "token_offsets", "terms",
                 "term_offsets", "singles"):
        assert np.array_equal(getattr(folded, name), getattr(reference, name)), name


def test_the_case_table_folds_what_str_lower_folds():
    from retold.text import kernel_can_lower, lower_table

    t = lower_table()
    assert chr(t[0x2126]) == "\u03c9" and chr(t[0x023A]) == "\u2c65" and chr(t[ord("Ж")]) == "ж"
    # ASCII is folded by the kernel itself (A-Z), not by the table
    assert all(chr(t[c]) == chr(c).lower() for c in range(0x80, 0x10000) if len(chr(c).lower()) == 1)
    # U+0130 is the one character whose lowercase is two: text holding it is lowered by str.lower()
    assert [c for c in range(0x110000) if len(chr(c).lower()) != 1] == [0x130]
    assert not kernel_can_lower("İzmir".encode()) and not kernel_can_lower("ΟΔΟΣ".encode())
    assert not kernel_can_lower("ok 😀".encode()) and kernel_can_lower("Ärger in Köln".encode())
    # beyond the first plane nothing has another lowercase: the kernel reads it as it is
    assert all(chr(c).lower() == chr(c) for c in range(0x20000, 0x110000))
    assert kernel_can_lower("\U000e0001 \U000f0000".encode())  # lead bytes F3


_PIECES = ["a", "b ", "I ", "7,", "ab ", "Kim ", "words ", "東", "京 ", "ภาษาไทย", "ไทย ", ". ", "İ", "x", "\n",
           "Σ ", "😀", "é", "Ж "]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join), min_size=1, max_size=8))
@example(["One story. " * 3, "b " * 100, "Kim said so.", "東" * 30 + " a" * 40, "a,7 " * 30, ""])
def test_the_batch_kernel_gives_each_document_its_own_tokens_whatever_its_slots(texts):
    """The batch kernel writes each document's shingles to slots reserved by its length in
    bytes and tokenises again any document with more tokens than slots (one-letter words,
    Chinese characters with spaces): every array must be what the document alone gives, and
    its tokens those of the one tokeniser (:func:`retold.text.tokens`)."""
    from retold.fingerprints import shingle_batch
    from retold.text import tokens

    batch = fingerprint_batch(texts, offsets=True, terms=True)
    alone = [fingerprint_batch([t], offsets=True, terms=True) for t in texts]
    for name in ("n_tokens", "content", "signature", "shingles", "token_offsets", "terms", "singles"):
        assert np.array_equal(getattr(batch, name), np.concatenate([getattr(f, name) for f in alone])), name
    base = 0
    for d, t in enumerate(texts):
        tok = tokens(t)
        n = len(tok)
        assert int(batch.n_tokens[d]) == n
        packed = batch.token_offsets[base : base + n]
        assert (packed >> np.uint64(32)).tolist() == tok.starts.tolist()
        assert (packed & np.uint64(0xFFFFFFFF)).tolist() == tok.ends.tolist()
        sh, _ = shingle_batch(tok.hashes, np.array([0, n], dtype=np.int64), 3)
        assert batch.shingles[batch.sh_offsets[d] : batch.sh_offsets[d + 1]].tolist() == sh.tolist()
        base += n


def test_a_document_over_a_megabyte_is_counted_first_and_signed_the_same():
    """Documents longer than COUNT_FIRST_BYTES get exact token scratch (counted first) instead of
    one slot a byte: their tokens, shingles and signature are those of the one tokeniser."""
    from retold.fingerprints import COUNT_FIRST_BYTES, shingle_batch
    from retold.text import tokens

    words = ["Oil", "prices", "rose", "in", "London", "on", "Monday", "東京", "said", "Kim"]
    text = " ".join(words[i % len(words)] + str(i % 13) for i in range(COUNT_FIRST_BYTES // 5))
    assert len(text.encode()) > COUNT_FIRST_BYTES
    fp = fingerprint_batch(["a short one", text], offsets=True, terms=True)
    tok = tokens(text)
    n = len(tok)
    assert fp.n_tokens.tolist() == [3, n]
    assert (fp.token_offsets[3:] >> np.uint64(32)).tolist() == tok.starts.tolist()
    sh, _ = shingle_batch(tok.hashes, np.array([0, n], dtype=np.int64), 3)
    assert fp.shingles[fp.sh_offsets[1]:].tolist() == sh.tolist()
    assert np.array_equal(fp.signature[1], fingerprint_batch([text]).signature[0])
