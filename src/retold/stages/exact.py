"""Exact duplicates: documents with the same normalised token sequence form one group, and the
first of them (in read order) represents it. Only representatives take part in anything else."""

from __future__ import annotations

import numpy as np

from ..model import KIND_CODE, PairTable


def exact_groups(content: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
    """For each document, the first document with the same token sequence (-1: an empty text).

    >>> exact_groups(np.array([7, 9, 7, 5], dtype=np.uint64), np.array([3, 3, 3, 0])).tolist()
    [0, 1, 0, -1]
    """
    n = content.shape[0]
    rep = np.full(n, -1, dtype=np.int64)
    nonempty = np.flatnonzero(n_tokens > 0)
    if nonempty.shape[0] == 0:
        return rep
    c = content[nonempty]
    t = n_tokens[nonempty]
    order = np.lexsort((nonempty, t, c))
    sc, st = c[order], t[order]
    new = np.ones(order.shape[0], dtype=bool)
    new[1:] = (sc[1:] != sc[:-1]) | (st[1:] != st[:-1])
    group = np.cumsum(new) - 1
    first = nonempty[order][new]  # lexsort puts the smallest index first in each group
    rep[nonempty[order]] = first[group]
    return rep


def representatives_of(rep: np.ndarray) -> np.ndarray:
    """The documents that represent their group (sorted).

    >>> representatives_of(np.array([0, 1, 0, -1])).tolist()
    [0, 1]
    """
    return np.flatnonzero(rep == np.arange(rep.shape[0]))


def exact_pairs(rep: np.ndarray) -> PairTable:
    """Each later member of an exact group paired with its representative (score 1).

    >>> exact_pairs(np.array([0, 1, 0, -1])).a.tolist()
    [0]
    """
    members = np.flatnonzero((rep >= 0) & (rep != np.arange(rep.shape[0])))
    ones = np.ones(members.shape[0])
    return PairTable.from_columns(a=rep[members], b=members, kind=np.full(members.shape[0], KIND_CODE["exact"]),
                                  score=ones, jaccard=ones, containment_a=ones, containment_b=ones,
                                  coverage_a=ones, coverage_b=ones)
