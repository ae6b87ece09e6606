"""Faults around the index file, injected for real: bytes overwritten in a copy, a full file
system (a small tmpfs), two processes creating one index, read-only media, truncated files.

Each fault must end in a message meant for people (exit status 1 on the command line, 503 from
the service), never a traceback or a 500, and must never lose or hide acknowledged documents.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from retold.cli_index import register
from retold.db import IndexError_
from retold.index import Index

from .test_index import make_corpus, write_jsonl

PAGE = 4096


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _run(*args: str):
    """The CLI in process; an exception other than the exit is a traceback the user would see."""
    r = CliRunner().invoke(_app(), list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), (r.exception, r.output)
    return r


def _indexed(tmp_path: Path, n: int = 150, name: str = "good.retold") -> tuple[Path, list[dict]]:
    docs = make_corpus(n, seed=3)
    db = tmp_path / name
    with Index.open(db) as ix:
        ix.add(docs)
    return db, docs


def _clobber(path: Path, first_page: int = 4) -> None:
    """Overwrite the header of every B-tree page from ``first_page`` on (1-based), as a bad sector
    or a half-written copy would. Pages 1-3 hold the schema and the meta table (made first), so
    by default the file still opens as an index and its documents and postings do not read."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        for page in range(first_page - 1, size // PAGE):
            f.seek(page * PAGE)
            f.write(b"\x5a" * 12)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- 3. a damaged index ------------------------------------------------------------------------

def test_damaged_copy_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    good, docs = _indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    _clobber(bad)
    worse = tmp_path / "worse.retold"
    shutil.copy(good, worse)
    _clobber(worse, first_page=2)
    r = _run("query", "-", "--db", str(worse))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    q = tmp_path / "q.txt"
    q.write_text(docs[5]["text"])
    r = _run("query", str(q), "--db", str(bad), "-o", str(tmp_path / "out.jsonl"))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    r = _run("check", "--db", str(bad))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    r = _run("index", str(write_jsonl(tmp_path / "more.jsonl", make_corpus(5, seed=9))), "--db", str(bad))
    assert r.exit_code == 1 and "damaged" in r.output, r.output


