"""A/B: the same ``find`` on two builds of retold, alternating, in fresh processes.

Each run is a new Python process with one build's ``src`` first on ``PYTHONPATH``; the runs
alternate (A, B, A, B, ...) so that a noisy machine hurts both alike. Printed and written as
JSON: per build the median whole-process wall time, the median in-process stage times, the
peak resident memory, and the ratios B/A.

    python benchmarks/ab.py --a /path/to/old/src --b src --corpus benchmarks/data/corpus_20k.jsonl \\
        --kinds exact,near_duplicate --reps 5

Older builds take ``kinds`` as a tuple and options positionally; the driver passes only the
corpus and the kinds (and the embedder when asked), which every build accepts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DRIVER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import retold
corpus, kinds, embedder = sys.argv[1], tuple(sys.argv[2].split(",")), sys.argv[3]
if embedder:
    import os
    os.environ["RETOLD_EMBEDDER"] = embedder
res = retold.find([corpus], kinds=kinds)
n = sum(1 for _ in res.records())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"timings": res.timings, "records": n, "peak_mb": peak, "in_process": time.perf_counter() - t0}))
"""


def run_once(src: str, corpus: str, kinds: str, embedder: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "HF_HUB_OFFLINE": "1"}
    env.pop("RETOLD_EMBEDDER", None)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", DRIVER, corpus, kinds, embedder], capture_output=True, text=True,
                         env=env, check=True)
    wall = time.perf_counter() - t0
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["wall"] = wall
    return rec


def summarise(runs: list[dict]) -> dict:
    stages = sorted({k for r in runs for k in r["timings"]})
    return {"wall_s": round(statistics.median(r["wall"] for r in runs), 3),
            "stages_s": {k: round(statistics.median(r["timings"].get(k, 0.0) for r in runs), 3) for k in stages},
            "peak_mb": round(statistics.median(r["peak_mb"] for r in runs), 1),
            "records": runs[-1]["records"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="src folder of build A (the baseline)")
    ap.add_argument("--b", required=True, help="src folder of build B")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--kinds", default="exact,near_duplicate")
    ap.add_argument("--embedder", default="", help="RETOLD_EMBEDDER for both (default: unset)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=None, help="write the result as JSON here too")
    args = ap.parse_args()
    # one untimed warm-up each: compiled kernels are cached on first use
    for src in (args.a, args.b):
        run_once(src, args.corpus, args.kinds, args.embedder)
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    for _ in range(args.reps):
        for name, src in (("A", args.a), ("B", args.b)):
            runs[name].append(run_once(src, args.corpus, args.kinds, args.embedder))
    a, b = summarise(runs["A"]), summarise(runs["B"])
    ratio = {"wall": round(b["wall_s"] / a["wall_s"], 3), "peak_mb": round(b["peak_mb"] / a["peak_mb"], 3)}
    for k in b["stages_s"]:
        if a["stages_s"].get(k):
            ratio[k] = round(b["stages_s"][k] / a["stages_s"][k], 3)
    result = {"corpus": args.corpus, "kinds": args.kinds, "embedder": args.embedder or "default", "reps": args.reps,
              "A": {"src": args.a, **a}, "B": {"src": args.b, **b}, "B/A": ratio}
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
