"""The command line: output formats, exit codes, summary on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from ..conftest import EXAMPLES, ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retold", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


@pytest.fixture()
def corpus(tmp_path):
    base = (EXAMPLES / "000_f6d4d808b074041e.txt").read_text()
    rows = [{"id": "orig", "text": base, "date": "2022-03-15"},
            {"id": "copy", "text": base.replace("\u2019", "'").replace("Kim was quick", "Kim was fast", 1)
             + "\nShare post:", "date": "2022-03-14"},
            {"id": "other", "text": "An unrelated note about the weather in Leeds on Tuesday."}]
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return p


def test_find_jsonl_to_stdout_and_summary_on_stderr(corpus):
    r = run("find", str(corpus), "--json")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["a"], x["b"], x["kind"]) for x in recs] == [("orig", "copy", "near_duplicate")]
    assert set(recs[0]) >= {"a", "b", "kind", "score", "jaccard", "containment_a", "containment_b"}
    summary = json.loads(r.stderr[r.stderr.index("{"):])
    assert summary["documents_read"] == 3 and summary["pairs"]["near_duplicate"] == 1


def test_clusters_parquet_and_keep_earliest(corpus, tmp_path):
    out = tmp_path / "cl.parquet"
    r = run("clusters", str(corpus), "-o", str(out), "--keep", "earliest")
    assert r.returncode == 0, r.stderr
    rows = pq.read_table(out).to_pylist()
    assert rows[0] == {"cluster": 0, "representative": "copy", "members": ["orig", "copy"]}
    assert rows[1]["members"] == ["other"]


def test_dedup_writes_records_unchanged(corpus, tmp_path):
    out = tmp_path / "clean.jsonl"
    r = run("dedup", str(corpus), "-o", str(out), "--kinds", "exact,near_duplicate")
    assert r.returncode == 0, r.stderr
    kept = [json.loads(x) for x in out.read_text().splitlines()]
    assert [k["id"] for k in kept] == ["orig", "other"] and kept[0]["date"] == "2022-03-15"


def test_exit_codes(tmp_path):
    assert run("find", str(tmp_path / "nope.jsonl")).returncode == 1
    assert run("find", str(EXAMPLES), "--kinds", "bogus").returncode == 2
    assert run("find", str(EXAMPLES), "-o", str(tmp_path / "x.xlsx")).returncode == 2
    assert run("clusters", str(EXAMPLES), "--keep", "random").returncode == 2


def test_align_seed_pair_json_is_the_record_find_writes():
    """align and find decide with the same library call: same kind, score and passages; copied
    text shows as verbatim passages, rewritten sentences as paraphrase passages."""
    a, b = EXAMPLES / "000_f6d4d808b074041e.txt", EXAMPLES / "001_9f416579a8fdbabf.txt"
    r = run("align", str(a), str(b), "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    found = [json.loads(x) for x in run("find", str(EXAMPLES)).stdout.splitlines()]
    seed = next(x for x in found if x["kind"] == "paraphrase")
    assert {k: rec[k] for k in seed if k not in ("a", "b")} == {k: v for k, v in seed.items() if k not in ("a", "b")}
    ta, tb = a.read_text(), b.read_text()
    assert len(rec["boilerplate_b"]) == 10 and tb[slice(*rec["boilerplate_b"][0])] == "Please enter your comment!"
    by_kind = {}
    for p in rec["passages"]:
        by_kind.setdefault(p["kind"], []).append((ta[p["a_start"]:p["a_end"]], tb[p["b_start"]:p["b_end"]]))
    assert any(x.startswith("asked China for financial and military assistance") and x == y
               for x, y in by_kind["verbatim"])
    assert any(x.startswith("But China has refuted this") and y.startswith("However, China has vehemently denied")
               for x, y in by_kind["paraphrase"])


def test_find_examples_reports_the_seed_pair_as_paraphrase():
    r = run("find", str(EXAMPLES))
    assert r.returncode == 0, r.stderr
    kinds = {(x["a"], x["b"]): x["kind"] for x in map(json.loads, r.stdout.splitlines())}
    assert kinds[("000_f6d4d808b074041e.txt", "001_9f416579a8fdbabf.txt")] == "paraphrase"
    assert kinds[("wire/harbour-original", "wire/harbour-mirror")] == "near_duplicate"


def test_find_paraphrase_threshold_trades_rewrites_for_strictness():
    pair = ("000_f6d4d808b074041e.txt", "001_9f416579a8fdbabf.txt")
    strict = run("find", str(EXAMPLES), "--embedder", "lexical", "--paraphrase-threshold", "0.9")
    assert strict.returncode == 0, strict.stderr
    kinds = {(x["a"], x["b"]): x["kind"] for x in map(json.loads, strict.stdout.splitlines())}
    assert kinds[pair] == "partial"  # too few sentences clear 0.9: the verbatim passages remain
    bad = run("find", str(EXAMPLES), "--paraphrase-threshold", "2")
    assert bad.returncode == 2 and "paraphrase-threshold" in bad.stderr


def test_the_spark_engine_from_the_command_line(spark, corpus, tmp_path):
    """--engine spark writes what the local engine writes (a Parquet dataset, JSONL part files);
    a wrong engine setting is exit status 2, nothing read is 1."""
    from typer.testing import CliRunner

    from retold.cli import app

    def invoke(*args: str):
        return CliRunner().invoke(app, [*args, "--engine", "spark", "--master", "local[2]", "--partitions", "2"])

    r = invoke("find", str(corpus), "-o", str(tmp_path / "pairs.parquet"), "--json")
    assert r.exit_code == 0, r.output
    assert run("find", str(corpus), "-o", str(tmp_path / "local.parquet")).returncode == 0
    want = pq.read_table(tmp_path / "local.parquet").to_pylist()
    assert pq.read_table(tmp_path / "pairs.parquet").to_pylist() == want and len(want) == 1
    r = invoke("clusters", str(corpus), "-o", str(tmp_path / "cl.jsonl"), "--keep", "earliest")
    assert r.exit_code == 0, r.output
    parts = sorted((tmp_path / "cl.jsonl").glob("part-*.jsonl"))
    rows = [json.loads(x) for p in parts for x in p.read_text().splitlines()]
    assert rows[0] == {"cluster": 0, "representative": "copy", "members": ["orig", "copy"]}
    r = invoke("dedup", str(corpus), "-o", str(tmp_path / "clean.jsonl"))
    assert r.exit_code == 0, r.output
    parts = sorted((tmp_path / "clean.jsonl").glob("part-*"))
    kept = [json.loads(x) for p in parts for x in p.read_text().splitlines()]
    assert [k["id"] for k in kept] == ["orig", "other"] and kept[0]["date"] == "2022-03-15"
    assert invoke("find", str(tmp_path / "nope.jsonl")).exit_code == 1
    assert invoke("find", str(corpus), "--spark-conf", "no-equals-sign").exit_code == 2
    r = CliRunner().invoke(app, ["find", str(corpus), "--partitions", "3"])
    assert r.exit_code == 2 and "--engine spark" in r.output
