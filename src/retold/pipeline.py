"""Orchestration of ``find``, ``clusters`` and ``dedup``: read -> fingerprint -> candidates -> verify -> cluster.

Pass 1 streams the input once: each batch of documents is tokenised, shingled and signed by
the compiled kernels (in a worker thread, so parsing the next batch overlaps with hashing the
previous one), and only fixed-size fingerprints stay in memory; the shingle sequences go to
a :class:`~retold.store.SpillingStore`. Candidates come from the signatures, and every
candidate is verified on the exact shingle sequences before it is reported.
"""

from __future__ import annotations

import os
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .candidates import DEFAULT_MAX_POSTINGS, DEFAULT_MIN_HITS, candidate_pairs
from .cluster import component_labels, representatives
from .documents import ReadStats, iter_records_by_index, read_documents
from .fingerprints import (
    DEFAULT_BANDS,
    DEFAULT_ROWS,
    DEFAULT_SHINGLE,
    Fingerprints,
    band_keys,
    fingerprint_batch,
)
from .records import Cluster, Pair, open_writer
from .store import SpillingStore
from .verify import DEFAULT_GAP, DEFAULT_MIN_RUN, score_pairs

#: The kinds ``find`` can report in this version, in order of strength.
AVAILABLE_KINDS: tuple[str, ...] = ("exact", "near_duplicate")
_KIND_CODE = {k: i for i, k in enumerate(AVAILABLE_KINDS)}

PathLike = str | os.PathLike


@dataclass
class Options:
    """Every tunable of a run, with the defaults documented in README.md.

    Attributes:
        shingle_size: words per shingle (word k-grams).
        bands: LSH bands of the content-word signature.
        rows: signature bins per band; a pair is a candidate when all rows of a band agree
            (probability J**rows per band for word-set Jaccard J).
        min_hits: bands two documents must share to become a candidate pair.
        max_postings: index keys held by more documents than this are ignored as evidence.
        gap: largest gap (in shingles) bridged inside one matching region.
        min_run: matched shingles a region needs to count.
        near_min_coverage: share of the shorter document's tokens that must lie in matching
            regions for a near-duplicate.
        near_min_coverage_long: the same share required of the longer document (a
            truncation to 60% still qualifies; one paragraph lifted into a long article does not).
        near_min_containment: a cheap pre-check before coverage: the shared shingles must be
            at least this share of the smaller shingle set (noisy copies measured >= 0.35).
    """

    shingle_size: int = DEFAULT_SHINGLE
    bands: int = DEFAULT_BANDS
    rows: int = DEFAULT_ROWS
    min_hits: int = DEFAULT_MIN_HITS
    max_postings: int = DEFAULT_MAX_POSTINGS
    gap: int = DEFAULT_GAP
    min_run: int = DEFAULT_MIN_RUN
    near_min_coverage: float = 0.8
    near_min_coverage_long: float = 0.5
    near_min_containment: float = 0.25
    id_field: str = "id"
    text_field: str = "text"
    date_field: str = "date"
    batch_docs: int = 4096
    batch_bytes: int = 16 << 20
    memory_budget: int = 256 << 20
    verify_chunk: int = 65536


