"""WARC crawls (``.warc``, ``.warc.gz``) turned into documents, one per HTML response.

**WARC** (``.warc``, ``.warc.gz``): read streaming with fastwarc. ``response`` and ``resource``
records are candidates; request, metadata, warcinfo, revisit... records are passed over without being
counted. A candidate becomes a document when it is HTML (``Content-Type`` ``text/html`` or
``application/xhtml+xml``, or no type and an HTML start); id = ``WARC-Target-URI``, date =
``WARC-Date``, :attr:`Document.line` = the record's 1-based number in the file, and the record holds
``{"id", "url", "title", "date", "published", "text"}`` (``published``: the date found in the page).
Chunked transfer encoding and gzip/deflate/brotli content encoding are undone.

"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any, BinaryIO

from .base import Document, Format, ReadContext, register, shown
from .html import WebOptions, finish, needs, read_html

WARC_ENDINGS: tuple[str, ...] = (".warc", ".warc.gz")
#: Largest raw HTTP payload read into memory at all (decompressed included).
_MAX_PAYLOAD_BYTES = 64_000_000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SCAN_CHUNK = 1 << 20
# -- WARC -----------------------------------------------------------------------------------------


def _dechunk(body: bytes) -> bytes:
    """Undo HTTP chunked transfer encoding; raises ValueError on a malformed body.

    >>> _dechunk(b"4\\r\\nWiki\\r\\n6;x=y\\r\\npedia \\r\\n0\\r\\n\\r\\n")
    b'Wikipedia '
    """
    out, pos = [], 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise ValueError("chunk size line missing")
        size = int(body[pos:eol].split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            return b"".join(out)
        start = eol + 2
        if start + size > len(body):
            raise ValueError("chunk longer than the body")
        out.append(body[start : start + size])
        pos = start + size + 2


def _decompress(body: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding, at most :data:`_MAX_PAYLOAD_BYTES` out; raises ValueError."""
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if body[:1] == b"\x78" else -15)
        try:
            d = zlib.decompressobj(wbits)
            out = d.decompress(body, _MAX_PAYLOAD_BYTES)
        except zlib.error as err:
            raise ValueError(f"bad {encoding} content ({err})") from None
        if d.unconsumed_tail:
            raise ValueError("decompressed payload too large")
        return out
    if encoding == "br":
        try:
            import brotli
        except ImportError:
            raise ValueError("brotli content encoding needs the brotli package") from None
        try:
            return brotli.decompress(body)
        except brotli.error as err:
            raise ValueError(f"bad br content ({err})") from None
    if encoding in ("", "identity", "none"):
        return body
    raise ValueError(f"unknown content encoding {encoding!r}")


def _http_payload(body: bytes, headers: Any) -> bytes:
    """The entity of an HTTP response as the server meant it (chunks joined, decompressed)."""
    te = (headers.get("Transfer-Encoding") or "").lower() if headers is not None else ""
    if "chunked" in te:
        try:
            body = _dechunk(body)
        except ValueError:
            pass  # many crawlers store the body already de-chunked but keep the header
    ce = (headers.get("Content-Encoding") or "").strip().lower() if headers is not None else ""
    for enc in [e.strip() for e in ce.split(",") if e.strip()][::-1]:
        body = _decompress(body, enc)
    return body


