"""Reading corpora: directories, paths, re-reading by index, determinism, the BBC corpus (retold.readers)."""
from __future__ import annotations

import csv
import os
import types
from pathlib import Path

import orjson
import pytest

from retold.readers import (
    ReadStats,
    iter_records_by_index,
    read_documents,
)
from tests.readers.common import read, write_jsonl

BBC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc" / "bbc.jsonl"


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


def test_accepts_pathlike_and_a_single_path(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text("x", encoding="utf-8")
    assert [d.text for d in read_documents([p])] == ["x"]
    assert [d.text for d in read_documents(p)] == ["x"]  # a lone path is taken as [path]


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


def test_reading_is_lazy(tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "text": "t"} for i in range(100)])
    stats = ReadStats()
    gen = read_documents([p, tmp_path / "missing"], stats=stats)
    assert isinstance(gen, types.GeneratorType)
    assert stats.files == 0
    first = next(gen)
    assert first.id == "0" and stats.documents == 1 and stats.skipped_total == 0
    gen.close()


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


def test_bbc_corpus():
    if not BBC.is_file():
        pytest.skip(f"BBC corpus not found at {BBC.resolve()} (shared data not present)")
    stats = ReadStats()
    docs = list(read_documents([BBC], stats=stats))
    assert len(docs) == 2225
    assert stats.skipped_total == 0
    assert stats.documents == 2225 and stats.files == 1
    assert len({d.id for d in docs}) == 2225
