"""Orchestration of ``find``, ``clusters`` and ``dedup``: read, fingerprint, candidates, verify, cluster.

Pass 1 streams the input once: each batch of documents is tokenised, shingled and signed by
the compiled kernels (in a worker thread, so parsing the next batch overlaps with hashing the
previous one), and only fixed-size fingerprints stay in memory; the shingle sequences (and,
when passages are wanted, token offsets) go to :class:`~retold.store.SpillingStore`\\ s.
Candidates come from two indexes (LSH bands of content words for near-duplicates, sampled
shingle anchors for partial reuse), and every candidate is verified on the exact shingle
sequences before it is reported.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import orjson

from .align import DEFAULT_MIN_SCORE, DEFAULT_MIN_WORDS, MAX_SEED_REPEATS, MAX_SHIFT, align_batch
from .boilerplate import BoilerplateOptions, boilerplate_spans, count_lines, site_of, strip
from .candidates import DEFAULT_MAX_POSTINGS, DEFAULT_MIN_HITS, candidate_pairs, posting_pairs, sample_anchors
from .cluster import component_labels, parse_date, representatives
from .documents import Document, ReadStats, iter_records_by_index, read_documents
from .fingerprints import DEFAULT_BANDS, DEFAULT_ROWS, DEFAULT_SHINGLE, band_keys, fingerprint_batch
from .records import Cluster, Pair, Passage, open_writer
from .store import SpillingStore
from .verify import DEFAULT_GAP, DEFAULT_MIN_RUN, PairScores, score_pairs

#: Kinds decided on the text itself (what the incremental index reports too).
TEXT_REUSE_KINDS: tuple[str, ...] = ("exact", "near_duplicate", "partial")
#: The kinds ``find`` can report in this version, in order of strength.
AVAILABLE_KINDS: tuple[str, ...] = (*TEXT_REUSE_KINDS, "paraphrase")
#: Passage kinds, indexed by ``FindResult.p_kind``.
PASSAGE_KINDS: tuple[str, ...] = ("near_verbatim", "verbatim", "paraphrase")
_KIND_CODE = {k: i for i, k in enumerate(AVAILABLE_KINDS)}
#: Kinds that join documents into one family for ``clusters`` and ``dedup``.
FAMILY_KINDS: tuple[str, ...] = ("exact", "near_duplicate")

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
        anchor_bits: partial-reuse anchors are the shingles whose hash has this many chosen bits
            at zero: about one shingle in 2**anchor_bits.
        anchor_min_hits: shared anchors that make a partial-reuse candidate.
        anchor_max_df: anchors held by more documents than this are stock phrases or
            boilerplate, not evidence, and are ignored.
        partial_min_words: a pair is ``partial`` when it shares at least one passage this long
            (in words, on each side).
        partial_min_total_words, partial_min_share: and the passages must hold at least this many
            words in all, or this share of the shorter document. Independent news articles on
            one event quote the same speakers verbatim (a sentence or two); lifted copy is longer.
            Measured on the reuse development corpus: this halves the false partial pairs
            (97 -> 48, most of them ECB+ same-event quotes) and keeps every required one.
        passage_min_words: shortest passage listed in a record once the pair qualifies.
        passage_min_score: lowest share of matched words inside a reported passage.
        paraphrase_embedder: sentence similarity of the paraphrase tier: ``minilm`` (the
            all-MiniLM-L6-v2 model, ``semantic`` extra), ``lexical`` (no model, less sensitive) or
            ``auto`` (MiniLM when installed; default, or the ``RETOLD_EMBEDDER`` variable).
        paraphrase_threshold: sentence-pair probability from which sentences align (None = the
            embedder's default fitted on MSRP train, 0.48 for MiniLM). Lower finds more retold
            stories and more same-event articles (``benchmarks/README.md``, paraphrase tier).
        boilerplate: recognise site furniture and keep it out of all evidence. ``True``: lines
            repeated across a site's documents (one more read of the input) and single-page cues
            (comment forms, share lines, teasers). ``None`` (default): when passages are computed
            (partial reuse is where furniture misleads), the cues always and the site-level lines
            for HTML/WARC input; nothing for the exact/near-duplicate pass. ``False``: off.
        boilerplate_options: thresholds of the boilerplate detector.
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
    anchor_bits: int = 3
    anchor_min_hits: int = 2
    anchor_max_df: int = 8
    partial_min_words: int = 15
    partial_min_total_words: int = 30
    partial_min_share: float = 0.1
    passage_min_words: int = DEFAULT_MIN_WORDS
    passage_min_score: float = DEFAULT_MIN_SCORE
    paraphrase_embedder: str = field(default_factory=lambda: os.environ.get("RETOLD_EMBEDDER", "auto"))
    paraphrase_threshold: float | None = None
    boilerplate: bool | None = None
    boilerplate_options: BoilerplateOptions = field(default_factory=BoilerplateOptions)
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
    """What pass 1 keeps of a corpus: ids, fixed-size fingerprints and sequence stores.

    Attributes:
        keys: uint64 [ndocs, bands] LSH keys of the content-word signature.
        anchors, anchor_docs: sampled shingle hashes and the document holding each.
        store: shingle sequences; ``offsets``: packed token character offsets (only when the
            corpus was scanned for passages).
        boilerplate: document index -> ``[start, end)`` spans recognised as site furniture
            (masked out before fingerprinting, so they are never evidence of reuse).
        terms, term_offsets: each document's distinct content words (uint32 hashes, CSR; only
            when scanned for the paraphrase tier).
    """

    paths: list[str]
    options: Options
    ids: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)
    n_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    content: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint64))
    anchors: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    anchor_docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    boilerplate: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    terms: np.ndarray | None = None
    term_offsets: np.ndarray | None = None
    store: SpillingStore | None = None
    offsets: SpillingStore | None = None
    stats: ReadStats = field(default_factory=ReadStats)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class _Batch:
    n_tokens: np.ndarray
    content: np.ndarray
    keys: np.ndarray
    shingles: np.ndarray
    sh_offsets: np.ndarray
    anchors: np.ndarray
    anchor_docs: np.ndarray
    tok_offsets: np.ndarray | None
    tok_bounds: np.ndarray | None
    terms: np.ndarray | None = None
    term_offsets: np.ndarray | None = None


def _fingerprint(texts: list[str], opt: Options, passages: bool, terms: bool = False) -> _Batch:
    """All pass-1 work for one batch (runs in the worker thread; the kernels release the GIL)."""
    fp = fingerprint_batch(texts, opt.shingle_size, opt.bands * opt.rows, offsets=passages, terms=terms)
    keys = band_keys(fp.signature, opt.rows)
    if passages:
        anchors, adocs = sample_anchors(fp.shingles, fp.sh_offsets, opt.anchor_bits)
        toks = fp.token_offsets
        tbounds = np.zeros(fp.n_tokens.shape[0] + 1, dtype=np.int64)
        np.cumsum(fp.n_tokens, out=tbounds[1:])
    else:
        anchors, adocs = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        toks = tbounds = None
    return _Batch(fp.n_tokens, fp.content, keys, fp.shingles, fp.sh_offsets, anchors, adocs, toks, tbounds,
                  fp.terms, fp.term_offsets)


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scan(paths: Sequence[PathLike], options: Options | None = None, progress: Progress | None = None,
         on_message: Callable[[str], None] | None = None, passages: bool = True, terms: bool = False) -> Corpus:
    """Pass 1: read every document once and fingerprint it.

    ``passages=False`` skips what only partial reuse and passage offsets need (anchors and
    token offsets), the fastest pass for exact and near-duplicate detection. ``terms=True``
    also keeps each document's content-word set (the paraphrase tier's candidates).

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
    # token offsets get a third of the budget: they are read only for reported passages
    budget = opt.memory_budget * 2 // 3 if passages else opt.memory_budget
    corpus = Corpus(paths=paths, options=opt, store=SpillingStore(budget),
                    offsets=SpillingStore(opt.memory_budget - budget) if passages else None)
    total_bytes = 0
    for p in paths:
        try:
            total_bytes += _tree_size(p)
        except OSError:
            pass
    use_bp = passages if opt.boilerplate is None else opt.boilerplate
    # Counting lines across a site costs a second read and ~0.2 ms a document in Python: by
    # default it runs for crawls (HTML/WARC input), where sites are known; elsewhere only the
    # cheap single-page cues run unless boilerplate=True asks for both.
    web = _has_web_input(paths) if use_bp else False
    corpus_level = opt.boilerplate is True or web
    counts = None
    source: list[str] = paths
    source_opts = {"id_field": opt.id_field, "text_field": opt.text_field, "date_field": opt.date_field}
    spool = None
    if corpus_level:
        # pass 0: how often each line recurs on each site. Web pages are costly to extract, so
        # their extracted text is spooled to a temporary JSONL that pass 1 reads instead (the
        # real read, with its messages and counts, happens here then).
        prog.start("boilerplate", total=total_bytes or None)
        if web:
            spool = tempfile.NamedTemporaryFile("wb", prefix="retold-extracted-", suffix=".jsonl", delete=False)
            docs0 = read_documents(paths, stats=corpus.stats, on_message=on_message, keep_records=True, **source_opts)
        else:
            docs0 = read_documents(paths, keep_records=True, **source_opts)

        def lines():
            for d in docs0:
                site = _site(d)
                if spool is not None:
                    spool.write(orjson.dumps({"id": d.id, "text": d.text, "date": d.date, "site": site}) + b"\n")
                yield d.text, site

        counts = count_lines(lines(), opt.boilerplate_options)
        if spool is not None:
            spool.close()
            source = [spool.name]
            source_opts = {"id_field": "id", "text_field": "text", "date_field": "date"}
        prog.stop()
    try:
        _fingerprint_all(corpus, source, source_opts, opt, prog, passages, use_bp, counts, total_bytes,
                         None if spool is not None else on_message, spool is not None, terms)
    finally:
        if spool is not None:
            os.unlink(spool.name)
    return corpus


