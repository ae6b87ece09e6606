"""One runner per tool for the benchmark harness (see run_one.py and run.py).

Every runner turns the corpus JSONL into one cluster label per document, in
input order, and fills in-process timers:

  read     read the JSONL into Python strings
  shingle  the harness shingler (lowercase, \\w+ tokens, word 5-grams), part of sign
  sign     text -> MinHash signature (includes shingle)
  lsh      build the LSH index and query every document
  cluster  union-find over all LSH candidates, then labels
  e2e      read + sign + lsh + cluster, as one span (imports and interpreter start excluded)

The peers share one configuration: word 5-gram shingles, 128 permutations,
LSH with b=16 bands x r=8 rows (threshold about (1/16)^(1/8) = 0.71), and every
candidate pair from a shared band bucket is unioned without checking it.

This module imports only the standard library at the top, so that run_one.py
can also run under a separate virtual environment (text-dedup's).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager, suppress

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

NGRAM = 5
NUM_PERM = 128
BANDS = 16
ROWS = 8
BATCH = 1000  # docs per batch for the bulk signing APIs
RENSA_SEED = 42
RENSA_THRESHOLD = 0.7  # with num_bands given, rensa derives rows = num_perm / num_bands

PEER_PARAMS = {"ngram": NGRAM, "num_perm": NUM_PERM, "bands": BANDS, "rows": ROWS, "verify": False}

_WORD = re.compile(r"\w+")


class ToolUnavailable(RuntimeError):
    """The tool cannot run here (not installed, or an API the runner needs is missing)."""


# ---------------------------------------------------------------- shared pieces
def tokens(text: str) -> list[str]:
    """Canonical normaliser: lowercase, \\w+ runs (punctuation and quote style are dropped)."""
    return _WORD.findall(text.lower())


def shingles(text: str, n: int = NGRAM) -> list[str]:
    """Unique word n-gram shingles, in first-seen order."""
    t = tokens(text)
    if len(t) < n:
        return [" ".join(t)] if t else []
    return list(dict.fromkeys(" ".join(t[i : i + n]) for i in range(len(t) - n + 1)))


def read_corpus(path: str) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            texts.append(r["text"])
    return ids, texts


def count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


class UnionFind:
    """Array union-find with path halving and union by size."""

    def __init__(self, n: int):
        self.p = list(range(n))
        self.sz = [1] * n

    def find(self, x: int) -> int:
        p = self.p
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.sz[ra] < self.sz[rb]:
            ra, rb = rb, ra
        self.p[rb] = ra
        self.sz[ra] += self.sz[rb]

    def labels(self) -> list[int]:
        return [self.find(i) for i in range(len(self.p))]


def union_candidates(n: int, cands) -> list[int]:
    uf = UnionFind(n)
    for i, c in enumerate(cands):
        for j in c:
            if j != i:
                uf.union(i, j)
    return uf.labels()


def canonical_labels(labels) -> list[int]:
    """Relabel so that each cluster is named by the index of its first member."""
    first: dict[int, int] = {}
    out = []
    for i, lab in enumerate(labels):
        out.append(first.setdefault(int(lab), i))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def version_of(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


class Timers:
    """Named wall-clock timers; a name used twice accumulates."""

    def __init__(self):
        self.t: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        s = time.perf_counter()
        try:
            yield
        finally:
            self.t[name] = self.t.get(name, 0.0) + time.perf_counter() - s


def batches(n: int, size: int = BATCH):
    for s in range(0, n, size):
        yield s, min(n, s + size)


# ---------------------------------------------------------------- datasketch
def load_datasketch():
    try:
        import datasketch
        from datasketch import LeanMinHash, MinHash, MinHashLSH
    except ImportError as e:
        raise ToolUnavailable(
            f"datasketch is not installed in {sys.executable} ({e}); pip install datasketch"
        ) from e
    return {
        "LeanMinHash": LeanMinHash,
        "MinHash": MinHash,
        "MinHashLSH": MinHashLSH,
        "version": getattr(datasketch, "__version__", None) or version_of("datasketch"),
    }


def run_datasketch(m: dict, corpus: str, T: Timers):
    LeanMinHash, MinHash, MinHashLSH = m["LeanMinHash"], m["MinHash"], m["MinHashLSH"]
    with T("read"):
        _, texts = read_corpus(corpus)
    n = len(texts)
    mhs = []
    with T("sign"):
        for s, e in batches(n):
            with T("shingle"):
                sh = [[x.encode("utf-8") for x in shingles(t)] for t in texts[s:e]]
            mhs.extend(LeanMinHash(h) for h in MinHash.bulk(sh, num_perm=NUM_PERM))
    with T("lsh"):
        lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
        with lsh.insertion_session() as sess:
            for i, h in enumerate(mhs):
                sess.insert(i, h, check_duplication=False)
        cands = [lsh.query(h) for h in mhs]
    with T("cluster"):
        labels = union_candidates(n, cands)
    info = {
        "version": m["version"],
        "params": PEER_PARAMS,
        "api": "MinHash.bulk + LeanMinHash (batches of 1000); MinHashLSH(params=(16, 8)), insertion_session, "
        "query every doc",
        "notes": "default hashfunc (sha1_hash32); single-threaded",
    }
    return labels, info


# ---------------------------------------------------------------- rensa
def load_rensa():
    try:
        import rensa
        from rensa import RMinHash, RMinHashLSH
    except ImportError as e:
        raise ToolUnavailable(f"rensa is not installed in {sys.executable} ({e}); pip install rensa") from e
    return {
        "RMinHash": RMinHash,
        "RMinHashLSH": RMinHashLSH,
        "version": getattr(rensa, "__version__", None) or version_of("rensa"),
    }


def run_rensa(m: dict, corpus: str, T: Timers):
    RMinHash, RMinHashLSH = m["RMinHash"], m["RMinHashLSH"]
    bulk = hasattr(RMinHash, "from_token_sets")
    with T("read"):
        _, texts = read_corpus(corpus)
    n = len(texts)
    mhs = []
    with T("sign"):
        for s, e in batches(n):
            with T("shingle"):
                sh = [shingles(t) for t in texts[s:e]]
            if bulk:
                mhs.extend(RMinHash.from_token_sets(sh, NUM_PERM, RENSA_SEED))
            else:  # older rensa: one object per doc
                for toks in sh:
                    h = RMinHash(NUM_PERM, RENSA_SEED)
                    h.update(toks)
                    mhs.append(h)
    with T("lsh"):
        lsh = RMinHashLSH(RENSA_THRESHOLD, NUM_PERM, BANDS)
        if hasattr(lsh, "insert_many") and hasattr(lsh, "query_all"):
            lsh.insert_many(mhs)
            cands = lsh.query_all(mhs)
        else:
            for i, h in enumerate(mhs):
                lsh.insert(i, h)
            cands = [lsh.query(h) for h in mhs]
    with T("cluster"):
        labels = union_candidates(n, cands)
    sign_api = "RMinHash.from_token_sets" if bulk else "RMinHash()+update per doc"
    info = {
        "version": m["version"],
        "params": PEER_PARAMS,
        "api": f"{sign_api} (batches of 1000, seed {RENSA_SEED}); RMinHashLSH(threshold=0.7, num_perm=128, "
        "num_bands=16), insert and query every doc",
        "notes": f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}",
    }
    return labels, info


# ---------------------------------------------------------------- text-dedup 0.4.0
def load_textdedup():
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import text_dedup.minhash as tdm
    except ImportError as e:
        raise ToolUnavailable(
            f"text-dedup is not importable from {sys.executable} ({e}); make a venv with "
            "`pip install text-dedup==0.4.0` and pass its python with --textdedup-python"
        ) from e
    return {"tdm": tdm, "version": version_of("text-dedup")}


def run_textdedup(m: dict, corpus: str, T: Timers):
    """text-dedup's own CLI (`python -m text_dedup.minhash ...`), called in-process
    through click so that its module-level union-find can be read afterwards. It
    reads the JSONL itself with `datasets`; its own phase timers fill read/sign/lsh."""
    tdm = m["tdm"]
    captured = []

    class CapturingTimer(tdm.Timer):
        def __init__(self):
            super().__init__()
            captured.append(self)

    tdm.Timer = CapturingTimer
    work = tempfile.mkdtemp(prefix="retold-bench-td-")
    argv = [
        "--path", "json", "--data_files", os.path.abspath(corpus), "--split", "train",
        "--cache_dir", os.path.join(work, "cache"), "--output", os.path.join(work, "out"),
        "--column", "text", "--ngram", str(NGRAM), "--min_length", "0", "--num_perm", str(NUM_PERM),
        "--b", str(BANDS), "--r", str(ROWS), "--hash_func", "sha1", "--num_proc", "1", "--clean_cache",
    ]  # fmt: skip
    try:
        with T("tool_total"):
            tdm.main.main(args=argv, standalone_mode=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = count_lines(corpus)
    labels = [tdm.uf.find(i) for i in range(n)]
    et = captured[-1].elapsed_times
    T.t["read"] = et.get("Loading", 0.0)
    T.t["sign"] = et.get("MinHashing", 0.0)
    T.t["lsh"] = et.get("Clustering", 0.0)  # band tables and union-find are one phase in text-dedup
    T.t["cluster"] = 0.0
    T.t["filter"] = et.get("Filtering", 0.0)
    T.t["save"] = et.get("Saving", 0.0)
    T.t["e2e"] = T.t["read"] + T.t["sign"] + T.t["lsh"]
    info = {
        "version": m["version"],
        "params": PEER_PARAMS,
        "api": "text_dedup.minhash CLI: --ngram 5 --num_perm 128 --b 16 --r 8 --hash_func sha1 --num_proc 1",
        "notes": "its own tokeniser (lowercase, split on \\W, empty tokens kept); e2e = its Loading "
        "+ MinHashing + Clustering phases; its filter and save count only in process wall",
    }
    return labels, info


# ---------------------------------------------------------------- retold
def load_retold():
    origin = "installed"
    try:
        import retold
    except ImportError:
        src = os.path.join(ROOT, "src")
        if not os.path.isdir(os.path.join(src, "retold")):
            raise ToolUnavailable(
                "retold is not importable; run `pip install -e .` in the repository"
            ) from None
        sys.path.insert(0, src)
        origin = f"checkout {src} (not installed)"
        try:
            import retold
        except ImportError as e:
            raise ToolUnavailable(f"retold could not be imported from {src}: {e}") from e
    if not callable(getattr(retold, "find", None)):
        raise ToolUnavailable(
            f"retold ({getattr(retold, '__file__', None)}) has no find() yet: the benchmark needs "
            "retold.find(paths, kinds=...) returning a result with cluster_labels(), timings and stats"
        )
    return {
        "retold": retold,
        "origin": origin,
        "version": getattr(retold, "__version__", None) or version_of("retold"),
    }


def _jsonable(x):
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        x = dataclasses.asdict(x)
    try:
        json.dumps(x)
        return x
    except (TypeError, ValueError):
        if isinstance(x, dict):
            return {str(k): _jsonable(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [_jsonable(v) for v in x]
        if hasattr(x, "item"):  # numpy scalar
            return x.item()
        return str(x)


def run_retold(m: dict, corpus: str, T: Timers):
    """The public API, as a user calls it: read, sign, find, verify, then labels.
    retold is timed as one span (its own stage timings are reported beside it);
    it uses every core through numba's threads."""
    retold = m["retold"]
    with T("find"):
        res = retold.find([corpus], kinds=("exact", "near_duplicate"))
    with T("cluster"):
        labels = res.cluster_labels()
    labels = labels.tolist() if hasattr(labels, "tolist") else list(labels)
    timings = _jsonable(dict(getattr(res, "timings", {}) or {}))
    stats = _jsonable(getattr(res, "stats", None))
    # map retold's own stage names onto the harness columns where they match
    for k in ("read", "sign", "lsh"):
        if isinstance(timings.get(k), (int, float)):
            T.t[k] = float(timings[k])
    threads = {}
    try:
        import numba

        threads = {"numba_num_threads": numba.get_num_threads(), "numba_version": numba.__version__}
        with suppress(ValueError):  # raised when no parallel region has run
            threads["numba_threading_layer"] = numba.threading_layer()
    except ImportError:
        pass
    info = {
        "version": m["version"],
        "api": 'retold.find([corpus], kinds=("exact", "near_duplicate")).cluster_labels()',
        "notes": f"retold from {m['origin']} ({retold.__file__}); multi-threaded (numba)",
        "tool_timings": timings,
        "tool_stats": stats,
        **threads,
    }
    return labels, info


TOOLS = {
    "datasketch": (load_datasketch, run_datasketch),
    "rensa": (load_rensa, run_rensa),
    "textdedup": (load_textdedup, run_textdedup),
    "retold": (load_retold, run_retold),
}
