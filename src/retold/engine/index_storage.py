"""Where a persistent index lives: a small storage interface and its SQLite implementation.

:class:`~retold.engine.incremental.Index` only talks to the :class:`IndexStorage` protocol (documents in
insertion order, postings ``key -> documents``, one shingle sequence per representative), so
the algorithms do not know the storage is SQLite.

Why SQLite in WAL mode: one file, no server, readers never block the single writer (the HTTP
service answers queries while documents are added), and a transaction is all-or-nothing, so a
process killed at any moment leaves only whole batches.

Why ``synchronous=NORMAL`` by default: in WAL mode a commit is written to the WAL with
``write()`` before it returns, so it survives the *process* being killed (SIGKILL, OOM); only
an operating-system crash or power loss can roll back the last commits, and even then the
file is never corrupt. ``durable=True`` (used by the HTTP service, where every acknowledged
POST is a promise to a client) selects ``synchronous=FULL``: an fsync per commit.

Numbers: SQLite stores signed 64-bit integers, so uint64 hashes are stored as their int64
bit pattern (``view(np.int64)``); blobs are raw little-endian numpy bytes, never pickle.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

#: Stored in ``meta`` and checked on open: a file without it is not a retold index.
MAGIC = "retold-index"
#: Bumped whenever the layout changes; a file with a larger number is refused, one with a smaller
#: number is upgraded when opened for writing (schema 2 added the content-word postings).
SCHEMA_VERSION = 2
#: ``PRAGMA application_id`` ('rtld'), so ``file(1)`` and other tools can tell the file apart.
APPLICATION_ID = 0x72746C64
#: Posting kinds: LSH band keys (near-duplicates), sampled shingle anchors (partial reuse) and
#: content words (paraphrase candidates).
POSTING_KINDS = ("band", "anchor", "term")

_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents(
    idx INTEGER PRIMARY KEY,      -- insertion order, 0-based: "input order" of batch find
    id TEXT NOT NULL UNIQUE,
    date TEXT,
    n_tokens INTEGER NOT NULL,
    content INTEGER NOT NULL,     -- hash of the normalised token sequence (uint64 bits)
    rep INTEGER,                  -- first document with the same tokens; NULL for an empty text
    text TEXT NOT NULL
);
CREATE INDEX documents_content ON documents(content, n_tokens);
CREATE TABLE band_postings(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE anchor_postings(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE term_postings(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE sequences(doc INTEGER PRIMARY KEY, shingles BLOB NOT NULL);
PRAGMA application_id = {APPLICATION_ID};
"""


class IndexError_(Exception):
    """Base of the errors an index reports with a message meant for people (never a traceback)."""


class NotAnIndexError(IndexError_):
    """The file exists but is not a retold index."""


class NewerVersionError(IndexError_):
    """The file was written by a newer retold with a schema this version cannot read."""


class IndexAccessError(IndexError_):
    """The file or its folder cannot be read or written (missing, read-only, permissions)."""


class DamagedIndexError(IndexError_):
    """The file is a retold index (or was one), but its contents fail SQLite's or retold's checks."""


class BudgetExceededError(IndexError_):
    """A read took longer than the time budget its caller set (:meth:`SQLiteStorage.budget`)."""


class IndexFullError(IndexAccessError):
    """A write failed because the disk (or the file system's quota) is full; nothing of that
    transaction was kept, everything committed before it still is."""


@dataclass(slots=True)
class DocRow:
    """One stored document (``idx`` = insertion order; ``rep`` = exact-group representative)."""

    idx: int
    id: str
    date: str | None
    n_tokens: int
    content: int  # uint64 value
    rep: int | None
    text: str


class IndexWriter(Protocol):
    """What :meth:`IndexStorage.writer` yields: reads and writes inside one transaction."""

    def next_idx(self) -> int: ...

    def existing_ids(self, ids: Sequence[str]) -> set[str]: ...

    def find_reps(self, content: np.ndarray, n_tokens: np.ndarray) -> dict[tuple[int, int], int]: ...

    def insert_documents(self, rows: Sequence[DocRow]) -> None: ...

    def insert_postings(self, kind: str, keys: np.ndarray, docs: np.ndarray) -> None: ...

    def insert_sequences(self, docs: Sequence[int], seqs: Sequence[np.ndarray]) -> None: ...

    def set_schema_version(self) -> None: ...


