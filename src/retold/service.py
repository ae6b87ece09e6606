"""The HTTP service over an :class:`~retold.engine.incremental.Index`: add documents as they arrive, ask what
a document reuses.

``create_app(db_path, token, max_body_bytes)`` returns a FastAPI app (OpenAPI at
``/openapi.json``):

========================  ==================================================================
``POST /documents``       add one document ``{"id", "text", "date"?}`` or a batch
                          ``{"documents": [...]}`` (one transaction); needs the token
``GET /documents/{id}``   the stored document
``GET /documents/{id}/matches``  the pairs ``find`` reports for it (``?kinds=a,b``)
``POST /query``           what a text reuses (``{"text", "id"?, "date"?, "kinds"?}``; not stored)
``GET /clusters/{id}``    its reuse family (exact + near-duplicate)
``GET /health``           status and document count
========================  ==================================================================

Writes need ``Authorization: Bearer TOKEN`` (401 without or with a wrong one; a service
started without a token refuses every write). Reads are open, unless the app is made with
``open_reads=False`` (what ``retold serve`` does off loopback). Bodies over
``max_body_bytes`` get 413 before they are parsed; wrong types and malformed JSON 422; unknown
ids 404; an index that cannot do it now (read-only, busy, disk full, damaged) 503, and so does
a read that takes more than ``max_request_seconds`` (stopped at its next read of the index). A file that
fails SQLite's quick check is refused at start; damage found while serving makes the service
refuse writes and answer 503 from ``/health``. A 500 means a bug, and is logged.

Why plain ``def`` endpoints: FastAPI runs them in its thread pool, the numba kernels and
SQLite release the GIL, and each thread has its own read connection, so queries run in
parallel and keep being answered while a batch is written (one writer at a time).
"""

from __future__ import annotations

import hmac
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .engine.incremental import Index, UnknownDocument
from .engine.index_storage import DamagedIndexError, IndexError_, NotAnIndexError
from .model import KINDS, parse_kinds
from .records import Pair
from .report.ui import mount as mount_ui

log = logging.getLogger("retold.service")

DEFAULT_MAX_BODY = 16 << 20
#: Seconds of work one read request may take (see ``SQLiteStorage.budget``); a 16 MB query takes ~5 s.
DEFAULT_REQUEST_SECONDS = 60.0
MAX_ID_CHARS = 1024

Kind = Literal["exact", "near_duplicate", "partial", "paraphrase"]
_KIND_ALT = "|".join(KINDS)
_KINDS_PATTERN = rf"^({_KIND_ALT})(,({_KIND_ALT}))*$"
#: One ``?kinds=`` value: a comma-separated list of kinds (checked, so a wrong one is a standard 422).
KindsParam = Annotated[str, StringConstraints(pattern=_KINDS_PATTERN)]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DocumentIn(BaseModel):
    """A document to add (other fields are ignored)."""

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS,
                    description="no control characters (line breaks, tabs), and not ending in /matches: "
                                "GET /documents/{id} could not find it again",
                    # the same rule, for clients and schema-driven tests (enforced by _readable_id)
                    json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]+$", "not": {"pattern": "/matches$"}})
    text: str
    date: str | None = None

    @field_validator("id")
    @classmethod
    def _readable_id(cls, v: str) -> str:
        # why: the path of GET /documents/{id} cannot hold a line break, and /documents/X/matches
        # is the matches route, so such ids were stored and could never be read back
        if _CONTROL.search(v):
            raise ValueError("an id may not contain control characters (line breaks, tabs)")
        if v.endswith("/matches"):
            raise ValueError("an id may not end in /matches (GET /documents/{id}/matches lists the matches of {id})")
        return v


class BatchIn(BaseModel):
    """Several documents, added in one transaction."""

    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn]


class AddOut(BaseModel):
    added: int
    skipped: int
    exact: int
    empty: int
    skipped_ids: list[str]
    documents: int = Field(description="documents in the index after this request")


