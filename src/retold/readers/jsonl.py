"""JSON Lines (``.jsonl``, ``.ndjson``) and JSON (``.json``), plain or gzipped.

JSON Lines: one object a line, parsed with orjson (with the standard library's parser as a
fallback for what orjson refuses: NaN, huge numbers, invalid UTF-8). A ``.json`` file is read
whole: a JSON array of objects (``line`` in messages is then the element's 1-based position) or
one object; a ``.json`` file that is not one JSON value is read as JSON Lines.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from .base import BOM, MAX_SHOWN, SURROGATE, Document, Format, ReadContext, register


def parse_json_line(ctx: ReadContext, raw: bytes, path: str, line: int) -> tuple[Any, bool] | None:
    """Slow path for a line orjson refused: bad UTF-8, NaN, huge numbers... None when skipped."""
    text, invalid = ctx.decode(raw)
    try:
        return orjson.loads(text), invalid
    except orjson.JSONDecodeError as err:
        first_error = str(err)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        ctx.skip("bad_json", path, line, f"bad JSON ({first_error[:MAX_SHOWN]}), line skipped")
        return None
    # The stdlib lets lone surrogates (\ud800) through; they cannot be encoded later.
    if isinstance(obj, dict):
        value = obj.get(ctx.text_field)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                obj = dict(obj)
                obj[ctx.text_field] = SURROGATE.sub("\ufffd", value)
                invalid = True
    return obj, invalid

def _records(ctx: ReadContext, stream: Any, path: str, taken: _Lines | None = None) -> Iterator[Document]:
    """The documents of a stream of JSON lines (bytes); ``taken.n``: the lines taken so far."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    from_record = ctx.from_record
    legacy = ctx.encoding is not None
    line = 0
    if taken is None:
        taken = _Lines()
    for raw in stream:
        line += 1
        taken.n = line
        if line == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        if not raw or raw.isspace():
            continue
        invalid = False
        try:
            if legacy:
                text, invalid = ctx.decode(raw)
                obj = loads(text)
            else:
                obj = loads(raw)
        except decode_error:
            parsed = parse_json_line(ctx, raw, path, line)
            if parsed is None:
                continue
            obj, invalid = parsed
        if type(obj) is not dict:
            ctx.skip("bad_json", path, line, f"not a JSON object (got {type(obj).__name__}), line skipped")
            continue
        doc = from_record(obj, path, line, invalid)
        if doc is not None:
            yield doc


def read_jsonl(ctx: ReadContext, path: str, gz: bool = False) -> Iterator[Document]:
    f = ctx.open_binary(path)
    if f is None:
        return
    counter = _Lines()
    try:
        with f:
            if not gz and ctx.sniff_binary(f, path):
                return
            stream = gzip.GzipFile(fileobj=f, mode="rb") if gz else f
            with stream:
                yield from _records(ctx, stream, path, counter)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        ctx.skip(
            "truncated_gzip",
            path,
            counter.n + 1,
            f"truncated or corrupt gzip stream ({err}); kept the records before it",
        )
    except OSError as err:
        what = f"read error: {err.strerror or err}; rest of file skipped"
        ctx.skip("unreadable", path, counter.n + 1, what)


class _Lines:
    """The lines taken from a stream (for the line of a read error). Why not a generator
    counting them: a second generator frame a line was a visible part of reading."""

    def __init__(self) -> None:
        self.n = 0


def read_json(ctx: ReadContext, path: str, gz: bool = False) -> Iterator[Document]:
    """A ``.json`` file: a JSON array of records, one record, or else JSON Lines."""
    f = ctx.open_binary(path)
    if f is None:
        return
    try:
        with f:
            if not gz and ctx.sniff_binary(f, path):
                return
            data = gzip.GzipFile(fileobj=f, mode="rb").read() if gz else f.read()
    except (EOFError, zlib.error, gzip.BadGzipFile):
        # a cut stream cannot be one JSON value: keep the lines before the cut, as for JSON Lines
        ctx.stats.files -= 1
        yield from read_jsonl(ctx, path, gz=True)
        return
    except OSError as err:
        ctx.skip("unreadable", path, None, f"read error: {err.strerror or err}; file skipped")
        return
    data = data.removeprefix(BOM)
    if data.lstrip()[:1] not in (b"[", b"{"):
        yield from _records(ctx, io.BytesIO(data), path)
        return
    value = _whole(ctx, data)
    if value is None:  # several values: JSON Lines under a .json name (or a broken file: its lines say where)
        yield from _records(ctx, io.BytesIO(data), path)
        return
    value, invalid = value
    del data
    items = value if isinstance(value, list) else [value]
    for pos, obj in enumerate(items, 1):
        if type(obj) is not dict:
            ctx.skip("bad_json", path, pos, f"element {pos} is not a JSON object (got {type(obj).__name__}), "
                     "skipped")
            continue
        doc = ctx.from_record(obj, path, pos, invalid)
        if doc is not None:
            yield doc


def _whole(ctx: ReadContext, data: bytes) -> tuple[Any, bool] | None:
    """The one JSON value a file holds (and whether bytes were replaced), or None."""
    text, invalid = ctx.decode(data) if ctx.encoding is not None else (data, False)
    try:
        return orjson.loads(text), invalid
    except orjson.JSONDecodeError:
        if ctx.encoding is not None:
            return None
    text, invalid = ctx.decode(data)  # orjson refuses invalid UTF-8 that Python can replace
    if not invalid:
        return None
    try:
        return orjson.loads(text), invalid
    except orjson.JSONDecodeError:
        return None


def _read_plain(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_jsonl(ctx, path, gz=False)


def _read_gz(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_jsonl(ctx, path, gz=True)


def _read_json(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_json(ctx, path, gz=False)


def _read_json_gz(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_json(ctx, path, gz=True)


register(Format("jsonl", (".jsonl", ".ndjson"), _read_plain))
register(Format("jsonl.gz", (".jsonl.gz", ".ndjson.gz"), _read_gz))
register(Format("json", (".json",), _read_json))
register(Format("json.gz", (".json.gz",), _read_json_gz))
