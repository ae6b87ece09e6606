#!/usr/bin/env python3
"""Quality of predicted clusters against the make_corpus.py ground truth.

    python benchmarks/evaluate.py CORPUS.truth.jsonl RESULT.json

Pair counting over ALL pairs of documents, computed exactly from the
contingency table (so O(N), never O(N^2)):

  precision = |predicted pairs & true pairs| / |predicted pairs|
  recall    = |predicted pairs & true pairs| / |true pairs|
  f1        = harmonic mean of the two
  purity    = sum over predicted clusters of their largest overlap with one true cluster, / N
  purity_nonsingleton = the same over predicted clusters of two or more docs only

Edit buckets, by the word edit rate applied to a copy: low = 1-5%, mid = 5-10%,
high = 10-20%. For each bucket:

  dup_recall   share of the bucket's copies that land in the same predicted
               cluster as their source (the "recall per edit bucket" of run.py)
  P/R/F1       pair metrics on the sub-corpus of every non-copy document plus
               that bucket's copies, as if only those copies existed

Jaccard buckets use the exact word 5-gram Jaccard between a copy and its source.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

BUCKETS = ("low", "mid", "high")
JBUCKETS = ("J>=0.7", "0.5<=J<0.7", "J<0.5")


def load_truth(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def c2(x: int) -> int:
    return x * (x - 1) // 2


def pair_metrics(pred, true, keep=None) -> dict:
    idx = range(len(pred)) if keep is None else keep
    cont: Counter = Counter()
    ps: Counter = Counter()
    ts: Counter = Counter()
    n = 0
    for i in idx:
        cont[(pred[i], true[i])] += 1
        ps[pred[i]] += 1
        ts[true[i]] += 1
        n += 1
    tp = sum(c2(v) for v in cont.values())
    pp = sum(c2(v) for v in ps.values())
    tt = sum(c2(v) for v in ts.values())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    best: dict = {}
    for (pc, _tc), v in cont.items():
        best[pc] = max(best.get(pc, 0), v)
    purity = sum(best.values()) / n if n else 1.0
    ns = [pc for pc, s in ps.items() if s >= 2]
    n_ns = sum(ps[pc] for pc in ns)
    purity_ns = sum(best[pc] for pc in ns) / n_ns if n_ns else 1.0
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "purity": purity,
        "purity_nonsingleton": purity_ns,
        "pred_pairs": pp,
        "true_pairs": tt,
        "tp_pairs": tp,
        "pred_clusters_ge2": len(ns),
    }


def bucket_of(rate: float) -> str:
    return "low" if rate <= 0.05 else "mid" if rate <= 0.10 else "high"


def jbucket_of(j: float) -> str:
    return "J>=0.7" if j >= 0.7 else "0.5<=J<0.7" if j >= 0.5 else "J<0.5"


def evaluate(truth: list[dict], labels) -> dict:
    if len(truth) != len(labels):
        raise ValueError(f"{len(labels)} labels for {len(truth)} ground-truth documents")
    true = [t["cluster"] for t in truth]
    pred = list(labels)
    res = {"all": pair_metrics(pred, true)}
    id2i = {t["id"]: i for i, t in enumerate(truth)}
    base = [i for i, t in enumerate(truth) if t["kind"] != "dup"]
    per: dict[str, list[int]] = {}
    jper: dict[str, list[int]] = {}
    for i, t in enumerate(truth):
        if t["kind"] == "dup":
            per.setdefault(bucket_of(t["edit_rate"]), []).append(i)
            jper.setdefault(jbucket_of(t["jaccard"]), []).append(i)

    def dup_recall(dups):
        return sum(pred[i] == pred[id2i[truth[i]["source"]]] for i in dups) / max(1, len(dups))

    for b in BUCKETS:
        dups = per.get(b, [])
        m = pair_metrics(pred, true, keep=sorted(base + dups))
        m["dup_recall"] = dup_recall(dups)
        m["n_dups"] = len(dups)
        res[b] = m
    for b in JBUCKETS:
        dups = jper.get(b, [])
        res[b] = {"dup_recall": dup_recall(dups), "n_dups": len(dups)}
    return res


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    truth = load_truth(sys.argv[1])
    with open(sys.argv[2]) as f:
        r = json.load(f)
    print(json.dumps(evaluate(truth, r["labels"]), indent=1))


if __name__ == "__main__":
    main()
