"""Compiled kernels: the numba set-up every kernel module shares.

Every kernel module imports numba through this one (``from .jit import nb``), so that before
any kernel is compiled or loaded:

* the kernels are cached on disk (``cache=True``) in one known folder, :func:`kernel_cache_dir`:
  ``NUMBA_CACHE_DIR`` when set, else ``$RETOLD_CACHE_DIR/numba`` (default
  ``~/.cache/retold/numba``), whatever the install (site-packages may not be writable);
* numba's first use of its CPU target imports its NumPy lowering, whose BLAS probe imports
  ``scipy.linalg`` (about half a second, and scipy is installed with the sentence model). No
  retold kernel calls BLAS, so the probe is answered "no BLAS" unless scipy's BLAS is already
  loaded (see :func:`_lowering_without_scipy`).

:func:`ready` tells whether :mod:`retold.warmup` has compiled them all for this version of the
kernels; :func:`compiled_here` which kernels a process compiled instead of loading them.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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




def _lowering_without_scipy() -> None:
    """Load numba's NumPy lowering with its BLAS probe answered "no BLAS" (saves ~0.5 s a run).

    ``numba.np.arraymath`` asks at import whether ``scipy.linalg.cython_blas`` imports, which
    pulls in all of ``scipy.linalg``. It only decides whether ``np.dot`` inside a kernel may
    call BLAS; retold's kernels never do. A ``None`` entry in ``sys.modules`` makes that one
    import fail at once without touching scipy; it is removed right after, so scipy imports
    normally for anyone who needs it later.
    """
    blas = "scipy.linalg.cython_blas"
    if "numba.np.arraymath" in sys.modules or blas in sys.modules:
        return
    sys.modules[blas] = None  # type: ignore[assignment]
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules[blas]


import numba as nb  # noqa: E402

# the cache locator reads the folder when a kernel is decorated, i.e. when its module is
# imported, which is after this (every kernel module imports numba from here)
if not nb.config.CACHE_DIR:
    nb.config.CACHE_DIR = str(kernel_cache_dir())
_lowering_without_scipy()

__all__ = ["KERNEL_MODULES", "compiled_here", "kernel_cache_dir", "loaded_here", "marker", "nb", "ready", "serial"]


@contextmanager
def serial(on: bool = True) -> Iterator[None]:
    """Run numba's parallel kernels on the calling thread only, for the duration (when ``on``).

    For small work: waking the kernels' worker threads and meeting them at each barrier costs
    milliseconds on a quiet machine and tenths of a second on a busy one (measured on the 6
    documents of examples/: candidates 0.37 s with 2 threads, 0.2 ms with one), far more than
    the work. The results are the same (the kernels do not depend on the thread count). The
    setting is per calling thread.

    >>> with serial():
    ...     nb.get_num_threads()
    1
    """
    if not on:
        yield
        return
    before = nb.get_num_threads()
    nb.set_num_threads(1)
    try:
        yield
    finally:
        nb.set_num_threads(before)


def _key() -> str:
    """What the compiled kernels depend on: retold's and numba's versions, Python, the kernel
    sources (numba recompiles a kernel whose file changed), where they are (numba's cache is
    keyed by the source file's path: another checkout of the same sources compiles its own) and
    the warm-up's workload."""
    here = Path(__file__).parent
    h = hashlib.sha256(f"{__version__} {nb.__version__} {sys.version} {here.resolve()}".encode())
    for name in (*KERNEL_MODULES, "jit", "warmup"):
        h.update((here / f"{name}.py").read_bytes())
    return h.hexdigest()[:16]


def marker() -> Path:
    """The file the warm-up writes once it has compiled every kernel of this version."""
    return kernel_cache_dir() / f"retold-ready-{_key()}"


def ready() -> bool:
    """Whether :func:`retold.warmup.warm_up` has run for this version of the kernels."""
    return marker().exists()


def compiled_here() -> list[str]:
    """The kernels this process compiled (rather than loaded from the cache), as
    ``module.function``: after the warm-up, a run should compile none.

    >>> isinstance(compiled_here(), list)
    True
    """
    from numba.core.registry import CPUDispatcher

    out = []
    for name in KERNEL_MODULES:
        full = f"{__package__}.{name}"
        mod = sys.modules.get(full)
        if mod is None:
            continue
        for attr, value in vars(mod).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == full and value.stats.cache_misses:
                out.append(f"{name}.{attr}")
    return sorted(out)


def loaded_here() -> dict[str, int]:
    """The kernels this process has loaded (or compiled), as ``module.function``: how many
    signatures of each. Each costs start-up (numba reads and links its code: milliseconds to
    a tenth of a second), so a run should load only the kernels it calls, each once.

    >>> isinstance(loaded_here(), dict)
    True
    """
    from numba.core.registry import CPUDispatcher

    out = {}
    for name in KERNEL_MODULES:
        full = f"{__package__}.{name}"
        mod = sys.modules.get(full)
        if mod is None:
            continue
        for attr, value in vars(mod).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == full and value.overloads:
                out[f"{name}.{attr}"] = len(value.overloads)
    return dict(sorted(out.items()))
