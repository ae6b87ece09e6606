"""Where per-document shingle sequences live between fingerprinting and verification.

The algorithms only need two operations, ``append`` a batch and ``get_many`` documents, so
the storage can change (memory, a spill file, later an embedded database) without touching
them. :class:`SpillingStore` keeps batches in memory up to a byte budget and then writes
them to an anonymous temporary file, so the resident memory of a run grows with the number
of documents, not with the total size of the text.
"""

from __future__ import annotations

import os
import tempfile
from typing import Protocol

import numpy as np


class SequenceStore(Protocol):
    """Append-only store of one uint64 sequence per document, addressed by insertion order."""

    def append(self, seqs: np.ndarray, offsets: np.ndarray) -> None:
        """Add a batch: document ``i`` of the batch is ``seqs[offsets[i]:offsets[i+1]]``."""

    def get_many(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sequences of ``docs`` (global indices) concatenated, with int64 offsets."""

    def __len__(self) -> int: ...


class SpillingStore:
    """A :class:`SequenceStore` in memory up to ``budget_bytes``, then in a temporary file.

    >>> s = SpillingStore(budget_bytes=0)
    >>> s.append(np.array([5, 6, 7], dtype=np.uint64), np.array([0, 2, 3]))
    >>> seqs, offs = s.get_many(np.array([1, 0]))
    >>> seqs.tolist(), offs.tolist()
    ([7, 5, 6], [0, 1, 3])
    >>> s.close()
    """

    def __init__(self, budget_bytes: int = 256 << 20, directory: str | None = None):
        self.budget = budget_bytes
        self.directory = directory
        self._starts: list[np.ndarray] = []  # global element offset of each doc, per batch
        self._mem: dict[int, np.ndarray] = {}  # batch -> array (in-memory batches)
        self._batch_base: list[int] = []  # element offset of each batch in the global sequence
        self._doc_base: list[int] = []  # first doc index of each batch
        self._n_docs = 0
        self._n_elems = 0
        self._mem_bytes = 0
        self._file = None
        self._file_base = 0  # global element offset where the file starts

    def __len__(self) -> int:
        return self._n_docs

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def append(self, seqs: np.ndarray, offsets: np.ndarray) -> None:
        seqs = np.ascontiguousarray(seqs, dtype=np.uint64)
        offsets = np.asarray(offsets, dtype=np.int64)
        self._batch_base.append(self._n_elems)
        self._doc_base.append(self._n_docs)
        self._starts.append(offsets[:-1] + self._n_elems)
        b = len(self._batch_base) - 1
        if self._file is None and self._mem_bytes + seqs.nbytes > self.budget:
            self._file = tempfile.TemporaryFile(dir=self.directory, prefix="retold-spill-")
            self._file_base = self._batch_base[min(self._mem)] if self._mem else self._n_elems
            for mb in sorted(self._mem):
                self._mem[mb].tofile(self._file)
            self._mem.clear()
            self._mem_bytes = 0
        if self._file is None:
            self._mem[b] = seqs
            self._mem_bytes += seqs.nbytes
        else:
            self._file.seek(0, os.SEEK_END)
            seqs.tofile(self._file)
        self._n_docs += offsets.shape[0] - 1
        self._n_elems += seqs.shape[0]

    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        starts = np.concatenate(self._starts) if self._starts else np.zeros(0, dtype=np.int64)
        ends = np.empty_like(starts)
        ends[:-1] = starts[1:]
        if starts.shape[0]:
            ends[-1] = self._n_elems
        return starts, ends

    def get_many(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        docs = np.asarray(docs, dtype=np.int64)
        starts, ends = self._ends()
        lens = ends[docs] - starts[docs]
        offs = np.zeros(docs.shape[0] + 1, dtype=np.int64)
        np.cumsum(lens, out=offs[1:])
        out = np.empty(offs[-1], dtype=np.uint64)
        batch_of = np.searchsorted(np.asarray(self._doc_base), docs, side="right") - 1
        fd = self._file.fileno() if self._file is not None else -1
        for i, d in enumerate(docs.tolist()):
            b = int(batch_of[i])
            s, e = int(starts[d]), int(ends[d])
            if e == s:
                continue
            arr = self._mem.get(b)
            if arr is not None:
                base = self._batch_base[b]
                out[offs[i] : offs[i + 1]] = arr[s - base : e - base]
            else:
                raw = os.pread(fd, (e - s) * 8, (s - self._file_base) * 8)
                out[offs[i] : offs[i + 1]] = np.frombuffer(raw, dtype=np.uint64)
        return out, offs

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._mem.clear()
