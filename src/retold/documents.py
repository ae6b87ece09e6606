"""Documents and corpus readers, with an account of every bad input.

``read_documents`` turns a list of paths into a stream of :class:`Document` records. It reads

* directories, recursively: every non-hidden file under it, in sorted order of the path relative to
  the directory. Corpus files inside (``.jsonl``, ``.jsonl.gz``, ``.json``, ``.json.gz``, ``.csv``,
  ``.parquet``) are read with their readers; any other file is one text document whose id is its path
  relative to the directory, with ``/`` separators (``sub/a.txt``);
* JSON Lines (``.jsonl``, ``.json`` -- read as JSON Lines too -- and their gzipped forms), one object a
  line, parsed with orjson;
* CSV with a header row (``csv.DictReader``, no limit on the field size);
* Parquet, streamed batch by batch with ``pyarrow.parquet.ParquetFile.iter_batches``;
* any other single file: one text document whose id is the path as given.

Nothing is loaded whole except a single text document, and everything streams: a generator of
documents comes out, in a deterministic order.

Choices about bad input (the rule is *never lose text silently*):

* Text that is not valid UTF-8 is decoded with ``errors="replace"``: each bad byte sequence becomes
  U+FFFD, the document is still yielded, and it is counted under the warning ``invalid_utf8``. We do
  not guess other encodings (latin-1, cp1252...): a guess can be wrong without anyone noticing, while
  U+FFFD is visible and the count says how many documents were hit. A UTF-8 byte order mark at the start
  of a file is dropped. A text file that starts with a UTF-16 byte order mark is decoded as UTF-16.
* Empty or whitespace-only text is yielded, with the warning ``empty``.
* A record whose id repeats an id seen earlier in the same run (in any file) is yielded under the first
  free id of ``f"{id}#{k}"``, k = 2, 3, ..., with the warning ``duplicate_id``. A record without an id
  gets ``f"{path}:{line}"`` (warning ``missing_id``); an id that is neither a string nor an integer is
  turned into a string (warning ``bad_id_type``).
* Records that cannot be read are skipped and counted by reason in :attr:`ReadStats.skipped`.

Skip reasons (``ReadStats.skipped``; records or files not yielded):
``missing_path``, ``unreadable``, ``not_a_file``, ``binary``, ``bad_json``, ``missing_text``,
``bad_text_type``, ``truncated_gzip``, ``bad_csv``, ``bad_parquet``.

Warning reasons (``ReadStats.warnings``; documents yielded, with a problem):
``invalid_utf8``, ``empty``, ``duplicate_id``, ``missing_id``, ``bad_id_type``, ``extra_fields``.

Every problem also gives one message of one line, ``f"{path}:{line}: {what happened}"`` (``line`` left
out for file-level problems; for CSV it is the data row, as in :attr:`Document.line`), passed to the
``on_message`` callback and kept (the first 1000) in :attr:`ReadStats.messages`.
"""

from __future__ import annotations

import collections
import csv
import gzip
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "SUPPORTED",
    "MAX_MESSAGES",
    "Document",
    "ReadStats",
    "read_documents",
    "iter_records_by_index",
]

#: File name endings read as corpora (anything else is one text document).
SUPPORTED: tuple[str, ...] = (".txt", ".jsonl", ".jsonl.gz", ".json", ".json.gz", ".csv", ".parquet", ".html",
                               ".htm", ".xhtml", ".warc", ".warc.gz")

#: How many messages a :class:`ReadStats` keeps; later ones are only counted.
MAX_MESSAGES = 1000

