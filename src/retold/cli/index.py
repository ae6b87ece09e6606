"""``retold index``, ``query``, ``check``, ``backup`` and ``serve``: the persistent index on the command line.

:func:`register` adds the commands to the ``retold`` typer app. Conventions are those of
:mod:`retold.cli`: results to ``-o FILE`` or stdout, progress and the summary on stderr
(``--json``: the summary as JSON), exit status 0 on success, 1 when nothing could be read or
the index cannot be used (not a retold index, newer version, read-only, inconsistent), 2 for a
wrong option.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    Bar,
    CorpusArg,
    EmbedderOpt,
    EncodingOpt,
    IdOpt,
    IdPrefixOpt,
    IndexDateOpt,
    JsonOpt,
    KindsOpt,
    Messages,
    OutputOpt,
    QuietOpt,
    TextOpt,
    check_output,
    console,
    embedder_option,
    error,
    fields_option,
    inputs,
    kinds_option,
    nothing_read,
    prepare_kernels,
    print_summary,
    write_output,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..engine.incremental import AddResult, Index
    from ..readers import ReadStats

DbOpt = Annotated[Path, typer.Option("--db", help="The index file (SQLite; created by `retold index`).",
                                     show_default=False)]


def _open(console: Console, db: Path, create: bool, readonly: bool = False, durable: bool = False,
          embedder: str | None = None) -> Index:
    from ..engine.incremental import Index
    from ..engine.index_storage import IndexError_

    try:
        return Index.open(db, create=create, readonly=readonly, durable=durable, embedder=embedder)
    except IndexError_ as e:
        error(console, str(e))
        raise typer.Exit(1) from None


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def index_cmd(corpus: CorpusArg, db: DbOpt, id_field: IdOpt = "id", text_field: TextOpt = "text",
              date_field: IndexDateOpt = "date",
              batch_docs: Annotated[int, typer.Option("--batch-docs", min=1,
                                                      help="Documents per transaction.")] = 4096,
              id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None, json: JsonOpt = False,
              quiet: QuietOpt = False) -> None:
    """Create or extend an index: add the documents whose ids it does not hold yet."""
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    console = _console()
    prepare_kernels(console)
    from ..engine.incremental import AddResult
    from ..engine.index_storage import IndexError_
    from ..readers import ReadStats, as_sources, read_documents

    t0 = time.perf_counter()
    created = not os.path.lexists(db)
    ix = _open(console, db, create=True)
    ix.batch_docs = batch_docs
    stats = ReadStats()
    bar = Bar(console)
    total_bytes = sum(_size(p) for p in corpus)
    bar.start("indexing", total=total_bytes or None)
    done = AddResult()

    def on_batch(r: AddResult, nchars: int) -> None:
        done.merge(r)
        bar.advance(nchars)

    try:
        docs = read_documents(as_sources(inputs(corpus)), id_field=fields.id, text_field=fields.text,
                              date_field=fields.date,
                              stats=stats, on_message=Messages(console, quiet), keep_records=False,
                              id_prefix=fields.id_prefix, encoding=fields.encoding)
        res = ix.add(docs, on_batch=on_batch)
    except IndexError_ as e:
        bar.stop()
        error(console, str(e))
        # what was committed stays: say so, and that running again adds only the rest
        console.print(f"{done.added} documents of this run were stored before the error, in {done.batches} "
                      "transactions; run the same command again to add the rest", highlight=False)
        ix.close()
        if created and done.added == 0:
            _discard(console, db)
        raise typer.Exit(1) from None
    except BaseException:  # interrupted (Ctrl-C) or a bug: an index this run made and left empty goes
        ix.close()
        if created and done.added == 0:
            _discard(console, db)
        raise
    finally:
        bar.stop()
    n = len(ix)
    ix.close()
    if created and n == 0 and stats.documents == 0:
        _discard(console, db)
    summary = _index_summary(stats, res, n, db, time.perf_counter() - t0)
    print_summary(console, summary, json)
    if not json:
        console.print(f"added {res.added}, skipped (already indexed) {res.skipped}, "
                      f"index now holds {n} documents in {db}", highlight=False)
    if stats.documents == 0:
        nothing_read(console, dict(stats.skipped), fields)
        raise typer.Exit(1)


def _console() -> Console:
    return console()


def _discard(console: Console, db: Path) -> None:
    """Remove the index this run created when the run stored nothing: a failed first ``index``
    must not leave an empty index behind (it would look like a real one, with no documents)."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{db}{suffix}")
        except OSError:
            pass
    console.print(f"nothing was stored: {db} was not created", highlight=False)


