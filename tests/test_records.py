"""Records and their writers: the documented dict form, and JSONL / gzip / Parquet by extension."""

from __future__ import annotations

import gzip
import json

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
    assert [output_format(p) for p in ("-", "a.jsonl", "a.JSONL.GZ", "a.parquet")] == [
        "jsonl", "jsonl", "jsonl.gz", "parquet"]
    with pytest.raises(ValueError, match="cannot tell the output format"):
        output_format("a.xlsx")


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