_JSONL_ENDINGS = (".jsonl", ".json")
_GZ_JSONL_ENDINGS = (".jsonl.gz", ".json.gz")
_BOM = b"\xef\xbb\xbf"
_SNIFF = 8192
# Control bytes other than \t \n \f \r (and DEL): too many of them means a binary file.
_CONTROL = bytes([b for b in range(32) if b not in (9, 10, 12, 13)] + [127])
_CONTROL_RATIO = 0.30
_PARQUET_BATCH = 1024
_MAX_SHOWN = 120
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class Document:
    """One document of a corpus.

    Attributes:
        id: Unique id within one run of :func:`read_documents`.
        text: The text.
        source: The path of the file it came from, as given (for a file in a directory: that file's path).
        line: 1-based line (JSONL), 1-based data row (CSV, header excluded), 1-based row (Parquet),
            0 for a whole-file text document.
        date: The value of the date field as a string, when there is one.
        record: The input record's fields, unchanged (JSONL, CSV, Parquet); None for text files or
            when read with ``keep_records=False``.

    Example:
        >>> Document("a", "some text", "corpus.jsonl", 3)
        Document(id='a', text='some text', source='corpus.jsonl', line=3, date=None, record=None)
    """

    id: str
    text: str
    source: str
    line: int
    date: str | None = None
    record: dict | None = None


@dataclass
class ReadStats:
    """Counts of what a read yielded and what it had to skip or repair.

    Attributes:
        documents: Documents yielded.
        files: Files opened successfully.
        skipped: Reason -> number of records (or files) not yielded.
        warnings: Reason -> number of documents yielded with a problem.
        messages: One-line messages, the first ``max_messages`` of them.
        messages_dropped: Messages not kept because of the cap.
        max_messages: The cap on ``messages``.

    Example:
        >>> a, b = ReadStats(documents=2), ReadStats(documents=1)
        >>> b.skipped["bad_json"] += 1
        >>> a.merge(b)
        >>> a.documents, dict(a.skipped)
        (3, {'bad_json': 1})
    """

    documents: int = 0
    files: int = 0
    skipped: collections.Counter[str] = field(default_factory=collections.Counter)
    warnings: collections.Counter[str] = field(default_factory=collections.Counter)
    messages: list[str] = field(default_factory=list)
    messages_dropped: int = 0
    max_messages: int = field(default=MAX_MESSAGES, repr=False)

    def add_message(self, message: str) -> None:
        """Keep ``message`` unless the cap is reached (then count it as dropped)."""
        if len(self.messages) < self.max_messages:
            self.messages.append(message)
        else:
            self.messages_dropped += 1

    def merge(self, other: ReadStats) -> None:
        """Add the counts and messages of ``other`` to this one."""
        self.documents += other.documents
        self.files += other.files
        self.skipped.update(other.skipped)
        self.warnings.update(other.warnings)
        room = max(0, self.max_messages - len(self.messages))
        self.messages.extend(other.messages[:room])
        self.messages_dropped += other.messages_dropped + max(0, len(other.messages) - room)

    @property
    def skipped_total(self) -> int:
        """Records and files skipped, all reasons together."""
        return sum(self.skipped.values())

    @property
    def warnings_total(self) -> int:
        """Warnings, all reasons together."""
        return sum(self.warnings.values())

    def as_dict(self) -> dict:
        """A plain, JSON-able summary (reasons sorted by name).

        Example:
            >>> ReadStats(documents=1, files=1).as_dict()["documents"]
            1
        """
        return {
            "documents": self.documents,
            "files": self.files,
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_total": self.skipped_total,
            "warnings": dict(sorted(self.warnings.items())),
            "warnings_total": self.warnings_total,
            "messages": list(self.messages),
            "messages_dropped": self.messages_dropped,
        }


def _shown(value: Any) -> str:
    """repr() of a value for a message, cut short when long."""
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def _is_binary(sample: bytes) -> bool:
    """True for a NUL byte, or more than 30% control bytes other than \\t \\r \\n \\f."""
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > _CONTROL_RATIO * len(sample)


def _decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8, replacing bad sequences; returns (text, was_invalid)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _kind(name: str) -> str:
    from .web import web_kind  # standard library only: safe without the web extra

    web = web_kind(name)
    if web is not None:
        return web  # "html" or "warc"
    low = name.lower()
    if low.endswith(_GZ_JSONL_ENDINGS):
        return "jsonl.gz"
    if low.endswith(_JSONL_ENDINGS):
        return "jsonl"
    if low.endswith(".csv"):
        return "csv"
    if low.endswith(".parquet"):
        return "parquet"
    return "text"