def _fingerprint_all(corpus: Corpus, source: list[str], source_opts: dict[str, str], opt: Options, prog: Progress,
                     passages: bool, use_bp: bool, counts: Any, total_bytes: int,
                     on_message: Callable[[str], None] | None, spooled: bool, terms: bool = False) -> None:
    """Pass 1: read ``source`` and fingerprint every document in batches, in a worker thread."""
    prog.start("reading", total=total_bytes or None)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("n_tokens", "content", "keys", "anchors", "adocs",
                                                           "terms", "tsizes")}
    texts: list[str] = []
    nbytes = 0
    base = 0
    pending: Future[_Batch] | None = None

    def collect(fut: Future[_Batch]) -> None:
        nonlocal base
        b = fut.result()
        assert corpus.store is not None
        corpus.store.append(b.shingles, b.sh_offsets)
        if corpus.offsets is not None and b.tok_offsets is not None:
            corpus.offsets.append(b.tok_offsets, b.tok_bounds)
        parts["n_tokens"].append(b.n_tokens)
        parts["content"].append(b.content)
        parts["keys"].append(b.keys)
        parts["anchors"].append(b.anchors)
        parts["adocs"].append(b.anchor_docs + base)
        if b.terms is not None and b.term_offsets is not None:
            parts["terms"].append(b.terms)
            parts["tsizes"].append(np.diff(b.term_offsets))
        base += b.n_tokens.shape[0]

    with ThreadPoolExecutor(max_workers=1) as pool:
        # a spooled source was already read (and counted) in pass 0: do not count it twice
        docs = read_documents(source, stats=ReadStats() if spooled else corpus.stats, on_message=on_message,
                              keep_records=use_bp, **source_opts)
        for doc in docs:
            text = doc.text
            if use_bp:
                spans = boilerplate_spans(text, _site(doc), counts, opt.boilerplate_options)
                if spans:
                    corpus.boilerplate[len(corpus.ids)] = spans
                    text = mask(text, spans)
            corpus.ids.append(doc.id)
            corpus.dates.append(doc.date)
            texts.append(text)
            nbytes += len(doc.text)
            if len(texts) >= opt.batch_docs or nbytes >= opt.batch_bytes:
                if pending is not None:
                    collect(pending)
                pending = pool.submit(_fingerprint, texts, opt, passages, terms)
                prog.advance(nbytes)
                texts, nbytes = [], 0
        if pending is not None:
            collect(pending)
        if texts:
            collect(pool.submit(_fingerprint, texts, opt, passages, terms))
            prog.advance(nbytes)
    prog.stop()
    if parts["n_tokens"]:
        corpus.n_tokens = np.concatenate(parts["n_tokens"])
        corpus.content = np.concatenate(parts["content"])
        corpus.keys = np.concatenate(parts["keys"])
        corpus.anchors = np.concatenate(parts["anchors"])
        corpus.anchor_docs = np.concatenate(parts["adocs"])
        if terms:
            corpus.terms = np.concatenate(parts["terms"])
            corpus.term_offsets = np.zeros(len(corpus) + 1, dtype=np.int64)
            np.cumsum(np.concatenate(parts["tsizes"]), out=corpus.term_offsets[1:])
    else:
        corpus.keys = np.zeros((0, opt.bands), dtype=np.uint64)


