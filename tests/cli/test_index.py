"""The persistent index: incremental = batch, re-adding, invariants after random operations,
crash safety under a real SIGKILL, and clear errors for files that are not (usable) indexes."""
from __future__ import annotations

import json
import os
import random
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
