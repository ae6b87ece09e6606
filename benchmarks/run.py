#!/usr/bin/env python3
"""Benchmark retold against MinHash-LSH peers on a corpus with ground truth.

    python benchmarks/make_corpus.py -n 20000
    python benchmarks/run.py --corpus benchmarks/data/corpus_20k.jsonl --reps 3 \\
        --tools retold,rensa,datasketch [--textdedup-python /path/to/venv/bin/python]

Every tool runs REPS times, each time in a fresh process (benchmarks/run_one.py)
under `/usr/bin/time -v`. Within one repetition the tools run back to back and
the order is rotated in every repetition. Reported per tool (medians over
repetitions):

  e2e s           in-process read + sign + LSH + cluster (no interpreter start, no imports)
  x retold        the tool's e2e / retold's e2e in the SAME repetition (median of the ratios)
  process wall s  the whole process, interpreter start and imports included
  peak RSS MB     maximum resident set size of the process
  P / R / F1      pair precision, recall and F1 of the clusters against the ground truth
  recall low/mid/high  share of copies edited at 1-5% / 5-10% / 10-20% found in their source's cluster

The peers are single-threaded (RAYON_NUM_THREADS=1 and friends); retold uses
every core through numba's threads, as it does for users. When retold is
benchmarked and the `retold` console script exists, the CLI is timed as its own
row (`retold-cli`, process wall only). One untimed warm-up run of retold comes
first, so that numba's on-disk cache is filled (--no-warmup to skip).

Writes benchmarks/results/<tag>.md (the tables, with machine facts and versions)
and benchmarks/results/<tag>.json (every run, raw). Per-run logs and outputs go
to benchmarks/data/runs/<tag>/.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import evaluate  # noqa: E402

RUN_ONE = os.path.join(HERE, "run_one.py")
IN_PROCESS = ("retold", "rensa", "datasketch", "textdedup")
ALL_TOOLS = (*IN_PROCESS, "retold-cli")
SINGLE_THREAD_ENV = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
COMMON_ENV = {"PYTHONHASHSEED": "0", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
EXIT_UNAVAILABLE = 3  # run_one.py: the tool is not available in that interpreter
VERSION_DISTS = (
    "retold",
    "numpy",
    "numba",
    "orjson",
    "pyarrow",
    "datasketch",
    "rensa",
    "text-dedup",
    "datasets",
)


# ---------------------------------------------------------------- machine facts
def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def machine_facts() -> dict:
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    facts = {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "cpu_model": model.group(1).strip() if model else platform.processor() or None,
        "nproc": os.cpu_count(),
        "nproc_available": affinity,
        "mem_total_gib": round(int(mem.group(1)) / 1024**2, 1) if mem else None,
        "loadavg_at_start": _read("/proc/loadavg").split()[:3] or None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain", "--", "src"], capture_output=True, text=True
        )
        if head.returncode == 0:
            facts["git_commit"] = head.stdout.strip() + (" (src/ modified)" if dirty.stdout.strip() else "")
    except OSError:
        pass
    return facts


def dist_versions(python: str) -> dict:
    """Versions of the packages that matter, as seen by the interpreter that runs the tools."""
    code = (
        "import json, sys\nfrom importlib.metadata import version, PackageNotFoundError\nv = {}\n"
        f"for d in {list(VERSION_DISTS)!r}:\n"
        "    try:\n        v[d] = version(d)\n    except PackageNotFoundError:\n        pass\n"
        "v['python'] = sys.version.split()[0]\nprint(json.dumps(v))"
    )
    try:
        p = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
        return json.loads(p.stdout) if p.returncode == 0 else {}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}


# ---------------------------------------------------------------- running one process
def _time_v_works() -> bool:
    if not os.path.exists("/usr/bin/time"):
        return False
    p = subprocess.run(["/usr/bin/time", "-v", "true"], capture_output=True, text=True)
    return p.returncode == 0 and "Maximum resident set size" in p.stderr


def parse_time_v(text: str) -> float | None:
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(m.group(1)) / 1024.0 if m else None


def timed_process(cmd: list[str], env: dict, log: str, timeout: float, use_time_v: bool) -> dict:
    """Run cmd in its own session; return exit code, wall seconds, peak RSS (MB), and the CPU
    seconds (user, system) and minor page faults of the process and its children.
    Peak RSS comes from /usr/bin/time -v, or from wait4()'s rusage of the child.

    Why system time and faults: on virtual machines that hand freed memory back to the host
    (benchmarks/README, issue 15, tenth session) the first touch of memory costs about 3 s a GB
    of system time, which moves a run's wall time by 10-30%; these two say whether a
    difference between builds is theirs or the machine's."""
    stats = log + ".time"
    full = (["/usr/bin/time", "-v", "-o", stats] if use_time_v else []) + cmd
    timed_out = threading.Event()
    with open(log, "w") as lf:
        lf.write(shlex.join(cmd) + "\n")
        lf.flush()
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=lf, stderr=subprocess.STDOUT, env=env, start_new_session=True)

        def kill():
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)  # the process group we started (time and its child)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    rss = parse_time_v(_read(stats)) if use_time_v else None
    if rss is None:
        rss = ru.ru_maxrss / 1024.0  # Linux: kB
    rc = "timeout" if timed_out.is_set() else p.returncode
    return {"rc": rc, "proc_wall_s": wall, "rss_mb": rss, "user_s": round(ru.ru_utime, 2),
            "sys_s": round(ru.ru_stime, 2), "minflt": ru.ru_minflt, "log": log}


