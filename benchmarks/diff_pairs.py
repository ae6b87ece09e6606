"""Compare two outputs of ``retold find`` (or of ``retold clusters``): which pairs appear in only one,
which changed kind, the largest score drift, and how many pairs list other passages.

    python benchmarks/diff_pairs.py OLD.jsonl NEW.jsonl [--tol 1e-6]

Used to check that a change keeps the output (benchmarks/README.md, "Architecture move").
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

SCORES = ("score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b")


def load(path: str) -> dict:
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[(r["a"], r["b"]) if "a" in r else r["cluster"]] = r
    return out


def spans(r: dict) -> list | None:
    ps = r.get("passages")
    return None if ps is None else [(p["a_start"], p["a_end"], p["b_start"], p["b_end"], p["kind"]) for p in ps]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args()
    old, new = load(args.old), load(args.new)
    only_old = [k for k in old if k not in new]
    only_new = [k for k in new if k not in old]
    both = [k for k in old if k in new]
    print(f"records: old {len(old)}, new {len(new)}; only old {len(only_old)}, only new {len(only_new)}")
    if only_old:
        print("  only old, by kind:", dict(Counter(old[k].get("kind") for k in only_old)))
    if only_new:
        print("  only new, by kind:", dict(Counter(new[k].get("kind") for k in only_new)))
    changed = Counter((old[k].get("kind"), new[k].get("kind")) for k in both
                      if old[k].get("kind") != new[k].get("kind"))
    print("kind changes:", dict(changed))
    drift, over, passages, other = 0.0, 0, 0, 0
    for k in both:
        o, n = old[k], new[k]
        if "members" in o:  # cluster records
            other += o != n
            continue
        d = max(abs(o[f] - n[f]) for f in SCORES)
        drift = max(drift, d)
        over += d > args.tol
        passages += spans(o) != spans(n)
        other += o.get("source") != n.get("source")
    print(f"same pair: largest score difference {drift:.2e} ({over} over {args.tol}); {passages} with other "
          f"passages; {other} other differences")


if __name__ == "__main__":
    main()
