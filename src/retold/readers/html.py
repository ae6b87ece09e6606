"""HTML pages turned into :class:`~retold.readers.Document` records (main text through trafilatura).

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
``gb2312`` and ``gbk`` mean gb18030). As in :mod:`retold.readers`, undeclared legacy encodings are
not guessed: bad bytes become U+FFFD and the document gets the warning ``invalid_utf8``
(``bad_encoding`` when a declared encoding did not fit the bytes).

**Large pages.** trafilatura is slow on big pages and superlinear on link-dense ones (measured here:
4 MB of paragraphs 2 s, 1 MB of small link blocks 4.4 s, 20 MB of them over 10 minutes). So scripts,
styles, comments, inline SVG and ``data:`` URIs are cut out first (a regex pass, about 0.1 s for
20 MB; JSON-LD scripts are kept, they hold dates and titles), and a page still larger than
``max_html_bytes`` (default :data:`MAX_HTML_BYTES`, 2 MB) is skipped with ``too_large``.

Skip reasons added here: ``not_html`` and ``http_status`` (non-2xx responses; both counted with one
summary message per file), ``no_text`` (nothing extractable), ``too_large``, ``bad_html``,
``bad_record`` (a record that cannot be parsed, or one whose ``Content-Length`` is wrong: the reader
then looks for the next record header and goes on), ``truncated_gzip`` / ``bad_record`` for a record
cut short at the end of a ``.warc.gz`` / ``.warc``, and ``missing_dependency``. Messages name the file
and the record number: ``crawl.warc.gz: record 7: ...``.

When fastwarc cannot read the header that follows record *k*, either record *k* has a wrong
``Content-Length`` or the next record is damaged; the two cannot be told apart cheaply, so record *k*
is dropped too (its text may be cut or carry bytes of the next record).

"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .base import Document, Format, ReadContext, register

__all__ = [
    "HTML_ENDINGS",
    "MAX_HTML_BYTES",
    "Extracted",
    "WebOptions",
    "charset_codec",
    "declared_encoding",
    "decode_html",
    "slim_html",
    "extract_html",
    "compose_text",
    "read_html",
]

HTML_ENDINGS: tuple[str, ...] = (".html", ".htm", ".xhtml")

#: Largest page (after scripts, styles, comments and data URIs are cut) given to trafilatura.
MAX_HTML_BYTES = 2_000_000
#: Largest raw HTTP payload read into memory at all (decompressed included).
_PRESCAN = 4096

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


# -- pure helpers ---------------------------------------------------------------------------------


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


def _where(record: int | None) -> str:
    return "" if record is None else f"record {record}: "


# -- HTML -----------------------------------------------------------------------------------------


def read_html(
    path: str,
    data: bytes,
    doc_id: str,
    ctx: ReadContext,
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
        doc_id: The id to give it (made unique through ``ctx.unique_id``).
        ctx: The read's accounting (:class:`~retold.readers.ReadContext`).
        options: Size limit.
        record: WARC record number (messages and :attr:`Document.line`), None for an HTML file.
        url: The URL the page was fetched from (WARC), used when the page names none.
        date: When given (WARC-Date), the document's date; the page's own date goes to ``published``.
        http_charset: The charset of the HTTP ``Content-Type``.

    The returned document is not yet passed to ``ctx.unique_id`` / ``ctx.emit``: see
    :func:`_finish`.
    """
    options = options or WebOptions()
    html, codec, bad = decode_html(data, http_charset)
    del data
    html = slim_html(html)
    size = len(html.encode("utf-8", errors="surrogatepass"))
    if size > options.max_html_bytes:
        ctx.skip(
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
        ctx.skip("bad_html", path, None, f"{_where(record)}cannot parse HTML ({type(err).__name__}: {err}), skipped")
        return None
    if found is None:
        ctx.skip("no_text", path, None, f"{_where(record)}no main text found in the page, skipped")
        return None
    if bad:
        reason = "invalid_utf8" if codec == "utf-8" else "bad_encoding"
        ctx.warn(reason, path, None, f"{_where(record)}bytes invalid in {codec} replaced with U+FFFD")
    text = compose_text(found.title, found.main)
    rec: dict[str, Any] = {"id": doc_id, "url": found.url, "title": found.title}
    if date is None:
        rec["date"] = found.date
    else:
        rec["date"] = date
        rec["published"] = found.date
    rec["text"] = text
    return Document(doc_id, text, path, record or 0, rec["date"], rec)


def finish(doc: Document, ctx: ReadContext) -> Document:
    """Give a document its unique id, count it, drop the record when not wanted."""
    doc.id = ctx.unique_id(doc.id, doc.source, None)
    if doc.record is not None:
        if ctx.keep_records:
            doc.record["id"] = doc.id
        else:
            doc.record = None
    return ctx.emit(doc)


def read_html_file(ctx: ReadContext, path: str, doc_id: str, options: WebOptions | None = None) -> Iterator[Document]:
    """One HTML file as one document (id = ``doc_id``: the path, or the path inside a directory)."""
    data = ctx.read_bytes(path)
    if data is None:
        return
    doc = read_html(path, data, doc_id, ctx, options=options)
    if doc is not None:
        yield finish(doc, ctx)




def needs(ctx: ReadContext, path: str, kind: str, modules: tuple[str, ...]) -> bool:
    """True when the optional modules are importable; else the file is skipped and counted."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            ctx.skip("missing_dependency", path, None,
                     f"reading {kind} needs {module} (pip install 'retold[web]'), file skipped")
            return False
    return True


def _read(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    if needs(ctx, path, "HTML", ("trafilatura",)):
        yield from read_html_file(ctx, path, doc_id, getattr(ctx, "web_options", None))


register(Format("html", HTML_ENDINGS, _read))
