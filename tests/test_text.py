"""Tokenisation: offsets into the original text, normalisation, scripts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.fingerprints import fingerprint_batch
from retold.text import tokens


def words(text: str) -> list[str]:
    t = tokens(text)
    return [text[s:e] for s, e in zip(t.starts.tolist(), t.ends.tolist(), strict=True)]


def test_offsets_point_into_original_text():
    text = ("\u201cPosting on Twitter\u201d she claimed\u00a0\u2014 Kim\u2019s U.S. visit, "
            "13,500 troops.")
    assert words(text) == ["Posting", "on", "Twitter", "she", "claimed", "Kim", "s", "U", "S", "visit", "13",
                           "500", "troops"]


def test_case_quotes_and_spaces_do_not_change_tokens():
    a = tokens("\u201cIt\u2019s  over,\u201d he said\u00a0- today")
    b = tokens('"IT\'S over," HE said -- TODAY')
    assert np.array_equal(a.hashes, b.hashes)


def test_urdu_and_cjk():
    text = "\u067e\u0627\u06a9\u0633\u062a\u0627\u0646 \u06a9\u06d4 \u6771\u4eac\u90fd\u3002ok"
    pakistan = "\u067e\u0627\u06a9\u0633\u062a\u0627\u0646"
    assert words(text) == [pakistan, "\u06a9", "\u6771", "\u4eac", "\u90fd", "ok"]


def test_length_changing_lowercase_keeps_offsets():
    text = "\u0130stanbul and Ankara"
    assert words(text) == ["\u0130stanbul", "and", "Ankara"]


def test_empty_and_punctuation_only():
    assert len(tokens("")) == 0
    assert len(tokens("  ... \u2014 !!! ")) == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_tokens_are_word_runs_of_the_original(text):
    t = tokens(text)
    prev_end = 0
    for s, e in zip(t.starts.tolist(), t.ends.tolist(), strict=True):
        assert prev_end <= s < e <= len(text)
        piece = text[s:e]
        assert piece.strip() == piece and piece != ""
        prev_end = e


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=8))
def test_batch_kernel_agrees_with_single_document_path(texts):
    fp = fingerprint_batch(texts)
    for i, text in enumerate(texts):
        assert fp.n_tokens[i] == len(tokens(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_corpus_kernel_offsets_equal_single_document_offsets(texts):
    fp = fingerprint_batch(texts, offsets=True)
    base = 0
    for i, text in enumerate(texts):
        t = tokens(text)
        n = int(fp.n_tokens[i])
        packed = fp.token_offsets[base : base + n]
        assert (packed >> np.uint64(32)).tolist() == t.starts.tolist()
        assert (packed & np.uint64(0xFFFFFFFF)).tolist() == t.ends.tolist()
        base += n
