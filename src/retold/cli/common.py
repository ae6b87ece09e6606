"""What every command shares: option types, choices checked against the model's vocabularies,
progress on stderr, reader messages, the one-screen summary, the first-run warm-up, output
that stops quietly when its reader goes away.

Only light modules are imported here (typer and :mod:`retold.vocabulary`): ``retold --help``
loads no NumPy, rich or engine; the rest loads inside the commands that need it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..vocabulary import EMBEDDERS, FAMILY_KINDS, ID_PREFIXES, KINDS, Fields, parse_embedder, parse_kinds

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..model import Options

MAX_PRINTED_MESSAGES = 200


def console() -> Console:
    """The stderr console of a command (progress, warnings, the summary)."""
    from rich.console import Console

    return Console(stderr=True)


class Bar:
    """Draws engine progress with rich on stderr (only on a terminal, so logs stay clean)."""

    def __init__(self, console: Console):
        self.bar: Any = None
        self.console = console
        self.task: Any = None

    def start(self, stage: str, total: float | None = None) -> None:
        self.stop()
        if not self.console.is_terminal:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichBar

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


class Messages:
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


def kinds_option(kinds: str | None, default: tuple[str, ...] = KINDS) -> tuple[str, ...]:
    """``--kinds``: validated against :data:`~retold.model.KINDS` (a wrong one is exit status 2)."""
    try:
        return parse_kinds(kinds, default)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--kinds") from None


def embedder_option(embedder: str | None) -> str | None:
    """``--embedder``: one of :data:`~retold.model.EMBEDDERS` (None: the default)."""
    if embedder is None:
        return None
    try:
        return parse_embedder(embedder)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--embedder") from None


def check_output(output: str, hint: str = "-o") -> None:
    from ..records import output_format

    try:
        output_format(output)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint=hint) from None


def fields_option(id_field: str, text_field: str, date_field: str, id_prefix: str = "none",
                  encoding: str | None = None) -> Fields:
    """The read options as :class:`~retold.model.Fields` (a wrong prefix or codec is exit 2)."""
    try:
        return Fields(id_field, text_field, date_field, id_prefix, encoding)
    except ValueError as e:
        hint = "--encoding" if "encoding" in str(e) else "--id-prefix"
        raise typer.BadParameter(str(e), param_hint=hint) from None


def options_option(paraphrase_threshold: float | None = None, shingle_size: int | None = None,
                   near_coverage: float | None = None, partial_min_words: int | None = None,
                   option: list[str] | None = None) -> Options:
    """The decision thresholds: the named options, then every ``--option NAME=VALUE``.

    >>> options_option(shingle_size=4, option=["passage_min_words=10"]).passage_min_words
    10
    """
    import dataclasses

    from ..model import Options

    values: dict[str, Any] = {}
    for name, value in (("paraphrase_threshold", paraphrase_threshold), ("shingle_size", shingle_size),
                        ("near_min_coverage", near_coverage), ("partial_min_words", partial_min_words)):
        if value is not None:
            values[name] = value
    known = {f.name: f for f in dataclasses.fields(Options) if f.name != "boilerplate"}
    for item in option or []:
        name, eq, raw = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or name not in known:
            raise typer.BadParameter(f"{item!r}: use NAME=VALUE with NAME one of {', '.join(known)}",
                                     param_hint="--option")
        default = getattr(Options(), name)
        try:
            values[name] = int(raw) if isinstance(default, int) else float(raw)
        except ValueError:
            raise typer.BadParameter(f"{item!r}: {name} takes a number (default {default})",
                                     param_hint="--option") from None
    return Options(**values)


def prepare_kernels(console: Console, corpus: Sequence[str] | None = None, engine: str = "local",
                    input_bytes: int | None = None) -> str:
    """Before the first command that computes, say once what happens to the kernels: on a small
    local input (``corpus`` paths, or ``input_bytes`` of text) they compile in the background
    while this run goes on without them; otherwise they compile now. See
    :func:`retold.warmup.prepare`."""
    from ..warmup import input_size, prepare

    if engine != "local":
        input_bytes = None  # Spark workers compile their own kernels
    elif corpus is not None:
        input_bytes = input_size(list(corpus))
    return prepare(lambda m: console.print(m, highlight=False, markup=False, soft_wrap=True), input_bytes)


def write_output(output: str, records: Iterable[Any]) -> int:
    """Write records to ``-o``; when stdout's reader goes away (``| head``), stop quietly with
    exit status 0: it had what it wanted."""
    from ..records import write_records

    try:
        return write_records(output, records)
    except BrokenPipeError:
        quiet_stdout()
        raise typer.Exit(0) from None


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not complain."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


def engine_options(engine: str, master: str | None, spark_conf: list[str] | None,
                   partitions: int | None) -> dict[str, Any]:
    """``--engine`` and its settings as keyword arguments of :func:`retold.engine.find` (and
    ``clusters``, ``dedup``): nothing more for ``local``; for ``spark``, the session
    (``--master``, ``--spark-conf KEY=VALUE``) and ``--partitions``."""
    if engine not in ("local", "spark"):
        raise typer.BadParameter(f"unknown engine {engine!r}; choose from local, spark", param_hint="--engine")
    if engine == "local":
        if master is not None or spark_conf or partitions is not None:
            raise typer.BadParameter("--master, --spark-conf and --partitions go with --engine spark",
                                     param_hint="--engine")
        return {}
    conf = {}
    for item in spark_conf or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--spark-conf")
        conf[key.strip()] = value
    from ..engine.spark import default_session

    return {"engine": "spark", "spark": default_session(master, conf), "partitions": partitions}


SPARK_OUTPUTS = ("jsonl", "jsonl.gz", "parquet")


def inputs(corpus: list[str], run_on: dict[str, Any] | None = None) -> list[Any]:
    """The corpus arguments as the engine takes them: paths for the local engine (a path that
    does not exist is then a missing file, counted, not a text), the strings themselves for
    Spark (URIs).

    >>> inputs(["a.jsonl", "-"]), inputs(["hdfs://x/y"], {"engine": "spark"})
    ([PosixPath('a.jsonl'), PosixPath('-')], ['hdfs://x/y'])
    """
    from pathlib import Path

    if run_on:
        return list(corpus)
    return [Path(c) for c in corpus]


def spark_only_basics(engine: str, corpus: list[str], output: str, id_prefix: str,
                      local_only: dict[str, bool]) -> None:
    """Refuse, before any work, what ``--engine spark`` does not do: reading stdin, ``--id-prefix
    file``, outputs other than JSONL and Parquet datasets (or stdout), and the options named in
    ``local_only`` that were given (exit 2, naming the option)."""
    if engine != "spark":
        return
    given = [name for name, used in local_only.items() if used]
    if id_prefix != "none":
        given.append("--id-prefix")
    if given:
        raise typer.BadParameter(f"{', '.join(given)}: not available with --engine spark", param_hint="--engine")
    if "-" in corpus:
        raise typer.BadParameter("Spark reads files and URIs, not standard input", param_hint="CORPUS")
    from ..records import output_format

    if output != "-" and output_format(output) not in SPARK_OUTPUTS:
        raise typer.BadParameter(f"{output}: with --engine spark, -o is a .jsonl, .jsonl.gz or .parquet dataset "
                                 "directory, or - (stdout)", param_hint="-o")


def error(console: Console, message: str) -> None:
    console.print(f"[red]error[/]: {message}", highlight=False, soft_wrap=True)


def nothing_read(console: Console, skipped: dict[str, int], fields: Fields | None = None) -> None:
    """The error when no document could be read, with the likely reason."""
    why = ""
    if fields is not None and skipped.get("missing_text") and len(skipped) == 1:
        why = f": no record has a {fields.text!r} field (the messages above list the fields there are; " \
              "--text-field names the text field)"
    error(console, f"no document could be read from the given inputs{why}")


def print_summary(console: Console, summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        import orjson

        sys.stderr.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    from rich.table import Table

    t = Table(title=f"retold {summary['command']}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()

    def fmt(d: object) -> str:
        if isinstance(d, dict):
            return ", ".join(f"{k}: {v}" for k, v in d.items()) or "none"
        return str(d)

    for key in ("documents_read", "files_read", "skipped", "warnings", "candidates_verified", "pairs",
                "boilerplate_documents", "clusters", "multi_document_clusters", "records_written",
                "documents_removed", "paraphrase_tier", "output", "removed_output", "seconds", "peak_memory_mb",
                "spilled_to_disk_mb"):
        if key in summary:
            t.add_row(key.replace("_", " "), fmt(summary[key]))
    console.print(t)


CorpusArg = Annotated[list[str], typer.Argument(
    metavar="CORPUS", show_default=False,
    help="Files and directories: text files, .jsonl(.gz), .json (an array or JSON Lines), .csv, .parquet, "
    ".html, .warc(.gz); - reads JSON Lines, a JSON array or one text from stdin; with --engine spark also any URI "
    "Spark reads (hdfs://, s3a://...).")]
OutputOpt = Annotated[str, typer.Option(
    "-o", "--output", metavar="FILE",
    help="Output file, format by extension: .jsonl(.gz), .json (an array), .csv, .tsv, .parquet; - (stdout) "
    "and /dev/null are JSON Lines.")]
IdOpt = Annotated[str, typer.Option(
    "--id-field", metavar="FIELD", help="Record field holding the document id (a.b: nested).")]
TextOpt = Annotated[str, typer.Option(
    "--text-field", metavar="FIELD", help="Record field holding the text (a.b: nested).")]
DateOpt = Annotated[str, typer.Option(
    "--date-field", metavar="FIELD", help="Record field holding the date: the earlier document of a pair is its "
    "source.")]
KeepDateOpt = Annotated[str, typer.Option(
    "--date-field", metavar="FIELD", help="Record field holding the date (for --keep earliest, and a pair's "
    "source).")]
IndexDateOpt = Annotated[str, typer.Option(
    "--date-field", metavar="FIELD", help="Record field holding the date, stored with each document (the "
    "earlier document of a pair is its source).")]
IdPrefixOpt = Annotated[str, typer.Option(
    "--id-prefix", metavar="|".join(ID_PREFIXES),
    help="file: every record id becomes FILE:ID, so equal ids in different files are different documents "
    "(none: a repeated id is renamed ID#2).")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", metavar="CODEC", show_default=False,
    help="Codec of text, JSON(L) and CSV files, e.g. cp1252 or latin-1 (default: UTF-8; bytes it cannot decode "
    "become U+FFFD, counted).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON (on stderr).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print per-record warnings.")]
KindsOpt = Annotated[str | None, typer.Option(
    "--kinds", metavar="KINDS",
    help=f"Comma-separated kinds ({','.join(KINDS)}). find reports all by default; clusters and dedup join "
    f"families over {','.join(FAMILY_KINDS)} by default.")]
BoilerplateOpt = Annotated[bool | None, typer.Option(
    "--boilerplate/--no-boilerplate", show_default=False,
    help="Keep site furniture out of the evidence. Default: single-page cues (comment forms, share lines, "
    "teasers) always, and lines repeated across a site for HTML/WARC input; --boilerplate counts repeated lines "
    "for any input (one more read); --no-boilerplate turns both off.")]
EmbedderOpt = Annotated[str | None, typer.Option(
    "--embedder", metavar="NAME", show_default=False,
    help=f"Sentence similarity for paraphrases: {', '.join(EMBEDDERS)}. auto = MiniLM when the semantic extra is "
    "installed; lexical needs no model and is less sensitive. Default: auto, or $RETOLD_EMBEDDER.")]
ParaThresholdOpt = Annotated[float | None, typer.Option(
    "--paraphrase-threshold", min=0.05, max=0.95, metavar="P", show_default=False,
    help="Sentence-pair probability from which rewritten sentences align (default: fitted on MSRP train, 0.45 "
    "with MiniLM). Lower catches more rewrites and more independent articles on the same event.")]
# the defaults in these help texts are those of retold.Options (a test checks that they agree)
ShingleOpt = Annotated[int | None, typer.Option(
    "--shingle-size", min=1, max=16, metavar="K", show_default=False, help="Words per shingle (default 3).")]
NearCoverageOpt = Annotated[float | None, typer.Option(
    "--near-coverage", min=0.0, max=1.0, metavar="F", show_default=False,
    help="Share of the shorter document's words that must lie in matching regions for a near-duplicate "
    "(default 0.8).")]
PartialWordsOpt = Annotated[int | None, typer.Option(
    "--partial-min-words", min=1, metavar="N", show_default=False,
    help="Words a shared passage needs (on each side) to make a pair partial (default 15).")]
OptionOpt = Annotated[list[str] | None, typer.Option(
    "--option", "-O", metavar="NAME=VALUE", show_default=False,
    help="Any other decision threshold of retold.Options, e.g. near_min_coverage_long=0.6 or "
    "passage_min_words=10 (repeatable; README: the thresholds).")]
KeepOpt = Annotated[str, typer.Option(
    "--keep", metavar="first|longest|earliest",
    help="Representative of a family: first (input order), longest (most words) or earliest (date field).")]
EngineOpt = Annotated[str, typer.Option(
    "--engine", metavar="local|spark",
    help="local: this process; spark: a Spark session (pip install 'retold[spark]'), the same records.")]
MasterOpt = Annotated[str | None, typer.Option(
    "--master", metavar="URL", show_default=False,
    help="Spark master: local[*], spark://host:7077, yarn, k8s://... (default: Spark's own).")]
SparkConfOpt = Annotated[list[str] | None, typer.Option(
    "--spark-conf", metavar="KEY=VALUE", show_default=False,
    help="A Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=8g.")]
PartitionsOpt = Annotated[int | None, typer.Option(
    "--partitions", min=1, metavar="N", show_default=False,
    help="Spark: pieces each stage's data is cut into (default: the cluster's cores, or one per 25,000 "
    "documents).")]
