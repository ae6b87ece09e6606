"""The one-time warm-up: compile every kernel (and prepare the sentence model) before first use.

Compiling every kernel takes about three minutes of CPU (2-core EPYC); loading them from the cache
(:func:`retold.jit.kernel_cache_dir`) takes a few hundred milliseconds. :func:`warm_up`
compiles them all once, on a small generated corpus that runs every code path (``find`` with
every kind, ``clusters``, ``dedup``, a spilling store, the index), and prepares the sentence
model when it is installed: the ONNX graph of MiniLM, the static model distilled from it, and
the paraphrase tier's cascade on an English pair. ``scripts/setup.sh`` runs it; so does the
first command of the ``retold`` command line when it has not run yet, saying so once
(:func:`ensure_ready`). ``python -m retold.warmup`` runs it by hand.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .kernel_cache import kernel_cache_dir, kernels_imported, marker, ready
from .version import __version__

NOTICE = "retold: preparing compiled kernels for this machine (first run only; a few minutes)..."
#: What a first run on a small input says instead of :data:`NOTICE`: it does not wait.
NOTICE_BACKGROUND = ("retold: preparing compiled kernels for this machine in the background (first runs only; "
                     "a few minutes); this run goes on without them")
#: Inputs up to this many bytes run with the kernels uncompiled while they compile in the
#: background: interpreted, a kernel is 50-100x slower, which on such inputs is still seconds,
#: far less than the minutes compiling every kernel takes (measured: ``benchmarks/startup.py
#: --first-run``).
SMALL_INPUT_BYTES = 1 << 20
#: The warm-up holds this file locked while it runs (one at a time, and others can wait for it).
LOCK_NAME = "retold-warming.lock"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _sentences(rng, words: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        k = rng.randint(9, 18)
        ws = [rng.choice(words) for _ in range(k)]
        out.append(" ".join(ws).capitalize() + ".")
    return out


def sample_corpus() -> list[dict[str, str]]:
    """A small generated corpus with every kind of reuse (and site furniture), for the warm-up.

    >>> docs = sample_corpus()
    >>> len(docs), docs[2]["text"] == docs[0]["text"].upper()
    (7, True)
    """
    import random

    rng = random.Random(14)
    words = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze")
             for b in ("ban", "dor", "fel", "gim", "hux", "jor", "kel", "lum", "mop", "nix")]
    base = _sentences(rng, words, 24)
    noisy = [s.replace(s.split()[2], "changed") if i % 4 == 0 else s for i, s in enumerate(base)]
    lifted = _sentences(rng, words, 20)
    lifted[6:6] = base[3:9]
    reworded = [" ".join(reversed(s.rstrip(".").split())).capitalize() + "." for s in base[:16]]
    other = _sentences(rng, words, 12)
    furniture = "\nShare this article\nLeave a reply\nMore like this\nKabandor\nLobanfel"
    return [
        {"id": "https://example.com/a", "text": " ".join(base) + furniture, "date": "2024-01-02"},
        {"id": "https://example.com/b", "text": " ".join(noisy) + furniture, "date": "2024-01-01"},
        {"id": "https://example.com/c", "text": (" ".join(base) + furniture).upper()},
        {"id": "https://example.org/d", "text": " ".join(lifted)},
        {"id": "https://example.org/e", "text": " ".join(reworded) + "\n© 2024 Example. All rights reserved."},
        # non-ASCII after signing blanks furniture (unlike e): the case-folding kernels run too
        {"id": "https://example.net/f", "text": " ".join(other) + " Caf\u00e9 na\u00efve."},
        {"id": "https://example.net/g", "text": ""},
    ]


def _workload(folder: Path, embedder: str) -> None:
    """Every code path that runs a kernel, on the sample corpus."""
    import orjson

    from .alignment import align
    from .engine.incremental import Index
    from .engine.local import LocalSettings, clusters, dedup, find
    from .readers import read_documents

    corpus = folder / "sample.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in sample_corpus()))
    find([corpus], embedder=embedder)
    find([corpus], "exact,near_duplicate")
    find([corpus], boilerplate=True, embedder="lexical", settings=LocalSettings(memory_budget=1 << 10, batch_docs=2))
    clusters([corpus])
    dedup([corpus], str(folder / "clean.jsonl"))
    docs = sample_corpus()
    align(docs[0]["text"], docs[3]["text"])
    _candidate_paths()
    with Index.open(folder / "sample.retold", create=True, embedder=embedder) as ix:
        ix.add(read_documents([corpus], keep_records=False))
        for kinds in ("exact,near_duplicate,partial,paraphrase", "exact,near_duplicate"):
            list(ix.query({"id": "q", "text": docs[4]["text"]}, kinds.split(",")))
        ix.check()


def _candidate_paths() -> None:
    """The candidate stage's paths that the sample corpus is too small to reach: a band key that
    more than :data:`retold.candidates.BIG_GROUP` documents share, and a block of documents with
    more colliding pairs than room for them (counted first, then written)."""
    import numpy as np

    from .candidates import BIG_GROUP, candidate_pairs

    n = BIG_GROUP + 4
    keys = np.arange(2 * n, dtype=np.uint64).reshape(n, 2)
    keys[:, 0] = 7
    sketch = np.zeros((n, 8), dtype=np.uint8)
    candidate_pairs(keys, sketch=sketch, min_agree=4, exempt=np.zeros(n, dtype=np.bool_),
                    rows=np.arange(n, dtype=np.int64))
    candidate_pairs(np.tile(np.array([5, 6], dtype=np.uint64), (n, 1)))  # every pair shares both keys


def warm_up(notice: Callable[[str], None] | None = None) -> float:
    """Compile every kernel into :func:`kernel_cache_dir` (and export the sentence model's
    graph when it is installed); returns the seconds it took. Later processes load them.

    ``notice`` is told once, before the work starts, what is happening.
    """
    import tempfile

    from .semantic import minilm_available

    t0 = time.perf_counter()
    if notice is not None:
        notice(NOTICE)
    embedder = "minilm" if minilm_available() else "lexical"
    with tempfile.TemporaryDirectory(prefix="retold-warm-up-") as d:
        _workload(Path(d), "lexical")
        if embedder == "minilm":
            try:
                _prepare_model()
            except Exception as e:  # noqa: BLE001 - the model has its own fallbacks when it is used
                if notice is not None:
                    notice(f"retold: the sentence model could not be prepared ahead ({type(e).__name__}: {e})")
    _mark(f"retold {__version__}, {time.perf_counter() - t0:.1f} s")
    return time.perf_counter() - t0


def _mark(what: str) -> None:
    done = marker()
    if _writable(done.parent):
        done.write_text(what + "\n")


#: An English story and its retelling. The sample corpus is not English, so the paraphrase
#: tier's cascade (the static model, then MiniLM: English documents only) runs on this pair.
RETOLD_PAIR = (
    "The city council voted on Tuesday to close the old library on Mill Street next spring. "
    "Officials said the building needs repairs that would cost more than two million pounds. "
    "Readers will be served by a new branch inside the shopping centre. "
    "A petition to keep the library open gathered four thousand signatures in a week. "
    "The mayor promised that no member of staff would lose their job.",
    "On Tuesday councillors decided that the old Mill Street library will shut next spring. "
    "According to officials, repairing the building would cost over two million pounds. "
    "A new branch in the shopping centre will serve the library's readers instead. "
    "Within a week, four thousand people signed a petition to save the library. "
    "No member of staff will lose their job, the mayor promised.",
)


def _prepare_model() -> None:
    """Export (once) the MiniLM graph, distil (once) the static model that screens for it, and
    run the paraphrase tier's cascade, so that its kernels are compiled too."""
    from .engine.local import find
    from .semantic import shared_static

    static = shared_static()
    if static is not None:
        static.prepare(whole=True)  # type: ignore[attr-defined]
        static.encode(list(RETOLD_PAIR))
    find(texts=list(RETOLD_PAIR), embedder="minilm")


