"""``retold report``: the HTML report of ``find``'s pairs, and the ``--report`` of ``find``.

:func:`register` adds the command to the ``retold`` typer app; :func:`report_find_result` is what
``retold find ... --report report.html`` calls. Conventions are those of :mod:`retold.cli`:
messages and the summary on stderr (``--json``: the summary as JSON), exit status 0 on success
(also when some records were skipped: they are counted), 1 when nothing could be read, 2 for a
wrong option.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    DateOpt,
    EncodingOpt,
    IdOpt,
    IdPrefixOpt,
    JsonOpt,
    Messages,
    QuietOpt,
    TextOpt,
    console,
    fields_option,
    print_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..engine.local import FindResult
    from ..model import Fields
    from ..readers import ReadStats
    from ..report import ReportResult

SplitOpt = Annotated[bool | None, typer.Option(
    "--split/--single-file", help="Put the data in a folder beside the page (report_files/, loaded on demand) "
    "or inside the one page. Default: one page up to 8 MB of data, else the folder.", show_default=False)]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Title of the page.", show_default=False)]


def check_html(path: Path) -> None:
    if path.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter(f"{path}: the report is a page, name it .html", param_hint="--report/-o")


def _summary(r: ReportResult, stats: ReadStats | None, extra: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {"command": "report", "documents_read": r.documents_read}
    if stats is not None:
        out["skipped"] = dict(sorted(stats.skipped.items()))
        out["warnings"] = dict(sorted(stats.warnings.items()))
    out.update({"pairs": r.pairs, "report_documents": r.documents, "families": r.families,
                "report_skipped": r.skipped, "output": r.path, "data_folder": r.folder, "files_written": r.files,
                "bytes_written": r.bytes, **extra, "seconds": round(r.seconds, 3)})
    return out


def report_cmd(
    paths: Annotated[list[Path], typer.Argument(
        help="find's output (.jsonl, .jsonl.gz, .parquet, or - for stdin); paths after it belong to --corpus.",
        show_default=False, metavar="PAIRS")],
    corpus: Annotated[list[Path], typer.Option(
        "--corpus", help="The corpus find read: the same paths in the same order (--corpus A B C, or repeated).",
        show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="The page to write.")] = Path("report.html"),
    boilerplate: Annotated[Path | None, typer.Option(
        "--boilerplate", help="Furniture spans from `retold boilerplate` (JSONL) to strike through. Default: the "
        "single-page cues (comment forms, share lines, teasers), as `retold align` shows them.",
        show_default=False)] = None,
    no_boilerplate: Annotated[bool, typer.Option("--no-boilerplate", help="Strike nothing through.")] = False,
    split: SplitOpt = None, title: TitleOpt = None,
    id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
    id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None, json: JsonOpt = False, quiet: QuietOpt = False,
) -> None:
    """Write an HTML report (families, pairs side by side, why) of find's pairs over their corpus."""
    from ..readers import ReadStats, read_documents
    from ..report import read_pairs, write_report

    check_html(output)
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    # click options take one value: `--corpus a b c` leaves b and c among the arguments after PAIRS
    pairs, corpus = paths[0], [*corpus, *paths[1:]]
    con = console()
    if str(pairs) != "-" and not pairs.exists():
        con.print(f"[red]error[/]: {pairs}: no such file")
        raise typer.Exit(1)
    msgs = Messages(con, quiet)
    stats = ReadStats()
    spans: object = "cues"
    if no_boilerplate:
        spans = None
    elif boilerplate is not None:
        spans = _read_spans(boilerplate, msgs)
    t0 = time.perf_counter()
    skipped: Counter[str] = Counter()
    docs = read_documents(corpus, id_field=fields.id, text_field=fields.text, date_field=fields.date, stats=stats,
                          on_message=msgs, keep_records=False, id_prefix=fields.id_prefix, encoding=fields.encoding)
    r = write_report(read_pairs(str(pairs), msgs, skipped), docs, output, boilerplate=spans,  # type: ignore[arg-type]
                     title=title, split=split, on_message=msgs)
    for k, v in skipped.items():
        r.skipped[k] = r.skipped.get(k, 0) + v
    r.seconds = time.perf_counter() - t0
    if r.documents_read == 0:
        con.print("[red]error[/]: no document could be read from the given corpus")
        raise typer.Exit(1)
    if r.pairs == 0 and sum(r.skipped.values()):
        con.print("[red]error[/]: no pair could be shown: every record was skipped (see the messages)")
        print_summary(con, _summary(r, stats, {}), json)
        raise typer.Exit(1)
    print_summary(con, _summary(r, stats, {}), json)


def _read_spans(path: Path, msgs: Messages) -> dict[str, list[tuple[int, int]]]:
    """``retold boilerplate`` records (``{"id", "spans"}``) as id -> spans; bad lines are reported."""
    import orjson

    out: dict[str, list[tuple[int, int]]] = {}
    try:
        fh = open(path, "rb")
    except OSError as e:
        msgs(f"{path}: {e.strerror or e}; no furniture shown")
        return out
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
                out[str(rec["id"])] = [(int(s), int(e)) for s, e in rec["spans"]]
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                msgs(f"{path}:{n}: not a boilerplate record {{\"id\", \"spans\"}} (bad_json)")
    return out


def report_find_result(res: FindResult, corpus: list[Path], output: Path, console: Console,
                       quiet: bool = False) -> ReportResult:
    """The report of a finished ``find`` run: its pairs, its furniture, its options (``find --report``)."""
    from ..readers import read_documents
    from ..report import write_report

    ids = res.corpus.ids
    spans = {ids[i]: s for i, s in res.corpus.boilerplate.items()}
    f: Fields = res.corpus.fields
    # the inputs as find read them (standard input was spooled, texts are in memory)
    docs = read_documents(res.corpus.sources or corpus, id_field=f.id, text_field=f.text, date_field=f.date,
                          keep_records=False, id_prefix=f.id_prefix, encoding=f.encoding)
    r = write_report(res.records(), docs, output, boilerplate=spans, options=res.corpus.options,
                     on_message=Messages(console, quiet))
    where = f"{r.path} (data in {r.folder})" if r.folder else r.path
    console.print(f"report: {where}, {r.pairs} pairs, {r.families} families, {r.bytes / 1e6:.1f} MB, "
                  f"{r.seconds:.1f} s", highlight=False, soft_wrap=True)
    return r


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``retold`` command line.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [c.name for c in app.registered_commands]
    ['report']
    """
    app.command("report")(report_cmd)

