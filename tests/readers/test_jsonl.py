"""JSON Lines input, plain and gzipped: fields, broken lines, missing text, truncated gzip (retold.readers.jsonl)."""
from __future__ import annotations

import gzip
import random

import orjson

from tests.readers.common import read, write_jsonl


def test_jsonl_fields_lines_dates_records(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_bytes(
        b'{"id": "a", "text": "alpha", "date": "2020-01-02", "extra": [1, 2]}\n'
        b"\n"
        b"   \r\n"
        b'{"id": 7, "text": "seven", "date": 2021}\r\n'
        b'{"id": "c", "text": "no date", "date": null}'  # no final newline
    )
    docs, stats, msgs = read([p])
    assert [(d.id, d.text, d.line, d.date) for d in docs] == [
        ("a", "alpha", 1, "2020-01-02"),
        ("7", "seven", 4, "2021"),
        ("c", "no date", 5, None),
    ]
    assert docs[0].record == {"id": "a", "text": "alpha", "date": "2020-01-02", "extra": [1, 2]}
    assert docs[1].record["id"] == 7  # the record is unchanged
    assert all(d.source == str(p) for d in docs)
    assert stats.skipped_total == 0 and stats.warnings_total == 0 and msgs == []


def test_json_extension_read_as_jsonl(tmp_path):
    p = write_jsonl(tmp_path / "c.json", [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}])
    docs, _, _ = read([p])
    assert [d.id for d in docs] == ["a", "b"]


def test_custom_fields(tmp_path):
    p = write_jsonl(
        tmp_path / "c.jsonl",
        [{"doc_id": "a", "body": "alpha", "published": "1999"}, {"id": "ignored", "body": "beta"}],
    )
    docs, stats, _ = read([p], id_field="doc_id", text_field="body", date_field="published")
    assert [(d.id, d.text, d.date) for d in docs] == [("a", "alpha", "1999"), (f"{p}:2", "beta", None)]
    assert stats.warnings == {"missing_id": 1}


def test_broken_json_lines_counted_with_file_and_line(tmp_path):
    p = tmp_path / "broken.jsonl"
    p.write_bytes(
        b'{"id": "a", "text": "ok"}\n'
        b'{"id": "b", "text": "unterminated\n'
        b"[1, 2, 3]\n"
        b'"just a string"\n'
        b"{not json at all}\n"
        b'{"id": "f", "text": "ok too"}\n'
    )
    docs, stats, msgs = read([p])
    assert [d.id for d in docs] == ["a", "f"]
    assert [d.line for d in docs] == [1, 6]
    assert stats.skipped == {"bad_json": 4}
    for line in (2, 3, 4, 5):
        assert any(m.startswith(f"{p}:{line}: ") for m in msgs), line
    assert all("\n" not in m for m in msgs)


def test_json_the_stdlib_accepts_is_read(tmp_path):
    p = tmp_path / "lenient.jsonl"
    p.write_bytes(b'{"id": "nan", "text": "x", "score": NaN}\n{"id": "sur", "text": "a\\ud800b"}\n')
    docs, stats, _ = read([p])
    assert [d.id for d in docs] == ["nan", "sur"]
    assert docs[1].text == "a\ufffdb" and docs[1].text.encode("utf-8")
    assert stats.warnings == {"invalid_utf8": 1}


def test_missing_and_null_text_skipped(tmp_path):
    p = write_jsonl(
        tmp_path / "t.jsonl",
        [{"id": "a", "body": "x"}, {"id": "b", "text": None}, {"id": "c", "text": "kept"}],
    )
    docs, stats, msgs = read([p])
    assert [d.id for d in docs] == ["c"]
    assert stats.skipped == {"missing_text": 2}
    assert msgs[0].startswith(f"{p}:1: ") and msgs[1].startswith(f"{p}:2: ")


def test_non_string_text_skipped(tmp_path):
    p = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"id": "n", "text": 5},
            {"id": "l", "text": ["a", "b"]},
            {"id": "d", "text": {"x": 1}},
            {"id": "b", "text": True},
            {"id": "ok", "text": "yes"},
        ],
    )
    docs, stats, msgs = read([p])
    assert [d.id for d in docs] == ["ok"]
    assert stats.skipped == {"bad_text_type": 4}
    assert msgs[0].startswith(f"{p}:1: ") and "int" in msgs[0]


def test_binary_jsonl_skipped(tmp_path):
    p = tmp_path / "data.jsonl"
    p.write_bytes(b'{"id": 1}\x00\x00\x00\n' * 10)
    docs, stats, msgs = read([p])
    assert docs == [] and stats.skipped == {"binary": 1}
    assert len(msgs) == 1


def test_jsonl_gz(tmp_path):
    p = tmp_path / "c.jsonl.gz"
    with gzip.open(p, "wb") as f:
        f.write(b'{"id": "a", "text": "alpha"}\n\n{"id": "b", "text": "beta"}\n')
    docs, stats, _ = read([p])
    assert [(d.id, d.text, d.line) for d in docs] == [("a", "alpha", 1), ("b", "beta", 3)]
    assert stats.files == 1 and stats.skipped_total == 0


