"""From decisions to records: token positions to character offsets, the source by date, and
:class:`~retold.records.Pair` records out of a :class:`~retold.model.PairTable`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..cluster import parse_date
from ..model import KIND_CODE, KINDS, PASSAGE_CODE, PASSAGE_KINDS, PairTable, PassageTable
from ..records import Pair, Passage
from .decide import Decision


def char_spans(packed: np.ndarray, base: np.ndarray, tok0: np.ndarray, tok1: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Token ranges ``[tok0, tok1]`` (inclusive) -> ``[start, end)`` character offsets.

    ``packed``: ``start << 32 | end`` of each token of the documents concerned, concatenated;
    ``base``: where each range's document starts in ``packed``.

    >>> packed = np.array([(0 << 32) | 3, (4 << 32) | 7, (8 << 32) | 11], dtype=np.uint64)
    >>> [x.tolist() for x in char_spans(packed, np.array([0]), np.array([1]), np.array([2]))]
    [[4], [11]]
    """
    if tok0.shape[0] == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    start = (packed[base + tok0] >> np.uint64(32)).astype(np.int64)
    end = (packed[base + tok1] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return start, end


def decided_table(a: np.ndarray, b: np.ndarray, d: Decision, a_chars: tuple[np.ndarray, np.ndarray] | None = None,
                  b_chars: tuple[np.ndarray, np.ndarray] | None = None, keep_all: bool = False) -> PairTable:
    """The reported pairs of a decision (documents ``a[i]``, ``b[i]``) as a table.

    ``a_chars``/``b_chars``: the character spans of the decision's passages (from
    :func:`char_spans`); None when the plan computed no passages. ``keep_all``: keep the pairs
    that are not reported too (kind -1).
    """
    m = (d.kind >= 0) | keep_all
    sc = d.scores
    passages = PassageTable()
    if a_chars is not None and b_chars is not None:
        new_row = np.cumsum(m) - 1
        kind = np.where(d.p_verbatim, PASSAGE_CODE["verbatim"], PASSAGE_CODE["near_verbatim"]).astype(np.int8)
        passages = PassageTable(new_row[d.p_pair].astype(np.int64), a_chars[0], a_chars[1], b_chars[0], b_chars[1],
                                d.p_score.astype(np.float64), kind)
    return PairTable(a[m], b[m], d.kind[m], d.score[m], sc.jaccard[m], sc.containment_a[m], sc.containment_b[m],
                     sc.coverage_a[m], sc.coverage_b[m], passages=passages, has_passages=a_chars is not None)


def source_of(id_a: str, date_a: object, id_b: str, date_b: object) -> str | None:
    """The document with the earlier date, when both have one (else None).

    >>> source_of("a", "2020-01-02", "b", "2020-01-01"), source_of("a", None, "b", "2020-01-01")
    ('b', None)
    """
    pa, pb = parse_date(date_a), parse_date(date_b)
    if pa is None or pb is None or pa == pb:
        return None
    return id_a if pa < pb else id_b


def round6(values: np.ndarray) -> list[float]:
    """``[round(v, 6) for v in values]``, the same floats, ten times faster.

    Why: ``round(x, 6)`` is correctly rounded through a decimal conversion, about half a
    microsecond each, six per record (a second of a million-pair run). ``rint(x * 1e6) / 1e6``
    is the same float wherever ``x * 1e6`` is not within rounding error of a half (the division
    is correctly rounded, so it gives the float nearest the decimal, as ``round`` does); those
    few, and anything not finite or too large, go through ``round``.

    >>> xs = [0.1234565, 0.1234575, 2 / 3, 1.0, 0.0000005]
    >>> round6(np.array(xs)), round6(np.array(xs)) == [round(x, 6) for x in xs]
    ([0.123456, 0.123457, 0.666667, 1.0, 0.0], True)
    """
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * 1e6
        out = (np.rint(y) / 1e6).tolist()
        near_half = ~(np.abs(y - np.floor(y) - 0.5) > 1e-6) | ~(np.abs(y) < 2.0**52)
    for i in np.flatnonzero(near_half).tolist():
        out[i] = round(float(x[i]), 6)
    return out


def records(table: PairTable, ids: Sequence[str], dates: Sequence[str | None]) -> Iterator[Pair]:
    """The rows of a (sorted) table as :class:`~retold.records.Pair` records.

    Exact pairs carry no passages; the other pairs carry theirs when the table has passages.
    A row of kind -1 (a pair decided but not reported) gets the kind None.

    >>> t = PairTable.from_columns(a=[0], b=[1], kind=[KIND_CODE["exact"]], score=[1.0])
    >>> [(p.a, p.b, p.kind, p.source) for p in records(t, ["x", "y"], ["2020-01-02", "2020-01-01"])]
    [('x', 'y', 'exact', 'y')]
    """
    p = table.passages
    starts = np.searchsorted(p.pair, np.arange(len(table) + 1))
    exact = KIND_CODE["exact"]
    for lo, hi in _row_chunks(len(table)):
        cols = [getattr(table, c)[lo:hi].tolist() for c in PairTable.COLUMNS]
        p0 = int(starts[lo])
        pcols = [getattr(p, c)[p0 : starts[hi]].tolist() for c in PassageTable.COLUMNS[1:]]
        for i, (a, b, kind, score, jac, ca, cb, cva, cvb) in enumerate(zip(*cols), start=lo):
            passages = None
            if table.has_passages and kind != exact:
                passages = [Passage(pcols[0][j], pcols[1][j], pcols[2][j], pcols[3][j], PASSAGE_KINDS[pcols[5][j]],
                                    pcols[4][j]) for j in range(starts[i] - p0, starts[i + 1] - p0)]
            yield Pair(a=ids[a], b=ids[b], kind=KINDS[kind] if kind >= 0 else None, score=score, jaccard=jac,
                       containment_a=ca, containment_b=cb, coverage_a=cva, coverage_b=cvb,
                       source=source_of(ids[a], dates[a], ids[b], dates[b]), passages=passages)


ROWS_PER_CHUNK = 1 << 16


def _row_chunks(n: int) -> Iterator[tuple[int, int]]:
    """Rows ``[lo, hi)`` a chunk at a time. Why: the columns of a whole table as Python lists
    (an object per value) were the largest thing a 10M-document run held, 1.9 GB for its 7M
    pairs, while it wrote them."""
    for lo in range(0, n, ROWS_PER_CHUNK):
        yield lo, min(n, lo + ROWS_PER_CHUNK)


def record_dicts(table: PairTable, ids: Sequence[str], dates: Sequence[str | None]) -> Iterator[dict[str, Any]]:
    """:func:`records` as the dicts their ``to_dict()`` gives, without the objects: what a writer
    needs (a million records took seconds more through :class:`~retold.records.Pair`).

    >>> t = PairTable.from_columns(a=[0], b=[1], kind=[KIND_CODE["exact"]], score=[1.0])
    >>> next(record_dicts(t, ["x", "y"], ["2020-01-02", "2020-01-01"]))["source"]
    'y'
    """
    p = table.passages
    starts = np.searchsorted(p.pair, np.arange(len(table) + 1))
    exact = KIND_CODE["exact"]
    with_passages = table.has_passages
    dated = any(d is not None for d in dates)
    kind_name = {k: KINDS[k] if k >= 0 else None for k in np.unique(table.kind).tolist()}
    for lo, hi in _row_chunks(len(table)):
        # every float column of a chunk rounded at once (round6), not per record
        cols = [getattr(table, c)[lo:hi].tolist() if c in ("a", "b", "kind") else round6(getattr(table, c)[lo:hi])
                for c in PairTable.COLUMNS]
        p0, p1 = int(starts[lo]), int(starts[hi])
        pa0, pa1, pb0, pb1, pkind = (getattr(p, c)[p0:p1].tolist() for c in ("a_start", "a_end", "b_start", "b_end",
                                                                              "kind"))
        psc = round6(p.score[p0:p1])
        st = (starts[lo : hi + 1] - p0).tolist()
        for i, (a, b, kind, score, jac, ca, cb, cva, cvb) in enumerate(zip(*cols)):
            ida, idb = ids[a], ids[b]
            d: dict[str, Any] = {
                "a": ida, "b": idb, "kind": kind_name[kind], "score": score, "jaccard": jac, "containment_a": ca,
                "containment_b": cb, "coverage_a": cva, "coverage_b": cvb,
                "source": source_of(ida, dates[a], idb, dates[b]) if dated else None,
            }
            if with_passages and kind != exact:
                d["passages"] = [{"a_start": pa0[j], "a_end": pa1[j], "b_start": pb0[j], "b_end": pb1[j],
                                  "kind": PASSAGE_KINDS[pkind[j]], "score": psc[j]}
                                 for j in range(st[i], st[i + 1])]
            yield d
