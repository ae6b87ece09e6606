"""The service's pages: ``/ui/`` (the report's views over the index) and an offline ``/docs``.

:func:`router` returns a FastAPI router; :func:`mount` adds it to an app (the service's one line). ``/ui/`` is the
report's page in *service mode*: it holds no data, and reads everything through the API
(``GET /documents/{id}``, ``GET /documents/{id}/matches``, ``POST /query``) with the token the
user gives it, so the views obey exactly the API's access rules (reads open on loopback, a
token elsewhere). Look up a document by id, or paste a text and see what it reuses, side by
side, passages highlighted, the rule in words.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and stays blank offline; this one serves the
copy packaged in ``fastapi-offline`` (Swagger UI 5, which reads OpenAPI 3.1) from the service
itself. There is no ``/redoc``: ReDoc fetches its logo from its vendor's CDN. The app must be
made with ``docs_url=None, redoc_url=None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from ..model import KINDS, PASSAGE_KINDS
from .data import rules_of
from .html import CSP, _page

UI_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
          "connect-src 'self'; base-uri 'none'; form-action 'none'")
DOC_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")


def _doc_assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def ui_page(options: Any = None, title: str = "retold service", root: str = "") -> bytes:
    """The ``/ui/`` page: the report's program in service mode (no data inside).

    >>> b'"api":{"base":"/r"}' in ui_page(root="/r")
    True
    """
    meta = {"title": title, "api": {"base": root}, "folder": None, "overview": {}, "rules": rules_of(options),
            "shards": {}, "common_words": [], "kinds": list(KINDS), "passage_kinds": list(PASSAGE_KINDS)}
    page = _page(meta, [])

    return page.replace(CSP.encode(), UI_CSP.encode())


def router(options: Any = None, title: str = "retold") -> APIRouter:
    """``/ui/``, ``/docs`` and its assets; ``options`` are the index's (for the rules the page quotes).

    >>> sorted(r.path for r in router().routes)
    ['/docs', '/docs/assets/{name}', '/ui', '/ui/']
    """
    r = APIRouter()
    cache: dict[str, bytes] = {}

    @r.get("/ui", include_in_schema=False)
    def ui_redirect(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/ui/")

    @r.get("/ui/", include_in_schema=False)
    def ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        if root not in cache:
            cache[root] = ui_page(options, f"{title}: reuse in the index", root)
        return HTMLResponse(cache[root], headers={"Content-Security-Policy": UI_CSP, "Cache-Control": "no-cache"})

    @r.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title=f"{title}: API",
                                   swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
                                   swagger_favicon_url=f"{root}/docs/assets/favicon.png",
                                   # no badge from the online validator
                                   swagger_ui_parameters={"validatorUrl": None})

    @r.get("/docs/assets/{name}", include_in_schema=False)
    def doc_asset(name: str) -> FileResponse:
        if name not in DOC_ASSETS:
            raise HTTPException(404, "no such asset")
        return FileResponse(_doc_assets() / name, headers={"Cache-Control": "max-age=86400"})

    return r


def mount(app: FastAPI, options: Any = None, title: str = "retold") -> None:
    """Add the :func:`router`'s pages to ``app`` as plain routes (what the service does, in one line).

    ``app.include_router`` would do too, but FastAPI 0.16x keeps included routers as one opaque
    route, and code that lists ``app.routes`` by path (the service's tests) would no longer see them.

    >>> app = FastAPI(docs_url=None, redoc_url=None)
    >>> mount(app)
    >>> sorted(r.path for r in app.routes if r.path.startswith(("/ui", "/docs")))
    ['/docs', '/docs/assets/{name}', '/ui', '/ui/']
    """
    for route in router(options, title).routes:
        app.add_api_route(route.path, route.endpoint, methods=sorted(route.methods), include_in_schema=False)
