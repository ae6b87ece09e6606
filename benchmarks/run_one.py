#!/usr/bin/env python3
"""Run ONE tool on a corpus in this (fresh) process, and write its clusters and timings.

    python benchmarks/run_one.py TOOL CORPUS.jsonl OUT.json

TOOL is one of: retold, rensa, datasketch, textdedup (see peers.py). OUT.json gets

    {"tool", "n", "labels": [cluster label per doc, input order], "timers": {name: seconds},
     "version", "api", "notes", "inproc_peak_rss_mb", ...}

Timers are in-process: the tool's import is timed as `import` and is not part of
`e2e` (read + sign + LSH + cluster), nor is interpreter start. run.py adds the
process wall time and the peak RSS. Exit status 3 means the tool is not
available here (the message says why); the harness reports it as skipped.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

EXIT_UNAVAILABLE = 3


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[0] not in peers.TOOLS:
        print(__doc__, file=sys.stderr)
        print(f"tools: {', '.join(sorted(peers.TOOLS))}", file=sys.stderr)
        return 2
    tool, corpus, out = argv
    load, run = peers.TOOLS[tool]
    T = peers.Timers()
    try:
        with T("import"):
            mods = load()
    except peers.ToolUnavailable as e:
        print(f"{tool}: unavailable: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE

    t0 = time.perf_counter()
    labels, info = run(mods, corpus, T)
    e2e = time.perf_counter() - t0
    T.t.setdefault("e2e", e2e)  # text-dedup sets its own (its run also filters and saves)

    n = len(labels)
    expected = peers.count_lines(corpus)
    if n != expected:
        print(f"{tool}: {n} labels for {expected} documents", file=sys.stderr)
        return 1
    res = {
        "tool": tool,
        "n": n,
        "timers": {k: round(v, 4) for k, v in T.t.items()},
        "sign_docs_per_s": round(n / T.t["sign"], 1) if T.t.get("sign") else None,
        "inproc_peak_rss_mb": round(peers.peak_rss_mb(), 1),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        **info,
        "labels": peers.canonical_labels(labels),
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.replace(tmp, out)
    print(f"{tool}: n={n} " + " ".join(f"{k}={v:.3f}s" for k, v in T.t.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