def _lock(block: bool) -> int | None:
    """Hold the warm-up lock (a file descriptor; closing it releases the lock), or None when
    another process holds it and ``block`` is false. Where ``fcntl`` is missing, always held."""
    folder = kernel_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def warming() -> bool:
    """Whether a warm-up is running now (in this process or another)."""
    if not _writable(kernel_cache_dir()):
        return False
    fd = _lock(block=False)
    if fd is None:
        return True
    os.close(fd)
    return False


def ensure_ready(notice: Callable[[str], None] | None = None) -> bool:
    """Run :func:`warm_up` unless it has run for these kernels; True when it ran now (or another
    process's warm-up was waited for).

    Nothing is done when the cache folder is not writable (the kernels then compile on use).
    """
    if ready() or not _writable(kernel_cache_dir()):
        return False
    fd = _lock(block=False)
    if fd is None:  # another process is compiling them: wait for it rather than compile twice
        if notice is not None:
            notice(NOTICE)
        fd = _lock(block=True)
        if ready():
            os.close(fd)
            return True
        notice = None  # said already
    try:
        if ready():
            return False
        warm_up(notice)
    except Exception as e:  # noqa: BLE001 - never stop the command the user asked for
        if notice is not None:
            notice(f"retold: preparing the kernels failed ({type(e).__name__}: {e}); they compile as they are used")
        _mark(f"retold {__version__}, warm-up failed: {type(e).__name__}: {e}")  # do not try again every run
    finally:
        os.close(fd)
    return True