class Progress:
    """What a long run reports as it goes; the CLI draws it with rich. Override what you need."""

    def start(self, stage: str, total: float | None = None) -> None: ...

    def advance(self, amount: float = 1) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Corpus:
    """What pass 1 keeps of a corpus: ids, fixed-size fingerprints and a sequence store."""

    paths: list[str]
    options: Options
    ids: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)
    n_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    content: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    signature: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint32))
    store: SpillingStore | None = None
    stats: ReadStats = field(default_factory=ReadStats)

    def __len__(self) -> int:
        return len(self.ids)


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scan(paths: Sequence[PathLike], options: Options | None = None, progress: Progress | None = None,
         on_message: Callable[[str], None] | None = None) -> Corpus:
    """Pass 1: read every document once and fingerprint it.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("The cat sat on the mat.")
    >>> c = scan([d])
    >>> c.ids, c.n_tokens.tolist()
    (['a.txt'], [6])
    """
    opt = options or Options()
    prog = progress or Progress()
    paths = [os.fspath(p) for p in paths]
    corpus = Corpus(paths=paths, options=opt, store=SpillingStore(opt.memory_budget))
    total_bytes = 0
    for p in paths:
        try:
            total_bytes += _tree_size(p)
        except OSError:
            pass
    prog.start("reading", total=total_bytes or None)
    n_tok: list[np.ndarray] = []
    content: list[np.ndarray] = []
    sigs: list[np.ndarray] = []
    texts: list[str] = []
    nbytes = 0
    pending: Future[Fingerprints] | None = None

    def collect(fut: Future[Fingerprints]) -> None:
        fp = fut.result()
        assert corpus.store is not None
        corpus.store.append(fp.shingles, fp.sh_offsets)
        n_tok.append(fp.n_tokens)
        content.append(fp.content)
        sigs.append(fp.signature)

    with ThreadPoolExecutor(max_workers=1) as pool:
        docs = read_documents(paths, id_field=opt.id_field, text_field=opt.text_field,
                              date_field=opt.date_field, stats=corpus.stats, on_message=on_message,
                              keep_records=False)
        for doc in docs:
            corpus.ids.append(doc.id)
            corpus.dates.append(doc.date)
            texts.append(doc.text)
            nbytes += len(doc.text)
            if len(texts) >= opt.batch_docs or nbytes >= opt.batch_bytes:
                if pending is not None:
                    collect(pending)
                pending = pool.submit(fingerprint_batch, texts, opt.shingle_size, opt.bands * opt.rows)
                prog.advance(nbytes)
                texts, nbytes = [], 0
        if pending is not None:
            collect(pending)
        if texts:
            collect(pool.submit(fingerprint_batch, texts, opt.shingle_size, opt.bands * opt.rows))
            prog.advance(nbytes)
    prog.stop()
    if n_tok:
        corpus.n_tokens = np.concatenate(n_tok)
        corpus.content = np.concatenate(content)
        corpus.signature = np.concatenate(sigs)
    else:
        corpus.signature = np.zeros((0, opt.bands * opt.rows), dtype=np.uint32)
    return corpus


def _tree_size(path: str) -> int:
    if os.path.isdir(path):
        total = 0
        for root, _dirs, files in os.walk(path):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except OSError:
                    pass
        return total
    return os.path.getsize(path)


@dataclass
class FindResult:
    """Verified pairs of a corpus, as arrays (global document indices) plus lazy records."""

    corpus: Corpus
    a: np.ndarray
    b: np.ndarray
    kind: np.ndarray  # int8 code into AVAILABLE_KINDS
    score: np.ndarray
    jaccard: np.ndarray
    containment_a: np.ndarray
    containment_b: np.ndarray
    coverage_a: np.ndarray
    coverage_b: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    candidates: int = 0

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @property
    def stats(self) -> ReadStats:
        return self.corpus.stats

    def kind_counts(self) -> dict[str, int]:
        c = Counter(self.kind.tolist())
        return {k: int(c.get(i, 0)) for i, k in enumerate(AVAILABLE_KINDS)}

    def records(self) -> Iterable[Pair]:
        """The pairs as :class:`~retold.records.Pair` records, sorted by (a, b) input order."""
        ids = self.corpus.ids
        for i in range(len(self)):
            yield Pair(a=ids[self.a[i]], b=ids[self.b[i]], kind=AVAILABLE_KINDS[self.kind[i]],
                       score=float(self.score[i]), jaccard=float(self.jaccard[i]),
                       containment_a=float(self.containment_a[i]), containment_b=float(self.containment_b[i]),
                       coverage_a=float(self.coverage_a[i]), coverage_b=float(self.coverage_b[i]))

    @property
    def pairs(self) -> list[Pair]:
        return list(self.records())

    def cluster_labels(self, kinds: Sequence[str] = ("exact", "near_duplicate")) -> np.ndarray:
        """One family label per document (the index of its first member), input order."""
        codes = [_KIND_CODE[k] for k in kinds if k in _KIND_CODE]
        m = np.isin(self.kind, codes)
        return component_labels(len(self.corpus), self.a[m], self.b[m])

    def clusters(self, keep: str = "first", kinds: Sequence[str] = ("exact", "near_duplicate")) -> list[Cluster]:
        """Every document in exactly one family, families in order of their first member."""
        labels = self.cluster_labels(kinds)
        reps = representatives(labels, keep, n_tokens=self.corpus.n_tokens, dates=self.corpus.dates)
        ids = self.corpus.ids
        members: dict[int, list[str]] = {}
        rep_of: dict[int, int] = {}
        for i, lab in enumerate(labels.tolist()):
            members.setdefault(lab, []).append(ids[i])
            rep_of[lab] = int(reps[i])
        return [Cluster(cluster=n, representative=ids[rep_of[lab]], members=mem)
                for n, (lab, mem) in enumerate(members.items())]


