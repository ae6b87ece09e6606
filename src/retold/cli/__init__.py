"""The ``retold`` command line: a thin shell over the Python API.

Each command parses its options, calls the API and prints. Results go to ``-o FILE`` (format
by extension) or stdout; progress, warnings and the summary go to stderr. Exit status: 0 on
success (even when some records were skipped: they are counted), 1 when nothing could be done
(no document could be read, the index cannot be used), 2 for a wrong option.
"""

from __future__ import annotations

import typer

from . import find, index, report

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find where text was told again: exact copies, near-duplicates, lifted passages and "
                       "paraphrased rewrites, verified.")
find.register(app)
index.register(app)
report.register(app)


def main() -> None:
    """Console entry point."""
    app(prog_name="retold")
