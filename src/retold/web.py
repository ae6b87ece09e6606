"""Web input: HTML files and WARC crawls turned into :class:`~retold.documents.Document` records.

Needs the optional packages ``trafilatura`` (with ``lxml_html_clean``) and ``fastwarc``; without them
every web file is skipped with the reason ``missing_dependency`` and a message saying what to install.

**HTML** (``.html``, ``.htm``, ``.xhtml``): the main text, title, date and URL are extracted with
trafilatura. The document text is::

    <title>
    <blank line>
    <main text, one paragraph (or list item, table row) a line>

The title line and the blank line are left out when no title is found; when the main text already
starts with the title (trafilatura keeps the page's ``<h1>``), that first line is not repeated. All
offsets that retold reports refer to this extracted text, which is also in :attr:`Document.record`
(``{"id", "url", "title", "date", "text"}``) so that ``dedup`` writes it out. ``Document.date`` is the
publication date trafilatura found (``YYYY-MM-DD``), or None.

**Encodings.** Bytes are decoded here, not by trafilatura (which guesses with charset_normalizer). The
order is that of the HTML standard: a byte order mark, then the charset of the HTTP ``Content-Type``
(WARC only), then a ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` in the first 4 KB, then
UTF-8. Labels are mapped as browsers do (``iso-8859-1``, ``latin1`` and ``ascii`` mean windows-1252,
``gb2312`` and ``gbk`` mean gb18030). As in :mod:`retold.documents`, undeclared legacy encodings are
not guessed: bad bytes become U+FFFD and the document gets the warning ``invalid_utf8``
(``bad_encoding`` when a declared encoding did not fit the bytes).

**Large pages.** trafilatura is slow on big pages and superlinear on link-dense ones (measured here:
4 MB of paragraphs 2 s, 1 MB of small link blocks 4.4 s, 20 MB of them over 10 minutes). So scripts,
styles, comments, inline SVG and ``data:`` URIs are cut out first (a regex pass, about 0.1 s for
20 MB; JSON-LD scripts are kept, they hold dates and titles), and a page still larger than
``max_html_bytes`` (default :data:`MAX_HTML_BYTES`, 2 MB) is skipped with ``too_large``.

**WARC** (``.warc``, ``.warc.gz``): read streaming with fastwarc. ``response`` and ``resource``
records are candidates; request, metadata, warcinfo, revisit... records are passed over without being
counted. A candidate becomes a document when it is HTML (``Content-Type`` ``text/html`` or
``application/xhtml+xml``, or no type and an HTML start); id = ``WARC-Target-URI``, date =
``WARC-Date``, :attr:`Document.line` = the record's 1-based number in the file, and the record holds
``{"id", "url", "title", "date", "published", "text"}`` (``published``: the date found in the page).
Chunked transfer encoding and gzip/deflate/brotli content encoding are undone.

Skip reasons added here: ``not_html`` and ``http_status`` (non-2xx responses; both counted with one
summary message per file), ``no_text`` (nothing extractable), ``too_large``, ``bad_html``,
``bad_record`` (a record that cannot be parsed, or one whose ``Content-Length`` is wrong: the reader
then looks for the next record header and goes on), ``truncated_gzip`` / ``bad_record`` for a record
cut short at the end of a ``.warc.gz`` / ``.warc``, and ``missing_dependency``. Messages name the file
and the record number: ``crawl.warc.gz: record 7: ...``.

When fastwarc cannot read the header that follows record *k*, either record *k* has a wrong
``Content-Length`` or the next record is damaged; the two cannot be told apart cheaply, so record *k*
is dropped too (its text may be cut or carry bytes of the next record).

Integration: :func:`read_web` has the shape of the ``_Reader.read_*`` methods of
:mod:`retold.documents`; it takes the reader itself as ``hooks`` (see :class:`Hooks`).
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from .documents import Document, ReadStats

__all__ = [
    "HTML_ENDINGS",
    "WARC_ENDINGS",
    "MAX_HTML_BYTES",
    "Extracted",
    "WebOptions",
    "Hooks",
    "web_kind",
    "charset_codec",
    "declared_encoding",
    "decode_html",
    "slim_html",
    "extract_html",
    "compose_text",
    "read_html",
    "read_warc",
    "read_web",
    "read_web_documents",
]

HTML_ENDINGS: tuple[str, ...] = (".html", ".htm", ".xhtml")
WARC_ENDINGS: tuple[str, ...] = (".warc", ".warc.gz")

#: Largest page (after scripts, styles, comments and data URIs are cut) given to trafilatura.
MAX_HTML_BYTES = 2_000_000
#: Largest raw HTTP payload read into memory at all (decompressed included).
_MAX_PAYLOAD_BYTES = 64_000_000
_PRESCAN = 4096
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SCAN_CHUNK = 1 << 20
_MAX_SHOWN = 120

# WHATWG encoding labels that Python spells or means differently.
_LABELS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "cp819": "cp1252",
    "ibm819": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-user-defined": "cp1252",
}

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SLIM = re.compile(
    r"<script\b(?![^>]*ld\+json)[^>]*>.*?</script\s*>"
    r"|<style\b[^>]*>.*?</style\s*>"
    r"|<svg\b[^>]*>.*?</svg\s*>"
    r"|<!--.*?-->"
    r"|data:[a-z/+.\-]+;base64,[A-Za-z0-9+/=\s]{256,}",
    re.I | re.S,
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class WebOptions:
    """Options of the web readers.

    Attributes:
        max_html_bytes: Pages larger than this (in UTF-8 bytes, after :func:`slim_html`) are skipped
            with ``too_large``; trafilatura's time grows faster than the page.
    """

    max_html_bytes: int = MAX_HTML_BYTES


@dataclass(frozen=True, slots=True)
class Extracted:
    """What trafilatura found in one page.

    Attributes:
        title: The title, or None.
        date: The publication date as ``YYYY-MM-DD``, or None.
        url: The page's own URL (canonical link, ``og:url``...), or None.
        main: The main text, one paragraph a line.
    """

    title: str | None
    date: str | None
    url: str | None
    main: str


class Hooks(Protocol):
    """What the web readers need from their caller: ``documents._Reader`` has all of it."""

    keep_records: bool

    def skip(self, reason: str, path: str, line: int | None, what: str, count: int = 1) -> None: ...

    def warn(self, reason: str, path: str, line: int | None, what: str | None) -> None: ...

    def unique_id(self, doc_id: str, path: str, line: int | None) -> str: ...

    def emit(self, doc: Document) -> Document: ...

    def open_binary(self, path: str) -> BinaryIO | None: ...

    def read_bytes(self, path: str) -> bytes | None: ...


# -- pure helpers ---------------------------------------------------------------------------------


def web_kind(name: str) -> str | None:
    """``"html"``, ``"warc"`` or None, from a file name.

    >>> web_kind("a/Page.HTM"), web_kind("crawl.warc.gz"), web_kind("notes.txt")
    ('html', 'warc', None)
    """
    low = name.lower()
    if low.endswith(HTML_ENDINGS):
        return "html"
    if low.endswith(WARC_ENDINGS):
        return "warc"
    return None


def charset_codec(label: str | bytes | None) -> str | None:
    """The Python codec for an encoding label as browsers read it; None when unknown.

    >>> charset_codec("ISO-8859-1"), charset_codec(b"windows-1251"), charset_codec("utf8"), charset_codec("nope")
    ('cp1252', 'cp1251', 'utf-8', None)
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", errors="replace")
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    label = _LABELS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A meta tag readable as ASCII cannot really be UTF-16 (the HTML standard reads it as UTF-8).
    return "utf-8" if name.startswith("utf-16") or name.startswith("utf-32") else name


