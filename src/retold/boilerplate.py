"""Boilerplate: page furniture that recurs across the documents of one site, plus single-page cues.

**Corpus level** (the approach of CCNet's and Gopher's repeated-line removal and passim's per-series
boilerplate). Every line is normalised (:func:`normalise_line`: case folded, digit runs made ``0``,
punctuation and spacing collapsed) and hashed. Pass 1 (:func:`count_lines`) counts, for each
``(site, line hash)``, the documents of the site that hold the line; pass 2 (:func:`boilerplate_spans`)
marks a line as boilerplate when it is in at least ``min_docs`` documents of its site **and** in at
least ``min_share`` of them. Memory grows with the number of distinct lines, never with the text; both
passes stream, so a corpus on disk is simply read twice.

Defaults: ``min_docs=3`` (two pages sharing a line can be a copy; furniture is on every page), and
``min_share=0.05`` (on a big site a line must be on one page in twenty: a quote used by three of ten
thousand articles is not furniture, a footer is on nearly all of them).

*Copies are not furniture.* retold looks for reused text, so the same article three times on one site
must not turn into boilerplate. Each document gets a *content key*: the hash of its longest line that
is not yet common on the site (not yet in ``min_docs`` documents; in practice a paragraph of the
article, different on every page of a site but the same on copies, while furniture soon becomes
common and is passed over), or 0 when every line is common. A line counts towards ``min_docs`` only
with that many *different* keys (``collapse_copies``, on by default; at most ``min_docs`` keys are
kept a line, so memory stays small). The price: the same article edited in its longest paragraph on
three pages of a site looks like three pages, and its shared lines can become boilerplate.

*Site*: the ``site`` field when given, else the host of the URL, else the host of the id when the id
is a URL (``https://www.example.com/a`` -> ``example.com``; ``www.`` dropped); documents with none of
these form one group together (``None``).

**Single-document cues** (``cues=True`` by default) catch the furniture a site with one page in the
corpus still shows. Each is a whole-line, case-insensitive regex on a short line (at most
:data:`MAX_CUE_CHARS` characters), so a sentence of an article that merely mentions comments or
sharing never matches:

* comment forms: ``Please enter your comment!``, ``Please enter your name here``, ``Leave a reply``,
  ``Your email address will not be published...``, ``Save my name, email, and website...``, ``N comments``;
* share lines: ``Share post:``, ``Share this article``, ``Share this story: Facebook | Twitter``, a row
  of network names, ``Follow us on Facebook and Twitter``;
* related-content headings: ``More like this``, ``Related articles``, ``You may also like``,
  ``Recommended for you``, ``Most popular``... When such a heading is in the last third of the text
  and every non-empty line after it is short (at most :data:`MAX_TEASER_CHARS`), those lines are
  teaser links and are marked too;
* teaser links inside the text: ``[REPORT] ...``, ``READ MORE: ...``, ``SEE ALSO: ...`` lines;
* cookie, newsletter and advertising lines: ``We use cookies...``, ``Accept all cookies``,
  ``Subscribe to our newsletter``, ``Advertisement``, ``Story continues below advertisement``;
* copyright lines: ``© 2024 ...``, ``Copyright 2024 ...``, ``... All rights reserved.``

Spans are ``[start, end)`` character offsets of whole lines in the original text, without the line
break, sorted and not overlapping; :func:`strip` removes them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = [
    "MIN_DOCS",
    "MIN_SHARE",
    "MAX_CUE_CHARS",
    "MAX_TEASER_CHARS",
    "CUE_STARTS",
    "BoilerplateOptions",
    "LineCounts",
    "line_spans",
    "normalise_line",
    "line_key",
    "site_of",
    "count_lines",
    "boilerplate_spans",
    "cue_spans",
    "find_boilerplate",
    "strip",
    "mask",
]

MIN_DOCS = 3
MIN_SHARE = 0.05
#: Longest line a single-document cue may match.
MAX_CUE_CHARS = 160
#: Longest line taken as a teaser link after a related-content heading.
MAX_TEASER_CHARS = 220

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class BoilerplateOptions:
    """Thresholds (see the module docstring for why these defaults).

    Attributes:
        min_docs: A line is boilerplate only in at least this many documents of its site.
        min_share: ... and in at least this share of the site's documents.
        collapse_copies: Documents with the same content key (copies of one page) count once.
        cues: Also apply the single-document cues.
    """

    min_docs: int = MIN_DOCS
    min_share: float = MIN_SHARE
    collapse_copies: bool = True
    cues: bool = True


@dataclass
class LineCounts:
    """Pass 1's result: documents per site and per ``(site, line hash)``.

    Attributes:
        docs: site -> documents seen.
        lines: (site, line hash) -> ``[documents, key, key, ...]`` (at most ``min_docs`` keys kept).
        options: The options the counts were made with.
    """

    docs: dict[str | None, int] = field(default_factory=dict)
    lines: dict[tuple[str | None, int], list[int]] = field(default_factory=dict)
    options: BoilerplateOptions = field(default_factory=BoilerplateOptions)

    def is_boilerplate(self, site: str | None, key: int) -> bool:
        """True when the line with hash ``key`` passes both thresholds on ``site``."""
        entry = self.lines.get((site, key))
        if entry is None:
            return False
        o = self.options
        distinct = len(entry) - 1 if o.collapse_copies else entry[0]
        return distinct >= o.min_docs and entry[0] >= o.min_share * self.docs.get(site, 0)


def line_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every line, line break excluded (a final ``\\r`` too).

    >>> line_spans("ab\\n\\ncd\\r\\n")
    [(0, 2), (3, 3), (4, 6), (8, 8)]
    """
    out, pos, n = [], 0, len(text)
    while True:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        out.append((pos, end - 1 if end > pos and text[end - 1] == "\r" else end))
        if nl < 0:
            return out
        pos = nl + 1


