"""Plain text files: one document a file (UTF-8, a UTF-8 byte order mark dropped, UTF-16 when the
file starts with its byte order mark; binary files skipped)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import BOM, SNIFF, Document, Format, ReadContext, is_binary, register


def read_text(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    data = ctx.read_bytes(path)
    if data is None:
        return
    invalid = False
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text, invalid = data.decode("utf-16", errors="replace"), True
    elif is_binary(data[:SNIFF]):
        ctx.skip("binary", path, None, "binary file (NUL or control bytes), skipped")
        return
    else:
        if data.startswith(BOM):
            data = data[len(BOM) :]
        text, invalid = ctx.decode(data)
    del data
    if invalid:
        ctx.warn_invalid(path, None)
    if not text or text.isspace():
        ctx.warn("empty", path, None, "empty text")
    doc_id = ctx.unique_id(doc_id, path, None)
    yield ctx.emit(Document(doc_id, text, path, 0))


register(Format("text", (".txt",), read_text))
