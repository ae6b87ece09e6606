"""Inputs that are not paths: texts, records and tables already in memory, and standard input.

An engine reads its inputs more than once (the paraphrase tier and ``dedup`` re-read the
documents they need), so every input is something that can be read again: a path, or a
:class:`Source`. :func:`as_sources` turns what a caller passes into that list; the rule for
strings is that they are paths (see :func:`as_sources`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .base import BOM, Document, ReadContext


class Source:
    """An input read through a :class:`~retold.readers.base.ReadContext`, as often as needed."""

    #: the name messages and ``--id-prefix file`` use for it
    name: str = "<source>"

    def read(self, ctx: ReadContext) -> Iterator[Document]:  # pragma: no cover - abstract
        raise NotImplementedError


def _is_table(obj: Any) -> bool:
    """A pandas DataFrame or a pyarrow Table / RecordBatch (told apart without importing them)."""
    module = type(obj).__module__ or ""
    if module.startswith("pandas"):
        return hasattr(obj, "columns")
    return module.startswith("pyarrow") and hasattr(obj, "schema") and hasattr(obj, "to_pylist")


class Records(Source):
    """Records in memory: a list of texts, of dicts (fields as in a JSONL file), of
    :class:`~retold.readers.base.Document` objects, a ``{id: text}`` mapping, or a pandas
    DataFrame / pyarrow Table (one record a row). A text's id is its position in the list
    (``"0"``, ``"1"``...). ``line`` in messages is the 1-based position.

    >>> from retold.readers import read_documents
    >>> [(d.id, d.text) for d in read_documents([Records(["One text.", "Another."])])]
    [('0', 'One text.'), ('1', 'Another.')]
    >>> [d.id for d in read_documents([Records([{"id": "a", "meta": {"body": "hi"}}])], text_field="meta.body")]
    ['a']
    """

    def __init__(self, items: Any, name: str | None = None):
        if isinstance(items, Mapping):
            items = [{"id": str(k), "text": v} for k, v in items.items()]
        self.table = items if _is_table(items) else None
        self.items: list[Any] = [] if self.table is not None else list(items)
        for i, item in enumerate(self.items):
            if not isinstance(item, (str, dict, Document)):
                raise TypeError(f"item {i} is a {type(item).__name__}: records are texts, dicts or Documents")
        self.name = name or ("<table>" if self.table is not None else "<records>")

    def __repr__(self) -> str:
        n = self.table.shape[0] if self.table is not None else len(self.items)
        return f"Records({self.name}, {n} items)"

    def _rows(self) -> Iterator[Any]:
        if self.table is None:
            yield from self.items
            return
        import pyarrow as pa

        table = self.table
        if (type(table).__module__ or "").startswith("pandas"):
            table = pa.Table.from_pandas(table, preserve_index=False)
        batches = table.to_batches(max_chunksize=1024) if hasattr(table, "to_batches") else [table]
        for batch in batches:
            yield from batch.to_pylist()

    def read(self, ctx: ReadContext) -> Iterator[Document]:
        ctx.name = self.name
        for line, item in enumerate(self._rows(), 1):
            if isinstance(item, str):
                if not item or item.isspace():
                    ctx.warn("empty", self.name, line, "empty text")
                doc_id = ctx.unique_id(str(line - 1), self.name, line)
                doc = ctx.emit(Document(doc_id, item, self.name, line, None,
                                        {"id": doc_id, "text": item} if ctx.keep_records else None))
            elif isinstance(item, Document):
                doc = ctx.emit(Document(ctx.unique_id(item.id, self.name, line), item.text, self.name, line,
                                        item.date, item.record if ctx.keep_records else None))
            else:
                doc = ctx.from_record(item, self.name, line)
            if doc is not None:
                yield doc
        ctx.end_file(self.name)


class Stdin(Source):
    """Standard input, spooled to a temporary file once so that it can be read again (deleted
    when this object goes). JSON Lines when it starts with ``{``, a JSON array when it starts
    with ``[``, else one text document with the id ``-``. Messages name it ``-``."""

    name = "-"

    def __init__(self, stream: Any = None):
        stream = stream if stream is not None else sys.stdin.buffer
        fd, self.path = tempfile.mkstemp(prefix="retold-stdin-")
        self._cleanup = weakref.finalize(self, _unlink, self.path)
        head = b""
        with os.fdopen(fd, "wb") as f:
            while chunk := stream.read(1 << 20):
                if len(head) < 64:
                    head += chunk[:64]
                f.write(chunk)
        first = head.removeprefix(BOM).lstrip()[:1]
        self.kind = "json" if first == b"[" else "jsonl" if first == b"{" else "text"

    def __repr__(self) -> str:
        return f"Stdin({self.kind})"

    def read(self, ctx: ReadContext) -> Iterator[Document]:
        from .jsonl import read_json, read_jsonl
        from .text import read_text

        ctx.aliases[self.name] = self.path
        ctx.name = self.name
        if self.kind == "json":
            yield from read_json(ctx, self.name)
        elif self.kind == "jsonl":
            yield from read_jsonl(ctx, self.name)
        else:
            yield from read_text(ctx, self.name, self.name)
        ctx.end_file(self.name)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class Sources(list):
    """A list of inputs already checked by :func:`as_sources` (checked once, however often passed on)."""


def as_sources(inputs: Any = None, texts: Iterable[str] | Mapping[str, str] | None = None) -> Sources:
    """What an engine reads: paths (``str`` or ``os.PathLike``) and :class:`Source`\\ s.

    ``inputs`` is a path, a list of paths (``-`` is standard input), a list of records (dicts or
    Documents), a pandas DataFrame or pyarrow Table, or a :class:`Source`; ``texts`` a list of
    texts (ids ``"0"``, ``"1"``...) or a ``{id: text}`` mapping.

    **Strings are paths.** A missing path among others is counted (``missing_path``) and the
    rest is read; but when *no* string given names an existing file or directory, they are
    most likely texts, and a ``ValueError`` says to pass them as ``texts=``.

    >>> as_sources(texts=["A text.", "Another."])
    [Records(<texts>, 2 items)]
    >>> as_sources(["Kim denied Putin any help.", "Putin was denied help by Kim."])
    Traceback (most recent call last):
    ...
    ValueError: none of these is an existing file or directory: 'Kim denied Putin any help.', 'Putin was denied \
help by Kim.'; to find reuse among texts, pass them as texts=[...] (or as records: dicts with 'id' and 'text')
    """
    if isinstance(inputs, Sources) and texts is None:
        return inputs
    out = Sources()
    if texts is not None:
        out.append(Records(texts, name="<texts>"))
    if inputs is None:
        return out
    if isinstance(inputs, (str, os.PathLike, Source)) or _is_table(inputs):
        inputs = [inputs]
    items = list(inputs)
    if items and all(isinstance(x, (dict, Document)) for x in items):
        out.append(Records(items))
        return out
    strings = [x for x in items if isinstance(x, str)]
    if strings and len(strings) == len(items) and "-" not in strings and not any(os.path.exists(x) for x in strings):
        shown = ", ".join(repr(x if len(x) <= 60 else x[:57] + "...") for x in strings[:3])
        raise ValueError(f"none of these is an existing file or directory: {shown}{', ...' if len(strings) > 3 else ''}"
                         "; to find reuse among texts, pass them as texts=[...] (or as records: dicts with 'id' and "
                         "'text')")
    for x in items:
        if isinstance(x, Source):
            out.append(x)
        elif _is_table(x):
            out.append(Records(x))
        elif isinstance(x, (str, os.PathLike)):
            out.append(Stdin() if os.fspath(x) == "-" else os.fspath(x))
        elif isinstance(x, (dict, Document)):
            raise TypeError("records (dicts, Documents) cannot be mixed with paths in one list")
        else:
            raise TypeError(f"cannot read a {type(x).__name__}: pass paths, texts, records or a table")
    return out
