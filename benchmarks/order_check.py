"""Does the input order change any record? ``find`` on a JSONL corpus and on the same lines
shuffled, each record written with its sides in id order, then compared byte for byte.

    python benchmarks/order_check.py ../shared/data/bbc/bbc.jsonl [--seed 4] [--embedder lexical]

``a`` is the document that comes first in the input, so a shuffled input may swap the sides of
a pair; that is the one change allowed (README, "Output"). Exact pairs are compared as groups:
a group is reported as its first member paired with each other member, and which member comes
first is the input order's choice; the other pairs of a group's documents are reported with that
first member (README, "Output"), so before comparing, every id is replaced by the smallest id of
its exact group. Prints the counts and each differing record; exits 1 when
a kind or a score differs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

SCORES = ("score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b")
SWAP = {"a": "b", "b": "a", "containment_a": "containment_b", "containment_b": "containment_a",
        "coverage_a": "coverage_b", "coverage_b": "coverage_a"}


def canonical(rec: dict) -> dict:
    """The record with its sides in id order (passages swapped with them, sorted)."""
    if rec["a"] <= rec["b"]:
        return rec
    out = {SWAP.get(k, k): v for k, v in rec.items()}
    if rec.get("passages"):
        out["passages"] = sorted(({"a_start": p["b_start"], "a_end": p["b_end"], "b_start": p["a_start"],
                                   "b_end": p["a_end"], "kind": p["kind"], "score": p["score"]}
                                  for p in rec["passages"]), key=lambda p: (p["a_start"], p["b_start"]))
    return {k: out[k] for k in rec}  # the field order of the original record


def run_find(corpus: Path, out: Path, embedder: str | None) -> list[dict]:
    cmd = [sys.executable, "-m", "retold", "find", str(corpus), "-o", str(out), "-q"]
    if embedder:
        cmd += ["--embedder", embedder]
    subprocess.run(cmd, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return [json.loads(line) for line in out.read_text().splitlines()]


def groups(recs: list[dict]) -> set[frozenset[str]]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for r in recs:
        parent[root(r["a"])] = root(r["b"])
    out: dict[str, set[str]] = {}
    for x in parent:
        out.setdefault(root(x), set()).add(x)
    return {frozenset(g) for g in out.values()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--embedder", default=None)
    args = ap.parse_args()
    lines = [line for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    shuffled = lines[:]
    random.Random(args.seed).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "forward.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (t / "shuffled.jsonl").write_text("\n".join(shuffled) + "\n", encoding="utf-8")
        runs = [run_find(t / f"{name}.jsonl", t / f"{name}.out.jsonl", args.embedder)
                for name in ("forward", "shuffled")]
    exact = [groups([r for r in recs if r["kind"] == "exact"]) for recs in runs]
    text = []
    for recs, gs in zip(runs, exact):
        name = {x: min(g) for g in gs for x in g}
        text.append(sorted(json.dumps(canonical({**r, "a": name.get(r["a"], r["a"]), "b": name.get(r["b"], r["b"])}))
                           for r in recs if r["kind"] != "exact"))
    same = text[0] == text[1]
    print(f"records: forward {len(runs[0])}, shuffled {len(runs[1])}; non-exact {len(text[0])} / {len(text[1])}: "
          f"{'byte-identical' if same else 'DIFFERENT'}; exact groups: {len(exact[0])} / {len(exact[1])}: "
          f"{'the same' if exact[0] == exact[1] else 'DIFFERENT'}")
    scores_same = True
    if not same:
        # a record with a member of an exact group points its offsets into whichever copy the
        # order made the group's first member: copies with the same words may differ in spacing
        # or punctuation, so the offsets may differ where the scores may not
        keyed = [{(r["a"], r["b"]): r for r in map(json.loads, t)} for t in text]
        only = sorted(set(text[0]) ^ set(text[1]))
        members = {x for g in exact[0] | exact[1] for x in g}
        for k in sorted({(r["a"], r["b"]) for r in map(json.loads, only)}):
            x, y = keyed[0].get(k), keyed[1].get(k)
            nums = None if x is None or y is None else all(x[f] == y[f] for f in ("kind", *SCORES))
            scores_same &= bool(nums)
            print(f"  {k[0]} / {k[1]}: {'in both' if nums is not None else 'in one run only'}, "
                  f"kind and scores {'the same' if nums else 'DIFFERENT'}, "
                  f"{'a member of an exact group' if set(k) & members else 'no exact copy'}")
    sys.exit(0 if scores_same and exact[0] == exact[1] else 1)


if __name__ == "__main__":
    main()
