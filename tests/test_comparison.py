"""compare(a, b) gives the record find gives for the same two texts."""

from __future__ import annotations

import json

import pytest

import retold
from retold.comparison import compare, comparison, explain

from .conftest import seed_texts


def find_pair(tmp_path, a: str, b: str, **kw) -> dict | None:
    p = tmp_path / "two.jsonl"
    p.write_text(json.dumps({"id": "a", "text": a}) + "\n" + json.dumps({"id": "b", "text": b}) + "\n")
    recs = [x.to_dict() for x in retold.find([p], **kw).pairs]
    return recs[0] if recs else None


@pytest.mark.parametrize("case", ["seed", "near", "exact", "partial"])
def test_compare_is_find_on_the_two_texts(tmp_path, bbc_path, case) -> None:
    a, b = seed_texts()
    recs = [json.loads(x) for x in bbc_path.read_text().splitlines()[:40]]
    art = recs[3]["text"]
    if case == "near":
        a, b = art, art.replace(" the ", " a ", 5) + "\nShare this article"
    elif case == "exact":
        a, b = art, art.upper()
    elif case == "partial":
        a, b = art, recs[20]["text"] + "\n\n" + max(art.split("\n\n"), key=len)
    want = find_pair(tmp_path, a, b)
    got = retold.compare(a, b)
    assert want is not None and got.to_dict() == want
    assert got.kind == {"seed": "paraphrase", "near": "near_duplicate", "exact": "exact", "partial": "partial"}[case]
    narrow = retold.compare(a, b, kinds="exact,near_duplicate")
    want_narrow = find_pair(tmp_path, a, b, kinds="exact,near_duplicate")
    assert (narrow.to_dict() if narrow.kind else None) == want_narrow


def test_an_unrelated_pair_has_no_kind_but_shows_what_it_shares() -> None:
    shared = "The minister said on Monday that the new rail line would open soon."
    a = ("Storms closed roads across the north of the county for a second day. " * 3) + shared
    b = ("Fans cheered as the team won the cup in extra time at a packed stadium. " * 3) + shared
    c = comparison(a, b, embedder="lexical")
    assert c.pair.kind is None, "one shared sentence is not partial reuse"
    assert [b[p.b_start:p.b_end] for p in c.pair.passages] == [shared.rstrip(".")]
    assert retold.compare("Rain.", "Sun.", embedder="lexical").passages == []


def test_furniture_is_reported_and_kept_out_of_the_evidence() -> None:
    a, b = seed_texts()
    c = comparison(a, b)
    assert len(c.furniture_b) == 10 and not c.furniture_a
    assert not any(s < p.b_end and p.b_start < e for p in c.pair.passages for s, e in c.furniture_b)


def test_the_verdict_is_explained_with_the_rule_and_the_numbers() -> None:
    a, b = seed_texts()
    para = compare(a, b, embedder="lexical")
    why = explain(para, a, b)
    assert why.startswith("paraphrase: ") and "3+ aligned sentence pairs" in why
    near = a.replace("Kim was quick", "Kim was fast", 1)
    why = explain(compare(a, near, embedder="lexical"), a, near)
    assert why.startswith("near_duplicate: ") and "a near-duplicate needs 80% of the shorter text and 50%" in why
    lifted = "An unrelated opening about the weather in Leeds and the buses. " * 5 + a[:700]
    p = compare(a, lifted, kinds="exact,near_duplicate,partial")
    why = explain(p, a, lifted)
    assert p.kind == "partial" and why.startswith("partial: ") and "the longest" in why
    assert explain(compare(a, a.upper())).startswith("exact: ")
    none = explain(compare("Oil prices rose on Monday.", "Rain fell in Paris.", embedder="lexical"))
    assert none.startswith("not related: ") and "no shared passage" in none
