#!/usr/bin/env python3
"""Cost against document length: ``find``, ``query`` and ``POST /query`` with one long document.

    python benchmarks/length_bench.py                       # BBC + one document of 0.01 .. 50 MB
    python benchmarks/length_bench.py --sizes 0.01,1,4 --kind reuse

A corpus (``--corpus``, default the BBC set in ../shared/data) is indexed once; then, for each
size, one deterministic document of that many bytes is written and timed, each command in a
fresh process (wall clock, so the numba cache load and the interpreter start are in every
figure, the same for every size):

* ``find``: ``retold find CORPUS LONG.jsonl`` (every kind; the paraphrase tier with the lexical
  embedder, ``RETOLD_EMBEDDER=lexical``, so that no model load sits in the figures);
* ``query``: ``retold query LONG.txt --db INDEX``;
* ``/query``: ``POST /query`` with the text, to ``retold serve`` on 127.0.0.1 (started once,
  ``--max-body-mb`` large enough for the largest size, no time budget).

``--kind salad``: words drawn at random (seeded) from the corpus' own words, with a full stop
now and then: a text that shares a few shingles with every document, so every document of the
corpus becomes a candidate of it and nothing is found. ``--kind reuse``: the corpus' own
articles, concatenated in a shuffled order as often as the size needs: every document is a
candidate and is found again, with its passages.

Prints a table (seconds, and seconds per MB above the smallest size) and writes it as JSON to
``--out``. Linear cost shows as a flat "s/MB" column.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RETOLD_SHARED", ROOT.parent / "shared"))


def long_document(corpus: Path, nbytes: int, kind: str, seed: int = 0) -> str:
    """A deterministic text of about ``nbytes`` UTF-8 bytes made from the corpus."""
    rng = random.Random(seed)
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8") if line.strip()]
    out: list[str] = []
    n = 0
    if kind == "reuse":
        while n < nbytes:
            for t in rng.sample(texts, len(texts)):
                out.append(t)
                n += len(t.encode()) + 2
                if n >= nbytes:
                    break
        return "\n\n".join(out)
    words = [w for t in texts for w in re.findall(r"[A-Za-z']+", t)]
    while n < nbytes:
        w = rng.choice(words)
        if rng.random() < 0.07:
            w += "."
        out.append(w)
        n += len(w) + 1
    return " ".join(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return elapsed


def _post(port: int, text: str) -> tuple[float, int]:
    body = json.dumps({"text": text, "id": "long"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/query", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=3600) as resp:
        pairs = len(json.loads(resp.read())["pairs"])
    return time.perf_counter() - t0, pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "data" / "bbc" / "bbc.jsonl")
    ap.add_argument("--sizes", default="0.01,0.1,1,4,15,50", help="document sizes in MB (10**6 bytes)")
    ap.add_argument("--kind", choices=("salad", "reuse"), default="salad")
    ap.add_argument("--commands", default="find,query,/query")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if not args.corpus.exists():
        raise SystemExit(f"corpus not found: {args.corpus} (set RETOLD_SHARED or pass --corpus)")
    sizes = [float(s) for s in args.sizes.split(",")]
    commands = args.commands.split(",")
    retold = [sys.executable, "-m", "retold"]
    env = {**os.environ, "RETOLD_EMBEDDER": "lexical", "HF_HUB_OFFLINE": "1"}
    work = Path(tempfile.mkdtemp(prefix="retold-length-"))
    server = None
    rows = []
    try:
        db = work / "corpus.retold"
        if {"query", "/query"} & set(commands):
            _timed([*retold, "index", str(args.corpus), "--db", str(db), "-q"], env)
        if "/query" in commands:
            port = _free_port()
            limit = max(sizes) * 1e6 * 1.1 / (1 << 20) + 1
            # the limits are raised for the measurement: by default a body over 16 MiB gets 413 and a
            # read over 60 s gets 503
            server = subprocess.Popen([*retold, "serve", "--db", str(db), "--port", str(port),
                                       "--max-body-mb", f"{limit:.0f}", "--max-request-seconds", "0"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
        for mb in sizes:
            text = long_document(args.corpus, int(mb * 1e6), args.kind)
            (work / "long.txt").write_text(text, encoding="utf-8")
            (work / "long.jsonl").write_text(json.dumps({"id": "long", "text": text}) + "\n", encoding="utf-8")
            row: dict[str, float | int] = {"mb": mb, "words": len(text.split())}
            if "find" in commands:
                row["find_s"] = round(_timed([*retold, "find", str(args.corpus), str(work / "long.jsonl"), "-o",
                                              str(work / "pairs.jsonl"), "-q"], env), 2)
            if "query" in commands:
                row["query_s"] = round(_timed([*retold, "query", str(work / "long.txt"), "--db", str(db), "-o",
                                               str(work / "q.jsonl"), "-q"], env), 2)
            if "/query" in commands:
                t, n = _post(port, text)
                row["http_query_s"], row["http_pairs"] = round(t, 2), n
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    cols = [c for c in ("find_s", "query_s", "http_query_s") if c in rows[0]]
    base = rows[0]
    print(f"| MB | words | {' | '.join(cols)} | {' | '.join(c.replace('_s', ' s/MB') for c in cols)} |")
    print("|" + "---|" * (2 + 2 * len(cols)))
    for r in rows:
        per = [f"{(r[c] - base[c]) / (r['mb'] - base['mb']):.2f}" if r["mb"] > base["mb"] else "" for c in cols]
        print(f"| {r['mb']:g} | {r['words']} | {' | '.join(str(r[c]) for c in cols)} | {' | '.join(per)} |")
    if args.out:
        args.out.write_text(json.dumps({"kind": args.kind, "corpus": str(args.corpus), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
