#!/usr/bin/env python3
"""Which pairs of documents share a band key, and what other band designs would collide.

    python benchmarks/band_collisions.py benchmarks/data/corpus_100k.jsonl PAIRS_100k.jsonl
    python benchmarks/band_collisions.py benchmarks/data/corpus_1000k.jsonl PAIRS_1000k.jsonl --json OUT.json
    python benchmarks/band_collisions.py CORPUS PAIRS --split 1000,256,64 --designs none

``PAIRS``: what ``retold find CORPUS --kinds exact,near_duplicate -o PAIRS`` reported (the pairs
each design should still find). The corpus comes from ``make_corpus.py`` (its ``.truth.jsonl``
beside it says which documents are one cluster).

Every pair of documents sharing a band key (no agreement test, keys held by at most 1,000
documents: the fast pass's first half) is listed with the share of signature bytes the two agree
on (the agreement test's estimate of their content-word Jaccard) and whether the truth puts them
in one cluster. Then, for other designs on the same 320 one-byte bins (bands of consecutive
bins, a band colliding where all its bytes agree, a pair a candidate with enough colliding
bands): how many of the listed pairs would collide, how many of them are not one cluster, and
what share of the reported pairs would still be candidates. Pairs that only another design
would join are not listed (they share no band key now), so its counts are a lower bound.
Why: the candidate stage's work grows with the pairs sharing a key (benchmarks/README, issue 15).

``--split CAPS``: the present bands (64 of 5 bins), but a key held by more than CAP documents is
split by the bytes of the following bins, one more bin at a time, until each part holds at most
CAP documents (a document whose part is still larger after 8 more bins is left out, as a key
over the document-frequency cap is now). Reported: the (pair, band) incidences the candidate
stage's per-document counters would walk (its work; a pair sharing 10 keys counts 10 times) and
the share of the reported pairs still sharing a part in some band. Why: to see whether the
quadratic term lives in the crowded keys (then splitting them would make the stage linear).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from retold.candidates import candidate_pairs, sketch_agreement
from retold.engine.local import scan
from retold.model import Options, Plan
from retold.stages.candidates import band_rule

DESIGNS = [(5, 64, 1), (5, 64, 2), (6, 53, 1), (7, 45, 1), (8, 40, 1), (4, 80, 2), (4, 80, 3), (3, 106, 3),
           (3, 106, 4)]
EDGES = [0, 16, 32, 48, 64, 96, 128, 160, 192, 256, 321]


def colliding(sketch: np.ndarray, a: np.ndarray, b: np.ndarray, rows: int, bands: int, hits: int) -> np.ndarray:
    """Which pairs have at least ``hits`` bands of ``rows`` consecutive bins whose bytes all agree."""
    out = np.zeros(a.shape[0], dtype=bool)
    step = 500_000
    for s in range(0, a.shape[0], step):
        eq = sketch[a[s : s + step]] == sketch[b[s : s + step]]
        out[s : s + step] = eq[:, : rows * bands].reshape(-1, bands, rows).all(2).sum(1) >= hits
    return out


def split_groups(keys: np.ndarray, sketch: np.ndarray, band: int, cap: int, depth: int = 8) -> np.ndarray:
    """Each document's part of ``band`` after splitting keys held by more than ``cap`` documents
    by the bytes of the next bins (-1: still over ``cap`` after ``depth`` more bins)."""
    n = keys.shape[0]
    rows = sketch.shape[1] // keys.shape[1]
    extra = [sketch[:, (rows * (band + 1) + i) % sketch.shape[1]] for i in range(depth)]
    k = np.asarray(keys[:, band])
    order = np.lexsort(tuple(reversed([k, *extra])))  # the key first, then the bins in turn
    cols = [k[order]] + [e[order] for e in extra]
    new = np.zeros(n, dtype=bool)
    new[0] = True
    part = np.full(n, -1, dtype=np.int64)
    for d, c in enumerate(cols):
        new[1:] |= c[1:] != c[:-1]
        starts = np.flatnonzero(new)
        sizes = np.diff(np.append(starts, n))
        which = np.repeat(np.arange(starts.shape[0]), sizes)
        settle = (sizes[which] <= cap) & (part < 0)
        part[settle] = starts[which[settle]] + d * n  # unique: a start position at one depth
    out = np.empty(n, dtype=np.int64)
    out[order] = part
    return out


def split_design(keys: np.ndarray, sketch: np.ndarray, pa: np.ndarray, pb: np.ndarray, cap: int) -> dict:
    """Work (pair, band incidences) and reported pairs kept when crowded keys are split to ``cap``."""
    walked, kept, left_out = 0, np.zeros(pa.shape[0], dtype=bool), 0
    for band in range(keys.shape[1]):
        part = split_groups(keys, sketch, band, cap)
        _, sizes = np.unique(part[part >= 0], return_counts=True)
        sizes = sizes[sizes > 1]
        walked += int((sizes * (sizes - 1) // 2).sum())
        left_out += int((part < 0).sum())
        kept |= (part[pa] == part[pb]) & (part[pa] >= 0)
    return {"pair_band_incidences": walked, "documents_left_out_per_band": round(left_out / keys.shape[1], 1),
            "reported_pairs_still_found": round(float(kept.mean()), 5) if pa.shape[0] else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("pairs", help="the fast pass's output on the corpus (JSON Lines)")
    ap.add_argument("--json", default=None, help="write the figures here too")
    ap.add_argument("--split", default="", metavar="CAPS", help="comma-separated caps: split crowded keys (above)")
    ap.add_argument("--designs", default="all", choices=["all", "none"], help="the other band designs")
    args = ap.parse_args()
    opt = Options()
    t = time.perf_counter()
    corpus = scan([args.corpus], plan=Plan.for_kinds("exact,near_duplicate"), options=opt)
    keys = np.asarray(corpus.keys)
    sketch = np.ascontiguousarray(np.asarray(corpus.sketch))
    n_tokens = np.asarray(corpus.n_tokens)
    print(f"read and signed {len(corpus):,} documents in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    with open(args.corpus.removesuffix(".jsonl") + ".truth.jsonl") as f:
        cluster = np.array([hash(json.loads(line)["cluster"]) for line in f])
    rule = band_rule(opt)  # the fast pass's rule: its document-frequency cap and agreement test
    a, b, hits = candidate_pairs(keys, min_hits=1, max_postings=rule.max_df)
    agree = sketch_agreement(sketch, a, b)
    same = cluster[a] == cluster[b]
    short = n_tokens < rule.agreement_min_tokens
    passed = (agree >= rule.agreeing_bins(sketch.shape[1])) | short[a] | short[b]
    id_of = {d: i for i, d in enumerate(corpus.ids)}
    ra, rb = [], []
    with open(args.pairs, "rb") as f:
        for line in f:
            r = json.loads(line)
            ra.append(id_of[r["a"]])
            rb.append(id_of[r["b"]])
    pa, pb = np.array(ra, dtype=np.int64), np.array(rb, dtype=np.int64)
    out = {"documents": len(corpus), "pairs_sharing_a_key": int(a.shape[0]), "sharing_one_key": int((hits == 1).sum()),
           "not_one_cluster": int((~same).sum()), "passing_agreement": int(passed.sum()),
           "agreeing_bins_edges": EDGES,
           "agreeing_bins_not_one_cluster": np.histogram(agree[~same], bins=EDGES)[0].tolist(),
           "agreeing_bins_one_cluster": np.histogram(agree[same], bins=EDGES)[0].tolist(),
           "reported_pairs": int(pa.shape[0]), "designs": {}}
    for rows, bands, k in DESIGNS if args.designs == "all" else []:
        c = colliding(sketch, a, b, rows, bands, k)
        out["designs"][f"{bands} bands x {rows} bins, {k} hit(s)"] = {
            "colliding": int(c.sum()), "not_one_cluster": int((c & ~same).sum()),
            "reported_pairs_still_found": round(float(colliding(sketch, pa, pb, rows, bands, k).mean()), 5)
            if pa.shape[0] else None}
    for cap in [int(c) for c in args.split.split(",") if c]:
        t = time.perf_counter()
        got = out.setdefault("split", {})[f"keys split to <= {cap} documents"] = split_design(keys, sketch, pa, pb, cap)
        print(f"split to {cap}: {got} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
