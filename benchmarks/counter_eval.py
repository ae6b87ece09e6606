#!/usr/bin/env python3
"""COUNTER (Urdu news reuse, human-labelled) searched as a corpus: derived-vs-not F1.

    python benchmarks/counter_eval.py [--shared ../shared] [--embedder auto|minilm|lexical] [--keep DIR]

All 1,200 documents (600 agency sources, 600 newspaper stories) go into one ``retold.find``
run with its defaults; a labelled pair counts as found when ``find`` reports it (any kind).
Positives: wholly and partially derived (423); negatives: non-derived (177). Also counted:
``paraphrase`` pairs between documents of two different labelled pairs (articles that share
no labelled reuse) and the languages the tier saw. COUNTER is for reporting only: nothing in
retold is tuned on it.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import retold  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--keep", default=None, help="write the corpus and the pairs here")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(Path(args.shared) / "data" / "counter" / "counter_pairs.jsonl",
                                              encoding="utf-8")]
    out = Path(args.keep or tempfile.mkdtemp(prefix="retold-counter-"))
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "counter_corpus.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"] + "s", "text": r["source"]["text"]}, ensure_ascii=False) + "\n")
            fh.write(json.dumps({"id": r["id"] + "p", "text": r["derived"]["text"]}, ensure_ascii=False) + "\n")
    t0 = time.perf_counter()
    res = retold.find([str(corpus)], embedder=args.embedder)
    seconds = time.perf_counter() - t0
    found: dict[tuple[str, str], str] = {}
    for p in res.records():
        found[tuple(sorted((p.a, p.b)))] = p.kind
    tp = fp = fn = tn = 0
    by_label: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        kind = found.get((r["id"] + "p", r["id"] + "s"))
        positive = r["label"] != "non_derived"
        by_label[r["label"]][kind or "none"] += 1
        if kind and positive:
            tp += 1
        elif kind:
            fp += 1
        elif positive:
            fn += 1
        else:
            tn += 1
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, tp + fn)
    unlabelled = collections.Counter(k for (a, b), k in found.items() if a[:4] != b[:4])
    print(json.dumps({"documents": len(res.corpus), "seconds": round(seconds, 1),
                      "f1": round(2 * prec * rec / max(1e-9, prec + rec), 3), "precision": round(prec, 3),
                      "recall": round(rec, 3), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                      "kinds_by_label": {k: dict(v) for k, v in by_label.items()},
                      "pairs_between_unrelated_articles": dict(unlabelled), "tier": res.tier}, indent=1))


if __name__ == "__main__":
    main()
