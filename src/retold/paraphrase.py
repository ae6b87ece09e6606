"""Paraphrased rewrites: align each rewritten sentence to its original, and decide whether a
document pair is a story retold in other words.

1. **Sentences** (:mod:`retold.sentences`) with character offsets into each original text.
2. **Similarity** of every sentence pair (:func:`retold.semantic.similarity_matrix`): a paraphrase
   probability from embedding cosine plus lexical evidence (shared rare words, names, numbers).
3. **Alignment** (:func:`align_matrix`): a monotone dynamic programme (Needleman-Wunsch with free
   skips) picks the set of sentence pairs, in the same order on both sides, that maximises the
   summed evidence ``logit(p) - logit(threshold)`` over pairs above the threshold. Why monotone and
   not a free assignment (Hungarian): rewrites keep the order of the story, and independent
   articles on the same event mention the same facts in their own order, so forbidding crossings
   removes chance matches at no cost to real rewrites; it is also exact and O(n·m).
4. **Neighbour merging**: a sentence split in two, or two sentences joined in one
   (``A4 + A5 -> B2`` in the seed pair), leaves an unaligned neighbour whose similarity to the
   aligned pair makes the joined unit a better paraphrase; it joins that pair. Pairs that are
   neighbours on both sides then join into passages (:func:`merge_passages`).
5. **Document decision** (:func:`paraphrase_score`, :func:`is_paraphrase`): the share of each side's
   text inside aligned sentences; a pair is ``paraphrase`` when enough sentences align and they
   cover a substantial part of one side (thresholds in :class:`ParaphraseOptions`).

At corpus scale :func:`paraphrase_candidates` proposes pairs without comparing all of them
(nearest neighbours of mean-pooled document embeddings, plus an inverted index over rare terms,
names and numbers); only candidates are aligned.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .chargrams import CharEvidence, gram_rows, pair_weights
from .jit import nb
from .languages import languages, tally
from .lexical import SparseRows
from .records import Passage
from .semantic import (
    LEXICAL_MODEL,
    CascadeModel,
    CascadePair,
    Embedder,
    EmbeddingCache,
    LexicalEmbedder,
    SentenceFeatures,
    SimilarityModel,
    model_for,
    sentence_features,
    shared_embedder,
    shared_static,
    similarity_matrix,
)
from .sentences import split_sentences

MAX_SENTENCE_CHARS = 1000  # longer run-on pieces are cut: the model reads at most 256 word pieces
#: Neighbours an aligned pair may take in on one side (:func:`extend_neighbours`).
MAX_EXTRA = 2


@dataclass(frozen=True, slots=True)
class ParaphraseOptions:
    """Tunables of sentence alignment and of the document decision.

    Attributes:
        threshold: paraphrase probability from which two sentences may align (None = the
            embedder's default, fitted on MSRP train and the dev corpus: 0.45 for MiniLM). Every
            aligned unit counts for the document decision.
        passage_min_score: units listed as passages need this probability: marginal units are
            evidence for the decision but too uncertain to show as a rewritten sentence.
        merge_margin: a neighbour joins an aligned pair (a sentence split in two, or two joined)
            when the joined unit's probability beats the pair's by this margin.
        min_content: sentences with fewer content words (not stop words, not numbers) are never
            aligned on their own (datelines, "Share post:"), though they may join a neighbour.
        min_pair_words: an aligned unit counts towards ``min_pairs`` only when both sides have
            this many words: headlines of two articles on one event always say the same thing.
        min_pairs: aligned units (of ``min_pair_words``) a document pair needs to be ``paraphrase``.
        min_coverage: share of one side's text (the better-covered side) in aligned sentences.
        min_coverage_other: share required of the other side.
        many_pairs, min_coverage_other_many: with at least ``many_pairs`` aligned units the
            other side may be covered less (a rewrite that adds a lot of its own, like the seed).
        min_mean_score: mean probability of the aligned pairs.
        min_density: aligned units per sentence (of ``min_content`` content words) of the side
            with fewer such sentences: a rewrite retells most of the shorter text sentence by
            sentence, independent articles on one event share a few facts (0 = not asked; the
            character evidence for other languages asks 0.65, :func:`foreign_options`).
        fill_threshold: sentences sandwiched between two aligned pairs (same gap on both sides,
            at most two sentences) align from this probability (:func:`fill_gaps`); None = off.
        min_term_containment: corpus candidates: share of the smaller document's distinct
            content words found in the other. A retelling keeps the story's names, numbers and
            key nouns: stories of low-overlap MSRP paraphrases measure >= 0.48, the seed pair
            0.52; half of the ECB+ same-event pairs stay under 0.33 and are never aligned.
        min_shared_terms, max_term_df: corpus candidates must share this many content words
            held by at most ``max_term_df`` documents (the inverted index that proposes pairs
            without comparing all of them).

    Tuned on stories of MSRP *train* paraphrases against ECB+ same-event pairs of odd topics
    (``benchmarks/paraphrase_eval.py``); even topics are held out.
    """

    threshold: float | None = None
    merge_margin: float = 0.02
    min_content: int = 2
    min_pair_words: int = 8
    min_pairs: int = 3
    passage_min_score: float = 0.55
    min_coverage: float = 0.4
    min_coverage_other: float = 0.3
    many_pairs: int = 6
    min_coverage_other_many: float = 0.15
    min_mean_score: float = 0.0
    min_density: float = 0.0
    fill_threshold: float | None = 0.25
    min_term_containment: float = 0.4
    min_shared_terms: int = 3
    max_term_df: int = 50


@dataclass(frozen=True, slots=True)
class SentencePair:
    """One aligned unit: sentences ``[a_first, a_last]`` of A retold as ``[b_first, b_last]`` of B.

    Offsets are ``[start, end)`` characters in the original texts; ``score`` is the paraphrase
    probability of the core pair (before neighbours joined).
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float
    a_first: int
    a_last: int
    b_first: int
    b_last: int
    kind: str = "paraphrase"

    def to_passage(self) -> Passage:
        return Passage(self.a_start, self.a_end, self.b_start, self.b_end, self.kind, self.score)

    def to_dict(self) -> dict:
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start, "b_end": self.b_end,
                "kind": self.kind, "score": round(self.score, 6)}


# ---------------------------------------------------------------------------------------------
# alignment on a similarity matrix (pure, no text)


def align_matrix(sim: np.ndarray, threshold: float, allowed: np.ndarray | None = None) -> list[tuple[int, int]]:
    """The best monotone set of (i, j) pairs with ``sim >= threshold`` (Needleman-Wunsch, free skips).

    Each pair gains ``logit(sim) - logit(threshold)``, so one confident pair outweighs two
    marginal ones that cross it. ``allowed``: optional boolean mask of pairs that may align.

    >>> s = np.array([[0.9, 0.1, 0.1], [0.1, 0.2, 0.8], [0.1, 0.7, 0.1]])
    >>> align_matrix(s, 0.5)
    [(0, 0), (1, 2)]
    """
    n, m = sim.shape
    if n == 0 or m == 0:
        return []
    ok = sim >= threshold
    if allowed is not None:
        ok &= allowed
    # the logit only where a pair may align: most sentence pairs of two documents may not
    gain = np.full((n, m), -np.inf)
    p = np.clip(sim[ok].astype(np.float64), 1e-6, 1 - 1e-6)
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    gain[ok] = np.log(p / (1 - p)) - np.log(t / (1 - t))
    return list(map(tuple, _align_dp(gain).tolist()))