class IndexStorage(Protocol):
    """Everything :class:`~retold.engine.incremental.Index` needs from storage (and nothing SQL-specific)."""

    meta: dict[str, str]

    def close(self) -> None: ...

    def writer(self) -> Any:
        """Context manager yielding an :class:`IndexWriter`; commits on success, rolls back on error."""

    def snapshot(self) -> Any:
        """Context manager: the reads inside see one consistent state of the index."""

    def count(self) -> int: ...

    def doc_by_id(self, doc_id: str) -> DocRow | None: ...

    def docs_by_idx(self, idxs: Sequence[int]) -> dict[int, DocRow]: ...

    def members(self, content: int, n_tokens: int) -> list[tuple[int, str]]: ...

    def rep_of(self, content: int, n_tokens: int) -> int | None: ...

    def postings(self, kind: str, keys: np.ndarray, limit: int) -> list[np.ndarray]: ...

    def sequences(self, docs: Sequence[int]) -> dict[int, np.ndarray]: ...

    def iter_documents(self, batch: int) -> Iterator[list[DocRow]]: ...

    def all_postings(self, kind: str) -> tuple[np.ndarray, np.ndarray]: ...

    def sequence_docs(self) -> np.ndarray: ...

    def integrity(self) -> list[str]: ...

    def needs_upgrade(self) -> bool: ...

    def budget(self, seconds: float | None) -> Any:
        """Context manager: reads in this thread raise :class:`BudgetExceededError` once ``seconds``
        have passed (None: no limit)."""

    def backup(self, dest: str | os.PathLike) -> int:
        """Copy the whole index into the new file ``dest``; returns its number of documents."""


def _i64(u: int) -> int:
    """uint64 value -> the int64 with the same bits (what SQLite can store).

    >>> _i64(2**64 - 1), _i64(5)
    (-1, 5)
    """
    return u - (1 << 64) if u >= 1 << 63 else u


def _u64(i: int) -> int:
    """Inverse of :func:`_i64`.

    >>> _u64(-1) == 2**64 - 1
    True
    """
    return i + (1 << 64) if i < 0 else i


def _friendly(path: str, e: sqlite3.Error, writing: bool = False) -> IndexError_:
    """An SQLite error as an :class:`IndexError_` that says what happened and what to do.

    >>> str(_friendly("x.retold", sqlite3.OperationalError("database or disk is full"), writing=True))[:32]
    'x.retold: the disk is full: this'
    >>> type(_friendly("x.retold", sqlite3.DatabaseError("database disk image is malformed"))).__name__
    'DamagedIndexError'
    """
    msg = str(e)
    low = msg.lower()
    code = getattr(e, "sqlite_errorcode", None)
    if "disk is full" in low or code == 13:  # SQLITE_FULL
        return IndexFullError(f"{path}: the disk is full: this write was undone, everything acknowledged before it "
                              f"is kept ({msg}); free some space and run again")
    if "readonly" in low or "read-only" in low:
        return IndexAccessError(f"{path}: the index is read-only here ({msg}); open it somewhere writable")
    if writing and "disk i/o" in low:
        return IndexAccessError(f"{path}: the disk refused a write ({msg}): is it full, or failing? This write was "
                                "undone, everything acknowledged before it is kept")
    if "unable to open" in low or "disk i/o" in low:
        return IndexAccessError(f"{path}: cannot open the index file or create its journal beside it ({msg}); "
                                "check that the folder exists and is writable")
    if "malformed" in low or "corrupt" in low:
        return DamagedIndexError(f"{path}: the index file is damaged ({msg}); restore it from a backup "
                                 "(`retold backup`) or rebuild it with `retold index`")
    if "not a database" in low or "file is encrypted" in low:
        return NotAnIndexError(f"{path}: not a retold index (not an SQLite database: {msg})")
    return IndexAccessError(f"{path}: {msg}")


