"""Passage alignment quality on real data (issue: partial reuse).

    python benchmarks/alignment_eval.py [--shared ../shared]

1. bbc_summary: 2,225 extractive summaries whose sentences come from the BBC articles in
   another order, with gold character spans. Character-level (PAN-style) precision and recall of
   `retold.align(article, summary)` passages against the gold spans, on both sides, micro-averaged
   over all characters, plus timing.
2. shortanswers: answers labelled cut / light / heavy / non against their Wikipedia source:
   share of answers in which align() finds at least one passage, per category.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import retold
from retold.alignment import align


def mask(n: int, spans) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for s, e in spans:
        m[s:e] = True
    return m


def bbc_summary(shared: Path) -> dict:
    arts = {}
    with open(shared / "data/bbc/bbc.jsonl") as f:
        for line in f:
            r = json.loads(line)
            arts[r["id"]] = r["text"]
    tp = {"src": 0, "tgt": 0}
    det = {"src": 0, "tgt": 0}
    gold = {"src": 0, "tgt": 0}
    found = 0
    n = 0
    t_align = 0.0
    with open(shared / "data/bbc_summary/bbc_summaries.jsonl") as f:
        for line in f:
            r = json.loads(line)
            art, summ = arts[r["source_id"]], r["text"]
            t0 = time.perf_counter()
            ps = align(art, summ)
            t_align += time.perf_counter() - t0
            n += 1
            found += bool(ps)
            for side, text, key in (("src", art, "src"), ("tgt", summ, "tgt")):
                g = mask(len(text), [(s[f"{key}_start"], s[f"{key}_end"]) for s in r["aligned_spans"]])
                d = mask(len(text), [(p.a_start, p.a_end) if side == "src" else (p.b_start, p.b_end) for p in ps])
                # whitespace and punctuation between two gold sentences is neither right nor wrong
                tp[side] += int((g & d).sum())
                det[side] += int(d.sum())
                gold[side] += int(g.sum())
    out = {"pairs": n, "pairs_with_passages": found, "share_found": found / n, "align_seconds": t_align,
           "pairs_per_second": n / t_align}
    for side in ("src", "tgt"):
        out[f"{side}_char_precision"] = tp[side] / max(1, det[side])
        out[f"{side}_char_recall"] = tp[side] / max(1, gold[side])
    return out


def find_bbc_summary(shared: Path, workdir: Path) -> dict:
    """`retold.find` over the BBC articles plus their summaries as one corpus."""
    arts = [json.loads(x) for x in open(shared / "data/bbc/bbc.jsonl")]
    summ = [json.loads(x) for x in open(shared / "data/bbc_summary/bbc_summaries.jsonl")]
    path = workdir / "bbc_plus_summaries.jsonl"
    with open(path, "w") as f:
        for r in arts:
            f.write(json.dumps({"id": r["id"], "text": r["text"]}) + "\n")
        for r in summ:
            f.write(json.dumps({"id": "summary/" + r["id"], "text": r["text"]}) + "\n")
    t0 = time.perf_counter()
    res = retold.find([path])
    seconds = time.perf_counter() - t0
    text = {r["id"]: r["text"] for r in arts} | {"summary/" + r["id"]: r["text"] for r in summ}
    # exact duplicates are reported once, against their group's first member: look pairs up
    # through the groups (the BBC set has 98 byte-identical article pairs, and so their summaries)
    by_pair = {}
    first = {}
    for p in res.pairs:
        by_pair[(p.a, p.b)] = p
        by_pair[(p.b, p.a)] = p
        if p.kind == "exact":
            first[p.b] = p.a
    found = 0
    tp = det = gold = 0
    kinds: dict[str, int] = defaultdict(int)
    for r in summ:
        sid = "summary/" + r["id"]
        p = by_pair.get((first.get(r["source_id"], r["source_id"]), first.get(sid, sid)))
        if p is None:
            continue
        found += 1
        kinds[p.kind] += 1
        stext = text[sid]
        g = mask(len(stext), [(s["tgt_start"], s["tgt_end"]) for s in r["aligned_spans"]])
        on_b = p.b == first.get(sid, sid)
        spans = [(x.b_start, x.b_end) if on_b else (x.a_start, x.a_end) for x in (p.passages or [])]
        d = mask(len(stext), spans)
        tp += int((g & d).sum())
        det += int(d.sum())
        gold += int(g.sum())
    own = {(first.get(r["source_id"], r["source_id"]), first.get("summary/" + r["id"], "summary/" + r["id"]))
           for r in summ}
    other = [p for p in res.pairs if p.a.startswith("summary/") != p.b.startswith("summary/")
             and (p.a, p.b) not in own and (p.b, p.a) not in own]
    return {"documents": len(res.corpus), "seconds": seconds, "summary_pairs": len(summ),
            "found": found, "share_found": found / len(summ), "kinds": dict(kinds),
            "summary_char_precision": tp / max(1, det), "summary_char_recall": tp / max(1, gold),
            "pairs_by_kind": res.kind_counts(), "article_summary_pairs_not_own_source": len(other)}


def shortanswers(shared: Path) -> dict:
    rows = [json.loads(x) for x in open(shared / "data/shortanswers/short_answers.jsonl")]
    src = {r["id"]: r["text"] for r in rows if r["category"] == "orig"}
    if not src:
        src = {r["id"]: r["text"] for r in rows if r["source_id"] is None}
    res: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r["source_id"] is None or r["source_id"] not in src:
            continue
        ps = align(src[r["source_id"]], r["text"])
        covered = sum(p.b_end - p.b_start for p in ps) / max(1, len(r["text"]))
        res[r["category"]].append(covered)
    return {cat: {"n": len(v), "detected(any passage)": sum(c > 0 for c in v) / len(v),
                  "mean_coverage": float(np.mean(v))} for cat, v in sorted(res.items())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    args = ap.parse_args()
    shared = Path(args.shared)
    align("warm up the compiled kernels once", "warm up the compiled kernels once")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps({"retold": retold.__version__, "align_bbc_summary": bbc_summary(shared),
                          "find_bbc_plus_summaries": find_bbc_summary(shared, Path(tmp)),
                          "align_shortanswers": shortanswers(shared)}, indent=1))


if __name__ == "__main__":
    main()
