"""The HTML report in a real browser: Playwright driving the system's headless Chromium.

The report of examples/ (written by ``retold find --report``, lexical embedder as in the whole
suite) is opened from the file system; the tests follow the deep links of the URL contract, check
every highlighted passage against the document's characters, click through families, search and
use the keyboard, and watch that no console error occurs and no request leaves the file.
Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it), never from
``playwright install``; without it the tests skip with a message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

import retold
from retold import Document
from retold.report import write_report

from ..conftest import EXAMPLES, ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

CHROMIUM = os.environ.get("RETOLD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEED_A, SEED_B = "000_f6d4d808b074041e.txt", "001_9f416579a8fdbabf.txt"

# every <mark> and struck-through furniture element of every shown document, with its document
MARKS_JS = """() => Array.from(document.querySelectorAll('[data-doc]')).map(d => ({
  doc: d.dataset.doc,
  marks: Array.from(d.querySelectorAll('mark')).map(m => [m.dataset.kind, +m.dataset.start, +m.dataset.end,
                                                          m.textContent, m.dataset.p ?? null]),
  furniture: Array.from(d.querySelectorAll('s.furniture')).map(s => [+s.dataset.start, +s.dataset.end, s.textContent]),
  text: d.querySelector('.text').textContent}))"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        msg = (f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (.ci/run installs it) "
               "or set RETOLD_CHROMIUM")
        if os.environ.get("RETOLD_REQUIRE_CHROMIUM"):
            pytest.fail(msg)
        pytest.skip(msg)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {d.id: d.text for d in retold.read_documents([EXAMPLES])}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("report")
    r = subprocess.run([sys.executable, "-m", "retold", "find", str(EXAMPLES), "-o", str(d / "pairs.jsonl"),
                        "--report", str(d / "report.html"), "-q"], capture_output=True, text=True, cwd=ROOT,
                       timeout=600, env={**os.environ, "RETOLD_EMBEDDER": "lexical"})
    assert r.returncode == 0, r.stderr
    return d / "report.html"


class Page:
    """A page that records console errors, uncaught exceptions and every request."""

    def __init__(self, browser, **kw):
        self.page = browser.new_page(viewport={"width": 1300, "height": 900}, **kw)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait()

    def wait(self) -> None:
        """Until the view is drawn: something in main, nothing still loading."""
        self.page.wait_for_function("document.querySelector('main').dataset.hash === location.hash "
                                    "&& document.querySelector('main .loading') === null")

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.requests and all(u.startswith("file://") for u in self.requests), self.requests

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def page(browser):
    p = Page(browser)
    yield p
    p.close()


def check_marks(shown, texts) -> int:
    """Every mark's text is its document's [start, end); returns how many were checked."""
    n = 0
    for d in shown:
        text = texts[d["doc"]]
        assert d["text"] == text  # the document is shown whole, as read
        for kind, s, e, content, _ in d["marks"]:
            assert kind in ("verbatim", "near_verbatim", "paraphrase")
            assert 0 <= s < e <= len(text) and content == text[s:e], (d["doc"], s, e)
            n += 1
        for s, e, content in d["furniture"]:
            assert content == text[s:e]
    return n


def test_seed_pair_side_by_side(page, report, texts):
    for a, b in ((SEED_A, SEED_B), (SEED_B, SEED_A)):  # either order opens the same view
        page.open(f"{report.as_uri()}#pair={quote(a, safe='')},{quote(b, safe='')}")
        page.page.wait_for_selector(f'[data-doc="{SEED_B}"] mark')
        shown = page.page.evaluate(MARKS_JS)
        assert [d["doc"] for d in shown] == [SEED_A, SEED_B]
        assert check_marks(shown, texts) >= 22
        kinds = {m[0] for d in shown for m in d["marks"]}
        assert kinds == {"verbatim", "near_verbatim", "paraphrase"}
        # each rewritten sentence is linked to its original: the same passage number on both sides
        pa = {m[4] for m in shown[0]["marks"] if m[0] == "paraphrase"}
        pb = {m[4] for m in shown[1]["marks"] if m[0] == "paraphrase"}
        assert len(pa) == 5 and pa == pb
        # the furniture of B (comment form, teasers) is struck through
        furniture = [f[2] for f in shown[1]["furniture"]]
        assert "Please enter your comment!" in furniture and "More like this" in furniture
        assert "Why paraphrase" in page.page.inner_text("#why")
        assert "rewritten sentence pairs listed" in page.page.inner_text("#why")
    page.check_clean()


