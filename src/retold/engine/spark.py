"""The Spark engine: the same stages as the local engine, run in Spark partitions, with the same
records as the result.

Every decision is a call into :mod:`retold.stages` (or the kernels they name) inside
``mapInArrow``; Spark only moves the data between them: shuffles put together what a stage needs
(the documents of a site, the holders of a key, the two documents of a pair) and joins bring
columns back. Nothing the size of the corpus comes to the driver: it holds one small row per
input file, the first reader messages and a few counts.

==============  =================================================================  ==================
stage           what runs where                                                    shuffled
==============  =================================================================  ==================
list            the driver lists the inputs (local paths, or any Hadoop URI)       --
read            one task per input file: the readers of :mod:`retold.readers`,     documents (text)
                documents numbered in read order from per-file counts
ids             ids that may collide (same part before the first ``#``) are        (index, id) of
                folded in read order, as one read would (``#2``, ``#3``...)         colliding ids
sites           (site furniture) an ordered fold per site: ``count_lines``          texts by site
sign            furniture masked, fingerprints (``stages.sign``)                    --
exact           groups by (content hash, tokens) -> lowest index (``stages.exact``)  (hash, count)
candidates      postings by key -> ``key_pairs``; hits summed by pair ->            (key, doc),
                ``enough_hits`` (``stages.candidates``, the one rule)               (pair, hits)
decide          both documents' shingles joined to each pair -> ``stages.decide``   shingles x pairs
paraphrase      content-word candidates as above, texts joined to each pair ->     terms, texts x
                ``stages.paraphrase.paraphrase_tier``; with MiniLM a first pass    pairs (twice
                (``cascade_needs``) unites per document the sentences MiniLM       with MiniLM),
                reads, as one local call would; models load once per worker        (doc, sentence)
assemble        ids joined, sorted by (a, b), ``stages.assemble.records``           pairs (sort)
clusters        large-star/small-star connected components in DataFrames,          edges x rounds
                ``cluster.representatives`` per family
==============  =================================================================  ==================

Input paths without a scheme are local files, opened by the executors (local mode, or a file
system mounted on every node); any URI (``hdfs://``, ``s3a://``, ``file://``...) is listed through
Hadoop on the driver and its files are fetched with Spark's ``binaryFile`` source (a file must then
fit in an executor's memory; in directories, names starting with ``_`` or ``.`` are hidden, as in
every Spark reader). Outputs are written by Spark: a Parquet dataset directory, or JSONL part
files (``part-*.jsonl``, ``.jsonl.gz``) in a directory named as the output.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pyarrow as pa

from ..boilerplate import LineCounts, count_lines, mask, strip
from ..cluster import KEEP_RULES, representatives
from ..model import FAMILY_KINDS, KIND_CODE, Fields, Options, PairTable, PassageTable, Plan, parse_kinds
from ..paraphrase import cascade_runs
from ..readers import MAX_MESSAGES, Document, ReadContext, ReadStats, format_for, list_dir, read_file
from ..records import Cluster, Pair, output_format
from ..stages import assemble, candidates, decide, exact, sign
from ..stages import paraphrase as tier
from .local import site_of_document

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

PathLike = str | os.PathLike
#: What ``mapInArrow`` runs: a partition's Arrow batches in, batches out.
BatchFn = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]

# -- Arrow layouts of the frames that stages exchange ---------------------------------------------

PASSAGE_TYPE = pa.struct([("a_start", pa.int64()), ("a_end", pa.int64()), ("b_start", pa.int64()),
                          ("b_end", pa.int64()), ("score", pa.float64()), ("kind", pa.int8())])
PAIR_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64()), ("kind", pa.int8())]
                        + [(c, pa.float64()) for c in PairTable.COLUMNS[3:]]
                        + [("passages", pa.list_(PASSAGE_TYPE))])
PAIR_DDL = ("a long, b long, kind byte, " + ", ".join(f"{c} double" for c in PairTable.COLUMNS[3:])
            + ", passages array<struct<a_start:long,a_end:long,b_start:long,b_end:long,score:double,kind:byte>>")

# what the read stage emits: documents, messages and one row of counts per input file
_DOC, _MSG, _STATS = 0, 1, 2
READ_SCHEMA = pa.schema([("unit", pa.int64()), ("ev", pa.int64()), ("row", pa.int8()), ("seq", pa.int64()),
                         ("raw_id", pa.string()), ("uid_line", pa.int64()), ("text", pa.string()),
                         ("date", pa.string()), ("site", pa.string()), ("record", pa.binary()),
                         ("record_id_follows", pa.bool_()), ("msg", pa.string()), ("stats", pa.binary())])
READ_DDL = ("unit long, ev long, row byte, seq long, raw_id string, uid_line long, text string, date string, "
            "site string, record binary, record_id_follows boolean, msg string, stats binary")
SIGN_DDL = ("index long, n_tokens long, content long, keys binary, anchors binary, shingles binary, "
            "tokoff binary, terms binary, spans binary, sketch binary")
SIGN_SCHEMA = pa.schema([("index", pa.int64()), ("n_tokens", pa.int64()), ("content", pa.int64())]
                        + [(c, pa.binary()) for c in ("keys", "anchors", "shingles", "tokoff", "terms", "spans",
                                                      "sketch")])
POSTING_DDL = "src byte, key long, doc long"
HITS_DDL = "src byte, a long, b long, hits long"

#: Candidate pairs aligned per call of a stage inside a task (bounds a task's scratch memory).
PAIRS_PER_CALL = 4096
#: Documents signed per call.
DOCS_PER_CALL = 4096
#: Default documents per partition when ``partitions`` is not given.
DOCS_PER_PARTITION = 25_000


# -- small helpers over Arrow columns -------------------------------------------------------------


def _u64(a: np.ndarray) -> np.ndarray:
    """uint64 hashes as Spark's signed longs (the same 64 bits)."""
    return np.ascontiguousarray(a, dtype=np.uint64).view(np.int64)


def csr_column(values: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """A binary column holding row ``i`` = ``values[offsets[i]:offsets[i+1]]`` as raw bytes.

    >>> col = csr_column(np.array([1, 2, 3], dtype=np.uint64), np.array([0, 2, 3]))
    >>> [len(x) for x in col.to_pylist()]
    [16, 8]
    """
    values = np.ascontiguousarray(values)
    width = values.dtype.itemsize
    byte_offs = (np.asarray(offsets, dtype=np.int64) * width).astype(np.int32)
    n = byte_offs.shape[0] - 1
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(byte_offs.tobytes()),
                                                  pa.py_buffer(values.tobytes())])


def column_csr(col: pa.Array, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`csr_column`: (values, offsets); a null row is empty.

    >>> v, o = column_csr(csr_column(np.array([1, 2, 3], dtype=np.uint64), np.array([0, 2, 3])), np.uint64)
    >>> v.tolist(), o.tolist()
    ([1, 2, 3], [0, 2, 3])
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    dtype = np.dtype(dtype)
    n = len(col)
    if col.null_count:
        col = col.fill_null(b"")
    large = pa.types.is_large_binary(col.type)
    bufs = col.buffers()
    odt = np.int64 if large else np.int32
    offs = np.frombuffer(bufs[1], dtype=odt, count=n + 1, offset=col.offset * np.dtype(odt).itemsize).astype(np.int64)
    start, end = int(offs[0]), int(offs[-1])
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and end > start else np.zeros(0, np.uint8)
    values = data[start:end].copy().view(dtype)
    return values, (offs - start) // dtype.itemsize


def _numpy(col: pa.Array, dtype: Any) -> np.ndarray:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=dtype)


