"""The incremental engine: a persistent index that grows as documents arrive and answers what
a document reuses, with the same stages as batch ``find``.

The index keeps, per document, what batch ``find`` keeps per document in memory (token count,
content hash, the LSH band keys, sampled shingle anchors and content words as postings, the
shingle sequence) in an :class:`~retold.engine.index_storage.IndexStorage` (SQLite by
default). A lookup signs the document with the same stage (:func:`retold.stages.sign.sign`),
applies the same candidate rule (:func:`retold.stages.candidates.probe_hits`), decides with the
same stage (:func:`retold.stages.decide.decide`) and runs the same paraphrase tier
(:func:`retold.stages.paraphrase.paraphrase_tier`). So it reports the same pairs as ``find``
with the same kinds, in this precise sense ("incremental = batch"):

* For a stored document ``d``, ``matches(d)`` is the set of pairs that ``find`` over all
  indexed documents, in insertion order, reports with ``d`` as ``a`` or ``b``: the same
  ``(a, b, kind)``, the same scores, the same passages.
* ``query(text)`` is what ``find`` over the indexed documents *followed by* the text would
  report for that text; the text is always ``b``.
* The document-frequency caps (keys held by more documents than a rule allows are ignored)
  count the representative documents of the whole index *at query time*, plus the queried
  text for ``query``. A key that was selective when a document was added can therefore stop
  counting later, exactly as it would in a batch run over the larger corpus. Pairs are never
  stored; they are computed at read time.
* Exact duplicates: only the first document of an exact group (by insertion order) is
  indexed; the others are reported as ``exact`` pairs with it and take part in nothing else,
  like ``find``.
* Site furniture: single-page cues are masked, as ``find`` does by default for input other
  than HTML/WARC; lines repeated across a site need the whole corpus up front, which an
  incremental index does not have.

Re-adding an id that is already in the index skips that document (counted in
:class:`AddResult`); so re-running ``retold index`` on a grown corpus adds only the new ids.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import orjson

from ..candidates import set_overlap
from ..jit import serial
from ..model import FAMILY_KINDS, KINDS, Options, PairTable, Plan
from ..readers import Document
from ..records import Cluster, Pair
from ..stages import assemble, decide, exact, sign
from ..stages.candidates import Rule, agreement_filter, anchor_rule, band_rule, probe_hits
from ..stages.sign import Signed, doc_slice
from ..text import word_counts
from .index_storage import SCHEMA_VERSION, DamagedIndexError, DocRow, IndexError_, IndexStorage, SQLiteStorage

__all__ = ["AddResult", "Index", "IndexError_", "StoredDocument", "UnknownDocument"]

_SURROGATE = re.compile("[\ud800-\udfff]")
#: Options that change what is stored; an index keeps the ones it was created with.
_STORED_OPTIONS = ("shingle_size", "bands", "rows", "anchor_bits")
#: What the index stores of every document: the evidence of every kind.
_STORE_PLAN = Plan.for_kinds(KINDS, embedder="lexical")
#: What the band candidates' agreement test needs of a stored document: its signature only.
_SKETCH_PLAN = Plan.for_kinds(FAMILY_KINDS)


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
    """A document being looked up: its signing and, when stored, its place in the index."""

    id: str
    text: str  # as the stages see it (furniture masked)
    date: str | None
    idx: int  # insertion order; a query text comes after every stored document
    stored: bool
    signed: Signed

    @property
    def n_tokens(self) -> int:
        return int(self.signed.n_tokens[0])

    @property
    def content(self) -> int:
        return int(self.signed.content[0])


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


class Index:
    """An incremental retold index over an :class:`~retold.engine.index_storage.IndexStorage`.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "news.retold")
    >>> text = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> with Index.open(path, embedder="lexical") as ix:
    ...     r = ix.add([{"id": "a", "text": text}, {"id": "b", "text": text.upper()}])
    ...     r.added, r.exact, [(p.a, p.b, p.kind) for p in ix.matches("a")], ix.check()
    (2, 1, [('a', 'b', 'exact')], [])
    >>> with Index.open(path, embedder="lexical") as ix:
    ...     ix.add([{"id": "a", "text": "again"}]).skipped, [(p.a, p.b, p.kind) for p in ix.query(text)]
    (1, [('a', 'query', 'exact')])
    """

    def __init__(self, storage: IndexStorage, options: Options, embedder: str | None = None,
                 batch_docs: int = 4096, batch_bytes: int = 16 << 20):
        self.storage = storage
        self.options = options
        self.embedder = embedder
        self.batch_docs = batch_docs
        self.batch_bytes = batch_bytes

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, options: Options | None = None, create: bool = True,
             readonly: bool = False, durable: bool = False, embedder: str | None = None) -> Index:
        """Open (or, with ``create``, make) the index at ``path``.

        The options that shape what is stored (shingle size, bands, rows, anchor sampling) are
        fixed when the index is created; the stored ones win over ``options`` afterwards (the
        other, query-time thresholds come from ``options`` when given). ``embedder``: the
        sentence similarity of the paraphrase tier (see :data:`retold.model.EMBEDDERS`).

        Raises :class:`~retold.engine.index_storage.NotAnIndexError`,
        :class:`~retold.engine.index_storage.NewerVersionError` or
        :class:`~retold.engine.index_storage.IndexAccessError` with a message meant for people.
        """
        opt = options or Options()
        new_meta = {"options": orjson.dumps({k: getattr(opt, k) for k in _STORED_OPTIONS}).decode(),
                    "created_by": _version()} if create else None
        storage = SQLiteStorage.open(path, new_meta, readonly=readonly, durable=durable)
        stored = storage.options_json()
        merged = Options(**{**{f.name: getattr(opt, f.name) for f in fields(Options)},
                            **{k: v for k, v in stored.items() if k in _STORED_OPTIONS}})
        ix = cls(storage, merged, embedder)
        if storage.needs_upgrade():
            ix._upgrade()
        return ix

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.storage.count()

    def _sign(self, texts: list[str]) -> tuple[list[str], Signed]:
        """The texts as the stages see them (single-page furniture masked) and their signing."""
        masked, _ = sign.evidence_batch(texts, [None] * len(texts), None, _STORE_PLAN, self.options)
        return masked, sign.sign(masked, self.options, _STORE_PLAN)

    def _upgrade(self) -> None:
        """Give an index made before content words were stored (schema 1) its content-word
        postings, from the stored texts, in one transaction."""
        with self.storage.writer() as w:
            w.set_schema_version()
            for rows in self.storage.iter_documents(2048):
                reps = [r for r in rows if r.rep == r.idx]
                if reps:
                    _, s = self._sign([r.text for r in reps])
                    self._insert_terms(w, s, list(range(len(reps))), [r.idx for r in reps])
        self.storage.meta["schema_version"] = str(SCHEMA_VERSION)

    @staticmethod
    def _insert_terms(w: Any, s: Signed, batch_pos: list[int], idx: list[int]) -> None:
        assert s.terms is not None and s.term_offsets is not None
        parts = [doc_slice(s.terms, s.term_offsets, j) for j in batch_pos]
        lens = [p.shape[0] for p in parts]
        if sum(lens):
            w.insert_postings("term", np.concatenate(parts).astype(np.uint64), np.repeat(np.asarray(idx), lens))

    # -- writing -------------------------------------------------------------------------

    def add(self, documents: Iterable[Document | dict[str, Any]],
            on_batch: Callable[[AddResult, int], None] | None = None) -> AddResult:
        """Store documents, one transaction per batch.

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
            if len(batch) >= self.batch_docs or nbytes >= self.batch_bytes:
                yield batch
                batch, nbytes = [], 0
        if batch:
            yield batch

    def _add_batch(self, batch: list[tuple[str, str, str | None]]) -> AddResult:
        res = AddResult(batches=1)
        # the kernels run before the write lock is taken: writers hold it only to write
        _, fp = self._sign([t for _, t, _ in batch])
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
                self._insert_terms(w, fp, post_docs, post_idx)
                w.insert_sequences(new_idx.tolist(), [doc_slice(fp.shingles, fp.sh_offsets, j) for j in post_docs])
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

    def _plan(self, kinds: str | Iterable[str] | None, families: bool = False) -> Plan:
        return Plan.for_kinds(kinds, embedder=self.embedder, families=families)

    def matches(self, doc_id: str, kinds: str | Iterable[str] | None = None) -> list[Pair]:
        """The pairs ``find`` over the whole index reports for a stored document (with the same
        kinds, default all), in (a, b) insertion order (raises :class:`UnknownDocument`)."""
        plan = self._plan(kinds)
        with self.storage.snapshot():
            row = self.storage.doc_by_id(doc_id)
            if row is None:
                raise UnknownDocument(doc_id)
            with serial():
                return [p for p, _, _ in self._related(self._probe(row.id, row.text, row.date, row.idx, True), plan)]

    def query(self, text: str | Document | dict[str, Any], kinds: str | Iterable[str] | None = None,
              doc_id: str = "query") -> list[Pair]:
        """What a new text reuses from the index (nothing is stored): the pairs ``find`` would
        report for it if it came after every indexed document."""
        plan = self._plan(kinds)
        item = (_clean(doc_id), _clean(text), None) if isinstance(text, str) else _as_document(text)
        with self.storage.snapshot():
            n = self.storage.count()
            with serial():
                return [p for p, _, _ in self._related(self._probe(item[0], item[1], item[2], n, False), plan)]

    def cluster(self, doc_id: str) -> Cluster:
        """The reuse family of a document: everything joined to it by exact and near-duplicate
        pairs (as ``retold clusters`` joins them), members in insertion order, the first one as
        representative. ``cluster`` is the family's first member's insertion index (stable as
        the index grows only when the family does not merge with an older one)."""
        plan = self._plan(FAMILY_KINDS, families=True)
        with self.storage.snapshot(), serial():
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
                for p, ia, ib in self._related(probe, plan):
                    for i, name in ((ia, p.a), (ib, p.b)):
                        if i not in family:
                            family[i] = name
                            todo.append(i)
        order = sorted(family)
        return Cluster(cluster=order[0], representative=family[order[0]], members=[family[i] for i in order])

    # -- the lookup ----------------------------------------------------------------------

    def _probe(self, doc_id: str, text: str, date: str | None, idx: int, stored: bool) -> _Probe:
        masked, s = self._sign([text])
        return _Probe(doc_id, masked[0], date, idx, stored, s)

    def _related(self, q: _Probe, plan: Plan) -> list[tuple[Pair, int, int]]:
        """Every reported pair involving ``q``, sorted like ``find`` (by a, then b), with the
        insertion indices of both sides."""
        if q.n_tokens == 0:
            return []
        st = self.storage
        rep = st.rep_of(q.content, q.n_tokens)
        if rep is not None and rep != q.idx:  # rep < idx: an earlier copy holds the group
            if not plan.reports("exact"):
                return []
            return self._records(exact.exact_pairs(np.zeros(2, dtype=np.int64)), [rep, q.idx], q)
        docs = [q.idx]
        parts: list[PairTable] = []
        if plan.reports("exact") and q.stored:
            docs += [m for m, _ in st.members(q.content, q.n_tokens) if m != q.idx]
            parts.append(exact.exact_pairs(np.zeros(len(docs), dtype=np.int64)))  # q and its later copies
        local_of: dict[int, int] = {d: i for i, d in enumerate(docs)}
        texts: dict[int, str] = {0: q.text}
        if plan.bands:
            table, cand_rows = self._verified(q, plan, local_of, docs)
            parts.append(table)
            texts.update({local_of[i]: r.text for i, r in cand_rows.items()})
        table = replace(PairTable.concat(parts), has_passages=plan.passages)
        if plan.paraphrase:
            table = self._paraphrase(q, plan, table, local_of, docs, texts)
        return self._records(table.filter_kinds(plan.kinds), docs, q)

    def _records(self, table: PairTable, docs: list[int], q: _Probe) -> list[tuple[Pair, int, int]]:
        """Records of a table over local document numbers ``docs`` (insertion indices), sorted by
        the insertion indices of (a, b); local pairs are oriented so that a comes first."""
        if len(table) == 0:
            return []
        idx = np.asarray(docs, dtype=np.int64)
        rows = self.storage.docs_by_idx([d for d in docs if d != q.idx])
        ids = [q.id if d == q.idx else rows[d].id for d in docs]
        dates = [q.date if d == q.idx else rows[d].date for d in docs]
        # local numbers follow no order: sort rows by insertion index for find's (a, b) order
        order = np.lexsort((idx[table.b], idx[table.a]))
        t = table.take(order)
        p = t.passages
        t = replace(t, passages=p.take(np.lexsort((p.b_start, p.a_start, p.pair))))
        return [(pair, int(idx[a]), int(idx[b])) for pair, a, b in
                zip(assemble.records(t, ids, dates), t.a.tolist(), t.b.tolist())]

    def _candidates(self, q: _Probe, plan: Plan) -> np.ndarray:
        """Representatives that pass ``find``'s candidate rule with ``q`` (document frequencies
        over the index's representatives, plus ``q`` itself when it is not stored)."""
        band = band_rule(self.options)
        cand = self._agreeing(q, self._probe_rules(q, [("band", q.signed.keys[0], band)]), band)
        if plan.anchors:
            anchored = self._probe_rules(q, [("anchor", q.signed.anchors, anchor_rule(self.options))])
            cand = np.union1d(cand, anchored)
        return cand

    def _agreeing(self, q: _Probe, cand: np.ndarray, rule: Rule) -> np.ndarray:
        """The band candidates whose signature bins agree with ``q``'s as the rule requires (the
        stored documents' bins are recomputed from their texts: a pure function of the text)."""
        if cand.shape[0] == 0 or rule.agreeing_bins(q.signed.sketch.shape[1]) == 0:
            return cand
        rows = self.storage.docs_by_idx(cand.tolist())
        masked, _ = sign.evidence_batch([rows[int(d)].text for d in cand.tolist()], [None] * cand.shape[0], None,
                                        _STORE_PLAN, self.options)
        other = sign.sign(masked, self.options, _SKETCH_PLAN)
        return cand[agreement_filter(q.signed.sketch[0], q.n_tokens, other.sketch, other.n_tokens, rule)]

    def _probe_rules(self, q: _Probe, rules: list[tuple[str, np.ndarray, Rule]]) -> np.ndarray:
        extra = 0 if q.stored else 1
        out: set[int] = set()
        for kind, keys, rule in rules:
            if keys.shape[0] == 0 or rule.max_df - extra < 1:
                continue
            lists = self.storage.postings(kind, keys, rule.max_df - extra + 1)
            out.update(probe_hits(lists, rule, extra, q.idx).tolist())
        return np.array(sorted(out), dtype=np.int64)

    #: Candidates verified together; between groups the storage is read again, which is where a
    #: caller's time budget (``storage.budget``) can stop a long lookup.
    VERIFY_GROUP = 512

    def _verified(self, q: _Probe, plan: Plan, local_of: dict[int, int], docs: list[int]
                  ) -> tuple[PairTable, dict[int, DocRow]]:
        """Decide ``q`` against its candidates, :data:`VERIFY_GROUP` at a time; the table is over
        local document numbers."""
        cand = self._candidates(q, plan)
        if cand.shape[0] == 0:
            return PairTable(has_passages=plan.passages), {}
        tables: list[PairTable] = []
        rows: dict[int, DocRow] = {}
        for s in range(0, cand.shape[0], self.VERIFY_GROUP):
            table, group_rows = self._verified_group(q, plan, local_of, docs, cand[s : s + self.VERIFY_GROUP])
            tables.append(table)
            rows.update(group_rows)
        return PairTable.concat(tables), rows

    def _verified_group(self, q: _Probe, plan: Plan, local_of: dict[int, int], docs: list[int],
                        cand: np.ndarray) -> tuple[PairTable, dict[int, DocRow]]:
        seq_of = self.storage.sequences(cand.tolist())
        rows = self.storage.docs_by_idx(cand.tolist())
        for d in cand.tolist():
            if d not in local_of:
                local_of[d] = len(docs)
                docs.append(d)
        order = np.sort(np.concatenate([cand, [q.idx]]))  # insertion order: a is the earlier one
        s = q.signed
        seqs_list = [doc_slice(s.shingles, s.sh_offsets, 0) if d == q.idx else seq_of[int(d)] for d in order.tolist()]
        ntok = np.array([q.n_tokens if d == q.idx else rows[int(d)].n_tokens for d in order.tolist()], dtype=np.int64)
        offs = np.zeros(order.shape[0] + 1, dtype=np.int64)
        np.cumsum([x.shape[0] for x in seqs_list], out=offs[1:])
        seqs = np.concatenate(seqs_list).astype(np.uint64, copy=False)
        qi = int(np.searchsorted(order, q.idx))
        other = np.flatnonzero(order != q.idx)
        la = np.where(other < qi, other, qi).astype(np.int64)
        lb = np.where(other < qi, qi, other).astype(np.int64)
        # words as find counts them (Chinese and Japanese characters are not words): from the
        # texts as the stages saw them
        others = [int(d) for d in order.tolist() if d != q.idx]
        masked, _ = sign.evidence_batch([rows[d].text for d in others], [None] * len(others), None, _STORE_PLAN,
                                        self.options)
        counted = dict(zip(others, word_counts(masked, np.array([rows[d].n_tokens for d in others]))))
        assert q.signed.n_words is not None
        nwords = np.array([float(q.signed.n_words[0]) if d == q.idx else counted[int(d)] for d in order.tolist()])
        d = decide.decide(seqs, offs, ntok, la, lb, self.options, plan, n_words=nwords)
        ga, gb = order[la], order[lb]
        chars = (None, None)
        if plan.passages:
            packed, base = self._token_offsets(q, order, rows)
            chars = (assemble.char_spans(packed, base[la[d.p_pair]], d.p_a0, d.p_a1),
                     assemble.char_spans(packed, base[lb[d.p_pair]], d.p_b0, d.p_b1))
        table = assemble.decided_table(np.array([local_of[int(x)] for x in ga.tolist()], dtype=np.int64),
                                       np.array([local_of[int(x)] for x in gb.tolist()], dtype=np.int64), d, *chars)
        return table, rows

    def _token_offsets(self, q: _Probe, order: np.ndarray, rows: dict[int, DocRow]) -> tuple[np.ndarray, np.ndarray]:
        """Packed token character offsets of the documents ``order`` (q among them), and where
        each starts: recomputed from the stored texts (a pure function of the text, so the file
        need not hold them)."""
        others = [int(d) for d in order.tolist() if d != q.idx]
        _, s = self._sign([rows[d].text for d in others]) if others else (None, None)
        parts, base, pos, k = [], np.zeros(order.shape[0], dtype=np.int64), 0, 0
        for i, d in enumerate(order.tolist()):
            if d == q.idx:
                assert q.signed.tok_offsets is not None
                part = q.signed.tok_offsets
            else:
                assert s is not None and s.tok_offsets is not None and s.tok_bounds is not None
                part = doc_slice(s.tok_offsets, s.tok_bounds, k)
                k += 1
            base[i] = pos
            pos += part.shape[0]
            parts.append(part)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64), base

    def _paraphrase(self, q: _Probe, plan: Plan, table: PairTable, local_of: dict[int, int], docs: list[int],
                    texts: dict[int, str]) -> PairTable:
        """The paraphrase tier on ``q`` and the documents sharing enough rare content words."""
        from ..paraphrase import resolve_embedder
        from ..stages.paraphrase import paraphrase_options, paraphrase_tier

        popt = paraphrase_options(self.options)
        s = q.signed
        assert s.terms is not None and s.term_offsets is not None
        q_terms = doc_slice(s.terms, s.term_offsets, 0)
        cand = self._probe_rules(q, [("term", q_terms.astype(np.uint64), Rule(popt.min_shared_terms,
                                                                              popt.max_term_df))])
        if cand.shape[0] == 0:
            return table
        rows = self.storage.docs_by_idx(cand.tolist())
        masked, cs = self._sign([rows[int(d)].text for d in cand.tolist()])
        assert cs.terms is not None and cs.term_offsets is not None
        # content-word containment on the full sets, as the batch rule computes it
        sets = np.concatenate([q_terms, cs.terms])
        offs = np.concatenate([[0], cs.term_offsets + q_terms.shape[0]])
        n = cand.shape[0]
        overlap = set_overlap(sets, offs, np.zeros(n, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64))
        size = np.diff(offs)
        cont = overlap / np.maximum(1, np.minimum(size[0], size[1:]))
        keep = np.flatnonzero(cont >= popt.min_term_containment)
        if keep.shape[0] == 0:
            return table
        for j in keep.tolist():
            d = int(cand[j])
            if d not in local_of:
                local_of[d] = len(docs)
                docs.append(d)
            texts[local_of[d]] = masked[j]
        # pairs oriented as find orients them: a is the earlier document
        pairs = [(0, local_of[int(cand[j])]) if q.idx < cand[j] else (local_of[int(cand[j])], 0)
                 for j in keep.tolist()]
        return paraphrase_tier(table, np.array([a for a, _ in pairs], dtype=np.int64),
                               np.array([b for _, b in pairs], dtype=np.int64), len(docs),
                               lambda wanted: {d: texts[d] for d in wanted}, self.options,
                               resolve_embedder(plan.embedder))

    # -- consistency ---------------------------------------------------------------------

    def check(self, batch: int = 2048) -> list[str]:
        """Problems found when the index is rebuilt in memory from its own documents (empty
        list = consistent): SQLite's own check; insertion indices 0..n-1 without gaps; token
        counts and content hashes; exact-group representatives; the band, anchor and
        content-word postings and shingle sequences of every representative (and none for the
        other documents)."""
        st = self.storage
        problems = list(st.integrity())
        meta = st.meta
        if meta.get("magic") != "retold-index":
            problems.append("meta: wrong magic")
        first_of: dict[tuple[int, int], int] = {}
        exp: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"band": [], "anchor": [], "term": []}
        reps: list[int] = []
        expected_idx = 0
        with st.snapshot():
            for rows in st.iter_documents(batch):
                problems.extend(self._check_batch(rows, expected_idx, first_of, exp, reps))
                expected_idx = rows[-1].idx + 1
            for kind in ("band", "anchor", "term"):
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
        _, fp = self._sign([r.text for r in rows])
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
            assert fp.terms is not None and fp.term_offsets is not None
            tparts = [doc_slice(fp.terms, fp.term_offsets, j).astype(np.uint64) for j in rep_rows]
            exp["term"].append((np.concatenate(tparts), np.repeat(idx, [p.shape[0] for p in tparts])))
            try:
                stored = self.storage.sequences(idx.tolist())
            except DamagedIndexError:  # report every damaged blob, and go on checking the rest
                stored = {}
                for d in idx.tolist():
                    try:
                        stored.update(self.storage.sequences([d]))
                    except DamagedIndexError as e:
                        problems.append(str(e))
            for j, d in zip(rep_rows, idx.tolist()):
                want = doc_slice(fp.shingles, fp.sh_offsets, j)
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
        want = np.unique(np.rec.fromarrays([wk.astype(np.uint64), wd], names="k,d"))
        got = np.unique(np.rec.fromarrays([gk, gd], names="k,d"))
        if want.shape == got.shape and np.array_equal(want, got):
            return []
        missing = np.setdiff1d(want, got)
        extra = np.setdiff1d(got, want)
        return [f"{kind} postings: {missing.shape[0]} missing, {extra.shape[0]} unexpected "
                f"(documents {sorted(set(missing['d'].tolist()) | set(extra['d'].tolist()))[:5]}...)"]


def _version() -> str:
    from ..version import __version__

    return __version__
