"""The ``retold`` command line: a thin shell over :mod:`retold.pipeline`.

Results go to ``-o FILE`` (format by extension) or stdout; progress, warnings and the
summary go to stderr. Exit status: 0 on success (even when some records were skipped: they are
counted), 1 when no document could be read, 2 for a wrong option.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar
from rich.table import Table

from . import __version__
from .cluster import KEEP_RULES
from .pipeline import AVAILABLE_KINDS, FAMILY_KINDS, FindResult, Options, Progress, dedup, find, peak_memory_mb
from .records import output_format, write_records

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find where text was told again: exact copies, near-duplicates and lifted passages, verified.")

MAX_PRINTED_MESSAGES = 200


class _Bar(Progress):
    """Draws pipeline progress with rich on stderr (only on a terminal, so logs stay clean)."""

    def __init__(self, console: Console):
        self.bar: RichBar | None = None
        self.console = console
        self.task = None

    def start(self, stage: str, total: float | None = None) -> None:
        self.stop()
        if not self.console.is_terminal:
            return
        self.bar = RichBar(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                           MofNCompleteColumn(), TimeElapsedColumn(), console=self.console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task(stage, total=total)

    def advance(self, amount: float = 1) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, amount)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class _Messages:
    """Prints reader messages to stderr as they come, up to a limit; the summary has the counts."""

    def __init__(self, console: Console, quiet: bool):
        self.console = console
        self.quiet = quiet
        self.n = 0

    def __call__(self, msg: str) -> None:
        self.n += 1
        if self.quiet:
            return
        if self.n <= MAX_PRINTED_MESSAGES:
            self.console.print(f"[yellow]warning[/]: {msg}", markup=True, highlight=False, soft_wrap=True)
        elif self.n == MAX_PRINTED_MESSAGES + 1:
            self.console.print(f"[yellow]warning[/]: more than {MAX_PRINTED_MESSAGES} messages; "
                               "the rest are only counted in the summary")


def _parse_kinds(kinds: str | None, default: tuple[str, ...] = AVAILABLE_KINDS) -> tuple[str, ...]:
    if kinds is None:
        return default
    ks = tuple(k.strip() for k in kinds.split(",") if k.strip())
    bad = [k for k in ks if k not in AVAILABLE_KINDS]
    if bad or not ks:
        raise typer.BadParameter(f"unknown kinds {bad}; available: {','.join(AVAILABLE_KINDS)}",
                                 param_hint="--kinds")
    return ks


def _check_output(output: str) -> None:
    try:
        output_format(output)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="-o") from None


def _options(id_field: str, text_field: str, date_field: str, boilerplate: bool | None = None,
             embedder: str | None = None, paraphrase_threshold: float | None = None) -> Options:
    opt = Options(id_field=id_field, text_field=text_field, date_field=date_field, boilerplate=boilerplate,
                  paraphrase_threshold=paraphrase_threshold)
    if embedder is not None:
        opt.paraphrase_embedder = embedder
    return opt


def _summary(res: FindResult, command: str, elapsed: float, extra: dict[str, object]) -> dict[str, object]:
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
        **extra,
        "seconds": round(elapsed, 3),
        "stage_seconds": {k: round(v, 3) for k, v in res.timings.items()},
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "retold_version": __version__,
    }


def _print_summary(console: Console, summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        sys.stderr.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    t = Table(title=f"retold {summary['command']}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()

    def fmt(d: object) -> str:
        if isinstance(d, dict):
            return ", ".join(f"{k}: {v}" for k, v in d.items()) or "none"
        return str(d)

    for key in ("documents_read", "files_read", "skipped", "warnings", "candidates_verified", "pairs",
                "boilerplate_documents",
                "clusters", "multi_document_clusters", "records_written", "output", "seconds",
                "peak_memory_mb"):
        if key in summary:
            t.add_row(key.replace("_", " "), fmt(summary[key]))
    console.print(t)


def _run_find(corpus: list[Path], kinds: tuple[str, ...], opt: Options, console: Console,
              quiet: bool) -> FindResult:
    msgs = _Messages(console, quiet)
    return find(corpus, kinds, opt, progress=_Bar(console), on_message=msgs)


def _nothing_read(res: FindResult, console: Console) -> bool:
    if res.stats.documents == 0:
        console.print("[red]error[/]: no document could be read from the given inputs")
        return True
    return False


CorpusArg = Annotated[list[Path], typer.Argument(
    help="Directories of text files, .jsonl(.gz), .csv, .parquet.", show_default=False)]
OutputOpt = Annotated[str, typer.Option(
    "-o", "--output", help="Output file (.jsonl, .jsonl.gz, .parquet) or - for stdout.")]
IdOpt = Annotated[str, typer.Option("--id-field", help="Record field holding the document id.")]
TextOpt = Annotated[str, typer.Option("--text-field", help="Record field holding the text.")]
DateOpt = Annotated[str, typer.Option(
    "--date-field", help="Record field holding the date (for --keep earliest).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON (on stderr).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print per-record warnings.")]
KindsOpt = Annotated[str | None, typer.Option("--kinds", help=f"Comma-separated kinds ({','.join(AVAILABLE_KINDS)}). "
                                              "find reports all by default; clusters and dedup join "
                                              f"families over {','.join(FAMILY_KINDS)} by default.")]
BoilerplateOpt = Annotated[bool | None, typer.Option(
    "--boilerplate/--no-boilerplate", help="Recognise site furniture (lines repeated across a site, comment "
    "forms, share lines, teasers) and keep it out of the evidence. Default: on when partial reuse is "
    "reported, off for the exact/near-duplicate pass.", show_default=False)]
EmbedderOpt = Annotated[str | None, typer.Option(
    "--embedder", help="Sentence similarity for paraphrases: auto (MiniLM when the semantic extra is installed), "
    "minilm, or lexical (no model; less sensitive). Default: auto, or $RETOLD_EMBEDDER.", show_default=False)]
ParaThresholdOpt = Annotated[float | None, typer.Option(
    "--paraphrase-threshold", min=0.05, max=0.95, help="Sentence-pair probability from which rewritten sentences "
    "align (default: fitted on MSRP train, 0.48 with MiniLM). Lower catches more rewrites and more independent "
    "articles on the same event.", show_default=False)]
KeepOpt = Annotated[str, typer.Option("--keep", help="Representative of a family: first (input order), "
                                      "longest (most words) or earliest (date field).")]


def _check_keep(keep: str) -> None:
    if keep not in KEEP_RULES:
        raise typer.BadParameter(f"choose one of {', '.join(KEEP_RULES)}", param_hint="--keep")


@app.command("find")
def find_cmd(corpus: CorpusArg, output: OutputOpt = "-", kinds: KindsOpt = None, id_field: IdOpt = "id",
             text_field: TextOpt = "text", date_field: DateOpt = "date", boilerplate: BoilerplateOpt = None,
             embedder: EmbedderOpt = None, paraphrase_threshold: ParaThresholdOpt = None, json: JsonOpt = False,
             quiet: QuietOpt = False,
             report: Annotated[Path | None, typer.Option(
                 "--report", help="Also write the HTML report of the pairs (see `retold report`).",
                 show_default=False)] = None) -> None:
    """Every related pair of documents, verified, with exact scores and passages."""
    ks = _parse_kinds(kinds)
    _check_output(output)
    if report is not None:
        from .cli_report import _check_html

        _check_html(report)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    res = _run_find(corpus, ks, _options(id_field, text_field, date_field, boilerplate, embedder, paraphrase_threshold),
                    console, quiet)
    if _nothing_read(res, console):
        raise typer.Exit(1)
    n = write_records(output, res.records())
    extra: dict[str, object] = {"records_written": n, "output": output}
    if report is not None:
        from .cli_report import report_find_result

        extra["report"] = report_find_result(res, corpus, res.corpus.options, report, console, quiet).path
    _print_summary(console, _summary(res, "find", time.perf_counter() - t0, extra), json)


@app.command("clusters")
def clusters_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
                 id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
                 json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """Reuse families: every document in exactly one cluster, with its representative."""
    ks = _parse_kinds(kinds, FAMILY_KINDS)
    _check_keep(keep)
    _check_output(output)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    res = _run_find(corpus, ks, _options(id_field, text_field, date_field), console, quiet)
    if _nothing_read(res, console):
        raise typer.Exit(1)
    clusters = res.clusters(keep, ks)
    n = write_records(output, clusters)
    multi = sum(1 for c in clusters if len(c.members) > 1)
    _print_summary(console, _summary(res, "clusters", time.perf_counter() - t0,
                                     {"clusters": len(clusters), "multi_document_clusters": multi,
                                      "records_written": n, "output": output}), json)


@app.command("dedup")
def dedup_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
              strip_boilerplate: Annotated[bool, typer.Option(
                  "--strip-boilerplate", help="Remove recognised site furniture from the kept texts.")] = False,
              json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """The corpus with one document kept per family, records unchanged, in input order."""
    ks = _parse_kinds(kinds, FAMILY_KINDS)
    _check_keep(keep)
    _check_output(output)
    console = Console(stderr=True)
    t0 = time.perf_counter()
    opt = _options(id_field, text_field, date_field, True if strip_boilerplate else None)
    res = _run_find(corpus, ks, opt, console, quiet)
    if _nothing_read(res, console):
        raise typer.Exit(1)
    _, n = dedup(corpus, output, keep, ks, opt, result=res, strip_boilerplate=strip_boilerplate)
    clusters = len(set(res.cluster_labels(ks).tolist()))
    _print_summary(console, _summary(res, "dedup", time.perf_counter() - t0,
                                     {"clusters": clusters, "records_written": n,
                                      "documents_removed": res.stats.documents - n, "output": output}), json)


PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta",
           "bright_green", "bright_yellow", "bright_blue", "bright_red")


def _load_pair(a: str, b: str, corpus: list[Path] | None, opt: Options,
               console: Console) -> tuple[str, str, str, str]:
    """The two texts to align: two files, or two ids looked up in --corpus."""
    if corpus:
        from .documents import read_documents

        wanted = {a: None, b: None}
        for doc in read_documents(corpus, id_field=opt.id_field, text_field=opt.text_field,
                                  date_field=opt.date_field, keep_records=False):
            if doc.id in wanted and wanted[doc.id] is None:
                wanted[doc.id] = doc.text
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            console.print(f"[red]error[/]: id(s) not found in the corpus: {', '.join(missing)}")
            raise typer.Exit(1)
        return a, str(wanted[a]), b, str(wanted[b])
    texts = []
    for name in (a, b):
        try:
            raw = Path(name).read_bytes()
        except OSError as e:
            console.print(f"[red]error[/]: {name}: {e.strerror or e}")
            raise typer.Exit(1) from None
        texts.append(raw.decode("utf-8", errors="replace").removeprefix("\ufeff"))
    return a, texts[0], b, texts[1]


def _highlight(text: str, spans: list[tuple[int, int, str]]):
    from rich.text import Text

    t = Text(text)
    for s, e, colour in spans:
        t.stylize(f"bold {colour}", s, e)
    return t


@app.command("align")
def align_cmd(a: Annotated[str, typer.Argument(help="First document: a file, or an id with --corpus.")],
              b: Annotated[str, typer.Argument(help="Second document: a file, or an id with --corpus.")],
              corpus: Annotated[list[Path] | None, typer.Option(
                  "--corpus", help="Look A and B up as ids in this corpus (repeatable).")] = None,
              min_words: Annotated[int, typer.Option(help="Shortest passage reported, in words.")] = 8,
              min_score: Annotated[float, typer.Option(help="Lowest passage score reported.")] = 0.5,
              boilerplate: Annotated[bool, typer.Option(
                  "--boilerplate/--no-boilerplate",
                  help="Recognise single-page furniture (comment forms, share lines, teasers), show it "
                  "as boilerplate and keep it out of the passages.")] = True,
              paraphrase: Annotated[bool, typer.Option(
                  "--paraphrase/--no-paraphrase", help="Also pair rewritten sentences with their originals.")] = True,
              embedder: EmbedderOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: DateOpt = "date",
              json: JsonOpt = False) -> None:
    """Show which passages of B come from A (verbatim, near-verbatim, paraphrased), side by side."""
    from .align import AlignOptions, align

    console = Console(stderr=True)
    out = Console()
    opt = _options(id_field, text_field, date_field)
    ida, ta, idb, tb = _load_pair(a, b, corpus, opt, console)
    from .boilerplate import boilerplate_spans
    from .pipeline import mask

    bp_a = boilerplate_spans(ta, None, None) if boilerplate else []
    bp_b = boilerplate_spans(tb, None, None) if boilerplate else []
    ma, mb = mask(ta, bp_a), mask(tb, bp_b)
    passages = align(ma, mb, AlignOptions(min_words=min_words, min_score=min_score))
    covered_a = sum(p.a_end - p.a_start for p in passages)
    covered_b = sum(p.b_end - p.b_start for p in passages)
    score = (covered_a + covered_b) / max(1, len(ta.strip()) + len(tb.strip()))
    kind = "partial" if passages else None
    if paraphrase:
        import os

        from .paraphrase import compare, resolve_embedder

        r = compare(ma, mb, resolve_embedder(embedder or os.environ.get("RETOLD_EMBEDDER", "auto")))
        if r.paraphrase:
            kind, score = "paraphrase", max(score, r.score.score)
        passages = sorted(passages + [u.to_passage() for u in r.pairs], key=lambda p: (p.a_start, p.b_start))
    record = {"a": ida, "b": idb, "kind": kind, "score": round(min(score, 1.0), 6),
              "passages": [p.to_dict() for p in passages], "boilerplate_a": [list(x) for x in bp_a],
              "boilerplate_b": [list(x) for x in bp_b]}
    if json:
        sys.stdout.write(orjson.dumps(record).decode() + "\n")
        return
    spans_a = [(s, e, "dim strike") for s, e in bp_a]
    spans_b = [(s, e, "dim strike") for s, e in bp_b]
    spans_a += [(p.a_start, p.a_end, PALETTE[i % len(PALETTE)]) for i, p in enumerate(passages)]
    spans_b += [(p.b_start, p.b_end, PALETTE[i % len(PALETTE)]) for i, p in enumerate(passages)]
    grid = Table(show_header=True, expand=True, show_lines=False)
    grid.add_column(f"A: {ida}", ratio=1)
    grid.add_column(f"B: {idb}", ratio=1)
    grid.add_row(_highlight(ta, spans_a), _highlight(tb, spans_b))
    out.print(grid)
    lst = Table(title=f"{len(passages)} matching passages; boilerplate (struck through): {len(bp_a)} lines in A, "
                f"{len(bp_b)} in B", title_justify="left")
    for col in ("#", "kind", "score", "A [start, end)", "B [start, end)", "text (A)"):
        lst.add_column(col)
    for i, p in enumerate(passages):
        colour = PALETTE[i % len(PALETTE)]
        snippet = ta[p.a_start:p.a_end]
        lst.add_row(f"[{colour}]{i + 1}[/]", p.kind, f"{p.score:.2f}", f"[{p.a_start}, {p.a_end})",
                    f"[{p.b_start}, {p.b_end})", snippet if len(snippet) <= 60 else snippet[:57] + "...")
    out.print(lst)


@app.command("boilerplate")
def boilerplate_cmd(corpus: CorpusArg, output: OutputOpt = "-", id_field: IdOpt = "id",
                    text_field: TextOpt = "text", date_field: DateOpt = "date", json: JsonOpt = False,
                    quiet: QuietOpt = False) -> None:
    """List the site furniture recognised in each document: [start, end) spans and their lines."""
    from .documents import iter_records_by_index
    from .pipeline import scan

    console = Console(stderr=True)
    t0 = time.perf_counter()
    opt = _options(id_field, text_field, date_field, True)
    corpus_ = scan(corpus, opt, _Bar(console), _Messages(console, quiet), passages=False)
    if corpus_.stats.documents == 0:
        console.print("[red]error[/]: no document could be read from the given inputs")
        raise typer.Exit(1)
    bp = corpus_.boilerplate

    def records():
        for i, doc in iter_records_by_index(corpus, lambda i: i in bp, id_field=id_field, text_field=text_field,
                                            date_field=date_field, keep_records=False):
            yield {"id": corpus_.ids[i], "spans": [list(s) for s in bp[i]],
                   "lines": [doc.text[s:e] for s, e in bp[i]]}

    n = write_records(output, records())
    summary = {"command": "boilerplate", "documents_read": corpus_.stats.documents,
               "skipped": dict(corpus_.stats.skipped), "warnings": dict(corpus_.stats.warnings),
               "boilerplate_documents": len(bp), "boilerplate_spans": sum(len(v) for v in bp.values()),
               "records_written": n, "output": output, "seconds": round(time.perf_counter() - t0, 3),
               "peak_memory_mb": round(peak_memory_mb(), 1)}
    _print_summary(console, summary, json)


@app.command("version")
def version_cmd() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Console entry point: the full command set.

    The index / query / check / serve commands live in :mod:`retold.cli_index`, which imports
    helpers from this module; registering them here (not at import) avoids a circular import.
    """
    from .cli_index import register
    from .cli_report import register as register_report

    if not any(c.name == "serve" for c in app.registered_commands):
        register(app)
        register_report(app)
    app(prog_name="retold")
