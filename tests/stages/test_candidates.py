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


def partitioned(keys: np.ndarray, docs: np.ndarray, rule: Rule, parts: int) -> set[tuple[int, int]]:
    """The rule as the Spark engine applies it: key_pairs in each partition of the key space, hits
    added up by pair, then enough_hits."""
    from retold.stages.candidates import enough_hits, key_pairs

    hits: dict[tuple[int, int], int] = {}
    for p in range(parts):
        m = keys % np.uint64(parts) == p
        a, b, h = key_pairs(keys[m], docs[m], rule)
        for x, y, z in zip(a.tolist(), b.tolist(), h.tolist()):
            hits[(x, y)] = hits.get((x, y), 0) + z
    pairs = list(hits)
    keep = enough_hits(np.array([hits[p] for p in pairs], dtype=np.int64), rule)
    return {p for p, k in zip(pairs, keep.tolist()) if k}


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**16), st.integers(1, 5), st.sampled_from(["fast", "full"]))
def test_the_rule_per_partition_of_the_key_space_gives_the_corpus_candidates(n, seed, parts, kinds) -> None:
    """What the Spark engine does with the stage's pieces (indexes, band_postings, key_pairs,
    enough_hits) is what candidates() does over the whole corpus, whatever the partitions."""
    from retold.stages.candidates import band_postings, indexes

    rng = np.random.default_rng(seed)
    opt = Options(bands=8, rows=1, max_postings=4, anchor_max_df=3)
    plan = Plan.for_kinds("exact,near_duplicate" if kinds == "fast" else None)
    vocab = [f"w{i}" for i in range(60)]
    texts = [" ".join(rng.choice(vocab, int(rng.integers(5, 40)))) for _ in range(n)]
    s = sign(texts, opt, plan)
    reps = np.sort(rng.choice(n, size=max(2, n - int(rng.integers(0, 3))), replace=False))
    want = set(zip(*[x.tolist() for x in candidates(s.keys, s.anchors, s.anchor_docs, reps, n, opt, plan)]))
    got: set[tuple[int, int]] = set()
    for name, rule in indexes(opt, plan):
        if name == "bands":
            keys, docs = band_postings(s.keys[reps], reps)
        else:
            held = np.isin(s.anchor_docs, reps)
            keys, docs = s.anchors[held], s.anchor_docs[held]
        got |= partitioned(keys, docs, rule, parts)
    assert got == want
