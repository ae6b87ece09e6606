"""Inputs that are not paths: texts, records and tables in memory, standard input; and the rule
that strings are paths."""

from __future__ import annotations

import io
import os

import pyarrow as pa
import pytest

from retold.readers import Document, ReadStats, Records, Stdin, as_sources, read_documents


def test_texts_records_documents_and_mappings() -> None:
    stats = ReadStats()
    docs = list(read_documents([Records(["One text.", "", "Another."])], stats=stats))
    assert [(d.id, d.text, d.line) for d in docs] == [("0", "One text.", 1), ("1", "", 2), ("2", "Another.", 3)]
    assert stats.warnings == {"empty": 1} and docs[0].record == {"id": "0", "text": "One text."}
    recs = Records([{"id": "a", "body": "x", "keep": 1}, Document("b", "y", "elsewhere", 7, "2020-01-01")])
    docs = list(read_documents([recs], text_field="body"))
    assert [(d.id, d.text, d.source, d.line, d.date) for d in docs] == [
        ("a", "x", "<records>", 1, None), ("b", "y", "<records>", 2, "2020-01-01")]
    assert docs[0].record == {"id": "a", "body": "x", "keep": 1}
    assert [d.id for d in read_documents([Records({"k1": "x", "k2": "y"})])] == ["k1", "k2"]
    with pytest.raises(TypeError, match="item 1 is a int"):
        Records(["ok", 3])


def test_tables() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": ["a", "b", "c"], "text": ["x", None, "z"], "n": [1, 2, 3]})
    stats = ReadStats()
    docs = list(read_documents([Records(df)], stats=stats))
    assert [(d.id, d.text, d.record["n"]) for d in docs] == [("a", "x", 1), ("c", "z", 3)]
    assert stats.skipped == {"missing_text": 1}
    table = pa.table({"id": ["a", "b"], "text": ["x", "y"]})
    assert [d.id for d in read_documents(as_sources(table))] == ["a", "b"]
    assert [d.id for d in read_documents(as_sources(table.to_batches()[0]))] == ["a", "b"]


def test_stdin_is_spooled_once_and_read_again(tmp_path) -> None:
    src = Stdin(io.BytesIO(b'{"id": "a", "text": "x"}\nnot json\n{"id": "b", "text": "y"}\n'))
    assert src.kind == "jsonl"
    for _ in range(2):
        stats = ReadStats()
        assert [d.id for d in read_documents([src], stats=stats)] == ["a", "b"]
        assert stats.skipped == {"bad_json": 1} and stats.messages[0].startswith("-:2: bad JSON")
    assert Stdin(io.BytesIO(b' [{"id": "a", "text": "x"}]')).kind == "json"
    one = Stdin(io.BytesIO(b"Just one text."))
    assert [(d.id, d.text) for d in read_documents([one])] == [("-", "Just one text.")]
    path = one.path
    del one
    assert not os.path.exists(path), "the spool goes with its source"


def test_strings_are_paths_and_texts_are_not_taken_for_missing_files(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match=r"pass them as texts=\[\.\.\.\]"):
        as_sources(["Kim denied Putin any help.", "Putin was denied help by Kim."])
    with pytest.raises(ValueError, match="none of these is an existing file"):
        as_sources("typo.jsonl")
    stats = ReadStats()
    mixed = as_sources([str(tmp_path / "a.txt"), str(tmp_path / "missing.txt")])
    assert [d.id for d in read_documents(mixed, stats=stats)] == [str(tmp_path / "a.txt")]
    assert stats.skipped == {"missing_path": 1}, "one missing path among others is counted, not an error"
    assert as_sources(mixed) is mixed
    [texts] = as_sources(texts=["a", "b"])
    assert isinstance(texts, Records) and texts.name == "<texts>"
    with pytest.raises(TypeError, match="cannot be mixed"):
        as_sources([str(tmp_path / "a.txt"), {"id": "x", "text": "y"}])
