"""The model: one kinds vocabulary, validated everywhere; a plan derived once from the kinds; the
pair table that stages return."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from retold.model import (
    KIND_CODE,
    KINDS,
    PASSAGE_CODE,
    Options,
    PairTable,
    PassageTable,
    Plan,
    parse_embedder,
    parse_kinds,
)


def test_kinds_are_validated_and_put_in_order() -> None:
    assert parse_kinds(None) == KINDS
    assert parse_kinds(" paraphrase , exact ") == ("exact", "paraphrase")
    assert parse_kinds(["partial", "partial", "near_duplicate"]) == ("near_duplicate", "partial")
    for bad in ("exact,bogus", ["near-duplicate"], ""):
        with pytest.raises(ValueError, match="choose from exact, near_duplicate, partial, paraphrase"):
            parse_kinds(bad)


def test_a_misspelt_embedder_is_an_error_not_auto(monkeypatch) -> None:
    with pytest.raises(ValueError, match="unknown embedder 'lexcial'; choose from auto, minilm, lexical"):
        parse_embedder("lexcial")
    monkeypatch.setenv("RETOLD_EMBEDDER", "lexical")
    assert parse_embedder(None) == "lexical"
    with pytest.raises(ValueError):
        Plan.for_kinds("paraphrase", embedder="minlm")


def test_the_plan_computes_what_a_kind_depends_on() -> None:
    """A kind is decided on pairs the kinds before it did not claim: whatever is asked, the plan
    computes the evidence of every weaker kind that decision needs."""
    for r in range(1, len(KINDS) + 1):
        for ks in itertools.combinations(KINDS, r):
            p = Plan.for_kinds(ks, embedder="lexical")
            strongest = max(KIND_CODE[k] for k in ks)
            assert p.kinds == ks
            assert p.bands == (strongest >= 1)
            assert p.passages == p.anchors == (strongest >= 2)
            assert p.paraphrase == p.terms == (strongest == 3)
            assert p.boilerplate == "cues", "every kind is decided on the same evidence"
    assert Plan.for_kinds("exact,near_duplicate", families=True).anchors
    assert Plan.for_kinds(web=True).boilerplate == "site"
    assert Plan.for_kinds(boilerplate=False).boilerplate == "off"
    assert Plan.for_kinds(boilerplate=True).boilerplate == "site"


def test_options_hold_thresholds_only() -> None:
    fields = set(Options.__dataclass_fields__)
    assert not fields & {"id_field", "text_field", "date_field", "batch_docs", "memory_budget", "boilerplate_level",
                         "paraphrase_embedder", "verify_chunk"}
    assert Options().replace(near_min_coverage=0.9).near_min_coverage == 0.9
    with pytest.raises(dataclasses.FrozenInstanceError):
        Options().near_min_coverage = 0.1  # frozen: a plan and its options are shared by engines


def table(a, b, kinds, passages=()) -> PairTable:
    p = np.array(passages, dtype=np.int64).reshape(-1, 5)
    pt = PassageTable(p[:, 0], p[:, 1], p[:, 2], p[:, 3], p[:, 4], np.ones(p.shape[0]),
                      np.full(p.shape[0], PASSAGE_CODE["verbatim"], dtype=np.int8))
    return PairTable.from_columns(a=a, b=b, kind=[KIND_CODE[k] for k in kinds], score=np.linspace(0.1, 0.9, len(a)),
                                  passages=pt, has_passages=True)


def test_pair_table_sorts_concats_and_filters_with_its_passages() -> None:
    t1 = table([5, 1], [6, 2], ["partial", "near_duplicate"], [(0, 10, 20, 30, 40), (1, 1, 2, 3, 4)])
    t2 = table([0], [9], ["paraphrase"], [(0, 7, 8, 9, 10), (0, 3, 4, 5, 6)])
    both = PairTable.concat([t1, t2])
    assert len(both) == 3 and both.passages.pair.tolist() == [0, 1, 2, 2]
    s = both.sorted()
    assert list(zip(s.a.tolist(), s.b.tolist())) == [(0, 9), (1, 2), (5, 6)]
    # passages follow their rows, sorted by start within a row
    assert s.passages.pair.tolist() == [0, 0, 1, 2]
    assert s.passages.a_start.tolist() == [3, 7, 1, 10]
    f = s.filter_kinds(["partial", "paraphrase"])
    assert f.kinds() == ["paraphrase", "partial"] and f.passages.pair.tolist() == [0, 0, 1]
    assert f.passages.a_start.tolist() == [3, 7, 10]
    empty = PairTable.concat([])
    assert len(empty) == 0 and len(empty.sorted()) == 0
