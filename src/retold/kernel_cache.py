"""Where the compiled kernels live and whether they are ready, answered without importing numba.

The command line asks this before anything imports numba: a first run on a small input can then
run the kernels uncompiled (numba's ``DISABLE_JIT`` is read when a kernel is decorated) while
:mod:`retold.warmup` compiles them in the background.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .onnx_model import cache_dir
from .version import __version__

#: The modules holding cached kernels (the warm-up compiles all of theirs).
KERNEL_MODULES: tuple[str, ...] = ("text", "fingerprints", "candidates", "scores", "alignment", "cue_gate", "lexical",
                                   "paraphrase", "static_model", "store", "cluster")


def kernel_cache_dir() -> Path:
    """Where compiled kernels are kept: ``NUMBA_CACHE_DIR``, else ``$RETOLD_CACHE_DIR/numba``.

    >>> kernel_cache_dir().name in ("numba", Path(os.environ.get("NUMBA_CACHE_DIR", "numba")).name)
    True
    """
    env = os.environ.get("NUMBA_CACHE_DIR")
    return Path(env) if env else cache_dir() / "numba"


def _numba_version() -> str:
    try:
        return version("numba")
    except PackageNotFoundError:  # pragma: no cover - numba is a dependency
        return "?"


def _key() -> str:
    """What the compiled kernels depend on: retold's and numba's versions, Python, the kernel
    sources (numba recompiles a kernel whose file changed), where they are (numba's cache is
    keyed by the source file's path: another checkout of the same sources compiles its own) and
    the warm-up's workload."""
    here = Path(__file__).parent
    h = hashlib.sha256(f"{__version__} {_numba_version()} {sys.version} {here.resolve()}".encode())
    for name in (*KERNEL_MODULES, "jit", "warmup"):
        h.update((here / f"{name}.py").read_bytes())
    return h.hexdigest()[:16]


def marker() -> Path:
    """The file the warm-up writes once it has compiled every kernel of this version."""
    return kernel_cache_dir() / f"retold-ready-{_key()}"


def ready() -> bool:
    """Whether :func:`retold.warmup.warm_up` has run for this version of the kernels.

    >>> isinstance(ready(), bool)
    True
    """
    return marker().exists()


def kernels_imported() -> bool:
    """Whether a kernel module is imported already (its kernels then compile when called,
    whatever ``DISABLE_JIT`` says now)."""
    return any(f"{__package__}.{m}" in sys.modules for m in KERNEL_MODULES)
