"""The persistent index: incremental = batch, re-adding, invariants after random operations,
crash safety under a real SIGKILL, and clear errors for files that are not (usable) indexes."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from retold.cli.index import register
from retold.engine.incremental import Index
from retold.engine.index_storage import SCHEMA_VERSION, IndexAccessError, NewerVersionError, NotAnIndexError
from tests.corpora import make_corpus

ROOT = Path(__file__).resolve().parents[1]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_not_an_index(tmp_path: Path) -> None:
    text = tmp_path / "notes.retold"
    text.write_text("just some text\n")
    with pytest.raises(NotAnIndexError, match="not a retold index"):
        Index.open(text)
    assert text.read_text() == "just some text\n"
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(NotAnIndexError, match="SQLite database, but not a retold index"):
        Index.open(other)
    assert other.read_bytes() == before and not Path(f"{other}-wal").exists()
    r = CliRunner().invoke(_app(), ["index", str(ROOT / "examples"), "--db", str(other)])
    assert r.exit_code == 1 and "not a retold index" in r.output
    with pytest.raises(IndexAccessError, match="folder"):
        Index.open(tmp_path)


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.retold"
    with Index.open(db) as ix:
        ix.add([{"id": "a", "text": "some words here"}])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(NewerVersionError, match="newer retold"):
        Index.open(db)
    r = CliRunner().invoke(_app(), ["check", "--db", str(db)])
    assert r.exit_code == 1 and "newer retold" in r.output


def test_read_only_locations(tmp_path: Path) -> None:
    # a folder nobody can create files in (also as root: /proc refuses new files)
    with pytest.raises(IndexAccessError):
        Index.open("/proc/retold-test.retold")
    with pytest.raises(IndexAccessError, match="does not exist"):
        Index.open(tmp_path / "no" / "such" / "x.retold")
    r = CliRunner().invoke(_app(), ["index", str(ROOT / "examples"), "--db", "/proc/retold-test.retold"])
    assert r.exit_code == 1 and "error" in r.output
    # an index opened read-only: reads work, writes fail clearly and change nothing
    db = tmp_path / "x.retold"
    with Index.open(db) as ix:
        ix.add([{"id": "a", "text": "some words here and there"}])
    before = db.read_bytes()
    with Index.open(db, readonly=True) as ix:
        assert ix.get("a").text.startswith("some")
        with pytest.raises(IndexAccessError, match="read-only"):
            ix.add([{"id": "b", "text": "more"}])
    assert db.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file(tmp_path: Path) -> None:  # pragma: no cover - CI runs as a user
    db = tmp_path / "x.retold"
    with Index.open(db) as ix:
        ix.add([{"id": "a", "text": "some words here"}])
    db.chmod(0o444)
    with Index.open(db) as ix, pytest.raises(IndexAccessError, match="read-only"):
        ix.add([{"id": "b", "text": "more"}])


def test_postings_in_batches_equal_one_lookup_per_key(tmp_path: Path) -> None:
    """Postings are read in batches of keys (json_each); each key must still get its own
    documents, at most ``limit`` of them, in key order, absent keys none."""
    db = tmp_path / "x.retold"
    with Index.open(db) as ix:
        ix.add(make_corpus(150))
    conn = sqlite3.connect(db)
    with Index.open(db, readonly=True) as ix:
        for kind in ("band", "anchor"):
            stored = [k for (k,) in conn.execute(f"SELECT DISTINCT key FROM {kind}_postings")]
            keys = np.array(stored[:9000] + [123456789, -5], dtype=np.int64).view(np.uint64)
            for limit in (2, 1000):
                got = ix.storage.postings(kind, keys, limit)
                assert len(got) == len(keys)
                for k, docs in zip(keys.view(np.int64).tolist(), got):
                    want = [d for (d,) in conn.execute(f"SELECT doc FROM {kind}_postings WHERE key=? LIMIT ?",
                                                       (k, limit))]
                    assert docs.tolist() == want
    conn.close()
