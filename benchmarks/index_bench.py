#!/usr/bin/env python3
"""Benchmark of the persistent index and its HTTP service; prints one JSON object.

    python benchmarks/make_corpus.py -n 20000
    python benchmarks/index_bench.py benchmarks/data/corpus_20k.jsonl --load-seconds 30

1. build: index all but ``--queries`` documents of the corpus (one transaction per
   ``--batch-docs``); time, file size, documents per second.
2. query latency, in process (``Index.query``, one thread), for three kinds of new article:
   ``held_out`` (the corpus' own last documents, not indexed: many are noisy copies of indexed
   ones), ``near`` (an indexed article with 5% of its words replaced and its end cut) and
   ``partial`` (40 words of an indexed article inside new text). p50 / p99 / max in ms.
3. the service: ``retold.service`` under uvicorn in a subprocess on 127.0.0.1, a bounded load
   test (``--load-seconds``, at most 60) of POST /query from ``--clients`` threads over
   keep-alive connections: requests per second, errors, latency, and the service's resident
   memory from /proc (VmRSS now, VmHWM peak; RssAnon = private memory, RssFile = pages of the
   memory-mapped index file, counted once per reader connection that maps them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np


def _pct(xs: list[float]) -> dict[str, float]:
    a = np.array(xs) * 1000
    return {"n": len(xs), "p50_ms": round(float(np.percentile(a, 50)), 3),
            "p99_ms": round(float(np.percentile(a, 99)), 3), "max_ms": round(float(a.max()), 3)}


def _queries(indexed: list[dict], held: list[dict], n: int, rng: random.Random) -> dict[str, list[str]]:
    vocab = [w for d in indexed[:200] for w in d["text"].split()]
    near, partial = [], []
    for _ in range(n):
        w = rng.choice(indexed)["text"].split()
        for _ in range(max(1, len(w) // 20)):
            w[rng.randrange(len(w))] = rng.choice(vocab)
        near.append(" ".join(w[: int(len(w) * 0.9)]))
        src = rng.choice(indexed)["text"].split()
        s = rng.randrange(max(1, len(src) - 40))
        partial.append(" ".join(rng.sample(vocab, 150) + src[s : s + 40] + rng.sample(vocab, 100)))
    return {"held_out": [d["text"] for d in held[:n]], "near": near, "partial": partial}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
                k, v = line.split(":")
                out[k + "_mb"] = round(int(v.split()[0]) / 1024, 1)
    return out


def _load(port: int, texts: list[str], seconds: float, clients: int) -> dict[str, object]:
    import httpx

    lat: list[float] = []
    errors: list[str] = []
    stop = time.time() + seconds
    lock = threading.Lock()

    def worker(k: int) -> None:
        rng = random.Random(k)
        mine: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            while time.time() < stop:
                t = time.perf_counter()
                try:
                    r = c.post("/query", json={"text": rng.choice(texts)})
                    if r.status_code != 200:
                        with lock:
                            errors.append(str(r.status_code))
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(type(e).__name__)
                mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - t0
    return {"seconds": round(wall, 1), "clients": clients, "requests": len(lat), "errors": len(errors),
            "error_kinds": sorted(set(errors)), "qps": round(len(lat) / wall, 1), "latency": _pct(lat)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--db", help="index file (default: a temporary one)")
    ap.add_argument("--queries", type=int, default=300, help="held-out documents and queries per kind")
    ap.add_argument("--batch-docs", type=int, default=4096)
    ap.add_argument("--load-seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    from retold.engine.incremental import Index

    docs = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
    indexed, held = docs[: -args.queries], docs[-args.queries :]
    tmp = tempfile.mkdtemp(prefix="retold-bench-")
    db = args.db or os.path.join(tmp, "bench.retold")
    result: dict[str, object] = {"corpus": args.corpus, "indexed_documents": len(indexed), "cpus": os.cpu_count()}

    t = time.perf_counter()
    with Index.open(db) as ix:
        ix.options.batch_docs = args.batch_docs
        ix.add({"id": d["id"], "text": d["text"]} for d in indexed)
    build = time.perf_counter() - t
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    result["build"] = {"seconds": round(build, 2), "docs_per_second": round(len(indexed) / build, 1),
                       "file_mb": round(size / 2**20, 1),
                       "per_100k_docs": {"seconds": round(build / len(indexed) * 1e5, 1),
                                         "file_mb": round(size / 2**20 / len(indexed) * 1e5, 1)}}

    qs = _queries(indexed, held, args.queries, random.Random(1))
    lat: dict[str, object] = {}
    with Index.open(db, create=False) as ix:
        for t_ in qs["near"][:20]:
            ix.query(t_)  # warm the page cache and the compiled kernels
        for kind, texts in qs.items():
            times, found = [], 0
            for text in texts:
                t = time.perf_counter()
                pairs = ix.query(text)
                times.append(time.perf_counter() - t)
                found += bool(pairs)
            lat[kind] = {**_pct(times), "queries_with_matches": found}
    result["query_in_process"] = lat

    port = _free_port()
    code = ("import sys, uvicorn; from retold.service import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='error')")
    proc = subprocess.Popen([sys.executable, "-c", code, db, str(port)])
    try:
        import httpx

        deadline = time.time() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("service did not start") from None
                time.sleep(0.2)
        result["service_memory_idle"] = _rss(proc.pid)
        texts = qs["held_out"] + qs["near"] + qs["partial"]
        result["load_test"] = _load(port, texts, min(args.load_seconds, 60.0), args.clients)
        result["service_memory_after_load"] = _rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if not args.db:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