def normalise_line(line: str) -> str:
    """The form lines are compared in: case folded, digits ``0``, punctuation and spaces one space.

    >>> normalise_line("  © 2024 The Gazette -- All Rights Reserved. ")
    '0 the gazette all rights reserved'
    """
    line = _DIGITS.sub("0", line.casefold())
    return _NON_WORD.sub(" ", line).strip()


def line_key(line: str) -> int | None:
    """A stable 64-bit hash of the normalised line; None for a line with no word in it.

    >>> line_key("Share this article") == line_key("SHARE  this article!")
    True
    >>> line_key(" -- ") is None
    True
    """
    norm = normalise_line(line)
    if not norm:
        return None
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(), "little")


def site_of(doc_id: str | None = None, url: str | None = None, site: str | None = None) -> str | None:
    """The site of a document: ``site``, else the host of ``url``, else of ``doc_id`` if it is a URL.

    >>> site_of("https://www.Example.com:8080/a?b"), site_of("news/001"), site_of("x", site="Gazette")
    ('example.com', None, 'Gazette')
    >>> site_of("x", url="http://blog.example.org/p/1")
    'blog.example.org'
    """
    if site:
        return site
    for candidate in (url, doc_id):
        if candidate and "://" in candidate[:12]:
            try:
                host = urlsplit(candidate.strip()).hostname
            except ValueError:
                host = None
            if host:
                return host[4:] if host.startswith("www.") else host
    return None


def _content_key(
    keyed: list[tuple[int, int | None]], site: str | None, lines: dict[tuple[str | None, int], list[int]], cap: int
) -> int:
    """The hash of the document's longest line that is not yet common on its site (0: none).

    Common lines (already in ``cap`` documents) are passed over, so that furniture longer than a short
    story does not make every page of the site look like one page.
    """
    best_len, best = -1, 0
    for length, k in keyed:
        if k is None or length <= best_len:
            continue
        entry = lines.get((site, k))
        if entry is None or entry[0] < cap:
            best_len, best = length, k
    return best