@nb.njit(nogil=True, cache=True)
def _align_dp(gain):
    """Needleman-Wunsch with free skips over a gain matrix (-inf = may not align); the pairs in order."""
    n, m = gain.shape
    dp = np.zeros((n + 1, m + 1))
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 = skip a, 1 = skip b, 2 = match
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            best, mv = dp[i - 1, j], 0
            if dp[i, j - 1] > best:
                best, mv = dp[i, j - 1], 1
            g = gain[i - 1, j - 1]
            if g > -np.inf and dp[i - 1, j - 1] + g > best:
                best, mv = dp[i - 1, j - 1] + g, 2
            dp[i, j] = best
            move[i, j] = mv
    out = np.empty((min(n, m), 2), dtype=np.int64)
    k = 0
    i, j = n, m
    while i > 0 and j > 0:
        mv = move[i, j]
        if mv == 2:
            out[k, 0] = i - 1
            out[k, 1] = j - 1
            k += 1
            i -= 1
            j -= 1
        elif mv == 1:
            j -= 1
        else:
            i -= 1
    return out[:k][::-1]


def fill_gaps(pairs: list[tuple[int, int]], sim: np.ndarray, threshold: float, allowed: np.ndarray | None = None,
              max_gap: int = 2) -> list[tuple[int, int]]:
    """Add the pairs sandwiched between two aligned pairs when they clear a lower ``threshold``.

    A retelling goes through the story in order: when sentences i and i+2 of A are retold as
    j and j+2 of B, sentence i+1 is very likely retold as j+1 even if its rewording defeats the
    sentence model on its own. Gaps of the same size (up to ``max_gap``) on both sides are
    filled diagonally; independent articles rarely have such runs.

    >>> s = np.array([[0.9, 0.1, 0.1], [0.1, 0.3, 0.1], [0.1, 0.1, 0.8]])
    >>> fill_gaps([(0, 0), (2, 2)], s, 0.25)
    [(0, 0), (1, 1), (2, 2)]
    """
    out: list[tuple[int, int]] = []
    for k, (i, j) in enumerate(pairs):
        out.append((i, j))
        if k + 1 < len(pairs):
            i2, j2 = pairs[k + 1]
            gap = i2 - i - 1
            if 0 < gap <= max_gap and j2 - j - 1 == gap:
                fill = [(i + d, j + d) for d in range(1, gap + 1)]
                if all(sim[x, y] >= threshold and (allowed is None or allowed[x, y]) for x, y in fill):
                    out.extend(fill)
    return out


def extend_neighbours(pairs: list[tuple[int, int]], n: int, m: int,
                      unit_score: Callable[[int, int, int, int], float],
                      max_extra: int = MAX_EXTRA) -> list[tuple[int, int, int, int, float]]:
    """Grow each aligned pair over unaligned neighbours when the joined unit is a better paraphrase.

    A sentence split in two by the rewriter (or two joined into one) leaves a neighbour that
    alone is a poor match (it is half the content) but makes the unit a better one.
    ``unit_score(a_first, a_last, b_first, b_last)`` scores a unit (inclusive sentence indices);
    a neighbour joins when it raises that score, at most ``max_extra`` per side. Returns
    ``(a_first, a_last, b_first, b_last, score)`` per pair.

    >>> s = {(1, 1, 0, 0): 0.7, (1, 2, 0, 0): 0.8, (0, 1, 0, 0): 0.2}
    >>> extend_neighbours([(1, 0), (3, 1)], 4, 2, lambda *u: s.get(u, 0.9 if u == (3, 3, 1, 1) else 0.0))
    [(1, 2, 0, 0, 0.8), (3, 3, 1, 1, 0.9)]
    """
    used_a = np.zeros(n, dtype=bool)
    used_b = np.zeros(m, dtype=bool)
    for i, j in pairs:
        used_a[i] = used_b[j] = True
    out = []
    for i, j in pairs:
        u = [i, i, j, j]
        best = unit_score(*u)
        for side, limit, used in ((0, n, used_a), (2, m, used_b)):
            for _ in range(max_extra):
                tries = []
                if u[side + 1] + 1 < limit and not used[u[side + 1] + 1]:
                    tries.append((side + 1, u[side + 1] + 1))
                if u[side] - 1 >= 0 and not used[u[side] - 1]:
                    tries.append((side, u[side] - 1))
                scored = []
                for pos, val in tries:
                    v = list(u)
                    v[pos] = val
                    scored.append((unit_score(*v), pos, val))
                if not scored:
                    break
                sc, pos, val = max(scored)
                if sc <= best:
                    break
                used[val] = True
                u[pos] = val
                best = sc
            if u[0] != u[1]:
                break  # one side grew: the other stays one sentence (no many-to-many units)
        out.append((u[0], u[1], u[2], u[3], float(best)))
    return out


def join_features(f: SentenceFeatures, first: int, last: int, kept: dict | None = None) -> SentenceFeatures:
    """Approximate features of sentences ``first..last`` read as one (a length-weighted mean of
    their embeddings, as mean pooling over tokens would give; bags and numbers summed).

    ``kept``: a dict that keeps the joined word bags and counts of this document's sentences
    between calls (they do not change while the models read it; the embeddings are pooled anew).

    >>> from retold.semantic import sentence_features
    >>> j = join_features(sentence_features(["Kim said no in 2022.", "Putin asked twice."]), 0, 1)
    >>> len(j), j.n_words.tolist(), j.n_nums.tolist()
    (1, [8.0], [1.0])
    """
    sl = slice(first, last + 1)
    weights = f.n_words[sl]
    bags = None if kept is None else kept.get((first, last))
    if bags is None:
        lex = f.lex.pool(first, last, weights)
        nums = f.nums.pool(first, last, weights, union=True)
        bags = (lex, nums, nums.counts(), f.n_words[sl].sum(keepdims=True), f.n_content[sl].sum(keepdims=True))
        if kept is not None:
            kept[(first, last)] = bags
    lex, nums, n_nums, n_words, n_content = bags
    if f.emb is f.lex:
        emb = lex
    else:
        v = (f.emb[sl] * weights[:, None]).sum(axis=0, keepdims=True)
        norm = np.linalg.norm(v)
        emb = (v / norm if norm > 0 else v).astype(np.float32)
    static = known = None
    if f.static is not None:
        v = (f.static[sl] * weights[:, None]).sum(axis=0, keepdims=True)
        norm = np.linalg.norm(v)
        static = (v / norm if norm > 0 else v).astype(np.float32)
    if f.known is not None:
        known = np.array([bool(f.known[sl].all())])
    return SentenceFeatures(emb, lex, nums, n_nums, n_words, n_content, static=static, known=known)


# ---------------------------------------------------------------------------------------------
# text level