class _Reader:
    """The state of one read: options, stats, and the ids seen so far."""

    def __init__(
        self,
        stats: ReadStats,
        on_message: Callable[[str], None] | None,
        id_field: str,
        text_field: str,
        date_field: str | None,
        keep_records: bool,
    ) -> None:
        self.stats = stats
        self.on_message = on_message
        self.id_field = id_field
        self.text_field = text_field
        self.date_field = date_field
        self.keep_records = keep_records
        self.seen: set[str] = set()
        self.next_suffix: dict[str, int] = {}

    # -- accounting -------------------------------------------------------------------------------

    def message(self, path: str, line: int | None, what: str) -> None:
        where = path if line is None else f"{path}:{line}"
        text = f"{where}: {what}".replace("\r", "\\r").replace("\n", "\\n")
        self.stats.add_message(text)
        if self.on_message is not None:
            self.on_message(text)

    def skip(self, reason: str, path: str, line: int | None, what: str, count: int = 1) -> None:
        self.stats.skipped[reason] += count
        self.message(path, line, what)

    def warn(self, reason: str, path: str, line: int | None, what: str | None) -> None:
        self.stats.warnings[reason] += 1
        if what is not None:
            self.message(path, line, what)

    def unique_id(self, doc_id: str, path: str, line: int | None) -> str:
        seen = self.seen
        if doc_id not in seen:
            seen.add(doc_id)
            return doc_id
        # Everything below the remembered suffix is taken already, and `seen` only grows.
        k = self.next_suffix.get(doc_id, 2)
        while f"{doc_id}#{k}" in seen:
            k += 1
        self.next_suffix[doc_id] = k + 1
        new_id = f"{doc_id}#{k}"
        seen.add(new_id)
        self.warn("duplicate_id", path, line, f"duplicate id {_shown(doc_id)} renamed to {_shown(new_id)}")
        return new_id

    def emit(self, doc: Document) -> Document:
        self.stats.documents += 1
        return doc

    # -- records ----------------------------------------------------------------------------------

    def from_record(
        self,
        rec: dict,
        path: str,
        line: int,
        invalid_utf8: bool = False,
        quiet_missing_id: bool = False,
        allow_bytes: bool = False,
    ) -> Document | None:
        """Apply the field rules to one record; None when it is skipped (already counted)."""
        text = rec.get(self.text_field)
        if text is None:
            what = "text is null" if self.text_field in rec else f"no {self.text_field!r} field"
            self.skip("missing_text", path, line, f"{what}, record skipped")
            return None
        if type(text) is not str:
            if allow_bytes and isinstance(text, bytes):
                text, bad = _decode(text)
                invalid_utf8 = invalid_utf8 or bad
            elif isinstance(text, str):
                text = str(text)
            else:
                self.skip(
                    "bad_text_type",
                    path,
                    line,
                    f"{self.text_field!r} is {type(text).__name__}, not a string, record skipped",
                )
                return None

        raw_id = rec.get(self.id_field)
        if type(raw_id) is str and raw_id:
            doc_id = raw_id
        elif raw_id is None or raw_id == "":
            doc_id = f"{path}:{line}"
            self.warn("missing_id", path, line, None if quiet_missing_id else f"no id, using {doc_id!r}")
        elif type(raw_id) is int or isinstance(raw_id, str):
            doc_id = str(raw_id)
        else:
            if isinstance(raw_id, (dict, list)):
                try:
                    doc_id = orjson.dumps(raw_id, option=orjson.OPT_SORT_KEYS).decode()
                except TypeError:
                    doc_id = str(raw_id)
            else:
                doc_id = str(raw_id)
            self.warn("bad_id_type", path, line, f"id is {type(raw_id).__name__}, using {_shown(doc_id)}")

        if invalid_utf8:
            self.warn("invalid_utf8", path, line, "invalid UTF-8 replaced with U+FFFD")
        if not text or text.isspace():
            self.warn("empty", path, line, "empty text")

        date = None
        if self.date_field:
            value = rec.get(self.date_field)
            if value is not None and value != "":
                date = value if type(value) is str else str(value)

        doc_id = self.unique_id(doc_id, path, line)
        return self.emit(Document(doc_id, text, path, line, date, rec if self.keep_records else None))

    # -- paths ------------------------------------------------------------------------------------

    def read_path(self, given: str | os.PathLike) -> Iterator[Document]:
        path = os.fspath(given)
        if isinstance(path, bytes):  # pragma: no cover - bytes paths are not advertised
            path = os.fsdecode(path)
        if os.path.isdir(path):
            yield from self.read_dir(path)
        else:
            yield from self.read_file(path, _kind(path), doc_id=path)

    def read_dir(self, top: str) -> Iterator[Document]:
        entries: list[tuple[str, str]] = []

        def onerror(err: OSError) -> None:
            where = err.filename or top
            self.skip("unreadable", os.fspath(where), None, f"cannot list directory: {err.strerror or err}")

        for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith("."):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, top).replace(os.sep, "/")
                entries.append((rel, full))
        entries.sort()
        for rel, full in entries:
            yield from self.read_file(full, _kind(rel), doc_id=rel)

    def read_file(self, path: str, kind: str, doc_id: str) -> Iterator[Document]:
        if not os.path.exists(path):
            self.skip("missing_path", path, None, "no such file or directory")
            return
        if not os.path.isfile(path):
            self.skip("not_a_file", path, None, "not a regular file, skipped")
            return
        if kind == "jsonl":
            yield from self.read_jsonl(path, gz=False)
        elif kind == "jsonl.gz":
            yield from self.read_jsonl(path, gz=True)
        elif kind == "csv":
            yield from self.read_csv(path)
        elif kind == "parquet":
            yield from self.read_parquet(path)
        elif kind in ("html", "warc"):
            from .web import read_web

            yield from read_web(self, path, kind, doc_id)
        else:
            yield from self.read_text(path, doc_id)

    def open_binary(self, path: str) -> Any:
        try:
            f = open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            self.skip("missing_path", path, None, "no such file or directory")
            return None
        except OSError as err:
            self.skip("unreadable", path, None, f"cannot open: {err.strerror or err}")
            return None
        self.stats.files += 1
        return f

    def read_bytes(self, path: str) -> bytes | None:
        """A whole file's bytes; None (counted, with a message) when it cannot be opened or read."""
        f = self.open_binary(path)
        if f is None:
            return None
        try:
            with f:
                return f.read()
        except OSError as err:
            self.skip("unreadable", path, None, f"read error: {err.strerror or err}")
            return None

    # -- readers ----------------------------------------------------------------------------------

    def read_text(self, path: str, doc_id: str) -> Iterator[Document]:
        data = self.read_bytes(path)
        if data is None:
            return
        invalid = False
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                text, invalid = data.decode("utf-16", errors="replace"), True
        elif _is_binary(data[:_SNIFF]):
            self.skip("binary", path, None, "binary file (NUL or control bytes), skipped")
            return
        else:
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
            text, invalid = _decode(data)
        del data
        if invalid:
            self.warn("invalid_utf8", path, None, "invalid UTF-8 replaced with U+FFFD")
        if not text or text.isspace():
            self.warn("empty", path, None, "empty text")
        doc_id = self.unique_id(doc_id, path, None)
        yield self.emit(Document(doc_id, text, path, 0))

    def sniff_binary(self, f: Any, path: str) -> bool:
        """Skip a corpus file that holds NUL bytes near its start (True when skipped)."""
        head = f.read(_SNIFF)
        f.seek(0)
        if b"\x00" in head:
            self.skip("binary", path, None, "binary file (NUL bytes), skipped")
            return True
        return False

    def parse_json_line(self, raw: bytes, path: str, line: int) -> tuple[Any, bool] | None:
        """Slow path for a line orjson refused: bad UTF-8, NaN, huge numbers... None when skipped."""
        text, invalid = _decode(raw)
        try:
            return orjson.loads(text), invalid
        except orjson.JSONDecodeError as err:
            first_error = str(err)
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            self.skip("bad_json", path, line, f"bad JSON ({first_error[:_MAX_SHOWN]}), line skipped")
            return None
        # The stdlib lets lone surrogates (\ud800) through; they cannot be encoded later.
        if isinstance(obj, dict):
            value = obj.get(self.text_field)
            if isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    obj = dict(obj)
                    obj[self.text_field] = _SURROGATE.sub("\ufffd", value)
                    invalid = True
        return obj, invalid

    def read_jsonl(self, path: str, gz: bool) -> Iterator[Document]:
        f = self.open_binary(path)
        if f is None:
            return
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        from_record = self.from_record
        line = 0
        try:
            with f:
                if not gz and self.sniff_binary(f, path):
                    return
                stream = gzip.GzipFile(fileobj=f, mode="rb") if gz else f
                with stream:
                    for raw in stream:
                        line += 1
                        if line == 1 and raw.startswith(_BOM):
                            raw = raw[len(_BOM) :]
                        if not raw or raw.isspace():
                            continue
                        invalid = False
                        try:
                            obj = loads(raw)
                        except decode_error:
                            parsed = self.parse_json_line(raw, path, line)
                            if parsed is None:
                                continue
                            obj, invalid = parsed
                        if type(obj) is not dict:
                            self.skip(
                                "bad_json",
                                path,
                                line,
                                f"not a JSON object (got {type(obj).__name__}), line skipped",
                            )
                            continue
                        doc = from_record(obj, path, line, invalid)
                        if doc is not None:
                            yield doc
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            self.skip(
                "truncated_gzip",
                path,
                line + 1,
                f"truncated or corrupt gzip stream ({err}); kept the records before it",
            )
        except OSError as err:
            what = f"read error: {err.strerror or err}; rest of file skipped"
            self.skip("unreadable", path, line + 1, what)

    def read_csv(self, path: str) -> Iterator[Document]:
        _raise_csv_field_limit()
        f = self.open_binary(path)
        if f is None:
            return
        bad_line = [False]

        def lines(stream: Iterable[bytes]) -> Iterator[str]:
            first = True
            for raw in stream:
                if first:
                    first = False
                    if raw.startswith(_BOM):
                        raw = raw[len(_BOM) :]
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError:
                    bad_line[0] = True
                    yield raw.decode("utf-8", errors="replace")

        row = 0
        try:
            with f:
                if self.sniff_binary(f, path):
                    return
                reader = csv.DictReader(lines(f), restkey="_extra_fields")
                try:
                    fieldnames = reader.fieldnames
                except csv.Error as err:
                    self.skip("bad_csv", path, None, f"bad CSV header ({err}), file skipped")
                    return
                if fieldnames is None:
                    return  # empty file
                bad_line[0] = False
                has_text = self.text_field in fieldnames
                has_id = self.id_field in fieldnames
                if not has_text:
                    self.message(path, None, f"no {self.text_field!r} column; every row skipped")
                if not has_id and has_text:
                    self.message(path, None, f"no {self.id_field!r} column; ids are '{path}:<row>'")
                rows = iter(reader)
                while True:
                    try:
                        rec = next(rows)
                    except StopIteration:
                        break
                    except csv.Error as err:
                        row += 1
                        bad_line[0] = False
                        self.skip("bad_csv", path, row, f"bad CSV ({err}), row skipped")
                        continue
                    row += 1
                    invalid, bad_line[0] = bad_line[0], False
                    if not has_text:
                        self.stats.skipped["missing_text"] += 1
                        continue
                    if "_extra_fields" in rec and "_extra_fields" not in fieldnames:
                        what = "more fields than the header, kept as '_extra_fields'"
                        self.warn("extra_fields", path, row, what)
                    doc = self.from_record(rec, path, row, invalid, quiet_missing_id=not has_id)
                    if doc is not None:
                        yield doc
        except OSError as err:
            what = f"read error: {err.strerror or err}; rest of file skipped"
            self.skip("unreadable", path, row + 1, what)

    def read_parquet(self, path: str) -> Iterator[Document]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except PermissionError as err:
            self.skip("unreadable", path, None, f"cannot open: {err.strerror or err}")
            return
        except (OSError, pa.ArrowException) as err:
            self.skip("bad_parquet", path, None, f"not a readable Parquet file ({err}), skipped")
            return
        row = 0
        with pf:
            self.stats.files += 1
            names = pf.schema_arrow.names
            if self.text_field not in names:
                n = pf.metadata.num_rows
                self.skip("missing_text", path, None, f"no {self.text_field!r} column; {n} rows skipped", n)
                return
            columns = None
            if not self.keep_records:
                wanted = (self.id_field, self.text_field, self.date_field)
                columns = [c for c in dict.fromkeys(wanted) if c and c in names]
            quiet_missing_id = self.id_field not in names
            if quiet_missing_id:
                self.message(path, None, f"no {self.id_field!r} column; ids are '{path}:<row>'")
            try:
                for batch in pf.iter_batches(batch_size=_PARQUET_BATCH, columns=columns):
                    for rec in batch.to_pylist():
                        row += 1
                        doc = self.from_record(
                            rec, path, row, quiet_missing_id=quiet_missing_id, allow_bytes=True
                        )
                        if doc is not None:
                            yield doc
            except (OSError, pa.ArrowException) as err:
                left = max(0, pf.metadata.num_rows - row)
                self.skip(
                    "bad_parquet",
                    path,
                    row + 1,
                    f"cannot read Parquet data ({err}); {left} rows skipped",
                    max(1, left),
                )