def test_serve_refuses_a_damaged_index(tmp_path: Path) -> None:
    from retold.service import create_app

    good, _ = _indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    _clobber(bad)
    before = bad.read_bytes()
    with pytest.raises(IndexError_, match="damaged"):
        create_app(str(bad), token="t")
    # the real command: it must exit, not start serving (a timeout here means it served)
    r = subprocess.run([sys.executable, "-m", "retold", "serve", "--db", str(bad), "--port", str(_free_port())],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert bad.read_bytes() == before


def test_damage_found_while_serving_is_503_and_stops_writes(tmp_path: Path) -> None:
    from retold.service import create_app

    from .test_service import AUTH, TOKEN, Server

    db, docs = _indexed(tmp_path)
    with Server(create_app(str(db), token=TOKEN)) as c:
        assert c.get(f"/documents/{docs[3]['id']}").status_code == 200
        _clobber(db)
        statuses = set()
        for d in docs[:40]:  # new threads open new connections: they read the damaged pages
            statuses.add(c.get(f"/documents/{d['id']}/matches").status_code)
            statuses.add(c.post("/query", json={"text": d["text"]}).status_code)
        assert 503 in statuses and 500 not in statuses, statuses
        r = c.post("/documents", json={"id": "new", "text": "a new text to store"}, headers=AUTH)
        assert r.status_code == 503 and "refused" in r.json()["detail"]
        h = c.get("/health")
        assert h.status_code == 503 and h.json()["status"] == "damaged"


def test_snapshot_reports_the_read_error_not_the_commit(tmp_path: Path) -> None:
    """A read that fails inside a snapshot used to be replaced by the error of its COMMIT."""
    good, docs = _indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    _clobber(bad)
    with Index.open(bad, create=False, readonly=True) as ix, pytest.raises(IndexError_, match="damaged"):
        ix.query(docs[0]["text"])
    conn = sqlite3.connect(good)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()


# -- 4. a full disk ----------------------------------------------------------------------------

@contextmanager
def small_disk(tmp_path: Path, nbytes: int) -> Iterator[tuple[Path, object]]:
    """A folder where writes fail past about ``nbytes``, and how to give it room again.

    A tmpfs of that size where this process may mount one (root with CAP_SYS_ADMIN): the real
    ENOSPC. Elsewhere the file-size limit (RLIMIT_FSIZE) of the child processes, which SQLite
    sees as a short write: the same SQLITE_FULL, or an I/O error once a file is at the limit.
    Yields (folder, limit): ``limit`` is None for the tmpfs, else the limit to set in children.
    """
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={nbytes}", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        yield mnt, nbytes
        return
    try:
        yield mnt, None
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _more_room(mnt: Path, limit: object) -> None:
    if limit is None:
        subprocess.run(["mount", "-o", "remount,size=256m", str(mnt)], check=True)


def _child(limit: object):
    """preexec_fn for a child that must meet the disk limit (RLIMIT_FSIZE fallback)."""
    if limit is None:
        return None

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    return set_limit


FULL = re.compile(r"disk is full|disk refused a write")


def test_index_on_a_full_disk_says_so_and_keeps_what_it_stored(tmp_path: Path) -> None:
    docs = make_corpus(600, seed=3)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    with small_disk(tmp_path, 1 << 20) as (mnt, limit):
        db = mnt / "x.retold"
        cmd = [sys.executable, "-m", "retold", "index", str(corpus), "--db", str(db), "--batch-docs", "50"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, preexec_fn=_child(limit))
        assert r.returncode == 1, r.stderr
        assert FULL.search(r.stderr) and "Traceback" not in r.stderr and "no transaction" not in r.stderr, r.stderr
        stored = int(re.search(r"(\d+) documents of this run were stored", r.stderr).group(1))
        assert 0 < stored < len(docs)
        with Index.open(db, create=False, readonly=True) as ix:
            assert len(ix) == stored and ix.check() == []
            assert [ix.get(d["id"]).index for d in docs[:stored]] == list(range(stored))
        _more_room(mnt, limit)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        with Index.open(db, create=False, readonly=True) as ix:
            assert len(ix) == len(docs) and ix.check() == []


def test_service_on_a_full_disk_answers_503_and_loses_nothing(tmp_path: Path) -> None:
    import httpx

    docs = make_corpus(600, seed=4)
    with small_disk(tmp_path, 1 << 20) as (mnt, limit):
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(mnt / "s.retold"),
                                   "--port", str(port), "--token", "t"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, preexec_fn=_child(limit))
        try:
            c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            deadline = time.time() + 60
            while True:
                try:
                    c.get("/health")
                    break
                except httpx.TransportError:
                    assert time.time() < deadline and server.poll() is None, "server did not start"
                    time.sleep(0.1)
            acked: list[str] = []
            statuses = []
            for s in range(0, len(docs), 25):
                batch = docs[s : s + 25]
                r = c.post("/documents", json={"documents": batch}, headers={"Authorization": "Bearer t"})
                statuses.append(r.status_code)
                if r.status_code == 200:
                    acked += [d["id"] for d in batch]
                else:
                    assert r.status_code == 503 and FULL.search(r.json()["detail"]), r.text
            assert 503 in statuses and 200 in statuses, statuses
            for doc_id in acked:
                assert c.get(f"/documents/{doc_id}").status_code == 200
            assert c.get("/health").json()["documents"] == len(acked)
            assert c.post("/query", json={"text": docs[1]["text"]}).status_code == 200
        finally:
            server.send_signal(signal.SIGTERM)
            err = server.communicate(timeout=60)[1].decode()
        assert "Traceback" not in err, err


# -- 6. two processes create one index ---------------------------------------------------------

