"""``retold align A B``: two texts laid out side by side, passage by passage, with the verdict on
top. The verdict and the passages are those ``find`` gives for the pair (both call
:func:`retold.comparison.comparison`); ``--json`` prints the pair record instead.

The view is a table of rows. Each passage is one row, A's stretch beside B's, marked inline
(``[1> ... <1]``) so that the numbers survive without colour (``NO_COLOR``, a pipe); passages
that overlap (a verbatim stretch inside a reworded sentence) share a row; the text between
passages comes in its own rows, dimmed. When B tells the passages in another order, its text
between passages is shown with the passage it precedes in B, so every character of both texts
appears once, and the row says that the passage moved. Site furniture is struck through and
marked ``[~ ... ~]``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    DateOpt,
    EmbedderOpt,
    EncodingOpt,
    IdOpt,
    IdPrefixOpt,
    KindsOpt,
    NearCoverageOpt,
    OptionOpt,
    ParaThresholdOpt,
    PartialWordsOpt,
    ShingleOpt,
    TextOpt,
    console,
    embedder_option,
    error,
    fields_option,
    kinds_option,
    options_option,
    prepare_kernels,
    quiet_stdout,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..model import Fields
    from ..records import Passage

PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta",
           "bright_green", "bright_yellow", "bright_blue", "bright_red")


@dataclass(frozen=True)
class Row:
    """One row of the view: passages (numbers from 1; none for the text between passages) and
    the ``[start, end)`` stretch of each text shown beside them (None: nothing on that side).

    Passages that overlap share a row: a verbatim stretch inside a reworded sentence is shown
    inside that sentence. ``moved``: B tells these passages at another place than A does.
    """

    numbers: tuple[int, ...]
    a: tuple[int, int] | None
    b: tuple[int, int] | None
    moved: bool = False


def layout(passages: list[Passage], len_a: int, len_b: int) -> list[Row]:
    """The rows of the view: passages in A's order, each after the text that precedes it on
    both sides. Every character of both texts is in exactly one row.

    >>> from retold.records import Passage
    >>> ps = [Passage(5, 10, 0, 5, "verbatim", 1.0), Passage(12, 20, 9, 17, "paraphrase", 0.7),
    ...       Passage(14, 18, 11, 15, "verbatim", 1.0)]
    >>> [(r.numbers, r.a, r.b) for r in layout(ps, 25, 17)]
    [((), (0, 5), None), ((1,), (5, 10), (0, 5)), ((), (10, 12), (5, 9)), ((2, 3), (12, 20), (9, 17)), \
((), (20, 25), None)]
    """
    groups: list[list[int]] = []
    spans: list[list[int]] = []  # a0, a1, b0, b1 of each group
    for i in sorted(range(len(passages)), key=lambda i: (passages[i].a_start, passages[i].b_start)):
        p = passages[i]
        if spans and (p.a_start < spans[-1][1] or (p.b_start < spans[-1][3] and p.b_end > spans[-1][2])):
            g = spans[-1]
            g[:] = [min(g[0], p.a_start), max(g[1], p.a_end), min(g[2], p.b_start), max(g[3], p.b_end)]
            groups[-1].append(i)
        else:
            groups.append([i])
            spans.append([p.a_start, p.a_end, p.b_start, p.b_end])

    def side(order: list[int], k0: int, length: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]],
                                                             tuple[int, int]]:
        """Per group: its own stretch and the stretch before it (in this side's order); the tail."""
        own, before = [(0, 0)] * len(spans), [(0, 0)] * len(spans)
        end = 0
        for g in order:
            s, e = spans[g][k0], spans[g][k0 + 1]
            before[g] = (end, max(end, s))
            own[g] = (max(end, s), max(end, e))
            end = max(end, e)
        return own, before, (end, max(end, length))

    order_a = list(range(len(spans)))
    order_b = sorted(order_a, key=lambda g: (spans[g][2], spans[g][0]))
    own_a, gap_a, tail_a = side(order_a, 0, len_a)
    own_b, gap_b, tail_b = side(order_b, 2, len_b)

    def nonempty(span: tuple[int, int]) -> tuple[int, int] | None:
        return span if span[1] > span[0] else None

    rank_b = {g: k for k, g in enumerate(order_b)}
    rows: list[Row] = []
    for g in order_a:
        ga, gb = nonempty(gap_a[g]), nonempty(gap_b[g])
        if ga or gb:
            rows.append(Row((), ga, gb))
        rows.append(Row(tuple(sorted(i + 1 for i in groups[g])), nonempty(own_a[g]), nonempty(own_b[g]),
                        moved=rank_b[g] != g))
    ta, tb = nonempty(tail_a), nonempty(tail_b)
    if ta or tb:
        rows.append(Row((), ta, tb))
    return rows


def mark(text: str, span: tuple[int, int] | None, marks: list[tuple[int, int, int]],
         furniture: list[tuple[int, int]]) -> list[tuple[str, int, bool]]:
    """One side of a row as pieces ``(text, passage number or 0, furniture?)``, with each
    passage opened by ``[n>`` and closed by ``<n]`` (pieces of their own, number -1), so the
    numbers survive without colour. ``marks``: ``(number, start, end)`` of the row's passages.

    >>> mark("abcdefgh", (0, 8), [(1, 1, 7), (2, 3, 5)], [])
    [('a', 0, False), ('[1>', -1, False), ('bc', 1, False), ('[2>', -1, False), ('de', 2, False), \
('<2]', -1, False), ('fg', 1, False), ('<1]', -1, False), ('h', 0, False)]
    """
    if span is None:
        return []
    s, e = span
    cuts = {s, e}
    for _, ps, pe in marks:
        cuts.update(x for x in (ps, pe) if s <= x <= e)
    for fs, fe in furniture:
        cuts.update(x for x in (fs, fe) if s <= x <= e)
    points = sorted(cuts)
    out: list[tuple[str, int, bool]] = []
    for x, y in zip(points, points[1:]):
        for n, ps, pe in sorted(marks, key=lambda m: -m[1]):
            if pe == x and ps < pe:
                out.append((f"<{n}]", -1, False))
        for n, ps, pe in sorted(marks, key=lambda m: (m[1], -m[2])):
            if ps == x and ps < pe:
                out.append((f"[{n}>", -1, False))
        inside = [(pe - ps, n) for n, ps, pe in marks if ps <= x and y <= pe]
        number = min(inside)[1] if inside else 0
        furn = any(fs <= x and y <= fe for fs, fe in furniture)
        out.append((text[x:y], number, furn))
    for n, ps, pe in sorted(marks, key=lambda m: -m[1]):
        if pe == e and ps < pe:
            out.append((f"<{n}]", -1, False))
    return out


def _cell(pieces: list[tuple[str, int, bool]], colour: bool) -> Any:
    from rich.text import Text

    out = Text()
    for i, (piece, number, furn) in enumerate(pieces):
        if i == 0:
            piece = piece.lstrip("\n")
        if i == len(pieces) - 1:
            piece = piece.rstrip()
        if furn:
            out.append("[~" + piece + "~]", style="dim strike")
        elif number == -1:
            out.append(piece, style="bold")
        elif number == 0:
            out.append(piece, style="dim")
        else:
            out.append(piece, style=PALETTE[(number - 1) % len(PALETTE)] if colour else "")
    return out


def _load_pair(a: str, b: str, corpus: list[Path] | None, fields: Fields,
               con: Console) -> tuple[str, str, str | None, str, str, str | None]:
    """The two texts to compare: two files, or two ids looked up in --corpus (with their dates)."""
    from ..readers import read_documents

    if corpus:
        wanted: dict[str, tuple[str, str | None] | None] = {a: None, b: None}
        for doc in read_documents(corpus, id_field=fields.id, text_field=fields.text, date_field=fields.date,
                                  keep_records=False, id_prefix=fields.id_prefix, encoding=fields.encoding):
            if doc.id in wanted and wanted[doc.id] is None:
                wanted[doc.id] = (doc.text, doc.date)
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            error(con, f"id(s) not found in the corpus: {', '.join(missing)}")
            raise typer.Exit(1)
        (ta, da), (tb, db) = wanted[a], wanted[b]  # type: ignore[misc]
        return a, ta, da, b, tb, db
    texts = []
    for name in (a, b):
        if not Path(name).is_file():
            error(con, f"{name}: no such file (to compare documents of a corpus by id, add --corpus CORPUS)")
            raise typer.Exit(1)
        docs = list(read_documents([name], encoding=fields.encoding, keep_records=False))
        if len(docs) != 1:
            error(con, f"{name}: align compares two documents; this file holds {len(docs)} (use --corpus {name} "
                  "and ids)")
            raise typer.Exit(1)
        texts.append(docs[0].text)
    return a, texts[0], None, b, texts[1], None


def align_cmd(a: Annotated[str, typer.Argument(help="First document: a file, or an id with --corpus.")],
              b: Annotated[str, typer.Argument(help="Second document: a file, or an id with --corpus.")],
              corpus: Annotated[list[Path] | None, typer.Option(
                  "--corpus", help="Look A and B up as ids in this corpus (repeatable).")] = None,
              kinds: KindsOpt = None,
              boilerplate: Annotated[bool, typer.Option(
                  "--boilerplate/--no-boilerplate",
                  help="Recognise single-page furniture (comment forms, share lines, teasers), show it "
                  "as boilerplate and keep it out of the passages.")] = True,
              embedder: EmbedderOpt = None, paraphrase_threshold: ParaThresholdOpt = None,
              shingle_size: ShingleOpt = None, near_coverage: NearCoverageOpt = None,
              partial_min_words: PartialWordsOpt = None, option: OptionOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
              id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None,
              json: Annotated[bool, typer.Option("--json", help="Print the pair record (as find writes it, with "
                                                 "the furniture spans) on stdout instead of the view.")] = False
              ) -> None:
    """Show which passages of B come from A (verbatim, near-verbatim, paraphrased), row by row.

    The verdict on top is the one `find` gives for the pair (the same library call decides
    both), with the rule it follows.
    """
    ks = kinds_option(kinds)
    emb = embedder_option(embedder)
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    opts = options_option(paraphrase_threshold, shingle_size, near_coverage, partial_min_words, option)
    con = console()
    ida, ta, da, idb, tb, db = _load_pair(a, b, corpus, fields, con)
    prepare_kernels(con, input_bytes=len(ta.encode()) + len(tb.encode()))
    from ..comparison import comparison, explain

    cmp = comparison(ta, tb, opts, kinds=ks, boilerplate=None if boilerplate else False, embedder=emb, id_a=ida,
                     id_b=idb, date_a=da, date_b=db)
    pair = cmp.pair
    try:
        if json:
            import orjson

            record = {**pair.to_dict(), "boilerplate_a": [list(x) for x in cmp.furniture_a],
                      "boilerplate_b": [list(x) for x in cmp.furniture_b]}
            sys.stdout.write(orjson.dumps(record).decode() + "\n")
            sys.stdout.flush()
            return
        _show(pair, ta, tb, cmp.furniture_a, cmp.furniture_b, explain(pair, ta, tb, opts))
    except BrokenPipeError:
        quiet_stdout()
        raise typer.Exit(0) from None


def _show(pair: Any, ta: str, tb: str, furniture_a: list[tuple[int, int]], furniture_b: list[tuple[int, int]],
          why: str) -> None:
    from collections import Counter

    from rich.console import Console
    from rich.table import Table

    out = Console()
    colour = out.color_system is not None
    passages = pair.passages or []
    out.print(f"[bold]{pair.kind or 'not related'}[/]  score {pair.score:.3f}", highlight=False)
    out.print(why, highlight=False, markup=False)
    kinds = Counter(p.kind for p in passages)
    listed = ", ".join(f"{n} {k}" for k, n in kinds.items())
    n = len(passages)
    out.print(f"A: {pair.a}\nB: {pair.b}\n{n} passage{'' if n == 1 else 's'}{': ' + listed if listed else ''}, marked "
              f"[n> ... <n]; furniture [~ ... ~]: {len(furniture_a)} lines in A, {len(furniture_b)} in B",
              highlight=False, markup=False)
    grid = Table(show_header=True, expand=True, show_lines=True, pad_edge=False)
    grid.add_column("#", no_wrap=True, width=13)
    grid.add_column("A", ratio=1)
    grid.add_column("B", ratio=1)
    for row in layout(passages, len(ta), len(tb)):
        marks = [(n, passages[n - 1].a_start, passages[n - 1].a_end) for n in row.numbers]
        marks_b = [(n, passages[n - 1].b_start, passages[n - 1].b_end) for n in row.numbers]
        a_cell = mark(ta, row.a, marks, furniture_a)
        b_cell = mark(tb, row.b, marks_b, furniture_b)
        if not row.numbers and not any(t.strip() for t, _, _ in a_cell + b_cell):
            continue  # only white space between two passages
        label = "\n".join(f"[{n}] {passages[n - 1].score:.2f}\n{passages[n - 1].kind}" for n in row.numbers)
        grid.add_row(label + ("\nmoved" if row.moved else ""), _cell(a_cell, colour), _cell(b_cell, colour))
    out.print(grid)


def register(app: typer.Typer) -> None:
    """Add ``align`` to the ``retold`` command line.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [c.name for c in app.registered_commands]
    ['align']
    """
    app.command("align")(align_cmd)