def _has_web_input(paths: Sequence[str]) -> bool:
    from .web import web_kind

    for p in paths:
        if os.path.isdir(p):
            for _root, _dirs, files in os.walk(p):
                if any(web_kind(f) for f in files):
                    return True
        elif web_kind(p):
            return True
    return False


def _site(doc: Document) -> str | None:
    rec = doc.record or {}
    url, site = rec.get("url"), rec.get("site")
    return site_of(doc.id, url if isinstance(url, str) else None, site if isinstance(site, str) else None)


def mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with the spans blanked out by spaces: no token there, every offset unchanged.

    >>> mask("Menu\\nStory", [(0, 4)])
    '    \\nStory'
    """
    out, pos = [], 0
    for s, e in sorted(spans):
        s = max(s, pos)
        out.append(text[pos:s])
        out.append(" " * max(0, e - s))
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out)


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
    """Verified pairs of a corpus, as arrays (global document indices) plus lazy records.

    Passages are flat arrays: passage ``i`` belongs to pair ``p_pair[i]`` and spans
    ``[p_a_start, p_a_end)`` / ``[p_b_start, p_b_end)`` characters of the two original texts.
    """

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
    p_pair: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_a_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_a_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_b_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_b_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_score: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    p_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    has_passages: bool = False
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

    def source_of(self, i: int) -> str | None:
        """The likely source of pair ``i``: the document with the earlier date, when both have one."""
        da, db = parse_date(self.corpus.dates[self.a[i]]), parse_date(self.corpus.dates[self.b[i]])
        if da is None or db is None or da == db:
            return None
        return self.corpus.ids[self.a[i]] if da < db else self.corpus.ids[self.b[i]]

    def records(self) -> Iterable[Pair]:
        """The pairs as :class:`~retold.records.Pair` records, sorted by (a, b) input order."""
        ids = self.corpus.ids
        starts = np.searchsorted(self.p_pair, np.arange(len(self) + 1))
        for i in range(len(self)):
            passages = None
            if self.has_passages and self.kind[i] != _KIND_CODE["exact"]:
                passages = [Passage(int(self.p_a_start[j]), int(self.p_a_end[j]), int(self.p_b_start[j]),
                                    int(self.p_b_end[j]), PASSAGE_KINDS[self.p_kind[j]],
                                    float(self.p_score[j])) for j in range(starts[i], starts[i + 1])]
            yield Pair(a=ids[self.a[i]], b=ids[self.b[i]], kind=AVAILABLE_KINDS[self.kind[i]],
                       score=float(self.score[i]), jaccard=float(self.jaccard[i]),
                       containment_a=float(self.containment_a[i]), containment_b=float(self.containment_b[i]),
                       coverage_a=float(self.coverage_a[i]), coverage_b=float(self.coverage_b[i]),
                       source=self.source_of(i), passages=passages)

    @property
    def pairs(self) -> list[Pair]:
        return list(self.records())

    def cluster_labels(self, kinds: Sequence[str] = FAMILY_KINDS) -> np.ndarray:
        """One family label per document (the index of its first member), input order."""
        codes = [_KIND_CODE[k] for k in kinds if k in _KIND_CODE]
        m = np.isin(self.kind, codes)
        return component_labels(len(self.corpus), self.a[m], self.b[m])

    def clusters(self, keep: str = "first", kinds: Sequence[str] = FAMILY_KINDS) -> list[Cluster]:
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


def classify_near(ta: np.ndarray, tb: np.ndarray, coverage_a: np.ndarray, coverage_b: np.ndarray,
                  opt: Options) -> np.ndarray:
    """Which verified pairs are near-duplicates: enough of both documents in matching regions.

    >>> classify_near(np.array([100, 100]), np.array([160, 400]), np.array([0.9, 1.0]), np.array([0.6, 0.25]),
    ...               Options()).tolist()
    [True, False]
    """
    a_short = ta <= tb
    cov_short = np.where(a_short, coverage_a, coverage_b)
    cov_long = np.where(a_short, coverage_b, coverage_a)
    return (cov_short >= opt.near_min_coverage) & (cov_long >= opt.near_min_coverage_long)


@dataclass
class Verified:
    """What :func:`verify` decides about a batch of candidate pairs.

    ``kind`` is a code into AVAILABLE_KINDS, or -1 for a pair that is not reported. Passages
    are in token positions (inclusive) and only for reported pairs: passage ``i`` belongs to
    pair ``p_pair[i]`` (an index into the batch).
    """

    kind: np.ndarray
    score: np.ndarray
    scores: PairScores
    p_pair: np.ndarray
    p_a0: np.ndarray
    p_a1: np.ndarray
    p_b0: np.ndarray
    p_b1: np.ndarray
    p_score: np.ndarray
    p_verbatim: np.ndarray


def verify(seqs: np.ndarray, offs: np.ndarray, n_tokens: np.ndarray, la: np.ndarray, lb: np.ndarray,
           opt: Options, kinds: Sequence[str], passages: bool) -> Verified:
    """Exact scores, kind and passages of candidate pairs of documents held as shingle sequences.

    The one decision procedure shared by batch ``find`` and the incremental index, so that both
    report the same pairs. ``seqs``/``offs`` hold the documents involved (as a store returns
    them), ``n_tokens`` their token counts, ``la``/``lb`` the local indices of each pair.
    """
    k = opt.shingle_size
    partial = "partial" in kinds
    # the fewest shared shingles a reportable passage can have: a passage of partial_min_words
    # words holds partial_min_words - k + 1 shingles, at least passage_min_score of them matched
    min_shared = max(1, int((opt.partial_min_words - k + 1) * opt.passage_min_score))
    # coverage (the near-duplicate test) only where a near-duplicate is possible; partial pairs
    # get their coverage from their passages below
    sc = score_pairs(seqs, offs, n_tokens, la, lb, k, opt.gap, opt.min_run, opt.near_min_containment)
    ta, tb = n_tokens[la], n_tokens[lb]
    near = classify_near(ta, tb, sc.coverage_a, sc.coverage_b, opt)
    if "near_duplicate" not in kinds:
        near[:] = False
    kind = np.where(near, _KIND_CODE["near_duplicate"], -1).astype(np.int8)
    score = (sc.coverage_a * ta + sc.coverage_b * tb) / np.maximum(ta + tb, 1)
    e = np.zeros(0, dtype=np.int64)
    if not passages:
        return Verified(kind, score, sc, e, e, e, e, e, np.zeros(0), np.zeros(0, dtype=bool))
    # passages for near-duplicates, and for the rest: is there a real shared passage?
    todo = np.flatnonzero(near | (sc.intersection >= min_shared)) if partial else np.flatnonzero(near)
    pp, a0, a1, b0, b1, ps, pv = _align_parallel(seqs, offs, la[todo], lb[todo], opt)
    pair = todo[pp]
    if partial:
        long_enough = np.minimum(a1 - a0, b1 - b0) + 1 >= opt.partial_min_words
        has = np.zeros(la.shape[0], dtype=bool)
        has[pair[long_enough]] = True
        wa = np.bincount(pair, weights=a1 - a0 + 1, minlength=la.shape[0])
        wb = np.bincount(pair, weights=b1 - b0 + 1, minlength=la.shape[0])
        words = np.minimum(wa, wb)
        enough = (words >= opt.partial_min_total_words) | (words >= opt.partial_min_share * np.minimum(ta, tb))
        is_partial = has & enough & ~near
        kind[is_partial] = _KIND_CODE["partial"]
        # partial score: share of both documents' words inside passages; coverage likewise per side
        score = np.where(is_partial, (wa + wb) / np.maximum(ta + tb, 1), score)
        sc.coverage_a = np.where(is_partial, wa / np.maximum(ta, 1), sc.coverage_a)
        sc.coverage_b = np.where(is_partial, wb / np.maximum(tb, 1), sc.coverage_b)
    keep = kind[pair] >= 0
    return Verified(kind, score, sc, pair[keep], a0[keep], a1[keep], b0[keep], b1[keep], ps[keep], pv[keep])


def _align_parallel(seqs: np.ndarray, offs: np.ndarray, la: np.ndarray, lb: np.ndarray,
                    opt: Options) -> tuple[np.ndarray, ...]:
    """align_batch over halves of the pairs in two threads (the kernel releases the GIL)."""
    n = la.shape[0]
    threads = min(os.cpu_count() or 1, 4)
    args = (opt.shingle_size, opt.gap, MAX_SHIFT, opt.passage_min_words, opt.passage_min_score, MAX_SEED_REPEATS)
    if n < 256 or threads < 2:
        return align_batch(seqs, offs, la, lb, *args)
    cuts = np.linspace(0, n, threads + 1).astype(np.int64)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(lambda c: align_batch(seqs, offs, la[cuts[c]:cuts[c + 1]], lb[cuts[c]:cuts[c + 1]],
                                                    *args), range(threads)))
    for c, part in enumerate(parts):
        part[0][:] += cuts[c]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(7))


def candidates(corpus: Corpus, reps: np.ndarray, opt: Options, partial: bool) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (global indices, a < b, sorted) among the representative documents."""
    n = reps.shape[0]
    if n < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    ca, cb, _ = candidate_pairs(corpus.keys[reps], opt.min_hits, opt.max_postings)
    if partial and corpus.anchors.shape[0]:
        local = np.full(len(corpus), -1, dtype=np.int64)
        local[reps] = np.arange(n)
        ad = local[corpus.anchor_docs]
        keep = ad >= 0
        xa, xb, _ = posting_pairs(corpus.anchors[keep], ad[keep], n, opt.anchor_min_hits, opt.anchor_max_df)
        code = np.unique(np.concatenate([ca * n + cb, xa * n + xb]))
        ca, cb = code // n, code % n
    return reps[ca], reps[cb]


