"""The local engine: one process, worker threads, memory that grows with the number of
documents and not with their text. It moves data between the stages (:mod:`retold.stages`)
and decides nothing itself.

Pass 1 streams the input once: each batch of documents is masked and signed in a worker
thread (one a core, each batch on one thread), while the calling thread parses the next
batches; results are collected in input order, and only fixed-size fingerprints stay in
memory; shingle sequences (and, when the plan computes passages, token
offsets) go to :class:`~retold.store.SpillingStore`\\ s that spill to a temporary file past the
memory budget, and the band keys and signature bytes to :class:`~retold.store.ColumnStore`\\ s,
which the candidate stage reads a slab at a time. Candidates are verified chunk by chunk, a
family of pairs together, reading both documents' sequences from the store. The paraphrase
tier re-reads only the texts of its candidates.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import orjson

from ..boilerplate import LineCounts, count_lines, mask, site_of, strip
from ..candidates import DEFAULT_SLAB as KEY_SLAB
from ..cluster import component_labels, representatives
from ..jit import serial
from ..model import FAMILY_KINDS, KIND_CODE, KINDS, Corpus, Fields, Options, PairTable, Plan, parse_kinds
from ..readers import Document, ReadStats, Source, as_sources, format_for, iter_records_by_index, read_documents
from ..records import Cluster, Pair, open_writer, write_records
from ..stages import assemble, candidates, decide, exact, sign
from ..stages.sign import Signed
from ..store import ColumnStore, SpillingStore
from ..text import Encoded

PathLike = str | os.PathLike
#: Less text than this (characters of a batch, tokens of a corpus) runs the kernels on one thread:
#: waking worker threads costs more than such work (see :func:`retold.jit.serial`).
SMALL_CHARS = 1 << 20
SMALL_TOKENS = SMALL_CHARS // 6
#: What the engine reads: paths, or texts, records and tables (see :func:`retold.readers.as_sources`).
Inputs = Any


@dataclass(frozen=True)
class LocalSettings:
    """How the local engine batches its work (no effect on the output).

    Attributes:
        batch_docs, batch_bytes: a batch is signed once it holds this many documents or
            characters.
        memory_budget: bytes of shingle sequences (and token offsets) kept in memory before the
            stores spill to a temporary file; also the most the candidate stage keeps in memory
            of each of its lists (documents per shared band key, keys per document) before
            writing it to a temporary file read back mapped.
        column_budget: bytes of band keys, and of signature bytes, kept in memory before they
            spill to temporary files (read back by the candidate stage, a slab at a time).
        verify_chunk: candidate pairs verified at a time.
        threads: pieces the passage alignment is split into (the kernels release the GIL).
        sign_workers: threads that mask and sign batches while the calling thread reads the
            next ones; with more than one, each runs the kernels on its own thread (one batch
            a core: the kernels' own threads would only contend with them for the cores).
    """

    batch_docs: int = 4096
    batch_bytes: int = 16 << 20
    memory_budget: int = 256 << 20
    column_budget: int = 64 << 20
    verify_chunk: int = 65536
    threads: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))
    sign_workers: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))


class Progress:
    """What a long run reports as it goes; the CLI draws it with rich. Override what you need."""

    def start(self, stage: str, total: float | None = None) -> None: ...

    def advance(self, amount: float = 1) -> None: ...

    def stop(self) -> None: ...


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def is_web_input(paths: Sequence[Any]) -> bool:
    """Whether any input is an HTML page or a WARC crawl (sites are known there)."""
    def web(name: str) -> bool:
        return format_for(name).name in ("html", "warc")

    for p in paths:
        if isinstance(p, Source):
            continue
        if os.path.isdir(p):
            for _root, _dirs, files in os.walk(p):
                if any(web(f) for f in files):
                    return True
        elif web(p):
            return True
    return False


def site_of_document(doc: Document) -> str | None:
    """The site a document belongs to (its ``site`` field, the host of its ``url`` or id)."""
    rec = doc.record or {}
    url, site = rec.get("url"), rec.get("site")
    return site_of(doc.id, url if isinstance(url, str) else None, site if isinstance(site, str) else None)


def _tree_size(path: Any) -> int:
    """Bytes under ``path``; -1 when a file is gzip-compressed. Why: progress counts characters
    of text, which a compressed file's size does not tell (a bar would fill at a third)."""
    if isinstance(path, Source):
        return 0
    if os.path.isdir(path):
        total = 0
        for root, _dirs, files in os.walk(path):
            for f in files:
                if f.endswith(".gz"):
                    return -1
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except OSError:
                    pass
        return total
    return -1 if path.endswith(".gz") else os.path.getsize(path)


def spilled_bytes(corpus: Corpus) -> int:
    """Bytes the corpus's stores wrote to temporary files (0 when everything fit in memory).

    >>> spilled_bytes(Corpus(plan=Plan(), options=Options()))
    0
    """
    return sum(getattr(s, "spilled_bytes", 0) for s in (corpus.store, corpus.offsets, corpus.keys, corpus.sketch))


def _read_args(fields: Fields) -> dict[str, Any]:
    return {"id_field": fields.id, "text_field": fields.text, "date_field": fields.date, "id_prefix": fields.id_prefix,
            "encoding": fields.encoding}


# -- pass 1 -------------------------------------------------------------------------------------


def scan(paths: Inputs, plan: Plan | None = None, options: Options | None = None, *,
         fields: Fields | None = None, progress: Progress | None = None,
         on_message: Callable[[str], None] | None = None, settings: LocalSettings | None = None,
         texts: Any = None) -> Corpus:
    """Pass 1: read every document once and sign it for ``plan`` (default: every kind).

    ``paths`` and ``texts`` are the inputs of :func:`find`.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("The cat sat on the mat.")
    >>> c = scan([d])
    >>> c.ids, c.n_tokens.tolist()
    (['a.txt'], [6])
    """
    opt = options or Options()
    fields = fields or Fields()
    cfg = settings or LocalSettings()
    prog = progress or Progress()
    paths = as_sources(paths, texts)
    if plan is None:
        plan = Plan.for_kinds(KINDS, web=is_web_input(paths))
    # token offsets get a third of the budget: they are read only for reported passages
    budget = cfg.memory_budget * 2 // 3 if plan.passages else cfg.memory_budget
    corpus = Corpus(plan=plan, options=opt, sources=paths, fields=fields, stats=ReadStats(),
                    store=SpillingStore(budget),
                    offsets=SpillingStore(cfg.memory_budget - budget) if plan.passages else None,
                    keys=ColumnStore(opt.bands, np.uint64, slab=KEY_SLAB, budget_bytes=cfg.column_budget),
                    sketch=ColumnStore(opt.bands * opt.rows, np.uint8, budget_bytes=cfg.column_budget))
    total_bytes = 0
    for p in paths:
        try:
            size = _tree_size(p)
        except OSError:
            continue
        if size < 0:  # compressed input: progress counts characters without a total
            total_bytes = 0
            break
        total_bytes += size
    counts = None
    source: list[Any] = paths
    source_fields = fields
    spool = None
    if plan.boilerplate == "site":
        # pass 0: how often each line recurs on each site. Web pages are costly to extract, so
        # their extracted text is spooled to a temporary JSONL that pass 1 reads instead (the
        # real read, with its messages and counts, happens here then).
        prog.start("boilerplate", total=total_bytes or None)
        web = is_web_input(paths)
        if web:
            spool = tempfile.NamedTemporaryFile("wb", prefix="retold-extracted-", suffix=".jsonl", delete=False)
            docs0 = read_documents(paths, stats=corpus.stats, on_message=on_message, keep_records=True,
                                   **_read_args(fields))
        else:
            docs0 = read_documents(paths, keep_records=True, **_read_args(fields))

        def lines() -> Iterator[tuple[str, str | None]]:
            for d in docs0:
                site = site_of_document(d)
                if spool is not None:
                    spool.write(orjson.dumps({"id": d.id, "text": d.text, "date": d.date, "site": site}) + b"\n")
                yield d.text, site

        counts = count_lines(lines(), opt.boilerplate)
        if spool is not None:
            spool.close()
            source = [spool.name]
            source_fields = Fields()
        prog.stop()
    try:
        _sign_all(corpus, source, source_fields, counts, total_bytes, prog, cfg,
                  None if spool is not None else on_message, spool is not None)
    finally:
        if spool is not None:
            os.unlink(spool.name)
    return corpus


def _sign_batch(batch: list[str], batch_sites: list[str | None], counts: LineCounts | None, plan: Plan,
                opt: Options, alone: bool) -> tuple[Signed, list[list[tuple[int, int]]]]:
    """Furniture found and masked, then signing, of one batch: a worker thread's job.

    ``alone``: the kernels run on this thread only (several workers each sign a batch: the
    kernels' own worker threads would only contend with them for the cores)."""
    # The bytes the cue gate encoded are signed as they are (not encoded twice).
    encoded: list[Encoded] = []
    masked, spans = sign.evidence_batch(batch, batch_sites, counts, plan, opt, encoded)
    with serial(alone or sum(len(t) for t in masked) < SMALL_CHARS):
        return sign.sign(masked, opt, plan, encoded[0] if encoded else None), spans


def _sign_all(corpus: Corpus, source: list[str], fields: Fields, counts: LineCounts | None, total_bytes: int,
              prog: Progress, cfg: LocalSettings, on_message: Callable[[str], None] | None, spooled: bool) -> None:
    """Read ``source`` and sign every document in batches, in worker threads."""
    plan, opt = corpus.plan, corpus.options
    assert corpus.store is not None and corpus.stats is not None
    prog.start("reading", total=total_bytes or None)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("n_tokens", "content", "anchors", "adocs", "terms",
                                                           "tsizes", "n_words")}
    texts: list[str] = []
    sites: list[str | None] = []
    nbytes = 0
    base = 0
    workers = max(1, cfg.sign_workers)
    pending: deque[Future[tuple[Signed, list[list[tuple[int, int]]]]]] = deque()

    def collect(fut: Future[tuple[Signed, list[list[tuple[int, int]]]]]) -> None:
        nonlocal base
        b, spans = fut.result()
        assert corpus.store is not None
        corpus.store.append(b.shingles, b.sh_offsets)
        if corpus.offsets is not None and b.tok_offsets is not None:
            corpus.offsets.append(b.tok_offsets, b.tok_bounds)
        parts["n_tokens"].append(b.n_tokens)
        parts["n_words"].append(b.n_words if b.n_words is not None else b.n_tokens.astype(np.float64))
        parts["content"].append(b.content)
        corpus.keys.append(b.keys)
        corpus.sketch.append(b.sketch)
        parts["anchors"].append(b.anchors)
        parts["adocs"].append(b.anchor_docs + base)
        if b.terms is not None and b.term_offsets is not None:
            parts["terms"].append(b.terms)
            parts["tsizes"].append(np.diff(b.term_offsets))
        for k, sp in enumerate(spans):
            if sp:
                corpus.boilerplate[base + k] = sp
        base += len(b)

    site_level = plan.boilerplate == "site"
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # a spooled source was already read (and counted) in pass 0: do not count it twice
        docs = read_documents(source, stats=ReadStats() if spooled else corpus.stats, on_message=on_message,
                              keep_records=site_level, **_read_args(fields))
        for doc in docs:
            corpus.ids.append(doc.id)
            corpus.dates.append(doc.date)
            texts.append(doc.text)
            sites.append(site_of_document(doc) if site_level else None)
            nbytes += len(doc.text)
            if len(texts) >= cfg.batch_docs or nbytes >= cfg.batch_bytes:
                if len(pending) > workers:
                    collect(pending.popleft())
                pending.append(pool.submit(_sign_batch, texts, sites, counts, plan, opt, workers > 1))
                prog.advance(nbytes)
                texts, sites, nbytes = [], [], 0
        if texts:
            pending.append(pool.submit(_sign_batch, texts, sites, counts, plan, opt, workers > 1))
            prog.advance(nbytes)
        while pending:
            collect(pending.popleft())
    prog.stop()
    if parts["n_tokens"]:
        corpus.n_tokens = np.concatenate(parts["n_tokens"])
        corpus.n_words = np.concatenate(parts["n_words"])
        corpus.content = np.concatenate(parts["content"])
        corpus.anchors = np.concatenate(parts["anchors"])
        corpus.anchor_docs = np.concatenate(parts["adocs"])
        if plan.terms:
            corpus.terms = np.concatenate(parts["terms"])
            corpus.term_offsets = np.zeros(len(corpus) + 1, dtype=np.int64)
            np.cumsum(np.concatenate(parts["tsizes"]), out=corpus.term_offsets[1:])
    else:
        if plan.terms:
            corpus.terms = np.zeros(0, dtype=np.uint32)
            corpus.term_offsets = np.zeros(1, dtype=np.int64)


