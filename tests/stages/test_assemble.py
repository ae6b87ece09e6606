"""Assembly: token ranges to character offsets into the original text, the source by date, records."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import retold
from retold.model import KIND_CODE, PASSAGE_CODE, PairTable, PassageTable
from retold.stages.assemble import char_spans, record_dicts, records, round6, source_of
from retold.text import tokens

from ..conftest import EXAMPLES


def test_token_ranges_become_offsets_into_the_original_text() -> None:
    text = "\u201cKIM\u00a0was  quick\u201d \u2014 to deny \u0130stanbul talks."
    t = tokens(text)
    packed = (t.starts.astype(np.uint64) << np.uint64(32)) | t.ends.astype(np.uint64)
    s, e = char_spans(packed, np.array([0, 0]), np.array([0, 5]), np.array([2, 6]))
    assert [text[a:b] for a, b in zip(s.tolist(), e.tolist())] == ["KIM\u00a0was  quick", "\u0130stanbul talks"]


def test_source_is_the_earlier_date_and_none_when_unknown_or_equal() -> None:
    assert source_of("a", "2024-03-01T10:00:00Z", "b", "2024-03-01T09:00:00+00:00") == "b"
    assert source_of("a", "2024-03-01", "b", "2024-03-01") is None
    assert source_of("a", "not a date", "b", "2024-03-01") is None


def test_records_carry_passages_except_for_exact_pairs() -> None:
    p = PassageTable(np.array([1]), np.array([0]), np.array([4]), np.array([2]), np.array([6]), np.array([0.9]),
                     np.array([PASSAGE_CODE["near_verbatim"]], dtype=np.int8))
    t = PairTable.from_columns(a=[0, 0], b=[1, 2], kind=[KIND_CODE["exact"], KIND_CODE["partial"]], score=[1.0, 0.3],
                               passages=p, has_passages=True)
    recs = list(records(t, ["x", "y", "z"], [None, None, None]))
    assert recs[0].kind == "exact" and recs[0].passages is None
    assert recs[1].kind == "partial" and [(q.a_start, q.b_end, q.kind) for q in recs[1].passages] == [
        (0, 6, "near_verbatim")]
    no = PairTable.from_columns(a=[0], b=[1], kind=[KIND_CODE["near_duplicate"]], score=[0.9])
    assert next(records(no, ["x", "y"], [None, None])).passages is None


def test_record_dicts_are_the_records_as_dicts_on_real_pairs() -> None:
    """The writers' path (dicts straight from the table) gives what ``Pair.to_dict()`` gives:
    on find's pairs of the examples (passages, exact pairs, dates) and on a pair not reported."""
    r = retold.find([EXAMPLES])
    t = r.table
    assert len(t) and len(t.passages)
    assert list(record_dicts(t, r.corpus.ids, r.corpus.dates)) == [p.to_dict() for p in records(
        t, r.corpus.ids, r.corpus.dates)]
    odd = PairTable.from_columns(a=[0, 1], b=[2, 2], kind=[-1, KIND_CODE["near_duplicate"]], score=[1 / 3, 2 / 3])
    ids, dates = ["x", "y", "z"], ["2024-01-02", None, "2024-01-01"]
    assert list(record_dicts(odd, ids, dates)) == [p.to_dict() for p in records(odd, ids, dates)]


def test_records_written_a_few_rows_at_a_time_are_the_same(monkeypatch) -> None:
    # chunks of 1, 2 and 3 rows: passages of a pair never cut off or shifted to a neighbour
    import retold.stages.assemble as assemble

    r = retold.find([EXAMPLES])
    t, ids, dates = r.table, r.corpus.ids, r.corpus.dates
    assert len(t) == 3 and len(t.passages) > 3
    want = [p.to_dict() for p in records(t, ids, dates)]
    dicts = list(record_dicts(t, ids, dates))
    for rows in (1, 2, 3):
        monkeypatch.setattr(assemble, "ROWS_PER_CHUNK", rows)
        assert [p.to_dict() for p in records(t, ids, dates)] == want
        assert list(record_dicts(t, ids, dates)) == dicts == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.floats(allow_nan=False, allow_infinity=False), st.just(0.1234565),
                          st.integers(0, 10**7).map(lambda n: n / 1e7),
                          st.integers(0, 2 * 10**6).map(lambda n: n / 2e6 + 5e-7),
                          st.sampled_from([float("inf"), float("-inf"), float("nan"), -0.0, 1e300, 5e-7])),
                max_size=50))
def test_round6_gives_the_floats_of_round(values):
    """The writers round every score to six decimals with one vectorised pass; each float (and
    so its printed form) must be what ``round(x, 6)`` gives, ties and huge values included."""
    got = round6(np.array(values, dtype=np.float64))
    for g, v in zip(got, values):
        want = round(v, 6)
        assert repr(g) == repr(want), (v, g, want)
