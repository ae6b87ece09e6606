"""Documents, the accounting of one read and the registry of input formats.

:class:`ReadContext` carries what every format reader shares (field names, counts, messages, the
ids seen so far); :class:`Format` and :func:`register` make a format one module. The rules for bad
input, the skip and warning reasons and the message form are in :mod:`retold.readers`.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "MAX_MESSAGES",
    "Document",
    "Format",
    "ReadContext",
    "ReadStats",
    "format_for",
    "formats",
    "register",
]

#: How many messages a :class:`ReadStats` keeps; later ones are only counted.
MAX_MESSAGES = 1000

BOM = b"\xef\xbb\xbf"
SNIFF = 8192
# Why 1 MiB: each refill of a read buffer gives up the GIL and must take it back from the
# signing threads (read+fingerprint of 100k generated documents 4.75 -> 4.38 s, mean of 4
# alternated runs; no change beyond the noise at 1M).
_READ_BUFFER = 1 << 20
# Control bytes other than \t \n \f \r (and DEL): too many of them means a binary file.
_CONTROL = bytes([b for b in range(32) if b not in (9, 10, 12, 13)] + [127])
_CONTROL_RATIO = 0.30
MAX_SHOWN = 120
MAX_FIELDS_SHOWN = 20
SURROGATE = re.compile("[\ud800-\udfff]")


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


def shown(value: Any) -> str:
    """repr() of a value for a message, cut short when long."""
    text = repr(value)
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 3] + "..."
    return text


def is_binary(sample: bytes) -> bool:
    """True for a NUL byte, or more than 30% control bytes other than \\t \\r \\n \\f."""
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > _CONTROL_RATIO * len(sample)


def decode_utf8(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8, replacing bad sequences; returns (text, was_invalid)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _is_utf8(encoding: str) -> bool:
    import codecs

    return codecs.lookup(encoding).name == "utf-8"


def field_of(rec: dict, name: str) -> Any:
    """A record's field; a dotted name (``source.text``) reaches into nested objects when the
    record has no field of that exact name.

    >>> field_of({"source": {"text": "hi"}}, "source.text"), field_of({"a.b": 1}, "a.b"), field_of({}, "x.y")
    ('hi', 1, None)
    """
    value = rec.get(name)
    if value is not None or "." not in name or name in rec:
        return value
    value = rec
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def has_field(rec: dict, name: str) -> bool:
    """Whether the record has the field (its value may be null); dotted names as :func:`field_of`.

    >>> has_field({"a": {"b": None}}, "a.b"), has_field({"a": {}}, "a.b")
    (True, False)
    """
    if name in rec or "." not in name:
        return name in rec
    value: Any = rec
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def shown_name(name: Any) -> str:
    """A field name in a message (quoted only when it needs to be)."""
    return name if isinstance(name, str) and name.isidentifier() else repr(name)


class ReadContext:
    """The state of one read, shared by every format reader: the field names, the counts, the
    messages and the ids seen so far (so ids are unique over the whole run).

    A format reader (see :class:`Format`) reports every problem through :meth:`skip` (the record
    or file is not yielded) or :meth:`warn` (it is yielded, with a problem), turns records into
    documents with :meth:`from_record`, and passes each document it yields through :meth:`emit`.

    Example:
        >>> ctx = ReadContext(ReadStats(), None, "id", "text", "date", keep_records=False)
        >>> ctx.from_record({"id": "a", "text": "hi"}, "c.jsonl", 1).id, ctx.unique_id("a", "c.jsonl", 2)
        ('a', 'a#2')
    """

    def __init__(
        self,
        stats: ReadStats,
        on_message: Callable[[str], None] | None,
        id_field: str,
        text_field: str,
        date_field: str | None,
        keep_records: bool,
        web_options: Any = None,
        id_prefix: str = "none",
        encoding: str | None = None,
    ) -> None:
        self.stats = stats
        self.on_message = on_message
        self.id_field = id_field
        self.text_field = text_field
        self.date_field = date_field
        self.keep_records = keep_records
        self.web_options = web_options  # readers.html.WebOptions, or None for the defaults
        self.id_prefix = id_prefix
        self.encoding = None if encoding is None or _is_utf8(encoding) else encoding
        self.seen: set[str] = set()
        self.next_suffix: dict[str, int] = {}
        #: the name of the file being read (the path as given, or relative to its directory)
        self.name = ""
        #: paths opened from elsewhere: "-" -> the file standard input was spooled to
        self.aliases: dict[str, str] = {}
        self._missing: dict[str, int] = {}  # path -> records without the text field

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
        self.warn("duplicate_id", path, line, f"duplicate id {shown(doc_id)} renamed to {shown(new_id)}")
        return new_id

    def emit(self, doc: Document) -> Document:
        self.stats.documents += 1
        return doc

    def decode(self, data: bytes) -> tuple[str, bool]:
        """Bytes to text with the read's encoding (UTF-8 by default); bad bytes become U+FFFD
        and the flag says so."""
        if self.encoding is None:
            return decode_utf8(data)
        try:
            return data.decode(self.encoding), False
        except UnicodeDecodeError:
            return data.decode(self.encoding, errors="replace"), True

    def warn_invalid(self, path: str, line: int | None) -> None:
        """Count (and tell) text whose bytes were not valid in the read's encoding."""
        if self.encoding is None:
            self.warn("invalid_utf8", path, line, "invalid UTF-8 replaced with U+FFFD")
        else:
            self.warn("invalid_encoding", path, line, f"bytes invalid in {self.encoding} replaced with U+FFFD")

    def end_file(self, path: str) -> None:
        """Close the accounts of one file: how many records lacked the text field."""
        n = self._missing.pop(path, 0)
        if n > 1:
            self.message(path, None, f"{n} records without a {self.text_field!r} field skipped in this file")

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
        text = field_of(rec, self.text_field)
        if text is None:
            if has_field(rec, self.text_field):
                self.skip("missing_text", path, line, "text is null, record skipped")
            else:
                self._missing_field(rec, path, line)
            return None
        if type(text) is not str:
            if allow_bytes and isinstance(text, bytes):
                text, bad = decode_utf8(text)
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

        raw_id = field_of(rec, self.id_field)
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
            self.warn("bad_id_type", path, line, f"id is {type(raw_id).__name__}, using {shown(doc_id)}")

        if invalid_utf8:
            self.warn_invalid(path, line)
        if not text or text.isspace():
            self.warn("empty", path, line, "empty text")

        date = None
        if self.date_field:
            value = field_of(rec, self.date_field)
            if value is not None and value != "":
                date = value if type(value) is str else str(value)

        if self.id_prefix == "file" and raw_id is not None and raw_id != "":
            doc_id = f"{self.name or path}:{doc_id}"
        doc_id = self.unique_id(doc_id, path, line)
        return self.emit(Document(doc_id, text, path, line, date, rec if self.keep_records else None))

    def _missing_field(self, rec: dict, path: str, line: int) -> None:
        # one message a file, naming the fields that are there: a wrong --text-field would
        # otherwise give one identical message a record
        self.stats.skipped["missing_text"] += 1
        n = self._missing.get(path, 0)
        self._missing[path] = n + 1
        if n == 0:
            fields = ", ".join(shown_name(k) for k in list(rec)[:MAX_FIELDS_SHOWN]) or "none"
            more = ", ..." if len(rec) > MAX_FIELDS_SHOWN else ""
            self.message(path, line, f"no {self.text_field!r} field (the record has: {fields}{more}); records "
                         "without it are skipped (use --text-field to name the text field)")

    def real_path(self, path: str) -> str:
        """The file to open for ``path`` (standard input is spooled to a file under the name ``-``)."""
        return self.aliases.get(path, path)

    def open_binary(self, path: str) -> Any:
        try:
            f = open(self.real_path(path), "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - the caller closes it
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

    def seekable(self, path: str) -> Any:
        """What a reader that needs random access (Parquet) opens: the path itself here; an engine
        that fetched the file's bytes from elsewhere (Spark, from any Hadoop file system) gives
        them as a file object."""
        return self.real_path(path)

    def sniff_binary(self, f: Any, path: str) -> bool:
        """Skip a corpus file that holds NUL bytes near its start (True when skipped)."""
        head = f.read(SNIFF)
        f.seek(0)
        if b"\x00" in head:
            self.skip("binary", path, None, "binary file (NUL bytes), skipped")
            return True
        return False



# -- the registry of input formats ---------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """An input format: how to recognise its files and how to read one.

    Attributes:
        name: short name (``jsonl``, ``csv``...).
        endings: lower-case file name endings that select it (the longest match wins).
        read: ``read(ctx, path, doc_id)`` yields the documents of one file; ``doc_id`` is the id
            a single-document file takes (the path as given, or relative to its directory).
            Every problem goes through ``ctx`` (:class:`ReadContext`), never an exception.

    Example:
        >>> def read_upper(ctx, path, doc_id):
        ...     data = ctx.read_bytes(path)
        ...     if data is not None:
        ...         yield ctx.emit(Document(ctx.unique_id(doc_id, path, None), data.decode().upper(), path, 0))
        >>> register(Format("shout", (".shout",), read_upper))
        >>> format_for("notes.SHOUT").name
        'shout'
        >>> unregister("shout")
    """

    name: str
    endings: tuple[str, ...]
    read: Callable[[ReadContext, str, str], Iterator[Document]]


_FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> None:
    """Add (or replace) an input format; built-in formats register themselves on import."""
    _FORMATS[fmt.name] = fmt


def unregister(name: str) -> None:
    """Remove an input format added with :func:`register`."""
    _FORMATS.pop(name, None)


def formats() -> list[Format]:
    """The registered formats."""
    return list(_FORMATS.values())


def format_for(name: str) -> Format:
    """The format of a file name: the longest registered ending it has, else ``text`` (one text
    document a file).

    >>> format_for("a/b.JSONL.gz").name, format_for("notes.md").name
    ('jsonl.gz', 'text')
    """
    low = name.lower()
    best: Format | None = None
    best_len = 0
    for fmt in _FORMATS.values():
        for end in fmt.endings:
            if low.endswith(end) and len(end) > best_len:
                best, best_len = fmt, len(end)
    return best if best is not None else _FORMATS["text"]
