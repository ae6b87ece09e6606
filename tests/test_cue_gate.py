"""The compiled gate passes over only documents that have no single-page cue."""

from __future__ import annotations

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.boilerplate import cue_spans
from retold.cue_gate import _line_ends, cue_lines, may_have_cues

CUE_LINES = ["Share this article", "Please enter your comment!", "  SHARE POST:  ", "© 2024 Gazette",
             "Copyright 2023 Daily News. All rights reserved.", "Our Gazette ltd \u2014 all rights reserved \u2026",
             "12 comments", "More like this", "[REPORT] Kim denies everything", "READ MORE: the full story",
             "Facebook | Twitter | Email", "\u00a0Advertisement\u00a0", "Follow us on Twitter",
             "\u017fhare this article", "We use cookies to improve your experience."]
OTHER = ["Kim was quick to deny Putin assistance.", "The allegation comes as the war reaches its second year.",
         "", "   ", "\u0627\u0644\u062e\u0628\u0631", "\u5317\u4eac\u6d88\u606f", "a" * 170, "Share " + "x" * 200]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CUE_LINES + OTHER) | st.text(max_size=40), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_the_gate_never_passes_over_a_cue(lines, sep) -> None:
    text = sep.join(lines)
    if cue_spans(text):
        assert may_have_cues([text])[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CUE_LINES + OTHER + ["Related articles", "More like this:", "x" * 30])
                | st.text(max_size=40), min_size=1, max_size=14),
       st.sampled_from(["\n", "\r\n"]))
def test_cues_found_from_the_candidate_lines_are_the_cues_found_from_every_line(lines, sep) -> None:
    text = sep.join(lines)
    cands = cue_lines([text])[0]
    assert cue_spans(text, cands) == cue_spans(text)
    assert all(0 <= s <= e <= len(text) and "\n" not in text[s:e] for s, e in cands)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=70), st.lists(st.integers(0, 69), max_size=12))
def test_line_ends_are_every_line_feed_then_the_length(raw, feeds) -> None:
    buf = bytearray(raw)
    for f in feeds:  # line feeds in every position of a word, and runs of them
        if f < len(buf):
            buf[f] = 0x0A
    arr = np.frombuffer(bytes(buf), dtype=np.uint8)
    assert _line_ends(arr).tolist() == [*np.flatnonzero(arr == 0x0A).tolist(), len(buf)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CUE_LINES + OTHER) | st.text(max_size=12), max_size=5).map("\n".join)
                | st.sampled_from(["", "\n", "Share this article\n", "\n\nMore like this"]), min_size=1, max_size=8))
def test_a_batch_gives_each_text_the_lines_it_gets_alone(texts) -> None:
    # texts share one buffer: a line feed found for one text must never end a line of the next
    assert cue_lines(texts) == [cue_lines([t])[0] for t in texts]


def test_candidate_lines_are_character_offsets_in_mixed_scripts() -> None:
    texts = ["Ли\u00e9 \u5317\u4eac\nShare this article\r\nMore", "plain\nCopyright 2024 Gazette",
             "\ud800 x\n12 comments"]
    got = cue_lines(texts)
    assert [[t[s:e] for s, e in spans] for t, spans in zip(texts, got)] == [
        ["Share this article", "More"], ["Copyright 2024 Gazette"], ["12 comments"]]


def test_most_news_passes_the_gate_without_regular_expressions(bbc_path) -> None:
    texts = [orjson.loads(line)["text"] for line in bbc_path.read_bytes().splitlines()]
    gate = may_have_cues(texts)
    assert all(gate[i] for i, t in enumerate(texts) if cue_spans(t))
    assert gate.mean() < 0.3, "the gate lets through a small share of clean news"
