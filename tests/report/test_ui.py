"""The service's pages in a real browser: /ui/ (the report's views over the index, through the
API and its access rules) and /docs, /redoc offline. uvicorn on 127.0.0.1, system Chromium."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

import retold

pytest.importorskip("fastapi_offline", reason="fastapi-offline is not installed (pip install -e .)")

from retold.service import create_app  # noqa: E402
from tests.test_service import Server  # noqa: E402

from ..conftest import EXAMPLES  # noqa: E402
from .test_html import MARKS_JS, Page, browser, check_marks  # noqa: E402, F401

TOKEN = "ui-token"


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return [{"id": d.id, "text": d.text, "date": d.date} for d in retold.read_documents([EXAMPLES])]


def _server(tmp_path: Path, corpus: list[dict], open_reads: bool) -> Server:
    app = create_app(str(tmp_path / "ui.retold"), token=TOKEN, open_reads=open_reads)
    app.state.index.add(corpus)
    return Server(app)


def _only_local(p: Page, base: str) -> None:
    assert p.errors == []
    assert p.requests and all(u.startswith(base) for u in p.requests), [u for u in p.requests if not u.startswith(base)]


def test_ui_looks_up_a_document_and_a_pasted_text(browser, tmp_path, corpus):  # noqa: F811
    texts = {d["id"]: d["text"] for d in corpus}
    server = _server(tmp_path, corpus, open_reads=True)
    with server as client:
        base = str(client.base_url).rstrip("/")
        p = Page(browser)
        try:
            p.open(base + "/ui/")
            p.page.wait_for_function("document.querySelector('#health').textContent.includes('6 documents')")
            # look a document up: its reused regions and relations, then the pair side by side
            p.page.fill("#lookup", "wire/harbour-mirror")
            p.page.click("#lookup-form button")
            p.page.wait_for_selector("#relations tr[data-pair]")
            shown = p.page.evaluate(MARKS_JS)
            assert [d["doc"] for d in shown] == ["wire/harbour-mirror"] and check_marks(shown, texts) >= 1
            row = p.page.locator("#relations tr[data-pair]").first
            assert row.get_attribute("data-pair") == "wire%2Fharbour-original,wire%2Fharbour-mirror"
            row.locator("a").click()
            p.page.wait_for_selector('[data-doc="wire/harbour-original"] mark')
            shown = p.page.evaluate(MARKS_JS)
            assert [d["doc"] for d in shown] == ["wire/harbour-original", "wire/harbour-mirror"]
            check_marks(shown, texts)
            assert "near-duplicate needs 80%" in p.page.inner_text("#why")
            # paste a text: what it reuses, then the pasted text beside the indexed one
            p.open(base + "/ui/")
            pasted = "Council notes.\n\n" + texts["wire/harbour-original"].split("\n\n", 1)[1]
            p.page.fill("#paste", pasted)
            p.page.click("#paste-form button")
            p.page.wait_for_selector("#relations tr[data-pair]")
            shown = p.page.evaluate(MARKS_JS)
            assert shown[0]["doc"] == "(pasted text)" and check_marks(shown, {"(pasted text)": pasted}) >= 1
            p.page.locator("#relations tr[data-pair] a").first.click()
            p.page.wait_for_selector('[data-doc="(pasted text)"] mark')
            docs = [d["doc"] for d in p.page.evaluate(MARKS_JS)]
            assert "(pasted text)" in docs and len(docs) == 2
            _only_local(p, base)
        finally:
            p.close()


def test_ui_reads_need_the_token_when_the_api_does(browser, tmp_path, corpus):  # noqa: F811
    with _server(tmp_path, corpus, open_reads=False) as client:
        base = str(client.base_url).rstrip("/")
        p = Page(browser)
        try:
            p.open(base + "/ui/#doc=" + quote("wire/harbour-mirror", safe=""))
            p.page.wait_for_selector(".error")
            assert "asks for a token" in p.page.inner_text("main")
            p.errors.clear()  # the browser logs the 401 of the API as a failed resource
            p.open(base + "/ui/")
            p.page.fill("#token", TOKEN)
            p.page.dispatch_event("#token", "change")
            p.page.fill("#lookup", "wire/harbour-mirror")
            p.page.click("#lookup-form button")
            p.page.wait_for_selector("#relations tr[data-pair]")
            assert p.errors == []
        finally:
            p.close()


def test_docs_work_offline(browser, tmp_path, corpus):  # noqa: F811
    with _server(tmp_path, corpus, open_reads=True) as client:
        base = str(client.base_url).rstrip("/")
        assert client.get("/docs/assets/nope.js").status_code == 404
        p = Page(browser)
        try:
            p.page.goto(base + "/docs")
            p.page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            assert p.page.locator(".swagger-ui .opblock").count() >= 6
            assert client.get("/redoc").status_code == 404  # ReDoc would fetch its logo from a CDN
            _only_local(p, base)
        finally:
            p.close()


def test_service_schema_lists_no_ui_routes(tmp_path):
    app = create_app(str(tmp_path / "s.retold"))
    paths = set(app.openapi()["paths"])
    assert "/query" in paths and not any(p.startswith(("/ui", "/docs")) for p in paths)
