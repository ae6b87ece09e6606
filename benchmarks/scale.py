#!/usr/bin/env python3
"""How retold's fast pass grows with the corpus: two builds side by side, and rensa beside them.

    python benchmarks/scale.py --corpus benchmarks/data/corpus_100k.jsonl benchmarks/data/corpus_1000k.jsonl \\
        --today cb397dd --reps 1 --rensa --partial --warmup benchmarks/data/corpus_20k.jsonl

For every corpus, each repetition runs, each in a fresh process under ``/usr/bin/time -v``
and in an order rotated every repetition (the machine is shared: alternating spreads its
noise over all builds alike):

* ``python -m retold find CORPUS --kinds exact,near_duplicate -o OUT.jsonl --json`` with the
  ``today`` build's ``src`` on ``PYTHONPATH``, then the same with the ``new`` build;
* with ``--rensa``, rensa through ``run_one.py`` (single-threaded, as in ``run.py``);
* with ``--partial``, the new build's ``find --kinds exact,near_duplicate,partial`` (every kind
  but paraphrase), for its ratio to the fast pass.

Reported per corpus and build: the whole process (median wall and peak RSS), retold's own stage
times (medians), candidates verified, pairs reported and how many of them are true (same cluster
in the ground truth), and the quality of the families (the pairs' connected components) against
the ground truth: copy-to-source recall and pair precision (``evaluate.py``). Then the growth of
each figure from the smallest to the largest corpus. The table goes to stdout and to
``benchmarks/results/scale_<tag>.md``; every run, raw, to ``benchmarks/results/scale_<tag>.json``.

A build is a ``src`` folder or a commit (``--today cb397dd``: its ``src`` is unpacked once into
``benchmarks/data/builds/``). One untimed warm-up run per build loads (or compiles) its kernels
first. The corpora come from ``make_corpus.py -n 100000`` and ``-n 1000000`` (the 1M one is 2.4 GB,
with its truth file beside it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import evaluate  # noqa: E402
from run import COMMON_ENV, SINGLE_THREAD_ENV, timed_process  # noqa: E402

FAST = "exact,near_duplicate"
PARTIAL = "exact,near_duplicate,partial"


def components(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(n)]


def score_output(out: str, truth: list[dict], id2i: dict[str, int]) -> dict:
    """Pairs reported, how many are true, and the families' quality against the truth."""
    pairs = []
    true_pairs = 0
    cluster = [t["cluster"] for t in truth]
    with open(out, "rb") as f:
        for line in f:
            r = json.loads(line)
            a, b = id2i[r["a"]], id2i[r["b"]]
            pairs.append((a, b))
            true_pairs += cluster[a] == cluster[b]
    ev = evaluate.evaluate(truth, components(len(truth), pairs))
    dups = sum(ev[b]["n_dups"] for b in evaluate.BUCKETS)
    recall = sum(ev[b]["dup_recall"] * ev[b]["n_dups"] for b in evaluate.BUCKETS) / max(1, dups)
    return {"pairs": len(pairs), "true_pairs": true_pairs, "copy_recall": recall,
            "pair_precision": ev["all"]["precision"], "pair_recall": ev["all"]["recall"],
            "recall_low_mid_high": [ev[b]["dup_recall"] for b in evaluate.BUCKETS]}


def score_labels(out: str, truth: list[dict]) -> dict:
    with open(out) as f:
        labels = json.load(f)["labels"]
    ev = evaluate.evaluate(truth, labels)
    dups = sum(ev[b]["n_dups"] for b in evaluate.BUCKETS)
    recall = sum(ev[b]["dup_recall"] * ev[b]["n_dups"] for b in evaluate.BUCKETS) / max(1, dups)
    return {"copy_recall": recall, "pair_precision": ev["all"]["precision"], "pair_recall": ev["all"]["recall"]}