def _quiet_rollback(c: sqlite3.Connection) -> None:
    """Roll back what is left of a transaction. Why quiet: after a full disk or an I/O error SQLite
    may already have rolled back by itself, and ``ROLLBACK`` then fails with "no transaction is
    active", which would hide the error that matters."""
    if c.in_transaction:
        try:
            c.execute("ROLLBACK")
        except sqlite3.Error:
            pass


class _SQLiteWriter:
    def __init__(self, conn: sqlite3.Connection):
        self.c = conn

    def next_idx(self) -> int:
        (m,) = self.c.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM documents").fetchone()
        return int(m)

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for s in range(0, len(ids), 500):  # SQLite caps bound parameters per statement
            part = list(ids[s : s + 500])
            q = f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(part))})"
            found.update(r[0] for r in self.c.execute(q, part))
        return found

    def find_reps(self, content: np.ndarray, n_tokens: np.ndarray) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for c, t in set(zip(content.tolist(), n_tokens.tolist())):
            r = self.c.execute("SELECT MIN(idx) FROM documents WHERE content=? AND n_tokens=?",
                               (_i64(c), t)).fetchone()
            if r[0] is not None:
                out[(c, t)] = int(r[0])
        return out

    def insert_documents(self, rows: Sequence[DocRow]) -> None:
        self.c.executemany("INSERT INTO documents(idx, id, date, n_tokens, content, rep, text) VALUES (?,?,?,?,?,?,?)",
                           [(r.idx, r.id, r.date, r.n_tokens, _i64(r.content), r.rep, r.text) for r in rows])

    def insert_postings(self, kind: str, keys: np.ndarray, docs: np.ndarray) -> None:
        table = _posting_table(kind)
        k = np.asarray(keys, dtype=np.uint64).view(np.int64)
        d = np.asarray(docs, dtype=np.int64)
        order = np.lexsort((d, k))  # key order: appends near each other in the B-tree
        self.c.executemany(f"INSERT OR IGNORE INTO {table}(key, doc) VALUES (?, ?)",
                           zip(k[order].tolist(), d[order].tolist()))

    def insert_sequences(self, docs: Sequence[int], seqs: Sequence[np.ndarray]) -> None:
        self.c.executemany("INSERT INTO sequences(doc, shingles) VALUES (?, ?)",
                           [(int(d), np.ascontiguousarray(s, dtype="<u8").tobytes()) for d, s in zip(docs, seqs)])

    def set_schema_version(self) -> None:
        """Mark the file as holding this version's layout (after an upgrade filled it in)."""
        self.c.execute("CREATE TABLE IF NOT EXISTS term_postings(key INTEGER NOT NULL, doc INTEGER NOT NULL, "
                       "PRIMARY KEY(key, doc)) WITHOUT ROWID")
        self.c.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))


