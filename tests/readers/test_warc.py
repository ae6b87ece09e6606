"""WARC crawls as documents: HTML responses, encodings, broken records (retold.readers.warc)."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from tests.readers.common import PARA1, PARA2, page, read_web

pytest.importorskip("trafilatura", reason="trafilatura not installed (pip install 'retold[web]')")


pytest.importorskip("fastwarc", reason="fastwarc not installed (pip install 'retold[web]')")


warcio = pytest.importorskip("warcio", reason="warcio (used to write test WARCs) not installed")


DATE = "2021-03-04T10:00:00Z"


def write_warc(path: Path, gz: bool = True, extra: list | None = None) -> None:
    """Records: 1 HTML response, 2 request, 3 image response, 4 HTML response (cp1251, charset in HTTP)."""
    records = [
        ("response", "https://gazette.example/a", "text/html; charset=utf-8", page("Alpha vote", [PARA1, PARA2]), {}),
        ("request", "https://gazette.example/a", None, b"GET /a HTTP/1.1\r\nHost: gazette.example\r\n\r\n", {}),
        ("response", "https://gazette.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, {}),
        (
            "response",
            "https://vesti.example/b",
            "text/html; charset=windows-1251",
            page("Вечернее собрание", ["Вечером в порту прошло собрание жителей по поводу паромов. " * 2], "cp1251"),
            {},
        ),
    ] + (extra or [])
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        for kind, uri, ctype, payload, more in records:
            if kind == "request":
                rec = w.create_warc_record(uri, "request", payload=io.BytesIO(payload))
            else:
                more = dict(more)
                status = more.pop("status", "200 OK")
                http = StatusAndHeaders(status, [("Content-Type", ctype), *more.items()], protocol="HTTP/1.1")
                dated = {"WARC-Date": DATE}
                rec = w.create_warc_record(
                    uri, "response", payload=io.BytesIO(payload), http_headers=http, warc_headers_dict=dated
                )
            w.write_record(rec)


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_html_responses_become_documents(tmp_path: Path, name: str):
    p = tmp_path / name
    write_warc(p, gz=name.endswith(".gz"))
    docs, stats = read_web([p])
    assert [(d.id, d.line, d.date) for d in docs] == [
        ("https://gazette.example/a", 1, DATE),
        ("https://vesti.example/b", 4, DATE),
    ]
    assert docs[0].text == f"Alpha vote\n\n{PARA1}\n{PARA2}"
    assert docs[1].text.startswith("Вечернее собрание\n\nВечером в порту")
    assert docs[0].record["url"] == "https://gazette.example/a" and docs[0].record["date"] == DATE
    assert set(docs[0].record) == {"id", "url", "title", "date", "published", "text"}
    # The image is counted (one summary message); the request record is not a candidate at all.
    assert stats.documents == 2 and stats.skipped == {"not_html": 1} and stats.warnings_total == 0
    assert stats.messages == [f"{p}: 1 non-HTML records skipped (image/png 1)"]


def test_warc_content_encoding_and_status(tmp_path: Path):
    extra = [
        (
            "response",
            "https://gazette.example/gz",
            "text/html",
            gzip.compress(page("Zipped vote", [PARA1, PARA2])),
            {"Content-Encoding": "gzip"},
        ),
        ("response", "https://gazette.example/gone", "text/html", page("Gone", [PARA1]), {"status": "404 Not Found"}),
    ]
    p = tmp_path / "enc.warc.gz"
    write_warc(p, extra=extra)
    docs, stats = read_web([p])
    assert docs[-1].id == "https://gazette.example/gz" and docs[-1].text.startswith("Zipped vote\n\n")
    assert stats.documents == 3 and stats.skipped == {"not_html": 1, "http_status": 1}
    assert f"{p}: 1 responses with a non-2xx status skipped (404 1)" in stats.messages


def test_truncated_warc_gz_keeps_records_before_the_break(tmp_path: Path):
    p = tmp_path / "crawl.warc.gz"
    write_warc(p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 40])  # cut inside the last record
    docs, stats = read_web([p])
    assert [d.id for d in docs] == ["https://gazette.example/a"]
    assert stats.skipped == {"truncated_gzip": 1, "not_html": 1}
    (msg,) = [m for m in stats.messages if "cut short" in m]
    assert msg.startswith(f"{p}: record 4: cut short")


def test_wrong_content_length_is_counted_and_the_rest_is_read(tmp_path: Path):
    p = tmp_path / "crawl.warc"
    write_warc(p, gz=False)
    data = p.read_bytes()
    head_end = data.index(b"\r\n\r\n")
    length = int(data[:head_end].split(b"Content-Length: ")[1].split(b"\r\n")[0])
    bad = data[:head_end].replace(f"Content-Length: {length}".encode(), f"Content-Length: {length + 25}".encode())
    p.write_bytes(bad + data[head_end:])
    docs, stats = read_web([p])
    # Record 1 is dropped (its length is wrong), records 2-4 are read again from the next header.
    assert [d.id for d in docs] == ["https://vesti.example/b"]
    assert stats.skipped == {"bad_record": 1, "not_html": 1}
    assert any(m.startswith(f"{p}: record 1: dropped") and "Content-Length" in m for m in stats.messages)


def test_not_a_warc_and_missing_file(tmp_path: Path):
    p = tmp_path / "junk.warc"
    p.write_bytes(b"hello world\n" * 50)
    docs, stats = read_web([p, tmp_path / "missing.warc.gz"])
    assert docs == [] and stats.skipped == {"bad_record": 1, "missing_path": 1}
