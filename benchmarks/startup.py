"""Start-up of the command line, whole process: ``retold --help``, a warm ``retold find examples/``
and the first run after install (kernels not yet compiled, sentence model not yet exported).

Each figure is the median of N runs in fresh processes (wall seconds, and CPU seconds of the
process and its children), each ``python -m retold ...`` with one build's ``src`` first on
``PYTHONPATH``. ``--baseline SRC`` runs another build in alternation with this one (A/B, same
moment of a shared machine) and prints the ratios. The first-run figures compile every kernel
into a fresh cache folder, several minutes of CPU: ``--first-run`` asks for them.

    python benchmarks/startup.py [--runs 5] [--baseline /path/to/old/src] [--first-run] [--priority]

Like a user's shell, the runs may write bytecode (``PYTHONDONTWRITEBYTECODE`` is unset for them).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HERE = str(ROOT / "src")


PRIORITY: list[str] = []


def timed(cmd: list[str], env: dict[str, str], src: str = HERE) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its stderr) of one run of ``python -m retold cmd``
    (``cmd`` starting with "-m": of that module) with the build in ``src``."""
    cmd = [*PRIORITY, sys.executable, *(cmd if cmd[0] == "-m" else ["-m", "retold", *cmd])]
    env = {**env, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stderr


def median_of(builds: dict[str, str], args: list[str], runs: int,
              env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Alternate the builds, ``runs`` times each; one untimed run each first (caches, bytecode)."""
    for src in builds.values():
        timed(args, env, src)
    walls: dict[str, list[float]] = {k: [] for k in builds}
    cpus: dict[str, list[float]] = {k: [] for k in builds}
    for _ in range(runs):
        for name, src in builds.items():
            w, c, _ = timed(args, env, src)
            walls[name].append(w)
            cpus[name].append(c)
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in builds}


def report(title: str, res: dict[str, tuple[float, float]], target: float | None) -> None:
    line = f"{title:34s}"
    for name, (w, c) in res.items():
        line += f"  {name}: {w:6.2f} s wall, {c:6.2f} s CPU"
    if "baseline" in res and "this" in res:
        line += f"  (baseline/this wall {res['baseline'][0] / res['this'][0]:.1f}x)"
    if target is not None:
        line += f"  target <= {target} s: {'met' if res['this'][0] <= target else 'NOT met'}"
    print(line, flush=True)


def first_run(env: dict[str, str]) -> None:
    """Fresh kernel and model caches: the set-up's warm-up then a first find; and a first find
    with no warm-up before it (it starts the warm-up in the background and runs without the
    compiled kernels), a second find while that warm-up runs, the warm-up's own time, and a
    find after it."""
    find = ["find", str(EXAMPLES), "-o", os.devnull]
    for label, steps in (("set-up warm-up, then first find", [["-m", "retold.warmup"], find]),
                         ("first find, no set-up warm-up", [find, find])):
        d = tempfile.mkdtemp(prefix="retold-first-run-")
        try:
            e = {**env, "RETOLD_CACHE_DIR": d}
            e.pop("NUMBA_CACHE_DIR", None)
            t_start = time.perf_counter()
            finds = 0
            for cmd in steps:
                w, c, err = timed(cmd, e)
                said = err.count("preparing compiled kernels")
                finds += cmd == find
                name = " ".join(cmd[:2]) + (f" (find {finds})" if cmd == find else "")
                print(f"{label:34s}  {name}: {w:6.1f} s wall, {c:6.1f} s CPU; notice printed {said}x", flush=True)
            ready = Path(d) / "numba"
            waited = 0.0
            while not any(ready.glob("retold-ready-*")) and waited < 900:
                time.sleep(1)
                waited += 1
            if steps[0] == find:
                print(f"{label:34s}  background warm-up done {time.perf_counter() - t_start:6.1f} s after the first "
                      f"find started", flush=True)
                w, c, err = timed(find, e)
                print(f"{label:34s}  find after it: {w:6.1f} s wall, {c:6.1f} s CPU; notice printed "
                      f"{err.count('preparing compiled kernels')}x", flush=True)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", help="another build's src folder, run in alternation")
    ap.add_argument("--first-run", action="store_true", help="also time first runs from empty caches (minutes)")
    ap.add_argument("--priority", action="store_true",
                    help="run the timed processes at nice -20 (root only): on a machine busy with other work, "
                    "wall times then come close to an idle machine's")
    a = ap.parse_args()
    if a.priority:
        PRIORITY[:] = ["nice", "-n", "-20"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    builds = {"this": HERE}
    if a.baseline:
        builds["baseline"] = a.baseline
    timed(["-m", "retold.warmup"], env)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; median of {a.runs}"
          f"{'; timed processes at nice -20' if a.priority else ''}")
    report("retold --help", median_of(builds, ["--help"], a.runs, env), 0.3)
    report("retold find --help", median_of(builds, ["find", "--help"], a.runs, env), None)
    find = ["find", str(EXAMPLES), "-o", "/tmp/retold-startup.jsonl"]
    report("retold find examples/ (warm)", median_of(builds, find, a.runs, env), 1.5)
    lexical = {**env, "RETOLD_EMBEDDER": "lexical"}
    report("  the same, --embedder lexical", median_of(builds, find, a.runs, lexical), None)
    print(f"load average {os.getloadavg()[0]:.1f} at end", flush=True)
    if a.first_run:
        first_run(env)


if __name__ == "__main__":
    main()