def _looks_html(head: bytes) -> bool:
    low = head[:1024].lstrip().lower()
    return low.startswith((b"<!doctype html", b"<html")) or b"<html" in low


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _charset_param(content_type: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _next_start(f: BinaryIO, pos: int, gz: bool) -> int | None:
    """Offset of the next record start at or after ``pos``: a gzip member, or a ``WARC/1.`` line."""
    needle = b"\x1f\x8b\x08" if gz else b"\nWARC/1."
    shift = 0 if gz else 1
    f.seek(max(0, pos - shift))
    base, carry = max(0, pos - shift), b""
    while True:
        chunk = f.read(_SCAN_CHUNK)
        if not chunk:
            return None
        buf = carry + chunk
        i = buf.find(needle)
        if i >= 0:
            return base - len(carry) + i + shift
        carry = buf[-(len(needle) - 1) :]
        base += len(chunk)


class _WarcState:
    """Counts of one WARC file that are reported once, at its end."""

    def __init__(self) -> None:
        self.not_html: Counter[str] = Counter()
        self.status: Counter[int] = Counter()


def _warc_document(
    rec: Any, number: int, path: str, gz: bool, ctx: ReadContext, options: WebOptions, state: _WarcState
) -> Document | None:
    """One candidate record as a Document; None when skipped (counted). Raises OSError on a bad stream."""
    headers = rec.headers
    uri = (headers.get("WARC-Target-URI") or "").strip("<> ")
    declared = headers.get("Content-Length")
    if declared is None or not declared.strip().isdigit():
        reason = "truncated_gzip" if gz else "bad_record"
        what = (
            "cut short inside its header"
            if gz
            else f"no valid Content-Length ({shown(declared)}): cut short or broken"
        )
        ctx.skip(reason, path, None, f"record {number}: {what}, skipped")
        return None
    is_http = _is_response(rec)
    content_type = headers.get("Content-Type")
    if is_http:
        rec.parse_http(auto_decode="none")
        http = rec.http_headers
        if http is None or http.status_code is None:
            ctx.skip("bad_record", path, None, f"record {number}: no HTTP status line, skipped")
            rec.reader.consume()
            return None
        content_type = http.get("Content-Type")
        status = int(http.status_code)
    else:
        http, status = None, 200
    remaining = rec.content_length
    media = _media_type(content_type)
    html_type = media in _HTML_TYPES
    if not (200 <= status < 300) or (media and not html_type) or remaining > _MAX_PAYLOAD_BYTES:
        consumed = rec.reader.consume()
        if consumed < remaining:
            return _cut_short(path, number, consumed, remaining, gz, ctx)
        if not (200 <= status < 300):
            state.status[status] += 1
        elif media and not html_type:
            state.not_html[media] += 1
        else:
            ctx.skip("too_large", path, None, f"record {number}: payload of {remaining:,} bytes, skipped")
        return None
    body = rec.reader.read()
    if len(body) < remaining:
        return _cut_short(path, number, len(body), remaining, gz, ctx)
    try:
        body = _http_payload(body, http)
    except ValueError as err:
        ctx.skip("bad_record", path, None, f"record {number}: cannot decode the HTTP body ({err}), skipped")
        return None
    if not media and not _looks_html(body):
        state.not_html["(no type)"] += 1
        return None
    return read_html(
        path,
        body,
        uri or f"{path}:{number}",
        ctx,
        options=options,
        record=number,
        url=uri or None,
        date=headers.get("WARC-Date"),
        http_charset=_charset_param(content_type),
    )


def _is_response(rec: Any) -> bool:
    from fastwarc import WarcRecordType

    return rec.record_type == WarcRecordType.response


def _cut_short(path: str, number: int, got: int, want: int, gz: bool, ctx: ReadContext) -> None:
    what = "truncated gzip stream" if gz else "truncated file"
    ctx.skip(
        "truncated_gzip" if gz else "bad_record",
        path,
        None,
        f"record {number}: cut short ({got:,} of {want:,} payload bytes): {what}; the records before it were read",
    )
    return None


def read_warc(ctx: ReadContext, path: str, options: WebOptions | None = None) -> Iterator[Document]:
    """Stream the HTML responses of a WARC (``.warc`` or ``.warc.gz``) file as documents.

    See the module docstring for ids, dates, skip reasons and how broken records are passed over.
    """
    from fastwarc import ArchiveIterator, WarcRecordType

    wanted = (WarcRecordType.response, WarcRecordType.resource)
    options = options or WebOptions()
    f = ctx.open_binary(path)
    if f is None:
        return
    state = _WarcState()
    with f:
        gz = f.read(2) == b"\x1f\x8b"
        number = 0
        offset: int | None = 0
        resyncing = False  # the last start came from a scan after an error
        while offset is not None:
            f.seek(offset)
            pending: Document | None = None
            last_start = offset
            failed: Exception | None = None
            failed_in: int | None = None  # a record whose own payload could not be read
            yielded = 0
            try:
                for rec in ArchiveIterator(f, parse_http=False, auto_decode="none"):
                    number += 1
                    yielded += 1
                    last_start = rec.stream_pos
                    # The previous record's end was sound: the header after it parsed.
                    if pending is not None:
                        yield finish(pending, ctx)
                        pending = None
                    if rec.record_type not in wanted:
                        continue
                    try:
                        pending = _warc_document(rec, number, path, gz, ctx, options, state)
                    except OSError as err:
                        failed, failed_in = err, number
                        break
            except OSError as err:
                failed = err
            if failed is None:
                if pending is not None:
                    yield finish(pending, ctx)
                break
            if failed_in is not None:
                what = f"record {failed_in}: unreadable record ({failed}); reading on from the next record header"
                ctx.skip("bad_record", path, None, what)
            elif pending is not None:
                what = (
                    f"record {number}: dropped: the WARC header after it is unreadable ({failed}), so its "
                    f"Content-Length is probably wrong; reading on from the next record header"
                )
                ctx.skip("bad_record", path, None, what)
            elif not (resyncing and yielded == 0):  # a scan that found a false start: no second message
                after = f"after record {number}: wrong Content-Length or damaged record" if number else "(not a WARC?)"
                what = f"record {number + 1}: unreadable WARC header ({failed}) {after}; reading on at the next header"
                ctx.skip("bad_record", path, None, what)
            resyncing = True
            offset = _next_start(f, last_start + 1, gz)
    _report_counts(ctx, path, state)


def _report_counts(ctx: ReadContext, path: str, state: _WarcState) -> None:
    if state.not_html:
        n = sum(state.not_html.values())
        kinds = ", ".join(f"{k} {v}" for k, v in state.not_html.most_common(5))
        ctx.skip("not_html", path, None, f"{n} non-HTML records skipped ({kinds})", count=n)
    if state.status:
        n = sum(state.status.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(state.status.items()))
        ctx.skip("http_status", path, None, f"{n} responses with a non-2xx status skipped ({kinds})", count=n)


# -- entry points ---------------------------------------------------------------------------------




def _read(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    if needs(ctx, path, "WARC", ("trafilatura", "fastwarc")):
        yield from read_warc(ctx, path, getattr(ctx, "web_options", None))


register(Format("warc", WARC_ENDINGS, _read))
