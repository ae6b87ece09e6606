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

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import retold
from retold.cli_index import register
from retold.db import SCHEMA_VERSION, IndexAccessError, NewerVersionError, NotAnIndexError
from retold.documents import read_documents
from retold.index import Index, UnknownDocument
from retold.pipeline import TEXT_REUSE_KINDS

ROOT = Path(__file__).resolve().parents[1]


# -- a generated corpus with every kind of reuse ----------------------------------------------

def _words(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    return [rng.choice(vocab) for _ in range(n)]


def make_corpus(n: int = 400, seed: int = 7) -> list[dict]:
    """Random-word articles plus exact copies, noisy copies, lifted passages, a stock passage
    shared by many documents (beyond the anchor df cap), share-line boilerplate, empty texts."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    stock = " ".join(_words(rng, vocab, 30))
    docs: list[dict] = []
    for i in range(n):
        r = rng.random()
        prev = docs[rng.randrange(len(docs))]["text"] if docs else ""
        if len(prev.split()) < 10:
            r = 0.9  # nothing to copy from: a fresh article
        if r < 0.08:
            text = prev.upper()  # exact after normalising
        elif r < 0.25:
            w = prev.split()
            for _ in range(max(1, len(w) // 20)):
                w[rng.randrange(len(w))] = rng.choice(vocab)
            text = " ".join(w[: int(len(w) * rng.uniform(0.7, 1.0))])
        elif r < 0.45:
            w = prev.split()
            s = rng.randrange(max(1, len(w) - 40))
            text = " ".join(_words(rng, vocab, 120) + w[s : s + 40] + _words(rng, vocab, 80))
        elif r < 0.55:
            text = " ".join(_words(rng, vocab, 100)) + ". " + stock + ". " + " ".join(_words(rng, vocab, 60))
        elif r < 0.57:
            text = "" if rng.random() < 0.5 else "!!! ..."
        else:
            text = " ".join(_words(rng, vocab, rng.randint(20, 300)))
        if rng.random() < 0.1:
            text += "\nShare this article"
        docs.append({"id": f"d{i:04d}", "text": text, "date": f"2024-01-{1 + i % 28:02d}"})
    return docs


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


def find_by_doc(path: Path) -> dict[str, list[retold.Pair]]:
    out: dict[str, list[retold.Pair]] = {}
    for p in retold.find([path], kinds=TEXT_REUSE_KINDS).records():
        out.setdefault(p.a, []).append(p)
        out.setdefault(p.b, []).append(p)
    return out


def assert_same(got: list[retold.Pair], want: list[retold.Pair], where: str) -> None:
    assert [(x.a, x.b, x.kind) for x in got] == [(x.a, x.b, x.kind) for x in want], where
    for x, y in zip(got, want):
        for k in ("score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b"):
            assert abs(getattr(x, k) - getattr(y, k)) <= 1e-9, (where, k)
        assert x.source == y.source, where
        gp = None if x.passages is None else [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind) for p in x.passages]
        wp = None if y.passages is None else [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind) for p in y.passages]
        assert gp == wp, where
        if x.passages is not None and y.passages is not None:
            assert all(abs(p.score - q.score) <= 1e-9 for p, q in zip(x.passages, y.passages)), where


def index_in_increments(db: Path, docs: list, parts: int = 10) -> Index:
    ix = Index.open(db)
    cuts = np.linspace(0, len(docs), parts + 1).astype(int)
    for i in range(parts):
        ix.add(docs[cuts[i] : cuts[i + 1]])
    return ix


def _check_incremental_equals_batch(tmp_path: Path, corpus: Path, queries: list[dict]) -> None:
    docs = list(read_documents([corpus], keep_records=False))
    want = find_by_doc(corpus)
    assert sum(len(v) for v in want.values()) > 0
    with index_in_increments(tmp_path / "x.retold", docs) as ix:
        assert len(ix) == len(docs)
        for d in docs:
            assert_same(ix.matches(d.id), want.get(d.id, []), d.id)
        assert ix.check() == []
        # a text that is not stored: what find over the corpus followed by the text reports
        lines = corpus.read_text()
        for q in queries:
            both = write_jsonl(tmp_path / "plus.jsonl", [])
            both.write_text(lines + json.dumps(q) + "\n")
            assert_same(ix.query(q), find_by_doc(both).get(q["id"], []), q["id"])


def test_incremental_equals_batch_generated(tmp_path: Path) -> None:
    docs = make_corpus()
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    kinds = {p.kind for p in retold.find([corpus], kinds=TEXT_REUSE_KINDS).records()}
    assert kinds == {"exact", "near_duplicate", "partial"}
    rng = random.Random(3)
    base = docs[5]["text"].split()
    queries = [{"id": "q-exact", "text": docs[5]["text"].lower()},
               {"id": "q-near", "text": " ".join(base[:-3])},
               {"id": "q-partial", "text": " ".join([f"z{rng.randrange(99)}" for _ in range(50)] + base[:40])},
               {"id": "q-none", "text": "nothing like anything"}, {"id": "q-empty", "text": ""}]
    _check_incremental_equals_batch(tmp_path, corpus, queries)


def test_incremental_equals_batch_bbc(tmp_path: Path, bbc_path: Path) -> None:
    texts = [json.loads(line)["text"] for line in bbc_path.read_text().splitlines()[:3]]
    queries = [{"id": "q1", "text": texts[0] + "\nMore words at the end of it all here."},
               {"id": "q2", "text": "Some new lead paragraph. " + texts[1][: len(texts[1]) // 2]}]
    _check_incremental_equals_batch(tmp_path, bbc_path, queries)


def test_readd_skips_and_get(tmp_path: Path) -> None:
    with Index.open(tmp_path / "x.retold") as ix:
        r = ix.add([{"id": "a", "text": "one two three four"}, {"id": "a", "text": "again"},
                    {"id": "b", "text": "ONE two, three four!"}, {"id": "e", "text": ""}])
        assert (r.added, r.skipped, r.exact, r.empty, r.skipped_ids) == (3, 1, 1, 1, ["a"])
        r = ix.add([{"id": "a", "text": "changed"}, {"id": "c", "text": "five six seven"}])
        assert (r.added, r.skipped) == (1, 1)
        assert ix.get("a").text == "one two three four"
        assert ix.get("b").representative == "a" and ix.get("e").representative is None
        assert [m for m in ix.cluster("b").members] == ["a", "b"]
        with pytest.raises(UnknownDocument):
            ix.get("nope")
        with pytest.raises(UnknownDocument):
            ix.matches("nope")
        assert ix.check() == []


def test_cluster_matches_find(tmp_path: Path) -> None:
    docs = make_corpus(200, seed=11)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    res = retold.find([corpus], kinds=retold.FAMILY_KINDS)
    with index_in_increments(tmp_path / "x.retold", docs, parts=3) as ix:
        for c in res.clusters():
            got = ix.cluster(c.members[-1])
            assert (got.representative, got.members) == (c.representative, c.members)


def test_check_after_seeded_random_operations(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    pool = make_corpus(300, seed=5)
    db = tmp_path / "x.retold"
    ix = Index.open(db)
    added: list[dict] = []
    for step in range(25):
        op = rng.random()
        if op < 0.5:  # a batch of new and already-added documents, with in-batch repeats
            batch = rng.sample(pool, rng.randint(1, 30)) + rng.sample(added, min(len(added), rng.randint(0, 5)))
            batch += batch[: rng.randint(0, 2)]
            ix.add(batch)
            seen = {d["id"] for d in added}
            for d in batch:
                if d["id"] not in seen:
                    added.append(d)
                    seen.add(d["id"])
        elif op < 0.65:  # reopen
            ix.close()
            ix = Index.open(db)
        elif op < 0.8 and added:
            ix.matches(rng.choice(added)["id"])
            ix.cluster(rng.choice(added)["id"])
        elif op < 0.9:
            ix.query(rng.choice(pool)["text"])
        else:  # a failing batch must leave nothing behind
            n = len(ix)
            with pytest.raises(TypeError):
                ix.add([{"id": f"new{step}", "text": "fine text here"}, {"id": 5, "text": None}])
            assert len(ix) == n
        assert ix.check() == [], f"step {step}"
    assert [ix.get(d["id"]).index for d in added] == list(range(len(added)))
    ix.close()


def test_check_finds_damage(tmp_path: Path) -> None:
    db = tmp_path / "x.retold"
    with Index.open(db) as ix:
        ix.add(make_corpus(50))
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM band_postings WHERE doc = (SELECT MIN(doc) FROM band_postings)")
    conn.execute("UPDATE documents SET text = 'tampered text' WHERE idx = 3")
    conn.commit()
    conn.close()
    with Index.open(db) as ix:
        problems = ix.check()
    assert any("band postings" in p for p in problems)
    assert any("do not match its text" in p for p in problems)
    runner = CliRunner()
    res = runner.invoke(_app(), ["check", "--db", str(db)])
    assert res.exit_code == 1


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


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


# -- crash safety: a real SIGKILL in the middle of indexing -----------------------------------

_ACK_SCRIPT = """
import sys
from retold.index import Index
from retold.documents import read_documents
ix = Index.open(sys.argv[1])
ix.options.batch_docs = int(sys.argv[3])
def ack(r, n):
    print("ack", len(ix), flush=True)
ix.add(read_documents([sys.argv[2]], keep_records=False), on_batch=ack)
print("done", flush=True)
"""


def _count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_sigkill_mid_index_keeps_acknowledged_batches(tmp_path: Path) -> None:
    docs = make_corpus(3000, seed=9)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    db = tmp_path / "x.retold"
    batch = 100
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", _ACK_SCRIPT, str(db), str(corpus), str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    acked = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ack"):
            acked = int(line.split()[1])
            if acked >= 5 * batch:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the indexer finished before it could be killed"
    with Index.open(db) as ix:
        n = len(ix)
        assert n >= acked and n % batch == 0 and n < len(docs)  # whole batches only
        assert [ix.get(d["id"]).index for d in docs[:n]] == list(range(n))
        assert ix.check() == []
    # resume with the CLI: only the rest is added
    r = CliRunner().invoke(_app(), ["index", str(corpus), "--db", str(db), "--json"])
    assert r.exit_code == 0, r.output
    assert f'"already_indexed": {n}' in r.output
    with Index.open(db) as ix:
        assert len(ix) == len(docs) and ix.check() == []


def test_sigkill_cli_index_at_random_moments(tmp_path: Path) -> None:
    docs = make_corpus(2000, seed=4)
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    db = tmp_path / "x.retold"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = "import typer, sys; from retold.cli_index import register; app = typer.Typer(); register(app); app()"
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


# -- files that are not (usable) indexes ------------------------------------------------------

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
