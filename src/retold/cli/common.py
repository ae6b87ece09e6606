"""What every command shares: option types, choices checked against the model's vocabularies,
progress on stderr, reader messages, and the one-screen summary.

Only light modules are imported here (typer, rich and :mod:`retold.model`'s vocabulary); the
engines load inside the commands that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ..model import EMBEDDERS, FAMILY_KINDS, KINDS, parse_embedder, parse_kinds

MAX_PRINTED_MESSAGES = 200


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


def check_output(output: str) -> None:
    from ..records import output_format

    try:
        output_format(output)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="-o") from None


def error(console: Console, message: str) -> None:
    console.print(f"[red]error[/]: {message}", highlight=False, soft_wrap=True)


def print_summary(console: Console, summary: dict[str, object], as_json: bool) -> None:
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
                "boilerplate_documents", "clusters", "multi_document_clusters", "records_written",
                "documents_removed", "paraphrase_tier", "output", "seconds", "peak_memory_mb",
                "spilled_to_disk_mb"):
        if key in summary:
            t.add_row(key.replace("_", " "), fmt(summary[key]))
    console.print(t)


CorpusArg = Annotated[list[Path], typer.Argument(
    help="Directories of text files, .jsonl(.gz), .csv, .parquet, .html, .warc(.gz).", show_default=False)]
OutputOpt = Annotated[str, typer.Option(
    "-o", "--output", help="Output file (.jsonl, .jsonl.gz, .parquet) or - for stdout.")]
IdOpt = Annotated[str, typer.Option("--id-field", help="Record field holding the document id.")]
TextOpt = Annotated[str, typer.Option("--text-field", help="Record field holding the text.")]
DateOpt = Annotated[str, typer.Option(
    "--date-field", help="Record field holding the date (the earlier document is a pair's source).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON (on stderr).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print per-record warnings.")]
KindsOpt = Annotated[str | None, typer.Option("--kinds", help=f"Comma-separated kinds ({','.join(KINDS)}). "
                                              "find reports all by default; clusters and dedup join "
                                              f"families over {','.join(FAMILY_KINDS)} by default.")]
BoilerplateOpt = Annotated[bool | None, typer.Option(
    "--boilerplate/--no-boilerplate", help="Keep site furniture out of the evidence. Default: single-page cues "
    "(comment forms, share lines, teasers) always, and lines repeated across a site for HTML/WARC input; "
    "--boilerplate counts repeated lines for any input (one more read); --no-boilerplate turns both off.",
    show_default=False)]
EmbedderOpt = Annotated[str | None, typer.Option(
    "--embedder", help=f"Sentence similarity for paraphrases: {', '.join(EMBEDDERS)}. auto = MiniLM when the "
    "semantic extra is installed; lexical needs no model and is less sensitive. Default: auto, or "
    "$RETOLD_EMBEDDER.", show_default=False)]
ParaThresholdOpt = Annotated[float | None, typer.Option(
    "--paraphrase-threshold", min=0.05, max=0.95, help="Sentence-pair probability from which rewritten sentences "
    "align (default: fitted on MSRP train, 0.45 with MiniLM). Lower catches more rewrites and more independent "
    "articles on the same event.", show_default=False)]
KeepOpt = Annotated[str, typer.Option("--keep", help="Representative of a family: first (input order), "
                                      "longest (most words) or earliest (date field).")]
