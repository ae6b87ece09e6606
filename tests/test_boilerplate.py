"""Boilerplate lines: repeated per site, and single-document cues (retold.boilerplate)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from retold.boilerplate import (
    BoilerplateOptions,
    boilerplate_spans,
    count_lines,
    cue_spans,
    find_boilerplate,
    line_spans,
    site_of,
    strip,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "001_9f416579a8fdbabf.txt"

STORIES = [
    "The harbour committee met on Tuesday to discuss the new ferry timetable.",
    "A second bakery opened on the high street, the third this year.",
    "The school choir won the regional final with a song about the sea.",
    "Storm damage closed the coast road for two days last week.",
]


def gazette(i: int, story: str) -> str:
    return (
        "The Daily Gazette\n"
        f"Last updated: {i + 1} March 2024 10:{i:02d}\n"
        "\n"
        f"{story}\n" + "It was reported by our own correspondent.\n" * (i == 0) + "\n"
        "Share this story: Facebook | Twitter\n"
        f"© {2020 + i} Gazette Media. All rights reserved.\n"
    )


def test_seed_page_furniture_flagged_and_body_not():
    text = SEED.read_text(encoding="utf-8")
    spans = cue_spans(text)
    start = text.index("Please enter your comment!")
    assert all(s >= start for s, _ in spans)
    assert [text[s:e] for s, e in spans][:4] == [
        "Please enter your comment!",
        "Please enter your name here",
        "Share post:",
        "More like this",
    ]
    # The three teasers (headline + standfirst each) after "More like this" are flagged too.
    expected = [text[s:e] for s, e in line_spans(text) if s >= start and text[s:e].strip()]
    assert [text[s:e] for s, e in spans] == expected and len(expected) == 10
    stripped = strip(text, spans)
    assert stripped.endswith("along with the emphasis Russia will “certainly win” in the conflict.")
    assert stripped == text[:start].rstrip("\n")


def test_repeated_site_lines_are_flagged_with_exact_offsets():
    docs = [(f"g{i}", gazette(i, s), "gazette.example") for i, s in enumerate(STORIES)]
    found = dict(find_boilerplate(docs, BoilerplateOptions(cues=False)))
    text = docs[0][1]
    lines = [text[s:e] for s, e in found["g0"]]
    assert lines == [
        "The Daily Gazette",
        "Last updated: 1 March 2024 10:00",
        "Share this story: Facebook | Twitter",
        "© 2020 Gazette Media. All rights reserved.",
    ]
    # Spans are whole lines: they start at a line start and end before the line break.
    for s, e in found["g0"]:
        assert s == 0 or text[s - 1] == "\n"
        assert e == len(text) or text[e] == "\n"
    assert strip(text, found["g0"]) == f"{STORIES[0]}\nIt was reported by our own correspondent."


def test_furniture_longer_than_the_stories_is_still_found():
    footer = "This newsletter is produced by volunteers; opinions are the authors' own and not the club's policy."
    teams = ["Rovers", "United", "Athletic", "Wanderers", "Albion", "Town"]
    docs = [(f"n{i}", f"Club news\nWe beat {t} at home.\n{footer}", "club.example") for i, t in enumerate(teams)]
    found = dict(find_boilerplate(docs, BoilerplateOptions(cues=False)))
    text = docs[5][1]
    assert [text[s:e] for s, e in found["n5"]] == ["Club news", footer]


def test_thresholds_and_sites():
    docs = [(f"g{i}", gazette(i, s), "gazette.example") for i, s in enumerate(STORIES[:2])]
    docs.append(("other", gazette(2, STORIES[2]), "other.example"))
    # Two documents of a site are not enough (min_docs=3); another site's copy does not count.
    assert all(spans == [] for _, spans in find_boilerplate(docs, BoilerplateOptions(cues=False)))
    assert any(find_boilerplate(docs, BoilerplateOptions(cues=False, min_docs=2)))
    # min_share: a line in 3 of 100 documents is not furniture at 5%.
    many = [(f"d{i}", f"Story number {i} is about {w}.", "s") for i, w in enumerate(["x"] * 97)]
    many += [(f"q{i}", f"A shared quote\nStory {i} about y{'z' * i}.", "s") for i in range(3)]
    counts = count_lines(((t, site) for _, t, site in many), BoilerplateOptions(cues=False))
    assert boilerplate_spans(many[-1][1], "s", counts) == []
    assert boilerplate_spans(many[-1][1], "s", count_lines(((t, "s") for _, t, _ in many[-3:]))) == [(0, 14)]


def test_copies_of_one_page_are_not_boilerplate():
    article = "Harbour vote delayed\n\nThe harbour committee met on Tuesday to discuss the ferry timetable at length."
    docs = [(f"copy{i}", article, "gazette.example") for i in range(5)]
    assert all(spans == [] for _, spans in find_boilerplate(docs))
    off = BoilerplateOptions(collapse_copies=False)
    assert all(spans for _, spans in find_boilerplate(docs, off))


def test_cues_are_conservative_on_news_sentences():
    text = (
        "Readers were asked to leave a comment on the council website before Friday.\n"
        "Shares in the company fell 5% after the report.\n"
        "Please enter your name here if you want to join the debate, the mayor said.\n"
        "Related articles were published by the Guardian and the Times on Monday.\n"
        "Copyright infringement claims rose sharply last year.\n"
        "Follow us, the protesters shouted as they marched to the town hall.\n"
        "Share prices: FTSE up 1%, Dow down.\n"
        "Share this article\n"
    )
    assert [text[s:e] for s, e in cue_spans(text)] == ["Share this article"]


def test_related_heading_in_the_middle_flags_only_itself():
    long_para = "The harbour committee met on Tuesday and talked for hours about the ferry timetable. " * 4
    text = f"Intro line.\n{long_para}\nMore like this\nShort teaser one\n{long_para}\nEnd."
    assert [text[s:e] for s, e in cue_spans(text)] == []
    text = f"Intro line.\n{long_para}\n{long_para}\nMore like this\n{long_para}"
    assert [text[s:e] for s, e in cue_spans(text)] == ["More like this"]


def test_site_of():
    assert site_of("https://www.gazette.example/news/1") == "gazette.example"
    assert site_of("business/001") is None
    assert site_of("business/001", url="http://Blog.Example.org/x") == "blog.example.org"
    assert site_of("https://a.example/x", site="given") == "given"


def test_line_spans_and_strip_edge_cases():
    assert line_spans("") == [(0, 0)]
    assert line_spans("a\r\nb") == [(0, 1), (3, 4)]
    text = "Menu\r\nBody line.\r\nFooter"
    assert strip(text, [(0, 4)]) == "Body line.\r\nFooter"
    assert strip(text, [(0, 4), (18, 24)]) == "Body line."
    assert strip("a\r\nx\r\n\r\nb\r\n\r\nc", [(3, 4)]) == "a\r\n\r\nb\r\n\r\nc"
    assert strip("a\nb\nc", []) == "a\nb\nc"


def test_bbc_with_invented_furniture(bbc_path: Path):
    """A small version of benchmarks/boilerplate_eval.py on the real corpus."""
    docs = [orjson.loads(line) for line in bbc_path.open("rb")][:300]
    corpus = []
    for i, d in enumerate(docs):
        if i % 3 == 0:
            text = f"GAZETTE\nHome | News | Sport\n\n{d['text'].strip()}\n\nShare this: Email\n© 20{i % 20:02d} Gazette"
            corpus.append((d["id"], text, "gazette.example"))
        else:
            corpus.append((d["id"], d["text"], "bbc.co.uk"))
    found = dict(find_boilerplate(corpus))
    furniture = {"GAZETTE", "Home | News | Sport", "Share this: Email"}
    flagged = [(i, t[s:e]) for i, t, _ in corpus for s, e in found[i]]
    assert all(line in furniture or line.startswith("© 20") for _, line in flagged), flagged[:5]
    assert len(flagged) == 100 * 4


@pytest.mark.parametrize(
    "line",
    [
        "Please enter your comment!",
        "Leave a Reply",
        "Share post:",
        "We use cookies.",
        "Share this story: Facebook | Twitter | Email",
        "Follow us on Facebook and Twitter",
    ],
)
def test_single_cue_lines(line: str):
    text = "A normal first line of the article, long enough to be content.\n" + line
    assert [text[s:e] for s, e in cue_spans(text)] == [line]


def test_teaser_rule_on_a_text_of_many_headings():
    """Every heading in the last third used to re-read all the lines after it (quadratic); the
    rule itself is unchanged: a heading is marked, and the short lines after the last long one."""
    text = ("Related\n" + "x" * 300 + "\n") * 30 + "Related\nshort one\nshort two"
    spans = cue_spans(text)
    lines = [text[s:e] for s, e in spans]
    assert lines[-3:] == ["Related", "short one", "short two"]
    assert lines.count("Related") == 10  # the headings among the last third of the 63 lines
