"""Output records (pairs, clusters) and the writers that put them in a file.

Records are plain dataclasses with a documented dict form; the format of a file follows its
extension (:data:`OUTPUT_FORMATS`): JSON Lines (``.jsonl``, ``.ndjson``, gzipped with ``.gz``),
a JSON array (``.json``, ``.json.gz``), CSV or TSV (``.csv``, ``.tsv``: one row a record, lists
and objects as JSON in their cell), Parquet (``.parquet``). ``-`` is JSON Lines on stdout, and
so is anything that is not a regular file (``/dev/null``, a named pipe).
"""

from __future__ import annotations

import csv
import gzip
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import orjson


@dataclass(slots=True)
class Passage:
    """A matching stretch: ``[a_start, a_end)`` in a's original text, ``[b_start, b_end)`` in b's."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: str
    score: float
    #: the passage's text in a and in b, when asked for (``find --passage-text``)
    a_text: str | None = None
    b_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start,
                             "b_end": self.b_end, "kind": self.kind, "score": round(self.score, 6)}
        if self.a_text is not None:
            d["a_text"], d["b_text"] = self.a_text, self.b_text
        return d


@dataclass(slots=True)
class Pair:
    """Two related documents.

    ``score`` is the share of the two documents' tokens that lie in matching regions (1.0 for
    exact duplicates); ``jaccard`` and the containments are exact over word k-gram shingle sets;
    ``coverage_a``/``coverage_b`` are each side's share of tokens in matching regions.
    ``kind`` is one of :data:`retold.model.KINDS`; None only in :func:`retold.compare`'s record of
    a pair that ``find`` would not report.
    """

    a: str
    b: str
    kind: str | None
    score: float
    jaccard: float
    containment_a: float
    containment_b: float
    coverage_a: float
    coverage_b: float
    source: str | None = None
    passages: list[Passage] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "a": self.a, "b": self.b, "kind": self.kind, "score": round(self.score, 6),
            "jaccard": round(self.jaccard, 6), "containment_a": round(self.containment_a, 6),
            "containment_b": round(self.containment_b, 6), "coverage_a": round(self.coverage_a, 6),
            "coverage_b": round(self.coverage_b, 6), "source": self.source,
        }
        if self.passages is not None:
            d["passages"] = [p.to_dict() for p in self.passages]
        return d


@dataclass(slots=True)
class Cluster:
    """A reuse family: every document is in exactly one cluster (singletons included)."""

    cluster: int
    representative: str
    members: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "representative": self.representative, "members": self.members}


#: Output file endings and the format each selects.
OUTPUT_FORMATS: dict[str, str] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl.gz",
                                  ".ndjson.gz": "jsonl.gz", ".json": "json", ".json.gz": "json.gz", ".csv": "csv",
                                  ".tsv": "tsv", ".parquet": "parquet"}


def output_format(path: str) -> str:
    """The output format implied by a path (see :data:`OUTPUT_FORMATS`; ``-`` and anything that
    is not a regular file, such as ``/dev/null``, are JSON Lines).

    >>> output_format("pairs.parquet"), output_format("-"), output_format("x.jsonl.gz"), output_format("x.json")
    ('parquet', 'jsonl', 'jsonl.gz', 'json')
    >>> output_format(os.devnull), output_format("pairs.TSV")
    ('jsonl', 'tsv')
    """
    p = path.lower()
    if p == "-":
        return "jsonl"
    for end in sorted(OUTPUT_FORMATS, key=len, reverse=True):
        if p.endswith(end):
            return OUTPUT_FORMATS[end]
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        return "jsonl"
    raise ValueError(f"cannot tell the output format of {path!r}: use {', '.join(OUTPUT_FORMATS)} or - (stdout)")


class _ParquetSink:
    def __init__(self, path: str, batch_rows: int = 50_000):
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self.batch_rows = batch_rows
        self.writer = None
        self.schema = None

    def write(self, rec: dict[str, Any]) -> None:
        self.rows.append(rec)
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows and self.writer is not None:
            return
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()


class _JsonlSink:
    def __init__(self, fh: IO[bytes], owned: bool):
        self.fh = fh
        self.owned = owned

    def write(self, rec: dict[str, Any]) -> None:
        self.fh.write(orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY))

    def close(self) -> None:
        if self.owned:
            self.fh.close()
        else:
            self.fh.flush()


class _JsonArraySink:
    """A JSON array, one record a line, written as records come."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        self.n = 0
        fh.write(b"[")

    def write(self, rec: dict[str, Any]) -> None:
        self.fh.write(b"\n" if self.n == 0 else b",\n")
        self.fh.write(orjson.dumps(rec, option=orjson.OPT_SERIALIZE_NUMPY))
        self.n += 1

    def close(self) -> None:
        self.fh.write(b"\n]\n" if self.n else b"]\n")
        self.fh.close()


class _CsvSink:
    """CSV or TSV with a header row; a list or an object goes in its cell as JSON.

    Records may differ in their fields (``dedup`` writes the input records): rows are spooled
    to a temporary file until the end, when the header (every field, in order of first
    appearance) is known.
    """

    def __init__(self, path: str, delimiter: str):
        self.path = path
        self.delimiter = delimiter
        self.columns: dict[str, None] = {}
        self.spool = tempfile.TemporaryFile()

    def write(self, rec: dict[str, Any]) -> None:
        for k in rec:
            if k not in self.columns:
                self.columns[k] = None
        self.spool.write(orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY))

    @staticmethod
    def cell(v: Any) -> Any:
        if v is None:
            return ""
        if isinstance(v, (list, dict)):
            return orjson.dumps(v).decode()
        return v

    def close(self) -> None:
        self.spool.seek(0)
        cols = list(self.columns)
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=self.delimiter)
            w.writerow(cols)
            for line in self.spool:
                rec = orjson.loads(line)
                w.writerow([self.cell(rec.get(c)) for c in cols])
        self.spool.close()


@contextmanager
def open_writer(path: str) -> Iterator[_JsonlSink | _ParquetSink | _JsonArraySink | _CsvSink]:
    """A record sink for ``path`` (format by extension, :func:`output_format`; ``-`` = stdout JSONL).

    >>> import tempfile, os, orjson
    >>> p = os.path.join(tempfile.mkdtemp(), "out.jsonl")
    >>> with open_writer(p) as w:
    ...     w.write({"a": "x", "b": "y"})
    >>> open(p).read()
    '{"a":"x","b":"y"}\\n'
    """
    fmt = output_format(path)
    sink: _JsonlSink | _ParquetSink | _JsonArraySink | _CsvSink
    if fmt == "parquet":
        sink = _ParquetSink(path)
    elif path == "-":
        sink = _JsonlSink(sys.stdout.buffer, owned=False)
    elif fmt == "jsonl.gz":
        sink = _JsonlSink(gzip.open(path, "wb"), owned=True)
    elif fmt in ("json", "json.gz"):
        sink = _JsonArraySink(gzip.open(path, "wb") if fmt == "json.gz" else open(path, "wb"))
    elif fmt in ("csv", "tsv"):
        sink = _CsvSink(path, "," if fmt == "csv" else "\t")
    else:
        sink = _JsonlSink(open(path, "wb"), owned=True)
    try:
        yield sink
    finally:
        sink.close()


def write_records(path: str, records: Iterable[Any]) -> int:
    """Write records (dataclasses with ``to_dict`` or plain dicts); returns how many."""
    n = 0
    with open_writer(path) as w:
        for r in records:
            w.write(r.to_dict() if hasattr(r, "to_dict") else r)
            n += 1
    return n
