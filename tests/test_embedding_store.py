"""The embedding store: a bounded, best-effort cache of model vectors between runs."""

from __future__ import annotations

import numpy as np

from retold.embedding_store import EmbeddingStore


def test_put_get_bounded_and_best_effort(tmp_path) -> None:
    s = EmbeddingStore(tmp_path / "e.sqlite", dim=4, max_rows=10)
    keys = [bytes([i]) * 16 for i in range(8)]
    vecs = np.arange(32, dtype=np.float32).reshape(8, 4)
    s.put(keys, vecs)
    got = s.get(keys + [b"z" * 16])
    assert sorted(got) == sorted(keys) and np.array_equal(got[keys[3]], vecs[3])
    more = [bytes([100 + i]) * 16 for i in range(6)]
    s.put(more, np.ones((6, 4), dtype=np.float32))
    got = s.get(keys + more)
    assert len(got) <= 10 and all(k in got for k in more), "full: the oldest go first"
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database")
    broken = EmbeddingStore(bad, dim=4)
    assert broken.get(keys) == {}
    broken.put(keys, vecs)  # no error: the run embeds as if there were no store
    assert EmbeddingStore(tmp_path / "none.sqlite", dim=4).get(keys) == {}
