"""The sequence store: the same sequences back whatever the budget, in any order asked."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.store import ColumnStore, SpillingStore, Spool

seqs = st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=40), min_size=1, max_size=30)


def batches(docs: list[list[int]], size: int):
    for s in range(0, len(docs), size):
        part = docs[s:s + size]
        offs = np.zeros(len(part) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in part], out=offs[1:])
        yield np.array([x for d in part for x in d], dtype=np.uint64), offs


@settings(max_examples=60, deadline=None)
@given(seqs, st.integers(1, 7), st.integers(0, 400), st.randoms(use_true_random=False))
def test_get_many_returns_what_was_appended(docs, batch, budget, rnd) -> None:
    store = SpillingStore(budget_bytes=budget)
    for s, o in batches(docs, batch):
        store.append(s, o)
    assert len(store) == len(docs)
    want = list(range(len(docs)))
    rnd.shuffle(want)
    want = want[: rnd.randint(1, len(docs))]
    got, offs = store.get_many(np.array(want, dtype=np.int64))
    assert offs.tolist()[0] == 0 and len(offs) == len(want) + 1
    for k, d in enumerate(want):
        assert got[offs[k]:offs[k + 1]].tolist() == docs[d]
    store.close()


def test_a_store_past_its_budget_spills_to_a_file_and_reads_back() -> None:
    rng = np.random.default_rng(0)
    docs = [rng.integers(0, 2**63, size=int(n), dtype=np.uint64).tolist() for n in rng.integers(0, 500, 300)]
    mem, disk = SpillingStore(budget_bytes=1 << 30), SpillingStore(budget_bytes=10_000)
    for s, o in batches(docs, 17):
        mem.append(s, o)
        disk.append(s, o)
    assert disk.spilled and not mem.spilled
    ask = np.array([299, 0, 150, 150, 7], dtype=np.int64)
    a, ao = mem.get_many(ask)
    b, bo = disk.get_many(ask)
    assert np.array_equal(a, b) and np.array_equal(ao, bo)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.lists(st.integers(0, 9), min_size=1, max_size=8),
       st.integers(0, 600), st.integers(0, 2**31))
def test_column_store_reads_back_any_columns_of_any_rows(width, slab, sizes, budget, seed) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.integers(0, 2**63, size=(n, width), dtype=np.uint64) for n in sizes]
    cs = ColumnStore(width, np.uint64, slab=slab, budget_bytes=budget)
    for p in parts:
        cs.append(p)
    full = np.concatenate(parts)
    assert cs.shape == full.shape and cs.spilled == (full.nbytes > budget)
    s0 = int(rng.integers(0, width))
    s1 = int(rng.integers(s0, width + 1))
    rows = rng.integers(0, max(1, full.shape[0]), size=5) if full.shape[0] else np.zeros(0, dtype=np.int64)
    assert np.array_equal(cs[:, s0:s1], full[:, s0:s1])
    assert np.array_equal(cs[rows, s0:s1], full[rows, s0:s1])
    assert np.array_equal(np.asarray(cs), full)
    assert np.array_equal(cs.mapped(), full)
    whole = cs[:, 0:width] if cs.shape[0] else np.zeros((0, width), dtype=np.uint64)
    whole[...] = 0  # what a caller gets is its own: the store still holds the rows
    assert np.array_equal(cs[:, 0:width], full)
    cs.close()


def test_column_store_spills_past_its_budget_one_file_per_slab() -> None:
    keys = np.arange(64 * 100, dtype=np.uint64).reshape(100, 64)
    cs = ColumnStore(64, np.uint64, slab=8, budget_bytes=20 * 64 * 8)  # 20 rows fit
    for s in range(0, 100, 10):
        cs.append(keys[s:s + 10])
    assert cs.spilled and len(cs._files or []) == 8
    assert np.array_equal(cs[:, 8:16], keys[:, 8:16]) and np.array_equal(cs[:, 6:10], keys[:, 6:10])
    cs.close()


@settings(max_examples=60, deadline=None)
@given(seqs, st.integers(1, 7), st.integers(1, 12), st.integers(0, 6), st.randoms(use_true_random=False))
def test_spilled_documents_come_back_through_many_small_reads(docs, batch, window, gap, rnd) -> None:
    """A spilled request is cut into reads (gaps in the file) and the reads into buffer
    fills: tiny windows and gaps make every document a read of its own, reads longer than
    the buffer, and fills of several reads."""
    import retold.store as store_module

    old = store_module._READ_WINDOW, store_module._MAX_GAP
    store_module._READ_WINDOW, store_module._MAX_GAP = window * 8, gap
    try:
        store = SpillingStore(budget_bytes=0)
        for s, o in batches(docs, batch):
            store.append(s, o)
        want = [rnd.randrange(len(docs)) for _ in range(rnd.randint(1, 2 * len(docs)))]
        got, offs = store.get_many(np.array(want, dtype=np.int64))
        for k, d in enumerate(want):
            assert got[offs[k]:offs[k + 1]].tolist() == docs[d]
        store.close()
    finally:
        store_module._READ_WINDOW, store_module._MAX_GAP = old


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=8), st.sampled_from([None, 0, 12, 40]), st.integers(0, 2**31))
def test_a_spool_gives_back_what_was_appended_in_memory_or_from_its_file(sizes, budget, seed) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.integers(-2**31, 2**31, size=n).astype(np.int32) for n in sizes]
    sp = Spool(np.int32, budget_bytes=budget)
    for p in parts:
        sp.append(p)
    want = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    assert len(sp) == want.shape[0] and sp.spilled == (budget is not None and want.nbytes > budget)
    assert sp.array().tolist() == want.tolist()
    scratch = sp.scratch(5)
    scratch[:] = [1, 2, 3, 4, 5]  # writable, in memory or mapped
    assert scratch.tolist() == [1, 2, 3, 4, 5]
    sp.close()