def count_lines(docs: Iterable[tuple[str, str | None]], options: BoilerplateOptions | None = None) -> LineCounts:
    """Pass 1: count the documents holding each normalised line, per site.

    Args:
        docs: ``(text, site)`` pairs (see :func:`site_of`).
        options: Thresholds; kept in the result for pass 2.

    >>> counts = count_lines([("Menu\\nStory one", "s"), ("Menu\\nStory two", "s"), ("Menu\\nStory 3!", "s")])
    >>> counts.docs["s"], counts.is_boilerplate("s", line_key("menu"))
    (3, True)
    >>> counts.is_boilerplate("s", line_key("Story one"))
    False
    """
    counts = LineCounts(options=options or BoilerplateOptions())
    cap = counts.options.min_docs
    collapse = counts.options.collapse_copies
    lines = counts.lines
    for text, site in docs:
        counts.docs[site] = counts.docs.get(site, 0) + 1
        keyed = [(e - s, line_key(text[s:e])) for s, e in line_spans(text)]
        keys_here = {k for _, k in keyed if k is not None}
        ckey = _content_key(keyed, site, lines, cap) if collapse else 0
        for k in keys_here:
            entry = lines.get((site, k))
            if entry is None:
                lines[(site, k)] = [1, ckey]
            else:
                entry[0] += 1
                if len(entry) <= cap and ckey not in entry[1:]:
                    entry.append(ckey)
    return counts


# -- single-document cues -------------------------------------------------------------------------

_NETWORKS = r"(?:facebook|twitter|x|linkedin|whatsapp|pinterest|reddit|telegram|email|e-mail|print|copy link|tumblr|vk)"
_CUES = re.compile(
    r"(?:"
    # comment forms
    r"(?:please )?(?:enter|type) your (?:comment|name|e-?mail(?: address)?|website)(?: here)?"
    r"|leave a (?:reply|comment)(?: cancel reply)?|cancel reply|post (?:a )?comment|add (?:a )?comment"
    r"|\d+ comments?|no comments(?: yet)?|comments? \(\d+\)|view comments|join the (?:conversation|discussion)"
    r"|your email address will not be published\.?(?: required fields are marked \*?)?"
    r"|required fields are marked \*?"
    r"|save my name, email, and website in this browser for the next time i comment"
    r"|you must be logged in to post a comment"
    # share lines
    r"|share(?: (?:this|the))?(?: (?:post|article|story|page|link))?(?: (?:on|via|with) " + _NETWORKS + r")?"
    r"|(?:share|tweet|pin it|email|print)(?: (?:on|via) " + _NETWORKS + r")?"
    r"|click to (?:share|email|print)(?: on " + _NETWORKS + r")?(?: \(opens in new window\))?"
    r"|" + _NETWORKS + r"(?:\s*[|·•,/]?\s*" + _NETWORKS + r")+"
    r"|share\b[\w ]{0,25}:?\s*" + _NETWORKS + r"(?:\s*[|·•,/]?\s*" + _NETWORKS + r")*"
    r"|follow us(?: on " + _NETWORKS + r"(?:(?:,| and| &) " + _NETWORKS + r")*)?(?: for [\w ]{1,40})?"
    # cookies, newsletters, advertising
    r"|(?:we use|this (?:web)?site uses) cookies\b.*"
    r"|accept(?: all)?(?: cookies)?|(?:manage )?cookie (?:settings|policy|preferences)"
    r"|subscribe(?: (?:to|for) (?:our|the) newsletter)?|sign up (?:to|for) (?:our|the) newsletter\b.*"
    r"|advertisement|story continues below(?: this)? advertisement|skip (?:to content|advert)"
    # copyright
    r"|(?:©|\(c\)|copyright ©|copyright \(c\)|copyright \d{4}\b).*"
    r"|.*\ball rights reserved\.?"
    r")[\s!.:…]*",
    re.I,
)
_TEASER_PREFIX = re.compile(
    r"(?:\[[A-Z][A-Z ]{1,20}\]|(?:READ MORE|SEE ALSO|RELATED|MORE|WATCH|LISTEN|PICTURED)\s*:)\s*\S.*"
)
_RELATED = re.compile(
    r"(?:more like this|related(?: (?:articles|posts|stories|news|content|reading|topics))?"
    r"|you (?:may|might) (?:also )?like|recommended(?: for you| stories| articles)?|most (?:popular|read)"
    r"|also read|read next|trending(?: now| stories)?|more stories|more from [\w .'-]{1,40}"
    r"|latest (?:news|stories|articles)|popular (?:posts|stories)|don'?t miss)[\s:.…]*",
    re.I,
)