def test_clicking_a_passage_brings_its_counterpart_into_view(page, report):
    page.open(f"{report.as_uri()}#pair={quote(SEED_A, safe='')},{quote(SEED_B, safe='')}")
    last = page.page.locator('[data-side="a"] mark[data-kind="paraphrase"][data-label]').last
    i = last.get_attribute("data-p")
    panel_b = page.page.locator("#text-b")
    before = panel_b.evaluate("e => e.scrollTop")
    last.scroll_into_view_if_needed()
    last.click()
    other = page.page.locator(f'[data-side="b"] mark[data-p="{i}"]').first
    assert "active" in (other.get_attribute("class") or "")
    assert panel_b.evaluate("e => e.scrollTop") > before  # the last rewrite sits far down in B
    box, pbox = other.bounding_box(), panel_b.bounding_box()
    assert pbox["y"] <= box["y"] and box["y"] + box["height"] <= pbox["y"] + pbox["height"]
    # n / p walk the passages on both sides
    page.page.keyboard.press("n")
    assert page.page.locator("main").get_attribute("data-current") == "0"
    page.check_clean()


def test_near_duplicate_marks_differing_words(page, report, texts):
    page.open(f"{report.as_uri()}#pair=wire%2Fharbour-original,wire%2Fharbour-mirror")
    shown = page.page.evaluate(MARKS_JS)
    check_marks(shown, texts)
    diffs = page.page.locator('[data-side="b"] .diff').all_inner_texts()
    # the mirror says "around" where the original says "about" (a word edit inside the passage)
    assert "around" in diffs and "about" in page.page.locator('[data-side="a"] .diff').all_inner_texts()
    assert "80%" in page.page.inner_text("#why")  # the rule, with its threshold
    page.check_clean()


def test_doc_view_strip_and_relations(page, report, texts):
    page.open(f"{report.as_uri()}#doc={quote(SEED_B, safe='')}")
    shown = page.page.evaluate(MARKS_JS)
    assert [d["doc"] for d in shown] == [SEED_B] and check_marks(shown, texts) > 5
    assert page.page.locator("#strip button").count() >= 5
    rows = page.page.locator("#relations tr[data-pair]")
    assert rows.count() == 1 and rows.first.get_attribute("data-pair") == f"{SEED_A},{SEED_B}"
    rows.first.locator("a").click()
    page.page.wait_for_selector(f'[data-doc="{SEED_A}"]')
    assert page.page.url.endswith(f"#pair={SEED_A},{SEED_B}")
    page.check_clean()


def test_families_filter_sort_search_and_keyboard(page, report):
    page.open(report.as_uri() + "#families")
    rows = page.page.locator("tr[data-family]")
    assert rows.count() == 2
    page.page.select_option("#f-kind", "paraphrase")
    page.page.wait_for_function("document.querySelectorAll('tr[data-family]').length === 1")
    seed_family = rows.first.get_attribute("data-family")
    page.page.select_option("#f-kind", "")
    page.page.select_option("#f-sort", "size")
    page.page.wait_for_function("document.querySelectorAll('tr[data-family]').length === 2")
    assert rows.first.locator("td").nth(1).inner_text() == "3"  # the wire family first
    # search by words of the text, then by id
    page.page.fill("#q", "Pyongyang insane")
    page.page.press("#q", "Enter")
    page.page.wait_for_selector("#search-note")
    assert [r.get_attribute("data-family") for r in rows.all()] == [seed_family]
    page.page.fill("#q", "wire/harbour-mirror")
    page.page.press("#q", "Enter")
    page.page.wait_for_function("document.querySelector('#search-note').textContent.includes('harbour-mirror')")
    assert rows.count() == 1 and rows.first.get_attribute("data-family") != seed_family
    assert page.page.locator("#search-note a[href='#doc=wire%2Fharbour-mirror']").count() == 1
    # keyboard: j selects the first row, Enter opens the family, then a pair of it
    page.page.locator("body").click(position={"x": 5, "y": 300})
    page.page.keyboard.press("j")
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector("#family-pairs tr[data-pair]")
    assert page.page.locator("h1[data-family]").count() == 1
    page.page.locator("#family-pairs tr[data-pair] a").first.click()
    page.page.wait_for_selector("[data-doc] mark")
    page.page.keyboard.press("f")
    page.page.wait_for_selector("tr[data-family]")
    page.check_clean()