def tail(path: str, n: int = 3) -> list[str]:
    """The last n non-empty lines of a log, without /usr/bin/time's indented report."""
    lines = [x.strip() for x in _read(path).splitlines() if x.strip() and not x.startswith("\t")]
    return lines[-n:]


class Runner:
    def __init__(self, args, corpus: str, workdir: str):
        self.args = args
        self.corpus = corpus
        self.workdir = workdir
        self.use_time_v = _time_v_works()
        if not self.use_time_v:
            print("note: /usr/bin/time -v is not usable (apt-get install -y time); peak RSS from wait4()")

    def command(self, tool: str, out: str) -> list[str]:
        if tool == "retold-cli":
            return [self.args.retold_cli, "find", self.corpus, "--kinds", "exact,near_duplicate", "-o", out]
        py = self.args.textdedup_python if tool == "textdedup" else self.args.python
        return [py, RUN_ONE, tool, self.corpus, out]

    def env(self, tool: str) -> dict:
        env = dict(os.environ, **COMMON_ENV)
        if tool in ("retold", "retold-cli"):
            for k in SINGLE_THREAD_ENV:  # retold uses every core, as it does for users
                env.pop(k, None)
        else:
            env.update(SINGLE_THREAD_ENV)
        return env

    def run(self, tool: str, sub: str) -> dict:
        d = os.path.join(self.workdir, sub)
        os.makedirs(d, exist_ok=True)
        out = os.path.join(d, f"{tool}.jsonl" if tool == "retold-cli" else f"{tool}.json")
        if os.path.exists(out):
            os.remove(out)
        rec = {"tool": tool, "cmd": shlex.join(self.command(tool, out))}
        rec.update(
            timed_process(
                self.command(tool, out),
                self.env(tool),
                os.path.join(d, f"{tool}.log"),
                self.args.timeout,
                self.use_time_v,
            )
        )
        if rec["rc"] == 0 and tool == "retold-cli":
            rec["status"] = "ok"
            if os.path.exists(out):
                rec["output_bytes"] = os.path.getsize(out)
                with open(out, "rb") as f:
                    rec["output_records"] = sum(1 for _ in f)
                if not self.args.keep_outputs:
                    os.remove(out)
        elif rec["rc"] == 0 and os.path.exists(out):
            rec["status"] = "ok"
            with open(out) as f:
                rec["result"] = json.load(f)
        else:
            rec["status"] = (
                "unavailable"
                if rec["rc"] == EXIT_UNAVAILABLE
                else "timeout"
                if rec["rc"] == "timeout"
                else "failed"
            )
            last = tail(rec["log"], 5)
            rec["error_tail"] = last
            if rec["rc"] == "timeout":
                rec["error"] = f"killed after --timeout {self.args.timeout:g} s"
            else:
                rec["error"] = last[-1] if last else f"exit status {rec['rc']}"
        return rec