# Every cue above starts with one of these words (case folded), holds "rights reserved", or starts
# with a digit: a line that does none of that is passed over without running the regexes, which
# made the cues cost a third of the fast pass (measured on the 20k benchmark corpus).
CUE_STARTS = (
    "please", "enter", "type", "leave", "cancel", "post", "add", "no ", "comment", "view", "join", "your",
    "required", "save", "you", "share", "tweet", "pin", "email", "e-mail", "print", "click", "facebook",
    "twitter", "x", "linkedin", "whatsapp", "pinterest", "reddit", "telegram", "copy link", "tumblr", "vk",
    "follow", "we ", "this ", "accept", "manage", "cookie", "subscribe", "sign up", "advertisement",
    "story continues", "skip", "©", "(c)", "copyright", "[", "read", "see also", "related", "more", "watch",
    "listen", "pictured", "recommended", "most", "also", "trending", "latest", "popular", "don",
)


def _may_be_cue(line: str) -> bool:
    """A cheap superset of :func:`_is_cue` and of the related-content headings."""
    low = line.casefold()
    return low.startswith(CUE_STARTS) or low[:1].isdigit() or "rights reserved" in low


def _is_cue(line: str) -> bool:
    return bool(_line_kind(line.strip()) & _CUE)


_CUE, _HEADING = 1, 2


def _line_kind(line: str) -> int:
    """Whether a stripped line is a cue (:data:`_CUE`) or a related-content heading
    (:data:`_HEADING`), as bit flags."""
    if not line or len(line) > MAX_CUE_CHARS or not _may_be_cue(line):
        return 0
    return _known_line_kind(line)


@lru_cache(maxsize=1 << 14)
def _known_line_kind(line: str) -> int:
    # Why a memo: furniture lines recur word for word across a site's pages ("Share this
    # article", "Leave a Reply"), and their regular expressions were most of the cue time.
    # Teaser prefixes are upper case on purpose: "Related:" as a sentence start is rare and kept.
    cue = _CUES.fullmatch(line) is not None or _TEASER_PREFIX.fullmatch(line) is not None
    return (_CUE if cue else 0) | (_HEADING if _RELATED.fullmatch(line) is not None else 0)


