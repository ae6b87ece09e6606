"""``retold find``, ``clusters``, ``dedup``, ``boilerplate`` and ``align``: parse, call the API,
print. Results go to ``-o FILE`` (format by extension) or stdout; progress, warnings and the
summary go to stderr."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ..model import FAMILY_KINDS, Fields
from .common import (
    Bar,
    BoilerplateOpt,
    CorpusArg,
    DateOpt,
    EmbedderOpt,
    IdOpt,
    JsonOpt,
    KeepOpt,
    KindsOpt,
    Messages,
    OutputOpt,
    ParaThresholdOpt,
    QuietOpt,
    TextOpt,
    check_output,
    embedder_option,
    error,
    kinds_option,
    print_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.local import FindResult


def _summary(res: FindResult, command: str, elapsed: float, extra: dict[str, object]) -> dict[str, object]:
    from ..engine.local import peak_memory_mb, spilled_bytes
    from ..version import __version__

    st = res.stats
    return {
        "command": command,
        "documents_read": st.documents,
        "files_read": st.files,
        "skipped": dict(sorted(st.skipped.items())),
        "warnings": dict(sorted(st.warnings.items())),
        "candidates_verified": res.candidates,
        "pairs": res.kind_counts(),
        "boilerplate_documents": len(res.corpus.boilerplate),
        **({"paraphrase_tier": res.tier} if res.tier else {}),
        **extra,
        "seconds": round(elapsed, 3),
        "stage_seconds": {k: round(v, 3) for k, v in res.timings.items()},
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "spilled_to_disk_mb": round(spilled_bytes(res.corpus) / 2**20, 1),
        "retold_version": __version__,
    }


def _nothing_read(res: FindResult, console: Console) -> bool:
    if res.stats.documents == 0:
        error(console, "no document could be read from the given inputs")
        return True
    return False


def _check_keep(keep: str) -> None:
    from ..cluster import KEEP_RULES

    if keep not in KEEP_RULES:
        raise typer.BadParameter(f"choose one of {', '.join(KEEP_RULES)}", param_hint="--keep")


def find_cmd(corpus: CorpusArg, output: OutputOpt = "-", kinds: KindsOpt = None, id_field: IdOpt = "id",
             text_field: TextOpt = "text", date_field: DateOpt = "date", boilerplate: BoilerplateOpt = None,
             embedder: EmbedderOpt = None, paraphrase_threshold: ParaThresholdOpt = None, json: JsonOpt = False,
             quiet: QuietOpt = False,
             report: Annotated[Path | None, typer.Option(
                 "--report", help="Also write the HTML report of the pairs (see `retold report`).",
                 show_default=False)] = None) -> None:
    """Every related pair of documents, verified, with exact scores and passages."""
    from ..engine.local import find
    from ..model import Options
    from ..records import write_records

    ks = kinds_option(kinds)
    emb = embedder_option(embedder)
    check_output(output)
    if report is not None:
        from .report import check_html

        check_html(report)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    res = find(corpus, ks, Options(paraphrase_threshold=paraphrase_threshold),
               fields=Fields(id_field, text_field, date_field), boilerplate=boilerplate, embedder=emb,
               progress=Bar(console), on_message=Messages(console, quiet))
    if _nothing_read(res, console):
        raise typer.Exit(1)
    n = write_records(output, res.records())
    extra: dict[str, object] = {"records_written": n, "output": output}
    if report is not None:
        from .report import report_find_result

        extra["report"] = report_find_result(res, corpus, report, console, quiet).path
    print_summary(console, _summary(res, "find", time.perf_counter() - t0, extra), json)


def clusters_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
                 id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
                 boilerplate: BoilerplateOpt = None, json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """Reuse families: every document in exactly one cluster, with its representative."""
    from ..engine.local import clusters
    from ..records import write_records

    ks = kinds_option(kinds, FAMILY_KINDS)
    _check_keep(keep)
    check_output(output)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    res, found = clusters(corpus, keep, ks, fields=Fields(id_field, text_field, date_field), boilerplate=boilerplate,
                          progress=Bar(console), on_message=Messages(console, quiet))
    if _nothing_read(res, console):
        raise typer.Exit(1)
    n = write_records(output, found)
    multi = sum(1 for c in found if len(c.members) > 1)
    print_summary(console, _summary(res, "clusters", time.perf_counter() - t0,
                                    {"clusters": len(found), "multi_document_clusters": multi, "records_written": n,
                                     "output": output}), json)


def dedup_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
              boilerplate: BoilerplateOpt = None,
              strip_boilerplate: Annotated[bool, typer.Option(
                  "--strip-boilerplate", help="Remove recognised site furniture from the kept texts.")] = False,
              json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """The corpus with one document kept per family, records unchanged, in input order."""
    from ..engine.local import dedup

    ks = kinds_option(kinds, FAMILY_KINDS)
    _check_keep(keep)
    check_output(output)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    res, n = dedup(corpus, output, keep, ks, fields=Fields(id_field, text_field, date_field), boilerplate=boilerplate,
                   progress=Bar(console), on_message=Messages(console, quiet), strip_boilerplate=strip_boilerplate)
    if _nothing_read(res, console):
        raise typer.Exit(1)
    families = len(set(res.cluster_labels(ks).tolist()))
    print_summary(console, _summary(res, "dedup", time.perf_counter() - t0,
                                    {"clusters": families, "records_written": n,
                                     "documents_removed": res.stats.documents - n, "output": output}), json)


def boilerplate_cmd(corpus: CorpusArg, output: OutputOpt = "-", id_field: IdOpt = "id",
                    text_field: TextOpt = "text", date_field: DateOpt = "date", json: JsonOpt = False,
                    quiet: QuietOpt = False) -> None:
    """List the site furniture recognised in each document: [start, end) spans and their lines."""
    from ..engine.local import furniture, peak_memory_mb
    from ..records import write_records

    check_output(output)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    stats, found = furniture(corpus, fields=Fields(id_field, text_field, date_field), progress=Bar(console),
                             on_message=Messages(console, quiet))
    n = write_records(output, found)
    if stats.documents == 0:
        error(console, "no document could be read from the given inputs")
        raise typer.Exit(1)
    summary = {"command": "boilerplate", "documents_read": stats.documents, "skipped": dict(stats.skipped),
               "warnings": dict(stats.warnings), "boilerplate_documents": n, "records_written": n, "output": output,
               "seconds": round(time.perf_counter() - t0, 3), "peak_memory_mb": round(peak_memory_mb(), 1)}
    print_summary(console, summary, json)


PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta",
           "bright_green", "bright_yellow", "bright_blue", "bright_red")


def _load_pair(a: str, b: str, corpus: list[Path] | None, fields: Fields,
               console: Console) -> tuple[str, str, str | None, str, str, str | None]:
    """The two texts to compare: two files, or two ids looked up in --corpus (with their dates)."""
    if corpus:
        from ..readers import read_documents

        wanted: dict[str, tuple[str, str | None] | None] = {a: None, b: None}
        for doc in read_documents(corpus, id_field=fields.id, text_field=fields.text, date_field=fields.date,
                                  keep_records=False):
            if doc.id in wanted and wanted[doc.id] is None:
                wanted[doc.id] = (doc.text, doc.date)
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            error(console, f"id(s) not found in the corpus: {', '.join(missing)}")
            raise typer.Exit(1)
        (ta, da), (tb, db) = wanted[a], wanted[b]  # type: ignore[misc]
        return a, ta, da, b, tb, db
    texts = []
    for name in (a, b):
        try:
            raw = Path(name).read_bytes()
        except OSError as e:
            error(console, f"{name}: {e.strerror or e}")
            raise typer.Exit(1) from None
        texts.append(raw.decode("utf-8", errors="replace").removeprefix("\ufeff"))
    return a, texts[0], None, b, texts[1], None


def _highlight(text: str, spans: list[tuple[int, int, str]]) -> Any:
    from rich.text import Text

    t = Text(text)
    for s, e, colour in spans:
        t.stylize(f"bold {colour}", s, e)
    return t


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
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
              json: Annotated[bool, typer.Option("--json", help="Print the pair record (as find writes it, with "
                                                 "the furniture spans) on stdout instead of the view.")] = False
              ) -> None:
    """Show which passages of B come from A (verbatim, near-verbatim, paraphrased), side by side.

    The verdict is the one `find` gives for the pair (the same library call decides both).
    """
    from ..comparison import comparison
    from ..model import Options

    ks = kinds_option(kinds)
    emb = embedder_option(embedder)
    console = Console(stderr=True)
    out = Console()
    ida, ta, da, idb, tb, db = _load_pair(a, b, corpus, Fields(id_field, text_field, date_field), console)
    cmp = comparison(ta, tb, Options(paraphrase_threshold=paraphrase_threshold), kinds=ks,
                     boilerplate=None if boilerplate else False, embedder=emb, id_a=ida, id_b=idb, date_a=da,
                     date_b=db)
    pair = cmp.pair
    passages = pair.passages or []
    if json:
        import orjson

        record = {**pair.to_dict(), "boilerplate_a": [list(x) for x in cmp.furniture_a],
                  "boilerplate_b": [list(x) for x in cmp.furniture_b]}
        sys.stdout.write(orjson.dumps(record).decode() + "\n")
        return
    from rich.table import Table

    verdict = pair.kind or "not related (find would not report this pair)"
    out.print(f"[bold]{verdict}[/]  score {pair.score:.3f}  ({len(passages)} passages)", highlight=False)
    spans_a = [(s, e, "dim strike") for s, e in cmp.furniture_a]
    spans_b = [(s, e, "dim strike") for s, e in cmp.furniture_b]
    spans_a += [(p.a_start, p.a_end, PALETTE[i % len(PALETTE)]) for i, p in enumerate(passages)]
    spans_b += [(p.b_start, p.b_end, PALETTE[i % len(PALETTE)]) for i, p in enumerate(passages)]
    grid = Table(show_header=True, expand=True, show_lines=False)
    grid.add_column(f"A: {ida}", ratio=1)
    grid.add_column(f"B: {idb}", ratio=1)
    grid.add_row(_highlight(ta, spans_a), _highlight(tb, spans_b))
    out.print(grid)
    lst = Table(title=f"{len(passages)} matching passages; boilerplate (struck through): {len(cmp.furniture_a)} "
                f"lines in A, {len(cmp.furniture_b)} in B", title_justify="left")
    for col in ("#", "kind", "score", "A [start, end)", "B [start, end)", "text (A)"):
        lst.add_column(col)
    for i, p in enumerate(passages):
        colour = PALETTE[i % len(PALETTE)]
        snippet = ta[p.a_start:p.a_end]
        lst.add_row(f"[{colour}]{i + 1}[/]", p.kind, f"{p.score:.2f}", f"[{p.a_start}, {p.a_end})",
                    f"[{p.b_start}, {p.b_end})", snippet if len(snippet) <= 60 else snippet[:57] + "...")
    out.print(lst)


def version_cmd() -> None:
    """Print the version."""
    from ..version import __version__

    typer.echo(__version__)


def register(app: typer.Typer) -> None:
    """Add ``find``, ``clusters``, ``dedup``, ``align``, ``boilerplate`` and ``version``.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [c.name for c in app.registered_commands]
    ['find', 'clusters', 'dedup', 'align', 'boilerplate', 'version']
    """
    app.command("find")(find_cmd)
    app.command("clusters")(clusters_cmd)
    app.command("dedup")(dedup_cmd)
    app.command("align")(align_cmd)
    app.command("boilerplate")(boilerplate_cmd)
    app.command("version")(version_cmd)
