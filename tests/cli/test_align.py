"""``retold align``: the two texts in aligned rows, passage by passage, numbered inline so the
numbers survive without colour, the verdict (kind, score, rule) on top, the passages of find."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from retold.cli.align import layout, mark
from retold.records import Passage

from ..conftest import EXAMPLES, ROOT

A, B = EXAMPLES / "000_f6d4d808b074041e.txt", EXAMPLES / "001_9f416579a8fdbabf.txt"


@st.composite
def passages(draw):
    len_a, len_b = draw(st.integers(1, 200)), draw(st.integers(1, 200))
    out = []
    for _ in range(draw(st.integers(0, 8))):
        a0 = draw(st.integers(0, len_a - 1))
        b0 = draw(st.integers(0, len_b - 1))
        out.append(Passage(a0, draw(st.integers(a0 + 1, len_a)), b0, draw(st.integers(b0 + 1, len_b)), "verbatim", 1.0))
    return sorted(out, key=lambda p: (p.a_start, p.b_start)), len_a, len_b


@settings(max_examples=300, deadline=None)
@given(passages())
def test_every_character_of_both_texts_is_in_exactly_one_row(case) -> None:
    ps, len_a, len_b = case
    rows = layout(ps, len_a, len_b)
    a_spans = [r.a for r in rows if r.a]
    assert [x for s, e in a_spans for x in range(s, e)] == list(range(len_a)), "A in reading order"
    b_chars = sorted(x for r in rows if r.b for x in range(*r.b))
    assert b_chars == list(range(len_b))
    assert sorted(n for r in rows for n in r.numbers) == list(range(1, len(ps) + 1)), "each passage in one row"
    shown = 0
    for r in rows:  # a passage's row shows it, up to its end (less what earlier rows showed already)
        for n in r.numbers:
            p = ps[n - 1]
            assert (r.a is not None and p.a_start < r.a[1] and p.a_end <= r.a[1]) or p.a_end <= shown
        shown = r.a[1] if r.a else shown


def test_marks_nest_and_keep_the_text() -> None:
    pieces = mark("But China has refuted this", (0, 26), [(5, 0, 26), (6, 4, 9)], [(14, 21)])
    assert "".join(t for t, n, f in pieces if n != -1) == "But China has refuted this"
    assert [t for t, n, _ in pieces if n == -1] == ["[5>", "[6>", "<6]", "<5]"]
    assert ("refuted", 5, True) in pieces


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retold", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "COLUMNS": "120", **env})


def test_the_view_without_colour_verdict_on_top_and_the_passages_of_find() -> None:
    view = run("align", str(A), str(B), NO_COLOR="1")
    assert view.returncode == 0, view.stderr
    assert "\x1b[" not in view.stdout
    lines = view.stdout.splitlines()
    assert lines[0].split() == ["paraphrase", "score", "0.423"]
    assert lines[1].startswith("paraphrase: ") and "a paraphrase needs 3+ aligned sentence pairs" in view.stdout
    record = json.loads(run("align", str(A), str(B), "--json").stdout)
    found = next(json.loads(x) for x in run("find", str(EXAMPLES)).stdout.splitlines()
                 if json.loads(x)["kind"] == "paraphrase")
    assert record["passages"] == found["passages"]
    n = len(record["passages"])
    flat = " ".join(view.stdout.split())
    for k in range(1, n + 1):
        assert f"[{k}>" in flat and f"<{k}]" in flat, k
    assert f"[{n + 1}>" not in flat
    # passages side by side: the rewritten sentence about China's denial is one row
    row = next(line for line in lines if "[5>" in line)
    assert "But China has refuted" in row and "However, China has vehemently" in row
    assert "[~Please enter your comment!~]" in flat


def test_unrelated_texts_say_why(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("Oil prices rose on Monday in London as traders bet on a cold winter.")
    (tmp_path / "b.txt").write_text("The village fete was cancelled because of heavy rain on Saturday.")
    r = run("align", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("not related") and "a near-duplicate needs 80% of the shorter text" in r.stdout
    missing = run("align", str(tmp_path / "a.txt"), "nope")
    assert missing.returncode == 1 and "--corpus" in missing.stderr
