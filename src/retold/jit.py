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

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .kernel_cache import KERNEL_MODULES, kernel_cache_dir, marker, ready


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

#: numba versions whose internals :func:`_light_loading` was checked against.
_LIGHT_LOADING_NUMBA = ("0.68.",)


def _light_loading() -> bool:
    """Load cached kernels without the work only a compilation needs (issue 14: start-up).

    Loading a cached kernel costs numba two things a run that only calls cached kernels never
    uses (together about 0.5 CPU seconds of a warm ``retold find examples/``, a third of it):

    * the first load "refreshes" the target: it imports and installs every typing and lowering
      registry (0.2-0.3 s), which only the compiler reads; the compiler refreshes them itself
      (``CompilerBase.__init__``). What a loaded kernel needs, the runtime (NRT), is started
      here as the refresh would (``rtsys.initialize``);
    * each load parses the LLVM bitcode cached beside the kernel's machine code and walks it
      for symbol names (thousands of small calls into LLVM, 0.3 s), only so that a kernel
      compiled later could inline it. Here a loaded kernel keeps its bitcode as bytes; all
      pending bitcode is parsed, exactly as numba does it, the first time anything needs it: a
      kernel being compiled links against a loaded one (``_get_module_for_linking``), or the
      engine is asked about a symbol the loaded machine code does not define
      (``is_symbol_defined``).

    The machine code, and so every result, is the same. Only for the numba versions in
    :data:`_LIGHT_LOADING_NUMBA` (it replaces private methods of ``numba.core.caching.Cache``,
    ``CPUCodeLibrary`` and ``JitEngine``); ``RETOLD_LIGHT_LOADING=0`` turns it off. Returns
    whether it is on.
    """
    if os.environ.get("RETOLD_LIGHT_LOADING", "1") == "0" or not nb.__version__.startswith(_LIGHT_LOADING_NUMBA):
        return False
    import threading
    import weakref

    import llvmlite.binding as ll
    from numba.core import caching, codegen
    from numba.core.cpu import CPUContext
    from numba.core.runtime import rtsys

    lib_cls, engine_cls = codegen.CPUCodeLibrary, codegen.JitEngine
    if getattr(lib_cls, "_retold_light", False):
        return True
    cache_load = caching.Cache.load_overload
    unserialize = lib_cls._unserialize.__func__
    for_linking = lib_cls._get_module_for_linking
    is_defined = engine_cls.is_symbol_defined
    pending: list[tuple[weakref.ref, bytes]] = []
    lock = threading.RLock()

    def load_overload(self, sig, target_context):  # numba's Cache.load_overload, minus the refresh
        if not isinstance(target_context, CPUContext):  # another target (a GPU): numba's own way
            return cache_load(self, sig, target_context)
        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)

    def parse_pending() -> None:
        with lock:
            while pending:
                ref, bitcode = pending.pop(0)
                lib = ref()
                if lib is not None and lib._shared_module is None:
                    lib._shared_module = ll.parse_bitcode(bitcode)
                    lib._codegen._engine._load_defined_symbols(lib._shared_module)

    def _unserialize(cls, codegen_, state):  # numba's CPUCodeLibrary._unserialize, minus the parsing
        name, kind, data = state
        if kind != "object":
            return unserialize(cls, codegen_, state)
        object_code, shared_bitcode = data
        self = codegen_.create_library(name)
        self.enable_object_caching()
        self._set_compiled_object(object_code)
        self._finalize_final_module()
        with lock:
            pending.append((weakref.ref(self), shared_bitcode))
        return self

    def _get_module_for_linking(self):
        parse_pending()
        return for_linking(self)

    def _is_symbol_defined(self, name):
        if is_defined(self, name):
            return True
        with lock:
            if not pending:
                return False
        # defined in loaded machine code (a loaded kernel's entry points: the common case), else
        # numba's own answer once every pending library is parsed
        if self._ee.get_function_address(name):
            return True
        parse_pending()
        return is_defined(self, name)

    caching.Cache.load_overload = load_overload
    lib_cls._unserialize = classmethod(_unserialize)
    lib_cls._get_module_for_linking = _get_module_for_linking
    engine_cls.is_symbol_defined = _is_symbol_defined
    lib_cls._retold_light = True
    return True


# the cache locator reads the folder when a kernel is decorated, i.e. when its module is
# imported, which is after this (every kernel module imports numba from here)
if not nb.config.CACHE_DIR:
    nb.config.CACHE_DIR = str(kernel_cache_dir())
_lowering_without_scipy()
LIGHT_LOADING = _light_loading()

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


def compiled_here() -> list[str]:
    """The kernels this process compiled (rather than loaded from the cache), as
    ``module.function``: after the warm-up, a run should compile none.

    >>> isinstance(compiled_here(), list)
    True
    """
    return sorted(name for name, kernel in _kernels() if kernel.stats.cache_misses)


def loaded_here() -> dict[str, int]:
    """The kernels this process has loaded (or compiled), as ``module.function``: how many
    signatures of each. Each costs start-up (numba reads and links its code: milliseconds to
    a tenth of a second), so a run should load only the kernels it calls, each once.

    >>> isinstance(loaded_here(), dict)
    True
    """
    return dict(sorted((name, len(kernel.overloads)) for name, kernel in _kernels() if kernel.overloads))


def _kernels() -> Iterator[tuple[str, Any]]:
    """``(module.function, dispatcher)`` of every kernel defined in an imported kernel module."""
    from numba.core.registry import CPUDispatcher

    for name in KERNEL_MODULES:
        full = f"{__package__}.{name}"
        mod = sys.modules.get(full)
        if mod is None:
            continue
        for attr, value in vars(mod).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == full:
                yield f"{name}.{attr}", value