def declared_encoding(data: bytes, http_charset: str | None = None) -> str | None:
    """The encoding a page declares: BOM, then HTTP charset, then a meta tag in the first 4 KB.

    >>> declared_encoding(b'<html><head><meta charset="windows-1251">')
    'cp1251'
    >>> declared_encoding(b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
    'cp1252'
    >>> declared_encoding(b"\\xef\\xbb\\xbf<html>", "latin1"), declared_encoding(b"<p>x</p>")
    ('utf-8', None)
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    codec = charset_codec(http_charset)
    if codec is not None:
        return codec
    match = _META_CHARSET.search(data[:_PRESCAN])
    return charset_codec(match.group(1)) if match else None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str, bool]:
    """Decode page bytes: ``(text, codec used, had bad bytes)``; never raises, never guesses.

    >>> page = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    >>> decode_html(page)
    ('<meta charset="windows-1251"><p>Привет</p>', 'cp1251', False)
    >>> decode_html(b"<p>caf\\xe9</p>")
    ('<p>caf\\ufffd</p>', 'utf-8', True)
    """
    codec = declared_encoding(data, http_charset) or "utf-8"
    if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, bad = data.decode(codec), False
    except UnicodeDecodeError:
        text, bad = data.decode(codec, errors="replace"), True
    if codec == "utf-16":
        text = text.lstrip("\ufeff")
    return text, codec, bad


def slim_html(html: str) -> str:
    """Cut what never holds main text (scripts, styles, SVG, comments, data URIs) before extraction.

    JSON-LD scripts stay: they carry titles and dates.

    >>> slim_html('<p>a</p><script>var x = "<p>";</script><!-- c --><style>p{}</style><p>b</p>')
    '<p>a</p><p>b</p>'
    """
    return _SLIM.sub("", html)


def _first_line_is(text: str, title: str) -> bool:
    first = text.split("\n", 1)[0]
    return _SPACE.sub(" ", first).strip().casefold() == _SPACE.sub(" ", title).strip().casefold()


def compose_text(title: str | None, main: str) -> str:
    """The document text: title, a blank line, the main text (title not repeated).

    >>> compose_text("Vote delayed", "Vote delayed\\nThe committee met.")
    'Vote delayed\\n\\nThe committee met.'
    >>> compose_text(None, "The committee met.")
    'The committee met.'
    """
    main = main.strip("\n")
    if not title:
        return main
    title = _SPACE.sub(" ", title).strip()
    if _first_line_is(main, title):
        main = main.split("\n", 1)[1].lstrip("\n") if "\n" in main else ""
    return f"{title}\n\n{main}" if main else title


def extract_html(html: str, url: str | None = None) -> Extracted | None:
    """Main text, title, date and URL of a decoded page with trafilatura; None when nothing is found.

    Raises ImportError without trafilatura, and whatever lxml raises on input it cannot parse.
    """
    import trafilatura

    html = _XML_DECL.sub("", html, count=1)  # lxml refuses str input with an encoding declaration
    result = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
    )
    if result is None:
        return None
    main = (getattr(result, "text", None) or "").strip()
    if not main:
        return None
    return Extracted(
        title=getattr(result, "title", None) or None,
        date=getattr(result, "date", None) or None,
        url=getattr(result, "url", None) or url or None,
        main=main,
    )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _where(record: int | None) -> str:
    return "" if record is None else f"record {record}: "


# -- HTML -----------------------------------------------------------------------------------------


def read_html(
    path: str,
    data: bytes,
    doc_id: str,
    hooks: Hooks,
    *,
    options: WebOptions | None = None,
    record: int | None = None,
    url: str | None = None,
    date: str | None = None,
    http_charset: str | None = None,
) -> Document | None:
    """Turn one page into a Document, or account for why not (None: skipped, already counted).

    Args:
        path: The file it came from (for messages and :attr:`Document.source`).
        data: The page bytes.
        doc_id: The id to give it (made unique through ``hooks.unique_id``).
        hooks: Accounting (see :class:`Hooks`).
        options: Size limit.
        record: WARC record number (messages and :attr:`Document.line`), None for an HTML file.
        url: The URL the page was fetched from (WARC), used when the page names none.
        date: When given (WARC-Date), the document's date; the page's own date goes to ``published``.
        http_charset: The charset of the HTTP ``Content-Type``.

    The returned document is not yet passed to ``hooks.unique_id`` / ``hooks.emit``: see
    :func:`_finish`.
    """
    options = options or WebOptions()
    html, codec, bad = decode_html(data, http_charset)
    del data
    html = slim_html(html)
    size = len(html.encode("utf-8", errors="surrogatepass"))
    if size > options.max_html_bytes:
        hooks.skip(
            "too_large",
            path,
            None,
            f"{_where(record)}page of {size:,} bytes without scripts and styles is over max_html_bytes="
            f"{options.max_html_bytes:,}, skipped",
        )
        return None
    try:
        found = extract_html(html, url)
    except ImportError:
        raise
    except Exception as err:  # lxml and trafilatura raise many kinds on broken input
        hooks.skip("bad_html", path, None, f"{_where(record)}cannot parse HTML ({type(err).__name__}: {err}), skipped")
        return None
    if found is None:
        hooks.skip("no_text", path, None, f"{_where(record)}no main text found in the page, skipped")
        return None
    if bad:
        reason = "invalid_utf8" if codec == "utf-8" else "bad_encoding"
        hooks.warn(reason, path, None, f"{_where(record)}bytes invalid in {codec} replaced with U+FFFD")
    text = compose_text(found.title, found.main)
    rec: dict[str, Any] = {"id": doc_id, "url": found.url, "title": found.title}
    if date is None:
        rec["date"] = found.date
    else:
        rec["date"] = date
        rec["published"] = found.date
    rec["text"] = text
    return Document(doc_id, text, path, record or 0, rec["date"], rec)


def _finish(doc: Document, hooks: Hooks) -> Document:
    """Give a document its unique id, count it, drop the record when not wanted."""
    doc.id = hooks.unique_id(doc.id, doc.source, None)
    if doc.record is not None:
        if hooks.keep_records:
            doc.record["id"] = doc.id
        else:
            doc.record = None
    return hooks.emit(doc)


def read_html_file(hooks: Hooks, path: str, doc_id: str, options: WebOptions | None = None) -> Iterator[Document]:
    """One HTML file as one document (id = ``doc_id``: the path, or the path inside a directory)."""
    data = hooks.read_bytes(path)
    if data is None:
        return
    doc = read_html(path, data, doc_id, hooks, options=options)
    if doc is not None:
        yield _finish(doc, hooks)


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
    rec: Any, number: int, path: str, gz: bool, hooks: Hooks, options: WebOptions, state: _WarcState
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
            else f"no valid Content-Length ({_shown(declared)}): cut short or broken"
        )
        hooks.skip(reason, path, None, f"record {number}: {what}, skipped")
        return None
    is_http = _is_response(rec)
    content_type = headers.get("Content-Type")
    if is_http:
        rec.parse_http(auto_decode="none")
        http = rec.http_headers
        if http is None or http.status_code is None:
            hooks.skip("bad_record", path, None, f"record {number}: no HTTP status line, skipped")
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
            return _cut_short(path, number, consumed, remaining, gz, hooks)
        if not (200 <= status < 300):
            state.status[status] += 1
        elif media and not html_type:
            state.not_html[media] += 1
        else:
            hooks.skip("too_large", path, None, f"record {number}: payload of {remaining:,} bytes, skipped")
        return None
    body = rec.reader.read()
    if len(body) < remaining:
        return _cut_short(path, number, len(body), remaining, gz, hooks)
    try:
        body = _http_payload(body, http)
    except ValueError as err:
        hooks.skip("bad_record", path, None, f"record {number}: cannot decode the HTTP body ({err}), skipped")
        return None
    if not media and not _looks_html(body):
        state.not_html["(no type)"] += 1
        return None
    return read_html(
        path,
        body,
        uri or f"{path}:{number}",
        hooks,
        options=options,
        record=number,
        url=uri or None,
        date=headers.get("WARC-Date"),
        http_charset=_charset_param(content_type),
    )


def _is_response(rec: Any) -> bool:
    from fastwarc import WarcRecordType

    return rec.record_type == WarcRecordType.response


def _cut_short(path: str, number: int, got: int, want: int, gz: bool, hooks: Hooks) -> None:
    what = "truncated gzip stream" if gz else "truncated file"
    hooks.skip(
        "truncated_gzip" if gz else "bad_record",
        path,
        None,
        f"record {number}: cut short ({got:,} of {want:,} payload bytes): {what}; the records before it were read",
    )
    return None


def read_warc(hooks: Hooks, path: str, options: WebOptions | None = None) -> Iterator[Document]:
    """Stream the HTML responses of a WARC (``.warc`` or ``.warc.gz``) file as documents.

    See the module docstring for ids, dates, skip reasons and how broken records are passed over.
    """
    from fastwarc import ArchiveIterator, WarcRecordType

    wanted = (WarcRecordType.response, WarcRecordType.resource)
    options = options or WebOptions()
    f = hooks.open_binary(path)
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
                        yield _finish(pending, hooks)
                        pending = None
                    if rec.record_type not in wanted:
                        continue
                    try:
                        pending = _warc_document(rec, number, path, gz, hooks, options, state)
                    except OSError as err:
                        failed, failed_in = err, number
                        break
            except OSError as err:
                failed = err
            if failed is None:
                if pending is not None:
                    yield _finish(pending, hooks)
                break
            if failed_in is not None:
                what = f"record {failed_in}: unreadable record ({failed}); reading on from the next record header"
                hooks.skip("bad_record", path, None, what)
            elif pending is not None:
                what = (
                    f"record {number}: dropped: the WARC header after it is unreadable ({failed}), so its "
                    f"Content-Length is probably wrong; reading on from the next record header"
                )
                hooks.skip("bad_record", path, None, what)
            elif not (resyncing and yielded == 0):  # a scan that found a false start: no second message
                after = f"after record {number}: wrong Content-Length or damaged record" if number else "(not a WARC?)"
                what = f"record {number + 1}: unreadable WARC header ({failed}) {after}; reading on at the next header"
                hooks.skip("bad_record", path, None, what)
            resyncing = True
            offset = _next_start(f, last_start + 1, gz)
    _report_counts(hooks, path, state)


def _report_counts(hooks: Hooks, path: str, state: _WarcState) -> None:
    if state.not_html:
        n = sum(state.not_html.values())
        kinds = ", ".join(f"{k} {v}" for k, v in state.not_html.most_common(5))
        hooks.skip("not_html", path, None, f"{n} non-HTML records skipped ({kinds})", count=n)
    if state.status:
        n = sum(state.status.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(state.status.items()))
        hooks.skip("http_status", path, None, f"{n} responses with a non-2xx status skipped ({kinds})", count=n)


# -- entry points ---------------------------------------------------------------------------------


def read_web(hooks: Hooks, path: str, kind: str, doc_id: str, options: WebOptions | None = None) -> Iterator[Document]:
    """The hook for ``documents._Reader.read_file``: ``kind`` is ``"html"`` or ``"warc"``.

    ``options`` default to ``getattr(hooks, "web_options", None)`` so a reader can carry them.
    """
    if options is None:
        options = getattr(hooks, "web_options", None)
    needed = ("trafilatura",) if kind == "html" else ("trafilatura", "fastwarc")
    for module in needed:
        try:
            __import__(module)
        except ImportError:
            hooks.skip(
                "missing_dependency",
                path,
                None,
                f"reading {kind.upper()} needs {module} (pip install 'retold[web]'), file skipped",
            )
            return
    if kind == "html":
        yield from read_html_file(hooks, path, doc_id, options)
    elif kind == "warc":
        yield from read_warc(hooks, path, options)
    else:
        raise ValueError(f"unknown web kind {kind!r}")


def read_web_documents(
    paths: Iterable[str],
    *,
    stats: ReadStats | None = None,
    on_message: Callable[[str], None] | None = None,
    options: WebOptions | None = None,
    keep_records: bool = True,
) -> Iterator[Document]:
    """Read HTML and WARC files on their own (without :func:`retold.documents.read_documents`).

    Args:
        paths: ``.html``/``.htm``/``.xhtml``/``.warc``/``.warc.gz`` files; others are skipped
            (``not_web``).
        stats: Counts are added to it.
        on_message: Called with every one-line message.
        options: Size limit.
        keep_records: Keep :attr:`Document.record`.
    """
    from .documents import _Reader  # the same accounting rules (messages, counts, unique ids)

    hooks = _Reader(stats if stats is not None else ReadStats(), on_message, "id", "text", "date", keep_records)
    for path in paths:
        path = str(path)
        kind = web_kind(path)
        if kind is None:
            hooks.skip("not_web", path, None, "not an HTML or WARC file name, skipped")
            continue
        yield from read_web(hooks, path, kind, path, options)
