"""Passage alignment on real text: the seed pair, reordering, noise, bad inputs."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.alignment import AlignOptions, align
from retold.text import tokens

from .conftest import EXAMPLES
from .test_scores import _related_texts  # imported here, not inside a @given test

SEED_A = (EXAMPLES / "000_f6d4d808b074041e.txt").read_text()
SEED_B = (EXAMPLES / "001_9f416579a8fdbabf.txt").read_text()


def norm(s: str) -> np.ndarray:
    return tokens(s).hashes


def test_seed_pair_verbatim_sentences_are_aligned_with_offsets():
    ps = align(SEED_A, SEED_B)
    pairs = [(SEED_A[p.a_start:p.a_end], SEED_B[p.b_start:p.b_end], p.kind) for p in ps]
    verbatim = [(a, b) for a, b, k in pairs if k == "verbatim"]
    assert ("asked China for financial and military assistance in the ongoing war in Ukraine",
            "asked China for financial and military assistance in the ongoing war in Ukraine") in verbatim
    for a, b, _ in pairs:
        assert a == a.strip() and b == b.strip()
    # the rewritten "Posting on Twitter" sentence is matched from "on Twitter" on, not from "Posting"
    tw = [b for _a, b, _k in pairs if "Russia reportedly asked North Korea" in b]
    assert tw and tw[0].startswith("on Twitter she claimed")
    # the site furniture at the end of B is never part of a passage
    furniture = SEED_B.index("Please enter your comment")
    assert all(p.b_end <= furniture for p in ps)


def test_reordered_sentences_give_several_passages(bbc_path):
    import json

    art = json.loads(open(bbc_path).readline())["text"]
    paras = [p for p in art.split("\n\n") if len(p.split()) > 12]
    assert len(paras) >= 4
    b = "Intro written by someone else entirely.\n\n" + "\n\n".join([paras[2], paras[0], paras[3]])
    ps = align(art, b)
    assert len(ps) == 3
    for p in ps:
        assert p.kind == "verbatim"
        assert np.array_equal(norm(art[p.a_start:p.a_end]), norm(b[p.b_start:p.b_end]))


def test_word_edits_stay_in_one_passage():
    rng = random.Random(5)
    words = [f"word{rng.randrange(10_000)}" for _ in range(200)]
    a = " ".join(words)
    edited = list(words)
    for i in range(10, 190, 20):
        edited[i] = "CHANGED"
    b = "Completely different opening here. " + " ".join(edited) + " And a different ending too."
    ps = align(a, b)
    assert len(ps) == 1 and ps[0].kind == "near_verbatim"
    assert ps[0].a_start == 0 and ps[0].a_end == len(a)
    assert b[ps[0].b_start:ps[0].b_end].startswith(words[0])


def test_bad_inputs():
    assert align("", "") == [] and align("   ", "word") == []
    assert align("one", "one") == []  # below the minimum passage size
    same = "The same sentence appears in both documents with nothing else around it."
    ps = align(same, same)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind) for p in ps] == [(0, len(same) - 1, 0, len(same) - 1,
                                                                               "verbatim")]
    big = " ".join(f"t{i % 5000}" for i in range(800_000))  # ~5 MB
    small = " ".join(f"t{i}" for i in range(1000, 1100))
    ps = align(big, small)
    assert ps and all(p.b_start >= 0 for p in ps)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab cd.", max_size=300), st.text(alphabet="ab cd.", max_size=300))
def test_passages_are_inside_the_texts_and_cover_whole_tokens(a, b):
    for p in align(a, b, AlignOptions(min_words=3, min_score=0.3)):
        assert 0 <= p.a_start < p.a_end <= len(a) and 0 <= p.b_start < p.b_end <= len(b)
        assert a[p.a_start:p.a_end] == a[p.a_start:p.a_end].strip(" .")
        assert b[p.b_start:p.b_end] == b[p.b_start:p.b_end].strip(" .")
        assert 0.3 <= p.score <= 1.0


def _reference_merge(a0, a1, b0, b1, cnt, gap, max_shift):
    """The merge of segments as it was before its scan window (rescanning from the next segment
    after every join: quadratic in a long passage), kept to check the window changes nothing."""
    n = len(a0)
    order = sorted(range(n), key=lambda s: (a0[s], b0[s]))
    used = [False] * n
    out = []
    for x in range(n):
        s = order[x]
        if used[s]:
            continue
        used[s] = True
        ca0, ca1, cb0, cb1, cc, ns = a0[s], a1[s], b0[s], b1[s], cnt[s], 1
        progress = True
        while progress:
            progress = False
            best, best_gap = -1, gap + 1
            for y in range(x + 1, n):
                t = order[y]
                if a0[t] - ca1 > gap:
                    break
                if used[t]:
                    continue
                da, db = a0[t] - ca1, b0[t] - cb1
                if da < -gap or db < -gap or db > gap or abs(da - db) > max_shift:
                    continue
                if max(da, db) < best_gap:
                    best_gap, best = max(da, db), t
            if best >= 0:
                used[best] = True
                ca1, cb1, cc, ns = max(ca1, a1[best]), max(cb1, b1[best]), cc + cnt[best], ns + 1
                progress = True
        out.append((ca0, ca1, cb0, cb1, cc, ns))
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12), st.integers(-6, 6), st.integers(1, 5)),
                min_size=1, max_size=40, unique_by=lambda t: (t[0], t[2])))
def test_merge_window_equals_the_full_rescan(segs):
    from retold.alignment import MAX_SHIFT, _merge

    a0 = np.array([s[0] for s in segs], dtype=np.int64)
    a1 = a0 + np.array([s[1] for s in segs], dtype=np.int64)
    b0 = a0 + 10 + np.array([s[2] for s in segs], dtype=np.int64)
    b1 = b0 + (a1 - a0)
    cnt = np.array([s[3] for s in segs], dtype=np.int64)
    got = list(zip(*(x.tolist() for x in _merge(a0, a1, b0, b1, cnt, 8, MAX_SHIFT)[:6])))
    assert got == _reference_merge(a0.tolist(), a1.tolist(), b0.tolist(), b1.tolist(), cnt.tolist(), 8, MAX_SHIFT)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([30, 400]), st.sampled_from([0, 50, 200]))
def test_seeds_through_the_sorted_index_give_the_same_passages(seed, vocab, large):
    """Pairs with a long document find their seeds through doc_index (time in proportion to the
    other document); the passages must not change."""
    from retold.alignment import MAX_SEED_REPEATS, MAX_SHIFT, align_batch
    from retold.fingerprints import fingerprint_batch
    from retold.scores import doc_index

    texts = _related_texts(seed, 12, vocab)
    fp = fingerprint_batch(texts)
    n = len(texts)
    pa = np.array([i for i in range(n) for j in range(n) if i != j])
    pb = np.array([j for i in range(n) for j in range(n) if i != j])

    def run(limit):
        ix = doc_index(fp.shingles, fp.sh_offsets, np.arange(n), large=limit)
        return align_batch(fp.shingles, fp.sh_offsets, pa, pb, 3, 8, MAX_SHIFT, 8, 0.5, MAX_SEED_REPEATS,
                           ix[0], ix[1], ix[2])

    for x, y in zip(run(10**9), run(large)):
        assert np.array_equal(x, y)


def _mirror(ps):
    return sorted((p.b_start, p.b_end, p.a_start, p.a_end, p.kind, p.score) for p in ps)


def _assert_apart(ps, side):
    spans = sorted((getattr(p, f"{side}_start"), getattr(p, f"{side}_end")) for p in ps)
    assert all(e <= s2 for (_s, e), (s2, _e2) in zip(spans, spans[1:])), spans


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(["alpha beta gamma delta epsilon", "one two three four five six",
                                 "red green blue", "x y z w v u t s", "the end"]), max_size=14),
       st.lists(st.sampled_from(["alpha beta gamma delta epsilon", "one two three four five six",
                                 "red green blue", "x y z w v u t s", "new words here"]), max_size=14))
def test_passages_do_not_depend_on_the_order_and_never_overlap(xs, ys):
    """Repeated sentences made passages overlap (words counted twice) and the result depended on
    which text came first; now align(b, a) mirrors align(a, b) and passages stay apart."""
    a, b = ". ".join(xs), ". ".join(ys)
    opt = AlignOptions(min_words=4, min_score=0.5)
    ab, ba = align(a, b, opt), align(b, a, opt)
    assert sorted((p.a_start, p.a_end, p.b_start, p.b_end, p.kind, p.score) for p in ab) == _mirror(ba)
    for side in ("a", "b"):
        _assert_apart(ab, side)


def test_a_sentence_repeated_in_one_text_is_matched_once():
    once = "Nobody expected the committee to publish its findings before the spring elections."
    a = f"Opening words of the first article. {once} A different middle part here. {once} Its end."
    b = f"Another opening entirely. {once} Nothing else is shared with the other one."
    for x, y, side in ((a, b, "b"), (b, a, "a")):
        ps = align(x, y)
        assert len(ps) == 1 and ps[0].kind == "verbatim"
        _assert_apart(ps, side)
