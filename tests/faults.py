"""Faults injected for real, for the tests of the index, its command line and the service:
bytes overwritten in a copy, a full file system (a small tmpfs), read-only media.

Each fault must end in a message meant for people (exit status 1 on the command line, 503 from
the service), never a traceback or a 500, and must never lose or hide acknowledged documents.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from retold.cli.index import register
from retold.engine.incremental import Index
from tests.corpora import make_corpus

PAGE = 4096


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run_cli(*args: str):
    """The index commands in process; an exception other than the exit is a traceback the user
    would see."""
    r = CliRunner().invoke(_app(), list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), (r.exception, r.output)
    return r


def indexed(tmp_path: Path, n: int = 150, name: str = "good.retold") -> tuple[Path, list[dict]]:
    docs = make_corpus(n, seed=3)
    db = tmp_path / name
    with Index.open(db) as ix:
        ix.add(docs)
    return db, docs


def clobber(path: Path, first_page: int = 4) -> None:
    """Overwrite the header of every B-tree page from ``first_page`` on (1-based), as a bad sector
    or a half-written copy would. Pages 1-3 hold the schema and the meta table (made first), so
    by default the file still opens as an index and its documents and postings do not read."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        for page in range(first_page - 1, size // PAGE):
            f.seek(page * PAGE)
            f.write(b"\x5a" * 12)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def small_disk(tmp_path: Path, nbytes: int) -> Iterator[tuple[Path, object]]:
    """A folder where writes fail past about ``nbytes``, and how to give it room again.

    A tmpfs of that size where this process may mount one (root with CAP_SYS_ADMIN): the real
    ENOSPC. Elsewhere the file-size limit (RLIMIT_FSIZE) of the child processes, which SQLite
    sees as a short write: the same SQLITE_FULL, or an I/O error once a file is at the limit.
    Yields (folder, limit): ``limit`` is None for the tmpfs, else the limit to set in children.
    """
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={nbytes}", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        yield mnt, nbytes
        return
    try:
        yield mnt, None
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def more_room(mnt: Path, limit: object) -> None:
    if limit is None:
        subprocess.run(["mount", "-o", "remount,size=256m", str(mnt)], check=True)


def child_limit(limit: object):
    """preexec_fn for a child that must meet the disk limit (RLIMIT_FSIZE fallback)."""
    if limit is None:
        return None

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    return set_limit


FULL = re.compile(r"disk is full|disk refused a write")


@contextmanager
def read_only_media(tmp_path: Path, fill) -> Iterator[Path]:
    """A folder filled by ``fill(folder)`` and then made read-only: a tmpfs remounted read-only
    (EROFS) where this process may mount; else, for a user other than root, a folder without
    write permission (EACCES). Root without mounting cannot be kept from writing: skipped."""
    mnt = tmp_path / "media"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], capture_output=True).returncode:
        if os.geteuid() == 0:
            pytest.skip("root may not mount here, and nothing else keeps root from writing a folder")
        fill(mnt)
        os.chmod(mnt, 0o555)
        try:
            yield mnt
        finally:
            os.chmod(mnt, 0o755)
        return
    try:
        fill(mnt)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def serving_client(server: subprocess.Popen, port: int, timeout: float = 60):
    """An httpx client of a ``retold serve`` started on ``port``, once it answers /health."""
    import httpx

    c = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    deadline = time.time() + timeout
    while True:
        try:
            c.get("/health")
            return c
        except httpx.TransportError:
            assert time.time() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.1)
