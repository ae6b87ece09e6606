"""Sentence segmentation: news cases by hand, and the span invariants as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.sentences import split_sentences

from .conftest import EXAMPLES


def texts(t: str) -> list[str]:
    return [t[s:e] for s, e in split_sentences(t)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith went to Washington. He met Dr. Jones.", ["Mr. Smith went to Washington.", "He met Dr. Jones."]),
        ("The U.S. and the U.K. agreed. Talks go on.", ["The U.S. and the U.K. agreed.", "Talks go on."]),
        ("It fell to the U.S. The talks ended.", ["It fell to the U.S.", "The talks ended."]),
        ("We met at 10 a.m. on Monday. It rained.", ["We met at 10 a.m. on Monday.", "It rained."]),
        ("Shares fell 13.5 per cent. Oil rose.", ["Shares fell 13.5 per cent.", "Oil rose."]),
        ("John F. Kennedy spoke. Crowds cheered.", ["John F. Kennedy spoke.", "Crowds cheered."]),
        ('He said: "It is over." Then he left.', ['He said: "It is over."', "Then he left."]),
        ("She wrote: \u201cWe are done.\u201d Nobody replied.",
         ["She wrote: \u201cWe are done.\u201d", "Nobody replied."]),
        ('"Why?" he asked. Nobody knew.', ['"Why?" he asked.', "Nobody knew."]),
        ("Wait... what happened? It stopped!", ["Wait... what happened?", "It stopped!"]),
        ("The end is near\u2026 Nobody knows.", ["The end is near\u2026", "Nobody knows."]),
        ("Headline Without Stop\n\nBody text starts here.", ["Headline Without Stop", "Body text starts here."]),
        ("Related\nPutin speaks [REPORT]\nUS plane lands [REVEAL]",
         ["Related", "Putin speaks [REPORT]", "US plane lands [REVEAL]"]),
        ("a sentence that is hard\nwrapped in the middle. Next one.",
         ["a sentence that is hard\nwrapped in the middle.", "Next one."]),
        ("Apple Inc. said profits rose. Microsoft Corp. fell.",
         ["Apple Inc. said profits rose.", "Microsoft Corp. fell."]),
        ("Visit example.com. Then write.", ["Visit example.com.", "Then write."]),
        ("پاکستان جیت گیا۔ کیا ہوا؟ ٹھیک", ["پاکستان جیت گیا۔", "کیا ہوا؟", "ٹھیک"]),
        ("", []),
        ("  \n\n ", []),
    ],
)
def test_news_cases(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_seed_article_sentences() -> None:
    a = (EXAMPLES / "000_f6d4d808b074041e.txt").read_text(encoding="utf-8")
    s = texts(a)
    assert len(s) == 21
    assert s[9] == "Kim was quick to deny Putin assistance, according to XSoviet-News author Sarah Hurst."
    assert s[11] == "\u201cNorth Korea responded, 'You are too insane for us'.\""


def check_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    prev = 0
    for s, e in spans:
        assert 0 <= prev <= s < e <= len(text)  # ordered, non-overlapping, non-empty, inside
        assert not text[s].isspace() and not text[e - 1].isspace()  # trimmed
        assert text[prev:s].strip() == ""  # only whitespace between sentences: every other char is covered
        prev = e
    assert text[prev:].strip() == ""


ALPHABET = st.sampled_from(list("ab AB.!?\n\"'\u201d\u2019()13,\u06d4\u061f\u2026\t")
                           + ["Mr.", "U.S.", " a.m. ", "..."])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_spans_partition_non_space_text(text: str) -> None:
    check_invariants(text, split_sentences(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_spans_on_any_unicode(text: str) -> None:
    check_invariants(text, split_sentences(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .\n", max_size=400), st.integers(min_value=5, max_value=40))
def test_max_chars_bounds_length(text: str, limit: int) -> None:
    spans = split_sentences(text, max_chars=limit)
    check_invariants(text, spans)
    assert all(e - s <= limit for s, e in spans)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab A.!?\n\u2028\x1c \"'", max_size=200))
def test_remembered_starts_change_no_boundary(text: str) -> None:
    """_next_start remembers its answer over a run of whitespace (linear time on a run of line
    breaks); asking afresh each time must give the same sentences."""
    import retold.sentences as sent

    fresh = sent._next_start

    def forgetful(t, pos, memo=None):
        return fresh(t, pos, None)

    want = None
    sent._next_start = forgetful
    try:
        want = split_sentences(text)
    finally:
        sent._next_start = fresh
    assert split_sentences(text) == want