_csv_limit_raised = False


def _raise_csv_field_limit() -> None:
    """Let the csv module read fields of any size (its default limit is 128 KiB)."""
    global _csv_limit_raised
    if _csv_limit_raised:
        return
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            break
        except OverflowError:  # pragma: no cover - platforms with a 32-bit C long
            limit //= 2
    _csv_limit_raised = True


def read_documents(
    paths: Sequence[str | os.PathLike],
    *,
    id_field: str = "id",
    text_field: str = "text",
    date_field: str = "date",
    stats: ReadStats | None = None,
    on_message: Callable[[str], None] | None = None,
    keep_records: bool = True,
) -> Iterator[Document]:
    """Stream the documents of files and directories, in a deterministic order.

    Paths are read in the order given; a directory's files in sorted order of their relative path.
    Ids are unique over the whole run (later duplicates get ``#2``, ``#3``...). Bad input is skipped
    or repaired, counted in ``stats`` and reported through ``on_message``; nothing is raised for it.

    Args:
        paths: Files and directories to read.
        id_field: Field (column) holding the document id in JSONL, CSV and Parquet.
        text_field: Field (column) holding the text.
        date_field: Field (column) holding the date, if any.
        stats: Counts are added to it as documents stream out; a fresh one is used when None.
        on_message: Called with every one-line message about a problem.
        keep_records: Keep each input record in :attr:`Document.record` (False saves memory).

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
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if stats is None:
        stats = ReadStats()
    reader = _Reader(stats, on_message, id_field, text_field, date_field, keep_records)
    for path in paths:
        yield from reader.read_path(path)


def iter_records_by_index(
    paths: Sequence[str | os.PathLike],
    wanted: set[int] | frozenset[int] | Callable[[int], bool],
    *,
    id_field: str = "id",
    text_field: str = "text",
    date_field: str = "date",
    keep_records: bool = True,
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
