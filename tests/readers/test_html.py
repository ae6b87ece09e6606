"""HTML pages as documents: main text through trafilatura, encodings, size limits (retold.readers.html)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from retold.readers import (  # noqa: E402
    format_for,
)
from retold.readers.html import WebOptions, decode_html  # noqa: E402
from tests.readers.common import PARA1, PARA2, page, read_web

pytest.importorskip("trafilatura", reason="trafilatura not installed (pip install 'retold[web]')")


pytest.importorskip("fastwarc", reason="fastwarc not installed (pip install 'retold[web]')")


warcio = pytest.importorskip("warcio", reason="warcio (used to write test WARCs) not installed")


def test_web_formats_by_file_name():
    assert format_for("a/b.HTML").name == "html" and format_for("x.htm").name == "html"
    assert format_for("c.warc").name == "warc" and format_for("c.warc.gz").name == "warc"
    assert format_for("c.jsonl").name == "jsonl"


def test_html_title_date_url_and_record(tmp_path: Path):
    head = (
        '<link rel="canonical" href="https://gazette.example/news/harbour">'
        '<meta property="article:published_time" content="2021-03-04T10:00:00Z">'
    )
    p = tmp_path / "harbour.html"
    p.write_bytes(page("Harbour vote delayed", [PARA1, PARA2], head=head))
    (doc,), stats = read_web([p])
    # Title, a blank line, then the main text (the <h1> is not repeated); no navigation or footer.
    assert doc.text == f"Harbour vote delayed\n\n{PARA1}\n{PARA2}"
    assert doc.date == "2021-03-04"
    assert doc.record == {
        "id": str(p),
        "url": "https://gazette.example/news/harbour",
        "title": "Harbour vote delayed",
        "date": "2021-03-04",
        "text": doc.text,
    }
    assert stats.documents == 1 and stats.skipped_total == 0 and stats.warnings_total == 0


@pytest.mark.parametrize(
    "charset, title, para",
    [
        ("iso-8859-1", "Café crème à la carte", "Le comité s'est réuni à Noël pour parler du café, déjà cher. " * 2),
        ("windows-1252", "Curly “quotes” café", "The council’s “new” timetable costs €40,000 — members said so. " * 2),
        ("windows-1251", "Вечернее собрание", "Вечером в порту прошло собрание жителей по поводу паромов. " * 2),
    ],
)
def test_legacy_encoding_declared_in_meta(tmp_path: Path, charset: str, title: str, para: str):
    p = tmp_path / "legacy.htm"
    p.write_bytes(page(title, [para], charset=charset))
    (doc,), stats = read_web([p])
    assert doc.text.startswith(title + "\n\n")
    assert para.strip() in doc.text
    assert "\ufffd" not in doc.text and stats.warnings_total == 0


def test_http_equiv_meta_and_undeclared_bytes():
    raw = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Привет</p>'.encode("koi8_r")
    assert decode_html(raw)[0].endswith("<p>Привет</p>")
    # No declaration: no guessing, bad bytes become U+FFFD and are reported.
    text, codec, bad = decode_html("<p>café</p>".encode("latin-1"))
    assert (text, codec, bad) == ("<p>caf\ufffd</p>", "utf-8", True)


def test_page_without_body_is_skipped_with_a_message(tmp_path: Path):
    (tmp_path / "empty.html").write_bytes(b"<html><head><title>Nothing here</title></head></html>")
    (tmp_path / "blank.html").write_bytes(b"<html><head><title>x</title></head><body>  </body></html>")
    (tmp_path / "ok.html").write_bytes(page("Harbour vote", [PARA1, PARA2]))
    docs, stats = read_web(sorted(tmp_path.iterdir()))
    assert [Path(d.source).name for d in docs] == ["ok.html"]
    assert stats.skipped == {"no_text": 2}
    assert any("empty.html" in m and "no main text" in m for m in stats.messages)


def test_20mb_pages_do_not_hang(tmp_path: Path):
    para = f"<p>{PARA1} {{}}</p>\n"
    big = "".join(para.format(i) for i in range(20_000_000 // len(para)))
    p = tmp_path / "big.html"
    p.write_text(f"<html><head><title>Big</title></head><body><article>{big}</article></body></html>")
    # Mostly script: 20 MB on disk, a small article once the script is cut out.
    scripted = tmp_path / "scripted.html"
    script = "<script>var data = '" + "x" * 20_000_000 + "';</script>"
    scripted.write_bytes(page("Harbour vote", [PARA1, PARA2], head=script))
    t0 = time.perf_counter()
    docs, stats = read_web([p, scripted])
    elapsed = time.perf_counter() - t0
    assert [d.text.split("\n")[0] for d in docs] == ["Harbour vote"]
    assert stats.skipped == {"too_large": 1}
    assert any("big.html" in m and "max_html_bytes" in m for m in stats.messages)
    assert elapsed < 30, elapsed
    # The limit is an option.
    docs, stats = read_web([scripted], options=WebOptions(max_html_bytes=100))
    assert docs == [] and stats.skipped == {"too_large": 1}
