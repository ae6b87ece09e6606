"""Kernels: shingles, signatures, candidates and exact verification (property tests)."""
from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.fingerprints import fingerprint_batch, shingles_of
from retold.scores import doc_index, score_pairs
from tests.corpora import edit, random_doc


def exact_sets(texts):
    return [set(shingles_of(t).tolist()) for t in texts]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abc xyz.,", max_size=60), min_size=2, max_size=6))
def test_scores_equal_python_set_arithmetic(texts):
    fp = fingerprint_batch(texts)
    n = len(texts)
    pa, pb = np.array([i for i in range(n) for j in range(i + 1, n)]), np.array(
        [j for i in range(n) for j in range(i + 1, n)])
    sc = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, pa, pb, 3)
    sets = exact_sets(texts)
    for k, (i, j) in enumerate(zip(pa.tolist(), pb.tolist(), strict=True)):
        inter = len(sets[i] & sets[j])
        union = len(sets[i] | sets[j])
        assert sc.intersection[k] == inter
        assert sc.jaccard[k] == (inter / union if union else 0.0)
        assert sc.containment_a[k] == (inter / len(sets[i]) if sets[i] else 0.0)
        assert 0.0 <= sc.coverage_a[k] <= 1.0 and 0.0 <= sc.coverage_b[k] <= 1.0


def test_identical_documents_are_fully_covered():
    rng = random.Random(1)
    t = random_doc(rng, 300)
    fp = fingerprint_batch([t, t])
    sc = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, np.array([0]), np.array([1]), 3)
    assert sc.jaccard[0] == 1.0 and sc.coverage_a[0] == 1.0 and sc.coverage_b[0] == 1.0


def test_coverage_separates_noisy_copy_from_shared_paragraph():
    rng = random.Random(7)
    src = random_doc(rng, 400)
    copy = edit(rng, src, 0.15)
    # shares one 60-word passage with src, the rest is unrelated
    other = random_doc(rng, 170) + " " + " ".join(src.split()[100:160]) + " " + random_doc(rng, 170)
    fp = fingerprint_batch([src, copy, other])
    sc = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, np.array([0, 0]), np.array([1, 2]), 3)
    assert min(sc.coverage_a[0], sc.coverage_b[0]) > 0.85
    assert sc.coverage_b[1] < 0.25


def _related_texts(draw_seed: int, n: int, vocab: int) -> list[str]:
    """Documents cut from one random text (shared passages, repeats, concatenations)."""
    rng = random.Random(draw_seed)
    words = [f"w{rng.randrange(vocab)}" for _ in range(3000)]
    texts = []
    for _ in range(n):
        s = rng.randrange(0, 2900)
        part = [w if rng.random() > 0.1 else f"w{rng.randrange(vocab)}" for w in words[s : s + rng.randrange(0, 400)]]
        texts.append(" ".join(part))
    texts += [texts[0] + " " + texts[1], texts[2] * 3]
    return texts


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([30, 400]), st.sampled_from([0, 40, 300]),
       st.sampled_from([0.0, 0.25]))
def test_scores_through_the_sorted_index_equal_the_hash_tables(seed, vocab, large, min_containment):
    """A long document is looked up through doc_index instead of a hash table per pair (linear
    cost in its length); the numbers must be the same, whichever documents are indexed."""
    texts = _related_texts(seed, 14, vocab)
    fp = fingerprint_batch(texts)
    n = len(texts)
    pa = np.array([i for i in range(n) for j in range(i + 1, n)])
    pb = np.array([j for i in range(n) for j in range(i + 1, n)])
    args = (fp.shingles, fp.sh_offsets, fp.n_tokens, pa, pb, 3)
    plain = score_pairs(*args, min_containment=min_containment,
                        index=doc_index(fp.shingles, fp.sh_offsets, np.arange(n), large=10**9))
    looked_up = score_pairs(*args, min_containment=min_containment,
                            index=doc_index(fp.shingles, fp.sh_offsets, np.arange(n), large=large))
    for f in ("intersection", "size_a", "size_b", "coverage_a", "coverage_b"):
        assert np.array_equal(getattr(plain, f), getattr(looked_up, f)), f


def _covered(seq: list[int], other: set[int], k: int, ntok: int, gap: int = 8, min_run: int = 3) -> float:
    """Coverage as the module docstring defines it, in plain Python: runs of positions whose
    shingle the other document holds, consecutive matches at most ``gap`` apart, a run counting
    from ``min_run`` matches (all of a shorter document), each covering its tokens."""
    if not seq or ntok == 0:
        return 0.0
    need = min(min_run, len(seq))
    runs: list[list[int]] = []
    for p, h in enumerate(seq):
        if (h | 1) in other:
            if runs and p - runs[-1][-1] <= gap:
                runs[-1].append(p)
            else:
                runs.append([p])
    covered = sum(min(r[-1] + k, ntok) - r[0] for r in runs if len(r) >= need)
    return min(covered, ntok) / ntok


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([30, 400]), st.sampled_from([10**9, 40]))
def test_coverage_equals_its_definition(seed, vocab, large):
    texts = _related_texts(seed, 10, vocab)
    fp = fingerprint_batch(texts)
    n = len(texts)
    pa = np.array([i for i in range(n) for j in range(n) if i != j])
    pb = np.array([j for i in range(n) for j in range(n) if i != j])
    sc = score_pairs(fp.shingles, fp.sh_offsets, fp.n_tokens, pa, pb, 3,
                     index=doc_index(fp.shingles, fp.sh_offsets, np.arange(n), large=large))
    seqs = [fp.shingles[fp.sh_offsets[d] : fp.sh_offsets[d + 1]].tolist() for d in range(n)]
    sets = [{h | 1 for h in s} for s in seqs]
    for q, (i, j) in enumerate(zip(pa.tolist(), pb.tolist(), strict=True)):
        if not sets[i] & sets[j]:
            continue
        assert sc.coverage_a[q] == _covered(seqs[i], sets[j], 3, int(fp.n_tokens[i]))
        assert sc.coverage_b[q] == _covered(seqs[j], sets[i], 3, int(fp.n_tokens[j]))
