#!/usr/bin/env python3
"""Whole-process cost of the default ``find`` (every kind, sentence model on) against
``find --kinds exact,near_duplicate,partial``, in fresh processes, alternated, in one run.

    python benchmarks/tier_cost.py CORPUS [CORPUS ...] [--reps 3] [--embedder auto]

For each corpus: the median wall time of each command (interpreter start, imports, model
loading and writing the output included), their ratio, the peak RSS, and the paraphrase tier's
counts from the default run's JSON summary (candidates, screened, cheap-model survivors,
sentences MiniLM read, documents per language). One untimed warm-up of each command first
(compiled kernels, the ONNX graph and the static table are cached on disk). The sentence vectors
kept between runs (:mod:`retold.embedding_store`) are off (``RETOLD_EMBEDDING_STORE=0``) unless
``--store``: the warm-up would otherwise leave every vector the timed runs need in the store,
and MiniLM would not run at all.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str]) -> tuple[float, float, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(proc.stderr[proc.stderr.index("{"):])
    return wall, max(peak, before) / 1024.0, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--store", action="store_true", help="keep the sentence vectors between runs (warm runs)")
    args = ap.parse_args()
    if not args.store:
        os.environ["RETOLD_EMBEDDING_STORE"] = "0"
    exe = [sys.executable, "-m", "retold"]
    out = Path(tempfile.mkdtemp(prefix="retold-tier-cost-"))
    rows = []
    for corpus in args.corpora:
        fast = [*exe, "find", corpus, "--kinds", "exact,near_duplicate,partial", "-o", str(out / "fast.jsonl"),
                "--json", "-q"]
        full = [*exe, "find", corpus, "--embedder", args.embedder, "-o", str(out / "full.jsonl"), "--json", "-q"]
        run(fast)
        run(full)
        walls: dict[str, list[float]] = {"fast": [], "full": []}
        summary: dict = {}
        for _ in range(args.reps):
            for name, cmd in (("fast", fast), ("full", full)):
                wall, _peak, s = run(cmd)
                walls[name].append(wall)
                if name == "full":
                    summary = s
        f, d = statistics.median(walls["fast"]), statistics.median(walls["full"])
        rows.append({"corpus": corpus, "fast_s": round(f, 2), "full_s": round(d, 2), "ratio": round(d / f, 2),
                     "fast_all": [round(x, 2) for x in walls["fast"]], "full_all": [round(x, 2) for x in walls["full"]],
                     "pairs": summary.get("pairs"), "tier": summary.get("paraphrase_tier"),
                     "stage_seconds": summary.get("stage_seconds")})
        print(json.dumps(rows[-1]), flush=True)
    print("| corpus | find --kinds exact,near_duplicate,partial s | find (default) s | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {os.path.basename(r['corpus'])} | {r['fast_s']} | {r['full_s']} | {r['ratio']}x |")


if __name__ == "__main__":
    main()
