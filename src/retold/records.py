"""Output records (pairs, clusters) and the writers that put them in JSONL or Parquet.

Records are plain dataclasses with a documented dict form; the format of a file follows its
extension (``.jsonl``, ``.jsonl.gz``, ``.parquet``; ``-`` is JSONL on stdout).
"""

from __future__ import annotations

import gzip
import sys
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

    def to_dict(self) -> dict[str, Any]:
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start, "b_end": self.b_end,
                "kind": self.kind, "score": round(self.score, 6)}


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


def output_format(path: str) -> str:
    """The output format implied by a path: ``jsonl``, ``jsonl.gz`` or ``parquet``.

    >>> output_format("pairs.parquet"), output_format("-"), output_format("x.jsonl.gz")
    ('parquet', 'jsonl', 'jsonl.gz')
    """
    p = path.lower()
    if p == "-" or p.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    if p.endswith((".jsonl.gz", ".json.gz", ".ndjson.gz")):
        return "jsonl.gz"
    if p.endswith(".parquet"):
        return "parquet"
    raise ValueError(f"cannot tell the output format of {path!r}: use .jsonl, .jsonl.gz, .parquet or -")


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


@contextmanager
def open_writer(path: str) -> Iterator[_JsonlSink | _ParquetSink]:
    """A record sink for ``path`` (format by extension; ``-`` = stdout JSONL).

    >>> import tempfile, os, orjson
    >>> p = os.path.join(tempfile.mkdtemp(), "out.jsonl")
    >>> with open_writer(p) as w:
    ...     w.write({"a": "x", "b": "y"})
    >>> open(p).read()
    '{"a":"x","b":"y"}\\n'
    """
    fmt = output_format(path)
    if fmt == "parquet":
        sink: _JsonlSink | _ParquetSink = _ParquetSink(path)
    elif path == "-":
        sink = _JsonlSink(sys.stdout.buffer, owned=False)
    elif fmt == "jsonl.gz":
        sink = _JsonlSink(gzip.open(path, "wb"), owned=True)
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
