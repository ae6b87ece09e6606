#!/usr/bin/env python3
"""Cost of the paraphrase tier next to the fast dedup pass, on one corpus, in one run.

    python benchmarks/paraphrase_speed.py --corpus benchmarks/data/corpus_20k.jsonl [--embedders lexical,minilm]

Runs ``retold.find`` in this process (after one warm-up that loads the compiled kernels) for:
``exact,near_duplicate`` (the pass compared with MinHash peers), ``+partial``, and every kind
with each embedder; prints wall seconds per stage, the paraphrase tier's stage counts
(candidates, screened, embedded documents) and the ratio of the paraphrase tier's time to
the near-duplicate pass. Medians of ``--reps`` runs (the MiniLM run once: minutes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from retold import find  # noqa: E402


def run(corpus: str, kinds: tuple[str, ...], embedder: str, reps: int) -> dict:
    walls, timings, res = [], [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        res = find([corpus], kinds, embedder=embedder)
        walls.append(time.perf_counter() - t0)
        timings.append(res.timings)
    assert res is not None
    mid = sorted(range(reps), key=lambda k: walls[k])[reps // 2]
    kinds_found: dict[str, int] = {}
    for p in res.table.kind.tolist():
        name = ("exact", "near_duplicate", "partial", "paraphrase")[p]
        kinds_found[name] = kinds_found.get(name, 0) + 1
    return {"kinds": ",".join(kinds), "embedder": embedder if "paraphrase" in kinds else "-",
            "seconds": round(statistics.median(walls), 2),
            "stages": {k: round(v, 2) for k, v in timings[mid].items()}, "paraphrase_stages": dict(res.tier),
            "pairs": kinds_found}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT / "benchmarks" / "data" / "corpus_20k.jsonl"))
    ap.add_argument("--embedders", default="lexical,minilm")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    find([args.corpus], ("exact", "near_duplicate", "partial"))  # warm-up: compiled kernels, page cache
    rows = [run(args.corpus, ("exact", "near_duplicate"), "lexical", args.reps),
            run(args.corpus, ("exact", "near_duplicate", "partial"), "lexical", args.reps)]
    for emb in [e for e in args.embedders.split(",") if e]:
        rows.append(run(args.corpus, ("exact", "near_duplicate", "partial", "paraphrase"), emb,
                        args.reps if emb == "lexical" else 1))
    near = rows[0]["seconds"]
    print("| kinds | embedder | find s | paraphrase tier s | tier / near-dup find | candidates -> screened -> "
          "embedded docs | pairs |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        tier = r["stages"].get("paraphrase")
        ps = r["paraphrase_stages"]
        print(f"| {r['kinds']} | {r['embedder']} | {r['seconds']} | {tier if tier is not None else '-'} | "
              f"{round(tier / near, 1) if tier is not None else '-'}x | "
              f"{ps.get('candidates', '-')} -> {ps.get('screened', '-')} -> {ps.get('embedded_documents', '-')} | "
              f"{r['pairs']} |")
    print(json.dumps(rows, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
