"""The candidate rule is one rule: the batch kernels and the one-document probe of the index
propose the same pairs for the same postings."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.candidates import posting_pairs
from retold.model import Options, Plan
from retold.stages.candidates import Rule, candidates, probe_hits
from retold.stages.sign import sign

postings = st.lists(st.lists(st.integers(0, 12), max_size=8, unique=True), min_size=2, max_size=14)


@settings(max_examples=150, deadline=None)
@given(postings, st.integers(1, 3), st.integers(2, 6))
def test_probe_and_batch_apply_the_same_rule(doc_keys, min_hits, max_df) -> None:
    rule = Rule(min_hits, max_df)
    keys = np.array([k for ks in doc_keys for k in ks], dtype=np.uint64) << np.uint64(40)
    docs = np.array([d for d, ks in enumerate(doc_keys) for _ in ks], dtype=np.int64)
    a, b, _ = posting_pairs(keys, docs, len(doc_keys), rule.min_hits, rule.max_df)
    batch = set(zip(a.tolist(), b.tolist()))
    holders: dict[int, list[int]] = {}
    for d, ks in enumerate(doc_keys):
        for k in ks:
            holders.setdefault(k, []).append(d)
    probed = set()
    for d, ks in enumerate(doc_keys):
        lists = [np.array(holders[k][: rule.max_df + 1]) for k in ks]
        probed |= {(min(d, o), max(d, o)) for o in probe_hits(lists, rule, extra=0, self_idx=d).tolist()}
    assert probed == batch


def test_a_new_document_counts_towards_document_frequency() -> None:
    # a key held by 3 stored documents: at max_df 3 it counts for a stored one, not for a query
    lists = [np.array([0, 1, 2])]
    assert probe_hits(lists, Rule(1, 3), extra=0, self_idx=0).tolist() == [1, 2]
    assert probe_hits(lists, Rule(1, 3), extra=1).tolist() == []


def test_the_fast_plan_uses_bands_only_and_exact_members_take_no_part() -> None:
    base = " ".join(f"w{i}" for i in range(200))
    lifted = " ".join(f"z{i}" for i in range(150)) + " " + " ".join(f"w{i}" for i in range(40))
    s = sign([base, base.upper(), lifted], Options(), Plan())
    reps = np.array([0, 2])  # document 1 is an exact copy of 0
    full = candidates(s.keys, s.anchors, s.anchor_docs, reps, 3, Options(), Plan())
    fast = candidates(s.keys, s.anchors, s.anchor_docs, reps, 3, Options(), Plan.for_kinds("exact,near_duplicate"))
    assert list(zip(*[x.tolist() for x in full])) == [(0, 2)]
    assert list(zip(*[x.tolist() for x in fast])) == []
    assert [x.tolist() for x in candidates(s.keys, s.anchors, s.anchor_docs, reps, 3, Options(),
                                           Plan.for_kinds("exact"))] == [[], []]
