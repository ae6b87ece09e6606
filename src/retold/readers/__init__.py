"""Reading corpora: documents out of files and directories, with an account of every bad input.

``read_documents`` turns a list of paths into a stream of :class:`Document` records. It reads

* directories, recursively: every non-hidden file under it, in sorted order of the path relative to
  the directory. Corpus files inside (``.jsonl``, ``.jsonl.gz``, ``.json``, ``.json.gz``, ``.csv``,
  ``.parquet``) are read with their readers; any other file is one text document whose id is its path
  relative to the directory, with ``/`` separators (``sub/a.txt``);
* JSON Lines (``.jsonl``, ``.ndjson`` and their gzipped forms), one object a line, parsed with orjson;
* JSON (``.json``, ``.json.gz``): an array of objects (``line`` is then the element's position), one
  object, or JSON Lines under a ``.json`` name;
* CSV with a header row (``csv.DictReader``, no limit on the field size);
* Parquet, streamed batch by batch with ``pyarrow.parquet.ParquetFile.iter_batches``;
* any other single file: one text document whose id is the path as given;
* ``-``: standard input (JSON Lines, a JSON array, or one text with the id ``-``), and
  :class:`Source` objects: texts, records and tables in memory (:mod:`retold.readers.memory`).

Record fields may be dotted (``source.text``: the ``text`` of the object in ``source``), ids may be
prefixed with their file (``id_prefix="file"``: ``business.jsonl:001``), and text, JSON(L) and CSV
files may be read in another ``encoding``.

Nothing is loaded whole except a single text document, and everything streams: a generator of
documents comes out, in a deterministic order.

Choices about bad input (the rule is *never lose text silently*):

* Text that is not valid UTF-8 is decoded with ``errors="replace"``: each bad byte sequence becomes
  U+FFFD, the document is still yielded, and it is counted under the warning ``invalid_utf8``. We do
  not guess other encodings (latin-1, cp1252...): a guess can be wrong without anyone noticing, while
  U+FFFD is visible and the count says how many documents were hit; ``encoding=`` names one (bad bytes
  then count as ``invalid_encoding``). A UTF-8 byte order mark at the start
  of a file is dropped. A text file that starts with a UTF-16 byte order mark is decoded as UTF-16.
* Empty or whitespace-only text is yielded, with the warning ``empty``.
* A record whose id repeats an id seen earlier in the same run (in any file) is yielded under the first
  free id of ``f"{id}#{k}"``, k = 2, 3, ..., with the warning ``duplicate_id``. A record without an id
  gets ``f"{path}:{line}"`` (warning ``missing_id``); an id that is neither a string nor an integer is
  turned into a string (warning ``bad_id_type``).
* Records that cannot be read are skipped and counted by reason in :attr:`ReadStats.skipped`.
  Records without the text field give one message a file (naming the fields they do have) and a
  count at the end of the file, not one message each.

Formats live one per module (``text``, ``jsonl``, ``csv``, ``parquet``, ``html``, ``warc``) behind a
registry (:func:`register`, :class:`Format`): a new format is one module that registers itself.

Skip reasons (``ReadStats.skipped``; records or files not yielded):
``missing_path``, ``unreadable``, ``not_a_file``, ``binary``, ``bad_json``, ``missing_text``,
``bad_text_type``, ``truncated_gzip``, ``bad_csv``, ``bad_parquet``.

Warning reasons (``ReadStats.warnings``; documents yielded, with a problem):
``invalid_utf8``, ``invalid_encoding``, ``empty``, ``duplicate_id``, ``missing_id``, ``bad_id_type``,
``extra_fields``.

Every problem also gives one message of one line, ``f"{path}:{line}: {what happened}"`` (``line`` left
out for file-level problems; for CSV it is the data row, as in :attr:`Document.line`), passed to the
``on_message`` callback and kept (the first 1000) in :attr:`ReadStats.messages`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import csv, html, jsonl, parquet, text, warc  # noqa: F401  (each registers its format)
from .base import MAX_MESSAGES, Document, Format, ReadContext, ReadStats, format_for, formats, register, unregister
from .memory import Records, Source, Stdin, as_sources

__all__ = [
    "MAX_MESSAGES",
    "SUPPORTED",
    "Document",
    "Format",
    "ReadContext",
    "ReadStats",
    "Records",
    "Source",
    "Stdin",
    "as_sources",
    "format_for",
    "formats",
    "iter_records_by_index",
    "list_dir",
    "read_documents",
    "read_file",
    "read_path",
    "register",
    "unregister",
]

#: File name endings of the built-in formats (anything else is one text document).
SUPPORTED: tuple[str, ...] = tuple(e for f in formats() for e in f.endings)


def read_path(ctx: ReadContext, given: str | os.PathLike | Source) -> Iterator[Document]:
    """The documents of one input (a file, a directory read recursively, or a :class:`Source`
    such as in-memory records or standard input), through ``ctx``."""
    if isinstance(given, Source):
        yield from given.read(ctx)
        return
    path = os.fspath(given)
    if path == "-":
        yield from Stdin().read(ctx)
        return
    if isinstance(path, bytes):  # pragma: no cover - bytes paths are not advertised
        path = os.fsdecode(path)
    if os.path.isdir(path):
        yield from _read_dir(ctx, path)
    else:
        yield from read_file(ctx, path, path, path)


def list_dir(ctx: ReadContext, top: str) -> list[tuple[str, str]]:
    """The files a directory is read as: ``(relative id, full path)`` in read order (sorted by the
    relative path, ``/`` separators, hidden names left out); a directory that cannot be listed is
    counted through ``ctx``. An engine that reads the files elsewhere lists them with this.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.txt", "a/c.txt", ".hidden"):
    ...     (d / name).parent.mkdir(exist_ok=True); _ = (d / name).write_text("x")
    >>> [rel for rel, _ in list_dir(ReadContext(ReadStats(), None, "id", "text", "date", False), str(d))]
    ['a/c.txt', 'b.txt']
    """
    entries: list[tuple[str, str]] = []

    def onerror(err: OSError) -> None:
        where = err.filename or top
        ctx.skip("unreadable", os.fspath(where), None, f"cannot list directory: {err.strerror or err}")

    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top).replace(os.sep, "/")
            entries.append((rel, full))
    entries.sort()
    return entries


def _read_dir(ctx: ReadContext, top: str) -> Iterator[Document]:
    for rel, full in list_dir(ctx, top):
        yield from read_file(ctx, full, rel, rel)


def read_file(ctx: ReadContext, path: str, name: str, doc_id: str) -> Iterator[Document]:
    """The documents of one file through ``ctx``: its format from ``name``, ``doc_id`` for a file
    that is one document; a missing path or a special file is counted."""
    if not os.path.exists(path):
        ctx.skip("missing_path", path, None, "no such file or directory")
        return
    if not os.path.isfile(path):
        ctx.skip("not_a_file", path, None, "not a regular file, skipped")
        return
    ctx.name = name
    yield from format_for(name).read(ctx, path, doc_id)
    ctx.end_file(path)


def read_documents(
    paths: Sequence[str | os.PathLike | Source],
    *,
    id_field: str = "id",
    text_field: str = "text",
    date_field: str = "date",
    stats: ReadStats | None = None,
    on_message: Callable[[str], None] | None = None,
    keep_records: bool = True,
    web_options: Any = None,
    id_prefix: str = "none",
    encoding: str | None = None,
) -> Iterator[Document]:
    """Stream the documents of files and directories, in a deterministic order.

    Paths are read in the order given; a directory's files in sorted order of their relative path.
    Ids are unique over the whole run (later duplicates get ``#2``, ``#3``...). Bad input is skipped
    or repaired, counted in ``stats`` and reported through ``on_message``; nothing is raised for it.

    Args:
        paths: Files and directories to read (``-``: standard input, see :class:`Stdin`), or
            :class:`Source` objects such as :class:`Records`.
        id_field: Field (column) holding the document id in JSONL, CSV and Parquet; a dotted
            name (``meta.id``) reaches into nested objects.
        text_field: Field (column) holding the text.
        date_field: Field (column) holding the date, if any.
        stats: Counts are added to it as documents stream out; a fresh one is used when None.
        on_message: Called with every one-line message about a problem.
        keep_records: Keep each input record in :attr:`Document.record` (False saves memory).
        web_options: Limits of the HTML/WARC readers (:class:`retold.readers.html.WebOptions`).
        id_prefix: ``"file"``: a record's id becomes ``file:id`` (the file's path as given, or
            relative to its directory), so equal ids in different files name different documents;
            ``"none"`` (default): ids as they are, a repeated one renamed ``id#2``.
        encoding: Codec of text, JSON(L) and CSV files (default UTF-8).

    Yields:
        One :class:`Document` per readable record or text file.

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = pathlib.Path(d, "c.jsonl")
        ...     _ = p.write_text('{"id": "a", "text": "hi"}\\n{"id": "a", "text": "hi again"}\\n')
        ...     [(doc.id, doc.text, doc.line) for doc in read_documents([p])]
        [('a', 'hi', 1), ('a#2', 'hi again', 2)]
    """
    if isinstance(paths, (str, os.PathLike, Source)):
        paths = [paths]
    if stats is None:
        stats = ReadStats()
    ctx = ReadContext(stats, on_message, id_field, text_field, date_field, keep_records, web_options,
                      id_prefix=id_prefix, encoding=encoding)
    for path in paths:
        yield from read_path(ctx, path)


def iter_records_by_index(
    paths: Sequence[str | os.PathLike | Source],
    wanted: set[int] | frozenset[int] | Callable[[int], bool],
    *,
    id_field: str = "id",
    text_field: str = "text",
    date_field: str = "date",
    keep_records: bool = True,
    id_prefix: str = "none",
    encoding: str | None = None,
) -> Iterator[tuple[int, Document]]:
    """Re-read the inputs and yield ``(index, document)`` for the wanted running indices.

    The index is the 0-based position in the stream :func:`read_documents` yields for the same paths
    and options, so indices saved from one read find the same documents again. With a set, reading
    stops after its largest index.

    Args:
        paths: The same paths as given to :func:`read_documents`.
        wanted: A set of indices, or a predicate on the index.
        id_field: As in :func:`read_documents`.
        text_field: As in :func:`read_documents`.
        date_field: As in :func:`read_documents`.
        keep_records: As in :func:`read_documents`.
        id_prefix: As in :func:`read_documents`.
        encoding: As in :func:`read_documents`.

    Yields:
        ``(index, document)`` pairs in increasing index order.
    """
    docs = read_documents(
        paths,
        id_field=id_field,
        text_field=text_field,
        date_field=date_field,
        stats=ReadStats(max_messages=0),
        keep_records=keep_records,
        id_prefix=id_prefix,
        encoding=encoding,
    )
    if callable(wanted):
        for index, doc in enumerate(docs):
            if wanted(index):
                yield index, doc
        return
    if not wanted:
        return
    last = max(wanted)
    try:
        for index, doc in enumerate(docs):
            if index in wanted:
                yield index, doc
            if index >= last:
                break
    finally:
        docs.close()
