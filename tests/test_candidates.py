"""Kernels: shingles, signatures, candidates and exact verification (property tests)."""
from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import retold.candidates as C
from retold.candidates import candidate_pairs, sketch_agreement
from retold.fingerprints import band_keys, bin_sketch, fingerprint_batch
from retold.store import ColumnStore
from tests.corpora import edit, random_doc


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.2))
def test_noisy_copies_become_candidates(seed, rate):
    rng = random.Random(seed)
    texts = [random_doc(rng, 300) for _ in range(20)]
    texts.append(edit(rng, texts[3], rate))
    fp = fingerprint_batch(texts)
    a, b, _ = candidate_pairs(band_keys(fp.signature, 5))
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    assert (3, 20) in found
    # unrelated random documents share no band
    assert all(j == 20 or i == 20 for i, j in found)


def test_candidate_pairs_are_sorted_unique_and_ordered():
    rng = np.random.default_rng(0)
    # like band keys, a key value belongs to one column (the band number is part of the key)
    keys = (rng.integers(0, 5, size=(50, 8)) + 100 * np.arange(8)).astype(np.uint64)
    a, b, h = candidate_pairs(keys, min_hits=2, max_postings=1000)
    assert np.all(a < b)
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    assert pairs == sorted(set(pairs))
    for i, j, hits in zip(a.tolist(), b.tolist(), h.tolist(), strict=True):
        assert hits == int(np.sum(keys[i] == keys[j])) >= 2


def test_common_keys_are_ignored():
    keys = np.zeros((30, 4), dtype=np.uint64)  # every document shares every key
    a, _, _ = candidate_pairs(keys, min_hits=1, max_postings=10)
    assert a.shape[0] == 0


def brute_force(keys: np.ndarray, min_hits: int, max_postings: int, sketch: np.ndarray | None = None,
                min_agree: int = 0, exempt: np.ndarray | None = None) -> list[tuple[int, int, int]]:
    """The candidate rule, pair by pair: keys held by 2..max_postings rows count."""
    exempt = np.zeros(keys.shape[0], dtype=bool) if exempt is None else exempt
    n = keys.shape[0]
    df: dict[int, int] = {}
    for k in keys.ravel().tolist():
        df[k] = df.get(k, 0) + 1
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            hits = sum(1 for c in range(keys.shape[1])
                       if keys[i, c] == keys[j, c] and df[int(keys[i, c])] <= max_postings)
            agree = min_agree == 0 or exempt[i] or exempt[j] or int(np.sum(sketch[i] == sketch[j])) >= min_agree
            if hits >= min_hits and agree:
                out.append((i, j, hits))
    return out


@settings(max_examples=120, deadline=None)
@given(st.integers(2, 30), st.integers(1, 9), st.integers(1, 3), st.integers(2, 8), st.integers(0, 16),
       st.integers(1, 9), st.integers(0, 2**31))
def test_candidates_with_agreement_filter_equal_brute_force(n, bands, min_hits, max_postings, min_agree, slab, seed):
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 4, size=(n, bands)) + 100 * np.arange(bands)).astype(np.uint64)
    sketch = rng.integers(0, 3, size=(n, 16)).astype(np.uint8)
    exempt = rng.random(n) < 0.2
    want = brute_force(keys, min_hits, max_postings, sketch, min_agree, exempt)
    a, b, h = candidate_pairs(keys, min_hits, max_postings, sketch=sketch, min_agree=min_agree, exempt=exempt,
                              slab=slab)
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 25), st.integers(0, 2**31), st.integers(1, 4))
def test_rows_select_documents_and_number_them_locally(n, seed, slab):
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 3, size=(n, 6)) + 100 * np.arange(6)).astype(np.uint64)
    sketch = rng.integers(0, 2, size=(n, 8)).astype(np.uint8)
    rows = np.flatnonzero(rng.random(n) < 0.6)
    a, b, h = candidate_pairs(keys, 1, 5, sketch=sketch, min_agree=4, rows=rows, slab=slab)
    want = brute_force(keys[rows], 1, 5, sketch[rows], 4)
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20), st.integers(1, 6), st.integers(0, 2**31))
def test_sketch_agreement_counts_equal_bytes(n, words, seed):
    rng = np.random.default_rng(seed)
    sketch = rng.integers(0, 4, size=(n, 8 * words)).astype(np.uint8)
    a = rng.integers(0, n, size=30)
    b = rng.integers(0, n, size=30)
    got = sketch_agreement(sketch, a, b)
    assert got.tolist() == [int(np.sum(sketch[i] == sketch[j])) for i, j in zip(a.tolist(), b.tolist(), strict=True)]