def cue_spans(text: str, candidates: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Lines that single-document cues mark as furniture (see the module docstring).

    ``candidates``: the lines that may be cues (:func:`retold.cue_gate.cue_lines`, a superset);
    only those are tested, unless one of them is a related-content heading, whose teaser rule
    needs every line.

    >>> t = "A story about sharing.\\nShare this article\\nPlease enter your comment!"
    >>> [t[s:e] for s, e in cue_spans(t)]
    ['Share this article', 'Please enter your comment!']
    >>> cue_spans(t, [(23, 41), (42, 68)]) == cue_spans(t)
    True
    """
    if candidates is not None:
        out = []
        for s, e in candidates:
            kind = _line_kind(text[s:e].strip())
            if kind & _HEADING:
                return cue_spans(text)
            if kind & _CUE:
                out.append((s, e))
        return out
    spans = line_spans(text)
    out = [(s, e) for s, e in spans if _is_cue(text[s:e])]
    # A related-content heading in the last third with only short lines after it: teaser links.
    nonempty = [(s, e) for s, e in spans if text[s:e].strip()]
    tail_from = len(nonempty) * 2 // 3
    # longest line after each one, so that each heading asks in O(1) (asking "are all the lines
    # after it short?" line by line was quadratic in a text of many headings)
    longest_after = [0] * (len(nonempty) + 1)
    for i in range(len(nonempty) - 1, -1, -1):
        s, e = nonempty[i]
        longest_after[i] = max(longest_after[i + 1], e - s)
    for i, (s, e) in enumerate(nonempty):
        if i < tail_from:
            continue
        if not _line_kind(text[s:e].strip()) & _HEADING:
            continue
        if longest_after[i + 1] <= MAX_TEASER_CHARS:
            out.extend([(s, e), *nonempty[i + 1 :]])
            break
        out.append((s, e))
    return sorted(set(out))


def boilerplate_spans(
    text: str, site: str | None, counts: LineCounts | None, options: BoilerplateOptions | None = None
) -> list[tuple[int, int]]:
    """Pass 2: the boilerplate lines of one document, as sorted ``[start, end)`` spans.

    Args:
        text: The document text.
        site: Its site (see :func:`site_of`).
        counts: Pass 1's counts; None for cues only.
        options: Defaults to ``counts.options``.

    >>> counts = count_lines([(f"Gazette\\nStory {w}\\nShare", "g") for w in ("one", "two", "three")])
    >>> boilerplate_spans("Gazette\\nStory one\\nShare", "g", counts)
    [(0, 7), (18, 23)]
    """
    if options is None:
        options = counts.options if counts is not None else BoilerplateOptions()
    out: set[tuple[int, int]] = set()
    if counts is not None:
        for s, e in line_spans(text):
            k = line_key(text[s:e])
            if k is not None and counts.is_boilerplate(site, k):
                out.add((s, e))
    if options.cues:
        out.update(cue_spans(text))
    return sorted(out)


def find_boilerplate(
    docs: Iterable[tuple[str, str, str | None]], options: BoilerplateOptions | None = None
) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Both passes over an in-memory corpus of ``(id, text, site)``: yields ``(id, spans)``.

    For a corpus on disk, call :func:`count_lines` on one read and :func:`boilerplate_spans` on a second.

    >>> docs = [(str(i), f"Menu\\nStory {w}", "s") for i, w in enumerate(["one", "two", "three"])]
    >>> list(find_boilerplate(docs))[0]
    ('0', [(0, 4)])
    """
    docs = list(docs)
    counts = count_lines(((text, site) for _, text, site in docs), options)
    for doc_id, text, site in docs:
        yield doc_id, boilerplate_spans(text, site, counts, options)


def strip(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` without the spans, each with its line break.

    Blank lines left where a span was cut out between blank lines, and at the start and end of the
    text, are dropped as well; nothing else changes.

    >>> strip("Menu\\nStory one.\\n\\nShare\\nLast line.", [(0, 4), (17, 22)])
    'Story one.\\n\\nLast line.'
    """
    kept, pos = [], 0
    for s, e in sorted(spans):
        s = max(s, pos)
        kept.append(text[pos:s])
        if text.startswith("\r\n", e):
            e += 2
        elif text.startswith("\n", e):
            e += 1
        pos = max(pos, e)
    if not kept:
        return text
    kept.append(text[pos:])
    out = kept[0]
    for seg in kept[1:]:
        # Where a line was taken out between blank lines, keep one blank line, not two.
        if not out or out.endswith(("\n\n", "\n\r\n")):
            seg = seg.lstrip("\r\n")
        out += seg
    return out.strip("\r\n")


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the spans blanked out by spaces: no token there, every offset unchanged.

    >>> mask("Menu\\nStory", [(0, 4)])
    '    \\nStory'
    """
    out, pos = [], 0
    for s, e in sorted(spans):
        s = max(s, pos)
        out.append(text[pos:s])
        out.append(" " * max(0, e - s))
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out)
