"""Tokenisation: offsets into the original text, normalisation, scripts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.boilerplate import mask
from retold.fingerprints import fingerprint_batch
from retold.text import Encoded, tokens


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


def test_thai_lao_khmer_burmese_are_split_into_words_with_exact_offsets():
    from retold.text import segmenter, word_breaks

    samples = {"th": "ปฏิญญาสากลว่าด้วยสิทธิมนุษยชน", "lo": "ປະຕິຍານສາກົນວ່າດ້ວຍສິດທິມະນຸດ",
               "km": "សេចក្តីប្រកាសជាសកលស្តីពីសិទ្ធិមនុស្ស", "my": "လူ့အခွင့်အရေး ကမ္ဘာ့ကြေညာစာတမ်း"}
    for lang, text in samples.items():
        t = tokens("Kim: " + text + " ok")
        got = [("Kim: " + text + " ok")[s:e] for s, e in zip(t.starts.tolist(), t.ends.tolist())]
        # no space inside a run of these scripts, yet it holds several words
        assert len(got) >= 5, (lang, got)
        assert got[0] == "Kim" and got[-1] == "ok"
        assert "".join(got[1:-1]).replace(" ", "") == text.replace(" ", ""), lang
        assert all(len(w) <= len(text) for w in got)
    assert word_breaks("English, Русский, 中文, اردو").tolist() == []
    if segmenter() == "icu":  # dictionary words, not letters
        assert words("ภาษาไทยง่ายนิดเดียว") == ["ภาษา", "ไทย", "ง่าย", "นิด", "เดียว"]
    else:
        assert words("ภาษา") == ["ภ", "า", "ษ", "า"]


_PIECES = ["ภาษาไทย", "ง่ายนิดเดียว", "ສາກົນ", "សិទ្ធិមនុស្ស", "ကမ္ဘာ့", "東京", "Kim", "İstanbul", " ", "\n", ". ",
           "2024", "\u201c", "ok"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12))
def test_thai_and_mixed_text_offsets_agree_between_the_corpus_kernel_and_tokens(parts):
    text = "".join(parts)
    t = tokens(text)
    fp = fingerprint_batch([text], offsets=True)
    assert fp.token_offsets is not None
    starts = (fp.token_offsets >> np.uint64(32)).astype(np.int64)
    ends = (fp.token_offsets & np.uint64(0xFFFFFFFF)).astype(np.int64)
    assert starts.tolist() == t.starts.tolist() and ends.tolist() == t.ends.tolist()
    assert all(text[s:e].strip() == text[s:e] and e > s for s, e in zip(starts.tolist(), ends.tolist()))
    assert (np.diff(starts) > 0).all() if len(starts) > 1 else True


def test_word_counts_count_chinese_and_japanese_characters_as_words_on_real_text():
    """Real Chinese and Japanese text (``../shared/data/mling``): every character is a token, and
    1.55 of them a word; Latin, Cyrillic and Korean words are counted as they are."""
    import json

    from retold.text import CJK_CHARS_PER_WORD, SINGLE_CHAR_RANGES, word_counts

    from .conftest import SHARED

    d = SHARED / "data" / "mling"
    if not d.exists():
        pytest.skip(f"multilingual samples not found at {d}")
    texts = [json.loads(open(d / f"{lang}.jsonl", encoding="utf-8").readline())["text"]
             for lang in ("zh", "ja", "ru", "ko")]
    texts.append(texts[0] + " LibreOffice Calc 2024")
    n = np.array([len(tokens(t)) for t in texts])
    w = word_counts(texts, n)
    han = [sum(any(lo <= ord(c) <= hi for lo, hi in SINGLE_CHAR_RANGES) for c in t) for t in texts]
    assert han[0] > 100 and han[1] > 100
    for k in range(len(texts)):
        assert w[k] == pytest.approx(n[k] - han[k] + han[k] / CJK_CHARS_PER_WORD)
    assert w[2] == n[2] and w[3] == n[3]  # Russian and Korean: words are tokens
    assert w[4] == pytest.approx(w[0] + 3)  # three Latin words and a number added


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([*_PIECES, "東京で会議が開かれた", "カタカナ", "\U00020000", "𠀋x", "\u3000"]),
                min_size=0, max_size=12))
def test_the_kernels_single_character_count_gives_word_counts(parts):
    """Signing takes word counts from the kernel's count of one-character tokens: exactly what
    the regular expression over the text gives (the partial rule's unit)."""
    from retold.text import word_counts, words_of_tokens

    texts = ["".join(parts), "Kim said no", ""]
    fp = fingerprint_batch(texts)
    assert fp.singles is not None
    assert words_of_tokens(fp.n_tokens, fp.singles).tolist() == word_counts(texts, fp.n_tokens).tolist()


_PIECES = st.sampled_from(["Share this", "\n", " ", "caf\u00e9", "\u00a9 2024", "\U0001f600", "Leave a reply", "x"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=8).map("".join), min_size=1, max_size=4), st.data())
def test_blanked_bytes_are_the_masked_texts_bytes(texts, data):
    spans = []
    for t in texts:
        cuts = sorted(data.draw(st.lists(st.integers(0, len(t)), max_size=4)))
        spans.append([(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)])
    got = Encoded.of(texts).blanked(texts, spans)
    masked = [mask(t, sp) if sp else t for t, sp in zip(texts, spans, strict=True)]
    if got is None:  # only where a blanked span held a character of several bytes
        assert any(len(t[s:e].encode("utf-8", errors="surrogatepass")) != e - s
                   for t, sp in zip(texts, spans, strict=True) for s, e in sp)
        return
    want = Encoded.of(masked)
    assert bytes(got.buf) == bytes(want.buf)
    assert got.bounds.tolist() == want.bounds.tolist() and got.ascii.tolist() == want.ascii.tolist()
    assert not got.buf.flags.writeable