def find(paths: Sequence[PathLike] | Corpus, kinds: Sequence[str] = AVAILABLE_KINDS,
         options: Options | None = None, progress: Progress | None = None,
         on_message: Callable[[str], None] | None = None) -> FindResult:
    """Every related pair of documents in a corpus, verified, with exact scores.

    Exact duplicates (same token sequence after lowercasing and dropping punctuation) are
    reported as pairs of the group's first document with each other member; other kinds are
    reported between the groups' first documents. When ``partial`` is among the kinds, every
    non-exact pair carries its passages.

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
    partial = "partial" in kinds
    opt = options if options is not None else (paths.options if isinstance(paths, Corpus) else Options())
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = paths if isinstance(paths, Corpus) else scan(paths, opt, progress, on_message, passages=partial,
                                                          terms="paraphrase" in kinds)
    with_passages = partial and corpus.offsets is not None
    timings["read+fingerprint"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    rep = _exact_groups(corpus)
    members = np.flatnonzero((rep >= 0) & (rep != np.arange(len(corpus))))
    cols = ("a", "b", "kind", "score", "jac", "ca", "cb", "cva", "cvb")
    out: dict[str, list[np.ndarray]] = {k: [] for k in cols}
    pcols = ("pair", "a0", "a1", "b0", "b1", "score", "verb")
    pout: dict[str, list[np.ndarray]] = {k: [] for k in pcols}
    n_emitted = 0

    def emit(*vals: Any) -> None:
        nonlocal n_emitted
        for key, val in zip(cols, vals):
            out[key].append(np.asarray(val))
        n_emitted += int(np.asarray(vals[0]).shape[0])

    if "exact" in kinds and members.shape[0]:
        ones = np.ones(members.shape[0])
        emit(rep[members], members, np.full(members.shape[0], _KIND_CODE["exact"], dtype=np.int8),
             ones, ones, ones, ones, ones, ones)
    timings["exact"] = time.perf_counter() - t1

    n_cand = 0
    if "near_duplicate" in kinds or partial:
        t2 = time.perf_counter()
        reps = np.flatnonzero(rep == np.arange(len(corpus)))
        pa, pb = candidates(corpus, reps, opt, partial)
        n_cand = int(pa.shape[0])
        timings["candidates"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if progress is not None:
            progress.start("verifying", total=float(n_cand) or None)
        assert corpus.store is not None
        for s in range(0, n_cand, opt.verify_chunk):
            a, b = pa[s : s + opt.verify_chunk], pb[s : s + opt.verify_chunk]
            docs = np.unique(np.concatenate([a, b]))
            seqs, offs = corpus.store.get_many(docs)
            la, lb = np.searchsorted(docs, a), np.searchsorted(docs, b)
            v = verify(seqs, offs, corpus.n_tokens[docs], la, lb, opt, kinds, with_passages)
            kind, score, sc = v.kind, v.score, v.scores
            if with_passages:
                # passage token ranges -> character offsets into the original texts
                pa_tok = _char_offsets(corpus, a[v.p_pair], v.p_a0, v.p_a1)
                pb_tok = _char_offsets(corpus, b[v.p_pair], v.p_b0, v.p_b1)
                new_index = np.cumsum(kind >= 0) - 1 + n_emitted
                pout["pair"].append(new_index[v.p_pair])
                pout["a0"].append(pa_tok[0])
                pout["a1"].append(pa_tok[1])
                pout["b0"].append(pb_tok[0])
                pout["b1"].append(pb_tok[1])
                pout["score"].append(v.p_score)
                pout["verb"].append(v.p_verbatim)
            m = kind >= 0
            emit(a[m], b[m], kind[m], score[m], sc.jaccard[m], sc.containment_a[m], sc.containment_b[m],
                 sc.coverage_a[m], sc.coverage_b[m])
            if progress is not None:
                progress.advance(a.shape[0])
        if progress is not None:
            progress.stop()
        timings["verify"] = time.perf_counter() - t3

    def cat(d: dict[str, list[np.ndarray]], key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(d[key]).astype(dtype) if d[key] else np.zeros(0, dtype=dtype)

    if "paraphrase" in kinds:
        t4 = time.perf_counter()
        _paraphrases(corpus, rep, opt, out, pout, cols, cat, progress)
        with_passages = True
        timings["paraphrase"] = time.perf_counter() - t4

    a, b = cat(out, "a", np.int64), cat(out, "b", np.int64)
    order = np.lexsort((b, a))
    inv = np.empty_like(order)
    inv[order] = np.arange(order.shape[0])
    p_pair = inv[cat(pout, "pair", np.int64)] if pout["pair"] else np.zeros(0, dtype=np.int64)
    p_a0, p_b0 = cat(pout, "a0", np.int64), cat(pout, "b0", np.int64)
    porder = np.lexsort((p_b0, p_a0, p_pair))
    res = FindResult(corpus=corpus, a=a[order], b=b[order], kind=cat(out, "kind", np.int8)[order],
                     score=cat(out, "score", np.float64)[order], jaccard=cat(out, "jac", np.float64)[order],
                     containment_a=cat(out, "ca", np.float64)[order], containment_b=cat(out, "cb", np.float64)[order],
                     coverage_a=cat(out, "cva", np.float64)[order], coverage_b=cat(out, "cvb", np.float64)[order],
                     p_pair=p_pair[porder], p_a_start=p_a0[porder], p_a_end=cat(pout, "a1", np.int64)[porder],
                     p_b_start=p_b0[porder], p_b_end=cat(pout, "b1", np.int64)[porder],
                     p_score=cat(pout, "score", np.float64)[porder], p_kind=cat(pout, "verb", np.int8)[porder],
                     has_passages=with_passages, timings=timings, candidates=n_cand)
    timings["total"] = time.perf_counter() - t0
    return res


def _paraphrases(corpus: Corpus, rep: np.ndarray, opt: Options, out: dict[str, list[np.ndarray]],
                 pout: dict[str, list[np.ndarray]], cols: tuple[str, ...], cat: Callable[..., np.ndarray],
                 progress: Progress | None) -> None:
    """The paraphrase tier: add ``paraphrase`` pairs (or upgrade ``partial`` ones) with sentence passages.

    Candidates come from the content-word sets kept in pass 1 (no text is re-read for them);
    exact and near-duplicate pairs are left as they are. Only the documents of candidate pairs
    are re-read, split into sentences and screened lexically; the model embeds the sentences
    of pairs that pass the screen, once per distinct sentence.
    """
    from .paraphrase import ParaphraseOptions, align_candidates, resolve_embedder, term_candidates

    popt = ParaphraseOptions(threshold=opt.paraphrase_threshold)
    reps = np.flatnonzero(rep == np.arange(len(corpus)))
    if reps.shape[0] < 2:
        return
    if corpus.terms is None or corpus.term_offsets is None:
        _add_terms(corpus, opt, reps)
    assert corpus.terms is not None and corpus.term_offsets is not None
    ca, cb, _ = term_candidates(corpus.terms, corpus.term_offsets, reps, popt)
    a, b, kind = cat(out, "a", np.int64), cat(out, "b", np.int64), cat(out, "kind", np.int8)
    row = _rows_of(a, b, ca, cb, len(corpus))
    # exact and near-duplicate pairs say more than paraphrase. A partial pair becomes a
    # paraphrase only when as much of it is reworded as copied (align_candidates): reworded text
    # cannot exceed what the passages leave uncovered, so pairs mostly covered already are not
    # aligned at all.
    r0 = np.maximum(row, 0)
    if kind.shape[0]:
        cva, cvb = cat(out, "cva", np.float64)[r0], cat(out, "cvb", np.float64)[r0]
        verbatim = np.where(row >= 0, np.maximum(cva, cvb), 0.0)
        room = np.where(row >= 0, 1.0 - np.minimum(cva, cvb), 1.0)
        keep = (row < 0) | ((kind[r0] == _KIND_CODE["partial"]) & (room >= verbatim))
    else:
        verbatim, keep = np.zeros(row.shape[0]), row < 0
    ca, cb, row, verbatim = ca[keep], cb[keep], row[keep], verbatim[keep]
    if ca.shape[0] == 0:
        return
    copied: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    if (row >= 0).any() and pout["pair"]:
        p_pair = cat(pout, "pair", np.int64)
        p_cols = [cat(pout, c, np.int64) for c in ("a0", "a1", "b0", "b1")]
        p_order = np.argsort(p_pair, kind="stable")
        p_sorted = p_pair[p_order]
        for x, y, n in zip(ca[row >= 0].tolist(), cb[row >= 0].tolist(), row[row >= 0].tolist()):
            lo, hi = np.searchsorted(p_sorted, n), np.searchsorted(p_sorted, n, side="right")
            copied[(x, y)] = [tuple(int(c[k]) for c in p_cols) for k in p_order[lo:hi]]  # type: ignore[misc]
    texts = dict(_masked_texts(corpus, opt, set(ca.tolist()) | set(cb.tolist())))
    pairs = [(x, y) for x, y in zip(ca.tolist(), cb.tolist()) if x in texts and y in texts]
    if progress is not None:
        progress.start("paraphrase", total=float(len(pairs)))
    cache = resolve_embedder(opt.paraphrase_embedder)
    # candidates already reported as partial: their row, and the share their passages cover
    where = {(x, y): (int(n), float(v)) for x, y, n, v in zip(ca.tolist(), cb.tolist(), row.tolist(),
                                                              verbatim.tolist()) if n >= 0}
    found = align_candidates(texts.__getitem__, pairs, cache, popt, copied,
                             {k: v for k, (_, v) in where.items()},
                             on_pair=progress.advance if progress is not None else None)
    if progress is not None:
        progress.stop()
    if not found:
        return
    new = {c: [] for c in cols}
    n_next = a.shape[0]
    passages: list[tuple[int, int, int, int, int, float]] = []
    upgrade: list[tuple[int, float]] = []
    for ga, gb, r in found:
        if (ga, gb) in where:
            n = where[(ga, gb)][0]
            upgrade.append((n, r.score.score))
        else:
            n = n_next
            n_next += 1
            for c, v in zip(cols, (ga, gb, _KIND_CODE["paraphrase"], r.score.score, 0.0, 0.0, 0.0,
                                   r.score.coverage_a, r.score.coverage_b)):
                new[c].append(v)
        passages.extend((n, u.a_start, u.a_end, u.b_start, u.b_end, u.score) for u in r.pairs)
    if upgrade:
        # a partial pair whose other sentences are retold is a paraphrase; it keeps its
        # verbatim passages and gains the rewritten ones
        rows = np.asarray([n for n, _ in upgrade])
        kind[rows] = _KIND_CODE["paraphrase"]
        score = cat(out, "score", np.float64)
        score[rows] = np.maximum(score[rows], [sc for _, sc in upgrade])
        out["kind"], out["score"] = [kind], [score]
        for c in cols:
            if c not in ("kind", "score"):
                out[c] = [cat(out, c, np.float64 if c not in ("a", "b") else np.int64)]
    if new["a"]:
        for c in cols:
            out[c].append(np.asarray(new[c]))
    if passages:
        arr = np.asarray(passages, dtype=np.float64)
        pout["pair"].append(arr[:, 0].astype(np.int64))
        pout["a0"].append(arr[:, 1].astype(np.int64))
        pout["a1"].append(arr[:, 2].astype(np.int64))
        pout["b0"].append(arr[:, 3].astype(np.int64))
        pout["b1"].append(arr[:, 4].astype(np.int64))
        pout["score"].append(arr[:, 5])
        pout["verb"].append(np.full(arr.shape[0], PASSAGE_KINDS.index("paraphrase"), dtype=np.int8))


def _rows_of(a: np.ndarray, b: np.ndarray, qa: np.ndarray, qb: np.ndarray, n_docs: int) -> np.ndarray:
    """For each query pair (qa, qb), its row in the reported pairs (a, b), or -1.

    >>> _rows_of(np.array([0, 1]), np.array([2, 3]), np.array([1, 0, 0]), np.array([3, 2, 1]), 4).tolist()
    [1, 0, -1]
    """
    if a.shape[0] == 0:
        return np.full(qa.shape[0], -1, dtype=np.int64)
    n = np.int64(max(1, n_docs))
    known = a * n + b
    order = np.argsort(known, kind="stable")
    query = qa * n + qb
    pos = np.minimum(np.searchsorted(known[order], query), known.shape[0] - 1)
    return np.where(known[order][pos] == query, order[pos], -1).astype(np.int64)


def _masked_texts(corpus: Corpus, opt: Options, wanted: set[int]) -> Iterator[tuple[int, str]]:
    """Re-read documents ``wanted`` (corpus indices), site furniture blanked as in pass 1."""
    for i, doc in iter_records_by_index(corpus.paths, wanted, id_field=opt.id_field, text_field=opt.text_field,
                                        date_field=opt.date_field, keep_records=False):
        spans = corpus.boilerplate.get(i)
        yield i, mask(doc.text, spans) if spans else doc.text


def _add_terms(corpus: Corpus, opt: Options, docs: np.ndarray) -> None:
    """Content-word sets for a corpus scanned without them (re-reads the documents ``docs``)."""
    sizes = np.zeros(len(corpus), dtype=np.int64)
    chunks: dict[int, np.ndarray] = {}
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        fp = fingerprint_batch([t for _, t in batch], opt.shingle_size, 1, terms=True)
        assert fp.terms is not None and fp.term_offsets is not None
        for k, (d, _) in enumerate(batch):
            chunks[d] = fp.terms[fp.term_offsets[k] : fp.term_offsets[k + 1]]
            sizes[d] = chunks[d].shape[0]
        batch.clear()

    for i, text in _masked_texts(corpus, opt, set(docs.tolist())):
        batch.append((i, text))
        if len(batch) >= opt.batch_docs:
            flush()
    if batch:
        flush()
    corpus.term_offsets = np.zeros(len(corpus) + 1, dtype=np.int64)
    np.cumsum(sizes, out=corpus.term_offsets[1:])
    corpus.terms = np.concatenate([chunks[d] for d in sorted(chunks)]) if chunks else np.zeros(0, dtype=np.uint32)


def _char_offsets(corpus: Corpus, docs: np.ndarray, tok0: np.ndarray, tok1: np.ndarray) -> tuple[np.ndarray,
                                                                                                   np.ndarray]:
    """Token ranges (inclusive) of documents -> ``[start, end)`` character offsets."""
    if docs.shape[0] == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    assert corpus.offsets is not None
    u = np.unique(docs)
    packed, offs = corpus.offsets.get_many(u)
    base = offs[np.searchsorted(u, docs)]
    start = (packed[base + tok0] >> np.uint64(32)).astype(np.int64)
    end = (packed[base + tok1] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return start, end


def dedup(paths: Sequence[PathLike], output: str, keep: str = "first",
          kinds: Sequence[str] = FAMILY_KINDS, options: Options | None = None,
          progress: Progress | None = None, on_message: Callable[[str], None] | None = None,
          result: FindResult | None = None, strip_boilerplate: bool = False) -> tuple[FindResult, int]:
    """Write the input records of one representative per family, fields unchanged, in input order.

    Returns the find result and the number of records written. Text files become
    ``{"id", "text"}`` records. ``strip_boilerplate`` removes recognised site furniture from the
    text field (the only field that then changes); it turns boilerplate detection on.
    """
    opt = options or Options()
    if strip_boilerplate and opt.boilerplate is None:
        opt = replace(opt, boilerplate=True)
    res = result if result is not None else find(paths, kinds, opt, progress, on_message)
    labels = res.cluster_labels(kinds)
    reps = representatives(labels, keep, n_tokens=res.corpus.n_tokens, dates=res.corpus.dates)
    keep_mask = reps == np.arange(len(res.corpus))
    n = 0
    with open_writer(output) as w:
        for _i, doc in iter_records_by_index([os.fspath(p) for p in paths], lambda i: bool(keep_mask[i]),
                                             id_field=opt.id_field, text_field=opt.text_field,
                                             date_field=opt.date_field):
            rec = dict(doc.record) if doc.record is not None else {"id": doc.id, "text": doc.text}
            spans = res.corpus.boilerplate.get(_i) if strip_boilerplate else None
            if spans:
                key = opt.text_field if doc.record is not None else "text"
                rec[key] = strip(doc.text, spans)
            w.write(rec)
            n += 1
    return res, n
