"""A persistent, incremental index: add documents as they arrive, ask what a document reuses.

The index keeps, per document, what batch ``find`` keeps per document in memory (token count,
content hash, the LSH band keys and sampled shingle anchors as postings, the shingle
sequence), in a :class:`~retold.db.IndexStorage` (SQLite by default). A lookup fingerprints
the document with the same kernels as ``find`` (:func:`retold.pipeline._fingerprint`), applies
the same candidate rules and verifies the candidates with the same decision procedure
(:func:`retold.pipeline.verify`). So it reports the same pairs as ``find``, in this precise
sense ("incremental = batch"):

* For a stored document ``d``, ``matches(d)`` is the set of pairs that ``find`` over all
  indexed documents, in insertion order, reports with ``d`` as ``a`` or ``b``: the same
  ``(a, b, kind)``, the same scores, the same passages.
* ``query(text)`` is what ``find`` over the indexed documents *followed by* the text would
  report for that text; the text is always ``b``.
* The document-frequency caps (band keys held by more than ``max_postings`` documents and
  anchors held by more than ``anchor_max_df`` documents are ignored) count the representative
  documents of the whole index *at query time*, plus the queried text for ``query``. A key
  that was selective when a document was added can therefore stop counting later, exactly as
  it would in a batch run over the larger corpus. Pairs are never stored; they are computed
  at read time.
* Exact duplicates: only the first document of an exact group (by insertion order) is
  indexed; the others are reported as ``exact`` pairs with it and take part in nothing else,
  like ``find``.

Re-adding an id that is already in the index skips that document (counted in
:class:`AddResult`); so re-running ``retold index`` on a grown corpus adds only the new ids.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numba
import numpy as np
import orjson

from .boilerplate import boilerplate_spans
from .cluster import parse_date
from .db import DocRow, IndexError_, IndexStorage, SQLiteStorage
from .documents import Document
from .pipeline import _KIND_CODE, FAMILY_KINDS, Options, _fingerprint, mask, verify
from .pipeline import TEXT_REUSE_KINDS as AVAILABLE_KINDS  # the index does not run the paraphrase tier
from .records import Cluster, Pair, Passage

__all__ = ["AddResult", "Index", "IndexError_", "StoredDocument", "UnknownDocument"]

_SURROGATE = re.compile("[\ud800-\udfff]")
#: Options that change what is stored; an index keeps the ones it was created with.
_STORED_OPTIONS = ("shingle_size", "bands", "rows", "anchor_bits", "boilerplate")


class UnknownDocument(KeyError):
    """No document with this id in the index."""

    def __str__(self) -> str:
        return f"no document with id {self.args[0]!r} in the index"


@dataclass
class AddResult:
    """What :meth:`Index.add` did.

    Attributes:
        added: documents stored.
        skipped: documents whose id was already in the index (or earlier in the same call).
        exact: added documents that are exact copies of an earlier one (not indexed again).
        empty: added documents without any token (stored, never matched).
        batches: transactions committed.
        skipped_ids: the ids of the skipped documents.
    """

    added: int = 0
    skipped: int = 0
    exact: int = 0
    empty: int = 0
    batches: int = 0
    skipped_ids: list[str] = field(default_factory=list)

    def merge(self, other: AddResult) -> None:
        self.added += other.added
        self.skipped += other.skipped
        self.exact += other.exact
        self.empty += other.empty
        self.batches += other.batches
        self.skipped_ids.extend(other.skipped_ids)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StoredDocument:
    """A document as the index holds it (``index`` = insertion order; ``representative`` = the
    first document with the same tokens, ``None`` for an empty text)."""

    id: str
    text: str
    date: str | None
    index: int
    n_tokens: int
    representative: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Probe:
    """A document being looked up: its fingerprints and, when stored, its place in the index."""

    id: str
    text: str
    date: str | None
    idx: int  # insertion order; a query text comes after every stored document
    stored: bool
    n_tokens: int
    content: int
    keys: np.ndarray
    anchors: np.ndarray
    shingles: np.ndarray
    tok_offsets: np.ndarray


def _clean(s: str) -> str:
    """Lone surrogates (possible in JSON ``\\ud800`` escapes) cannot be stored as UTF-8; they
    become U+FFFD, one character for one, so character offsets do not move.

    >>> _clean("a\\ud800b")
    'a\\ufffdb'
    """
    return _SURROGATE.sub("\ufffd", s)


def _as_document(d: Document | dict[str, Any]) -> tuple[str, str, str | None]:
    if isinstance(d, Document):
        return _clean(d.id), _clean(d.text), None if d.date is None else _clean(str(d.date))
    if isinstance(d, dict):
        if not isinstance(d.get("id"), str) or not isinstance(d.get("text"), str):
            raise TypeError("a document needs a string 'id' and a string 'text'")
        date = d.get("date")
        return _clean(d["id"]), _clean(d["text"]), None if date is None else _clean(str(date))
    raise TypeError(f"not a document: {type(d).__name__}")


def _evidence(text: str, opt: Options) -> str:
    """The text as ``find`` fingerprints it in its default (partial) pass: single-page
    boilerplate cues blanked out by spaces (offsets unchanged). Site-level line counting needs
    the whole corpus up front, so an incremental index cannot do it; ``find`` does it by default
    only for HTML/WARC input.

    >>> _evidence("Story text\\nShare this article", Options()) == "Story text\\n" + " " * 18
    True
    """
    if opt.boilerplate is False:
        return text
    spans = boilerplate_spans(text, None, None, opt.boilerplate_options)
    return mask(text, spans) if spans else text


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run numba's parallel kernels on the calling thread only, for the duration.

    Why: one document is too little work to share; waking the kernels' worker threads cost
    1-4 ms per call (measured), more than the work itself (0.2 ms). The setting is per calling
    thread, so concurrent requests of the service each run on their own thread.
    """
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _fp(texts: list[str], opt: Options) -> Any:
    """``find``'s pass-1 fingerprints (with passages) of texts, boilerplate cues masked."""
    return _fingerprint([_evidence(t, opt) for t in texts], opt, passages=True)


