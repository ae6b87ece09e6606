"""The ``retold`` command line: a thin shell over the Python API.

Each command parses its options, calls the API and prints. Results go to ``-o FILE`` (format
by extension) or stdout; progress, warnings and the summary go to stderr. Exit status: 0 on
success (even when some records were skipped: they are counted; and when the reader of stdout
stops early, as ``| head`` does), 1 when nothing could be done (no document could be read, the
index cannot be used), 2 for a wrong option.

Help is plain text (click's formatter), wrapped to the terminal and never cut; building it
loads no NumPy, rich or engine, so ``retold --help`` answers in a blink.
"""

from __future__ import annotations

import sys
import warnings
from typing import Annotated

import typer

from ..version import __version__
from . import align, find, index, report

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Find where text was told again: exact copies, near-duplicates, lifted passages and "
                       "paraphrased rewrites, verified.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"retold {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Find where text was told again: exact copies, near-duplicates, lifted passages and paraphrased
    rewrites, verified. Run `retold COMMAND -h` for a command's options."""


find.register(app)
align.register(app)
index.register(app)
report.register(app)


def _plain_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                   file: object = None, line: str | None = None) -> None:
    """Warnings as one plain line on stderr (no source file, no code line: this is a tool)."""
    sys.stderr.write(f"warning: {message}\n")


def main() -> None:
    """Console entry point."""
    warnings.showwarning = _plain_warning
    app(prog_name="retold")
