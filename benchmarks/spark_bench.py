#!/usr/bin/env python3
"""The Spark engine next to the local engine on one corpus, in the same run: time, peak memory of
the whole process tree (driver, JVM, Python workers), and what each Spark stage shuffles.

    python benchmarks/spark_bench.py --corpus benchmarks/data/corpus_100k.jsonl --kinds fast,all \\
        --engines local,spark --master 'local[2]' --reps 1
    python benchmarks/spark_bench.py --corpus benchmarks/data/corpus_1000k.jsonl --kinds fast --engines spark \\
        --driver-memory 2g

Each run is a fresh process (``--one``); the engines take turns. The parent samples the resident
memory of the child and all its descendants every 0.2 s (``/proc``), so a Spark run counts its JVM
and its Python workers. Spark runs write an event log; the shuffle bytes and records of every task
are summed per retold stage (the job group ``retold.<stage>`` each stage sets) and divided by the
number of documents. Results: a table on stdout and ``--json``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KINDS = {"fast": "exact,near_duplicate", "all": None}


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{d}/statm") as f:
                rss[int(d)] = int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(d))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """Run ``cmd``; returns (wall seconds, peak tree RSS bytes, exit status, stderr tail)."""
    peak = [0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            done.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    return wall, peak[0], proc.returncode, err[-3000:]


def shuffle_by_stage(log_dir: str) -> dict[str, dict[str, int]]:
    """Shuffle write/read bytes and records per retold stage, from a Spark event log."""
    files = sorted(glob.glob(os.path.join(log_dir, "*")), key=os.path.getmtime)
    if not files:
        return {}
    last = files[-1]
    # Spark 4 may write a rolling event log: a directory of events_N_* files, in order
    parts = (sorted(glob.glob(os.path.join(last, "events_*")), key=lambda p: int(os.path.basename(p).split("_")[1]))
             if os.path.isdir(last) else [last])
    group_of_stage: dict[int, str] = {}
    out: dict[str, dict[str, int]] = {}
    lines = (line for part in parts for line in open(part))
    for line in lines:
        ev = json.loads(line)
        kind = ev.get("Event")
        if kind == "SparkListenerJobStart":
            group = (ev.get("Properties") or {}).get("spark.jobGroup.id") or "other"
            for sid in ev.get("Stage IDs", []):
                group_of_stage.setdefault(sid, group)
        elif kind == "SparkListenerTaskEnd":
            m = ev.get("Task Metrics") or {}
            w = m.get("Shuffle Write Metrics") or {}
            r = m.get("Shuffle Read Metrics") or {}
            g = group_of_stage.get(ev.get("Stage ID"), "other").removeprefix("retold.")
            acc = out.setdefault(g, {"write_bytes": 0, "write_records": 0, "read_bytes": 0, "tasks": 0})
            acc["write_bytes"] += w.get("Shuffle Bytes Written", 0)
            acc["write_records"] += w.get("Shuffle Records Written", 0)
            acc["read_bytes"] += r.get("Remote Bytes Read", 0) + r.get("Local Bytes Read", 0)
            acc["tasks"] += 1
    return out


def one(args: argparse.Namespace) -> None:
    """A single run in this process; prints its JSON on fd 3 (the file --one-out)."""
    os.environ.setdefault("RETOLD_EMBEDDER", "lexical")
    import retold

    kinds = KINDS[args.kinds]
    t0 = time.perf_counter()
    info: dict[str, object] = {}
    out_path = os.path.join(args.work, f"out-{args.one}.parquet")
    if args.one == "local":
        res = retold.find([args.corpus], kinds)
        t1 = time.perf_counter()
        res.write(out_path)
        info["timings"] = res.timings
        t2 = time.perf_counter()
        info["pairs"] = res.kind_counts()
    else:
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from retold.engine.spark import default_session

        log_dir = os.path.join(args.work, "events")
        os.makedirs(log_dir, exist_ok=True)
        spark = default_session(args.master, {"spark.driver.memory": args.driver_memory,
                                              "spark.eventLog.enabled": "true", "spark.eventLog.dir": log_dir,
                                              "spark.eventLog.compress": "false",
                                              "spark.ui.enabled": "false"})
        spark.sparkContext.setLogLevel("ERROR")
        info["session_start_s"] = time.perf_counter() - t0
        res = retold.find([args.corpus], kinds, engine="spark", spark=spark, partitions=args.partitions)
        t1 = time.perf_counter()
        res.write(out_path)
        info["timings"] = res.timings
        info["partitions"] = res.partitions
        t2 = time.perf_counter()
        info["pairs"] = res.kind_counts()  # counted in Spark: before the session stops
        spark.stop()
        info["shuffle"] = shuffle_by_stage(log_dir)
    info.update(engine=args.one, kinds=args.kinds, documents=res.stats.documents,
                find_s=t1 - t0, write_s=t2 - t1, total_s=t2 - t0)
    with open(args.one_out, "w") as f:
        json.dump(info, f)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--kinds", default="fast,all", help="fast (exact,near_duplicate) and/or all")
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="2g")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--json", default=None, help="write every run here")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--one-out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        one(args)
        return
    runs = []
    for kinds in args.kinds.split(","):
        for rep in range(args.reps):
            for engine in args.engines.split(","):
                with tempfile.TemporaryDirectory(prefix="retold-spark-bench-") as work:
                    res_file = os.path.join(work, "run.json")
                    cmd = [sys.executable, __file__, "--one", engine, "--one-out", res_file, "--work", work,
                           "--corpus", args.corpus, "--kinds", kinds, "--master", args.master,
                           "--driver-memory", args.driver_memory]
                    if args.partitions:
                        cmd += ["--partitions", str(args.partitions)]
                    wall, peak, rc, err = measure(cmd, dict(os.environ))
                    if rc != 0:
                        print(f"{engine} {kinds} failed ({rc}):\n{err}", file=sys.stderr)
                        continue
                    with open(res_file) as f:
                        info = json.load(f)
                info.update(wall_s=wall, peak_tree_rss_mb=peak / 2**20, rep=rep)
                runs.append(info)
                print(json.dumps({k: v for k, v in info.items() if k != "shuffle"}), flush=True)
    print("\n| kinds | engine | documents | wall s | find s | write s | peak RSS (tree) MB | pairs |")
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['kinds']} | {r['engine']} | {r['documents']:,} | {r['wall_s']:.1f} | {r['find_s']:.1f} | "
              f"{r['write_s']:.1f} | {r['peak_tree_rss_mb']:,.0f} | {sum(r['pairs'].values()):,} |")
    print("\n| kinds | spark / local wall (median) | spark / local find | spark / local peak RSS |")
    print("|---|---|---|---|")
    for kinds in args.kinds.split(","):
        by = {e: [r for r in runs if r["kinds"] == kinds and r["engine"] == e] for e in ("local", "spark")}
        if by["local"] and by["spark"]:
            ratio = {key: statistics.median(r[key] for r in by["spark"])
                     / statistics.median(r[key] for r in by["local"])
                     for key in ("wall_s", "find_s", "peak_tree_rss_mb")}
            print(f"| {kinds} | {ratio['wall_s']:.2f}x | {ratio['find_s']:.2f}x | {ratio['peak_tree_rss_mb']:.2f}x |")
    for r in runs:
        if r.get("shuffle"):
            n = r["documents"] / 1000
            print(f"\nshuffle per 1k documents, {r['kinds']} (partitions {r.get('partitions')}):")
            print("| stage | MB written | records written | MB read | tasks |")
            print("|---|---|---|---|---|")
            for stage, m in sorted(r["shuffle"].items()):
                print(f"| {stage} | {m['write_bytes'] / n / 2**20:.3f} | {m['write_records'] / n:,.0f} | "
                      f"{m['read_bytes'] / n / 2**20:.3f} | {m['tasks']} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