def test_deep_links_to_family_and_missing_ids(page, report):
    page.open(report.as_uri() + "#family=0")
    assert page.page.locator("#family-pairs tr[data-pair]").count() == 1
    page.open(report.as_uri() + "#doc=no%20such%20doc")
    assert "no document “no such doc”" in page.page.inner_text("main")
    page.open(report.as_uri() + "#family=99")
    assert "no family 99" in page.page.inner_text("main")
    page.check_clean()


def test_split_report_loads_its_chunks_from_the_folder(browser, tmp_path, texts):
    res = retold.find([EXAMPLES])
    r = write_report(res.records(), retold.read_documents([EXAMPLES]), tmp_path / "big.html", split=True)
    assert r.folder == str(tmp_path / "big_files")
    p = Page(browser)
    try:
        p.open((tmp_path / "big.html").as_uri() + f"#pair={quote(SEED_A, safe='')},{quote(SEED_B, safe='')}")
        p.page.wait_for_selector(f'[data-doc="{SEED_B}"] mark')
        assert check_marks(p.page.evaluate(MARKS_JS), texts) >= 22
        p.check_clean()
        assert any(u.endswith("/big_files/d0.js") for u in p.requests)
    finally:
        p.close()
    # without its folder the page says what is missing instead of failing silently
    (tmp_path / "big_files").rename(tmp_path / "moved")
    p = Page(browser)
    try:
        p.page.goto((tmp_path / "big.html").as_uri() + "#doc=x")
        p.page.wait_for_selector(".error")
        assert "keep the big_files folder beside the page" in p.page.inner_text("main")
    finally:
        p.close()


def test_offsets_hold_with_astral_characters_and_markup_in_text(browser, tmp_path):
    # code point offsets (Python) against UTF-16 strings (JavaScript): emoji before and inside a passage
    base = ("Harbour 🚢 news: the city's bridge will close for six weeks 🛠️ while engineers replace worn joints, "
            "the department said. </script><script>alert(1)</script> Buses will be diverted over the old river "
            "crossing, adding fifteen minutes to journeys into the centre 𝔸𝔹.\n")
    a = "🌍🌍 Wire copy\n" + base
    b = "Local edition 😀\n" + base.replace("fifteen", "about fifteen")
    docs = [Document("a🌍", a, "c", 1), Document("b/é", b, "c", 2)]
    # and two passages that cross (neither holds the other): drawn as pieces, each with its own offsets
    res = [{"a": "a🌍", "b": "b/é", "kind": "near_duplicate", "score": 0.9,
            "passages": [{"a_start": a.index("Harbour"), "a_end": len(a) - 1, "b_start": b.index("Harbour"),
                          "b_end": len(b) - 1, "kind": "near_verbatim", "score": 0.95},
                         {"a_start": 2, "a_end": a.index("city"), "b_start": b.index("😀"), "b_end": b.index("city"),
                          "kind": "paraphrase", "score": 0.7}]}]
    write_report(res, docs, tmp_path / "r.html")
    p = Page(browser)
    try:
        p.open((tmp_path / "r.html").as_uri() + f"#pair={quote('a🌍', safe='')},{quote('b/é', safe='')}")
        shown = p.page.evaluate(MARKS_JS)
        assert check_marks(shown, {"a🌍": a, "b/é": b}) == 6
        for d in shown:  # passage 1 starts inside passage 0 and ends after it: cut where 0 ends
            assert [m[4] for m in d["marks"]] == ["0", "1", "1"]
        assert p.page.locator('[data-side="b"] .diff').all_inner_texts() == ["about"]
        p.check_clean()
    finally:
        p.close()


def test_dark_scheme(browser, report):
    p = Page(browser, color_scheme="dark")
    try:
        p.open(report.as_uri())
        bg = p.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(22, 23, 26)"
        p.check_clean()
    finally:
        p.close()