def texts_of(corpus: Corpus, wanted: set[int], masked: bool = True) -> dict[int, str]:
    """Re-read documents ``wanted`` (corpus indices), site furniture blanked as when signed
    (``masked=False``: the texts as read)."""
    out = {}
    for i, doc in iter_records_by_index(corpus.sources, wanted, keep_records=False, **_read_args(corpus.fields)):
        spans = corpus.boilerplate.get(i) if masked else None
        out[i] = mask(doc.text, spans) if spans else doc.text
    return out


# -- find ---------------------------------------------------------------------------------------


@dataclass
class FindResult:
    """Verified pairs of a corpus: the pair table (document indices, sorted by (a, b)) and the
    corpus it refers to; records are made on demand.

    Attributes:
        corpus: what was read and signed.
        table: the reported pairs with their passages (``[start, end)`` characters).
        plan: what was computed.
        timings: seconds per stage, in process.
        candidates: candidate pairs verified.
        tier: what the paraphrase tier did (candidates, documents read, screened, embedded
            documents, paraphrases), when it ran.
    """

    corpus: Corpus
    table: PairTable
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)
    candidates: int = 0
    tier: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.kind_counts().items())
        return f"<FindResult {len(self.corpus)} documents, {len(self)} pairs ({counts})>"

    @property
    def stats(self) -> ReadStats:
        assert self.corpus.stats is not None
        return self.corpus.stats

    def kind_counts(self) -> dict[str, int]:
        """Pairs per reported kind (kinds that were not asked for are left out)."""
        c = Counter(self.table.kind.tolist())
        return {k: int(c.get(KIND_CODE[k], 0)) for k in self.plan.kinds}

    def records(self, passage_text: bool = False) -> Iterator[Pair]:
        """The pairs as :class:`~retold.records.Pair` records, sorted by (a, b) input order.

        ``passage_text``: each passage also carries its text in a and in b (``a_text``,
        ``b_text``); the documents with passages are read again for it, and held in memory.
        """
        recs = assemble.records(self.table, self.corpus.ids, self.corpus.dates)
        if not passage_text or not len(self.table.passages):
            return recs
        return self._with_text(recs)

    def record_dicts(self, passage_text: bool = False) -> Iterator[Any]:
        """What :meth:`records` gives, as the plain dicts a writer takes (faster for many pairs)."""
        if passage_text and len(self.table.passages):
            return (r.to_dict() for r in self.records(passage_text))
        return assemble.record_dicts(self.table, self.corpus.ids, self.corpus.dates)

    def _with_text(self, recs: Iterator[Pair]) -> Iterator[Pair]:
        t = self.table
        rows = np.unique(t.passages.pair)
        text = texts_of(self.corpus, set(t.a[rows].tolist()) | set(t.b[rows].tolist()), masked=False)
        for a, b, rec in zip(t.a.tolist(), t.b.tolist(), recs):
            for p in rec.passages or ():
                p.a_text, p.b_text = text[a][p.a_start:p.a_end], text[b][p.b_start:p.b_end]
            yield rec

    @property
    def pairs(self) -> list[Pair]:
        return list(self.records())

    @property
    def boilerplate_documents(self) -> int:
        """Documents with site furniture recognised (and masked)."""
        return len(self.corpus.boilerplate)

    def write(self, output: str) -> int:
        """Write the records to ``output`` (format by extension; ``-``: JSONL on stdout). Returns how many."""
        return write_records(output, self.record_dicts())

    def family_count(self, kinds: Sequence[str] = FAMILY_KINDS) -> int:
        """How many families (``clusters``) the pairs of ``kinds`` make, singletons included."""
        return len(set(self.cluster_labels(kinds).tolist()))

    def filter(self, min_score: float | None = None) -> FindResult:
        """The pairs scoring at least ``min_score`` (the same corpus; counts follow).

        >>> import tempfile, pathlib
        >>> r = find(texts=["Oil prices rose on Monday in London.", "OIL PRICES ROSE ON MONDAY IN LONDON!"])
        >>> len(r.filter(min_score=0.5)), len(r.filter(min_score=1.01))
        (1, 0)
        """
        if min_score is None:
            return self
        return replace(self, table=self.table.take(np.flatnonzero(self.table.score >= min_score)))

    def to_arrow(self, passage_text: bool = False) -> Any:
        """The pairs as a ``pyarrow.Table``: one row a pair, the columns of the pair records
        (``passages`` a list of structs, null for exact pairs or without passages).

        >>> r = find(texts=["Oil prices rose on Monday in London.", "OIL PRICES ROSE ON MONDAY IN LONDON!"])
        >>> r.to_arrow().select(["a", "b", "kind", "score"]).to_pylist()
        [{'a': '0', 'b': '1', 'kind': 'exact', 'score': 1.0}]
        """
        import pyarrow as pa

        passage = [("a_start", pa.int64()), ("a_end", pa.int64()), ("b_start", pa.int64()), ("b_end", pa.int64()),
                   ("kind", pa.string()), ("score", pa.float64())]
        if passage_text:
            passage += [("a_text", pa.string()), ("b_text", pa.string())]
        schema = pa.schema([("a", pa.string()), ("b", pa.string()), ("kind", pa.string()), ("score", pa.float64()),
                            ("jaccard", pa.float64()), ("containment_a", pa.float64()),
                            ("containment_b", pa.float64()), ("coverage_a", pa.float64()),
                            ("coverage_b", pa.float64()), ("source", pa.string()),
                            ("passages", pa.list_(pa.struct(passage)))])
        names = [f[0] for f in passage]
        rows = []
        for r in self.records(passage_text):
            rows.append({"a": r.a, "b": r.b, "kind": r.kind, "score": r.score, "jaccard": r.jaccard,
                         "containment_a": r.containment_a, "containment_b": r.containment_b,
                         "coverage_a": r.coverage_a, "coverage_b": r.coverage_b, "source": r.source,
                         "passages": None if r.passages is None else
                         [{n: getattr(p, n) for n in names} for p in r.passages]})
        return pa.Table.from_pylist(rows, schema=schema)

    def to_pandas(self, passage_text: bool = False) -> Any:
        """The pairs as a pandas DataFrame (:meth:`to_arrow` converted; needs pandas)."""
        return self.to_arrow(passage_text).to_pandas()

    def cluster_labels(self, kinds: Sequence[str] = FAMILY_KINDS) -> np.ndarray:
        """One family label per document (the index of its first member), input order."""
        m = np.isin(self.table.kind, [KIND_CODE[k] for k in parse_kinds(kinds)])
        return component_labels(len(self.corpus), self.table.a[m], self.table.b[m])

    def clusters(self, keep: str = "first", kinds: Sequence[str] = FAMILY_KINDS, min_size: int = 1) -> list[Cluster]:
        """Every document in exactly one family, families in order of their first member.

        ``min_size``: only the families of at least that many documents (their numbers stay
        those of the full list)."""
        labels = self.cluster_labels(kinds)
        reps = representatives(labels, keep, n_tokens=self.corpus.n_tokens, dates=self.corpus.dates)
        ids = self.corpus.ids
        members: dict[int, list[str]] = {}
        rep_of: dict[int, int] = {}
        for i, lab in enumerate(labels.tolist()):
            members.setdefault(lab, []).append(ids[i])
            rep_of[lab] = int(reps[i])
        return [Cluster(cluster=n, representative=ids[rep_of[lab]], members=mem)
                for n, (lab, mem) in enumerate(members.items()) if len(mem) >= min_size]