def summary_of(log: str) -> dict:
    """The ``--json`` summary retold printed on stderr (the last JSON object of the log)."""
    text = Path(log).read_text()
    start = text.rfind("\n{")
    end = text.rfind("\n}")
    if start < 0 or end < 0:
        return {}
    try:
        return json.loads(text[start + 1 : end + 2])
    except ValueError:
        return {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="+", required=True, help="corpora, smallest first (each with its .truth.jsonl)")
    ap.add_argument("--today", required=True,
                    help="the build measured today: a src folder, or a commit (its src is unpacked with git archive)")
    ap.add_argument("--new", default=str(HERE.parent / "src"), help="src folder of the new build")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rensa", action="store_true", help="run rensa on every corpus too")
    ap.add_argument("--partial", action="store_true", help="also the new build's find with every kind but paraphrase")
    ap.add_argument("--skip-today-above", type=int, default=0,
                    help="run the today build once only (not --reps times) on corpora with more documents than this")
    ap.add_argument("--today-max-docs", type=int, default=0,
                    help="run the today build only on corpora of at most this many documents (0: on all)")
    ap.add_argument("--no-fast", action="store_true",
                    help="with --partial: only the every-kind-but-paraphrase run of the new build (and rensa)")
    ap.add_argument("--warmup", default=None, help="corpus of the untimed warm-up runs (default: the first)")
    ap.add_argument("--tag", default=None)
    ap.add_argument("--timeout", type=float, default=3600)
    args = ap.parse_args()

    tag = args.tag or "_".join(Path(c).stem.replace("corpus_", "") for c in args.corpus)
    work = HERE / "data" / "runs" / f"scale_{tag}"
    work.mkdir(parents=True, exist_ok=True)
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    builds = {"today": build_of(args.today), "new": str(Path(args.new).resolve())}

    def retold_cmd(src: str, corpus: str, kinds: str, out: str) -> tuple[list[str], dict]:
        env = {**os.environ, "PYTHONPATH": src, "HF_HUB_OFFLINE": "1"}
        return [sys.executable, "-m", "retold", "find", corpus, "--kinds", kinds, "-o", out, "--json", "-q"], env

    for name, src in builds.items():  # warm-up: kernels compiled or loaded once, untimed
        cmd, env = retold_cmd(src, args.warmup or args.corpus[0], FAST, str(work / f"warmup_{name}.jsonl"))
        subprocess.run(cmd, env=env, check=True, capture_output=True)

    raw: dict = {"date": datetime.date.today().isoformat(), "machine": machine(), "builds": builds,
                 "command": " ".join(sys.argv), "corpora": {}}
    for corpus in args.corpus:
        stem = Path(corpus).name.removesuffix(".jsonl")
        truth_path = corpus.removesuffix(".jsonl") + ".truth.jsonl"
        truth = evaluate.load_truth(truth_path)
        id2i = {t["id"]: i for i, t in enumerate(truth)}
        n_docs = len(truth)
        jobs = [] if args.no_fast else [("today", FAST), ("new", FAST)]
        if args.partial:
            jobs.append(("new", PARTIAL))
        if args.rensa:
            jobs.append(("rensa", ""))
        runs: dict[str, list[dict]] = {}
        for rep in range(args.reps):
            k = rep % len(jobs)
            for who, kinds in jobs[k:] + jobs[:k]:
                if who == "today" and args.skip_today_above and n_docs > args.skip_today_above and rep > 0:
                    continue
                if who == "today" and args.today_max_docs and n_docs > args.today_max_docs:
                    continue
                key = f"{who}:{kinds}" if who != "rensa" else "rensa"
                ext = "json" if who == "rensa" else "jsonl"
                out = str(work / f"{stem}_{key.replace(':', '_').replace(',', '+')}_{rep}.{ext}")
                log = out + ".log"
                if who == "rensa":
                    cmd = [sys.executable, str(HERE / "run_one.py"), "rensa", corpus, out]
                    env = {**os.environ, **COMMON_ENV, **SINGLE_THREAD_ENV}
                else:
                    cmd, env = retold_cmd(builds[who], corpus, kinds, out)
                r = timed_process(cmd, env, log, args.timeout, True)
                if r["rc"] != 0:
                    print(f"{key} on {stem} failed ({r['rc']}); see {log}", file=sys.stderr)
                    continue
                if who != "rensa":
                    s = summary_of(log)
                    r["stages"] = s.get("stage_seconds", {})
                    r["candidates"] = s.get("candidates_verified")
                    r["spilled_mb"] = s.get("spilled_to_disk_mb")
                    if rep == 0 or "quality" not in (runs.get(key) or [{}])[0]:
                        r["quality"] = score_output(out, truth, id2i)
                    os.unlink(out)
                elif rep == 0:
                    r["quality"] = score_labels(out, truth)
                print(f"{stem} rep {rep} {key}: {r['proc_wall_s']:.1f} s, {r['rss_mb']:.0f} MB, "
                      f"system {r['sys_s']:.1f} s, {r['minflt']:,} minor faults "
                      f"{r.get('stages', '')}", file=sys.stderr, flush=True)
                runs.setdefault(key, []).append(r)
        raw["corpora"][stem] = {"n_docs": n_docs, "runs": runs}
        (results_dir / f"scale_{tag}.json").write_text(json.dumps(raw, indent=1))
    table = render(raw)
    print(table)
    (results_dir / f"scale_{tag}.md").write_text(table)


