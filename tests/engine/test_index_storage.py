"""The persistent index: incremental = batch, re-adding, invariants after random operations,
crash safety under a real SIGKILL, and clear errors for files that are not (usable) indexes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from retold.cli.index import register
from retold.engine.incremental import Index
from retold.engine.index_storage import (
    SCHEMA_VERSION,
    IndexAccessError,
    IndexError_,
    NewerVersionError,
    NotAnIndexError,
)
from tests.corpora import make_corpus, write_jsonl
from tests.faults import clobber, free_port, indexed, read_only_media, run_cli, serving_client

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


# -- faults (issue 16): damage, two creators, read-only media, bad blobs, empty files ---------

def test_snapshot_reports_the_read_error_not_the_commit(tmp_path: Path) -> None:
    """A read that fails inside a snapshot used to be replaced by the error of its COMMIT."""
    good, docs = indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    clobber(bad)
    with Index.open(bad, create=False, readonly=True) as ix, pytest.raises(IndexError_, match="damaged"):
        ix.query(docs[0]["text"])
    conn = sqlite3.connect(good)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()


_RACER = """
import os, sys, time
from pathlib import Path
from retold.engine.incremental import Index

db_path, name, barrier = sys.argv[1], sys.argv[2], Path(sys.argv[3])

def wait_for(f):
    while not (barrier / f).exists():
        time.sleep(0.01)

def widen(real):
    # the worst order: both processes find no index; the first publishes its file and writes
    # into it; only then does the second publish its own, and then the first writes again
    def publish(src, dst, *a, **k):
        if str(dst) != db_path:
            return real(src, dst, *a, **k)
        (barrier / f"arrived-{name}").touch()
        while len([f for f in barrier.iterdir() if f.name.startswith("arrived-")]) < 2:
            time.sleep(0.01)
        try:
            os.close(os.open(barrier / "first", os.O_CREAT | os.O_EXCL))
            first = True
        except FileExistsError:
            first = False
        if not first:
            wait_for("opened")
        try:
            return real(src, dst, *a, **k)
        finally:
            if not first:
                (barrier / "published-second").touch()
            else:
                (barrier / f"first-is-{name}").touch()
    return publish

os.link = widen(os.link)
os.replace = widen(os.replace)
docs = [{"id": f"{name}-{i}", "text": f"document {i} of {name}: " + " ".join(f"w{name}{i}x{j}" for j in range(40))}
        for i in range(50)]
with Index.open(db_path) as ix:
    added = ix.add(docs[:25]).added  # the writer's connection is open from here on
    # what SQLite's automatic checkpoint does after 1000 pages: the batch moves into the file
    ix.storage._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if (barrier / f"first-is-{name}").exists():
        (barrier / "opened").touch()
        wait_for("published-second")
    added += ix.add(docs[25:]).added
    print(added)
"""


def test_two_processes_creating_one_index_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "race.retold"
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    script = tmp_path / "racer.py"
    script.write_text(_RACER)
    procs = [subprocess.Popen([sys.executable, str(script), str(db), name, str(barrier)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("p", "q")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and out.strip() == "50", err
    with Index.open(db, create=False, readonly=True) as ix:
        assert len(ix) == 100 and ix.check() == []
        for name in ("p", "q"):
            assert ix.get(f"{name}-49").text.startswith(f"document 49 of {name}")
    assert not [x.name for x in tmp_path.iterdir() if ".creating-" in x.name]


def test_an_index_on_read_only_media_can_be_queried_and_served(tmp_path: Path) -> None:

    docs = make_corpus(80, seed=5)

    def fill(folder: Path) -> None:
        with Index.open(folder / "x.retold") as ix:
            ix.add(docs)

    q = tmp_path / "q.txt"
    q.write_text(docs[4]["text"] + " and some words of its own at the end")
    with read_only_media(tmp_path, fill) as media:
        db = media / "x.retold"
        r = subprocess.run([sys.executable, "-m", "retold", "query", str(q), "--db", str(db), "--json"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert [json.loads(line)["b"] for line in r.stdout.splitlines()][:1] == [str(q)]
        r = subprocess.run([sys.executable, "-m", "retold", "check", "--db", str(db)], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0 and "consistent" in r.stderr, r.stderr
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(db), "--port", str(port),
                                   "--token", "t"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            c = serving_client(server, port)
            assert c.get(f"/documents/{docs[2]['id']}").status_code == 200
            assert c.post("/query", json={"text": docs[4]["text"]}).json()["pairs"]
            r = c.post("/documents", json={"id": "new", "text": "more"}, headers={"Authorization": "Bearer t"})
            assert r.status_code == 503 and "read-only" in r.json()["detail"]
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=60)
        assert sorted(f.name for f in media.iterdir()) == ["x.retold"]


def test_check_reports_a_sequence_blob_of_a_wrong_length(tmp_path: Path) -> None:
    db, docs = indexed(tmp_path, 60)
    conn = sqlite3.connect(db)
    (doc,) = conn.execute("SELECT MIN(doc) FROM sequences").fetchone()
    conn.execute("UPDATE sequences SET shingles = substr(shingles, 1, 13) WHERE doc = ?", (doc,))
    conn.execute("UPDATE sequences SET shingles = 'text, not bytes' WHERE doc = (SELECT MAX(doc) FROM sequences)")
    conn.commit()
    conn.close()
    with Index.open(db, create=False, readonly=True) as ix:
        problems = ix.check()
    assert len([p for p in problems if "shingle sequence of document" in p]) == 2, problems
    r = run_cli("check", "--db", str(db))
    assert r.exit_code == 1 and "shingle sequence of document" in r.output


def test_a_zero_byte_file_is_not_replaced(tmp_path: Path) -> None:
    from retold.engine.index_storage import NotAnIndexError

    db = tmp_path / "x.retold"
    db.write_bytes(b"")
    with pytest.raises(NotAnIndexError, match="empty file"):
        Index.open(db)
    corpus = write_jsonl(tmp_path / "c.jsonl", make_corpus(10))
    r = run_cli("index", str(corpus), "--db", str(db))
    assert r.exit_code == 1 and "empty file" in r.output
    assert db.read_bytes() == b""