_RACER = """
import os, sys, time
from pathlib import Path
from retold.index import Index

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


# -- 8. small faults -----------------------------------------------------------------------------

@contextmanager
def read_only_media(tmp_path: Path, fill) -> Iterator[Path]:
    """A folder filled by ``fill(folder)`` and then made read-only: a tmpfs remounted read-only
    (EROFS) where this process may mount; else, for a user other than root, a folder without
    write permission (EACCES). Root without mounting cannot be kept from writing: skipped."""
    mnt = tmp_path / "media"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], capture_output=True).returncode:
        if os.geteuid() == 0:
            pytest.skip("root may not mount here, and nothing else keeps root from writing a folder")
        fill(mnt)
        os.chmod(mnt, 0o555)
        try:
            yield mnt
        finally:
            os.chmod(mnt, 0o755)
        return
    try:
        fill(mnt)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_an_index_on_read_only_media_can_be_queried_and_served(tmp_path: Path) -> None:
    import httpx

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
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(db), "--port", str(port),
                                   "--token", "t"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            deadline = time.time() + 60
            while True:
                try:
                    c.get("/health")
                    break
                except httpx.TransportError:
                    assert time.time() < deadline and server.poll() is None, server.stderr.read()
                    time.sleep(0.1)
            assert c.get(f"/documents/{docs[2]['id']}").status_code == 200
            assert c.post("/query", json={"text": docs[4]["text"]}).json()["pairs"]
            r = c.post("/documents", json={"id": "new", "text": "more"}, headers={"Authorization": "Bearer t"})
            assert r.status_code == 503 and "read-only" in r.json()["detail"]
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=60)
        assert sorted(f.name for f in media.iterdir()) == ["x.retold"]


def test_check_reports_a_sequence_blob_of_a_wrong_length(tmp_path: Path) -> None:
    db, docs = _indexed(tmp_path, 60)
    conn = sqlite3.connect(db)
    (doc,) = conn.execute("SELECT MIN(doc) FROM sequences").fetchone()
    conn.execute("UPDATE sequences SET shingles = substr(shingles, 1, 13) WHERE doc = ?", (doc,))
    conn.execute("UPDATE sequences SET shingles = 'text, not bytes' WHERE doc = (SELECT MAX(doc) FROM sequences)")
    conn.commit()
    conn.close()
    with Index.open(db, create=False, readonly=True) as ix:
        problems = ix.check()
    assert len([p for p in problems if "shingle sequence of document" in p]) == 2, problems
    r = _run("check", "--db", str(db))
    assert r.exit_code == 1 and "shingle sequence of document" in r.output


def test_a_zero_byte_file_is_not_replaced(tmp_path: Path) -> None:
    from retold.db import NotAnIndexError

    db = tmp_path / "x.retold"
    db.write_bytes(b"")
    with pytest.raises(NotAnIndexError, match="empty file"):
        Index.open(db)
    corpus = write_jsonl(tmp_path / "c.jsonl", make_corpus(10))
    r = _run("index", str(corpus), "--db", str(db))
    assert r.exit_code == 1 and "empty file" in r.output
    assert db.read_bytes() == b""


def test_a_failed_first_index_leaves_no_empty_index(tmp_path: Path) -> None:
    db = tmp_path / "new.retold"
    r = _run("index", str(tmp_path / "missing.jsonl"), "--db", str(db))
    assert r.exit_code == 1 and "no document could be read" in r.output
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n{also not\n")
    r = _run("index", str(junk), "--db", str(db))
    assert r.exit_code == 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.retold")]
    # an index that already existed is kept, even when this run adds nothing
    good = write_jsonl(tmp_path / "c.jsonl", make_corpus(10))
    assert _run("index", str(good), "--db", str(db)).exit_code == 0
    assert _run("index", str(junk), "--db", str(db)).exit_code == 1
    with Index.open(db, create=False, readonly=True) as ix:
        assert len(ix) == 10


def test_a_first_index_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "c.jsonl", make_corpus(600, seed=3))
    with small_disk(tmp_path, 96 << 10) as (mnt, limit):
        r = subprocess.run([sys.executable, "-m", "retold", "index", str(corpus), "--db", str(mnt / "x.retold")],
                           capture_output=True, text=True, timeout=300, preexec_fn=_child(limit))
        assert r.returncode == 1 and FULL.search(r.stderr) and "Traceback" not in r.stderr, r.stderr
        assert list(mnt.iterdir()) == []


# -- 9. what belongs to an index: its -wal; backups -------------------------------------------

_UNCLEAN = """
import os, signal, sys
sys.path.insert(0, os.getcwd())
from retold.index import Index
from tests.test_index import make_corpus
ix = Index.open(sys.argv[1], durable=True)
for d in make_corpus(150, seed=8):
    ix.add([d])  # each one acknowledged (committed to the -wal)
os.kill(os.getpid(), signal.SIGKILL)  # no close: the -wal is never folded into the file
"""


def test_backup_keeps_what_the_wal_holds(tmp_path: Path) -> None:
    db = tmp_path / "x.retold"
    script = tmp_path / "unclean.py"
    script.write_text(_UNCLEAN)
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(script), str(db)], cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert Path(f"{db}-wal").exists() and Path(f"{db}-wal").stat().st_size > 0
    # copying the file alone, as one would copy "the index", loses acknowledged documents
    lone = tmp_path / "lone" / "x.retold"
    lone.parent.mkdir()
    shutil.copy(db, lone)
    with Index.open(lone, create=False, readonly=True) as ix:
        assert len(ix) < 150
    r = _run("backup", "--db", str(db), str(tmp_path / "copy.retold"))
    assert r.exit_code == 0 and "150 documents" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.retold"]
    with Index.open(tmp_path / "copy.retold", create=False, readonly=True) as ix:
        assert len(ix) == 150 and ix.check() == []
    r = _run("backup", "--db", str(db), str(tmp_path / "copy.retold"))
    assert r.exit_code == 1 and "exists already" in r.output


def test_a_cleanly_stopped_service_leaves_one_complete_file(tmp_path: Path) -> None:
    import httpx

    db = tmp_path / "s.retold"
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(db), "--port", str(port),
                               "--token", "t"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.time() + 60
        while True:
            try:
                c.get("/health")
                break
            except httpx.TransportError:
                assert time.time() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.1)
        docs = make_corpus(120, seed=12)
        for s in range(0, len(docs), 10):
            assert c.post("/documents", json={"documents": docs[s : s + 10]},
                          headers={"Authorization": "Bearer t"}).status_code == 200
        assert Path(f"{db}-wal").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.retold"]
    with Index.open(db, create=False, readonly=True) as ix:
        assert len(ix) == 120 and ix.check() == []
