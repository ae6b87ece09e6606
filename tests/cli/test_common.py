"""What every command shares: option values checked against the model's vocabularies (a wrong
one is exit status 2 with the valid choices listed), and the summary."""

from __future__ import annotations

import json

import pytest
import typer
from rich.console import Console

from retold.cli.common import embedder_option, kinds_option, print_summary

from .test_find import run


def test_wrong_values_list_the_choices() -> None:
    assert kinds_option("partial,exact") == ("exact", "partial")
    with pytest.raises(typer.BadParameter, match="choose from exact, near_duplicate, partial, paraphrase"):
        kinds_option("exact,near-duplicate")
    assert embedder_option(None) is None and embedder_option("minilm") == "minilm"
    with pytest.raises(typer.BadParameter, match="choose from auto, minilm, lexical"):
        embedder_option("lexcial")


@pytest.mark.parametrize("args", [["find", "examples", "--embedder", "lexcial"], ["find", "examples", "--kinds", "x"],
                                  ["query", "-", "--db", "x.retold", "--kinds", "paraphrse"],
                                  ["align", "a", "b", "--embedder", "nope"]])
def test_the_command_line_refuses_unknown_values(args) -> None:
    r = run(*args)
    assert r.returncode == 2 and "choose from" in r.stderr


def test_the_summary_as_json_goes_to_stderr(capsys) -> None:
    print_summary(Console(stderr=True), {"command": "find", "pairs": {"exact": 1}}, as_json=True)
    out = capsys.readouterr()
    assert out.out == "" and json.loads(out.err) == {"command": "find", "pairs": {"exact": 1}}
