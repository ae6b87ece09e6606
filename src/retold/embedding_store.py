"""Sentence embeddings kept on disk between runs, so that running ``find`` again on the same
corpus (other kinds, thresholds, outputs) does not run the model again.

One SQLite file per model and backend in the cache folder (``RETOLD_CACHE_DIR``, default
``~/.cache/retold``): ``embeddings-<key>.sqlite``, a table of (16-byte BLAKE2b of the sentence,
float32 vector). It only ever answers with what the same model computed for the same text:
ONNX Runtime gives a sentence the same vector whatever batch it is embedded in (bit for bit;
tested), so a vector from the store is the vector the run would compute, and the output does not
depend on what earlier runs did. The store is bounded (:data:`MAX_ROWS`; the oldest half goes when
it is full) and best effort: any error of the file (read-only, locked, corrupt) and the run
simply embeds. ``RETOLD_EMBEDDING_STORE=0`` turns it off.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: Vectors kept at most (384 float32 each: about 1.6 KB a sentence, 160 MB in all).
MAX_ROWS = 100_000


def enabled() -> bool:
    """Whether the store is used (``RETOLD_EMBEDDING_STORE`` is not ``0``)."""
    return os.environ.get("RETOLD_EMBEDDING_STORE", "1") != "0"


class EmbeddingStore:
    """The vectors one model (``key``) computed, by sentence hash.

    >>> import tempfile
    >>> s = EmbeddingStore(Path(tempfile.mkdtemp()) / "e.sqlite", dim=3)
    >>> s.put([b"k" * 16], np.array([[1, 2, 3]], dtype=np.float32))
    >>> found = s.get([b"k" * 16, b"x" * 16])
    >>> sorted(found), found[b"k" * 16].tolist()
    ([b'kkkkkkkkkkkkkkkk'], [1.0, 2.0, 3.0])
    """

    def __init__(self, path: Path, dim: int, max_rows: int = MAX_ROWS):
        self.path = Path(path)
        self.dim = dim
        self.max_rows = max_rows

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
        return conn

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of ``keys`` (those it has); empty on any error of the file."""
        out: dict[bytes, np.ndarray] = {}
        if not keys or not self.path.exists():
            return out
        width = self.dim * 4
        try:
            conn = self._connect()
            try:
                for s in range(0, len(keys), 500):
                    part = list(keys[s:s + 500])
                    marks = ",".join("?" * len(part))
                    for k, v in conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", part):
                        if len(v) == width:
                            out[bytes(k)] = np.frombuffer(v, dtype=np.float32)
            finally:
                conn.close()
        except sqlite3.Error:
            return {}
        return out

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Keep ``vectors`` (one row a key); when full, the oldest half goes first. Errors are ignored."""
        if not keys:
            return
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors)]
        try:
            conn = self._connect()
            try:
                with conn:
                    n = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
                    if n + len(rows) > self.max_rows:
                        conn.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY rowid "
                                     "LIMIT ?)", (max(n // 2, n + len(rows) - self.max_rows),))
                    conn.executemany("INSERT OR IGNORE INTO vectors (key, vec) VALUES (?, ?)",
                                     rows[-self.max_rows:])
            finally:
                conn.close()
        except (sqlite3.Error, OSError):
            pass
