"""Tests for retold.documents: the corpus readers and their bad-input accounting."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import types
from pathlib import Path

import orjson
import pytest

from retold.documents import (
    MAX_MESSAGES,
    SUPPORTED,
    Document,
    ReadStats,
    iter_records_by_index,
    read_documents,
)

BBC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc" / "bbc.jsonl"


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


# -- text files and directories ----------------------------------------------------------------------


def test_directory_ids_relative_sorted_nested_hidden_ignored(tmp_path):
    root = tmp_path / "corpus"
    files = {
        "b.txt": "bee",
        "a.txt": "ay",
        "a/z.txt": "zed",
        "sub/deeper/c.md": "see",
        "noext": "no extension",
        ".hidden.txt": "hidden",
        ".git/config.txt": "hidden dir",
        "sub/.cache/x.txt": "hidden nested dir",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    docs, stats, _ = read([root])
    assert [d.id for d in docs] == ["a.txt", "a/z.txt", "b.txt", "noext", "sub/deeper/c.md"]
    assert [d.text for d in docs] == ["ay", "zed", "bee", "no extension", "see"]
    assert docs[1].source == os.path.join(str(root), "a", "z.txt")
    assert all(d.line == 0 and d.date is None and d.record is None for d in docs)
    assert stats.files == 5
    assert stats.skipped_total == 0 and stats.warnings_total == 0


def test_directory_reads_corpus_files_with_their_readers(tmp_path):
    root = tmp_path / "mixed"
    root.mkdir()
    write_jsonl(root / "b.jsonl", [{"id": "j1", "text": "from jsonl"}])
    (root / "a.txt").write_text("plain", encoding="utf-8")
    with open(root / "c.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "text"], ["c1", "from csv"]])

    docs, stats, _ = read([root])
    assert [(d.id, d.text) for d in docs] == [("a.txt", "plain"), ("j1", "from jsonl"), ("c1", "from csv")]
    assert docs[1].source == os.path.join(str(root), "b.jsonl")
    assert stats.files == 3


def test_single_txt_file_id_is_path_as_given(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text("hello world\n", encoding="utf-8")
    unknown = tmp_path / "notes.weird"
    unknown.write_text("other", encoding="utf-8")
    docs, stats, _ = read([p, unknown])
    assert [(d.id, d.text, d.source, d.line) for d in docs] == [
        (str(p), "hello world\n", str(p), 0),
        (str(unknown), "other", str(unknown), 0),
    ]
    assert stats.files == 2


def test_accepts_pathlike_and_a_single_path(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text("x", encoding="utf-8")
    assert [d.text for d in read_documents([p])] == ["x"]
    assert [d.text for d in read_documents(p)] == ["x"]  # a lone path is taken as [path]


def test_utf8_bom_stripped_and_utf16_text_decoded(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfcaf\xc3\xa9")
    u16 = tmp_path / "u16.txt"
    u16.write_bytes("héllo wörld".encode("utf-16"))
    jl = tmp_path / "bom.jsonl"
    jl.write_bytes(b'\xef\xbb\xbf{"id": "x", "text": "t"}\n')
    docs, stats, _ = read([bom, u16, jl])
    assert [d.text for d in docs] == ["café", "héllo wörld", "t"]
    assert stats.skipped_total == 0 and stats.warnings_total == 0


def test_binary_file_skipped_with_message(tmp_path):
    nul = tmp_path / "image.txt"
    nul.write_bytes(b"GIF89a\x00\x01\x02" + bytes(range(256)) * 10)
    ctrl = tmp_path / "ctrl.dat"
    ctrl.write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100 + b"some text")
    ok = tmp_path / "ok.txt"
    ok.write_text("tabs\tand\nnewlines\r\n\f", encoding="utf-8")
    docs, stats, msgs = read([nul, ctrl, ok])
    assert [d.id for d in docs] == [str(ok)]
    assert stats.skipped["binary"] == 2
    assert any(m.startswith(f"{nul}: ") and "binary" in m for m in msgs)
    assert any(m.startswith(f"{ctrl}: ") and "binary" in m for m in msgs)


def test_binary_jsonl_skipped(tmp_path):
    p = tmp_path / "data.jsonl"
    p.write_bytes(b'{"id": 1}\x00\x00\x00\n' * 10)
    docs, stats, msgs = read([p])
    assert docs == [] and stats.skipped == {"binary": 1}
    assert len(msgs) == 1


def test_invalid_utf8_replaced_and_warned(tmp_path):
    txt = tmp_path / "latin1.txt"
    txt.write_bytes("café olé".encode("latin-1"))
    jl = tmp_path / "bad.jsonl"
    jl.write_bytes(b'{"id": "ok", "text": "fine"}\n{"id": "bad", "text": "caf\xe9"}\n')
    docs, stats, msgs = read([txt, jl])
    assert [d.text for d in docs] == ["caf\ufffd ol\ufffd", "fine", "caf\ufffd"]
    assert stats.warnings == {"invalid_utf8": 2}
    assert stats.skipped_total == 0
    assert any(m.startswith(f"{txt}: ") and "UTF-8" in m for m in msgs)
    assert any(m.startswith(f"{jl}:2: ") and "UTF-8" in m for m in msgs)


def test_empty_and_whitespace_text_yielded_with_warning(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "empty.txt").write_bytes(b"")
    (tmp_path / "d" / "blank.txt").write_text("  \n\t ", encoding="utf-8")
    jl = write_jsonl(tmp_path / "e.jsonl", [{"id": "e", "text": ""}, {"id": "f", "text": "x"}])
    docs, stats, msgs = read([tmp_path / "d", jl])
    expected = [("blank.txt", "  \n\t "), ("empty.txt", ""), ("e", ""), ("f", "x")]
    assert [(d.id, d.text) for d in docs] == expected
    assert stats.warnings == {"empty": 3}
    assert any(m.startswith(f"{jl}:1: ") and "empty" in m for m in msgs)


def test_missing_path(tmp_path):
    ok = tmp_path / "ok.txt"
    ok.write_text("here", encoding="utf-8")
    missing = tmp_path / "nope.jsonl"
    docs, stats, msgs = read([missing, ok, tmp_path / "gone"])
    assert [d.text for d in docs] == ["here"]
    assert stats.skipped == {"missing_path": 2}
    assert msgs[0].startswith(f"{missing}: ")
    assert stats.files == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x", encoding="utf-8")
    p.chmod(0)
    try:
        docs, stats, msgs = read([p])
    finally:
        p.chmod(0o644)
    assert docs == [] and stats.skipped == {"unreadable": 1}
    assert msgs[0].startswith(f"{p}: ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_special_file_in_directory_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe")  # reading it would block forever
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    docs, stats, _ = read([tmp_path])
    assert [d.id for d in docs] == ["a.txt"]
    assert stats.skipped == {"not_a_file": 1}


# -- JSONL ---------------------------------------------------------------------------------------------


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


def test_missing_and_odd_ids(tmp_path):
    p = write_jsonl(
        tmp_path / "ids.jsonl",
        [
            {"text": "no id"},
            {"id": None, "text": "null id"},
            {"id": "", "text": "empty id"},
            {"id": 1.5, "text": "f"},
        ],
    )
    docs, stats, msgs = read([p])
    assert [d.id for d in docs] == [f"{p}:1", f"{p}:2", f"{p}:3", "1.5"]
    assert stats.warnings == {"missing_id": 3, "bad_id_type": 1}
    assert msgs[0].startswith(f"{p}:1: ")


def test_duplicate_ids_renamed_across_files(tmp_path):
    a_recs = [{"id": "x", "text": "1"}, {"id": "x#3", "text": "2"}, {"id": 5, "text": "3"}]
    a = write_jsonl(tmp_path / "a.jsonl", a_recs)
    b_ids = ["x", "x", "x", "5"]
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": i, "text": str(n)} for n, i in enumerate(b_ids, start=4)])
    docs, stats, msgs = read([a, b])
    assert [d.id for d in docs] == ["x", "x#3", "5", "x#2", "x#4", "x#5", "5#2"]
    assert len({d.id for d in docs}) == len(docs)
    assert [d.text for d in docs] == ["1", "2", "3", "4", "5", "6", "7"]
    assert stats.warnings == {"duplicate_id": 4}
    first = [m for m in msgs if m.startswith(f"{b}:1: ")]
    assert len(first) == 1 and "'x'" in first[0] and "'x#2'" in first[0]


def test_duplicate_ids_between_text_files_and_records(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("file", encoding="utf-8")
    p = write_jsonl(tmp_path / "r.jsonl", [{"id": "a.txt", "text": "record"}])
    docs, stats, _ = read([d, p])
    assert [d.id for d in docs] == ["a.txt", "a.txt#2"]
    assert stats.warnings == {"duplicate_id": 1}


def test_keep_records_false(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "x", "date": "d", "big": "y" * 100}])
    (doc,) = read_documents([p], keep_records=False)
    assert (doc.id, doc.text, doc.date, doc.record) == ("a", "x", "d", None)


def test_reading_is_lazy(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "text": "t"} for i in range(100)])
    stats = ReadStats()
    gen = read_documents([p, tmp_path / "missing"], stats=stats)
    assert isinstance(gen, types.GeneratorType)
    assert stats.files == 0
    first = next(gen)
    assert first.id == "0" and stats.documents == 1 and stats.skipped_total == 0
    gen.close()


# -- gzip ----------------------------------------------------------------------------------------------


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


# -- CSV -----------------------------------------------------------------------------------------------


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


# -- Parquet -------------------------------------------------------------------------------------------


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    n = 2500  # several batches and row groups
    table = pa.table(
        {
            "id": list(range(n)),
            "text": [f"text {i}" if i != 7 else None for i in range(n)],
            "date": [f"2020-01-{i % 28 + 1:02d}" for i in range(n)],
            "extra": [i * 2 for i in range(n)],
        }
    )
    p = tmp_path / "c.parquet"
    pq.write_table(table, p, row_group_size=1000)
    docs, stats, msgs = read([p])
    assert len(docs) == n - 1
    assert stats.skipped == {"missing_text": 1}
    assert msgs == [f"{p}:8: text is null, record skipped"]
    assert (docs[0].id, docs[0].text, docs[0].line, docs[0].date) == ("0", "text 0", 1, "2020-01-01")
    assert docs[0].record == {"id": 0, "text": "text 0", "date": "2020-01-01", "extra": 0}
    assert [d.line for d in docs[6:9]] == [7, 9, 10]
    assert docs[-1].id == str(n - 1) and docs[-1].line == n

    slim = list(read_documents([p], keep_records=False))
    assert [(d.id, d.text, d.date) for d in slim] == [(d.id, d.text, d.date) for d in docs]
    assert all(d.record is None for d in slim)


def test_parquet_custom_fields_binary_text(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"k": ["a", "b"], "body": pa.array([b"caf\xc3\xa9", b"caf\xe9"], pa.binary())})
    p = tmp_path / "c.parquet"
    pq.write_table(table, p)
    docs, stats, _ = read([p], id_field="k", text_field="body")
    assert [(d.id, d.text) for d in docs] == [("a", "café"), ("b", "caf\ufffd")]
    assert stats.warnings == {"invalid_utf8": 1}


def test_parquet_without_text_column(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "body": ["x", "y", "z"]}), p)
    docs, stats, msgs = read([p])
    assert docs == [] and stats.skipped == {"missing_text": 3}
    assert len(msgs) == 1 and msgs[0].startswith(f"{p}: ")


def test_corrupt_parquet(tmp_path):
    p = tmp_path / "c.parquet"
    p.write_bytes(b"this is not parquet at all" * 10)
    docs, stats, msgs = read([p])
    assert docs == [] and stats.skipped == {"bad_parquet": 1}
    assert msgs[0].startswith(f"{p}: ")


# -- size, order, indices, stats -----------------------------------------------------------------------


def test_50mb_documents(tmp_path):
    size = 50 * 1024 * 1024
    chunk = "lorem ipsum dolor sit amet, ümlaut \n"
    text = (chunk * (size // len(chunk) + 1))[:size]
    big_txt = tmp_path / "big.txt"
    big_txt.write_text(text, encoding="utf-8")
    big_jsonl = tmp_path / "big.jsonl"
    with open(big_jsonl, "wb") as f:
        f.write(b'{"id": "small", "text": "s"}\n')
        f.write(orjson.dumps({"id": "big", "text": text}) + b"\n")
        f.write(b'{"id": "after", "text": "a"}\n')
    docs, stats, _ = read([big_txt, big_jsonl], keep_records=False)
    assert [d.id for d in docs] == [str(big_txt), "small", "big", "after"]
    assert len(docs[0].text) == size and docs[0].text == text
    assert len(docs[2].text) == size and docs[2].text == text
    assert stats.skipped_total == 0 and stats.warnings_total == 0


def make_mixed_corpus(root: Path) -> list[Path]:
    (root / "dir" / "sub").mkdir(parents=True)
    for i in range(5):
        (root / "dir" / f"{4 - i}.txt").write_text(f"doc {i}", encoding="utf-8")
        (root / "dir" / "sub" / f"s{i}.txt").write_text(f"sub {i}", encoding="utf-8")
    (root / "dir" / "bin.dat").write_bytes(b"\x00\x01" * 50)
    jl = root / "c.jsonl"
    jl.write_bytes(
        b"".join(orjson.dumps({"id": f"j{i % 7}", "text": f"jsonl {i}"}) + b"\n" for i in range(30))
        + b"garbage\n"
    )
    return [root / "dir", jl, root / "missing.txt", jl]


def test_iter_records_by_index_matches_read_documents(tmp_path):
    paths = make_mixed_corpus(tmp_path)
    docs = list(read_documents(paths))
    assert len(docs) == 10 + 30 + 30
    wanted = {0, 3, 9, 10, 41, len(docs) - 1, len(docs) + 5}
    got = list(iter_records_by_index(paths, wanted))
    assert [i for i, _ in got] == sorted(w for w in wanted if w < len(docs))
    for i, doc in got:
        assert doc == docs[i]
    by_pred = list(iter_records_by_index(paths, lambda i: i % 11 == 0, keep_records=False))
    assert [i for i, _ in by_pred] == list(range(0, len(docs), 11))
    assert all(doc.id == docs[i].id and doc.text == docs[i].text for i, doc in by_pred)
    assert list(iter_records_by_index(paths, set())) == []


def test_deterministic(tmp_path):
    paths = make_mixed_corpus(tmp_path)
    s1, s2 = ReadStats(), ReadStats()
    run1 = [(d.id, d.text, d.source, d.line) for d in read_documents(paths, stats=s1)]
    run2 = [(d.id, d.text, d.source, d.line) for d in read_documents(paths, stats=s2)]
    assert run1 == run2
    assert s1.as_dict() == s2.as_dict()
    assert s1.skipped == {"binary": 1, "bad_json": 2, "missing_path": 1}
    assert s1.warnings == {"duplicate_id": 30 - 7 + 30}


def test_stats_merge_cap_and_as_dict(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b"nope\n" * (MAX_MESSAGES + 50))
    seen: list[str] = []
    stats = ReadStats()
    assert list(read_documents([p], stats=stats, on_message=seen.append)) == []
    assert stats.skipped == {"bad_json": MAX_MESSAGES + 50}
    assert len(stats.messages) == MAX_MESSAGES and stats.messages_dropped == 50
    assert len(seen) == MAX_MESSAGES + 50  # the callback hears every message

    other = ReadStats(documents=3, files=2, messages=["x: one", "x: two"])
    other.warnings["empty"] += 2
    stats.merge(other)
    assert (stats.documents, stats.files, stats.warnings["empty"]) == (3, 3, 2)
    assert stats.messages_dropped == 52

    small = ReadStats()
    small.merge(other)
    assert small.messages == ["x: one", "x: two"] and small.messages_dropped == 0

    d = stats.as_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["skipped"] == {"bad_json": MAX_MESSAGES + 50}
    assert d["warnings_total"] == 2 and d["messages_dropped"] == 52


def test_document_record():
    doc = Document("a", "t", "s", 1)
    assert (doc.date, doc.record) == (None, None)
    assert not hasattr(doc, "__dict__")  # slots
    assert ".jsonl.gz" in SUPPORTED and ".parquet" in SUPPORTED


def test_bbc_corpus():
    if not BBC.is_file():
        pytest.skip(f"BBC corpus not found at {BBC.resolve()} (shared data not present)")
    stats = ReadStats()
    docs = list(read_documents([BBC], stats=stats))
    assert len(docs) == 2225
    assert stats.skipped_total == 0
    assert stats.documents == 2225 and stats.files == 1
    assert len({d.id for d in docs}) == 2225
