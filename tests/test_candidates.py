"""Kernels: shingles, signatures, candidates and exact verification (property tests)."""
from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.candidates import candidate_pairs
from retold.fingerprints import band_keys, fingerprint_batch
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
