"""The persistent index: incremental = batch, re-adding, invariants after random operations,
crash safety under a real SIGKILL, and clear errors for files that are not (usable) indexes."""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import typer
from typer.testing import CliRunner

from retold.cli.index import register
from retold.engine.incremental import Index
from tests.corpora import make_corpus, write_jsonl
from tests.faults import FULL, child_limit, clobber, indexed, more_room, run_cli, small_disk

ROOT = Path(__file__).resolve().parents[1]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_cli_index_query_check(tmp_path: Path) -> None:
    docs = make_corpus(120)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    db = tmp_path / "news.retold"
    runner = CliRunner()
    r = runner.invoke(_app(), ["index", str(corpus), "--db", str(db), "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(_app(), ["index", str(corpus), "--db", str(db), "--json"])
    assert r.exit_code == 0 and '"already_indexed": 120' in r.output
    q = tmp_path / "q.txt"
    q.write_text(docs[7]["text"] + " and a little more at the end")
    out = tmp_path / "pairs.jsonl"
    r = runner.invoke(_app(), ["query", str(q), "--db", str(db), "-o", str(out)])
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert recs and all(rec["b"] == str(q) for rec in recs)
    r = runner.invoke(_app(), ["check", "--db", str(db)])
    assert r.exit_code == 0 and "consistent" in r.output
    r = runner.invoke(_app(), ["query", str(q), "--db", str(tmp_path / "missing.retold")])
    assert r.exit_code == 1 and "no index here" in r.output
    assert not (tmp_path / "missing.retold").exists()


def test_sigkill_cli_index_at_random_moments(tmp_path: Path) -> None:
    docs = make_corpus(2000, seed=4)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    db = tmp_path / "x.retold"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = "import typer, sys; from retold.cli.index import register; app = typer.Typer(); register(app); app()"
    rng = random.Random(1)
    for _attempt in range(2):
        proc = subprocess.Popen([sys.executable, "-c", code, "index", str(corpus), "--db", str(db),
                                 "--batch-docs", "60", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env)
        start = _count(db)
        deadline = time.time() + 60
        while _count(db) <= start and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        with Index.open(db) as ix:
            assert ix.check() == []
    r = CliRunner().invoke(_app(), ["index", str(corpus), "--db", str(db)])
    assert r.exit_code == 0, r.output
    with Index.open(db) as ix:
        assert len(ix) == len(docs) and ix.check() == []


def test_serve_refuses_a_missing_index_unless_asked_to_create_one(tmp_path: Path) -> None:
    db = tmp_path / "typo.retold"
    r = CliRunner().invoke(_app(), ["serve", "--db", str(db)])
    assert r.exit_code == 1 and "no such index" in r.output and "retold index" in r.output
    assert sorted(os.listdir(tmp_path)) == [], "no empty index, no -wal or -shm left behind"
    for cmd in (["query", "-", "--db", str(db)], ["check", "--db", str(db)]):
        assert CliRunner().invoke(_app(), cmd, input="text").exit_code == 1
    assert sorted(os.listdir(tmp_path)) == []
    proc = subprocess.Popen([sys.executable, "-m", "retold", "serve", "--db", str(db), "--create", "--port", "0"],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT.parent)
    try:
        line = proc.stderr.readline() if proc.stderr else ""
        while line and "serving" not in line:
            line = proc.stderr.readline() if proc.stderr else ""
        assert "retold serving" in line and "(0 documents)" in line
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert db.exists()


# -- faults (issue 16): a damaged index, a full disk, a failed first index, a backup ----------

def test_damaged_copy_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    good, docs = indexed(tmp_path)
    bad = tmp_path / "bad.retold"
    shutil.copy(good, bad)
    clobber(bad)
    worse = tmp_path / "worse.retold"
    shutil.copy(good, worse)
    clobber(worse, first_page=2)
    r = run_cli("query", "-", "--db", str(worse))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    q = tmp_path / "q.txt"
    q.write_text(docs[5]["text"])
    r = run_cli("query", str(q), "--db", str(bad), "-o", str(tmp_path / "out.jsonl"))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    r = run_cli("check", "--db", str(bad))
    assert r.exit_code == 1 and "damaged" in r.output, r.output
    r = run_cli("index", str(write_jsonl(tmp_path / "more.jsonl", make_corpus(5, seed=9))), "--db", str(bad))
    assert r.exit_code == 1 and "damaged" in r.output, r.output


def test_index_on_a_full_disk_says_so_and_keeps_what_it_stored(tmp_path: Path) -> None:
    docs = make_corpus(600, seed=3)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    with small_disk(tmp_path, 1 << 20) as (mnt, limit):
        db = mnt / "x.retold"
        cmd = [sys.executable, "-m", "retold", "index", str(corpus), "--db", str(db), "--batch-docs", "50"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, preexec_fn=child_limit(limit))
        assert r.returncode == 1, r.stderr
        assert FULL.search(r.stderr) and "Traceback" not in r.stderr and "no transaction" not in r.stderr, r.stderr
        stored = int(re.search(r"(\d+) documents of this run were stored", r.stderr).group(1))
        assert 0 < stored < len(docs)
        with Index.open(db, create=False, readonly=True) as ix:
            assert len(ix) == stored and ix.check() == []
            assert [ix.get(d["id"]).index for d in docs[:stored]] == list(range(stored))
        more_room(mnt, limit)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        with Index.open(db, create=False, readonly=True) as ix:
            assert len(ix) == len(docs) and ix.check() == []


def test_a_failed_first_index_leaves_no_empty_index(tmp_path: Path) -> None:
    db = tmp_path / "new.retold"
    r = run_cli("index", str(tmp_path / "missing.jsonl"), "--db", str(db))
    assert r.exit_code == 1 and "no document could be read" in r.output
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n{also not\n")
    r = run_cli("index", str(junk), "--db", str(db))
    assert r.exit_code == 1
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.retold")]
    # an index that already existed is kept, even when this run adds nothing
    good = write_jsonl(tmp_path / "c.jsonl", make_corpus(10))
    assert run_cli("index", str(good), "--db", str(db)).exit_code == 0
    assert run_cli("index", str(junk), "--db", str(db)).exit_code == 1
    with Index.open(db, create=False, readonly=True) as ix:
        assert len(ix) == 10


def test_a_first_index_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "c.jsonl", make_corpus(600, seed=3))
    with small_disk(tmp_path, 96 << 10) as (mnt, limit):
        r = subprocess.run([sys.executable, "-m", "retold", "index", str(corpus), "--db", str(mnt / "x.retold")],
                           capture_output=True, text=True, timeout=300, preexec_fn=child_limit(limit))
        assert r.returncode == 1 and FULL.search(r.stderr) and "Traceback" not in r.stderr, r.stderr
        assert list(mnt.iterdir()) == []


_UNCLEAN = """
import os, signal, sys
sys.path.insert(0, os.getcwd())
from retold.engine.incremental import Index
from tests.corpora import make_corpus
ix = Index.open(sys.argv[1], durable=True)
for d in make_corpus(150, seed=8):
    ix.add([d])  # each one acknowledged (committed to the -wal)
os.kill(os.getpid(), signal.SIGKILL)  # no close: the -wal is never folded into the file
"""


def test_backup_keeps_what_the_wal_holds(tmp_path: Path) -> None:
    db = tmp_path / "x.retold"
    script = tmp_path / "unclean.py"
    script.write_text(_UNCLEAN)
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, str(script), str(db)], cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert Path(f"{db}-wal").exists() and Path(f"{db}-wal").stat().st_size > 0
    # copying the file alone, as one would copy "the index", loses acknowledged documents
    lone = tmp_path / "lone" / "x.retold"
    lone.parent.mkdir()
    shutil.copy(db, lone)
    with Index.open(lone, create=False, readonly=True) as ix:
        assert len(ix) < 150
    r = run_cli("backup", "--db", str(db), str(tmp_path / "copy.retold"))
    assert r.exit_code == 0 and "150 documents" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.retold"]
    with Index.open(tmp_path / "copy.retold", create=False, readonly=True) as ix:
        assert len(ix) == 150 and ix.check() == []
    r = run_cli("backup", "--db", str(db), str(tmp_path / "copy.retold"))
    assert r.exit_code == 1 and "exists already" in r.output
