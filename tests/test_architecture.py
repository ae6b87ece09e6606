"""The layout holds: no import circles, stages that decide without doing I/O, engines that do not
decide, a test module for every module with behaviour, and light command-line start-up."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "retold"
TESTS = Path(__file__).resolve().parent


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every retold module ``path`` imports, at any depth of the code (lazy imports too), except
    under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("retold"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if (SRC.parent / (sub.replace(".", "/") + ".py")).exists()
                        or (SRC.parent / sub.replace(".", "/")).is_dir() else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("retold"))
    out.discard(me)
    return out


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in SRC.rglob("*.py")}


def test_no_import_circles() -> None:
    g = graph()
    # a package's __init__ importing its own submodules is how a package is assembled; any other
    # path back to a module is a circle
    def edges(m: str) -> set[str]:
        return {t for t in g.get(m, set()) if t in g}

    circles = []
    for start in g:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in edges(node):
                if nxt == start and not all(a.startswith(b + ".") or b.startswith(a + ".")
                                            for a, b in zip(path, path[1:] + [start])):
                    circles.append(" -> ".join(path + [start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    assert not circles, circles[:5]


def test_stages_do_no_io_and_engines_do_not_decide() -> None:
    g = graph()
    forbidden = {"sqlite3", "threading", "concurrent", "subprocess", "socket", "tempfile", "rich", "typer"}
    for p in (SRC / "stages").glob("*.py"):
        tree = ast.parse(p.read_text())
        used = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        used |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and not n.level}
        assert not used & forbidden, (p.name, used & forbidden)
        assert "open(" not in p.read_text(), f"{p.name} reads files"
        assert not {m for m in g[module_name(p)] if m.startswith(("retold.engine", "retold.readers", "retold.cli"))}
    # the decisions live in the stages: no engine calls a kernel that decides
    for p in (SRC / "engine").glob("*.py"):
        assert not {"retold.scores", "retold.alignment"} & g[module_name(p)], p.name


def test_every_module_with_behaviour_has_a_test_module() -> None:
    """``src/retold/a/b.py`` is tested in ``tests/a/test_b.py`` (the tests mirror the modules)."""
    missing = []
    for p in SRC.rglob("*.py"):
        if p.name in ("__init__.py", "__main__.py", "version.py"):
            continue
        rel = p.relative_to(SRC)
        if not (TESTS / rel.parent / f"test_{rel.name}").exists():
            missing.append(str(rel))
    assert not missing, missing


HEAVY = ("numpy", "numba", "rich", "pydantic", "retold.engine.local", "retold.stages.decide", "retold.model",
         "pyarrow", "torch", "fastapi")


def test_the_command_line_loads_no_engine_to_show_help() -> None:
    code = f"import sys, retold.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    # the whole of `retold --help`, `retold find -h` and `retold --version`, to the exit (typer
    # checks a command's options with pydantic, so a command's help loads pydantic, not ours)
    for args in (["--help"], ["find", "-h"], ["--version"]):
        heavy = tuple(m for m in HEAVY if m != "pydantic" or args[0] != "find")
        code = (f"import atexit, sys; atexit.register(lambda: print([m for m in {heavy!r} if m in sys.modules], "
                f"file=sys.stderr)); sys.argv = ['retold', *{args!r}]; from retold.cli import main; main()")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr.strip() == "[]", (args, r.stderr)


def test_packaging_metadata_gives_setuptools_nothing_to_warn_about() -> None:
    import tomllib

    meta = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())
    assert isinstance(meta["project"]["license"], str), "an SPDX expression, not a TOML table (deprecated)"
    assert meta["build-system"]["requires"] == ["setuptools>=77"], "SPDX licence strings need setuptools 77"
    assert "torch==2.13.0" in meta["project"]["optional-dependencies"]["semantic"]


def test_the_set_up_runs_pip_only_when_something_changed() -> None:
    """``scripts/setup.sh`` again, with nothing changed: no pip, no warm-up (CI's venv was made by it)."""
    import hashlib
    import os

    root = SRC.parents[1]
    stamp = root / ".venv" / ".retold-setup"
    want = hashlib.sha256((root / "pyproject.toml").read_bytes() + (root / "scripts" / "setup.sh").read_bytes())
    if not stamp.exists() or not stamp.read_text().startswith(want.hexdigest()[:16]):
        import pytest

        pytest.skip("this .venv was not made by scripts/setup.sh (or is out of date): it would run pip")
    env = {k: v for k, v in os.environ.items() if k != "RETOLD_EMBEDDING_STORE"}
    r = subprocess.run(["bash", str(root / "scripts" / "setup.sh")], capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == "", (r.stdout, r.stderr)