# ---------------------------------------------------------------- summary
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{nd}f}"
    return str(x)


def summarise(runs: list[dict], tools: list[str], reps: int, ref: str, truth: list[dict] | None) -> dict:
    summary = {}
    e2e = {(r["tool"], r["rep"]): r["result"]["timers"]["e2e"] for r in runs if "result" in r}
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool]
        ok = [r for r in mine if r["status"] == "ok"]
        s: dict = {"reps_ok": len(ok), "reps": len(mine)}
        bad = [r for r in mine if r["status"] != "ok"]
        if bad:
            s["status"] = bad[0]["status"]
            s["error"] = bad[0].get("error")
        if not ok:
            summary[tool] = s
            continue
        s["proc_wall_s"] = med([r["proc_wall_s"] for r in ok])
        s["rss_mb"] = med([r["rss_mb"] for r in ok])
        res = [r["result"] for r in ok if "result" in r]
        if res:
            s["version"] = res[0].get("version")
            s["api"] = res[0].get("api")
            s["notes"] = res[0].get("notes")
            keys = sorted({k for x in res for k in x["timers"]})
            s["timers"] = {k: med([x["timers"].get(k) for x in res]) for k in keys}
            s["e2e_s"] = s["timers"]["e2e"]
            n = res[0]["n"]
            s["sign_docs_s"] = n / s["timers"]["sign"] if s["timers"].get("sign") else None
            tt = [x.get("tool_timings") or {} for x in res]
            tkeys = sorted({k for x in tt for k, v in x.items() if isinstance(v, (int, float))})
            if tkeys:
                s["tool_timings"] = {k: med([x.get(k) for x in tt]) for k in tkeys}
            for k in ("tool_stats", "numba_num_threads", "numba_threading_layer"):
                if res[0].get(k) is not None:
                    s[k] = res[0][k]
            s["labels_identical_across_reps"] = all(x["labels"] == res[0]["labels"] for x in res)
            if truth is not None:
                s["quality"] = evaluate.evaluate(truth, res[0]["labels"])
        else:  # retold-cli: process only
            s["version"] = None
            s["output_records"] = ok[0].get("output_records")
        ratios = [
            e2e[(tool, rep)] / e2e[(ref, rep)]
            for rep in range(reps)
            if (tool, rep) in e2e and (ref, rep) in e2e and e2e[(ref, rep)] > 0
        ]
        s["x_ref"] = med(ratios)
        s["x_ref_per_rep"] = ratios
        summary[tool] = s
    return summary