def test_truncated_gzip_keeps_records_before_the_break(tmp_path):
    rng = random.Random(0)
    records = [{"id": f"r{i}", "text": "".join(rng.choices("abcdefghij ", k=200))} for i in range(2000)]
    data = gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in records))
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    after = write_jsonl(tmp_path / "after.jsonl", [{"id": "after", "text": "still read"}])

    docs, stats, msgs = read([p, after])
    assert docs[-1].id == "after"
    kept = docs[:-1]
    assert 100 < len(kept) < 2000
    assert [d.id for d in kept] == [r["id"] for r in records[: len(kept)]]
    assert [d.text for d in kept] == [r["text"] for r in records[: len(kept)]]
    assert stats.skipped == {"truncated_gzip": 1}
    assert any(m.startswith(f"{p}:") and "gzip" in m for m in msgs)


def test_not_gzip_at_all(tmp_path):
    p = tmp_path / "fake.jsonl.gz"
    p.write_bytes(b'{"id": "a", "text": "plain"}\n')
    docs, stats, _ = read([p])
    assert docs == [] and stats.skipped == {"truncated_gzip": 1}


def test_json_array_and_single_object(tmp_path):
    arr = tmp_path / "arr.json"
    arr.write_text('[\n  {"id": "a", "text": "alpha"},\n  {"id": "b", "text": "beta"},\n  3,\n  {"id": "c"}\n]\n')
    docs, stats, msgs = read([arr])
    assert [(d.id, d.text, d.line) for d in docs] == [("a", "alpha", 1), ("b", "beta", 2)]
    assert stats.skipped == {"bad_json": 1, "missing_text": 1}
    assert msgs[0] == f"{arr}:3: element 3 is not a JSON object (got int), skipped"
    one = tmp_path / "one.json"
    one.write_text('{\n  "id": "solo",\n  "text": "pretty printed"\n}\n')
    assert [d.id for d in read([one])[0]] == ["solo"]
    gz = tmp_path / "arr.json.gz"
    gz.write_bytes(gzip.compress(arr.read_bytes()))
    assert [d.id for d in read([gz])[0]] == ["a", "b"]


def test_a_wrong_text_field_gives_one_message_naming_the_fields_there_are(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "title": "t", "text": "x"} for i in range(300)])
    docs, stats, msgs = read([p], text_field="body")
    assert docs == [] and stats.skipped == {"missing_text": 300}
    assert msgs == [f"{p}:1: no 'body' field (the record has: id, title, text); records without it are skipped "
                    "(use --text-field to name the text field)",
                    f"{p}: 300 records without a 'body' field skipped in this file"]


def test_nested_fields(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", [{"meta": {"id": "a", "day": "2020-01-01"}, "source": {"text": "alpha"}},
                                           {"meta": {"id": "b"}, "source": {"lang": "en"}},
                                           {"meta.id": "c", "source.text": "literal names win"}])
    docs, stats, msgs = read([p], id_field="meta.id", text_field="source.text", date_field="meta.day")
    assert [(d.id, d.text, d.date) for d in docs] == [("a", "alpha", "2020-01-01"), ("c", "literal names win", None)]
    assert stats.skipped == {"missing_text": 1} and "the record has: meta, source" in msgs[0]


def test_legacy_encoding(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_bytes('{"id": "a", "text": "café déjà vu – naïve"}\n'.encode("cp1252"))
    docs, stats, _ = read([p])
    assert stats.warnings == {"invalid_utf8": 1} and "\ufffd" in docs[0].text
    docs, stats, _ = read([p], encoding="cp1252")
    assert docs[0].text == "café déjà vu – naïve" and not stats.warnings
    arr = tmp_path / "c.json"
    arr.write_bytes('[{"id": "a", "text": "café"}]'.encode("latin-1"))
    assert read([arr], encoding="latin-1")[0][0].text == "café"


def test_ids_prefixed_with_their_file(tmp_path):
    (tmp_path / "business.jsonl").write_text('{"id": "001", "text": "a"}\n{"id": "001", "text": "b"}\n')
    (tmp_path / "sport.jsonl").write_text('{"id": "001", "text": "c"}\n{"text": "no id"}\n')
    docs, stats, _ = read([tmp_path], id_prefix="file")
    assert [d.id for d in docs] == ["business.jsonl:001", "business.jsonl:001#2", "sport.jsonl:001",
                                    f"{tmp_path / 'sport.jsonl'}:2"]
    assert stats.warnings == {"duplicate_id": 1, "missing_id": 1}
    docs, stats, _ = read([tmp_path])
    assert [d.id for d in docs][:3] == ["001", "001#2", "001#3"] and stats.warnings["duplicate_id"] == 2
