"""Parquet input: columns, binary text, missing text column, corrupt files (retold.readers.parquet)."""
from __future__ import annotations

import pytest

from retold.readers import (
    read_documents,
)
from tests.readers.common import read


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


def test_parquet_nested_field_and_a_missing_column_named(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "n.parquet"
    source = [{"text": "alpha", "lang": "en"}, {"text": "beta", "lang": "fr"}]
    pq.write_table(pa.table({"id": ["a", "b"], "source": source}), p)
    for keep in (True, False):
        docs = list(read_documents([p], text_field="source.text", keep_records=keep))
        assert [(d.id, d.text) for d in docs] == [("a", "alpha"), ("b", "beta")]
    docs, stats, msgs = read([p], text_field="body")
    assert docs == [] and stats.skipped == {"missing_text": 2}
    assert msgs == [f"{p}: no 'body' column (the columns are: id, source); 2 rows skipped (use --text-field to name "
                    "the text column)"]
