"""Where per-document shingle sequences live between fingerprinting and verification.

The algorithms only need two operations, ``append`` a batch and ``get_many`` documents, so
the storage can change (memory, a spill file, later an embedded database) without touching
them. :class:`SpillingStore` keeps batches in memory up to a byte budget and then writes
them to an anonymous temporary file, so the resident memory of a run grows with the number
of documents, not with the total size of the text.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from typing import Any, Protocol

import numpy as np

from .jit import nb


@nb.njit(nogil=True, cache=True)
def _gather(src, base, starts, lens, dst_offs, sel, out) -> None:
    """Copy the requested documents ``sel`` (whose data lies in ``src``, global element ``base``
    at index 0) to their places in ``out``."""
    for i in sel:
        s = starts[i] - base
        o = dst_offs[i]
        n = lens[i]
        for t in range(n):
            out[o + t] = src[s + t]


@nb.njit(nogil=True, cache=True)
def _gather_at(src, at, lens, dst_offs, sel, out) -> None:
    """Copy the documents ``sel`` from ``src[at[x]:]`` (``x``: position in ``sel``) to their
    places in ``out``."""
    for x in range(sel.shape[0]):
        i = sel[x]
        s = at[x]
        o = dst_offs[i]
        for t in range(lens[i]):
            out[o + t] = src[s + t]


def _plan_fills(size: np.ndarray, window: int) -> np.ndarray:
    """Consecutive reads of ``size`` elements grouped into buffer fills of at most ``window``
    elements (a read larger than that alone): int64 boundaries into the reads.

    >>> _plan_fills(np.array([3, 3, 3, 9, 1]), 6).tolist()
    [0, 2, 3, 4, 5]
    """
    cuts = [0]
    at = 0
    for r, n in enumerate(size.tolist()):
        if at and at + n > window:
            cuts.append(r)
            at = 0
        at += n
    cuts.append(len(size))
    return np.array(cuts, dtype=np.int64)


@nb.njit(nogil=True, cache=True)
def _plan_reads(starts, lens, order, window, max_gap):
    """Split the requested documents (in file order ``order``) into reads of one contiguous
    span each: a span is at most ``window`` elements unless one document is longer, and it
    does not bridge a gap of more than ``max_gap`` unrequested elements.

    Returns int64 [n_reads + 1] boundaries into ``order``.
    """
    cuts = np.empty(order.shape[0] + 1, dtype=np.int64)
    n = 0
    span_start = 0
    last_end = 0
    for x in range(order.shape[0]):
        i = order[x]
        s = starts[i]
        e = s + lens[i]
        if x == 0 or e - span_start > window or s - last_end > max_gap:
            cuts[n] = x
            n += 1
            span_start = s
            last_end = e
        elif e > last_end:
            last_end = e
    cuts[n] = order.shape[0]
    return cuts[: n + 1]


class SequenceStore(Protocol):
    """Append-only store of one uint64 sequence per document, addressed by insertion order."""

    def append(self, seqs: np.ndarray, offsets: np.ndarray) -> None:
        """Add a batch: document ``i`` of the batch is ``seqs[offsets[i]:offsets[i+1]]``."""

    def get_many(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sequences of ``docs`` (global indices) concatenated, with int64 offsets."""

    def __len__(self) -> int: ...