def find(paths: Inputs | Corpus = None, kinds: str | Iterable[str] | None = None,
         options: Options | None = None, *, texts: Any = None, fields: Fields | None = None,
         boilerplate: bool | None = None, embedder: str | None = None, plan: Plan | None = None,
         progress: Progress | None = None, on_message: Callable[[str], None] | None = None,
         settings: LocalSettings | None = None) -> FindResult:
    """Every related pair of documents in a corpus, verified, with exact scores.

    The corpus (``paths``) is a path or a list of paths (files, directories, ``-`` for standard
    input), a list of records (dicts with the :class:`~retold.model.Fields`, or
    :class:`~retold.readers.Document` objects), a pandas DataFrame or pyarrow Table, or a scanned
    :class:`~retold.model.Corpus`; ``texts`` a list of texts (ids ``"0"``, ``"1"``...) or a
    ``{id: text}`` dict. Strings are paths: when none of them exists, ``ValueError`` says to
    pass texts as ``texts=`` (see :func:`retold.readers.as_sources`).

    ``kinds`` (default: all of :data:`~retold.model.KINDS`) filters what is reported; the
    :class:`~retold.model.Plan` derived from it says what is computed. Exact duplicates (the same
    token sequence after lowercasing and dropping punctuation) are reported as pairs of the
    group's first document with each other member; other kinds are reported between the groups'
    first documents. When passages are computed, every non-exact pair carries them.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> text = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> _ = (d / "a.txt").write_text(text)
    >>> _ = (d / "b.txt").write_text(text.upper())
    >>> r = find([d])
    >>> [(p.a, p.b, p.kind, p.score) for p in r.pairs]
    [('a.txt', 'b.txt', 'exact', 1.0)]
    >>> [(p.a, p.b, p.kind) for p in find(texts=[text, "Rain in Paris.", text.lower()]).pairs]
    [('0', '2', 'exact')]
    """
    cfg = settings or LocalSettings()
    t0 = time.perf_counter()
    if isinstance(paths, Corpus):
        corpus = paths
        opt = options or corpus.options
        plan = plan or (Plan.for_kinds(kinds, boilerplate=boilerplate, embedder=embedder) if kinds is not None
                        else corpus.plan)
        _check_scanned_for(corpus, plan)
    else:
        opt = options or Options()
        srcs = as_sources(paths, texts)
        plan = plan or Plan.for_kinds(kinds, boilerplate=boilerplate, embedder=embedder, web=is_web_input(srcs))
        corpus = scan(srcs, plan, opt, fields=fields, progress=progress, on_message=on_message, settings=cfg)
    timings: dict[str, float] = {"read+fingerprint": time.perf_counter() - t0}
    with serial(int(corpus.n_tokens.sum()) < SMALL_TOKENS):
        return _decide_all(corpus, opt, plan, cfg, progress, timings, t0)


