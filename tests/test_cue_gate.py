"""The compiled gate passes over only documents that have no single-page cue."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.boilerplate import cue_spans
from retold.cue_gate import may_have_cues

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


def test_most_news_passes_the_gate_without_regular_expressions(bbc_path) -> None:
    texts = [orjson.loads(line)["text"] for line in bbc_path.read_bytes().splitlines()]
    gate = may_have_cues(texts)
    assert all(gate[i] for i, t in enumerate(texts) if cue_spans(t))
    assert gate.mean() < 0.3, "the gate lets through a small share of clean news"