def run_uncompiled() -> None:
    """From now on, kernels decorated in this process run as plain Python (numba's
    ``DISABLE_JIT``); child processes inherit it. Call before any kernel module is imported."""
    import warnings

    os.environ["NUMBA_DISABLE_JIT"] = "1"
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.DISABLE_JIT = True
    # the hashes multiply 64-bit integers modulo 2**64, as compiled; NumPy's scalars do the same
    # but warn about it (a filter, not np.seterr: that one is per thread, and workers sign)
    warnings.filterwarnings("ignore", message="overflow encountered in scalar", category=RuntimeWarning)


def start_background() -> bool:
    """Start the warm-up in a detached, low-priority process unless one runs; True if started.
    Its output goes to ``retold-warm-up.log`` in :func:`kernel_cache_dir`."""
    import subprocess

    if warming():
        return False
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    folder = kernel_cache_dir()
    with open(folder / "retold-warm-up.log", "ab") as log:
        subprocess.Popen([sys.executable, "-m", "retold.warmup", "--background"], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, env=env, start_new_session=True, close_fds=True)
    return True


def prepare(notice: Callable[[str], None] | None = None, input_bytes: int | None = None) -> str:
    """What a command does before it computes, the first time: ``"ready"`` when the kernels are
    compiled (or cannot be cached); ``"uncompiled"`` when the input is small (``input_bytes`` at
    most :data:`SMALL_INPUT_BYTES`): the warm-up starts in the background (saying so; a later
    run while it goes on says nothing) and this process runs its kernels uncompiled, with the
    same results; ``"compiled"`` otherwise, after compiling
    every kernel here (or waiting for a warm-up already running), saying so once.

    >>> prepare(input_bytes=None) in ("ready", "compiled")
    True
    """
    if ready() or not _writable(kernel_cache_dir()):
        return "ready"
    if input_bytes is not None and input_bytes <= SMALL_INPUT_BYTES and not kernels_imported():
        started = start_background()
        run_uncompiled()
        if notice is not None and started:  # said once: by the run that starts it
            notice(NOTICE_BACKGROUND)
        return "uncompiled"
    ensure_ready(notice)
    return "compiled"


def input_size(paths: list[str], limit: int = SMALL_INPUT_BYTES) -> int | None:
    """Bytes in the given local files and folders, counted up to just past ``limit``; None when
    one is not a local file or folder (stdin ``-``, a URI) or cannot be read.

    >>> input_size(["-"]) is None
    True
    """
    total = 0
    for p in paths:
        if p == "-" or "://" in p or not os.path.exists(p):
            return None
        if os.path.isfile(p):
            total += os.path.getsize(p)
        else:
            for root, _dirs, files in os.walk(p):
                for f in files:
                    try:
                        total += os.path.getsize(os.path.join(root, f))
                    except OSError:
                        continue
                    if total > limit:
                        return total
        if total > limit:
            return total
    return total


def main() -> None:
    """``python -m retold.warmup``: compile the kernels now (``--force``: even when already done;
    nothing is printed when there is nothing to do; ``--background``: as started by
    :func:`start_background`, at low priority, quietly, unless another warm-up runs)."""
    args = sys.argv[1:]
    if "--background" in args:
        try:
            os.nice(10)
        except OSError:  # pragma: no cover
            pass
        if ready() or not _writable(kernel_cache_dir()):
            return
        fd = _lock(block=False)
        if fd is None:
            return
        try:
            if not ready():
                seconds = warm_up()
                print(f"retold: kernels ready in {kernel_cache_dir()} ({seconds:.0f} s)", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - a later command compiles in the foreground then
            print(f"retold: the background warm-up failed ({type(e).__name__}: {e})", file=sys.stderr)
        finally:
            os.close(fd)
        return
    if "--force" not in args and ready():
        return
    seconds = warm_up(lambda m: print(m, file=sys.stderr, flush=True))
    print(f"retold: kernels ready in {kernel_cache_dir()} ({seconds:.0f} s)", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    main()