def _decide_all(corpus: Corpus, opt: Options, plan: Plan, cfg: LocalSettings, progress: Progress | None,
                timings: dict[str, float], t0: float) -> FindResult:
    """Everything ``find`` does after reading: exact groups, candidates, decisions, the tier."""
    t1 = time.perf_counter()
    rep = exact.exact_groups(corpus.content, corpus.n_tokens)
    reps = exact.representatives_of(rep)
    parts = [exact.exact_pairs(rep)]
    timings["exact"] = time.perf_counter() - t1

    n_cand = 0
    if plan.bands:
        t2 = time.perf_counter()
        pa, pb = candidates.candidates(corpus.keys, corpus.anchors, corpus.anchor_docs, reps, len(corpus), opt, plan,
                                       corpus.sketch, corpus.n_tokens, scratch_bytes=cfg.memory_budget)
        n_cand = int(pa.shape[0])
        timings["candidates"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        parts.extend(_verify(corpus, pa, pb, opt, plan, cfg, progress))
        timings["verify"] = time.perf_counter() - t3
    table = PairTable.concat(parts)
    table = replace(table, has_passages=plan.passages)

    tier: dict[str, int] = {}
    if plan.paraphrase:
        t4 = time.perf_counter()
        table = _paraphrase(corpus, table, reps, opt, plan, progress, tier)
        timings["paraphrase"] = time.perf_counter() - t4

    table = table.filter_kinds(plan.kinds).sorted()
    timings["total"] = time.perf_counter() - t0
    return FindResult(corpus=corpus, table=table, plan=plan, timings=timings, candidates=n_cand, tier=tier)


def _check_scanned_for(corpus: Corpus, plan: Plan) -> None:
    had = corpus.plan
    missing = [what for what, need, have in (("passages", plan.passages, had.passages),
                                             ("anchors", plan.anchors, had.anchors),
                                             ("content words", plan.terms, had.terms)) if need and not have]
    if missing or plan.boilerplate != had.boilerplate:
        why = f"it lacks {', '.join(missing)}" if missing else f"its furniture level is {had.boilerplate!r}"
        raise ValueError(f"the corpus was scanned for kinds {','.join(had.kinds)} and {why}; "
                         "scan it again with the plan of the kinds you want (retold.scan(paths, plan))")


def _verify(corpus: Corpus, pa: np.ndarray, pb: np.ndarray, opt: Options, plan: Plan, cfg: LocalSettings,
            progress: Progress | None) -> list[PairTable]:
    """Decide the candidates chunk by chunk, reading their sequences from the stores.

    The pairs are taken in order of the connected components they form (pairs of one family
    together), so that a chunk needs the sequences of few documents and most documents are
    read in one chunk only. Why: in input order a chunk of 65k pairs touched documents all
    over the spill file, and every chunk read most of it again (verification grew 61x from
    100k to 1M documents).
    """
    assert corpus.store is not None
    n_cand = int(pa.shape[0])
    if progress is not None:
        progress.start("verifying", total=float(n_cand) or None)
    order = _family_order(len(corpus), pa, pb)
    step = cfg.verify_chunk
    store = corpus.store

    def load(s: int) -> tuple[np.ndarray, ...]:
        take = np.sort(order[s : s + step])  # (a, b) order inside the chunk
        a, b = pa[take], pb[take]
        docs = np.unique(np.concatenate([a, b]))
        seqs, offs = store.get_many(docs)
        return a, b, docs, seqs, offs, np.searchsorted(docs, a), np.searchsorted(docs, b)

    out: list[PairTable] = []
    # Why a reader thread: the next chunk's sequences are read (mostly from the spill file)
    # while this chunk is decided; one after the other, the reads were a fifth of the stage.
    with ThreadPoolExecutor(max_workers=cfg.threads) as pool, ThreadPoolExecutor(max_workers=1) as reader:
        ahead = reader.submit(load, 0) if n_cand else None
        for s in range(0, n_cand, step):
            assert ahead is not None
            a, b, docs, seqs, offs, la, lb = ahead.result()
            ahead = reader.submit(load, s + step) if s + step < n_cand else None
            d = decide.decide(seqs, offs, corpus.n_tokens[docs], la, lb, opt, plan,
                              pmap=pool.map if cfg.threads > 1 else None, pieces=cfg.threads,
                              n_words=None if corpus.n_words is None else corpus.n_words[docs])
            del seqs, offs
            chars = None
            if plan.passages:
                chars = (_char_spans(corpus, a[d.p_pair], d.p_a0, d.p_a1), _char_spans(corpus, b[d.p_pair], d.p_b0,
                                                                                      d.p_b1))
            out.append(assemble.decided_table(a, b, d, *(chars or (None, None))))
            if progress is not None:
                progress.advance(a.shape[0])
    if progress is not None:
        progress.stop()
    return out


def _family_order(n_docs: int, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """The pairs (sorted by (a, b)) in order of their connected component, then of (a, b).

    >>> _family_order(6, np.array([0, 1, 3]), np.array([5, 2, 5])).tolist()
    [0, 2, 1]
    """
    if pa.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    label = component_labels(n_docs, pa, pb)[pa]
    return np.argsort(label, kind="stable")


def _char_spans(corpus: Corpus, docs: np.ndarray, tok0: np.ndarray, tok1: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    if docs.shape[0] == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    assert corpus.offsets is not None
    u = np.unique(docs)
    packed, offs = corpus.offsets.get_many(u)
    return assemble.char_spans(packed, offs[np.searchsorted(u, docs)], tok0, tok1)


def _paraphrase(corpus: Corpus, table: PairTable, reps: np.ndarray, opt: Options, plan: Plan,
                progress: Progress | None, stats: dict[str, int]) -> PairTable:
    from ..paraphrase import resolve_embedder
    from ..stages.paraphrase import candidates as term_pairs
    from ..stages.paraphrase import paraphrase_tier

    assert corpus.terms is not None and corpus.term_offsets is not None
    on_start = (lambda n: progress.start("paraphrase", total=float(n))) if progress is not None else None
    ca, cb = term_pairs(corpus.terms, corpus.term_offsets, reps, opt)
    out = paraphrase_tier(table, ca, cb, len(corpus),
                          lambda wanted: texts_of(corpus, wanted), opt, resolve_embedder(plan.embedder),
                          on_pair=progress.advance if progress is not None else None, on_start=on_start,
                          stats=stats)
    if progress is not None:
        progress.stop()
    return out


# -- families and dedup --------------------------------------------------------------------------


def family_plan(kinds: str | Iterable[str] | None = None, *, boilerplate: bool | None = None,
                embedder: str | None = None, web: bool = False) -> Plan:
    """The plan of ``clusters`` and ``dedup``: the families the full ``find`` reports."""
    return Plan.for_kinds(kinds if kinds is not None else FAMILY_KINDS, boilerplate=boilerplate, embedder=embedder,
                          web=web, families=True)


def clusters(paths: Inputs = None, keep: str = "first", kinds: str | Iterable[str] | None = None,
             options: Options | None = None, *, texts: Any = None, fields: Fields | None = None,
             boilerplate: bool | None = None, progress: Progress | None = None,
             on_message: Callable[[str], None] | None = None, settings: LocalSettings | None = None,
             min_size: int = 1) -> tuple[FindResult, list[Cluster]]:
    """Reuse families: every document in exactly one cluster, with its representative.

    ``kinds`` (default exact and near-duplicate) join documents into families. Returns the
    find result behind them and the clusters (``min_size``: only those of at least that many
    documents). Inputs as for :func:`find`.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in [("a.txt", "Oil prices rose on Monday."), ("b.txt", "OIL PRICES ROSE ON MONDAY!"),
    ...                    ("c.txt", "Rain in Paris.")]:
    ...     _ = (d / name).write_text(text)
    >>> [(c.representative, c.members) for c in clusters([d])[1]]
    [('a.txt', ['a.txt', 'b.txt']), ('c.txt', ['c.txt'])]
    """
    srcs = as_sources(paths, texts)
    ks = parse_kinds(kinds, FAMILY_KINDS)
    res = find(srcs, options=options, fields=fields, plan=family_plan(ks, boilerplate=boilerplate,
                                                                      web=is_web_input(srcs)),
               progress=progress, on_message=on_message, settings=settings)
    return res, res.clusters(keep, ks, min_size)


def dedup(paths: Inputs = None, output: str | None = None, keep: str = "first",
          kinds: str | Iterable[str] | None = None, options: Options | None = None, *, texts: Any = None,
          fields: Fields | None = None, boilerplate: bool | None = None,
          progress: Progress | None = None, on_message: Callable[[str], None] | None = None,
          result: FindResult | None = None, strip_boilerplate: bool = False,
          settings: LocalSettings | None = None, removed: str | None = None) -> tuple[FindResult, int]:
    """Write the input records of one representative per family, fields unchanged, in input order.

    Returns the find result and the number of records written. Text files become
    ``{"id", "text"}`` records. ``strip_boilerplate`` removes recognised site furniture from the
    text field (the only field that then changes); it turns site-level detection on.
    ``removed``: also write, to that file, ``{"id", "kept"}`` for every document left out: its
    id and the id of the document kept for its family (input order).
    """
    if output is None:
        raise TypeError("dedup() needs the output path: dedup(paths, output) or dedup(texts=..., output=...)")
    fields = fields or Fields()
    srcs = as_sources(paths, texts)
    ks = parse_kinds(kinds, FAMILY_KINDS)
    if strip_boilerplate and boilerplate is None:
        boilerplate = True
    res = result if result is not None else find(
        srcs, options=options, fields=fields, plan=family_plan(ks, boilerplate=boilerplate, web=is_web_input(srcs)),
        progress=progress, on_message=on_message, settings=settings)
    labels = res.cluster_labels(ks)
    reps = representatives(labels, keep, n_tokens=res.corpus.n_tokens, dates=res.corpus.dates)
    keep_mask = reps == np.arange(len(res.corpus))
    n = 0
    with open_writer(output) as w:
        for i, doc in iter_records_by_index(srcs, lambda i: bool(keep_mask[i]), **_read_args(fields)):
            rec = dict(doc.record) if doc.record is not None else {"id": doc.id, "text": doc.text}
            spans = res.corpus.boilerplate.get(i) if strip_boilerplate else None
            if spans:
                key = fields.text if doc.record is not None else "text"
                rec[key] = strip(doc.text, spans)
            w.write(rec)
            n += 1
    if removed is not None:
        ids = res.corpus.ids
        with open_writer(removed) as w:
            for i in np.flatnonzero(~keep_mask).tolist():
                w.write({"id": ids[i], "kept": ids[int(reps[i])]})
    return res, n


def furniture(paths: Inputs, options: Options | None = None, *, fields: Fields | None = None,
              progress: Progress | None = None, on_message: Callable[[str], None] | None = None
              ) -> tuple[ReadStats, Iterator[dict[str, object]]]:
    """The site furniture of every document that has some: ``{"id", "spans", "lines"}``
    records (``[start, end)`` characters), lines repeated across a site and single-page cues.

    Two reads: one counts the lines of each site, the second marks them. The stats fill in as
    the records are consumed.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("A story.\\nShare this article")
    >>> stats, recs = furniture([d])
    >>> list(recs), stats.documents
    ([{'id': 'a.txt', 'spans': [[9, 27]], 'lines': ['Share this article']}], 1)
    """
    opt = options or Options()
    fields = fields or Fields()
    srcs = as_sources(paths)
    stats = ReadStats()
    plan = Plan.for_kinds(FAMILY_KINDS, boilerplate=True)
    prog = progress or Progress()

    def records() -> Iterator[dict[str, object]]:
        prog.start("boilerplate")
        counts = count_lines(((d.text, site_of_document(d)) for d in
                              read_documents(srcs, keep_records=True, **_read_args(fields))), opt.boilerplate)
        prog.stop()
        for doc in read_documents(srcs, stats=stats, on_message=on_message, keep_records=True, **_read_args(fields)):
            _, spans = sign.evidence(doc.text, site_of_document(doc), counts, plan, opt)
            if spans:
                yield {"id": doc.id, "spans": [list(s) for s in spans], "lines": [doc.text[s:e] for s, e in spans]}

    return stats, records()