def build_of(today: str) -> str:
    """A src folder as given, or the src of a commit, unpacked once into benchmarks/data/builds/."""
    if Path(today).is_dir():
        return str(Path(today).resolve())
    commit = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", today], check=True,
                            capture_output=True, text=True).stdout.strip()
    dest = HERE / "data" / "builds" / commit
    if not (dest / "src").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", commit, "src"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return str((dest / "src").resolve())


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def figures(runs: list[dict]) -> dict:
    q = next((r["quality"] for r in runs if "quality" in r), {})
    stages = {k: med([r["stages"].get(k, 0.0) for r in runs]) for k in ("read+fingerprint", "candidates", "verify")} \
        if runs and "stages" in runs[0] else {}
    return {"wall": med([r["proc_wall_s"] for r in runs]), "rss": med([r["rss_mb"] for r in runs]),
            "stages": stages, "candidates": runs[0].get("candidates") if runs else None, "q": q, "n": len(runs),
            "spilled": runs[0].get("spilled_mb") if runs else None,
            "sys": med([r["sys_s"] for r in runs]) if runs and "sys_s" in runs[0] else None,
            "minflt": med([r["minflt"] for r in runs]) if runs and "minflt" in runs[0] else None}


def render(raw: dict) -> str:
    corp = list(raw["corpora"])
    f = {c: {k: figures(v) for k, v in raw["corpora"][c]["runs"].items()} for c in corp}
    lo, hi = corp[0], corp[-1]
    builds = [("today", f"today:{FAST}"), ("new", f"new:{FAST}")]
    head = "| | " + " | ".join(f"{c} {b}" for c in corp for b, _ in builds) + " | growth today | growth new |"
    lines = [f"Machine: {raw['machine']}; {raw['date']}.", f"Command: `{raw['command']}`", "",
             f"`retold find CORPUS --kinds {FAST}` (whole process, medians; n = runs per cell):", "",
             head, "|" + "---|" * (len(corp) * len(builds) + 3)]

    def row(label: str, get, fmt: str = "{:.1f}") -> None:
        cells = []
        vals = {}
        for c in corp:
            for b, key in builds:
                v = get(f[c].get(key))
                vals[(c, b)] = v
                cells.append("" if v is None else fmt.format(v))
        grow = []
        for b, _ in builds:
            x, y = vals[(lo, b)], vals[(hi, b)]
            grow.append(f"{y / x:.1f}x" if x and y else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(grow) + " |")

    row("whole process s", lambda r: r and r["wall"])
    for st in ("read+fingerprint", "candidates", "verify"):
        row(f"{st} s", lambda r, st=st: r and r["stages"].get(st))
    row("candidates verified", lambda r: r and r["candidates"], "{:,}")
    row("pairs reported", lambda r: r and r["q"].get("pairs"), "{:,}")
    row("of them true pairs", lambda r: r and r["q"].get("true_pairs"), "{:,}")
    row("peak memory MB", lambda r: r and r["rss"], "{:,.0f}")
    row("spilled to disk MB", lambda r: r and r["spilled"], "{:,.0f}")
    # system time and faults: how much of a run's wall time was the machine's (run.timed_process)
    row("system time s", lambda r: r and r["sys"])
    row("minor page faults", lambda r: r and r["minflt"], "{:,.0f}")
    row("copy-to-source recall", lambda r: r and r["q"].get("copy_recall"), "{:.4f}")
    row("pair precision", lambda r: r and r["q"].get("pair_precision"), "{:.4f}")
    row("runs (n)", lambda r: r and r["n"], "{}")
    extra = []
    nan = float("nan")
    for c in corp:
        rn = f[c].get("rensa")
        if rn:
            q = rn["q"]
            extra.append(f"| rensa, {c} | {rn['wall']:.1f} | {rn['rss']:,.0f} | {q.get('copy_recall', nan):.3f} "
                         f"| {q.get('pair_precision', nan):.4f} | {rn['n']} |")
        pt = f[c].get(f"new:{PARTIAL}")
        fast = f[c].get(f"new:{FAST}")
        if pt and fast:
            q = pt["q"]
            ratio = pt["wall"] / fast["wall"]
            extra.append(f"| new, `--kinds {PARTIAL}`, {c} | {pt['wall']:.1f} ({ratio:.2f}x the fast pass) "
                         f"| {pt['rss']:,.0f} | {q.get('copy_recall', nan):.3f} | {q.get('pair_precision', nan):.4f} "
                         f"| {pt['n']} |")
    if extra:
        lines += ["", "| beside it | whole process s | peak memory MB | copy-to-source recall | pair precision | n |",
                  "|---|---|---|---|---|---|", *extra]
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{cpu}, {os.cpu_count()} CPUs, {mem:.1f} GiB, {platform.system()}, Python {platform.python_version()}, " \
           f"load average {load:.1f} at the start"


if __name__ == "__main__":
    main()
