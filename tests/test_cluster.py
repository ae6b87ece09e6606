from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from retold.cluster import component_labels, parse_date, representatives


@given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60))
def test_components_match_naive_closure(n, edges):
    edges = [(a % n, b % n) for a, b in edges]
    labels = component_labels(n, np.array([a for a, _ in edges], dtype=np.int64),
                              np.array([b for _, b in edges], dtype=np.int64))
    # naive: repeated relaxation to the minimum label
    lab = list(range(n))
    changed = True
    while changed:
        changed = False
        for a, b in edges:
            m = min(lab[a], lab[b])
            if lab[a] != m or lab[b] != m:
                lab[a] = lab[b] = m
                changed = True
    # same partition, and each label is the smallest member
    assert labels.tolist() == [min(i for i in range(n) if lab[i] == lab[j]) for j in range(n)]


def test_keep_rules():
    labels = np.array([0, 0, 0, 3])
    assert representatives(labels, "first").tolist() == [0, 0, 0, 3]
    assert representatives(labels, "longest", n_tokens=np.array([3, 8, 8, 1])).tolist() == [1, 1, 1, 3]
    dates = ["2022-03-10", None, "2022-03-01T08:00:00Z", "bad"]
    assert representatives(labels, "earliest", dates=dates).tolist() == [2, 2, 2, 3]


def test_parse_date():
    assert parse_date("2022-03-15").month == 3
    assert parse_date("") is None and parse_date(None) is None and parse_date("15/03/2022") is None