def _exact_groups(corpus: Corpus) -> np.ndarray:
    """For each document, the first document with the same normalised token sequence (-1: empty)."""
    n = len(corpus)
    rep = np.full(n, -1, dtype=np.int64)
    nonempty = np.flatnonzero(corpus.n_tokens > 0)
    if nonempty.shape[0] == 0:
        return rep
    c = corpus.content[nonempty]
    t = corpus.n_tokens[nonempty]
    order = np.lexsort((nonempty, t, c))
    sc, st = c[order], t[order]
    new = np.ones(order.shape[0], dtype=bool)
    new[1:] = (sc[1:] != sc[:-1]) | (st[1:] != st[:-1])
    group = np.cumsum(new) - 1
    first = nonempty[order][new]  # lexsort puts the smallest index first in each group
    rep[nonempty[order]] = first[group]
    return rep


def find(paths: Sequence[PathLike] | Corpus, kinds: Sequence[str] = AVAILABLE_KINDS,
         options: Options | None = None, progress: Progress | None = None,
         on_message: Callable[[str], None] | None = None) -> FindResult:
    """Every related pair of documents in a corpus, verified, with exact scores.

    Exact duplicates (same token sequence after lowercasing and dropping punctuation) are
    reported as pairs of the group's first document with each other member; other kinds are
    reported between the groups' first documents.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> text = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> _ = (d / "a.txt").write_text(text)
    >>> _ = (d / "b.txt").write_text(text.upper())
    >>> r = find([d])
    >>> [(p.a, p.b, p.kind, p.score) for p in r.pairs]
    [('a.txt', 'b.txt', 'exact', 1.0)]
    """
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in AVAILABLE_KINDS]
    if unknown:
        raise ValueError(f"unknown or unavailable kinds {unknown}; available: {', '.join(AVAILABLE_KINDS)}")
    opt = options if options is not None else (paths.options if isinstance(paths, Corpus) else Options())
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = paths if isinstance(paths, Corpus) else scan(paths, opt, progress, on_message)
    timings["read+fingerprint"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    rep = _exact_groups(corpus)
    members = np.flatnonzero((rep >= 0) & (rep != np.arange(len(corpus))))
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("a", "b", "kind", "score", "jac", "ca", "cb", "cva",
                                                         "cvb")}

    def emit(a, b, kind, score, jac, ca, cb, cva, cvb):
        for key, val in zip(out, (a, b, kind, score, jac, ca, cb, cva, cvb)):
            out[key].append(np.asarray(val))

    if "exact" in kinds and members.shape[0]:
        ones = np.ones(members.shape[0])
        emit(rep[members], members, np.full(members.shape[0], _KIND_CODE["exact"], dtype=np.int8),
             ones, ones, ones, ones, ones, ones)
    timings["exact"] = time.perf_counter() - t1

    n_cand = 0
    if "near_duplicate" in kinds:
        t2 = time.perf_counter()
        reps = np.flatnonzero(rep == np.arange(len(corpus)))
        keys = (band_keys(corpus.signature[reps], opt.rows) if reps.shape[0]
                else np.zeros((0, opt.bands), np.uint64))
        ca_, cb_, _hits = candidate_pairs(keys, opt.min_hits, opt.max_postings)
        pa, pb = reps[ca_], reps[cb_]
        n_cand = int(pa.shape[0])
        timings["candidates"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if progress is not None:
            progress.start("verifying", total=float(n_cand) or None)
        for s in range(0, n_cand, opt.verify_chunk):
            a, b = pa[s : s + opt.verify_chunk], pb[s : s + opt.verify_chunk]
            docs = np.unique(np.concatenate([a, b]))
            assert corpus.store is not None
            seqs, offs = corpus.store.get_many(docs)
            la, lb = np.searchsorted(docs, a), np.searchsorted(docs, b)
            sc = score_pairs(seqs, offs, corpus.n_tokens[docs], la, lb, opt.shingle_size, opt.gap, opt.min_run,
                             opt.near_min_containment)
            ta, tb = corpus.n_tokens[a], corpus.n_tokens[b]
            a_short = ta <= tb
            cov_short = np.where(a_short, sc.coverage_a, sc.coverage_b)
            cov_long = np.where(a_short, sc.coverage_b, sc.coverage_a)
            near = (cov_short >= opt.near_min_coverage) & (cov_long >= opt.near_min_coverage_long)
            score = (sc.coverage_a * ta + sc.coverage_b * tb) / np.maximum(ta + tb, 1)
            m = near
            emit(a[m], b[m], np.full(int(m.sum()), _KIND_CODE["near_duplicate"], dtype=np.int8), score[m],
                 sc.jaccard[m], sc.containment_a[m], sc.containment_b[m], sc.coverage_a[m], sc.coverage_b[m])
            if progress is not None:
                progress.advance(a.shape[0])
        if progress is not None:
            progress.stop()
        timings["verify"] = time.perf_counter() - t3

    def cat(key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(out[key]).astype(dtype) if out[key] else np.zeros(0, dtype=dtype)

    a, b = cat("a", np.int64), cat("b", np.int64)
    order = np.lexsort((b, a))
    res = FindResult(corpus=corpus, a=a[order], b=b[order], kind=cat("kind", np.int8)[order],
                     score=cat("score", np.float64)[order], jaccard=cat("jac", np.float64)[order],
                     containment_a=cat("ca", np.float64)[order], containment_b=cat("cb", np.float64)[order],
                     coverage_a=cat("cva", np.float64)[order], coverage_b=cat("cvb", np.float64)[order],
                     timings=timings, candidates=n_cand)
    timings["total"] = time.perf_counter() - t0
    return res


def dedup(paths: Sequence[PathLike], output: str, keep: str = "first",
          kinds: Sequence[str] = ("exact", "near_duplicate"), options: Options | None = None,
          progress: Progress | None = None, on_message: Callable[[str], None] | None = None,
          result: FindResult | None = None) -> tuple[FindResult, int]:
    """Write the input records of one representative per family, fields unchanged, in input order.

    Returns the find result and the number of records written. Text files become
    ``{"id", "text"}`` records.
    """
    opt = options or Options()
    res = result if result is not None else find(paths, kinds, opt, progress, on_message)
    labels = res.cluster_labels(kinds)
    reps = representatives(labels, keep, n_tokens=res.corpus.n_tokens, dates=res.corpus.dates)
    keep_mask = reps == np.arange(len(res.corpus))
    n = 0
    with open_writer(output) as w:
        for _i, doc in iter_records_by_index([os.fspath(p) for p in paths], lambda i: bool(keep_mask[i]),
                                             id_field=opt.id_field, text_field=opt.text_field,
                                             date_field=opt.date_field):
            w.write(doc.record if doc.record is not None else {"id": doc.id, "text": doc.text})
            n += 1
    return res, n
