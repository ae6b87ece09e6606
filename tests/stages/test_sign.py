"""Signing: furniture masked with offsets kept; the plan decides which columns exist; a document's
signature does not depend on the batch it is signed in."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.model import Options, Plan
from retold.stages.sign import doc_slice, evidence, evidence_batch, sign

from ..conftest import seed_texts


def test_the_seed_page_furniture_is_blanked_and_offsets_stay() -> None:
    _, b = seed_texts()
    text, spans = evidence(b, None, None, Plan(), Options())
    assert len(text) == len(b) and len(spans) == 10
    assert b[slice(*spans[0])] == "Please enter your comment!" and text[slice(*spans[0])].isspace()
    outside = [i for i in range(len(b)) if not any(s <= i < e for s, e in spans)]
    assert all(text[i] == b[i] for i in outside)
    assert evidence(b, None, None, Plan.for_kinds(boilerplate=False), Options()) == (b, [])


def test_the_plan_decides_which_columns_are_computed() -> None:
    texts = ["Kim was quick to deny Putin any assistance in the war, according to the report.", "", "One two"]
    fast = sign(texts, Options(), Plan.for_kinds("exact,near_duplicate"))
    assert fast.tok_offsets is None and fast.terms is None and fast.anchors.shape[0] == 0
    full = sign(texts, Options(), Plan())
    assert full.tok_offsets is not None and full.terms is not None
    assert full.n_tokens.tolist() == fast.n_tokens.tolist() == [15, 0, 2]
    assert np.array_equal(full.keys, fast.keys) and np.array_equal(full.shingles, fast.shingles)
    starts = doc_slice(full.tok_offsets, full.tok_bounds, 0) >> np.uint64(32)
    assert texts[0][int(starts[1]):int(starts[1]) + 3] == "was"


words = st.lists(st.sampled_from(["Kim", "denied", "Putin", "help", "the", "war", "2022", "é", "北京", "."]),
                 max_size=30).map(" ".join)


@settings(max_examples=50, deadline=None)
@given(st.lists(words, min_size=1, max_size=6))
def test_signing_a_document_alone_or_in_a_batch_gives_the_same_row(texts) -> None:
    plan, opt = Plan(), Options()
    batch = sign(texts, opt, plan)
    for d, t in enumerate(texts):
        one = sign([t], opt, plan)
        assert one.n_tokens[0] == batch.n_tokens[d] and one.content[0] == batch.content[d]
        assert np.array_equal(one.keys[0], batch.keys[d])
        assert np.array_equal(doc_slice(one.shingles, one.sh_offsets, 0),
                              doc_slice(batch.shingles, batch.sh_offsets, d))
        assert np.array_equal(doc_slice(one.terms, one.term_offsets, 0), doc_slice(batch.terms, batch.term_offsets, d))


def test_signing_reads_the_bytes_the_cue_gate_encoded():
    """The cue gate hands its UTF-8 to signing, furniture blanked in the bytes as in the text,
    and the signature is the one computed from the texts themselves."""
    texts = ["Kim denied Putin help.\nShare this article", "\u00c4rger in K\u00f6ln \u00fcber die Bahn",
             "plain text here"]
    encoded: list = []
    masked, spans = evidence_batch(texts, [None] * 3, None, Plan(), Options(), encoded)
    assert spans[0] and len(encoded) == 1
    assert bytes(encoded[0].buf) == "".join(masked).encode()
    a, b = sign(masked, Options(), Plan(), encoded[0]), sign(masked, Options(), Plan())
    assert a.keys.tolist() == b.keys.tolist() and a.shingles.tolist() == b.shingles.tolist()