class DocumentOut(BaseModel):
    id: str
    text: str
    date: str | None
    index: int = Field(description="insertion order, 0-based")
    n_tokens: int
    representative: str | None = Field(description="first document with the same tokens; null when empty")


class PassageOut(BaseModel):
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: str
    score: float


class PairOut(BaseModel):
    """A pair record, as ``retold find`` writes it."""

    a: str
    b: str
    kind: Kind
    score: float
    jaccard: float
    containment_a: float
    containment_b: float
    coverage_a: float
    coverage_b: float
    source: str | None = None
    passages: list[PassageOut] | None = None


class MatchesOut(BaseModel):
    id: str
    pairs: list[PairOut]


class QueryIn(BaseModel):
    text: str
    id: str = Field(default="query", min_length=1, max_length=MAX_ID_CHARS)
    date: str | None = None
    kinds: list[Kind] | None = Field(default=None, min_length=1)


class ClusterOut(BaseModel):
    cluster: int = Field(description="insertion index of the family's first member")
    representative: str
    members: list[str]


class HealthOut(BaseModel):
    status: Literal["ok", "damaged"] = Field(description="damaged: the index failed a check while serving (503)")
    documents: int
    schema_version: int
    retold_version: str


class ErrorOut(BaseModel):
    detail: Any


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before the app reads it
    (declared ``Content-Length`` checked up front; chunked bodies counted as they arrive).

    ``refuse(scope)``, when given, is asked first, from the headers alone: a message for a 401
    (missing or wrong token), or None. Why before the body: bodies are read whole before the
    app sees them, so 40 parallel 15 MB posts with a wrong token took a server from 179 MB to
    1.43 GB; now a request without the right token costs its headers only.
    """

    def __init__(self, app: Any, limit: int, refuse: Any = None):
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.refuse is not None:
            why = self.refuse(scope)
            if why is not None:
                await _respond(send, 401, {"detail": why}, [(b"www-authenticate", b"Bearer")])
                return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(send)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._reject(send)
                return
            chunks.append(body)
            more = msg.get("more_body", False)
        whole = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Any) -> None:
        await _respond(send, 413, {"detail": f"request body larger than {self.limit} bytes"})


async def _respond(send: Any, status: int, payload: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A JSON response sent before the body was read (so the connection is closed after it)."""
    import orjson

    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer TOKEN")


def _pair_out(p: Pair) -> dict[str, Any]:
    return p.to_dict()


def _parse_kinds(kinds: str | list[str] | None) -> tuple[str, ...]:
    try:
        return parse_kinds(kinds)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None


def check_file(ix: Index) -> None:
    """Raise :class:`~retold.engine.index_storage.DamagedIndexError` when the index file fails
    SQLite's quick check (every page read once; why at start: a damaged file must not be served,
    nor written into)."""
    problems = ix.storage.integrity()
    if problems:
        raise DamagedIndexError(f"{ix.storage.path}: the index file is damaged ({'; '.join(problems[:3])}); "
                                "restore it from a backup (`retold backup`) or rebuild it with `retold index`")