def markdown(tag: str, summary: dict, tools: list[str], ref: str, ctx: dict) -> str:
    m = ctx["machine"]
    cor = ctx["corpus"]
    reps = ctx["reps"]
    lines = [
        f"## {tag}: {cor['name']} (N={cor['n']:,}), {reps} repetition{'s' if reps != 1 else ''}, medians",
        "",
        f"Machine: {m.get('cpu_model')}, {m.get('nproc')} CPUs ({m.get('nproc_available')} available), "
        f"{m.get('mem_total_gib')} GiB; {m.get('platform')}; Python {m.get('python')}; "
        f"load average at start {' '.join(m.get('loadavg_at_start') or [])}; {m.get('date_utc')} UTC"
        + (f"; retold at {m['git_commit']}" if m.get("git_commit") else "")
        + ".",
        "",
        f"| tool | version | e2e s | x {ref} | process wall s | peak RSS MB | P | R | F1 "
        "| recall low 1-5% | recall mid 5-10% | recall high 10-20% |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for tool in tools:
        s = summary.get(tool, {})
        if not s.get("reps_ok"):
            why = f"{s.get('status', 'not run').upper()}: {s.get('error') or ''}".replace("|", "/")
            lines.append(f"| {tool} | {why} | | | | | | | | | | |")
            continue
        q = s.get("quality")
        if q:
            a = q["all"]
            qcols = (
                f"{a['precision']:.3f} | {a['recall']:.3f} | {a['f1']:.3f} | {q['low']['dup_recall']:.3f} "
                f"| {q['mid']['dup_recall']:.3f} | {q['high']['dup_recall']:.3f}"
            )
        else:
            qcols = "- | - | - | - | - | -"
        partial = "" if s["reps_ok"] == s["reps"] else f" ({s['reps_ok']}/{s['reps']} ok)"
        lines.append(
            f"| {tool}{partial} | {fmt(s.get('version'))} | {fmt(s.get('e2e_s'))} | {fmt(s.get('x_ref'))} "
            f"| {fmt(s['proc_wall_s'])} | {fmt(s['rss_mb'], 0)} | {qcols} |"
        )
    lines += [
        "",
        "Stages (median seconds; `sign` includes the harness shingling for datasketch and rensa; "
        "import is not part of e2e):",
        "",
        "| tool | import s | read s | sign s | sign docs/s | LSH s | cluster s | same labels every rep |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tool in tools:
        s = summary.get(tool, {})
        t = s.get("timers")
        if not t:
            continue
        lines.append(
            f"| {tool} | {fmt(t.get('import'))} | {fmt(t.get('read'))} | {fmt(t.get('sign'))} "
            f"| {fmt(s.get('sign_docs_s'))} | {fmt(t.get('lsh'))} | {fmt(t.get('cluster'))} "
            f"| {'yes' if s.get('labels_identical_across_reps') else 'NO'} |"
        )
    for tool in tools:
        tt = summary.get(tool, {}).get("tool_timings")
        if tt:
            lines += [
                "",
                f"{tool} stage timings (its own, median s): "
                + ", ".join(f"{k} {fmt(v, 3)}" for k, v in tt.items()),
            ]
    if any(summary.get(t, {}).get("quality") for t in tools):
        lines += [
            "",
            "Quality detail: P/R/F1 on the sub-corpus of every non-copy doc plus one edit bucket's copies; "
            "recall of copies by their exact word 5-gram Jaccard with their source:",
            "",
            "| tool | purity (clusters>=2) | predicted clusters>=2 | low P/R/F1 | mid P/R/F1 | high P/R/F1 "
            "| recall J>=0.7 / 0.5-0.7 / <0.5 |",
            "|---|---|---|---|---|---|---|",
        ]
        for tool in tools:
            q = summary.get(tool, {}).get("quality")
            if not q:
                continue
            prf = [
                "/".join(f"{q[b][k]:.3f}" for k in ("precision", "recall", "f1")) for b in evaluate.BUCKETS
            ]
            jr = " / ".join(f"{q[b]['dup_recall']:.3f}" for b in evaluate.JBUCKETS)
            lines.append(
                f"| {tool} | {q['all']['purity_nonsingleton']:.3f} | {q['all']['pred_clusters_ge2']:,} "
                f"| {' | '.join(prf)} | {jr} |"
            )
    if cor.get("counts"):
        c = cor["counts"]
        lines += [
            "",
            f"Corpus: {cor['name']}, sha256 {cor.get('sha256', '?')[:16]}..., {cor['seed_text']}; "
            f"copies low/mid/high {c['low']}/{c['mid']}/{c['high']}, "
            f"by Jaccard >=0.7/0.5-0.7/<0.5 {c['J>=0.7']}/{c['0.5<=J<0.7']}/{c['J<0.5']}; "
            f"true pairs {c['true_pairs']:,}.",
        ]
    v = ctx["versions"]
    lines += [
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "How: each run is a fresh process under `/usr/bin/time -v`; the tools alternate within a repetition, "
        "in an order rotated every repetition. Peers are single-threaded (RAYON_NUM_THREADS=1 etc.); retold "
        f"uses its numba threads ({_threads(summary)}). Peers: word 5-grams (lowercase, `\\w+`), 128 "
        "permutations, LSH b=16 x r=8, every candidate unioned. `retold-cli` is `retold find CORPUS --kinds "
        "exact,near_duplicate -o OUT.jsonl`, process wall only. "
        f"x {ref} = e2e / {ref}'s e2e in the same repetition, median over repetitions.",
        "",
        f"Command: `{ctx['command']}`",
        "",
    ]
    return "\n".join(lines)


def _threads(summary: dict) -> str:
    s = summary.get("retold", {})
    n = s.get("numba_num_threads")
    layer = s.get("numba_threading_layer")
    return f"{n} threads" + (f", {layer} layer" if layer else "") if n else "all cores"


# ---------------------------------------------------------------- main
def corpus_info(corpus: str, truth: list[dict] | None) -> dict:
    info = {"name": os.path.basename(corpus), "path": corpus, "seed_text": "?"}
    meta_p = corpus[:-6] + ".meta.json" if corpus.endswith(".jsonl") else corpus + ".meta.json"
    if os.path.exists(meta_p):
        with open(meta_p) as f:
            meta = json.load(f)
        info.update(sha256=meta.get("sha256_corpus"), seed_text=meta.get("seed_text"), meta=meta)
        if meta.get("warning"):
            info["warning"] = meta["warning"]
    if truth is not None:
        info["n"] = len(truth)
        q = evaluate.evaluate(truth, list(range(len(truth))))
        info["counts"] = {b: q[b]["n_dups"] for b in (*evaluate.BUCKETS, *evaluate.JBUCKETS)}
        info["counts"]["true_pairs"] = q["all"]["true_pairs"]
    else:
        with open(corpus, "rb") as f:
            info["n"] = sum(1 for _ in f)
    return info


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="corpus JSONL from make_corpus.py")
    ap.add_argument("--truth", default=None, help="ground truth (default: CORPUS with .truth.jsonl)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument(
        "--tools",
        default="retold,rensa,datasketch",
        help=f"comma-separated, from {', '.join(ALL_TOOLS)} (default: %(default)s)",
    )
    ap.add_argument(
        "--ref", default="retold", help="the tool the 'x' ratio divides by (default: %(default)s)"
    )
    ap.add_argument(
        "--textdedup-python",
        default=None,
        help="python of a venv with text-dedup 0.4.0; adds the textdedup tool",
    )
    ap.add_argument("--python", default=sys.executable, help="interpreter for retold/rensa/datasketch")
    ap.add_argument("--retold-cli", default=None, help="path of the retold console script (default: found)")
    ap.add_argument("--no-cli", action="store_true", help="do not add the retold-cli row")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up run of retold")
    ap.add_argument("--tag", default=None, help="results name (default: from the corpus name, e.g. 20k)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    ap.add_argument("--keep-outputs", action="store_true", help="keep retold-cli's output JSONL")
    return ap.parse_args(argv)


def resolve_tools(args) -> list[str]:
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in ALL_TOOLS]
    if unknown:
        sys.exit(f"unknown tool(s) {unknown}; choose from {', '.join(ALL_TOOLS)}")
    if args.textdedup_python and "textdedup" not in tools:
        tools.append("textdedup")
    if "textdedup" in tools and not args.textdedup_python:
        print("note: textdedup skipped: pass --textdedup-python PATH (a venv with text-dedup 0.4.0)")
        tools.remove("textdedup")
    if args.retold_cli is None:
        cand = os.path.join(os.path.dirname(args.python), "retold")
        args.retold_cli = cand if os.access(cand, os.X_OK) else shutil.which("retold")
    if "retold" in tools and "retold-cli" not in tools and not args.no_cli:
        if args.retold_cli:
            tools.append("retold-cli")
        else:
            print("note: retold-cli row skipped: no `retold` console script (pip install -e . to get one)")
    if "retold-cli" in tools and not args.retold_cli:
        print("note: retold-cli skipped: no `retold` console script found")
        tools.remove("retold-cli")
    return list(dict.fromkeys(tools))


def main(argv=None) -> int:
    args = parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    if not os.path.exists(corpus):
        sys.exit(f"no corpus at {corpus}; make one with: python benchmarks/make_corpus.py -n 20000")
    tools = resolve_tools(args)
    if not tools:
        sys.exit("no tool to run")
    truth_p = args.truth or (corpus[:-6] if corpus.endswith(".jsonl") else corpus) + ".truth.jsonl"
    truth = evaluate.load_truth(truth_p) if os.path.exists(truth_p) else None
    if truth is None:
        print(f"note: no ground truth at {truth_p}: quality columns stay empty")
    stem = os.path.basename(corpus).removesuffix(".jsonl").removeprefix("corpus_")
    tag = args.tag or stem
    workdir = os.path.join(HERE, "data", "runs", tag)
    resdir = os.path.join(HERE, "results")
    os.makedirs(resdir, exist_ok=True)
    runner = Runner(args, corpus, workdir)
    ref = args.ref

    warmup = []
    runs: list[dict] = []
    rep_tools = list(tools)
    if not args.no_warmup:
        for tool in ("retold", "retold-cli"):
            if tool in tools:
                rec = runner.run(tool, "warmup")
                rec.pop("result", None)
                warmup.append(rec)
                if rec["status"] != "ok":  # it would fail the same way every time: report it, skip it
                    rep_tools.remove(tool)
                    runs.append(dict(rec, rep="warm-up"))
                print(
                    f"[warm-up] {tool}: {rec['status']} wall={rec['proc_wall_s']:.2f}s"
                    + (f" ({rec['error']})" if rec.get("error") else ""),
                    flush=True,
                )

    for rep in range(args.reps):
        k = rep % max(1, len(rep_tools))
        for tool in rep_tools[k:] + rep_tools[:k]:
            rec = runner.run(tool, f"rep{rep}")
            rec["rep"] = rep
            runs.append(rec)
            t = rec.get("result", {}).get("timers", {})
            msg = f" e2e={t['e2e']:.2f}s" if "e2e" in t else ""
            msg += f" wall={rec['proc_wall_s']:.2f}s rss={rec['rss_mb']:.0f}MB"
            print(
                f"[rep {rep}] {tool}: {rec['status']}{msg}"
                + (f" ({rec['error']})" if rec.get("error") else ""),
                flush=True,
            )

    summary = summarise(runs, tools, args.reps, ref, truth)
    versions = dist_versions(args.python)
    if args.textdedup_python:
        td = dist_versions(args.textdedup_python)
        if "text-dedup" in td:
            versions["text-dedup"] = f"{td['text-dedup']} (python {td.get('python')})"
    ctx = {
        "machine": machine_facts(),
        "versions": versions,
        "corpus": corpus_info(corpus, truth),
        "reps": args.reps,
        "command": "python "
        + shlex.join([os.path.relpath(sys.argv[0], os.getcwd()), *(sys.argv[1:] if argv is None else argv)]),
    }
    md = markdown(tag, summary, tools, ref, ctx)
    if ctx["corpus"].get("warning"):
        md += f"\nWarning from the corpus generator: {ctx['corpus']['warning']}\n"
    slim = [
        {k: v for k, v in r.items() if k != "result"}
        | ({"result": {k: v for k, v in r["result"].items() if k != "labels"}} if "result" in r else {})
        for r in runs
    ]
    raw = {
        "tag": tag,
        **ctx,
        "tools": tools,
        "ref": ref,
        "env_single_thread": SINGLE_THREAD_ENV,
        "env_common": COMMON_ENV,
        "warmup": warmup,
        "runs": slim,
        "summary": summary,
    }
    with open(os.path.join(resdir, f"{tag}.json"), "w") as f:
        json.dump(raw, f, indent=1, default=str)
    with open(os.path.join(resdir, f"{tag}.md"), "w") as f:
        f.write(md)
    print()
    print(md)
    print(
        f"wrote {os.path.relpath(os.path.join(resdir, tag + '.md'))} and .json; logs in "
        f"{os.path.relpath(workdir)}"
    )
    return 1 if any(r["status"] in ("failed", "timeout") for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
