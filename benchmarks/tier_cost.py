#!/usr/bin/env python3
"""Whole-process cost of the default ``find`` (every kind, sentence model on) against
``find --kinds exact,near_duplicate,partial``, in fresh processes, alternated, in one run.

    python benchmarks/tier_cost.py CORPUS [CORPUS ...] [--reps 3] [--embedder auto] [--against OLD/src]

For each corpus: the median wall time of each command (interpreter start, imports, model
loading and writing the output included), their ratio, the median CPU seconds (user+sys: steadier
than wall on a shared machine), and the paraphrase tier's
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


def run(cmd: list[str], src: str | None = None) -> tuple[float, float, float, dict]:
    """Wall seconds, peak RSS (MB), CPU seconds (user+sys) and JSON summary of one fresh process
    (``src``: the build's source folder first on ``PYTHONPATH``; None = as installed)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(proc.stderr[proc.stderr.index("{"):])
    return wall, max(after.ru_maxrss, before.ru_maxrss) / 1024.0, cpu, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--store", action="store_true", help="keep the sentence vectors between runs (warm runs)")
    ap.add_argument("--against", metavar="SRC", help="another build's src folder, run alternately with this one")
    args = ap.parse_args()
    if not args.store:
        os.environ["RETOLD_EMBEDDING_STORE"] = "0"
    exe = [sys.executable, "-m", "retold"]
    out = Path(tempfile.mkdtemp(prefix="retold-tier-cost-"))
    builds: list[tuple[str, str | None]] = [("this", str(ROOT / "src"))]
    if args.against:
        builds.append(("against", args.against))
    rows = []
    for corpus in args.corpora:
        fast = [*exe, "find", corpus, "--kinds", "exact,near_duplicate,partial", "-o", str(out / "fast.jsonl"),
                "--json", "-q"]
        full = [*exe, "find", corpus, "--embedder", args.embedder, "-o", str(out / "full.jsonl"), "--json", "-q"]
        for _, src in builds:
            run(fast, src)
            run(full, src)
        walls = {(b, k): [] for b, _ in builds for k in ("fast", "full")}
        cpus = {(b, k): [] for b, _ in builds for k in ("fast", "full")}
        summary: dict = {}
        for _ in range(args.reps):
            for b, src in builds:
                for name, cmd in (("fast", fast), ("full", full)):
                    wall, _peak, cpu, got = run(cmd, src)
                    walls[(b, name)].append(wall)
                    cpus[(b, name)].append(cpu)
                    if name == "full":
                        summary[b] = got
        for b, _ in builds:
            f, d = statistics.median(walls[(b, "fast")]), statistics.median(walls[(b, "full")])
            fc, dc = statistics.median(cpus[(b, "fast")]), statistics.median(cpus[(b, "full")])
            rows.append({"corpus": corpus, "build": b, "fast_s": round(f, 2), "full_s": round(d, 2),
                         "ratio": round(d / f, 2), "fast_cpu_s": round(fc, 2), "full_cpu_s": round(dc, 2),
                         "cpu_ratio": round(dc / fc, 2),
                         "fast_all": [round(x, 2) for x in walls[(b, "fast")]],
                         "full_all": [round(x, 2) for x in walls[(b, "full")]],
                         "pairs": summary[b].get("pairs"), "tier": summary[b].get("paraphrase_tier"),
                         "stage_seconds": summary[b].get("stage_seconds")})
            print(json.dumps(rows[-1]), flush=True)
    print("| corpus | build | find --kinds exact,near_duplicate,partial s (CPU s) | find (default) s (CPU s) | ratio "
          "(CPU) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {os.path.basename(r['corpus'])} | {r['build']} | {r['fast_s']} ({r['fast_cpu_s']}) | "
              f"{r['full_s']} ({r['full_cpu_s']}) | {r['ratio']}x ({r['cpu_ratio']}x) |")


if __name__ == "__main__":
    main()