@dataclass(frozen=True, slots=True)
class DocSentences:
    """A document cut into sentences, with the features similarity needs (``grams``: the
    sentences' character 3-grams, :mod:`retold.chargrams`, for documents not in English)."""

    spans: list[tuple[int, int]]
    features: SentenceFeatures
    grams: SparseRows | None = None
    #: joined sentences' word bags (:func:`join_features`), shared by the documents derived from
    #: this one with other embeddings (``dataclasses.replace`` keeps it): the same sentences and bags
    joins: dict = field(default_factory=dict, repr=False, compare=False)
    prefix: np.ndarray = field(init=False, repr=False)  # cumulative sentence lengths, [n + 1]
    longest: np.ndarray = field(init=False, repr=False)  # cumulative lengths, longest sentence first

    def __post_init__(self) -> None:
        lengths = np.array([e - s for s, e in self.spans], dtype=np.int64)
        prefix = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=prefix[1:])
        object.__setattr__(self, "prefix", prefix)
        longest = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.sort(lengths)[::-1], out=longest[1:])
        object.__setattr__(self, "longest", longest)

    def __len__(self) -> int:
        return len(self.spans)


def prepare(text: str, embed: EmbeddingCache | Embedder | None = None) -> DocSentences:
    """Sentences of ``text`` and their features (``embed`` None = lexical only)."""
    spans = split_sentences(text, max_chars=MAX_SENTENCE_CHARS)
    return DocSentences(spans, sentence_features([text[s:e] for s, e in spans], embed))


def prepare_many(texts: Sequence[str]) -> list[DocSentences]:
    """:func:`prepare` (lexical features only) for many texts in one batch: the compiled
    feature kernel runs once over all their sentences."""
    spans = [split_sentences(t, max_chars=MAX_SENTENCE_CHARS) for t in texts]
    flat = [t[s:e] for t, sp in zip(texts, spans) for s, e in sp]
    feats = sentence_features(flat)
    out, k = [], 0
    for sp in spans:
        out.append(DocSentences(sp, feats.rows(k, k + len(sp))))
        k += len(sp)
    return out


def align_prepared(da: DocSentences, db: DocSentences, model: SimilarityModel | CascadeModel | CharEvidence,
                   options: ParaphraseOptions | None = None, extend: bool = True,
                   sim: np.ndarray | None = None, units: dict | None = None) -> list[SentencePair]:
    """Every aligned unit of two prepared documents (features computed once per document), listed or not.

    ``model``: the sentence similarity (a :class:`~retold.chargrams.CharEvidence` reads the
    documents' ``grams``). ``extend=False`` skips joining split or merged neighbours (the screen
    needs only the core pairs). ``sim``: the sentence pairs' probabilities under ``model`` when
    the caller has them (the cascade decides one pair many times while MiniLM reads it).
    ``units``: a dict that keeps, between calls on the same two documents under a
    :class:`~retold.semantic.CascadeModel`, each joined unit's cheap parts (they do not change
    while the precise model reads)."""
    opt = options or ParaphraseOptions()
    if not len(da) or not len(db):
        return []
    chars = isinstance(model, CharEvidence)
    weights: list = []  # the pair's slot weights, computed when a neighbour is first tried
    # a side's joined features, kept while the other side grows (each try joins both sides)
    joined: dict[tuple[int, int, int], SentenceFeatures] = {}

    def join(side: int, first: int, last: int) -> SentenceFeatures:
        got = joined.get((side, first, last))
        if got is None:
            d = da if side == 0 else db
            got = joined[(side, first, last)] = join_features(d.features, first, last, d.joins)
        return got
    if chars:
        assert da.grams is not None and db.grams is not None, "character evidence needs the documents' grams"
        sim = model.matrix(da.grams, db.grams) if sim is None else sim
    elif sim is None:
        sim = similarity_matrix(da.features, db.features, model)
    thr = model.threshold if opt.threshold is None else opt.threshold
    long_a = da.features.n_content >= opt.min_content
    long_b = db.features.n_content >= opt.min_content
    allowed = long_a[:, None] & long_b[None, :]
    pairs = align_matrix(sim, thr, allowed)
    if opt.fill_threshold is not None:
        pairs = fill_gaps(pairs, sim, opt.fill_threshold, allowed)

    def unit_score(a0: int, a1: int, b0: int, b1: int) -> float:
        if a0 == a1 and b0 == b1:
            return float(sim[a0, b0])
        if chars:
            assert da.grams is not None and db.grams is not None
            if not weights:
                weights.append(pair_weights(da.grams, db.grams))
            return model.unit(da.grams, db.grams, weights[0], a0, a1, b0, b1) - opt.merge_margin
        ja, jb = join(0, a0, a1), join(1, b0, b1)
        # a joined unit must beat its core by a margin: pooling always smooths a little
        if units is not None and isinstance(model, CascadeModel):
            key = (model.cheap, a0, a1, b0, b1)  # the cheap parts depend on the cheap model alone
            parts = units.get(key)
            if parts is None:
                parts = units[key] = CascadePair.of(ja, jb, model)
            return float(parts.matrix(ja, jb, model)[0, 0]) - opt.merge_margin
        return float(similarity_matrix(ja, jb, model)[0, 0]) - opt.merge_margin

    aligned = extend_neighbours(pairs, len(da), len(db), unit_score) if extend else \
        [(i, i, j, j, float(sim[i, j])) for i, j in pairs]
    return [SentencePair(da.spans[a0][0], da.spans[a1][1], db.spans[b0][0], db.spans[b1][1], sc, a0, a1, b0, b1)
            for a0, a1, b0, b1, sc in aligned]


def align_sentences(text_a: str, text_b: str, embedder: Embedder | EmbeddingCache | None = None,
                    options: ParaphraseOptions | None = None,
                    model: SimilarityModel | None = None) -> list[SentencePair]:
    """Sentences of ``text_b`` that retell sentences of ``text_a``, in order, with offsets.

    ``embedder``: a :class:`~retold.semantic.MiniLMEmbedder` (or an
    :class:`~retold.semantic.EmbeddingCache` around one); None = lexical similarity only.

    >>> a = "Kim denied Putin any help with the war. Oil prices rose by 3% on Monday. The talks ended."
    >>> b = "Putin was denied help with the war by Kim. Markets were calm. On Monday oil prices rose 3%."
    >>> [(a[p.a_start:p.a_end], b[p.b_start:p.b_end]) for p in align_sentences(a, b)]
    [('Kim denied Putin any help with the war.', 'Putin was denied help with the war by Kim.'), \
('Oil prices rose by 3% on Monday.', 'On Monday oil prices rose 3%.')]
    """
    emb = embedder.embedder if isinstance(embedder, EmbeddingCache) else embedder
    m = model or model_for(emb if emb is not None else LexicalEmbedder())
    opt = options or ParaphraseOptions()
    units = align_prepared(prepare(text_a, embedder), prepare(text_b, embedder), m, opt)
    return [u for u in units if u.score >= opt.passage_min_score]


