"""Reuse families: union-find over related pairs, and a deterministic representative per family."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .jit import nb

KEEP_RULES = ("first", "longest", "earliest")


@nb.njit(nogil=True, cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@nb.njit(nogil=True, cache=True)
def _components(n, a, b):
    parent = np.arange(n)
    for i in range(a.shape[0]):
        ra = _find(parent, a[i])
        rb = _find(parent, b[i])
        if ra != rb:
            # the smaller index becomes the root: labels = first member of each family
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = _find(parent, i)
    return out


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` nodes joined by edges ``(a[i], b[i])``.

    Each node's label is the smallest node index of its component, so labels do not depend
    on edge order.

    >>> component_labels(5, np.array([3, 1]), np.array([4, 3])).tolist()
    [0, 1, 2, 1, 1]
    """
    return _components(n, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))


def parse_date(value: object) -> datetime | None:
    """Parse an ISO-8601 date or datetime (``Z`` allowed); ``None`` when it is not one.

    >>> parse_date("2022-03-15").year, parse_date("2022-03-15T10:00:00Z").hour, parse_date("soon")
    (2022, 10, None)
    """
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        return None
    return d.replace(tzinfo=None) if d.tzinfo is None else d.astimezone().replace(tzinfo=None)


def representatives(labels: np.ndarray, keep: str = "first", n_tokens: np.ndarray | None = None,
                    dates: Sequence[object] | None = None) -> np.ndarray:
    """The representative document of each family, as a per-document array of indices.

    Rules: ``first`` = earliest in input order; ``longest`` = most tokens (ties: first);
    ``earliest`` = oldest parsable date (documents without a date come after dated ones;
    ties and no dates at all: first).

    >>> representatives(np.array([0, 0, 2, 0]), "longest", n_tokens=np.array([5, 9, 1, 9])).tolist()
    [1, 1, 2, 1]
    """
    n = labels.shape[0]
    idx = np.arange(n)
    if keep == "first":
        key = np.zeros(n, dtype=np.float64)
    elif keep == "longest":
        if n_tokens is None:
            raise ValueError("keep='longest' needs n_tokens")
        key = -np.asarray(n_tokens, dtype=np.float64)
    elif keep == "earliest":
        if dates is None:
            raise ValueError("keep='earliest' needs dates")
        key = np.array([p.timestamp() if (p := parse_date(d)) is not None else np.inf for d in dates],
                       dtype=np.float64)
    else:
        raise ValueError(f"unknown keep rule {keep!r}; choose one of {', '.join(KEEP_RULES)}")
    order = np.lexsort((idx, key, labels))  # by family, then rule key, then input order
    first_of = np.ones(n, dtype=bool)
    first_of[1:] = labels[order][1:] != labels[order][:-1]
    rep_of_label = dict(zip(labels[order][first_of].tolist(), order[first_of].tolist()))
    return np.array([rep_of_label[x] for x in labels.tolist()], dtype=np.int64)
