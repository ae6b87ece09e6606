"""The reader accounting: ids, duplicate ids, records kept or not, ReadStats (retold.readers.base)."""
from __future__ import annotations

import json

from retold.readers import (
    MAX_MESSAGES,
    SUPPORTED,
    Document,
    ReadStats,
    read_documents,
)
from tests.readers.common import read, write_jsonl


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