_READ_WINDOW = 8 << 20  # bytes per read from the spill file
# The largest gap (elements) that one read bridges rather than starting another. Why this
# small: a read call costs about as much as copying 16 KB from the page cache, and documents
# asked for together (one family) lie anywhere in the file; a 1 MB gap made each verification
# chunk read most of the file.
_MAX_GAP = 2048


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
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None  # cached (starts, ends) of all docs

    def __len__(self) -> int:
        return self._n_docs

    @property
    def spilled(self) -> bool:
        return self._file is not None

    @property
    def spilled_bytes(self) -> int:
        """Bytes written to the spill file."""
        return (self._n_elems - self._file_base) * 8 if self._file is not None else 0

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
        self._bounds = None

    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        if self._bounds is None:  # verification calls get_many many times between appends
            starts = np.concatenate(self._starts) if self._starts else np.zeros(0, dtype=np.int64)
            ends = np.empty_like(starts)
            ends[:-1] = starts[1:]
            if starts.shape[0]:
                ends[-1] = self._n_elems
            self._bounds = (starts, ends)
        return self._bounds

    def get_many(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Why no per-document loop: verification asks for ~10^5 documents at a time; one
        # compiled copy per source (an in-memory batch, or the whole spill file mapped
        # read-only for the duration of the call) replaces a Python iteration and a pread each.
        docs = np.asarray(docs, dtype=np.int64)
        starts_all, ends_all = self._ends()
        starts = starts_all[docs]
        lens = ends_all[docs] - starts
        offs = np.zeros(docs.shape[0] + 1, dtype=np.int64)
        np.cumsum(lens, out=offs[1:])
        out = np.empty(offs[-1], dtype=np.uint64)
        batch_of = np.searchsorted(np.asarray(self._doc_base, dtype=np.int64), docs, side="right") - 1
        in_mem = np.zeros(docs.shape[0], dtype=bool)
        for b in np.unique(batch_of).tolist():
            arr = self._mem.get(b)
            if arr is not None:
                sel = np.flatnonzero(batch_of == b)
                in_mem[sel] = True
                _gather(arr, self._batch_base[b], starts, lens, offs, sel, out)
        from_file = np.flatnonzero(~in_mem & (lens > 0))
        if from_file.shape[0]:
            assert self._file is not None
            self._file.flush()
            self._read_spilled(starts, lens, offs, from_file, out)
        return out, offs

    def _read_spilled(self, starts, lens, offs, sel, out) -> None:
        """Gather documents ``sel`` from the spill file with a few large reads into one buffer.

        Why not a pread per document or a map of the whole file: verification asks for ~10^5
        documents at a time, spread over the whole file; a syscall (or page fault) each was
        most of the time, and mapping the file would add its size to the resident memory.
        The reads fill a buffer of :data:`_READ_WINDOW` one after another and one compiled
        copy then takes every document out of it: the loop here only issues reads (at 1M
        documents, ~300k of them; a copy call and a maximum each doubled verification).
        """
        window = _READ_WINDOW // 8
        order = sel[np.argsort(starts[sel], kind="stable")]
        cuts = _plan_reads(starts, lens, order, window, _MAX_GAP)
        first = cuts[:-1]
        lo = starts[order[first]]
        hi = np.maximum.reduceat(starts[order] + lens[order], first)
        size = hi - lo
        fills = _plan_fills(size, window)
        read_of = np.repeat(np.arange(first.shape[0]), np.diff(cuts))
        buf = np.empty(max(window, int(size.max())), dtype=np.uint64)
        fd = self._file.fileno()
        pos = np.zeros(first.shape[0], dtype=np.int64)  # where each read lands in the buffer
        lo_l, size_l, fills_l = lo.tolist(), size.tolist(), fills.tolist()
        for f in range(len(fills_l) - 1):
            r0, r1 = fills_l[f], fills_l[f + 1]
            at = 0
            for r in range(r0, r1):
                pos[r] = at
                view = memoryview(buf[at : at + size_l[r]]).cast("B")
                got = 0
                while got < view.nbytes:  # preadv may return short counts
                    n = os.preadv(fd, [view[got:]], (lo_l[r] - self._file_base) * buf.itemsize + got)
                    if n <= 0:
                        raise OSError("spill file is shorter than expected")
                    got += n
                at += size_l[r]
            part = slice(int(cuts[r0]), int(cuts[r1]))
            docs = order[part]
            src = pos[read_of[part]] + (starts[docs] - lo[read_of[part]])
            _gather_at(buf, src, lens, offs, docs, out)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._mem.clear()


class ColumnStore:
    """Fixed-width rows, one per document (the band keys, the signature bytes), appended in
    batches and read back a slab of columns at a time; in memory up to ``budget_bytes``, then
    in one temporary file per slab.

    Why: these columns are read once, by the candidate stage, a slab of bands after another;
    keeping them in memory for the whole run cost 800 MB at 1M documents (8 GB at 10M). A
    file per slab makes each slab one sequential read.

    >>> cs = ColumnStore(4, np.uint64, slab=2, budget_bytes=0)
    >>> cs.append(np.arange(8, dtype=np.uint64).reshape(2, 4))
    >>> cs.append(np.arange(8, 12, dtype=np.uint64).reshape(1, 4))
    >>> cs.shape, cs.spilled, cs[:, 1:3].tolist(), cs[np.array([2, 0]), 2:4].tolist()
    ((3, 4), True, [[1, 2], [5, 6], [9, 10]], [[10, 11], [2, 3]])
    >>> cs.close()
    """

    def __init__(self, width: int, dtype: type | np.dtype, slab: int | None = None, budget_bytes: int = 64 << 20,
                 directory: str | None = None):
        self.width = width
        self.dtype = np.dtype(dtype)
        self.slab = max(1, min(width, slab or width))
        self.cuts = list(range(0, width, self.slab)) + [width]
        self.budget = budget_bytes
        # one spool a slab, rows flattened; they spill together, when the whole store passes
        # the budget (a spool alone would decide on its own share)
        self._spools = [Spool(self.dtype, None, directory, prefix="retold-columns-") for _ in self.cuts[:-1]]
        self._rows = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self._rows, self.width

    @property
    def ndim(self) -> int:
        return 2

    @property
    def spilled(self) -> bool:
        return self._spools[0].spilled

    @property
    def _files(self) -> list[Any] | None:
        return [sp.file for sp in self._spools] if self.spilled else None

    @property
    def spilled_bytes(self) -> int:
        """Bytes written to the slab files."""
        return self._rows * self.width * self.dtype.itemsize if self.spilled else 0

    def __len__(self) -> int:
        return self._rows

    def append(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=self.dtype).reshape(-1, self.width)
        self._rows += rows.shape[0]
        if not self.spilled and self._rows * self.width * self.dtype.itemsize > self.budget:
            for sp in self._spools:
                sp.spill()
        for sp, s0, s1 in zip(self._spools, self.cuts[:-1], self.cuts[1:]):
            sp.append(rows[:, s0:s1].reshape(-1))

    def _slab(self, k: int) -> np.ndarray:
        """Slab ``k``: in memory, or its file mapped (pages the OS may drop and read again: a
        caller that takes a few columns, or a few rows, reads only those into memory; writes to
        it stay in this process)."""
        return self._spools[k].array().reshape(self._rows, self.cuts[k + 1] - self.cuts[k])

    def mapped(self) -> np.ndarray:
        """Every row and column as one array, without reading a spilled store into memory (its
        file mapped; writes stay in this process). Why: the agreement test reads the signature
        bytes of the pairs it tests, a few rows at random; reading the whole matrix held 3.2 GB
        at 10M documents.

        >>> cs = ColumnStore(2, np.uint8, budget_bytes=0)
        >>> cs.append(np.array([[1, 2], [3, 4]], dtype=np.uint8))
        >>> cs.mapped().tolist()
        [[1, 2], [3, 4]]
        >>> cs.close()
        """
        if len(self.cuts) == 2:
            return self._slab(0)
        return self.columns(0, self.width)

    def columns(self, s0: int, s1: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Columns ``s0:s1`` of every row (or of ``rows``), as a new C-contiguous array."""
        pieces = []
        for k in range(len(self.cuts) - 1):
            lo, hi = max(s0, self.cuts[k]), min(s1, self.cuts[k + 1])
            if lo >= hi:
                continue
            slab = self._slab(k)
            part = slab[:, lo - self.cuts[k] : hi - self.cuts[k]]
            pieces.append(part if rows is None else part[rows])
        if not pieces:
            return np.zeros((self._rows if rows is None else len(rows), 0), dtype=self.dtype)
        return np.ascontiguousarray(pieces[0] if len(pieces) == 1 else np.hstack(pieces))

    def __getitem__(self, key: tuple) -> np.ndarray:
        """``store[rows, s0:s1]`` with ``rows`` an index array or ``:`` (what the candidate
        kernels ask of a key matrix)."""
        rows, cols = key
        if not isinstance(cols, slice) or cols.step not in (None, 1):
            raise TypeError("columns are read as a slice")
        s0, s1, _ = cols.indices(self.width)
        if isinstance(rows, slice):
            out = self.columns(s0, s1)
            return out if rows == slice(None) else out[rows]
        return self.columns(s0, s1, np.asarray(rows))

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        out = self.columns(0, self.width)
        return out if dtype is None else out.astype(dtype, copy=False)

    def close(self) -> None:
        for sp in self._spools:
            sp.close()


def map_file(f: Any, shape: tuple[int, ...], dtype: np.dtype | type, writable: bool = False) -> np.ndarray:
    """An array over the start of open file ``f``, mapped. With ``writable`` the file is sized
    first and writes go to it; else writes stay in this process (copy on write: the array has
    the same type as any other, so the compiled kernels take it without a second signature).
    The mapping lives as long as the array.

    >>> with tempfile.TemporaryFile() as f:
    ...     a = map_file(f, (2, 3), np.int32, writable=True)
    ...     a[:] = 7
    ...     map_file(f, (2, 3), np.int32).sum().item()
    42
    """
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if n == 0:
        return np.zeros(shape, dtype=dtype)
    if writable:
        f.truncate(n)
    mm = mmap.mmap(f.fileno(), n, access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_COPY)
    return np.frombuffer(mm, dtype=dtype).reshape(shape)


class Spool:
    """Arrays of one dtype appended one after another, then read as one array: in memory up to
    ``budget_bytes``, beyond that in a temporary file read back mapped (pages the OS may drop).

    Why: the candidate stage's lists of documents per shared key grow with the corpus (about
    1.3 GB each at 10M documents); held in memory they, not the text, set the peak of a run.

    >>> sp = Spool(np.int32, budget_bytes=8)
    >>> sp.append(np.array([1, 2], dtype=np.int32)); sp.append(np.array([3, 4, 5], dtype=np.int32))
    >>> sp.spilled, sp.array().tolist()
    (True, [1, 2, 3, 4, 5])
    >>> sp.close()
    """

    def __init__(self, dtype: np.dtype | type, budget_bytes: int | None = None, directory: str | None = None,
                 prefix: str = "retold-spool-"):
        self.dtype = np.dtype(dtype)
        self.budget = budget_bytes
        self.directory = directory
        self.prefix = prefix
        self._mem: list[np.ndarray] = []
        self._file: Any = None
        self._extra: list[Any] = []
        self._n = 0

    @property
    def spilled(self) -> bool:
        return self._file is not None

    @property
    def file(self) -> Any:
        """The temporary file, once spilled (else None)."""
        return self._file

    def __len__(self) -> int:
        return self._n

    def spill(self) -> None:
        """Move what is held, and all that follows, to the temporary file."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(dir=self.directory, prefix=self.prefix)
            for held in self._mem:
                held.tofile(self._file)
            self._mem.clear()

    def append(self, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr, dtype=self.dtype)
        self._n += arr.shape[0]
        if self.budget is not None and self._n * self.dtype.itemsize > self.budget:
            self.spill()
        if self._file is None:
            self._mem.append(arr)
        else:
            arr.tofile(self._file)

    def array(self) -> np.ndarray:
        """Everything appended, in order (mapped when spilled)."""
        if self._file is None:
            return np.concatenate(self._mem) if self._mem else np.zeros(0, dtype=self.dtype)
        self._file.flush()
        return map_file(self._file, (self._n,), self.dtype)

    def scratch(self, n: int) -> np.ndarray:
        """A writable array of ``n`` elements: in memory within the budget, else a new mapped
        temporary file (closed with the spool)."""
        if self.budget is None or n * self.dtype.itemsize <= self.budget:
            return np.empty(n, dtype=self.dtype)
        f = tempfile.TemporaryFile(dir=self.directory, prefix=self.prefix)
        self._extra.append(f)
        return map_file(f, (n,), self.dtype, writable=True)

    def close(self) -> None:
        for f in [self._file, *self._extra]:
            if f is not None:
                f.close()
        self._file = None
        self._extra = []
        self._mem = []
