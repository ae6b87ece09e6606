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
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import retold
from retold.cli.index import register
from retold.engine.incremental import Index, UnknownDocument
from retold.readers import read_documents
from tests.corpora import make_corpus, write_jsonl

from ..conftest import SHARED, seed_texts

ROOT = Path(__file__).resolve().parents[1]


TEXT_REUSE_KINDS = ("exact", "near_duplicate", "partial")


def find_by_doc(path: Path, kinds: tuple[str, ...] = TEXT_REUSE_KINDS) -> dict[str, list[retold.Pair]]:
    out: dict[str, list[retold.Pair]] = {}
    for p in retold.find([path], kinds=kinds).records():
        out.setdefault(p.a, []).append(p)
        out.setdefault(p.b, []).append(p)
    return out


def assert_same(got: list[retold.Pair], want: list[retold.Pair], where: str) -> None:
    assert [(x.a, x.b, x.kind) for x in got] == [(x.a, x.b, x.kind) for x in want], where
    for x, y in zip(got, want):
        for k in ("score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b"):
            assert abs(getattr(x, k) - getattr(y, k)) <= 1e-6, (where, k)
        assert x.source == y.source, where
        gp = None if x.passages is None else [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind) for p in x.passages]
        wp = None if y.passages is None else [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind) for p in y.passages]
        assert gp == wp, where
        if x.passages is not None and y.passages is not None:
            assert all(abs(p.score - q.score) <= 1e-6 for p, q in zip(x.passages, y.passages)), where


def index_in_increments(db: Path, docs: list, parts: int = 10) -> Index:
    ix = Index.open(db)
    cuts = np.linspace(0, len(docs), parts + 1).astype(int)
    for i in range(parts):
        ix.add(docs[cuts[i] : cuts[i + 1]])
    return ix


def _check_incremental_equals_batch(tmp_path: Path, corpus: Path, queries: list[dict],
                                    kinds: tuple[str, ...] = TEXT_REUSE_KINDS) -> None:
    docs = list(read_documents([corpus], keep_records=False))
    want = find_by_doc(corpus, kinds)
    assert sum(len(v) for v in want.values()) > 0
    with index_in_increments(tmp_path / "x.retold", docs) as ix:
        assert len(ix) == len(docs)
        for d in docs:
            assert_same(ix.matches(d.id, kinds), want.get(d.id, []), d.id)
        assert ix.check() == []
        # a text that is not stored: what find over the corpus followed by the text reports
        lines = corpus.read_text()
        for q in queries:
            both = write_jsonl(tmp_path / "plus.jsonl", [])
            both.write_text(lines + json.dumps(q) + "\n")
            assert_same(ix.query(q, kinds), find_by_doc(both, kinds).get(q["id"], []), q["id"])


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


_ACK_SCRIPT = """
import sys
from retold.engine.incremental import Index
from retold.readers import read_documents
ix = Index.open(sys.argv[1])
ix.batch_docs = int(sys.argv[3])
def ack(r, n):
    print("ack", len(ix), flush=True)
ix.add(read_documents([sys.argv[2]], keep_records=False), on_batch=ack)
print("done", flush=True)
"""


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


def test_candidates_verified_in_groups_give_the_same_pairs(tmp_path: Path, monkeypatch) -> None:
    """Candidates are verified in groups (so a time budget can stop a long lookup between them);
    the pairs must not depend on the group size."""
    docs = make_corpus(200, seed=13)
    with Index.open(tmp_path / "x.retold") as ix:
        ix.add(docs)
        want = {d["id"]: ix.matches(d["id"], TEXT_REUSE_KINDS) for d in docs[:40]}
        wq = ix.query(docs[7]["text"] + " with a few new words", TEXT_REUSE_KINDS)
        monkeypatch.setattr(Index, "VERIFY_GROUP", 2)
        for d in docs[:40]:
            assert_same(ix.matches(d["id"], TEXT_REUSE_KINDS), want[d["id"]], d["id"])
        assert_same(ix.query(docs[7]["text"] + " with a few new words", TEXT_REUSE_KINDS), wq, "query")
        assert sum(len(v) for v in want.values()) > 20


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


