"""Records and their writers: the documented dict form, and JSONL / gzip / Parquet by extension."""

from __future__ import annotations

import csv
import gzip
import json
import os

import pyarrow.parquet as pq
import pytest

from retold.records import Cluster, Pair, Passage, output_format, write_records


def pair(passages=None) -> Pair:
    return Pair(a="x", b="y", kind="partial", score=0.123456789, jaccard=0.1, containment_a=0.2, containment_b=0.3,
                coverage_a=0.4, coverage_b=0.5, source="x", passages=passages)


def test_pair_dict_form_rounds_scores_and_keeps_passages_none_apart_from_empty() -> None:
    d = pair([Passage(0, 5, 10, 15, "verbatim", 1.0)]).to_dict()
    assert d["score"] == 0.123457 and d["passages"] == [
        {"a_start": 0, "a_end": 5, "b_start": 10, "b_end": 15, "kind": "verbatim", "score": 1.0}]
    assert "passages" not in pair(None).to_dict(), "passages not computed: no field at all"
    assert pair([]).to_dict()["passages"] == [], "computed, and none found"


def test_output_format_by_extension() -> None:
    assert [output_format(p) for p in ("-", "a.jsonl", "a.JSONL.GZ", "a.parquet", "a.json", "a.json.gz", "a.csv",
                                       "a.tsv", "/dev/null")] == [
        "jsonl", "jsonl", "jsonl.gz", "parquet", "json", "json.gz", "csv", "tsv", "jsonl"]
    with pytest.raises(ValueError, match="cannot tell the output format"):
        output_format("a.xlsx")


def test_a_json_file_is_a_json_array(tmp_path) -> None:
    recs = [pair([Passage(0, 5, 10, 15, "verbatim", 1.0)]), pair([])]
    for name in ("out.json", "out.json.gz"):
        path = tmp_path / name
        assert write_records(str(path), recs) == 2
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        assert json.loads(data) == [r.to_dict() for r in recs]
    write_records(str(tmp_path / "none.json"), [])
    assert json.loads((tmp_path / "none.json").read_text()) == []


def test_csv_and_tsv_one_row_a_record_lists_as_json(tmp_path) -> None:
    recs = [pair([Passage(0, 5, 10, 15, "verbatim", 1.0)]).to_dict(), {"a": "p", "b": "q", "note": "new, field"}]
    for name, delim in (("out.csv", ","), ("out.tsv", "\t")):
        path = tmp_path / name
        assert write_records(str(path), recs) == 2
        with open(path, newline="") as f:
            rows = list(csv.reader(f, delimiter=delim))
        assert rows[0] == ["a", "b", "kind", "score", "jaccard", "containment_a", "containment_b", "coverage_a",
                           "coverage_b", "source", "passages", "note"]
        assert json.loads(rows[1][10]) == recs[0]["passages"] and rows[1][11] == ""
        assert rows[2][:2] == ["p", "q"] and rows[2][11] == "new, field" and rows[2][2] == ""


def test_dev_null_is_written_like_a_stream() -> None:
    assert write_records(os.devnull, [pair([])] * 3) == 3


def test_passage_text_appears_only_when_set() -> None:
    p = Passage(0, 5, 10, 15, "verbatim", 1.0)
    assert "a_text" not in p.to_dict()
    p.a_text, p.b_text = "Hello", "hello"
    assert p.to_dict()["a_text"] == "Hello" and p.to_dict()["b_text"] == "hello"


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_writers_round_trip(tmp_path, name) -> None:
    recs = [pair([Passage(0, 5, 10, 15, "verbatim", 1.0)]), pair([])]
    path = tmp_path / name
    assert write_records(str(path), recs) == 2
    if name.endswith(".parquet"):
        rows = pq.read_table(path).to_pylist()
    else:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt") as f:
            rows = [json.loads(line) for line in f]
    assert rows == [r.to_dict() for r in recs]
    assert write_records(str(tmp_path / "c.jsonl"), [Cluster(0, "x", ["x", "y"])]) == 1