def merge_passages(pairs: Sequence[SentencePair]) -> list[SentencePair]:
    """Join aligned units that follow each other directly on both sides into one passage.

    The score of a joined passage is the mean of its units' scores.

    >>> u = [SentencePair(0, 9, 0, 8, 0.8, 0, 0, 0, 0), SentencePair(10, 19, 9, 20, 0.6, 1, 1, 1, 1),
    ...      SentencePair(40, 50, 30, 40, 0.9, 4, 4, 3, 3)]
    >>> [(p.a_start, p.a_end, p.b_start, p.b_end, round(p.score, 2)) for p in merge_passages(u)]
    [(0, 19, 0, 20, 0.7), (40, 50, 30, 40, 0.9)]
    """
    out: list[SentencePair] = []
    run: list[SentencePair] = []

    def close() -> None:
        if run:
            f, last = run[0], run[-1]
            out.append(SentencePair(f.a_start, last.a_end, f.b_start, last.b_end,
                                    float(np.mean([p.score for p in run])), f.a_first, last.a_last, f.b_first,
                                    last.b_last, f.kind))

    for p in pairs:
        if run and p.a_first == run[-1].a_last + 1 and p.b_first == run[-1].b_last + 1:
            run.append(p)
        else:
            close()
            run = [p]
    close()
    return out


# ---------------------------------------------------------------------------------------------
# document decision


@dataclass(frozen=True, slots=True)
class ParaphraseScore:
    """How much of each document lies in aligned sentences.

    Attributes:
        coverage_a: share of A's sentence characters inside aligned units (``coverage_b`` likewise).
        score: share of both documents' sentence characters in aligned units.
        n_pairs: aligned units.
        mean_score: mean paraphrase probability of the units.
        n_long: aligned units with at least ``min_pair_words`` words on both sides (what
            :func:`is_paraphrase` counts; None = not computed, ``n_pairs`` is used).
        density: aligned units per sentence of the side with fewer sentences that may align
            (None = not computed).
    """

    coverage_a: float
    coverage_b: float
    score: float
    n_pairs: int
    mean_score: float
    n_long: int | None = None
    density: float | None = None


