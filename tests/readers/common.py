"""Helpers the reader tests share."""

from __future__ import annotations

from pathlib import Path

import orjson

from retold.readers import ReadStats, read_documents


def read(paths, **kw):
    """Read everything; return (docs, stats, messages passed to on_message)."""
    stats = ReadStats()
    seen: list[str] = []
    docs = list(read_documents([str(p) for p in paths], stats=stats, on_message=seen.append, **kw))
    assert seen == stats.messages  # below the cap, every message is kept and passed on
    assert stats.documents == len(docs)
    return docs, stats, seen


def write_jsonl(path: Path, records) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


PARA1 = "The harbour committee met on Tuesday to discuss the new ferry timetable and what it will cost the town."
PARA2 = "Members said the works planned for the pier next spring would be paid for out of the council budget."


def page(title: str, paras: list[str], charset: str = "utf-8", head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    html = (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title} | The Gazette</title>{head}</head>'
        f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>\n{body}</article><footer>Contact us</footer></body></html>"
    )
    return html.encode(charset)


def read_web(paths, options=None) -> tuple[list, ReadStats]:
    """Read HTML/WARC files (with ``WebOptions``); return (docs, stats)."""
    stats = ReadStats()
    docs = list(read_documents([str(p) for p in paths], stats=stats, web_options=options))
    return docs, stats
