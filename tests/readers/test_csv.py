"""CSV input: header row, custom columns, BOM, bad UTF-8, short rows, missing columns (retold.readers.csv)."""
from __future__ import annotations

import csv

import pytest

from retold.readers import ReadStats, read_documents
from tests.readers.common import read


def test_csv(tmp_path):
    p = tmp_path / "c.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "date", "other"])
        w.writerow(["a", "alpha", "2020", "o1"])
        w.writerow(["b", "multi\nline, with comma", "", "o2"])
        w.writerow(["c", "x" * 300_000, "2021", "o3"])  # over csv's default 128 KiB field limit
    docs, stats, msgs = read([p])
    assert [(d.id, d.line, d.date) for d in docs] == [("a", 1, "2020"), ("b", 2, None), ("c", 3, "2021")]
    assert docs[1].text == "multi\nline, with comma"
    assert len(docs[2].text) == 300_000
    assert docs[0].record == {"id": "a", "text": "alpha", "date": "2020", "other": "o1"}
    assert stats.skipped_total == 0 and stats.warnings_total == 0 and msgs == []


def test_csv_custom_fields_bom_bad_utf8_and_short_rows(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(
        b"\xef\xbb\xbfkey,body\r\n"
        b"k1,first\r\n"
        b"k2,caf\xe9\r\n"
        b"k3\r\n"  # short row: no body
        b"k4,fourth,surplus\r\n"
        b",no key\r\n"
    )
    docs, stats, msgs = read([p], id_field="key", text_field="body")
    assert [(d.id, d.text, d.line) for d in docs] == [
        ("k1", "first", 1),
        ("k2", "caf\ufffd", 2),
        ("k4", "fourth", 4),
        (f"{p}:5", "no key", 5),
    ]
    assert docs[2].record["_extra_fields"] == ["surplus"]
    assert stats.skipped == {"missing_text": 1}
    assert stats.warnings == {"invalid_utf8": 1, "extra_fields": 1, "missing_id": 1}
    assert any(m.startswith(f"{p}:2: ") for m in msgs)
    assert any(m.startswith(f"{p}:3: ") for m in msgs)


def test_csv_without_text_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,body\na,x\nb,y\nc,z\n", encoding="utf-8")
    docs, stats, msgs = read([p])
    assert docs == []
    assert stats.skipped == {"missing_text": 3}
    assert len(msgs) == 1 and msgs[0].startswith(f"{p}: ")


def test_csv_without_id_column_one_message(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("text\nx\ny\n", encoding="utf-8")
    docs, stats, msgs = read([p])
    assert [d.id for d in docs] == [f"{p}:1", f"{p}:2"]
    assert stats.warnings == {"missing_id": 2}
    assert len(msgs) == 1


def test_csv_without_the_text_column_names_the_columns_there_are(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,title,body\n1,a,x\n2,b,y\n")
    stats = ReadStats()
    seen: list[str] = []
    assert list(read_documents([p], stats=stats, on_message=seen.append)) == []
    assert stats.skipped == {"missing_text": 2}
    assert seen == [f"{p}: no 'text' column (the columns are: id, title, body); every row skipped (use --text-field "
                    "to name the text column)"]


def test_csv_in_a_legacy_encoding(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes("id,text\n1,Œuvre – naïve\n".encode("cp1252"))
    assert [d.text for d in read_documents([p], encoding="cp1252")] == ["Œuvre – naïve"]


@pytest.mark.parametrize("closing", ['c,"closed here"\n', "c,never closed\n"])
def test_csv_unterminated_quote_does_not_swallow_the_rows_after_it(tmp_path, closing):
    """An unterminated quote used to merge every following row into one field, silently (up to
    a later quote, or to the end of the file)."""
    p = tmp_path / "c.csv"
    p.write_text('id,text\na,first row\nb,"opened and never closed\n' + closing + "d,last row\n"
                 'e,"multi\nline, fine"\n', encoding="utf-8")
    docs, stats, msgs = read([p])
    assert [(d.id, d.text) for d in docs] == [("a", "first row"), ("c", closing[2:-1].strip('"')),
                                             ("d", "last row"), ("e", "multi\nline, fine")]
    assert stats.skipped == {"bad_csv": 1}
    assert len(msgs) == 1 and msgs[0].startswith(f"{p}:2: ") and "line 3 of the file" in msgs[0]


def test_csv_stray_quote_in_one_line_is_read_as_before(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text('id,text\na,"quoted"trailing\nb,he said "hi" there\n', encoding="utf-8")
    docs, stats, _ = read([p])
    assert [(d.id, d.text) for d in docs] == [("a", "quotedtrailing"), ("b", 'he said "hi" there')]
    assert stats.skipped_total == 0