def test_agreement_filter_drops_documents_that_share_a_band_but_few_words():
    rng = random.Random(7)
    base = random_doc(rng, 300)
    # shares one long passage with base (a band or two may collide), little else
    spliced = " ".join(base.split()[:40]) + " " + random_doc(rng, 260)
    copy = edit(rng, base, 0.15)
    fp = fingerprint_batch([base, spliced, copy])
    keys = band_keys(fp.signature, 5)
    sk = bin_sketch(fp.signature)
    share = sketch_agreement(sk, np.array([0, 0]), np.array([1, 2])) / sk.shape[1]
    assert share[0] < 0.2 <= share[1]
    keys[1, 0] = keys[0, 0]  # make sure the spliced document collides in a band
    a, b, _ = candidate_pairs(keys, sketch=sk, min_agree=64)  # no document exempt
    assert (0, 2) in set(zip(a.tolist(), b.tolist(), strict=True))
    assert (0, 1) not in set(zip(a.tolist(), b.tolist(), strict=True))
    a, b, _ = candidate_pairs(keys)
    assert (0, 1) in set(zip(a.tolist(), b.tolist(), strict=True))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**31), st.integers(0, 3))
def test_a_block_without_room_for_its_pairs_is_counted_first(n, seed, min_agree):
    # dense collisions: far more pairs than room for them in the one-pass enumeration
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 2, size=(n, 6)) + 100 * np.arange(6)).astype(np.uint64)
    sketch = rng.integers(0, 2, size=(n, 8)).astype(np.uint8)
    want = brute_force(keys, 1, 1000, sketch, min_agree)
    saved = C._SLOTS_PER_DOC, C._MIN_SLOTS
    C._SLOTS_PER_DOC, C._MIN_SLOTS = 0, 1
    try:
        a, b, h = candidate_pairs(keys, 1, 1000, sketch=sketch, min_agree=min_agree)
    finally:
        C._SLOTS_PER_DOC, C._MIN_SLOTS = saved
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 80), st.integers(0, 2**31), st.integers(0, 3), st.integers(1, 9), st.integers(1, 4),
       st.sampled_from([(0, 1), (4, 64)]))
def test_blocks_chunks_and_workers_do_not_change_the_pairs(n, seed, min_agree, block, per_chunk, slots):
    # many blocks of documents, several chunks (and worker threads) a block, with and without
    # room for every pair in the one-pass enumeration
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 3, size=(n, 6)) + 100 * np.arange(6)).astype(np.uint64)
    sketch = rng.integers(0, 2, size=(n, 8)).astype(np.uint8)
    want = brute_force(keys, 1, 1000, sketch, min_agree)
    saved = C._BLOCK_DOCS, C._DOCS_PER_CHUNK, C._SLOTS_PER_DOC, C._MIN_SLOTS
    C._BLOCK_DOCS, C._DOCS_PER_CHUNK = block, per_chunk
    C._SLOTS_PER_DOC, C._MIN_SLOTS = slots
    try:
        a, b, h = candidate_pairs(keys, 1, 1000, sketch=sketch, min_agree=min_agree)
    finally:
        C._BLOCK_DOCS, C._DOCS_PER_CHUNK, C._SLOTS_PER_DOC, C._MIN_SLOTS = saved
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 45), st.integers(0, 2**31), st.integers(1, 4), st.integers(1, 5), st.booleans())
def test_groups_tested_group_by_group_give_the_same_pairs_and_hits(n, seed, min_agree, big, subset):
    # groups above BIG_GROUP are tested pair by pair within the group; a pair in small and
    # large groups alike is reported once, with every shared key counted
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 3, size=(n, 6)) + 100 * np.arange(6)).astype(np.uint64)
    sketch = rng.integers(0, 2, size=(n, 8)).astype(np.uint8)
    exempt = rng.random(n) < 0.2
    rows = np.flatnonzero(rng.random(n) < 0.7) if subset else np.arange(n)
    want = brute_force(keys[rows], 1, 1000, sketch[rows], min_agree, exempt[rows])
    saved = C.BIG_GROUP
    C.BIG_GROUP = big
    try:
        a, b, h = candidate_pairs(keys, 1, 1000, sketch=sketch, min_agree=min_agree, exempt=exempt, rows=rows)
    finally:
        C.BIG_GROUP = saved
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