def create_app(db_path: str, token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY,
               open_reads: bool = True, index: Index | None = None,
               max_request_seconds: float | None = DEFAULT_REQUEST_SECONDS) -> FastAPI:
    """The service for the index at ``db_path`` (created when missing, or ``index``; closed when
    the app shuts down); an index file that fails its checks is refused
    (:class:`~retold.engine.index_storage.DamagedIndexError`). A read request that takes
    more than ``max_request_seconds`` is stopped with 503 (None: no limit).

    >>> import tempfile, os
    >>> app = create_app(os.path.join(tempfile.mkdtemp(), "x.retold"), token="t")
    >>> sorted(r.path for r in app.routes if "openapi" not in r.path and "docs" not in r.path)[:3]
    ['/clusters/{doc_id:path}', '/documents', '/documents/{doc_id:path}']
    """
    from .engine.index_storage import SCHEMA_VERSION
    from .version import __version__

    if token is not None and not token.strip():
        token = None  # a blank token would let "Authorization: Bearer " write
    ix = index if index is not None else Index.open(db_path, durable=True)
    try:
        check_file(ix)
    except IndexError_:
        if index is None:
            ix.close()
        raise
    damage: list[str] = []  # set once damage is seen while serving: no more writes

    def budget() -> Any:
        """The time budget of one read request (it runs in one worker thread)."""
        return ix.storage.budget(max_request_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Closed here, also when the caller made the index: uvicorn re-raises SIGTERM once the
        # app has shut down, so code after uvicorn.run never runs. Closing the last connection
        # moves the -wal into the file and removes it: a stopped service leaves one file.
        ix.close()

    # /docs comes from report.ui, which serves Swagger UI itself (FastAPI's loads it from a CDN)
    app = FastAPI(title="retold", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Find reused text: add documents as they arrive, ask what a document reuses. "
                  "Pages: /ui/ (look up a document, paste a text) and /docs.")
    mount_ui(app, ix.options)
    app.state.index = ix

    def _authorized(cred: HTTPAuthorizationCredentials | None) -> bool:
        if token is None or cred is None or cred.scheme.lower() != "bearer":
            return False
        # HTTP headers are bytes, read as latin-1: back to those bytes, compared with the token
        # as UTF-8 (how clients send a non-ASCII token). Comparing str with str never matched.
        try:
            sent = cred.credentials.encode("latin-1")
        except UnicodeEncodeError:
            sent = cred.credentials.encode()
        return hmac.compare_digest(sent, token.encode())

    no_token = "writes are disabled: the service was started without a token"
    wrong_token = "missing or wrong token (send Authorization: Bearer TOKEN)"
    # pages that hold no index data (the /ui/ page asks for the token itself, off loopback)
    always_open = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/ui", "/ui/"}

    def refuse_early(scope: dict) -> str | None:
        """The 401 of a request that needs the token, decided from its headers (see BodyLimit)."""
        write = scope["method"] == "POST" and scope["path"].rstrip("/") == "/documents"
        if not write and (open_reads or scope["path"] in always_open or scope["path"].startswith("/docs/assets/")):
            return None
        if write and token is None:
            return no_token
        header = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
        scheme, _, cred = header.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer" or not _authorized(HTTPAuthorizationCredentials(scheme=scheme,
                                                                                      credentials=cred.strip())):
            return wrong_token
        return None

    def need_write(cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
        if damage:
            raise HTTPException(503, f"writes are refused: {damage[0]}")
        if token is None:
            raise HTTPException(401, no_token, headers={"WWW-Authenticate": "Bearer"})
        if not _authorized(cred):
            raise HTTPException(401, wrong_token, headers={"WWW-Authenticate": "Bearer"})

    def need_read(cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
        if not open_reads and not _authorized(cred):
            raise HTTPException(401, wrong_token, headers={"WWW-Authenticate": "Bearer"})

    # What the OpenAPI document promises. Reads open on loopback declare no security and no 401
    # (they used to declare the bearer scheme they do not ask for); bodies that cannot be
    # decoded (not UTF-8) get FastAPI's 400, malformed JSON and wrong fields 422.
    unavailable = {503: {"model": ErrorOut, "description": "the index cannot do it now (read-only, disk full, "
                                                           "damaged, or the request ran past its time budget)"}}
    body_errors = {400: {"model": ErrorOut, "description": "the body could not be read (not UTF-8)"},
                   413: {"model": ErrorOut, "description": "the body is larger than the limit"}}
    auth = {401: {"model": ErrorOut, "description": "missing or wrong token"}}
    read_auth = {} if open_reads else auth
    read_deps = [] if open_reads else [Depends(need_read)]
    errors = {**auth, **body_errors, **unavailable}
    not_found = {404: {"model": ErrorOut}, **read_auth, **unavailable}

    @app.exception_handler(UnknownDocument)
    async def _unknown(_r: Request, e: UnknownDocument) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=404)

    @app.exception_handler(IndexError_)
    async def _index_error(_r: Request, e: IndexError_) -> JSONResponse:
        # read-only file, locked past the timeout, disk full, closed, damaged: the service
        # cannot do it now (never a 500: the request was fine)
        if isinstance(e, (DamagedIndexError, NotAnIndexError)) and not damage:
            damage.append(str(e))
            log.error("index damaged, refusing writes from now on: %s", e)
        return JSONResponse({"detail": str(e)}, status_code=503)

    @app.exception_handler(sqlite3.Error)
    async def _sqlite_error(_r: Request, e: sqlite3.Error) -> JSONResponse:  # pragma: no cover - db.py wraps them
        log.error("unwrapped SQLite error: %s", e)
        return JSONResponse({"detail": f"the index cannot answer now ({e})"}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, e: RequestValidationError) -> JSONResponse:
        # the default handler echoes the input back, which can be a whole (large) document
        detail = [{k: v for k, v in err.items() if k in ("type", "loc", "msg")} for err in e.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Exception)
    async def _bug(_r: Request, e: Exception) -> JSONResponse:  # pragma: no cover - only for bugs
        log.exception("unhandled error")
        return JSONResponse({"detail": "internal error (logged)"}, status_code=500)

    @app.post("/documents", response_model=AddOut, responses=errors, dependencies=[Depends(need_write)])
    def add_documents(body: BatchIn | DocumentIn) -> dict[str, Any]:
        """Add one document or a batch (one transaction); ids already stored are skipped."""
        docs = body.documents if isinstance(body, BatchIn) else [body]
        res = ix.add([{"id": d.id, "text": d.text, "date": d.date} for d in docs])
        return {**res.to_dict(), "documents": len(ix)}

    @app.get("/documents/{doc_id:path}/matches", response_model=MatchesOut, responses=not_found,
             response_model_exclude_unset=True, dependencies=read_deps)
    def document_matches(doc_id: str, kinds: Annotated[list[KindsParam] | None, Query(
            description="kinds to report, comma-separated or repeated (?kinds=exact&kinds=partial); "
                        f"default: all of {', '.join(KINDS)}")] = None) -> dict[str, Any]:
        """The pairs ``retold find`` over the whole index reports for this document."""
        # every value counts: a repeated ?kinds= used to keep only the last one
        ks = _parse_kinds(",".join(kinds) if kinds else None)
        with budget():
            return {"id": doc_id, "pairs": [_pair_out(p) for p in ix.matches(doc_id, ks)]}

    @app.get("/documents/{doc_id:path}", response_model=DocumentOut, responses=not_found,
             dependencies=read_deps)
    def get_document(doc_id: str) -> dict[str, Any]:
        """A stored document."""
        with budget():
            return ix.get(doc_id).to_dict()

    @app.post("/query", response_model=MatchesOut, responses={**read_auth, **body_errors, **unavailable},
              response_model_exclude_unset=True, dependencies=read_deps)
    def query(body: QueryIn) -> dict[str, Any]:
        """What a text reuses from the index (the text is not stored)."""
        ks = _parse_kinds(body.kinds)
        with budget():
            pairs = ix.query({"id": body.id, "text": body.text, "date": body.date}, ks)
        return {"id": body.id, "pairs": [_pair_out(p) for p in pairs]}

    @app.get("/clusters/{doc_id:path}", response_model=ClusterOut, responses=not_found,
             dependencies=read_deps)
    def cluster(doc_id: str) -> dict[str, Any]:
        """The reuse family (exact and near-duplicate pairs) of a document."""
        with budget():
            return ix.cluster(doc_id).to_dict()

    @app.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
    def health() -> Any:
        """Liveness and the number of documents (always open: load balancers ask it); 503 once
        the index was found damaged."""
        if damage:
            return JSONResponse({"status": "damaged", "documents": 0, "schema_version": SCHEMA_VERSION,
                                 "retold_version": __version__}, status_code=503)
        return {"status": "ok", "documents": len(ix), "schema_version": SCHEMA_VERSION,
                "retold_version": __version__}

    app.add_middleware(BodyLimit, limit=max_body_bytes, refuse=refuse_early)
    return app