def _prefix(spans: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
    if isinstance(spans, np.ndarray):
        return spans
    prefix = np.zeros(len(spans) + 1, dtype=np.int64)
    np.cumsum([e - s for s, e in spans], out=prefix[1:])
    return prefix


def paraphrase_score(pairs: Sequence[SentencePair], spans_a: Sequence[tuple[int, int]] | np.ndarray,
                     spans_b: Sequence[tuple[int, int]] | np.ndarray, n_long: int | None = None) -> ParaphraseScore:
    """Aligned share of each side (by characters of the sentences), from :func:`align_sentences` units.

    ``spans_a``/``spans_b``: each side's sentence spans, or their cumulative lengths
    (:attr:`DocSentences.prefix`). Units never overlap on a side (the alignment is monotone).

    >>> sp = [(0, 10), (11, 20)]
    >>> sc = paraphrase_score([SentencePair(0, 10, 0, 10, 0.9, 0, 0, 0, 0)], sp, sp)
    >>> round(sc.coverage_a, 3), round(sc.coverage_b, 3), sc.n_pairs, sc.mean_score
    (0.526, 0.526, 1, 0.9)
    """
    pa, pb = _prefix(spans_a), _prefix(spans_b)
    tot_a = int(pa[-1]) or 1
    tot_b = int(pb[-1]) or 1
    ca = sum(int(pa[p.a_last + 1] - pa[p.a_first]) for p in pairs) / tot_a
    cb = sum(int(pb[p.b_last + 1] - pb[p.b_first]) for p in pairs) / tot_b
    mean = sum(p.score for p in pairs) / len(pairs) if pairs else 0.0
    return ParaphraseScore(ca, cb, (ca * tot_a + cb * tot_b) / (tot_a + tot_b), len(pairs), mean, n_long)


def is_paraphrase(score: ParaphraseScore, options: ParaphraseOptions | None = None) -> bool:
    """The document decision: enough aligned sentences covering a substantial part of one side.

    >>> is_paraphrase(ParaphraseScore(0.7, 0.5, 0.6, 5, 0.8)), is_paraphrase(ParaphraseScore(0.3, 0.2, 0.25, 2, 0.9))
    (True, False)
    >>> is_paraphrase(ParaphraseScore(0.5, 0.2, 0.3, 4, 0.8)), is_paraphrase(ParaphraseScore(0.5, 0.2, 0.3, 9, 0.8))
    (False, True)
    """
    opt = options or ParaphraseOptions()
    hi, lo = max(score.coverage_a, score.coverage_b), min(score.coverage_a, score.coverage_b)
    n = score.n_pairs if score.n_long is None else score.n_long
    other = opt.min_coverage_other_many if n >= opt.many_pairs else opt.min_coverage_other
    dense = score.density is None or score.density >= opt.min_density
    return (n >= opt.min_pairs and hi >= opt.min_coverage and lo >= other and score.mean_score >= opt.min_mean_score
            and dense)


def cannot_be_paraphrase(da: DocSentences, db: DocSentences, options: ParaphraseOptions | None = None,
                         extend: bool = True) -> bool:
    """True when no alignment of the two documents can pass :func:`is_paraphrase`, from their
    sentence counts and lengths alone (``extend`` as in :func:`align_prepared`).

    Why: aligning costs ``len(da) * len(db)`` sentence pairs, so one document of a million words
    paired with a thousand articles cost minutes, while its coverage could never reach the
    threshold: units are one-to-one and monotone (at most ``min(len(da), len(db))`` of them)
    and each spans one sentence a side, or ``1 + MAX_EXTRA`` when neighbours join (``extend``),
    so a side's coverage is at most the share of its longest such sentences. The decision of
    every other pair is unchanged.

    >>> from retold.semantic import sentence_features
    >>> def doc(n, length):
    ...     spans = [(i * (length + 1), i * (length + 1) + length) for i in range(n)]
    ...     return DocSentences(spans, sentence_features(["w " * (length // 2)] * n))
    >>> cannot_be_paraphrase(doc(5, 40), doc(2000, 40)), cannot_be_paraphrase(doc(5, 40), doc(6, 40))
    (True, False)
    """
    opt = options or ParaphraseOptions()
    units = min(len(da), len(db))
    if units < opt.min_pairs:
        return True
    per_unit = 1 + MAX_EXTRA if extend else 1
    cov = [int(d.longest[min(len(d), units * per_unit)]) / (int(d.prefix[-1]) or 1) for d in (da, db)]
    lowest_other = min(opt.min_coverage_other, opt.min_coverage_other_many)
    return min(cov) < lowest_other or max(cov) < opt.min_coverage


@dataclass(frozen=True, slots=True)
class ParaphraseResult:
    """Everything :func:`compare_texts` finds for one document pair.

    ``pairs``: the confident reworded units (``passage_min_score``); ``score`` counts every
    aligned unit; ``reworded``: the better-covered side's share in units that are not copies
    (equal to that side's coverage when no verbatim passages were given).
    """

    pairs: list[SentencePair]
    score: ParaphraseScore
    paraphrase: bool
    reworded: float = 0.0


def covered_sentences(spans: Sequence[tuple[int, int]], ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Which sentences lie at least half inside the character ``ranges`` (e.g. verbatim passages).

    >>> covered_sentences([(0, 10), (11, 20), (21, 30)], [(0, 14), (26, 30)]).tolist()
    [True, False, False]
    """
    out = np.zeros(len(spans), dtype=bool)
    if not ranges or not len(spans):
        return out
    # inside(s0, s1) = F(s1) - F(s0), where F(x) = sum over ranges of |[r0, r1) ∩ (-inf, x)|:
    # sorted ends and prefix sums give it for every sentence at once (a sentence-by-range
    # double loop was quadratic for a long document with many passages)
    r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
    r = r[r[:, 1] > r[:, 0]]
    starts, ends = np.sort(r[:, 0]), np.sort(r[:, 1])
    cs = np.concatenate([[0], np.cumsum(starts)])
    ce = np.concatenate([[0], np.cumsum(ends)])

    def f(x: np.ndarray) -> np.ndarray:
        n0 = np.searchsorted(starts, x, side="left")
        n1 = np.searchsorted(ends, x, side="left")
        return (n0 * x - cs[n0]) - (n1 * x - ce[n1])

    sp = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    inside = f(sp[:, 1]) - f(sp[:, 0])
    length = sp[:, 1] - sp[:, 0]
    return (2 * inside >= length) & (length > 0)


def compare_prepared(da: DocSentences, db: DocSentences, model: SimilarityModel | CascadeModel | CharEvidence,
                     options: ParaphraseOptions | None = None, copied_a: np.ndarray | None = None,
                     copied_b: np.ndarray | None = None, extend: bool = True,
                     sim: np.ndarray | None = None, units: dict | None = None) -> ParaphraseResult:
    """Align two prepared documents and decide (the corpus path: features reused across pairs).

    ``copied_a``/``copied_b``: per-sentence flags of text already matched verbatim (the partial
    tier's passages). Units copied on both sides, and sentences with the same words in the same
    order, count for coverage but not as rewritten sentences, and are not listed: a pair is a
    paraphrase only when enough sentences were *reworded*; copied text is partial reuse. (Word
    overlap alone cannot tell a copy from a rewrite: the seed's rewrites keep runs of words, and a
    passive rewrite keeps every content word.) ``sim``, ``units``: see :func:`align_prepared`.
    """
    opt = options or ParaphraseOptions()
    pairs = align_prepared(da, db, model, opt, extend, sim, units)
    wa, wb = da.features.n_words, db.features.n_words
    wa_seq, wb_seq = da.features.words, db.features.words
    copied = [(copied_a is not None and copied_b is not None
               and bool(copied_a[p.a_first:p.a_last + 1].all() and copied_b[p.b_first:p.b_last + 1].all()))
              or (wa_seq is not None and wb_seq is not None and p.a_first == p.a_last and p.b_first == p.b_last
                  and wa_seq[p.a_first] == wb_seq[p.b_first])
              for p in pairs]
    # a one-sentence side's count is read directly (the sum of one float is that float)
    n_long = sum(not c and min(wa[p.a_first] if p.a_first == p.a_last else wa[p.a_first:p.a_last + 1].sum(),
                               wb[p.b_first] if p.b_first == p.b_last else wb[p.b_first:p.b_last + 1].sum())
                 >= opt.min_pair_words for p, c in zip(pairs, copied))
    sc = paraphrase_score(pairs, da.prefix, db.prefix, int(n_long))
    if opt.min_density > 0:
        alignable = min(int((da.features.n_content >= opt.min_content).sum()),
                        int((db.features.n_content >= opt.min_content).sum()))
        sc = replace(sc, density=len(pairs) / max(1, alignable))
    reworded = [p for p, c in zip(pairs, copied) if not c]
    rw = paraphrase_score(reworded, da.prefix, db.prefix) if len(reworded) < len(pairs) else sc
    shown = [p for p in reworded if p.score >= opt.passage_min_score]
    return ParaphraseResult(shown, sc, is_paraphrase(sc, opt), max(rw.coverage_a, rw.coverage_b))


def compare_texts(text_a: str, text_b: str, embedder: Embedder | EmbeddingCache | None = None,
            options: ParaphraseOptions | None = None) -> ParaphraseResult:
    """Align two texts sentence by sentence and decide whether B retells A (or A retells B).

    >>> r = compare_texts("One fact here. Two facts there.", "Nothing alike at all. Weather was fine.")
    >>> r.paraphrase, r.score.n_pairs
    (False, 0)
    """
    emb = embedder.embedder if isinstance(embedder, EmbeddingCache) else embedder
    model = model_for(emb if emb is not None else LexicalEmbedder())
    return compare_prepared(prepare(text_a, embedder), prepare(text_b, embedder), model, options)


def resolve_embedder(mode: str = "auto") -> EmbeddingCache:
    """A per-run cache around the process's embedder (``auto``, ``minilm`` or ``lexical``)."""
    return EmbeddingCache(shared_embedder(mode))


# ---------------------------------------------------------------------------------------------
# corpus scale: candidates from shared content words, a lexical screen, then the model


def term_candidates(terms: np.ndarray, term_offsets: np.ndarray, docs: np.ndarray | None = None,
                    options: ParaphraseOptions | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document pairs worth aligning, without comparing all pairs.

    ``terms``/``term_offsets``: each document's sorted distinct content-word hashes (CSR, from
    :func:`retold.fingerprints.fingerprint_batch` with ``terms=True``); ``docs``: the documents
    to consider (sorted; default all). An inverted index over content words held by at most
    ``max_term_df`` documents proposes pairs sharing ``min_shared_terms`` of them; a pair is kept
    when ``min_term_containment`` of the smaller document's content words are in the other.
    Returns (a, b, containment) with a < b, sorted.

    >>> from retold.fingerprints import fingerprint_batch
    >>> fp = fingerprint_batch(["Kim denied Putin help in Pyongyang on Monday",
    ...                         "On Monday in Pyongyang, Putin was denied help by Kim",
    ...                         "Rain fell on Paris on Monday"], terms=True)
    >>> a, b, c = term_candidates(fp.terms, fp.term_offsets)
    >>> a.tolist(), b.tolist(), c.round(2).tolist()
    ([0], [1], [1.0])
    """
    from .candidates import gather_sets, posting_pairs, set_overlap

    opt = options or ParaphraseOptions()
    n_all = term_offsets.shape[0] - 1
    rows = np.arange(n_all, dtype=np.int64) if docs is None else np.asarray(docs, dtype=np.int64)
    sub, soff = gather_sets(terms, np.asarray(term_offsets, dtype=np.int64), rows)
    size = np.diff(soff)
    owner = np.repeat(np.arange(rows.shape[0], dtype=np.int64), size)
    # the radix sort partitions on the top bits: put the 32 hash bits there
    keys = sub.astype(np.uint64) << np.uint64(32)
    la, lb, _ = posting_pairs(keys, owner, rows.shape[0], opt.min_shared_terms, opt.max_term_df)
    overlap = set_overlap(sub, soff, la, lb)
    cont = overlap / np.maximum(1, np.minimum(size[la], size[lb]))
    keep = cont >= opt.min_term_containment
    return rows[la[keep]], rows[lb[keep]], cont[keep]


def screen_options(options: ParaphraseOptions) -> ParaphraseOptions:
    """Looser decision thresholds for the lexical screen that runs before the model.

    The screen only has to keep every pair the model would accept: it asks for two aligned
    units (sentence threshold 0.3 instead of 0.5) covering a fifth of one side.
    """
    return replace(options, threshold=0.3, min_pairs=2, min_coverage=0.2, min_coverage_other=0.1,
                   many_pairs=4, min_coverage_other_many=0.05, min_pair_words=6)


def embed_documents(docs: Sequence[int], lexical: dict[int, DocSentences], raw: dict[int, str],
                    embed: EmbeddingCache | Embedder, max_sentences: int = 4096) -> dict[int, DocSentences]:
    """Model embeddings for the sentences of ``docs``, in calls of up to ``max_sentences``."""
    out: dict[int, DocSentences] = {}
    group: list[int] = []
    count = 0
    for k, d in enumerate(docs):
        group.append(d)
        count += len(lexical[d])
        if count >= max_sentences or k == len(docs) - 1:
            vecs = embed.encode([raw[x][s:e] for x in group for s, e in lexical[x].spans])
            row = 0
            for x in group:
                n = len(lexical[x])
                out[x] = replace(lexical[x], features=replace(lexical[x].features, emb=vecs[row : row + n]))
                row += n
            group, count = [], 0
    return out


#: the cascade's sure band (:class:`retold.semantic.CascadeModel`); an unsure sentence pair MiniLM
#: did not read keeps the cheap probability (:func:`_cascade` reads until that cannot change a verdict)
CASCADE = CascadeModel(unread=0.0)
#: the sentence evidence for documents not in English (:mod:`retold.chargrams`)
FOREIGN = CharEvidence()
#: the document rule on character evidence: aligned sentences cover half of *both* texts and
#: 0.65 aligned units per sentence of the shorter one (reuse development corpus with every
#: document sent down this path: 65 of 71 rewritten stories, none of 636 same-event candidate
#: pairs; the English rule, 40% / 30% coverage, let 26 same-event pairs through at this threshold)
FOREIGN_COVERAGE = 0.5
FOREIGN_DENSITY = 0.65


def foreign_options(options: ParaphraseOptions) -> ParaphraseOptions:
    """The decision for documents the sentence model does not serve (not English): sentences
    align on character 3-grams (:data:`FOREIGN`), every aligned unit is listed as a passage, and
    the document rule is stricter (:data:`FOREIGN_COVERAGE`, :data:`FOREIGN_DENSITY`): character
    evidence tells a retold sentence from one on the same fact less well than the model."""
    return replace(options, threshold=FOREIGN.threshold, passage_min_score=FOREIGN.threshold, fill_threshold=None,
                   min_coverage=FOREIGN_COVERAGE, min_coverage_other=FOREIGN_COVERAGE,
                   min_coverage_other_many=FOREIGN_COVERAGE, min_density=FOREIGN_DENSITY)


def may_be_dense(da: DocSentences, db: DocSentences, options: ParaphraseOptions) -> bool:
    """Whether the core alignment (no neighbours joined) has ``min_pairs`` units and
    ``min_density``: joining neighbours changes neither count, so a pair that fails here fails
    the decision too (a lossless screen for the character evidence, which has no cheaper one)."""
    units = len(align_prepared(da, db, FOREIGN, options, extend=False))
    alignable = min(int((da.features.n_content >= options.min_content).sum()),
                    int((db.features.n_content >= options.min_content).sum()))
    return units >= options.min_pairs and units >= options.min_density * max(1, alignable) - 1e-9


def with_grams(docs: Sequence[int], prepared: dict[int, DocSentences], raw: dict[int, str]) -> dict[int, DocSentences]:
    """``prepared`` documents ``docs`` with their sentences' character 3-grams, in one batch."""
    grams = gram_rows([raw[d][s:e] for d in docs for s, e in prepared[d].spans])
    out, k = {}, 0
    for d in docs:
        n = len(prepared[d])
        out[d] = replace(prepared[d], grams=grams.rows(k, k + n))
        k += n
    return out


def static_screen_options(options: ParaphraseOptions) -> ParaphraseOptions:
    """Slightly looser thresholds for the cheap model's decision before the precise model runs:
    it must keep every pair the cascade accepts (sentence threshold 0.4, one aligned unit and a
    quarter of the coverage less)."""
    return replace(options, threshold=0.4, min_pairs=max(2, options.min_pairs - 1),
                   min_coverage=0.75 * options.min_coverage, min_coverage_other=0.75 * options.min_coverage_other,
                   min_coverage_other_many=0.75 * options.min_coverage_other_many,
                   min_pair_words=min(6, options.min_pair_words))


#: How far MiniLM's probability for an unsure sentence pair it has not read is taken to lie from
#: the cheap model's (below, above): a pair is decided once it is a paraphrase with every unread
#: unsure pair lowered by the first and is not one with every such pair raised by the second.
#: On the reuse development corpus (unsure sentence pairs of the screened candidates), MiniLM's
#: probability minus the cheap one has quantiles -0.27 (5%) and +0.22 (95%); these bounds read
#: 825 sentences where reading every unsure pair's read 2,415, with the same paraphrase recall
#: and no same-event pair (``benchmarks/README.md``, issue 13).
READ_BOUNDS = (0.1, 0.25)
#: Unsure sentence pairs a pair reads per round: this many, or this share of what it has left
#: (whichever is more), closest to the sentence threshold first.
READ_STEP = 1
READ_SHARE = 0.15


@dataclass(slots=True)
class _Reading:
    """One screened pair while the precise model reads its unsure sentence pairs, in order."""

    a: int
    b: int
    flags: tuple
    verbatim: float
    parts: CascadePair  # what its probabilities reuse while it is read
    rows: np.ndarray  # its unsure sentence pairs, closest to the sentence threshold first
    cols: np.ndarray
    read_a: np.ndarray  # which of its sentences it has had read
    read_b: np.ndarray
    done: int = 0  # unsure pairs read so far
    #: its joined units' cheap parts (:class:`CascadePair` by unit), the same in every verdict
    units: dict = field(default_factory=dict)


def _passes(da: DocSentences, db: DocSentences, model: CascadeModel, opt: ParaphraseOptions, r: _Reading,
            extend: bool = True) -> bool:
    """The tier's verdict on a pair being read (a paraphrase, at least as reworded as copied).

    Joining neighbours only adds coverage and long units to the core alignment, never units:
    a verdict without it that is a paraphrase stands with it, and a core alignment with fewer
    than ``min_pairs`` units fails with it too; the costly join runs only in between."""
    sim = r.parts.matrix(da.features, db.features, model)
    got = compare_prepared(da, db, model, opt, *r.flags, extend=False, sim=sim)
    if (got.paraphrase and got.reworded >= r.verbatim) or not extend or got.score.n_pairs < opt.min_pairs:
        return got.paraphrase and got.reworded >= r.verbatim
    got = compare_prepared(da, db, model, opt, *r.flags, sim=sim, units=r.units)
    return got.paraphrase and got.reworded >= r.verbatim


def _cascade(kept: list, lexical: dict[int, DocSentences], raw: dict[int, str], static: Embedder,
             cache: EmbeddingCache, opt: ParaphraseOptions, known: Mapping[int, np.ndarray] | None = None,
             needs: dict[int, np.ndarray] | None = None, units: dict | None = None
             ) -> tuple[list, dict[int, DocSentences], dict[str, int]]:
    """The cheap model on the screened pairs, then the precise one on the sentences of the
    survivors whose verdict the cheap model leaves open (:class:`retold.semantic.CascadeModel`).

    Each survivor reads its unsure sentence pairs (the cheap probability in the unsure band,
    the best match of one of its sentences) a few at a time, closest to the sentence threshold
    first, until the verdict is the same with every unread one at the cheap probability lowered
    and raised by :data:`READ_BOUNDS`; the precise model embeds each round's new sentences in one
    call. What a pair reads depends on that pair alone, so the sentences read over a run do not
    depend on how its pairs are split into calls. The decision then takes, for every sentence
    pair, MiniLM's probability where it read both sentences (for any pair of the run) and the
    cheap one elsewhere.

    Returns the surviving pairs, their documents' features for the cascade, and counts.
    ``needs`` / ``known``: see :func:`align_candidates`. ``units`` (optional dict): receives, by
    pair, the joined units' cheap parts its verdicts computed (``units`` of :func:`align_prepared`),
    for the decision that follows."""
    cascade = CASCADE
    involved = sorted({d for a, b, _, _ in kept for d in (a, b)})
    vecs = static.encode([raw[x][s:e] for x in involved for s, e in lexical[x].spans])
    cheap: dict[int, DocSentences] = {}
    row = 0
    for x in involved:
        n = len(lexical[x])
        cheap[x] = replace(lexical[x], features=replace(lexical[x].features, emb=vecs[row : row + n]))
        row += n
    screen = static_screen_options(opt)
    survivors = []
    for a, b, flags, v in kept:
        s = compare_prepared(cheap[a], cheap[b], cascade.cheap, screen, *flags, extend=False)
        if s.paraphrase and s.reworded >= 0.75 * v:
            survivors.append((a, b, flags, v))
    used = sorted({d for a, b, _, _ in survivors for d in (a, b)})
    dim = cache.embedder.dim
    emb = {x: np.zeros((len(lexical[x]), dim), dtype=np.float32) for x in used}
    embedded = {x: np.zeros(len(lexical[x]), dtype=bool) for x in used}

    def embed(want: dict[int, np.ndarray]) -> int:
        todo = [(x, i) for x in sorted(want) for i in np.flatnonzero(want[x] & ~embedded[x]).tolist()]
        if todo:
            got = cache.encode([raw[x][lexical[x].spans[i][0] : lexical[x].spans[i][1]] for x, i in todo])
            for (x, i), vec in zip(todo, got):
                emb[x][i] = vec
                embedded[x][i] = True
        return len(todo)

    def doc(x: int, read: np.ndarray) -> DocSentences:
        return replace(lexical[x], features=replace(lexical[x].features, emb=emb[x], static=cheap[x].features.emb,
                                                    known=read))

    sure = rounds = 0
    counts: dict[str, int] = {}
    if known is None:
        low, high = replace(cascade, unread=-READ_BOUNDS[0]), replace(cascade, unread=READ_BOUNDS[1])
        reading: list[_Reading] = []
        for a, b, flags, v in survivors:
            fa, fb = cheap[a].features, cheap[b].features
            parts = CascadePair.of(replace(fa, static=fa.emb), replace(fb, static=fb.emb), cascade)
            p = parts.cheap
            unsure = cascade.uncertain(p)
            unsure &= (fa.n_content >= opt.min_content)[:, None] & (fb.n_content >= opt.min_content)[None, :]
            # a sentence aligns with one other at most, nearly always its best match
            unsure &= (p >= p.max(axis=1, keepdims=True)) | (p >= p.max(axis=0, keepdims=True))
            ii, jj = np.nonzero(unsure)
            order = np.argsort(np.abs(p[ii, jj] - cascade.threshold), kind="stable")
            reading.append(_Reading(a, b, flags, v, parts, ii[order], jj[order], np.zeros(len(lexical[a]), dtype=bool),
                                    np.zeros(len(lexical[b]), dtype=bool)))
            if units is not None:
                units[(a, b)] = reading[-1].units
        while reading:
            open_pairs = []
            for r in reading:
                da, db = doc(r.a, r.read_a), doc(r.b, r.read_b)
                if not _passes(da, db, high, opt, r):
                    continue  # not a paraphrase even if MiniLM said more than the cheap model
                # without joining neighbours: a paraphrase then is one with them (a lower bound)
                if _passes(da, db, low, opt, r, extend=False):
                    sure += int(r.done == 0)
                    continue  # a paraphrase even if MiniLM said less
                if r.done < len(r.rows):
                    step = max(READ_STEP, int(READ_SHARE * (len(r.rows) - r.done)))
                    r.read_a[r.rows[r.done : r.done + step]] = True
                    r.read_b[r.cols[r.done : r.done + step]] = True
                    r.done += step
                    open_pairs.append(r)
            want: dict[int, np.ndarray] = {}
            for r in open_pairs:
                want[r.a] = want[r.a] | r.read_a if r.a in want else r.read_a.copy()
                want[r.b] = want[r.b] | r.read_b if r.b in want else r.read_b.copy()
            if embed(want):
                rounds += 1
            reading = open_pairs
        need = embedded
        counts["precise_rounds"] = rounds
    else:
        # what every pair of the run read, not only the pairs of this call: a pair's precise
        # probabilities are those of the sentences the precise model read
        need = {x: np.zeros(len(lexical[x]), dtype=bool) for x in used}
        for x in used:
            need[x][np.asarray(known.get(x, ()), dtype=np.int64)] = True
        embed(need)
    counts.update(static_screened=len(survivors), static_sure=sure, static_sentences=int(vecs.shape[0]),
                  precise_sentences=int(sum(int(k.sum()) for k in need.values())))
    if needs is not None:
        for x in used:
            if need[x].any():
                got = np.flatnonzero(need[x])
                needs[x] = np.union1d(needs[x], got) if x in needs else got
        return survivors, {}, counts
    docs = {x: doc(x, need[x]) for x in used}
    return survivors, docs, counts


def cascade_runs(mode: str) -> bool:
    """Whether the tier, with the embedder ``mode`` of a plan, decides English pairs by the
    cascade (:func:`align_candidates`): MiniLM installed, the static model buildable, and
    ``RETOLD_CASCADE`` not ``0``.

    >>> cascade_runs("lexical")
    False
    """
    from . import static_model
    from .semantic import minilm_available

    return (mode != "lexical" and minilm_available() and os.environ.get("RETOLD_CASCADE", "1") != "0"
            and static_model.available())


def align_candidates(texts: Callable[[int], str], pairs: Sequence[tuple[int, int]],
                     embed: EmbeddingCache | None = None, options: ParaphraseOptions | None = None,
                     copied: dict[tuple[int, int], list[tuple[int, int, int, int]]] | None = None,
                     verbatim: dict[tuple[int, int], float] | None = None,
                     on_pair: Callable[[], None] | None = None, stats: dict[str, int] | None = None,
                     known: Mapping[int, np.ndarray] | None = None, needs: dict[int, np.ndarray] | None = None
                     ) -> list[tuple[int, int, ParaphraseResult]]:
    """Decide candidate pairs: a lexical screen on every pair, the model only on those it keeps.

    ``texts(d)``: the text of document d. ``copied[(a, b)]``: verbatim passages
    ``(a_start, a_end, b_start, b_end)`` already found for the pair (their sentences count as
    copied, not rewritten); ``verbatim[(a, b)]``: the share of the better-covered side those
    passages cover. A pair with passages is a paraphrase only when at least as much of it is
    reworded as copied (a noisy copy whose edits broke some passages is still a copy); the screen
    asks for half that. Each document is split and its lexical features computed once;
    model embeddings are computed once per distinct sentence (``embed`` caches them) and only
    for documents of pairs that pass the screen. The sentence model reads English pairs only
    (:func:`retold.languages.language_of`): with MiniLM, the static model decides the sentence
    pairs it is sure of and MiniLM reads the rest (:func:`_cascade`); pairs in other languages
    skip the (English) screen and align on character 3-grams (:mod:`retold.chargrams`,
    :func:`foreign_options`). Returns ``(a, b, result)`` for pairs decided ``paraphrase``,
    sorted; ``stats`` (optional) receives the counts of each stage (``foreign_pairs``: pairs
    decided on character evidence) and the documents per language.

    What MiniLM reads for a pair depends on that pair alone, but a pair is decided on every
    sentence pair MiniLM read over the call (a sentence read for one pair counts for all of
    them). An engine that splits a run's pairs over several calls (Spark partitions) makes two
    passes to decide each pair as one call would: ``needs`` (a dict) makes a call only collect,
    per document, the numbers of the sentences its pairs had MiniLM read (merged into
    ``needs``; MiniLM runs, to know when each pair is settled, but nothing is decided and ``[]``
    is returned); the union of those over all calls is then given as ``known`` to the calls that
    decide, which read exactly those.
    """
    opt = options or ParaphraseOptions()
    cache = embed if embed is not None else EmbeddingCache(LexicalEmbedder())
    semantic = cache.embedder.semantic
    lex_model = LEXICAL_MODEL
    final_model = model_for(cache.embedder)
    screen = screen_options(opt)
    involved = sorted({d for pair in pairs for d in pair})
    raw = {d: texts(d) for d in involved}
    lexical: dict[int, DocSentences] = {}
    chunk: list[int] = []
    size = 0
    for d in involved:  # batches of ~8M characters: the feature kernel's scratch is 12 bytes a character
        chunk.append(d)
        size += len(raw[d])
        if size >= 8_000_000 or d == involved[-1]:
            lexical.update(zip(chunk, prepare_many([raw[x] for x in chunk])))
            chunk, size = [], 0
    out = []
    kept: list[tuple[int, int, tuple[np.ndarray | None, np.ndarray | None], float]] = []
    foreign: list[tuple[int, int, tuple[np.ndarray | None, np.ndarray | None], float]] = []
    # the sentence model knows English: other languages are decided on character evidence, which
    # the lexical screen (English words) must not pre-empt
    langs = languages({d: raw[d] for d in involved})
    for a, b in pairs:
        da, db = lexical[a], lexical[b]
        flags: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
        if copied and (a, b) in copied:
            ps = copied[(a, b)]
            flags = (covered_sentences(da.spans, [(p[0], p[1]) for p in ps]),
                     covered_sentences(db.spans, [(p[2], p[3]) for p in ps]))
        if cannot_be_paraphrase(da, db, screen, extend=False):  # the screen's own decision, without the cost
            if on_pair is not None:
                on_pair()
            continue
        v = verbatim.get((a, b), 0.0) if verbatim else 0.0
        if langs[a] != "en" or langs[b] != "en":
            foreign.append((a, b, flags, v))
            continue
        s = compare_prepared(da, db, lex_model, screen, *flags, extend=False)
        if s.paraphrase and s.reworded >= 0.5 * v:
            kept.append((a, b, flags, v))
        elif on_pair is not None:
            on_pair()
    n_screened = len(kept)
    docs: dict[int, DocSentences] = lexical
    model: SimilarityModel | CascadeModel = final_model if semantic else lex_model
    counts: dict[str, int] = {}
    units: dict[tuple[int, int], dict] = {}  # each read pair's joined units, from its verdicts to its decision
    if needs is not None and not (semantic and kept):
        return []
    if semantic and kept:
        static = shared_static() if cache.embedder.name == "minilm" else None
        if static is not None:
            try:
                static.prepare()  # type: ignore[attr-defined]
            except Exception as e:  # noqa: BLE001 - a failed build only costs speed: MiniLM reads everything
                warnings.warn(f"static model unavailable ({type(e).__name__}: {e}); MiniLM reads every screened "
                              "sentence (slower, same kind of result)", RuntimeWarning, stacklevel=2)
                static = None
        if static is not None:
            n_kept = len(kept)
            kept, docs, counts = _cascade(kept, lexical, raw, static, cache, opt, known, needs, units)
            if needs is not None:
                return []
            for _ in range(n_kept - len(kept)):
                if on_pair is not None:
                    on_pair()
            model = replace(CASCADE, precise=final_model)
        elif needs is not None:
            return []
        else:
            # the model sees every document that passed the screen in a few large calls: batches
            # of similar-length sentences from many documents pad less than one document at a time
            docs = embed_documents(sorted({d for a, b, _, _ in kept for d in (a, b)}), lexical, raw, cache)
    chars = with_grams(sorted({d for a, b, _, _ in foreign for d in (a, b)}), lexical, raw) if foreign else {}
    for group, m, o, ds in ((kept, model, opt, docs), (foreign, FOREIGN, foreign_options(opt), chars)):
        for a, b, flags, v in group:
            if m is FOREIGN and not may_be_dense(ds[a], ds[b], o):
                if on_pair is not None:
                    on_pair()
                continue
            r = compare_prepared(ds[a], ds[b], m, o, *flags, units=units.get((a, b)))
            if r.paraphrase and r.reworded >= v:
                out.append((a, b, r))
            if on_pair is not None:
                on_pair()
    out.sort(key=lambda t: (t[0], t[1]))
    if stats is not None:
        english = sum(lang == "en" for lang in langs.values())
        stats.update(candidates=len(pairs), documents=len(involved), screened=n_screened, foreign_pairs=len(foreign),
                     embedded_documents=len(docs) if semantic and kept else 0, paraphrases=len(out),
                     documents_model=english if semantic else 0,
                     documents_lexical=len(langs) - english if semantic else len(langs), **counts)
        stats.update({f"language:{k}": v for k, v in tally(langs).items()})
    return out


def find_paraphrases(texts: Sequence[str], embed: EmbeddingCache | None = None,
                     options: ParaphraseOptions | None = None) -> list[tuple[int, int, ParaphraseResult]]:
    """All paraphrase pairs of a list of texts: candidates from shared content words, a lexical
    screen, then alignment with the model (:func:`align_candidates`).

    Returns ``(i, j, result)`` for the pairs decided ``paraphrase``, i < j.

    >>> a = ("Kim denied Putin any help with the war in Ukraine. Oil prices rose by 3% on Monday in London. "
    ...      "Peace talks in Oslo between the two sides ended early.")
    >>> b = ("Putin was denied help with the war in Ukraine by Kim. On Monday oil prices in London rose 3%. "
    ...      "Early end for the Oslo peace talks between the two sides.")
    >>> [(i, j, r.score.n_pairs) for i, j, r in find_paraphrases([a, "Weather was fine today.", b])]
    [(0, 2, 3)]
    """
    from .fingerprints import fingerprint_batch

    if len(texts) < 2:
        return []
    fp = fingerprint_batch(list(texts), terms=True)
    assert fp.terms is not None and fp.term_offsets is not None
    a, b, _ = term_candidates(fp.terms, fp.term_offsets, options=options)
    return align_candidates(lambda d: texts[d], list(zip(a.tolist(), b.tolist())), embed, options)