def test_a_document_holding_a_shared_key_twice_is_not_paired_with_itself():
    # keys not made per column: every document holds the one key in each of its 3 columns
    keys = np.zeros((C.BIG_GROUP + 4, 3), dtype=np.uint64)
    sketch = np.zeros((keys.shape[0], 8), dtype=np.uint8)
    a, b, h = candidate_pairs(keys, 1, 1000, sketch=sketch, min_agree=1)
    a0, b0, h0 = candidate_pairs(keys, 1, 1000)  # no agreement test: document by document
    assert (a < b).all() and a.shape[0] == keys.shape[0] * (keys.shape[0] - 1) // 2
    assert a.tolist() == a0.tolist() and b.tolist() == b0.tolist() and h.tolist() == h0.tolist()


def test_a_key_many_documents_share_finds_only_the_pairs_that_agree():
    # 40 documents share band 0 (a group above BIG_GROUP): only the 5 that agree pair up
    rng = np.random.default_rng(3)
    keys = (rng.integers(0, 1 << 40, size=(40, 4)) + 100 * np.arange(4)).astype(np.uint64)
    keys[:, 0] = 7
    keys[[3, 9], 1] = 11  # one pair shares a second key
    sketch = rng.integers(0, 256, size=(40, 16)).astype(np.uint8)
    sketch[[3, 9, 17, 21, 30]] = sketch[3]
    assert C.BIG_GROUP < 40
    a, b, h = candidate_pairs(keys, 1, 1000, sketch=sketch, min_agree=12)
    got = list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True))
    want = [(i, j, 2 if (i, j) == (3, 9) else 1) for i in (3, 9, 17, 21, 30) for j in (3, 9, 17, 21, 30) if i < j]
    assert got == want == brute_force(keys, 1, 1000, sketch, 12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**31), st.integers(0, 3), st.sampled_from([0, 16, 1 << 20]),
       st.sampled_from([1, 3, 8]), st.booleans(), st.sampled_from([1, 2, 6]))
def test_spilled_lists_and_stores_do_not_change_the_pairs(n, seed, min_agree, scratch, sort_keys, subset, width):
    # the lists in mapped temporary files (all, some, none), keys and sketch read from spilled
    # column stores, fewer bands read at a time, fewer bands of a read sorted together: the
    # brute-force pairs every time
    rng = np.random.default_rng(seed)
    keys = (rng.integers(0, 3, size=(n, 6)) + 100 * np.arange(6)).astype(np.uint64)
    sketch = rng.integers(0, 2, size=(n, 8)).astype(np.uint8)
    rows = np.flatnonzero(rng.random(n) < 0.7) if subset else None
    ks, ss = ColumnStore(6, np.uint64, slab=4, budget_bytes=0), ColumnStore(8, np.uint8, budget_bytes=0)
    for lo in range(0, n, 7):
        ks.append(keys[lo : lo + 7])
        ss.append(sketch[lo : lo + 7])
    want = brute_force(keys if rows is None else keys[rows], 1, 1000, sketch if rows is None else sketch[rows],
                       min_agree)
    saved = C.SORT_BYTES, C.SORT_KEYS
    C.SORT_BYTES = sort_keys * n * C._SORT_BYTES_PER_KEY
    C.SORT_KEYS = width * (n if rows is None else rows.shape[0])
    try:
        a, b, h = candidate_pairs(ks, 1, 1000, sketch=ss, min_agree=min_agree, rows=rows, scratch_bytes=scratch)
    finally:
        C.SORT_BYTES, C.SORT_KEYS = saved
        ks.close()
        ss.close()
    assert list(zip(a.tolist(), b.tolist(), h.tolist(), strict=True)) == want


def test_a_tiny_scratch_budget_spills_both_lists(monkeypatch):
    # the lists really go to files when over budget (a spool that never spills would pass the
    # test above too)
    made = []
    real = C.Spool

    class Watched(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

        def close(self):
            self.was_spilled = self.spilled
            super().close()

    monkeypatch.setattr(C, "Spool", Watched)
    keys = np.array([[1, 2], [1, 2], [1, 3], [5, 3]], dtype=np.uint64)
    a, b, h = candidate_pairs(keys, 1, 10, scratch_bytes=8)
    assert (a.tolist(), b.tolist(), h.tolist()) == ([0, 0, 1, 2], [1, 2, 2, 3], [2, 1, 1, 1])
    assert [s.was_spilled for s in made] == [True, True]