def _publish(tmp: str, p: str) -> None:
    """Put the finished file ``tmp`` at ``p`` unless something is there already (then leave it:
    another process created the index first). Atomic where the file system has hard links;
    elsewhere ``p`` is created exclusively and filled (a racing reader may then see it
    half-written and report it, but nobody writes into a file that is not the index).
    """
    try:
        os.link(tmp, p)
    except FileExistsError:
        return
    except OSError:  # no hard links here (some network and FAT file systems)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    try:  # the new name itself survives a crash
        dfd = os.open(os.path.dirname(os.path.abspath(p)), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _posting_table(kind: str) -> str:
    if kind not in POSTING_KINDS:
        raise ValueError(f"unknown posting kind {kind!r}")
    return f"{kind}_postings"


class SQLiteStorage:
    """:class:`IndexStorage` in one SQLite file (WAL): one read connection per thread, one
    writer connection behind a lock.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.retold")
    >>> s = SQLiteStorage.open(p, {"options": "{}"})
    >>> s.count(), s.meta["magic"]
    (0, 'retold-index')
    >>> s.close()
    """

    def __init__(self, path: str, meta: dict[str, str], readonly: bool, durable: bool):
        self.path = path
        self.meta = meta
        self.readonly = readonly
        self.durable = durable
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._closed = False

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, new_meta: dict[str, str] | None = None, readonly: bool = False,
             durable: bool = False) -> SQLiteStorage:
        """Open an index file, creating it with ``new_meta`` when it does not exist (and
        ``new_meta`` is given). A file that is not a retold index, or was written by a newer
        schema, is refused *before anything is written to it*."""
        p = os.fspath(path)
        exists = os.path.exists(p)
        if os.path.isdir(p):
            raise IndexAccessError(f"{p}: is a folder, not an index file")
        if exists and os.path.getsize(p) == 0:
            # an index is never empty (its header is written before it gets its name): this is a
            # placeholder or a truncated copy, and replacing it could destroy what it should hold
            raise NotAnIndexError(f"{p}: an empty file (0 bytes), not a retold index; delete it to make a new "
                                  "index here, or restore the index it should be")
        if not exists:
            if new_meta is None:
                raise IndexAccessError(f"{p}: no index here (create one with `retold index CORPUS --db {p}`)")
            if readonly:
                raise IndexAccessError(f"{p}: no index here, and it was opened read-only")
            cls._create(p, new_meta)
        if not readonly and not os.access(p, os.W_OK):
            readonly = True  # a read-only file can still be queried; writes say why they fail
        meta = cls._read_meta(p)
        st = cls(p, meta, readonly, durable)
        st._reader()  # open (and set WAL on) one connection now, so errors show up here
        return st

    @staticmethod
    def _create(p: str, new_meta: dict[str, str]) -> None:
        folder = os.path.dirname(os.path.abspath(p))
        if not os.path.isdir(folder):
            raise IndexAccessError(f"{p}: the folder {folder} does not exist")
        tmp = f"{p}.creating-{os.getpid()}-{threading.get_ident()}"
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
        except sqlite3.Error as e:
            raise _friendly(p, e) from None
        try:
            conn.executescript(_SCHEMA)
            conn.execute("BEGIN")
            rows = {"magic": MAGIC, "schema_version": str(SCHEMA_VERSION), **new_meta}
            conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", rows.items())
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.close()
            # why a temporary file: a kill during creation leaves a stray temporary file, never a
            # half-made index at the real path. Why a link and not a rename: two processes that
            # both found no index would both rename theirs onto the path, and the loser would go
            # on writing into an unlinked file (acknowledged documents lost); a link fails when
            # the path exists, so the loser opens the winner's index instead.
            _publish(tmp, p)
        except (sqlite3.Error, OSError) as e:
            conn.close()
            if isinstance(e, OSError):
                raise IndexAccessError(f"{p}: cannot create the index: {e.strerror or e}") from None
            raise _friendly(p, e) from None
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(tmp + suffix)
                except OSError:
                    pass

    @staticmethod
    def _read_meta(p: str) -> dict[str, str]:
        try:
            with open(p, "rb") as f:
                head = f.read(16)
        except OSError as e:
            raise IndexAccessError(f"{p}: cannot read: {e.strerror or e}") from None
        if head != b"SQLite format 3\x00":
            raise NotAnIndexError(f"{p}: not a retold index (not an SQLite database)")
        try:
            # read-only URI: checking a foreign file must never change it
            conn = _connect_readonly(p)
        except sqlite3.Error as e:
            raise _friendly(p, e) from None
        try:
            has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            if not has:
                raise NotAnIndexError(f"{p}: an SQLite database, but not a retold index (no meta table)")
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as e:
            raise _friendly(p, e) from None
        finally:
            conn.close()
        if meta.get("magic") != MAGIC:
            raise NotAnIndexError(f"{p}: an SQLite database, but not a retold index (magic {meta.get('magic')!r})")
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise NotAnIndexError(f"{p}: a retold index with an unreadable schema version") from None
        if version > SCHEMA_VERSION:
            raise NewerVersionError(f"{p}: written by a newer retold (index schema {version}; this version reads "
                                    f"up to {SCHEMA_VERSION}); upgrade retold to use it")
        return meta

    # -- connections ---------------------------------------------------------------------

    def _connect(self, write: bool) -> sqlite3.Connection:
        if self._closed:
            raise IndexAccessError(f"{self.path}: the index is closed")
        try:
            if self.readonly and not write:
                conn = _connect_readonly(self.path, check_same_thread=False, timeout=30.0)
            else:
                conn = sqlite3.connect(f"file:{_uri_path(self.path)}?mode=rw", uri=True, isolation_level=None,
                                       check_same_thread=False, timeout=30.0)
            if not self.readonly:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            # writers build B-trees with random keys: a big page cache keeps that in memory;
            # readers (one per service thread) read through a shared memory map instead
            conn.execute(f"PRAGMA cache_size={-262144 if write else -2048}")
            conn.execute("PRAGMA mmap_size=1073741824")
            conn.execute("PRAGMA foreign_keys=OFF")
            if not write:
                # a statement running past the thread's budget is interrupted (every ~100k steps)
                conn.set_progress_handler(self._over_budget, 100_000)
        except sqlite3.Error as e:
            raise _friendly(self.path, e) from None
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    @contextmanager
    def budget(self, seconds: float | None) -> Iterator[None]:
        """Reads in this thread, inside the block, stop with :class:`BudgetExceededError` once
        ``seconds`` have passed: between statements, and inside a long statement. Why: one request
        of the service must not hold a worker (and the CPU) for minutes; the kernels are linear
        in the text, so the reads are where an unforeseen cost would show."""
        if seconds is None:
            yield
            return
        before = getattr(self._local, "deadline", None)
        self._local.deadline = time.monotonic() + seconds
        self._local.budget = seconds
        try:
            yield
        finally:
            self._local.deadline = before

    def _over_budget(self) -> bool:
        deadline = getattr(self._local, "deadline", None)
        return deadline is not None and time.monotonic() > deadline

    def _check_budget(self) -> None:
        if self._over_budget():
            raise BudgetExceededError(f"{self.path}: this request took more than its budget of "
                                      f"{self._local.budget:g} s and was stopped") from None

    def _reader(self) -> sqlite3.Connection:
        self._check_budget()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(write=False)
            self._local.conn = conn
        return conn

    def backup(self, dest: str | os.PathLike) -> int:
        """Copy the index, with what its ``-wal`` holds, into the new single file ``dest`` (refused
        when it exists), consistent even while another process writes; returns its documents.

        Why: the committed documents of an index that was not closed cleanly are partly in
        ``X.retold-wal``; copying ``X.retold`` alone loses them (39 documents, in one report).
        """
        d = os.fspath(dest)
        if os.path.lexists(d):
            raise IndexAccessError(f"{d}: exists already; choose a new file for the backup")
        tmp = f"{d}.copying-{os.getpid()}-{threading.get_ident()}"
        try:
            out = sqlite3.connect(tmp, isolation_level=None)
            try:
                self._reader().backup(out)
                out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                problems = [r[0] for r in out.execute("PRAGMA quick_check").fetchall()]
                (count,) = out.execute("SELECT COUNT(*) FROM documents").fetchone()
            finally:
                out.close()
            if problems != ["ok"]:
                raise DamagedIndexError(f"{self.path}: the copy fails SQLite's check ({'; '.join(problems[:3])})")
            _publish(tmp, d)
        except sqlite3.Error as e:
            raise _friendly(d, e, writing=True) from None
        except OSError as e:
            raise IndexAccessError(f"{d}: cannot write the backup: {e.strerror or e}") from None
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                try:
                    os.unlink(tmp + suffix)
                except OSError:
                    pass
        return int(count)

    def close(self) -> None:
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except sqlite3.Error:  # pragma: no cover - closing after an error
                    pass
            self._conns.clear()
        self._writer = None
        self._local = threading.local()
        self._closed = True

    @contextmanager
    def writer(self) -> Iterator[_SQLiteWriter]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front, so two
        writers queue instead of failing half-way); commit on success, rollback on error."""
        if self.readonly:
            raise IndexAccessError(f"{self.path}: the index is read-only here (file or folder not writable)")
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect(write=True)
            c = self._writer
            try:
                c.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise _friendly(self.path, e, writing=True) from None
            try:
                yield _SQLiteWriter(c)
            except sqlite3.Error as e:
                _quiet_rollback(c)
                raise _friendly(self.path, e, writing=True) from None
            except BaseException:
                _quiet_rollback(c)
                raise
            try:
                c.execute("COMMIT")
            except sqlite3.Error as e:
                _quiet_rollback(c)
                raise _friendly(self.path, e, writing=True) from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        c = self._reader()
        if c.in_transaction:  # nested: the outer snapshot already holds one state
            yield
            return
        try:
            c.execute("BEGIN")
        except sqlite3.Error as e:
            raise _friendly(self.path, e) from None
        try:
            yield
        except BaseException:
            # the error of the read is the one to report, not one of ending the transaction
            _quiet_rollback(c)
            raise
        try:
            c.execute("COMMIT")
        except sqlite3.Error as e:
            _quiet_rollback(c)
            raise _friendly(self.path, e) from None

    # -- reads ---------------------------------------------------------------------------

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.Error as e:
            self._check_budget()  # "interrupted" by the progress handler
            raise _friendly(self.path, e) from None

    def count(self) -> int:
        return int(self._q("SELECT COUNT(*) FROM documents")[0][0])

    @staticmethod
    def _row(r: tuple) -> DocRow:
        return DocRow(int(r[0]), r[1], r[2], int(r[3]), _u64(int(r[4])), None if r[5] is None else int(r[5]), r[6])

    _COLS = "idx, id, date, n_tokens, content, rep, text"

    def doc_by_id(self, doc_id: str) -> DocRow | None:
        rows = self._q(f"SELECT {self._COLS} FROM documents WHERE id=?", (doc_id,))
        return self._row(rows[0]) if rows else None

    def docs_by_idx(self, idxs: Sequence[int]) -> dict[int, DocRow]:
        out: dict[int, DocRow] = {}
        idxs = [int(i) for i in idxs]
        for s in range(0, len(idxs), 500):
            part = idxs[s : s + 500]
            for r in self._q(f"SELECT {self._COLS} FROM documents WHERE idx IN ({','.join('?' * len(part))})", part):
                out[int(r[0])] = self._row(r)
        return out

    def members(self, content: int, n_tokens: int) -> list[tuple[int, str]]:
        rows = self._q("SELECT idx, id FROM documents WHERE content=? AND n_tokens=? ORDER BY idx",
                       (_i64(content), n_tokens))
        return [(int(i), d) for i, d in rows]

    def rep_of(self, content: int, n_tokens: int) -> int | None:
        r = self._q("SELECT MIN(idx) FROM documents WHERE content=? AND n_tokens=?", (_i64(content), n_tokens))
        return None if r[0][0] is None else int(r[0][0])

    def postings(self, kind: str, keys: np.ndarray, limit: int) -> list[np.ndarray]:
        """For each key, the documents holding it: at most ``limit`` of them (a caller that
        caps document frequency at ``limit - 1`` never needs more)."""
        table = _posting_table(kind)
        c = self._reader()
        ks = np.asarray(keys, dtype=np.uint64).view(np.int64).tolist()
        empty = np.zeros(0, dtype=np.int64)
        out = [empty] * len(ks)
        # Why batches through json_each: a long text has a million anchors, and one statement
        # per key cost 11 s of the 16 s of a 50 MB query (measured); here SQLite loops over a
        # batch of keys itself and returns only the keys that have postings (5x faster).
        sql = (f"SELECT i, g FROM (SELECT k.key AS i, (SELECT group_concat(doc) FROM (SELECT doc FROM {table} "
               "WHERE key = k.value LIMIT ?2)) AS g FROM json_each(?1) AS k) WHERE g IS NOT NULL")
        try:
            for s in range(0, len(ks), 8192):
                self._check_budget()
                for i, g in c.execute(sql, (json.dumps(ks[s : s + 8192]), limit)):
                    out[s + i] = np.array(g.split(","), dtype=np.int64)
        except sqlite3.Error as e:
            self._check_budget()
            raise _friendly(self.path, e) from None
        return out

    def sequences(self, docs: Sequence[int]) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        docs = [int(d) for d in docs]
        for s in range(0, len(docs), 500):
            part = docs[s : s + 500]
            for d, blob in self._q(f"SELECT doc, shingles FROM sequences WHERE doc IN ({','.join('?' * len(part))})",
                                   part):
                if not isinstance(blob, bytes) or len(blob) % 8:
                    size = len(blob) if isinstance(blob, (bytes, str)) else type(blob).__name__
                    raise DamagedIndexError(f"{self.path}: the shingle sequence of document {int(d)} is damaged "
                                            f"({size} bytes, not a whole number of 8-byte hashes); "
                                            "rebuild the index with `retold index`")
                out[int(d)] = np.frombuffer(blob, dtype="<u8").astype(np.uint64, copy=False)
        return out

    def iter_documents(self, batch: int) -> Iterator[list[DocRow]]:
        last = -1
        while True:
            rows = self._q(f"SELECT {self._COLS} FROM documents WHERE idx > ? ORDER BY idx LIMIT ?", (last, batch))
            if not rows:
                return
            yield [self._row(r) for r in rows]
            last = int(rows[-1][0])

    def all_postings(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._q(f"SELECT key, doc FROM {_posting_table(kind)}")
        if not rows:
            e = np.zeros(0, dtype=np.int64)
            return e.view(np.uint64), e
        arr = np.array(rows, dtype=np.int64)
        return arr[:, 0].copy().view(np.uint64), arr[:, 1].copy()

    def sequence_docs(self) -> np.ndarray:
        return np.array([r[0] for r in self._q("SELECT doc FROM sequences ORDER BY doc")], dtype=np.int64)

    def integrity(self) -> list[str]:
        rows = [r[0] for r in self._q("PRAGMA quick_check")]
        return [] if rows == ["ok"] else [f"sqlite quick_check: {r}" for r in rows]

    def needs_upgrade(self) -> bool:
        """Whether the file has an older layout; it can be upgraded only when writable."""
        if int(self.meta.get("schema_version", SCHEMA_VERSION)) >= SCHEMA_VERSION:
            return False
        if self.readonly:
            raise IndexAccessError(f"{self.path}: made by an older retold (index schema "
                                   f"{self.meta.get('schema_version')}); open it once where it is writable to "
                                   "upgrade it")
        return True

    def options_json(self) -> dict[str, Any]:
        return json.loads(self.meta.get("options", "{}"))


def _connect_readonly(p: str, **kw: Any) -> sqlite3.Connection:
    """A read-only connection, also on read-only media (a DVD, a read-only mount, a folder
    this user may not write in).

    Why the fallback: a WAL index needs its ``-shm`` file beside it even to be read, and
    where that cannot be created SQLite says "unable to open database file". There the file is
    opened as ``immutable`` (no locks, no ``-shm``), which is right only when no other process
    writes it, as on read-only media, and when everything is in the file itself: a non-empty
    ``-wal`` beside it (an unclean stop) would be ignored, so that case is refused with advice.
    """
    uri = _uri_path(p)
    conn = sqlite3.connect(f"file:{uri}?mode=ro", uri=True, isolation_level=None, **kw)
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # opens the file and its -shm now
        return conn
    except sqlite3.OperationalError as e:
        conn.close()
        folder = os.path.dirname(os.path.abspath(p))
        if "unable to open" not in str(e).lower() or os.access(folder, os.W_OK):
            raise
        wal = f"{p}-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            raise IndexAccessError(f"{p}: on read-only media with an unfinished {os.path.basename(wal)} beside it "
                                   "(the index was not closed cleanly); copy both files to writable storage, "
                                   "or make a clean copy with `retold backup` where it was written") from None
    return sqlite3.connect(f"file:{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, **kw)


def _uri_path(p: str) -> str:
    """A filesystem path as the path part of an SQLite ``file:`` URI.

    >>> _uri_path("/tmp/a b?.retold")
    '/tmp/a%20b%3F.retold'
    """
    from urllib.parse import quote

    return quote(os.path.abspath(p))
