"""JSON Lines (``.jsonl``, and ``.json`` read as JSON Lines too), plain or gzipped: one object a
line, parsed with orjson (with the standard library's parser as a fallback for what orjson
refuses: NaN, huge numbers, invalid UTF-8)."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from .base import BOM, MAX_SHOWN, SURROGATE, Document, Format, ReadContext, decode_utf8, register


def parse_json_line(ctx: ReadContext, raw: bytes, path: str, line: int) -> tuple[Any, bool] | None:
    """Slow path for a line orjson refused: bad UTF-8, NaN, huge numbers... None when skipped."""
    text, invalid = decode_utf8(raw)
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

def read_jsonl(ctx: ReadContext, path: str, gz: bool = False) -> Iterator[Document]:
    f = ctx.open_binary(path)
    if f is None:
        return
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    from_record = ctx.from_record
    line = 0
    try:
        with f:
            if not gz and ctx.sniff_binary(f, path):
                return
            stream = gzip.GzipFile(fileobj=f, mode="rb") if gz else f
            with stream:
                for raw in stream:
                    line += 1
                    if line == 1 and raw.startswith(BOM):
                        raw = raw[len(BOM) :]
                    if not raw or raw.isspace():
                        continue
                    invalid = False
                    try:
                        obj = loads(raw)
                    except decode_error:
                        parsed = parse_json_line(ctx, raw, path, line)
                        if parsed is None:
                            continue
                        obj, invalid = parsed
                    if type(obj) is not dict:
                        ctx.skip(
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
        ctx.skip(
            "truncated_gzip",
            path,
            line + 1,
            f"truncated or corrupt gzip stream ({err}); kept the records before it",
        )
    except OSError as err:
        what = f"read error: {err.strerror or err}; rest of file skipped"
        ctx.skip("unreadable", path, line + 1, what)


def _read_plain(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_jsonl(ctx, path, gz=False)


def _read_gz(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_jsonl(ctx, path, gz=True)


register(Format("jsonl", (".jsonl", ".json", ".ndjson"), _read_plain))
register(Format("jsonl.gz", (".jsonl.gz", ".json.gz", ".ndjson.gz"), _read_gz))