class Index:
    """An incremental retold index over an :class:`~retold.db.IndexStorage`.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "news.retold")
    >>> text = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> with Index.open(path) as ix:
    ...     r = ix.add([{"id": "a", "text": text}, {"id": "b", "text": text.upper()}])
    ...     r.added, r.exact, [(p.a, p.b, p.kind) for p in ix.matches("a")], ix.check()
    (2, 1, [('a', 'b', 'exact')], [])
    >>> with Index.open(path) as ix:
    ...     ix.add([{"id": "a", "text": "again"}]).skipped, [(p.a, p.b, p.kind) for p in ix.query(text)]
    (1, [('a', 'query', 'exact')])
    """

    def __init__(self, storage: IndexStorage, options: Options):
        self.storage = storage
        self.options = options

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, options: Options | None = None, create: bool = True,
             readonly: bool = False, durable: bool = False) -> Index:
        """Open (or, with ``create``, make) the index at ``path``.

        The options that shape what is stored (shingle size, bands, rows, anchor sampling) are
        fixed when the index is created; the stored ones win over ``options`` afterwards (the
        other, query-time options come from ``options`` when given).

        Raises :class:`~retold.db.NotAnIndexError`, :class:`~retold.db.NewerVersionError` or
        :class:`~retold.db.IndexAccessError` with a message meant for people.
        """
        opt = options or Options()
        new_meta = {"options": orjson.dumps({k: getattr(opt, k) for k in _STORED_OPTIONS}).decode(),
                    "created_by": _version()} if create else None
        storage = SQLiteStorage.open(path, new_meta, readonly=readonly, durable=durable)
        stored = storage.options_json()
        merged = Options(**{**{f.name: getattr(opt, f.name) for f in fields(Options)},
                            **{k: v for k, v in stored.items() if k in _STORED_OPTIONS}})
        return cls(storage, merged)

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.storage.count()

    # -- writing -------------------------------------------------------------------------

    def add(self, documents: Iterable[Document | dict[str, Any]],
            on_batch: Callable[[AddResult, int], None] | None = None) -> AddResult:
        """Store documents, one transaction per batch (``options.batch_docs`` / ``batch_bytes``).

        A document whose id is already stored (or came earlier in this call) is skipped and
        counted. ``on_batch(result_of_batch, characters)`` is called after each commit: from
        then on, that batch survives a crash of the process.
        """
        total = AddResult()
        for batch in self._batches(documents):
            r = self._add_batch(batch)
            total.merge(r)
            if on_batch is not None:
                on_batch(r, sum(len(t) for _, t, _ in batch))
        return total

    def _batches(self, documents: Iterable[Document | dict[str, Any]]) -> Iterator[list[tuple[str, str, str | None]]]:
        batch: list[tuple[str, str, str | None]] = []
        nbytes = 0
        for d in documents:
            item = _as_document(d)
            batch.append(item)
            nbytes += len(item[1])
            if len(batch) >= self.options.batch_docs or nbytes >= self.options.batch_bytes:
                yield batch
                batch, nbytes = [], 0
        if batch:
            yield batch

    def _add_batch(self, batch: list[tuple[str, str, str | None]]) -> AddResult:
        res = AddResult(batches=1)
        # the kernels run before the write lock is taken: writers hold it only to write
        fp = _fp([t for _, t, _ in batch], self.options)
        anchor_start = np.searchsorted(fp.anchor_docs, np.arange(len(batch) + 1))
        with self.storage.writer() as w:
            existing = w.existing_ids([i for i, _, _ in batch])
            base = w.next_idx()
            reps = w.find_reps(fp.content, fp.n_tokens)
            rows: list[DocRow] = []
            post_docs: list[int] = []  # batch positions of new representatives
            post_idx: list[int] = []  # ... and their insertion indices
            seen: set[str] = set()
            for j, (doc_id, text, date) in enumerate(batch):
                if doc_id in existing or doc_id in seen:
                    res.skipped += 1
                    res.skipped_ids.append(doc_id)
                    continue
                seen.add(doc_id)
                idx = base + len(rows)
                n_tok, content = int(fp.n_tokens[j]), int(fp.content[j])
                rep: int | None = None
                if n_tok == 0:
                    res.empty += 1
                else:
                    rep = reps.setdefault((content, n_tok), idx)
                    if rep == idx:
                        post_docs.append(j)
                        post_idx.append(idx)
                    else:
                        res.exact += 1
                rows.append(DocRow(idx, doc_id, date, n_tok, content, rep, text))
            res.added = len(rows)
            if rows:
                w.insert_documents(rows)
            if post_docs:
                new_idx = np.array(post_idx, dtype=np.int64)
                pj = np.array(post_docs, dtype=np.int64)
                w.insert_postings("band", fp.keys[pj].ravel(), np.repeat(new_idx, fp.keys.shape[1]))
                a_parts = [fp.anchors[anchor_start[j] : anchor_start[j + 1]] for j in post_docs]
                a_lens = [a.shape[0] for a in a_parts]
                if sum(a_lens):
                    w.insert_postings("anchor", np.concatenate(a_parts), np.repeat(new_idx, a_lens))
                w.insert_sequences(new_idx.tolist(),
                                   [fp.shingles[fp.sh_offsets[j] : fp.sh_offsets[j + 1]] for j in post_docs])
        return res

    # -- reading -------------------------------------------------------------------------

    def get(self, doc_id: str) -> StoredDocument:
        """The stored document with this id (raises :class:`UnknownDocument`)."""
        with self.storage.snapshot():
            row = self.storage.doc_by_id(doc_id)
            if row is None:
                raise UnknownDocument(doc_id)
            rep = None
            if row.rep is not None:
                rep = row.id if row.rep == row.idx else self.storage.docs_by_idx([row.rep])[row.rep].id
        return StoredDocument(row.id, row.text, row.date, row.idx, row.n_tokens, rep)

    def matches(self, doc_id: str, kinds: Sequence[str] = AVAILABLE_KINDS) -> list[Pair]:
        """The pairs ``find`` over the whole index reports for a stored document, in (a, b)
        insertion order (raises :class:`UnknownDocument`)."""
        kinds = _check_kinds(kinds)
        with self.storage.snapshot():
            row = self.storage.doc_by_id(doc_id)
            if row is None:
                raise UnknownDocument(doc_id)
            with _one_thread():
                return self._related(self._probe(row.id, row.text, row.date, row.idx, True), kinds)

    def query(self, text: str | Document | dict[str, Any], kinds: Sequence[str] = AVAILABLE_KINDS,
              doc_id: str = "query") -> list[Pair]:
        """What a new text reuses from the index (nothing is stored): the pairs ``find`` would
        report for it if it came after every indexed document."""
        kinds = _check_kinds(kinds)
        item = (_clean(doc_id), _clean(text), None) if isinstance(text, str) else _as_document(text)
        with self.storage.snapshot():
            n = self.storage.count()
            with _one_thread():
                return self._related(self._probe(item[0], item[1], item[2], n, False), kinds)

    def cluster(self, doc_id: str) -> Cluster:
        """The reuse family of a document: everything joined to it by exact and near-duplicate
        pairs, members in insertion order, the first one as representative. ``cluster`` is the
        family's first member's insertion index (stable as the index grows only when the
        family does not merge with an older one)."""
        with self.storage.snapshot(), _one_thread():
            row = self.storage.doc_by_id(doc_id)
            if row is None:
                raise UnknownDocument(doc_id)
            family: dict[int, str] = {row.idx: row.id}
            todo = [row.idx]
            rows: dict[int, DocRow] = {row.idx: row}
            while todo:
                cur = rows.get(todo[-1]) or self.storage.docs_by_idx([todo[-1]])[todo[-1]]
                todo.pop()
                probe = self._probe(cur.id, cur.text, cur.date, cur.idx, True)
                for p, ia, ib in self._related(probe, FAMILY_KINDS, with_idx=True):
                    for i, name in ((ia, p.a), (ib, p.b)):
                        if i not in family:
                            family[i] = name
                            todo.append(i)
        order = sorted(family)
        return Cluster(cluster=order[0], representative=family[order[0]], members=[family[i] for i in order])

    # -- the lookup ----------------------------------------------------------------------

    def _probe(self, doc_id: str, text: str, date: str | None, idx: int, stored: bool) -> _Probe:
        fp = _fp([text], self.options)
        return _Probe(doc_id, text, date, idx, stored, int(fp.n_tokens[0]), int(fp.content[0]), fp.keys[0],
                      fp.anchors, fp.shingles, fp.tok_offsets)

    def _related(self, q: _Probe, kinds: tuple[str, ...], with_idx: bool = False) -> list[Any]:
        """Every reported pair involving ``q``, sorted like ``find`` (by a, then b)."""
        if q.n_tokens == 0:
            return []
        st = self.storage
        found: list[tuple[int, int, Pair]] = []
        rep = st.rep_of(q.content, q.n_tokens)
        is_member = rep is not None and rep != q.idx  # rep < idx: an earlier copy holds the group
        if is_member:
            assert rep is not None
            if "exact" in kinds:
                found.append((rep, q.idx, self._exact_pair(rep, q.idx, q)))
        else:
            if "exact" in kinds and q.stored:
                for m, _mid in st.members(q.content, q.n_tokens):
                    if m != q.idx:
                        found.append((q.idx, m, self._exact_pair(q.idx, m, q)))
            if "near_duplicate" in kinds or "partial" in kinds:
                found.extend(self._verified(q, kinds))
        found.sort(key=lambda t: (t[0], t[1]))
        return [(p, a, b) for a, b, p in found] if with_idx else [p for _, _, p in found]

    def _exact_pair(self, a: int, b: int, q: _Probe) -> Pair:
        """The exact pair of representative ``a`` with its later member ``b`` (one of them is ``q``)."""
        other = b if a == q.idx else a
        r = self.storage.docs_by_idx([other])[other]
        (ida, da), (idb, db) = ((q.id, q.date), (r.id, r.date)) if a == q.idx else ((r.id, r.date), (q.id, q.date))
        return Pair(a=ida, b=idb, kind="exact", score=1.0, jaccard=1.0, containment_a=1.0, containment_b=1.0,
                    coverage_a=1.0, coverage_b=1.0, source=_source(ida, da, idb, db))

    def _candidates(self, q: _Probe) -> np.ndarray:
        """Representatives that pass ``find``'s candidate rules with ``q`` (document frequencies
        over the index's representatives, plus ``q`` itself when it is not stored)."""
        opt = self.options
        extra = 0 if q.stored else 1
        rules = [("band", q.keys, opt.min_hits, opt.max_postings),
                 ("anchor", q.anchors, opt.anchor_min_hits, opt.anchor_max_df)]
        out: set[int] = set()
        for kind, keys, min_hits, cap in rules:
            if keys.shape[0] == 0 or cap - extra < 1:
                continue
            hits: Counter[int] = Counter()
            for docs in self.storage.postings(kind, keys, cap - extra + 1):
                df = docs.shape[0] + extra
                if 2 <= df <= cap:
                    hits.update(docs.tolist())
            hits.pop(q.idx, None)
            out.update(d for d, h in hits.items() if h >= min_hits)
        return np.array(sorted(out), dtype=np.int64)

    def _verified(self, q: _Probe, kinds: tuple[str, ...]) -> list[tuple[int, int, Pair]]:
        # Always the full decision of find's default run (every kind, with passages), then
        # filtered: a near-duplicate can be found through an anchor, and the kinds change
        # what find fingerprints, so a narrower run would not be "the same pairs".
        cand = self._candidates(q)
        if cand.shape[0] == 0:
            return []
        seq_of = self.storage.sequences(cand.tolist())
        rows = self.storage.docs_by_idx(cand.tolist())
        docs = np.sort(np.concatenate([cand, [q.idx]]))  # local order = insertion order
        seqs_list = [q.shingles if d == q.idx else seq_of[int(d)] for d in docs.tolist()]
        ntok = np.array([q.n_tokens if d == q.idx else rows[int(d)].n_tokens for d in docs.tolist()], dtype=np.int64)
        offs = np.zeros(docs.shape[0] + 1, dtype=np.int64)
        np.cumsum([s.shape[0] for s in seqs_list], out=offs[1:])
        seqs = np.concatenate(seqs_list).astype(np.uint64, copy=False)
        qi = int(np.searchsorted(docs, q.idx))
        other = np.flatnonzero(docs != q.idx)
        la = np.where(other < qi, other, qi).astype(np.int64)
        lb = np.where(other < qi, qi, other).astype(np.int64)
        v = verify(seqs, offs, ntok, la, lb, self.options, AVAILABLE_KINDS, passages=True)
        wanted = np.array([_KIND_CODE[k] for k in kinds], dtype=np.int8)
        keep = np.flatnonzero(np.isin(v.kind, wanted))
        if keep.shape[0] == 0:
            return []
        char_offsets = self._token_offsets(q, [int(docs[x]) for x in other[keep]], rows)
        out = []
        for i in keep.tolist():
            ia, ib = int(docs[la[i]]), int(docs[lb[i]])
            ra = (q.id, q.date) if ia == q.idx else (rows[ia].id, rows[ia].date)
            rb = (q.id, q.date) if ib == q.idx else (rows[ib].id, rows[ib].date)
            passages = []
            for j in np.flatnonzero(v.p_pair == i).tolist():
                a0, a1 = _chars(char_offsets[ia], int(v.p_a0[j]), int(v.p_a1[j]))
                b0, b1 = _chars(char_offsets[ib], int(v.p_b0[j]), int(v.p_b1[j]))
                passages.append(Passage(a0, a1, b0, b1, "verbatim" if v.p_verbatim[j] else "near_verbatim",
                                        float(v.p_score[j])))
            passages.sort(key=lambda p: (p.a_start, p.b_start))
            sc = v.scores
            out.append((ia, ib, Pair(a=ra[0], b=rb[0], kind=AVAILABLE_KINDS[v.kind[i]], score=float(v.score[i]),
                                     jaccard=float(sc.jaccard[i]), containment_a=float(sc.containment_a[i]),
                                     containment_b=float(sc.containment_b[i]), coverage_a=float(sc.coverage_a[i]),
                                     coverage_b=float(sc.coverage_b[i]), source=_source(ra[0], ra[1], rb[0], rb[1]),
                                     passages=passages)))
        return out

    def _token_offsets(self, q: _Probe, docs: list[int], rows: dict[int, DocRow]) -> dict[int, np.ndarray]:
        """Packed token character offsets of ``q`` and of ``docs``: recomputed from the stored
        texts (a pure function of the text, so the file need not hold them)."""
        out = {q.idx: q.tok_offsets}
        uniq = sorted(set(docs))
        if uniq:
            fp = _fp([rows[d].text for d in uniq], self.options)
            for x, d in enumerate(uniq):
                out[d] = fp.tok_offsets[fp.tok_bounds[x] : fp.tok_bounds[x + 1]]
        return out

    # -- consistency ---------------------------------------------------------------------

    def check(self, batch: int = 2048) -> list[str]:
        """Problems found when the index is rebuilt in memory from its own documents (empty
        list = consistent): SQLite's own check; insertion indices 0..n-1 without gaps; token
        counts and content hashes; exact-group representatives; the band and anchor postings
        and shingle sequences of every representative (and none for the other documents)."""
        st = self.storage
        problems = list(st.integrity())
        meta = st.meta
        if meta.get("magic") != "retold-index":
            problems.append("meta: wrong magic")
        first_of: dict[tuple[int, int], int] = {}
        exp: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"band": [], "anchor": []}
        reps: list[int] = []
        expected_idx = 0
        with st.snapshot():
            for rows in st.iter_documents(batch):
                problems.extend(self._check_batch(rows, expected_idx, first_of, exp, reps))
                expected_idx = rows[-1].idx + 1
            for kind in ("band", "anchor"):
                problems.extend(self._check_postings(kind, exp[kind]))
            got = st.sequence_docs()
            want = np.array(reps, dtype=np.int64)
            if got.shape != want.shape or not np.array_equal(got, want):
                extra = np.setdiff1d(got, want)[:5].tolist()
                missing = np.setdiff1d(want, got)[:5].tolist()
                problems.append(f"sequences: held for documents {extra}..., missing for {missing}...")
        return problems

    def _check_batch(self, rows: list[DocRow], expected_idx: int, first_of: dict[tuple[int, int], int],
                     exp: dict[str, list[tuple[np.ndarray, np.ndarray]]], reps: list[int]) -> list[str]:
        problems: list[str] = []
        fp = _fp([r.text for r in rows], self.options)
        anchor_start = np.searchsorted(fp.anchor_docs, np.arange(len(rows) + 1))
        rep_rows: list[int] = []
        for j, r in enumerate(rows):
            if r.idx != expected_idx + j:
                problems.append(f"document {r.id!r}: insertion index {r.idx}, expected {expected_idx + j}")
                expected_idx = r.idx - j
            if r.n_tokens != int(fp.n_tokens[j]) or r.content != int(fp.content[j]):
                problems.append(f"document {r.id!r}: stored token count/content hash do not match its text")
            want_rep = None if fp.n_tokens[j] == 0 else first_of.setdefault((int(fp.content[j]),
                                                                             int(fp.n_tokens[j])), r.idx)
            if r.rep != want_rep:
                problems.append(f"document {r.id!r}: representative {r.rep}, expected {want_rep}")
            if want_rep == r.idx:
                rep_rows.append(j)
        if rep_rows:
            idx = np.array([rows[j].idx for j in rep_rows], dtype=np.int64)
            exp["band"].append((fp.keys[rep_rows].ravel(), np.repeat(idx, fp.keys.shape[1])))
            parts = [fp.anchors[anchor_start[j] : anchor_start[j + 1]] for j in rep_rows]
            exp["anchor"].append((np.concatenate(parts), np.repeat(idx, [p.shape[0] for p in parts])))
            stored = self.storage.sequences(idx.tolist())
            for j, d in zip(rep_rows, idx.tolist()):
                want = fp.shingles[fp.sh_offsets[j] : fp.sh_offsets[j + 1]]
                got = stored.get(d)
                if got is not None and not np.array_equal(got, want):
                    problems.append(f"document {rows[j].id!r}: stored shingle sequence does not match its text")
            reps.extend(idx.tolist())
        return problems

    def _check_postings(self, kind: str, parts: list[tuple[np.ndarray, np.ndarray]]) -> list[str]:
        wk = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.uint64)
        wd = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        gk, gd = self.storage.all_postings(kind)
        # (key, doc) pairs are unique on both sides: compare them as sorted structured rows
        want = np.unique(np.rec.fromarrays([wk, wd], names="k,d"))
        got = np.unique(np.rec.fromarrays([gk, gd], names="k,d"))
        if want.shape == got.shape and np.array_equal(want, got):
            return []
        missing = np.setdiff1d(want, got)
        extra = np.setdiff1d(got, want)
        return [f"{kind} postings: {missing.shape[0]} missing, {extra.shape[0]} unexpected "
                f"(documents {sorted(set(missing['d'].tolist()) | set(extra['d'].tolist()))[:5]}...)"]


def _chars(packed: np.ndarray, t0: int, t1: int) -> tuple[int, int]:
    """Token range ``[t0, t1]`` (inclusive) -> ``[start, end)`` characters, as ``find`` does."""
    return int(packed[t0] >> np.uint64(32)), int(packed[t1] & np.uint64(0xFFFFFFFF))


def _source(ida: str, da: str | None, idb: str, db: str | None) -> str | None:
    """The earlier-dated document of a pair, like :meth:`retold.pipeline.FindResult.source_of`.

    >>> _source("a", "2020-01-02", "b", "2020-01-01"), _source("a", None, "b", "2020-01-01")
    ('b', None)
    """
    pa, pb = parse_date(da), parse_date(db)
    if pa is None or pb is None or pa == pb:
        return None
    return ida if pa < pb else idb


def _check_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    ks = tuple(kinds)
    bad = [k for k in ks if k not in _KIND_CODE]
    if bad or not ks:
        raise ValueError(f"unknown kinds {bad}; available: {', '.join(AVAILABLE_KINDS)}")
    return ks


def _version() -> str:
    from . import __version__

    return __version__