def _size(path: str | Path) -> int:
    p = Path(path)  # the corpus arguments are strings (a URI stays one)
    try:
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return p.stat().st_size
    except OSError:
        return 0


def _index_summary(stats: ReadStats, res: AddResult, n: int, db: Path, elapsed: float) -> dict[str, object]:
    from ..engine.local import peak_memory_mb
    from ..version import __version__

    return {"command": "index", "documents_read": stats.documents, "files_read": stats.files,
            "skipped": dict(sorted(stats.skipped.items())), "warnings": dict(sorted(stats.warnings.items())),
            "added": res.added, "already_indexed": res.skipped, "exact_copies": res.exact, "empty": res.empty,
            "transactions": res.batches, "index_documents": n, "output": str(db),
            "index_bytes": _db_bytes(db), "seconds": round(elapsed, 3),
            "peak_memory_mb": round(peak_memory_mb(), 1), "retold_version": __version__}


def _db_bytes(db: Path) -> int:
    return sum(os.path.getsize(f"{db}{s}") for s in ("", "-wal") if os.path.exists(f"{db}{s}"))


def query_cmd(file: Annotated[str, typer.Argument(help="A text file, a corpus file (.jsonl, .csv, ...) whose "
                                                  "documents are each looked up, or - for a text on stdin.")],
              db: DbOpt, output: OutputOpt = "-", kinds: KindsOpt = None, embedder: EmbedderOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: IndexDateOpt = "date",
              encoding: EncodingOpt = None, json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """What in the index a document reuses: the pair records `find` would report for it."""
    ks = kinds_option(kinds)
    emb = embedder_option(embedder)
    check_output(output)
    fields = fields_option(id_field, text_field, date_field, encoding=encoding)
    console = _console()
    prepare_kernels(console)
    from ..engine.index_storage import IndexError_
    from ..readers import ReadStats, read_documents

    t0 = time.perf_counter()
    ix = _open(console, Path(db), create=False, readonly=True, embedder=emb)
    stats = ReadStats()
    if file == "-":
        raw = sys.stdin.buffer.read()
        items = [{"id": "-", "text": raw.decode(fields.encoding or "utf-8", errors="replace").removeprefix("\ufeff")}]
        stats.documents = 1
    else:
        items = read_documents([file], id_field=fields.id, text_field=fields.text, date_field=fields.date,
                               stats=stats, on_message=Messages(console, quiet), keep_records=False,
                               encoding=fields.encoding)
    n_queries = 0

    def records():
        nonlocal n_queries
        for doc in items:
            n_queries += 1
            yield from ix.query(doc, ks)

    try:
        n = write_output(output, records())
    except IndexError_ as e:
        error(console, str(e))
        raise typer.Exit(1) from None
    finally:
        ix.close()
    from ..version import __version__

    print_summary(console, {"command": "query", "documents_read": n_queries, "records_written": n,
                             "output": output, "seconds": round(time.perf_counter() - t0, 3),
                             "retold_version": __version__}, json)
    if n_queries == 0:
        error(console, "no document could be read from the given input")
        raise typer.Exit(1)


def check_cmd(db: DbOpt, json: JsonOpt = False) -> None:
    """Verify the index against its documents (rebuilt in memory); exit 1 when it is inconsistent."""
    console = _console()
    prepare_kernels(console)
    from ..engine.index_storage import IndexError_

    t0 = time.perf_counter()
    ix = _open(console, Path(db), create=False, readonly=True)
    try:
        n = len(ix)
        problems = ix.check()
    except IndexError_ as e:
        error(console, str(e))
        raise typer.Exit(1) from None
    finally:
        ix.close()
    summary = {"command": "check", "documents": n, "problems": len(problems), "ok": not problems,
               "seconds": round(time.perf_counter() - t0, 3)}
    if json:
        sys.stderr.write(__import__("orjson").dumps({**summary, "details": problems[:1000]}).decode() + "\n")
    else:
        for p in problems[:200]:
            console.print(f"[red]problem[/]: {p}", highlight=False, soft_wrap=True)
        console.print(f"{db}: {n} documents, " + ("consistent" if not problems else f"{len(problems)} problems"),
                      highlight=False)
    if problems:
        raise typer.Exit(1)


def backup_cmd(db: DbOpt, output: Annotated[Path, typer.Argument(help="The new file to write (must not exist).")],
               json: JsonOpt = False) -> None:
    """Copy an index into one new file, including what its -wal holds (safe while it is served)."""
    from ..engine.index_storage import IndexError_

    console = _console()
    t0 = time.perf_counter()
    ix = _open(console, db, create=False, readonly=True)
    try:
        n = ix.storage.backup(output)
    except IndexError_ as e:
        error(console, str(e))
        raise typer.Exit(1) from None
    finally:
        ix.close()
    summary = {"command": "backup", "documents": n, "output": str(output), "bytes": os.path.getsize(output),
               "seconds": round(time.perf_counter() - t0, 3)}
    if json:
        sys.stderr.write(__import__("orjson").dumps(summary).decode() + "\n")
    else:
        console.print(f"{db} -> {output}: {n} documents, one file", highlight=False, soft_wrap=True)


def serve_cmd(db: DbOpt,
              host: Annotated[str, typer.Option("--host", help="Address to bind (loopback by default).")] = "127.0.0.1",
              port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8750,
              token: Annotated[str | None, typer.Option("--token", envvar="RETOLD_TOKEN", show_envvar=True,
                                                        help="Token that writes (and, off loopback, reads) "
                                                             "must send as Authorization: Bearer TOKEN.")] = None,
              max_body_mb: Annotated[float, typer.Option("--max-body-mb", min=0.001,
                                                         help="Largest request body, in MiB.")] = 16.0,
              embedder: EmbedderOpt = None,
              create: Annotated[bool, typer.Option("--create", help="Create an empty index when --db does not "
                                                   "exist (documents then come through POST /documents).")] = False,
              max_request_seconds: Annotated[float, typer.Option(
                  "--max-request-seconds", min=0.0,
                  help="Time budget of one read request; longer ones are stopped with 503 (0: no limit).")] = 60.0,
              workers_log: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "warning") -> None:
    """Serve the index over HTTP (FastAPI + uvicorn); OpenAPI at /openapi.json."""
    console = _console()
    if token is not None and not token.strip():
        token = None  # an empty or blank token (RETOLD_TOKEN="") is no token: it must not open writes
    if token is not None and token != token.strip():
        console.print("[red]error[/]: the token starts or ends with spaces, which HTTP drops from the header: "
                      "no client could send it. Remove them.")
        raise typer.Exit(2)
    if not is_loopback(host) and not token:
        console.print(f"[red]error[/]: refusing to bind {host} without a token: anyone on the network could "
                      "read and write the index. Pass --token (or set RETOLD_TOKEN), or bind 127.0.0.1.")
        raise typer.Exit(2)
    try:
        import uvicorn

        from ..engine.index_storage import IndexError_
        from ..service import create_app
    except ImportError as e:  # pragma: no cover - the service extra is missing
        console.print(f"[red]error[/]: the HTTP service needs fastapi and uvicorn ({e})")
        raise typer.Exit(1) from None
    emb = embedder_option(embedder)
    if not create and not db.exists():
        error(console, f"{db}: no such index (create it with `retold index CORPUS --db {db}`, or pass --create "
              "to serve an empty one)")
        raise typer.Exit(1)
    prepare_kernels(console)
    ix = _open(console, db, create=create, durable=True, embedder=emb)
    try:
        app = create_app(str(db), token=token, max_body_bytes=int(max_body_mb * (1 << 20)),
                         open_reads=is_loopback(host), index=ix, max_request_seconds=max_request_seconds or None)
    except IndexError_ as e:  # a damaged file is not served
        ix.close()
        error(console, str(e))
        raise typer.Exit(1) from None
    console.print(f"retold serving {db} ({len(ix)} documents) on http://{host}:{port} "
                  f"(writes {'need the token' if token else 'disabled: no token'})", highlight=False, soft_wrap=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level=workers_log)
    finally:
        ix.close()


def register(app: typer.Typer) -> None:
    """Add ``index``, ``query``, ``check`` and ``serve`` to the ``retold`` command line.

    >>> app = typer.Typer()
    >>> register(app)
    >>> sorted(c.name for c in app.registered_commands)
    ['backup', 'check', 'index', 'query', 'serve']
    """
    app.command("index")(index_cmd)
    app.command("query")(query_cmd)
    app.command("check")(check_cmd)
    app.command("backup")(backup_cmd)
    app.command("serve")(serve_cmd)