def _slices(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Batches cut to at most ``rows`` rows (Spark hands over up to 10,000 at a time)."""
    for b in batches:
        for s in range(0, b.num_rows, rows):
            yield b.slice(s, rows)


def _gather(batches: Iterable[pa.RecordBatch]) -> pa.Table | None:
    """A whole partition as one table (for stages that need every row of their partition)."""
    parts = [b for b in batches if b.num_rows]
    return pa.Table.from_batches(parts).combine_chunks() if parts else None


def table_to_batch(t: PairTable) -> pa.RecordBatch:
    """A :class:`~retold.model.PairTable` as an Arrow batch of :data:`PAIR_SCHEMA` (passages
    nested in their row, in (a_start, b_start) order, as the local engine sorts them)."""
    p = t.passages
    n = len(t)
    order = np.lexsort((p.b_start, p.a_start, p.pair)) if len(p) else np.zeros(0, dtype=np.int64)
    counts = np.bincount(p.pair, minlength=n) if len(p) else np.zeros(n, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    fields = [pa.array(getattr(p, c)[order], type=PASSAGE_TYPE.field(c).type)
              for c in ("a_start", "a_end", "b_start", "b_end", "score", "kind")]
    struct = pa.StructArray.from_arrays(fields, fields=list(PASSAGE_TYPE))
    passages = pa.ListArray.from_arrays(pa.array(offsets), struct, type=pa.list_(PASSAGE_TYPE))
    cols = [pa.array(getattr(t, c), type=PAIR_SCHEMA.field(c).type) for c in PairTable.COLUMNS]
    return pa.RecordBatch.from_arrays(cols + [passages], schema=PAIR_SCHEMA)


def batch_to_table(b: pa.RecordBatch | pa.Table, has_passages: bool, prefix: str = "") -> PairTable:
    """The inverse of :func:`table_to_batch` (columns named ``prefix + name``)."""
    cols = {c: _numpy(b.column(prefix + c if c not in ("a", "b") else c), d)
            for c, d in zip(PairTable.COLUMNS, PairTable._DTYPES)}
    lst = b.column(prefix + "passages")
    if isinstance(lst, pa.ChunkedArray):
        lst = lst.combine_chunks()
    lens = _numpy(lst.value_lengths().fill_null(0), np.int64)
    flat = lst.flatten()
    pair = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    passages = PassageTable(pair, *(_numpy(flat.field(c), d) for c, d in
                                    (("a_start", np.int64), ("a_end", np.int64), ("b_start", np.int64),
                                     ("b_end", np.int64), ("score", np.float64), ("kind", np.int8))))
    return PairTable(**cols, passages=passages, has_passages=has_passages)


# -- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One input file as the read stage sees it (or a problem the listing already found).

    Attributes:
        order: its place in read order.
        path: the path the readers name in messages and ``path:line`` ids.
        name: what selects the format (the path, or the path inside a directory).
        doc_id: the id of a file that is one document.
        uri: the Hadoop URI its bytes are fetched from; None: the executor opens ``path``.
        skip: ``(reason, message)`` of a path the listing could not read.
    """

    order: int
    path: str
    name: str
    doc_id: str
    uri: str | None = None
    skip: tuple[str, str] | None = None


def has_scheme(path: str) -> bool:
    """Whether a path is a URI (``hdfs://``, ``s3a://``, ``file:///``...) rather than a local path.

    >>> has_scheme("s3a://bucket/crawl"), has_scheme("data/c.jsonl"), has_scheme("C:/x")
    (True, False, False)
    """
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", path) is not None


class _ListingContext(ReadContext):
    """Turns the problems of a directory listing into units, in the order they happen."""

    def __init__(self, units: list[Unit]):
        super().__init__(ReadStats(max_messages=0), None, "id", "text", "date", False)
        self.units = units

    def skip(self, reason: str, path: str, line: int | None, what: str, count: int = 1) -> None:
        self.units.append(Unit(len(self.units), path, path, path, skip=(reason, what)))


def list_inputs(paths: Sequence[PathLike], spark: SparkSession | None = None) -> list[Unit]:
    """The input files in read order (paths as given, directory entries sorted), as
    :func:`retold.readers.read_documents` would read them.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "b.txt").write_text("x"); _ = (d / "a.jsonl").write_text("")
    >>> [(u.name, u.doc_id) for u in list_inputs([d])]
    [('a.jsonl', 'a.jsonl'), ('b.txt', 'b.txt')]
    """
    units: list[Unit] = []
    for given in paths:
        path = os.fspath(given)
        if has_scheme(path):
            if spark is None:
                raise ValueError(f"{path}: a URI input needs a Spark session")
            _list_hadoop(spark, path, units)
        elif os.path.isdir(path):
            for rel, full in list_dir(_ListingContext(units), path):
                units.append(Unit(len(units), full, rel, rel))
        else:
            units.append(Unit(len(units), path, path, path))
    return units


def _glob_escape(uri: str) -> str:
    return re.sub(r"([\\{}\[\]*?])", r"\\\1", uri)


def _list_hadoop(spark: SparkSession, given: str, units: list[Unit]) -> None:
    """List a URI through Hadoop's FileSystem (whatever Spark itself can read)."""
    from py4j.protocol import Py4JJavaError

    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(given)

    def skip(reason: str, path: str, what: str) -> None:
        units.append(Unit(len(units), path, path, path, skip=(reason, what)))

    try:
        fs = hpath.getFileSystem(conf)
        if not fs.exists(hpath):
            skip("missing_path", given, "no such file or directory")
            return
        status = fs.getFileStatus(hpath)
    except Py4JJavaError as err:
        skip("unreadable", given, f"cannot open: {err.java_exception.getMessage()}")
        return
    if status.isFile():
        units.append(Unit(len(units), given, given, given, uri=status.getPath().toString()))
        return
    if not status.isDirectory():
        skip("not_a_file", given, "not a regular file, skipped")
        return
    top = given.rstrip("/")
    entries: list[tuple[str, str, str]] = []
    stack = [(status.getPath(), "")]
    while stack:
        where, rel_dir = stack.pop()
        try:
            children = fs.listStatus(where)
        except Py4JJavaError as err:
            skip("unreadable", f"{top}/{rel_dir}".rstrip("/"),
                 f"cannot list directory: {err.java_exception.getMessage()}")
            continue
        for child in children:
            name = child.getPath().getName()
            # hidden for every Spark reader, and binaryFile will not fetch them
            if name.startswith((".", "_")):
                continue
            rel = f"{rel_dir}{name}"
            if child.isDirectory():
                stack.append((child.getPath(), rel + "/"))
            elif child.isFile():
                entries.append((rel, f"{top}/{rel}", child.getPath().toString()))
    for rel, full, uri in sorted(entries):
        units.append(Unit(len(units), full, rel, rel, uri=uri))


def is_web(units: Sequence[Unit]) -> bool:
    """Whether any input is an HTML page or a WARC crawl (sites are known there)."""
    return any(u.skip is None and format_for(u.name).name in ("html", "warc") for u in units)


# -- the read stage (executors) --------------------------------------------------------------------


class PendingId(str):
    """An id as a reader gave it; whether it must become ``id#k`` is settled later, in read order
    over the whole corpus (:func:`_fold_ids`). ``line``: what the reader passed along, for the
    message."""

    line: int | None = None


class _UnitContext(ReadContext):
    """A :class:`~retold.readers.ReadContext` for one input file inside a task: it records every
    message with its place in the file's stream of events, leaves ids to the global fold, and
    serves the file's bytes when they were fetched from a Hadoop file system."""

    def __init__(self, fields: Fields, keep_records: bool, content: bytes | None):
        super().__init__(ReadStats(max_messages=0), None, fields.id, fields.text, fields.date, keep_records)
        self.on_message = self._message
        self.content = content
        self.ev = 0
        self.messages: list[tuple[int, str]] = []

    def _message(self, text: str) -> None:
        # events are numbered in steps of two: a duplicate-id message goes just before its document
        self.ev += 2
        self.messages.append((self.ev, text))

    def next_event(self) -> int:
        self.ev += 2
        return self.ev

    def unique_id(self, doc_id: str, path: str, line: int | None) -> str:
        pending = PendingId(doc_id)
        pending.line = line
        return pending

    def open_binary(self, path: str) -> Any:
        if self.content is None:
            return super().open_binary(path)
        self.stats.files += 1
        return io.BytesIO(self.content)

    def seekable(self, path: str) -> Any:
        return path if self.content is None else io.BytesIO(self.content)


class _ReadBuilder:
    """Rows of :data:`READ_SCHEMA`, flushed as Arrow batches of bounded size."""

    COLS = READ_SCHEMA.names

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.cols: dict[str, list[Any]] = {c: [] for c in self.COLS}
        self.size = 0

    def add(self, **row: Any) -> None:
        for c in self.COLS:
            self.cols[c].append(row.get(c))
        text = row.get("text")
        self.size += 64 + (len(text) if text else 0) + len(row.get("record") or b"")

    def full(self) -> bool:
        return self.size >= (8 << 20) or len(self.cols["unit"]) >= 4096

    def flush(self) -> pa.RecordBatch | None:
        if not self.cols["unit"]:
            return None
        out = pa.RecordBatch.from_arrays([pa.array(self.cols[c], type=READ_SCHEMA.field(c).type) for c in self.COLS],
                                         schema=READ_SCHEMA)
        self.reset()
        return out


def read_units(units: dict[int, Unit], fields: Fields, keep_records: bool, site_level: bool
               ) -> BatchFn:
    """The read stage for ``mapInArrow``: rows ``(unit, content)`` in, :data:`READ_SCHEMA` out."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        out = _ReadBuilder()
        for batch in batches:
            ids = batch.column("unit").to_pylist()
            contents = batch.column("content").to_pylist() if "content" in batch.schema.names else [None] * len(ids)
            for uid, content in zip(ids, contents):
                yield from _read_one(units[uid], content, fields, keep_records, site_level, out)
        last = out.flush()
        if last is not None:
            yield last

    return run


def _read_one(unit: Unit, content: bytes | None, fields: Fields, keep_records: bool, site_level: bool,
              out: _ReadBuilder) -> Iterator[pa.RecordBatch]:
    ctx = _UnitContext(fields, keep_records or site_level, content)
    seq = 0

    def drain_messages() -> None:
        for ev, text in ctx.messages:
            out.add(unit=unit.order, ev=ev, row=_MSG, msg=text)
        ctx.messages.clear()

    if unit.skip is not None:
        ctx.skip(unit.skip[0], unit.path, None, unit.skip[1])
        docs: Iterable[Document] = ()
    elif unit.uri is not None:
        docs = format_for(unit.name).read(ctx, unit.path, unit.doc_id)
    else:
        docs = read_file(ctx, unit.path, unit.name, unit.doc_id)
    for doc in docs:
        drain_messages()
        ev = ctx.next_event()
        pending = doc.id
        follows = doc.record is not None and doc.record.get("id") is pending
        site = site_of_document(doc) if site_level else None
        record = None
        if keep_records and doc.record is not None:
            rec = dict(doc.record)
            if follows:
                rec["id"] = str(pending)
            record = pickle.dumps(rec, protocol=5)
        out.add(unit=unit.order, ev=ev, row=_DOC, seq=seq, raw_id=str(pending),
                uid_line=getattr(pending, "line", None), text=doc.text, date=doc.date, site=site, record=record,
                record_id_follows=follows)
        seq += 1
        if out.full():
            batch = out.flush()
            if batch is not None:
                yield batch
    drain_messages()
    st = ctx.stats
    out.add(unit=unit.order, ev=0, row=_STATS, seq=seq,
            stats=orjson.dumps({"documents": st.documents, "files": st.files, "skipped": dict(st.skipped),
                                "warnings": dict(st.warnings)}))


def _fold_ids(paths: dict[int, str], fields: Fields) -> BatchFn:
    """Unique ids, as one sequential read gives them: rows of documents whose ids may collide,
    sorted by (first ``#``-segment of the id, index); every group is folded in read order through
    :meth:`ReadContext.unique_id` itself. A renamed id can only collide with an id that starts with
    the same segment, so groups are independent."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        rows = (r for b in batches for r in b.to_pylist())
        out: dict[str, list[Any]] = {"index": [], "id": [], "unit": [], "ev": [], "msg": []}
        for _seg, group in itertools.groupby(rows, key=lambda r: r["seg"]):
            said: list[str] = []
            ctx = ReadContext(ReadStats(max_messages=0), said.append, fields.id, fields.text, fields.date, False)
            for r in group:
                new = ctx.unique_id(r["raw_id"], paths[r["unit"]], r["uid_line"])
                if new != r["raw_id"]:
                    out["index"].append(r["index"])
                    out["id"].append(new)
                    out["unit"].append(r["unit"])
                    out["ev"].append(r["ev"] - 1)
                    out["msg"].append(said[-1])
        if out["index"]:
            yield pa.RecordBatch.from_pydict(out, schema=pa.schema([
                ("index", pa.int64()), ("id", pa.string()), ("unit", pa.int64()), ("ev", pa.int64()),
                ("msg", pa.string())]))

    return run


def _count_sites(options: Any) -> BatchFn:
    """Site furniture, pass 1: rows sorted by (site, index); ``count_lines`` folds each site's
    documents in read order. Out: per site, its document count and the lines that are furniture
    there (all :meth:`LineCounts.is_boilerplate` needs)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        rows = ((r["site"], r["text"]) for b in batches for r in b.to_pylist())
        sites: list[str | None] = []
        blobs: list[bytes] = []
        for site, group in itertools.groupby(rows, key=lambda r: r[0]):
            counts = count_lines(((text, site) for _, text in group), options)
            lines = {k: e for (s, k), e in counts.lines.items() if counts.is_boilerplate(s, k)}
            if lines:
                sites.append(site)
                blobs.append(pickle.dumps((counts.docs[site], lines), protocol=5))
        if sites:
            yield pa.RecordBatch.from_pydict({"site": sites, "counts": blobs},
                                             schema=pa.schema([("site", pa.string()), ("counts", pa.binary())]))

    return run


def _sign(options: Options, plan: Plan) -> BatchFn:
    """Mask and sign (``stages.sign``): rows ``(index, text[, site, counts])`` in, :data:`SIGN_SCHEMA` out."""
    site_level = plan.boilerplate == "site"

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in _slices(batches, DOCS_PER_CALL):
            index = _numpy(b.column("index"), np.int64)
            texts = b.column("text").to_pylist()
            texts = ["" if t is None else t for t in texts]
            counts = None
            sites: list[str | None] = [None] * len(texts)
            if site_level:
                sites = b.column("site").to_pylist()
                counts = LineCounts(options=options.boilerplate)
                for s, blob in zip(sites, b.column("counts").to_pylist()):
                    if blob is not None and s not in counts.docs:
                        n, lines = pickle.loads(blob)
                        counts.docs[s] = n
                        counts.lines.update({(s, k): e for k, e in lines.items()})
            masked, spans = sign.evidence_batch(texts, sites, counts, plan, options)
            s = sign.sign(masked, options, plan)
            n = len(s)
            keys = csr_column(_u64(s.keys.reshape(-1)), np.arange(n + 1) * s.keys.shape[1])
            aoffs = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(s.anchor_docs, minlength=n), out=aoffs[1:])
            anchors = csr_column(_u64(s.anchors), aoffs)
            shingles = csr_column(_u64(s.shingles), s.sh_offsets)
            none = pa.nulls(n, pa.binary())
            tokoff = csr_column(_u64(s.tok_offsets), s.tok_bounds) if s.tok_offsets is not None else none
            terms = csr_column(s.terms.astype(np.uint32), s.term_offsets) if s.terms is not None else none
            flat = np.array([x for sp in spans for pair in sp for x in pair], dtype=np.int64)
            soffs = np.zeros(n + 1, dtype=np.int64)
            np.cumsum([2 * len(sp) for sp in spans], out=soffs[1:])
            yield pa.RecordBatch.from_arrays(
                [pa.array(index), pa.array(s.n_tokens.astype(np.int64)), pa.array(_u64(s.content)), keys, anchors,
                 shingles, tokoff, terms, csr_column(flat, soffs),
                 csr_column(np.ascontiguousarray(s.sketch, dtype=np.uint8).reshape(-1),
                            np.arange(n + 1) * s.sketch.shape[1])], schema=SIGN_SCHEMA)

    return run


def spans_of(blob: bytes | None) -> list[tuple[int, int]]:
    """The furniture spans a signed row holds.

    >>> spans_of(np.array([3, 9], dtype=np.int64).tobytes())
    [(3, 9)]
    """
    if not blob:
        return []
    flat = np.frombuffer(blob, dtype=np.int64).tolist()
    return list(zip(flat[0::2], flat[1::2]))


def _exact_partition(batches: Iterator[pa.RecordBatch]) -> tuple[np.ndarray, np.ndarray] | None:
    t = _gather(batches)
    if t is None:
        return None
    index = _numpy(t.column("index"), np.int64)
    order = np.argsort(index, kind="stable")
    content = _numpy(t.column("content"), np.int64)[order].view(np.uint64)
    n_tokens = _numpy(t.column("n_tokens"), np.int64)[order]
    # a partition holds whole groups (hashed on content and count), in read order: the lowest
    # position in a group is its lowest index
    return index[order], exact.exact_groups(content, n_tokens)


def _exact_reps(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    got = _exact_partition(batches)
    if got is not None:
        index, rep = got
        yield pa.RecordBatch.from_pydict({"index": index, "rep": np.where(rep >= 0, index[np.maximum(rep, 0)], -1)})


def _exact_pair_rows(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    got = _exact_partition(batches)
    if got is not None:
        index, rep = got
        t = exact.exact_pairs(rep)
        t = PairTable(index[t.a], index[t.b], *(getattr(t, c) for c in PairTable.COLUMNS[2:]))
        yield table_to_batch(t)


def _postings(sources: Sequence[tuple[int, str]]) -> BatchFn:
    """Each representative's keys of each index (``bands``, ``anchors``, ``terms``) as postings."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            index = _numpy(b.column("index"), np.int64)
            for src, name in sources:
                if name == "bands":
                    vals, offs = column_csr(b.column("keys"), np.uint64)
                    keys, docs = candidates.band_postings(vals.reshape(len(index), -1), index)
                elif name == "anchors":
                    keys, offs = column_csr(b.column("anchors"), np.uint64)
                    docs = np.repeat(index, np.diff(offs))
                else:
                    terms, offs = column_csr(b.column("terms"), np.uint32)
                    keys, docs = terms.astype(np.uint64), np.repeat(index, np.diff(offs))
                if keys.shape[0]:
                    yield pa.RecordBatch.from_pydict({"src": np.full(keys.shape[0], src, dtype=np.int8),
                                                      "key": _u64(keys), "doc": docs})

    return run


def _key_pairs(rules: dict[int, candidates.Rule]) -> BatchFn:
    """The first half of the candidate rule in a partition that holds every posting of its keys."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        t = _gather(batches)
        if t is None:
            return
        src = _numpy(t.column("src"), np.int8)
        keys = _numpy(t.column("key"), np.int64).view(np.uint64)
        docs = _numpy(t.column("doc"), np.int64)
        for s, rule in rules.items():
            m = src == s
            if not m.any():
                continue
            a, b, h = candidates.key_pairs(keys[m], docs[m], rule)
            if a.shape[0]:
                yield pa.RecordBatch.from_pydict({"src": np.full(a.shape[0], s, dtype=np.int8), "a": a, "b": b,
                                                  "hits": h})

    return run


def _enough(rules: dict[int, candidates.Rule]) -> BatchFn:
    """The second half of the rule, once each pair's hits from every partition are summed (the
    agreement test of rules that have one comes after: :func:`_agreeing`); ``src`` is kept."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            src = _numpy(b.column("src"), np.int8)
            hits = _numpy(b.column("hits"), np.int64)
            keep = np.zeros(b.num_rows, dtype=bool)
            for s, rule in rules.items():
                m = src == s
                keep[m] = candidates.enough_hits(hits[m], rule)
            if keep.any():
                yield pa.RecordBatch.from_pydict({"src": src[keep], "a": _numpy(b.column("a"), np.int64)[keep],
                                                  "b": _numpy(b.column("b"), np.int64)[keep]})

    return run


def _agreeing(rules: dict[int, candidates.Rule]) -> BatchFn:
    """Each rule's signature-agreement test (``stages.candidates.pair_agreement``; rules without
    one keep every pair) on pairs with both documents' sketches and token counts joined: the pairs
    that pass."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            n = b.num_rows
            if not n:
                continue
            src = _numpy(b.column("src"), np.int8)
            sa, _ = column_csr(b.column("sketch_a"), np.uint8)
            sb, _ = column_csr(b.column("sketch_b"), np.uint8)
            sa, sb = sa.reshape(n, -1), sb.reshape(n, -1)
            ta, tb = _numpy(b.column("n_tokens_a"), np.int64), _numpy(b.column("n_tokens_b"), np.int64)
            keep = np.ones(n, dtype=bool)
            for s, rule in rules.items():
                m = src == s
                if rule.min_agreement > 0 and m.any():
                    keep[m] = candidates.pair_agreement(sa[m], sb[m], ta[m], tb[m], rule)
            if keep.any():
                yield pa.RecordBatch.from_pydict({"a": _numpy(b.column("a"), np.int64)[keep],
                                                  "b": _numpy(b.column("b"), np.int64)[keep]})

    return run


def _pair_docs(b: pa.RecordBatch, column: str, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """The CSR of both documents of each pair: rows ``0..n-1`` are the a sides, ``n..2n-1`` the b sides."""
    va, oa = column_csr(b.column(column + "_a"), dtype)
    vb, ob = column_csr(b.column(column + "_b"), dtype)
    return np.concatenate([va, vb]), np.concatenate([oa, ob[1:] + oa[-1]])


def _decide(options: Options, plan: Plan) -> BatchFn:
    """Decide candidate pairs (``stages.decide``), passages to characters (``stages.assemble``)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in _slices(batches, PAIRS_PER_CALL):
            n = b.num_rows
            ga, gb = _numpy(b.column("a"), np.int64), _numpy(b.column("b"), np.int64)
            seqs, offs = _pair_docs(b, "shingles", np.uint64)
            n_tokens = np.concatenate([_numpy(b.column("n_tokens_a"), np.int64),
                                       _numpy(b.column("n_tokens_b"), np.int64)])
            la, lb = np.arange(n, dtype=np.int64), np.arange(n, 2 * n, dtype=np.int64)
            d = decide.decide(seqs, offs, n_tokens, la, lb, options, plan)
            chars: tuple[Any, Any] = (None, None)
            if plan.passages:
                packed, toffs = _pair_docs(b, "tokoff", np.uint64)
                chars = (assemble.char_spans(packed, toffs[la[d.p_pair]], d.p_a0, d.p_a1),
                         assemble.char_spans(packed, toffs[lb[d.p_pair]], d.p_b0, d.p_b1))
            t = assemble.decided_table(ga, gb, d, *chars)
            if len(t):
                yield table_to_batch(t)

    return run


def _containment(options: Options) -> BatchFn:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in _slices(batches, 65536):
            n = b.num_rows
            terms, offs = _pair_docs(b, "terms", np.uint32)
            keep = tier.term_containment(terms, offs, np.arange(n), np.arange(n, 2 * n), options)
            if keep.any():
                yield pa.RecordBatch.from_pydict({"a": _numpy(b.column("a"), np.int64)[keep],
                                                  "b": _numpy(b.column("b"), np.int64)[keep]})

    return run


def _tier_batch(b: pa.RecordBatch) -> tuple[PairTable, np.ndarray, np.ndarray, dict[int, str]]:
    """Candidate pairs joined with their row of the pair table (if any) and both texts: the
    rows that are in the table, the pairs (sorted), and the furniture-masked texts."""
    a, bb = _numpy(b.column("a"), np.int64), _numpy(b.column("b"), np.int64)
    rows = np.flatnonzero(_numpy(b.column("t_kind").is_valid(), bool))
    table = batch_to_table(b.take(pa.array(rows)), True, prefix="t_")
    texts: dict[int, str] = {}
    for side, docs in (("a", a), ("b", bb)):
        for d, text, blob in zip(docs.tolist(), b.column("text_" + side).to_pylist(),
                                 b.column("spans_" + side).to_pylist()):
            if d not in texts:
                sp = spans_of(blob)
                texts[d] = mask(text or "", sp) if sp else (text or "")
    order = np.lexsort((bb, a))
    return table, a[order], bb[order], texts


def _cascade_needs(options: Options, plan: Plan, n_docs: int) -> BatchFn:
    """The tier's first pass (``stages.paraphrase.cascade_needs``): ``doc, sentence`` rows, the
    sentences MiniLM must read for the pairs of a piece."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from ..paraphrase import resolve_embedder

        for b in _slices(batches, PAIRS_PER_CALL // 2):
            table, a, bb, texts = _tier_batch(b)
            needs = tier.cascade_needs(table, a, bb, n_docs, _loader(texts), options, resolve_embedder(plan.embedder))
            if needs:
                docs = sorted(needs)
                yield pa.RecordBatch.from_pydict({
                    "doc": np.repeat(np.asarray(docs, dtype=np.int64), [len(needs[d]) for d in docs]),
                    "sentence": np.concatenate([needs[d] for d in docs]).astype(np.int64)})

    return run


def _paraphrase(options: Options, plan: Plan, n_docs: int, cascade: bool) -> BatchFn:
    """The paraphrase tier (``stages.paraphrase.paraphrase_tier``) on candidate pairs joined with
    their row of the pair table (if any) and both masked texts; with the cascade, also with the
    sentences MiniLM reads in each document over the whole run (``need_a``, ``need_b``)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from ..paraphrase import resolve_embedder

        totals: dict[str, int] = {}
        for b in _slices(batches, PAIRS_PER_CALL // 2):
            table, a, bb, texts = _tier_batch(b)
            known: dict[int, np.ndarray] | None = None
            if cascade:
                known = {}
                for side in ("a", "b"):
                    for d, need in zip(_numpy(b.column(side), np.int64).tolist(), b.column("need_" + side).to_pylist()):
                        if need:
                            known[d] = np.asarray(need, dtype=np.int64)
            stats: dict[str, int] = {}
            out = tier.paraphrase_tier(table, a, bb, n_docs, _loader(texts), options, resolve_embedder(plan.embedder),
                                       stats=stats, known=known)
            for k in TIER_COUNTS:
                if k in stats:
                    totals[k] = totals.get(k, 0) + stats[k]
            if len(out):
                yield table_to_batch(out)
        if totals:
            # the piece's counts ride along as rows a = -1, b = the count's number, score = the count
            keys = [TIER_COUNTS.index(k) for k in totals]
            yield table_to_batch(PairTable.from_columns(a=np.full(len(keys), -1), b=keys, kind=np.zeros(len(keys)),
                                                        score=list(totals.values())))

    return run


#: The paraphrase tier's counts that add up over pieces (the local run's summary has them too).
TIER_COUNTS = ("candidates", "screened", "paraphrases", "static_screened", "static_sure")


def _loader(texts: dict[int, str]) -> Callable[[set[int]], dict[int, str]]:
    return lambda wanted: {d: texts[d] for d in wanted if d in texts}


def _records(has_passages: bool) -> BatchFn:
    """Pair rows joined with both documents' ids and dates -> JSON lines (``stages.assemble.records``)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in _slices(batches, 8192):
            n = b.num_rows
            t = batch_to_table(b, has_passages)
            ids = b.column("id_a").to_pylist() + b.column("id_b").to_pylist()
            dates = b.column("date_a").to_pylist() + b.column("date_b").to_pylist()
            local = PairTable(np.arange(n), np.arange(n, 2 * n), *(getattr(t, c) for c in PairTable.COLUMNS[2:]),
                              passages=t.passages, has_passages=has_passages)
            lines = [orjson.dumps(p.to_dict()).decode() for p in assemble.records(local, ids, dates)]
            yield pa.RecordBatch.from_pydict({"value": lines}, schema=pa.schema([("value", pa.string())]))

    return run


# -- the driver ----------------------------------------------------------------------------------


def default_session(master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session for retold: the given master (None: Spark's own default, local mode when
    nothing is configured) and settings; workers run this Python (``PYSPARK_PYTHON``) unless
    ``spark.pyspark.python`` says otherwise. An active session is reused as it is."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master is not None and master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("retold")
    if master is not None:
        builder = builder.master(master)
    settings = {"spark.ui.showConsoleProgress": "false", "spark.sql.execution.arrow.maxRecordsPerBatch": "4096",
                # the status store keeps every query plan by default, and a run makes many
                "spark.sql.ui.retainedExecutions": "50", "spark.ui.retainedJobs": "200",
                "spark.ui.retainedStages": "200", PLAN_STRING_KEY: str(PLAN_STRING_CHARS)}
    settings.update(conf or {})
    for k, v in settings.items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


@dataclass
class SparkFindResult:
    """Verified pairs of a corpus, computed by Spark and kept there.

    Attributes:
        spark: the session.
        plan: what was computed.
        table: the reported pairs, document indices (:data:`PAIR_DDL` rows, not sorted).
        documents: one row per document (``index, id, date, n_tokens``), in no particular order.
        n_docs: documents read.
        stats: the accounting of the read (the same counts and messages as a local read).
        candidates: candidate pairs verified.
        timings: seconds per stage (each stage ends with its results cached).
        furniture: ``index, spans``: the furniture spans of every document (packed int64 pairs).
        texts: ``index, text, record, record_id_follows`` of every document.

    The frames stay cached in Spark until :meth:`close`.
    """

    spark: Any
    plan: Plan
    table: Any
    documents: Any
    n_docs: int
    stats: ReadStats
    candidates: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    tier: dict[str, int] = field(default_factory=dict)
    furniture: Any = None
    texts: Any = None
    fields: Fields = field(default_factory=Fields)
    partitions: int = 1

    def __len__(self) -> int:
        return int(self.table.count())

    def close(self) -> None:
        """Release the frames the result keeps cached in Spark."""
        for df in (self.table, self.documents, self.furniture, self.texts):
            if df is not None:
                df.unpersist()

    def shuffles(self) -> Any:
        """Within it, the run's joins use the run's number of partitions."""
        return shuffle_partitions(self.spark, self.partitions)

    def kind_counts(self) -> dict[str, int]:
        """Pairs per reported kind."""
        with self.shuffles():
            got = {int(r["kind"]): int(r["count"]) for r in self.table.groupBy("kind").count().collect()}
        return {k: got.get(KIND_CODE[k], 0) for k in self.plan.kinds}

    @property
    def boilerplate_documents(self) -> int:
        """Documents with site furniture recognised (and masked)."""
        from pyspark.sql import functions as F

        return int(self.furniture.where(F.length("spans") > 0).count())

    def record_lines(self) -> DataFrame:
        """The pair records as JSON lines (column ``value``), sorted by (a, b) input order."""
        from pyspark.sql import functions as F

        docs = self.documents.select("index", "id", "date")
        rows = (self.table.join(docs.select(F.col("index").alias("a"), F.col("id").alias("id_a"),
                                            F.col("date").alias("date_a")), "a")
                .join(docs.select(F.col("index").alias("b"), F.col("id").alias("id_b"),
                                  F.col("date").alias("date_b")), "b")
                .orderBy("a", "b"))
        return rows.mapInArrow(_records(self.plan.passages), "value string")

    def records(self) -> Iterator[Pair]:
        """The pairs as :class:`~retold.records.Pair` records, sorted by (a, b); streamed to the
        driver one partition at a time."""
        with self.shuffles():
            for row in self.record_lines().toLocalIterator():
                yield pair_from_dict(orjson.loads(row["value"]))

    @property
    def pairs(self) -> list[Pair]:
        """Every pair record, on the driver (for small corpora and tests)."""
        return list(self.records())

    def write(self, output: str) -> int:
        """Write the records to ``output`` (format by extension; ``-``: JSONL on stdout). Returns how many."""
        with self.shuffles():
            return write_lines(self.spark, self.record_lines(), output, self.pair_schema())

    def pair_schema(self) -> pa.Schema:
        """The Parquet schema of the records (what the local engine's writer infers)."""
        cols = [pa.field(c, pa.string()) for c in ("a", "b", "kind")]
        cols += [pa.field(c, pa.float64()) for c in PairTable.COLUMNS[3:]] + [pa.field("source", pa.string())]
        if self.plan.passages:
            cols.append(pa.field("passages", pa.list_(pa.struct(
                [(c, pa.int64()) for c in ("a_start", "a_end", "b_start", "b_end")]
                + [("kind", pa.string()), ("score", pa.float64())]))))
        return pa.schema(cols)

    def cluster_labels(self, kinds: Sequence[str] = FAMILY_KINDS) -> DataFrame:
        """``index, label``: each document's family (the index of its first member)."""
        from pyspark.sql import functions as F

        codes = [KIND_CODE[k] for k in parse_kinds(kinds)]
        edges = self.table.where(F.col("kind").isin(codes)).select("a", "b")
        labels = connected_components(edges, self.spark)
        return (self.documents.select("index").join(labels.withColumnRenamed("node", "index"), "index", "left")
                .select("index", F.coalesce("label", "index").alias("label")))

    def family_count(self, kinds: Sequence[str] = FAMILY_KINDS) -> int:
        """How many families the pairs of ``kinds`` make, singletons included."""
        with self.shuffles():
            return int(self.cluster_labels(kinds).select("label").distinct().count())

    def families(self, keep: str = "first", kinds: Sequence[str] = FAMILY_KINDS) -> DataFrame:
        """``index, label, rep``: each document's family and the family's representative."""
        if keep not in KEEP_RULES:
            raise ValueError(f"unknown keep rule {keep!r}; choose one of {', '.join(KEEP_RULES)}")
        labelled = self.cluster_labels(kinds).join(self.documents.select("index", "n_tokens", "date"), "index")
        return (labelled.repartition(self.partitions, "label")
                .mapInArrow(_representatives(keep), "index long, label long, rep long"))

    def clusters(self, keep: str = "first", kinds: Sequence[str] = FAMILY_KINDS) -> SparkClusters:
        """Every document in exactly one family, families in order of their first member."""
        from pyspark.sql import functions as F

        fam = _persist(self.families(keep, kinds))
        ids = self.documents.select("index", "id")
        numbered = (fam.select("label").distinct().rdd.map(lambda r: r[0]).sortBy(lambda x: x)
                    .zipWithIndex().toDF(["label", "cluster"]))
        members = (fam.join(ids, "index").groupBy("label")
                   .agg(F.sort_array(F.collect_list(F.struct("index", "id"))).alias("m"),
                        F.first("rep").alias("rep"), F.max("rep").alias("rep_check")))
        rows = (members.join(numbered, "label")
                .join(ids.select(F.col("index").alias("rep"), F.col("id").alias("representative")), "rep")
                .select("cluster", "representative", F.col("m.id").alias("members"))
                .orderBy("cluster"))
        return SparkClusters(self.spark, rows, fam, self.partitions)


@dataclass
class SparkClusters:
    """Families computed by Spark: ``rows`` (``cluster, representative, members``, sorted) and
    ``families`` (``index, label, rep`` per document)."""

    spark: Any
    rows: Any
    families: Any
    partitions: int = 1

    def __len__(self) -> int:
        with shuffle_partitions(self.spark, self.partitions):
            return int(self.rows.count())

    def multi_document(self) -> int:
        """Families of more than one document."""
        from pyspark.sql import functions as F

        with shuffle_partitions(self.spark, self.partitions):
            return int(self.rows.where(F.size("members") > 1).count())

    def close(self) -> None:
        """Release the families cached in Spark."""
        self.families.unpersist()

    def lines(self) -> DataFrame:
        """The cluster records as JSON lines (column ``value``), in cluster order."""
        return self.rows.mapInArrow(_cluster_lines, "value string")

    def records(self) -> Iterator[Cluster]:
        """The clusters, streamed to the driver one partition at a time."""
        with shuffle_partitions(self.spark, self.partitions):
            for row in self.lines().toLocalIterator():
                d = orjson.loads(row["value"])
                yield Cluster(d["cluster"], d["representative"], d["members"])

    def write(self, output: str) -> int:
        """Write the clusters to ``output`` (as :meth:`SparkFindResult.write`)."""
        schema = pa.schema([("cluster", pa.int64()), ("representative", pa.string()),
                            ("members", pa.list_(pa.string()))])
        with shuffle_partitions(self.spark, self.partitions):
            return write_lines(self.spark, self.lines(), output, schema)


def _cluster_lines(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for b in batches:
        lines = [orjson.dumps(Cluster(r["cluster"], r["representative"], r["members"]).to_dict()).decode()
                 for r in b.to_pylist()]
        yield pa.RecordBatch.from_pydict({"value": lines}, schema=pa.schema([("value", pa.string())]))


def _representatives(keep: str) -> BatchFn:
    """``cluster.representatives`` over a partition that holds whole families."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        t = _gather(batches)
        if t is None:
            return
        index = _numpy(t.column("index"), np.int64)
        order = np.argsort(index, kind="stable")
        index = index[order]
        labels = _numpy(t.column("label"), np.int64)[order]
        n_tokens = _numpy(t.column("n_tokens"), np.int64)[order]
        dates = [t.column("date")[int(i)].as_py() for i in order]
        rep = representatives(labels, keep, n_tokens=n_tokens, dates=dates)
        yield pa.RecordBatch.from_pydict({"index": index, "label": labels, "rep": index[rep]})

    return run


def pair_from_dict(d: dict[str, Any]) -> Pair:
    """A :class:`~retold.records.Pair` back from its dict form."""
    from ..records import Passage

    passages = d.get("passages")
    return Pair(d["a"], d["b"], d["kind"], d["score"], d["jaccard"], d["containment_a"], d["containment_b"],
                d["coverage_a"], d["coverage_b"], d["source"],
                None if passages is None else [Passage(p["a_start"], p["a_end"], p["b_start"], p["b_end"], p["kind"],
                                                       p["score"]) for p in passages])


# -- components ---------------------------------------------------------------------------------


def connected_components(edges: DataFrame, spark: Any, max_rounds: int = 100) -> DataFrame:
    """Connected components of an undirected graph given as ``a, b`` rows (long node ids): rows
    ``node, label`` for every node on an edge, ``label`` the smallest node of its component (as
    :func:`retold.cluster.component_labels`). Alternating large-star and small-star rounds
    (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014) until nothing changes,
    in DataFrames, each round checkpointed so that the plan stays short."""
    from pyspark.sql import functions as F

    e = (edges.select(F.least("a", "b").alias("u"), F.greatest("a", "b").alias("v"))
         .where(F.col("u") != F.col("v")).distinct())
    e = _checkpoint(e, spark)
    for _ in range(max_rounds):
        new = _checkpoint(_small_star(_large_star(e)), spark)
        if new.exceptAll(e).isEmpty() and e.exceptAll(new).isEmpty():
            e = new
            break
        e = new
    # a star around each component's smallest node: every other node points to it
    both = e.select("u", "v").unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
    return both.groupBy("u").agg(F.min("v").alias("m")).select(F.col("u").alias("node"),
                                                                 F.least("u", "m").alias("label"))


def _large_star(e: DataFrame) -> DataFrame:
    """Each node's larger neighbours attach to the smallest node of its neighbourhood."""
    from pyspark.sql import functions as F

    both = e.select("u", "v").unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
    mins = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    out = both.where(F.col("v") > F.col("u")).join(mins, "u").select(F.least("v", "m").alias("u"),
                                                                       F.greatest("v", "m").alias("v"))
    return out.where(F.col("u") != F.col("v")).distinct()


def _small_star(e: DataFrame) -> DataFrame:
    """Each node and its smaller neighbours attach to the smallest of them."""
    from pyspark.sql import functions as F

    down = e.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
    mins = down.groupBy("u").agg(F.min("v").alias("m"))
    linked = down.join(mins, "u")
    out = (linked.select(F.least("v", "m").alias("u"), F.greatest("v", "m").alias("v"))
           .unionByName(mins.select(F.least("u", "m").alias("u"), F.greatest("u", "m").alias("v"))))
    return out.where(F.col("u") != F.col("v")).distinct()


def _checkpoint(df: DataFrame, spark: Any) -> DataFrame:
    """Cut a frame's lineage: a reliable checkpoint when the session has a checkpoint directory
    (``spark.checkpoint.dir``), else a local one."""
    if spark.sparkContext.getCheckpointDir() is not None:
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


# -- writing ------------------------------------------------------------------------------------


def write_lines(spark: Any, lines: DataFrame, output: str, schema: pa.Schema) -> int:
    """Write JSON lines (column ``value``, in order) to ``output``: ``-`` prints them; ``.jsonl``
    (``.jsonl.gz``) writes part files ``part-*.jsonl`` (``.jsonl.gz``) in a directory of that name;
    ``.parquet`` a Parquet dataset directory with ``schema``. Returns the number of records."""
    fmt = output_format(output)
    if output == "-":
        n = 0
        out = sys.stdout
        for row in lines.toLocalIterator():
            out.write(row["value"] + "\n")
            n += 1
        out.flush()
        return n
    lines = _persist(lines)
    n = int(lines.count())
    if fmt == "parquet":
        from pyspark.sql.pandas.types import from_arrow_schema

        lines.mapInArrow(_json_to_arrow(schema), from_arrow_schema(schema)).write.mode("overwrite").parquet(output)
    else:
        writer = lines.write.mode("overwrite")
        if fmt == "jsonl.gz":
            writer = writer.option("compression", "gzip")
        writer.text(output)
        _rename_parts(spark, output, ".jsonl.gz" if fmt == "jsonl.gz" else ".jsonl")
    lines.unpersist()
    return n


def _json_to_arrow(schema: pa.Schema) -> BatchFn:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            rows = [orjson.loads(v) for v in b.column("value").to_pylist()]
            yield pa.RecordBatch.from_pylist(rows, schema=schema)

    return run


def _rename_parts(spark: Any, output: str, ending: str) -> None:
    """Spark's text writer names its parts ``.txt``; they hold JSON lines."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    top = jvm.org.apache.hadoop.fs.Path(output)
    fs = top.getFileSystem(conf)
    for st in fs.listStatus(top):
        name = st.getPath().getName()
        for txt in (".txt.gz", ".txt"):
            if name.startswith("part-") and name.endswith(txt):
                fs.rename(st.getPath(), jvm.org.apache.hadoop.fs.Path(top, name[: -len(txt)] + ending))
                break


# -- the run ------------------------------------------------------------------------------------


@contextmanager
def shuffle_partitions(spark: Any, n: int) -> Iterator[None]:
    """Joins and group-bys of a run cut their data into ``n`` pieces (Spark's default is 200,
    whatever the data), the session's setting restored afterwards."""
    key = "spark.sql.shuffle.partitions"
    before = spark.conf.get(key)
    spark.conf.set(key, str(n))
    try:
        yield
    finally:
        spark.conf.set(key, before)


def _persist(df: DataFrame, disk: bool = False) -> DataFrame:
    from pyspark import StorageLevel

    return df.persist(StorageLevel.DISK_ONLY if disk else StorageLevel.MEMORY_AND_DISK)


#: The longest plan string Spark renders for a run (see :class:`_Run`); a session's own setting wins.
PLAN_STRING_KEY = "spark.sql.maxPlanStringLength"
PLAN_STRING_CHARS = 100_000


class _Run:
    """One find: the session, what it computes and the frames it keeps."""

    def __init__(self, spark: Any, plan: Plan, options: Options, fields: Fields, partitions: int | None,
                 on_message: Callable[[str], None] | None):
        self.spark = spark
        self.sc = spark.sparkContext
        self.plan = plan
        self.options = options
        self.fields = fields
        self.partitions = partitions
        self.on_message = on_message
        self.timings: dict[str, float] = {}
        self.tier: dict[str, int] = {}
        self.scratch: list[Any] = []
        self.n_docs = 0
        self.P = partitions or 1
        self.t0 = time.perf_counter()
        # Spark renders every adaptive plan as a string for its listeners, nested cached plans in
        # full: the paraphrase stage's plan, which nests the earlier stages' frames several times,
        # can render to more than a 2 GB driver heap holds. Truncated strings lose nothing here.
        if spark.conf.get(PLAN_STRING_KEY, None) is None:
            spark.conf.set(PLAN_STRING_KEY, str(PLAN_STRING_CHARS))

    def keep(self, df: Any) -> Any:
        """A frame cached for the run only (released when the run ends)."""
        self.scratch.append(df)
        return df

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """A stage of the run: its Spark jobs carry the group ``retold.<name>`` (metrics per stage)."""
        self.sc.setJobGroup(f"retold.{name}", f"retold {name}", interruptOnCancel=False)
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = time.perf_counter() - t
            self.sc.setJobGroup("retold", "retold", interruptOnCancel=False)

    # -- read ---------------------------------------------------------------------------------

    def read(self, units: list[Unit], keep_records: bool) -> tuple[Any, Any, ReadStats]:
        """Documents (``index`` in read order, text...), their ids and dates, and the read's stats."""
        from pyspark.sql import functions as F

        spark = self.spark
        site_level = self.plan.boilerplate == "site"
        by_id = {u.order: u for u in units}
        fn = read_units(by_id, self.fields, keep_records, site_level)
        local = [u.order for u in units if u.uri is None]
        remote: dict[str, list[int]] = {}
        for u in units:
            if u.uri is not None:
                remote.setdefault(u.uri, []).append(u.order)
        parts = []
        if local:
            slices = max(1, min(len(local), self.sc.defaultParallelism * 4))
            frame = spark.createDataFrame([(o,) for o in local], "unit long").repartition(slices, "unit")
            parts.append(frame.mapInArrow(fn, READ_DDL))
        if remote:
            fetched = (spark.read.format("binaryFile").load([_glob_escape(u) for u in remote])
                       .select("path", "content"))
            lookup = dict(remote)

            def with_unit(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
                for b in batches:
                    for path, content in zip(b.column("path").to_pylist(), b.column("content").to_pylist()):
                        # a file given twice is read twice, as locally
                        for uid in lookup[path]:
                            yield from fn(iter([pa.RecordBatch.from_pydict({"unit": [uid], "content": [content]})]))

            parts.append(fetched.mapInArrow(with_unit, READ_DDL))
        if not parts:
            raw = spark.createDataFrame([], READ_DDL)
        else:
            raw = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        raw = self.keep(_persist(raw, disk=True))
        per_unit = raw.where(F.col("row") == _STATS).select("unit", "stats").collect()
        stats = ReadStats()
        docs_in: dict[int, int] = {}
        for r in per_unit:
            st = orjson.loads(r["stats"])
            docs_in[int(r["unit"])] = st["documents"]
            stats.documents += st["documents"]
            stats.files += st["files"]
            stats.skipped.update(st["skipped"])
            stats.warnings.update(st["warnings"])
        offsets, run = [], 0
        for u in units:
            offsets.append((u.order, run))
            run += docs_in.get(u.order, 0)
        n_docs = run
        self.n_docs = n_docs
        self.P = self.partitions or max(self.sc.defaultParallelism, math.ceil(n_docs / DOCS_PER_PARTITION))
        offs = F.broadcast(spark.createDataFrame(offsets or [(0, 0)], "unit long, base long"))
        docs = (raw.where(F.col("row") == _DOC).join(offs, "unit")
                .withColumn("index", F.col("base") + F.col("seq")).drop("base"))
        # ids: only those that may collide are folded, in read order
        seg = F.substring_index("raw_id", "#", 1)
        heads = docs.select("index", "raw_id", "uid_line", "unit", "ev").withColumn("seg", seg)
        shared = heads.groupBy("seg").count().where(F.col("count") > 1).select("seg")
        renamed = self.keep(_persist(heads.join(shared, "seg", "left_semi").repartition(self.P, "seg")
                           .sortWithinPartitions("seg", "index")
                           .mapInArrow(_fold_ids({u.order: u.path for u in units}, self.fields),
                                       "index long, id string, unit long, ev long, msg string")))
        n_renamed = int(renamed.count())
        if n_renamed:
            stats.warnings["duplicate_id"] += n_renamed
        msgs = raw.where(F.col("row") == _MSG).select("unit", "ev", "msg").unionByName(
            renamed.select("unit", "ev", "msg"))
        n_msgs = int(msgs.count())
        first = msgs.orderBy("unit", "ev").limit(MAX_MESSAGES).collect()
        for r in first:
            stats.add_message(r["msg"])
            if self.on_message is not None:
                self.on_message(r["msg"])
        stats.messages_dropped = n_msgs - len(first)
        texts = _persist(docs.select("index", "text", "site", "record", "record_id_follows")
                         .repartition(self.P, "index"), disk=True)
        meta = (docs.select("index", "raw_id", "date").join(renamed.select("index", "id"), "index", "left")
                .select("index", F.coalesce("id", "raw_id").alias("id"), "date"))
        texts.count()
        return texts, meta, stats

    # -- the stages ---------------------------------------------------------------------------

    def sign(self, texts: Any) -> Any:
        from pyspark.sql import functions as F

        plan, opt = self.plan, self.options
        src = texts.select("index", "text", "site")
        if plan.boilerplate == "site":
            by_site = src.repartition(self.P, "site").sortWithinPartitions("site", "index")
            blobs = by_site.mapInArrow(_count_sites(opt.boilerplate), "site string, counts binary")
            src = src.join(blobs.withColumnRenamed("site", "s"), src["site"].eqNullSafe(F.col("s")), "left").drop("s")
        else:
            src = src.select("index", "text")
        # on disk, not in the heap: a signed document carries kilobytes of shingles, token offsets and
        # keys, and caching them in memory (column batches built on the heap) ran a 2 GB driver out
        # of heap at 1M documents in local mode; every later stage reads a few columns of it once
        signed = self.keep(_persist(src.mapInArrow(_sign(opt, plan), SIGN_DDL), disk=True))
        signed.count()
        return signed

    def exact(self, signed: Any) -> tuple[Any, Any]:
        by_content = _persist(signed.select("index", "content", "n_tokens").repartition(self.P, "content", "n_tokens"))
        reps = self.keep(_persist(by_content.mapInArrow(_exact_reps, "index long, rep long")))
        pairs = self.keep(_persist(by_content.mapInArrow(_exact_pair_rows, PAIR_DDL)))
        reps.count()
        pairs.count()
        by_content.unpersist()
        return reps, pairs

    def key_candidates(self, signed: Any, reps: Any, sources: list[tuple[int, str, candidates.Rule]]) -> Any:
        """Pairs of representatives by the candidate rule over the given indexes."""
        from pyspark.sql import functions as F

        rep_docs = reps.where(F.col("rep") == F.col("index")).select("index")
        rules = {s: rule for s, _, rule in sources}
        cols = ["index"] + sorted({"keys" if n == "bands" else n for _, n, _ in sources})
        postings = (signed.select(*cols).join(rep_docs, "index", "left_semi")
                    .mapInArrow(_postings([(s, n) for s, n, _ in sources]), POSTING_DDL))
        hits = (postings.repartition(self.P, "src", "key").mapInArrow(_key_pairs(rules), HITS_DDL)
                .groupBy("src", "a", "b").agg(F.sum("hits").alias("hits")))
        enough = hits.mapInArrow(_enough(rules), "src byte, a long, b long")
        if not any(rule.min_agreement > 0 for rule in rules.values()):
            return enough.select("a", "b").distinct()
        # the agreement test of band candidates (as the local engine's candidate kernel applies it):
        # both documents' sketch bytes and token counts joined to each pair with enough hits (one
        # chain, not a union per index: the plans of later stages nest this one)
        side = signed.select("index", "n_tokens", "sketch")
        pairs = (enough.join(side.select(F.col("index").alias("a"), F.col("n_tokens").alias("n_tokens_a"),
                                         F.col("sketch").alias("sketch_a")), "a")
                 .join(side.select(F.col("index").alias("b"), F.col("n_tokens").alias("n_tokens_b"),
                                   F.col("sketch").alias("sketch_b")), "b"))
        return pairs.mapInArrow(_agreeing(rules), "a long, b long").distinct()

    def verify(self, signed: Any, cands: Any) -> Any:
        from pyspark.sql import functions as F

        cols = ["n_tokens", "shingles"] + (["tokoff"] if self.plan.passages else [])
        side_a = signed.select(F.col("index").alias("a"), *(F.col(c).alias(c + "_a") for c in cols))
        side_b = signed.select(F.col("index").alias("b"), *(F.col(c).alias(c + "_b") for c in cols))
        joined = cands.repartition(self.P, "a", "b").join(side_a, "a").join(side_b, "b")
        return joined.mapInArrow(_decide(self.options, self.plan), PAIR_DDL)

    def paraphrase(self, signed: Any, texts: Any, reps: Any, table: Any) -> Any:
        from pyspark.sql import functions as F

        rule = tier.term_rule(self.options)
        cands = self.key_candidates(signed, reps, [(2, "terms", rule)])
        side = signed.select("index", "terms")
        with_terms = (cands.join(side.select(F.col("index").alias("a"), F.col("terms").alias("terms_a")), "a")
                      .join(side.select(F.col("index").alias("b"), F.col("terms").alias("terms_b")), "b"))
        cands = self.keep(_persist(with_terms.mapInArrow(_containment(self.options), "a long, b long")))
        cands.count()
        tx = texts.select("index", "text").join(signed.select("index", "spans"), "index")
        known = table.select("a", "b", *(F.col(c).alias("t_" + c) for c in table.columns if c not in ("a", "b")))
        joined = (cands.join(known, ["a", "b"], "left")
                  .join(tx.select(F.col("index").alias("a"), F.col("text").alias("text_a"),
                                  F.col("spans").alias("spans_a")), "a")
                  .join(tx.select(F.col("index").alias("b"), F.col("text").alias("text_b"),
                                  F.col("spans").alias("spans_b")), "b")
                  .repartition(self.P, "a", "b"))
        cascade = cascade_runs(self.plan.embedder)
        if cascade:
            # which sentences MiniLM reads depends on every pair a document is in: a first pass
            # collects them over the whole run, the second decides each pair with that union
            joined = self.keep(_persist(joined, disk=True))
            needs = (joined.mapInArrow(_cascade_needs(self.options, self.plan, self.n_docs), "doc long, sentence long")
                     .distinct().groupBy("doc").agg(F.sort_array(F.collect_list("sentence")).alias("need")))
            needs = self.keep(_persist(needs))
            joined = (joined.join(needs.select(F.col("doc").alias("a"), F.col("need").alias("need_a")), "a", "left")
                      .join(needs.select(F.col("doc").alias("b"), F.col("need").alias("need_b")), "b", "left"))
        found = self.keep(_persist(joined.mapInArrow(_paraphrase(self.options, self.plan, self.n_docs, cascade),
                                                     PAIR_DDL)))
        counts: dict[str, int] = {}
        for r in found.where(F.col("a") < 0).select("b", "score").collect():  # a few rows per partition
            key = TIER_COUNTS[int(r["b"])]
            counts[key] = counts.get(key, 0) + int(r["score"])
        # the additive ones of the local run's counts (documents and languages are not counted here)
        self.tier = counts
        return table.join(cands, ["a", "b"], "left_anti").unionByName(found.where(F.col("a") >= 0))


    def find(self, texts: Any, meta: Any, stats: ReadStats) -> SparkFindResult:
        """The stages after the read, each ending with its results cached."""
        from pyspark.sql import functions as F

        plan, opt = self.plan, self.options
        with self.stage("sign"):
            signed = self.sign(texts)
        documents = _persist(meta.join(signed.select("index", "n_tokens"), "index"))
        with self.stage("exact"):
            reps, exact_rows = self.exact(signed)
        table = exact_rows
        n_cand = 0
        if plan.bands and self.n_docs > 1:
            with self.stage("candidates"):
                sources = [(i, name, rule) for i, (name, rule) in enumerate(candidates.indexes(opt, plan))]
                cands = self.keep(_persist(self.key_candidates(signed, reps, sources)))
                n_cand = int(cands.count())
            with self.stage("verify"):
                decided = self.keep(_persist(self.verify(signed, cands)))
                decided.count()
                table = table.unionByName(decided)
        if plan.paraphrase and self.n_docs > 1:
            with self.stage("paraphrase"):
                table = self.keep(_persist(self.paraphrase(signed, texts, reps, table)))
                table.count()
        table = _persist(table.where(F.col("kind").isin([KIND_CODE[k] for k in plan.kinds])))
        table.count()
        # what the result needs of the signed documents: their furniture
        furniture = _persist(signed.select("index", "spans"))
        furniture.count()
        documents.count()
        for df in self.scratch:
            df.unpersist()
        self.timings["total"] = time.perf_counter() - self.t0
        return SparkFindResult(spark=self.spark, plan=plan, table=table, documents=documents, n_docs=self.n_docs,
                               stats=stats, candidates=n_cand, timings=self.timings, tier=self.tier,
                               furniture=furniture, texts=texts, fields=self.fields, partitions=self.P)


def find(paths: Sequence[PathLike], kinds: str | Iterable[str] | None = None, options: Options | None = None, *,
         fields: Fields | None = None, boilerplate: bool | None = None, embedder: str | None = None,
         plan: Plan | None = None, spark: SparkSession | None = None, partitions: int | None = None,
         on_message: Callable[[str], None] | None = None, keep_records: bool = False,
         progress: Any = None) -> SparkFindResult:
    """Every related pair of documents, verified, with exact scores: :func:`retold.find` on Spark.

    The same records as the local engine (same fields, scores within 1e-6), whatever the number
    of partitions. ``spark``: the session (default: :func:`default_session`); ``partitions``:
    how many pieces each stage's data is cut into (default: the session's parallelism, or one
    per 25,000 documents). ``keep_records``: keep each input record for :func:`dedup`. The
    result keeps its frames in Spark; ``records()`` streams them, ``write(path)`` writes them.
    """
    del progress  # Spark shows its own (spark.ui.showConsoleProgress)
    spark = spark or default_session()
    opt = options or Options()
    fields = fields or Fields()
    units = list_inputs(paths, spark)
    plan = plan or Plan.for_kinds(kinds, boilerplate=boilerplate, embedder=embedder, web=is_web(units))
    run = _Run(spark, plan, opt, fields, partitions, on_message)
    with shuffle_partitions(spark, partitions or spark.sparkContext.defaultParallelism), run.stage("read"):
        texts, meta, stats = run.read(units, keep_records)
    with shuffle_partitions(spark, run.P):
        return run.find(texts, meta, stats)


def family_plan(kinds: str | Iterable[str] | None, boilerplate: bool | None, web: bool) -> Plan:
    """The plan of ``clusters`` and ``dedup`` (as the local engine's): the families the full ``find`` reports."""
    return Plan.for_kinds(kinds if kinds is not None else FAMILY_KINDS, boilerplate=boilerplate, web=web,
                          families=True)


def clusters(paths: Sequence[PathLike], keep: str = "first", kinds: str | Iterable[str] | None = None,
             options: Options | None = None, *, fields: Fields | None = None, boilerplate: bool | None = None,
             spark: SparkSession | None = None, partitions: int | None = None,
             on_message: Callable[[str], None] | None = None, progress: Any = None
             ) -> tuple[SparkFindResult, SparkClusters]:
    """Reuse families on Spark: :func:`retold.clusters` with the same clusters."""
    spark = spark or default_session()
    ks = parse_kinds(kinds, FAMILY_KINDS)
    units_web = is_web(list_inputs(paths, spark))
    res = find(paths, options=options, fields=fields, plan=family_plan(ks, boilerplate, units_web), spark=spark,
               partitions=partitions, on_message=on_message)
    return res, res.clusters(keep, ks)


def dedup(paths: Sequence[PathLike], output: str, keep: str = "first", kinds: str | Iterable[str] | None = None,
          options: Options | None = None, *, fields: Fields | None = None, boilerplate: bool | None = None,
          strip_boilerplate: bool = False, spark: SparkSession | None = None, partitions: int | None = None,
          on_message: Callable[[str], None] | None = None, progress: Any = None) -> tuple[SparkFindResult, int]:
    """Write the input records of one representative per family, fields unchanged, in input order
    (:func:`retold.dedup` on Spark). Returns the find result and the number of records written."""
    from pyspark.sql import functions as F

    spark = spark or default_session()
    fields = fields or Fields()
    ks = parse_kinds(kinds, FAMILY_KINDS)
    if strip_boilerplate and boilerplate is None:
        boilerplate = True
    units_web = is_web(list_inputs(paths, spark))
    res = find(paths, options=options, fields=fields, plan=family_plan(ks, boilerplate, units_web), spark=spark,
               partitions=partitions, on_message=on_message, keep_records=True)
    fam = res.families(keep, ks)
    kept = fam.where(F.col("rep") == F.col("index")).select("index")
    rows = (res.texts.join(kept, "index", "left_semi").join(res.documents.select("index", "id"), "index")
            .join(res.furniture, "index").orderBy("index"))
    lines = rows.mapInArrow(_dedup_lines(fields, strip_boilerplate), "value string")
    schema = _infer_schema(lines, output)
    n = write_lines(spark, lines, output, schema)
    return res, n


def _dedup_lines(fields: Fields, strip_boilerplate: bool) -> BatchFn:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            lines = []
            for r in b.to_pylist():
                rec = pickle.loads(r["record"]) if r["record"] is not None else None
                if rec is None:
                    rec = {"id": r["id"], "text": r["text"]}
                elif r["record_id_follows"]:
                    rec["id"] = r["id"]
                spans = spans_of(r["spans"]) if strip_boilerplate else []
                if spans:
                    rec[fields.text if r["record"] is not None else "text"] = strip(r["text"], spans)
                lines.append(orjson.dumps(rec, option=orjson.OPT_SERIALIZE_NUMPY).decode())
            yield pa.RecordBatch.from_pydict({"value": lines}, schema=pa.schema([("value", pa.string())]))

    return run


def _infer_schema(lines: DataFrame, output: str, sample: int = 1000) -> pa.Schema:
    """The Parquet schema of dedup records, inferred from the first ones (as the local writer does)."""
    if output_format(output) != "parquet":
        return pa.schema([])
    rows = [orjson.loads(r["value"]) for r in lines.limit(sample).collect()]
    schema = pa.Table.from_pylist(rows).schema if rows else pa.schema([("id", pa.string()), ("text", pa.string())])
    return pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema])


__all__ = ["SparkClusters", "SparkFindResult", "clusters", "connected_components", "dedup", "default_session",
           "find", "list_inputs"]
