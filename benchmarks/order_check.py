"""Does the input order change any record? ``find`` on a JSONL corpus and on the same lines
shuffled, each record written with its sides in id order, then compared byte for byte.

    python benchmarks/order_check.py ../shared/data/bbc/bbc.jsonl [--seed 4] [--embedder lexical]

``a`` is the document that comes first in the input, so a shuffled input may swap the sides of
a pair; that is the one change allowed (README, "Output"). Exact pairs are compared as groups:
a group is reported as its first member paired with each other member, and which member comes
first is the input order's choice. Prints the counts and the first differing records; exits 1
when any non-exact record differs.
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
        runs = [run_find(t / f"{name}.jsonl", t / f"{name}.out", args.embedder) for name in ("forward", "shuffled")]
    exact = [groups([r for r in recs if r["kind"] == "exact"]) for recs in runs]
    text = [sorted(json.dumps(canonical(r), sort_keys=False) for r in recs if r["kind"] != "exact") for recs in runs]
    same = text[0] == text[1]
    print(f"records: forward {len(runs[0])}, shuffled {len(runs[1])}; non-exact {len(text[0])} / {len(text[1])}: "
          f"{'byte-identical' if same else 'DIFFERENT'}; exact groups: {len(exact[0])} / {len(exact[1])}: "
          f"{'the same' if exact[0] == exact[1] else 'DIFFERENT'}")
    if not same:
        only = sorted(set(text[0]) ^ set(text[1]))
        print(f"{len(only)} lines in one run only; first: {only[:2]}")
    sys.exit(0 if same and exact[0] == exact[1] else 1)


if __name__ == "__main__":
    main()