def msrp_stories(n_stories: int = 3, per_story: int = 6) -> list[tuple[str, str]]:
    """Stories told twice: MSRP train paraphrase pairs, first sentences in one text, their
    paraphrases in the other (the way the reuse development corpus builds them)."""
    p = SHARED / "data" / "msrp" / "msrp_train.jsonl"
    if not p.exists():
        pytest.skip(f"MSRP not found at {p} (set RETOLD_SHARED to the shared/ folder)")
    pos = [r for r in map(json.loads, p.read_text().splitlines()) if r["label"] == 1]
    return [(" ".join(r["text1"] for r in pos[k * per_story:(k + 1) * per_story]),
             " ".join(r["text2"] for r in pos[k * per_story:(k + 1) * per_story])) for k in range(n_stories)]


def test_incremental_equals_batch_on_every_kind(tmp_path: Path) -> None:
    """The index runs the paraphrase tier too: the same records as find over all four kinds,
    for stored documents and for queries."""
    a, b = seed_texts()
    stories = msrp_stories()
    docs = make_corpus(150, seed=11) + [{"id": "seed-a", "text": a}]
    docs += [{"id": f"story-{k}", "text": x} for k, (x, _) in enumerate(stories[:2])]
    docs += [{"id": f"retold-{k}", "text": y} for k, (_, y) in enumerate(stories[:2])]
    corpus = write_jsonl(tmp_path / "c.jsonl", docs)
    kinds = {p.kind for p in retold.find([corpus]).records()}
    assert kinds == set(retold.KINDS)
    queries = [{"id": "q-seed", "text": b}, {"id": "q-story", "text": stories[2][1]},
               {"id": "q-retold", "text": stories[0][1] + " Share this article"}]
    _check_incremental_equals_batch(tmp_path, corpus, queries, retold.KINDS)


def test_a_query_for_paraphrases_only_gets_them(tmp_path: Path) -> None:
    a, b = seed_texts()
    with Index.open(tmp_path / "x.retold") as ix:
        ix.add([{"id": "seed-a", "text": a}, {"id": "other", "text": "Rain fell in Paris on Tuesday."}])
        got = ix.query(b, kinds=("paraphrase",))
        assert [(p.a, p.b, p.kind) for p in got] == [("seed-a", "query", "paraphrase")]
        assert any(q.kind == "paraphrase" for q in got[0].passages)
        assert ix.query(b, kinds=("exact", "near_duplicate")) == []
        with pytest.raises(ValueError, match="choose from"):
            ix.query(b, kinds=("paraphrse",))


def test_an_index_of_schema_1_is_upgraded_when_opened(tmp_path: Path) -> None:
    """Indexes made before content words were stored get them on first writable open."""
    a, b = seed_texts()
    db = tmp_path / "old.retold"
    with Index.open(db) as ix:
        ix.add([{"id": "seed-a", "text": a}])
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE term_postings")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with Index.open(db) as ix:
        assert ix.check() == []
        assert [p.kind for p in ix.query(b)] == ["paraphrase"]


def test_index_counts_chinese_and_japanese_words_as_find_does(tmp_path: Path) -> None:
    """Japanese and Chinese texts (real, ``../shared/data/mling``) with a spliced passage and
    Declaration articles sharing only stock phrases: the index reports what ``find`` reports
    (the partial rule counts a character as 1/1.55 word in both)."""
    d = SHARED / "data" / "mling"
    if not d.exists():
        pytest.skip(f"multilingual samples not found at {d}")
    docs = []
    for lang in ("ja", "zh"):
        rows = [json.loads(line) for line in open(d / f"{lang}.jsonl", encoding="utf-8")]
        udhr = [r for r in rows if r["id"].startswith("udhr:")]
        docs += [{"id": r["id"], "text": r["text"]} for r in udhr]
        host = max(rows[20:60], key=lambda r: len(r["text"]))
        docs.append({"id": f"{lang}:splice", "text": host["text"] + "\n\n" + udhr[1]["text"][:300]})
    corpus = write_jsonl(tmp_path / "cjk.jsonl", docs)
    _check_incremental_equals_batch(tmp_path, corpus, [{"id": "q", "text": docs[0]["text"][:400]}])
