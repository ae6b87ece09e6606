"""Whether the compiled kernels are ready, answered without importing numba (the first run's
decision is taken before any kernel module is imported)."""

from __future__ import annotations

import os
import subprocess
import sys

from retold import kernel_cache


def test_ready_follows_the_warm_ups_mark(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert kernel_cache.kernel_cache_dir() == tmp_path
    assert not kernel_cache.ready()
    mark = kernel_cache.marker()
    assert mark.parent == tmp_path and mark.name.startswith("retold-ready-")
    mark.write_text("done\n")
    assert kernel_cache.ready()


def test_the_mark_is_per_kernel_sources(tmp_path, monkeypatch) -> None:
    # the key hashes the kernel modules' sources: another version of them needs its own warm-up
    key = kernel_cache._key()
    real = kernel_cache.Path.read_bytes
    monkeypatch.setattr(kernel_cache.Path, "read_bytes",
                        lambda self: real(self) + (b"# changed" if self.name == "scores.py" else b""))
    assert kernel_cache._key() != key


def test_asking_imports_no_numba() -> None:
    code = ("import sys, retold.kernel_cache as k; k.ready(); k.kernels_imported(); "
            "print('numba' in sys.modules, k.kernels_imported())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ}).stdout.split()
    assert out == ["False", "False"]
    code = "import retold.fingerprints, retold.kernel_cache as k; print(k.kernels_imported())"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "True"
