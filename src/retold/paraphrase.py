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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .records import Passage
from .semantic import (
    Embedder,
    EmbeddingCache,
    LexicalEmbedder,
    SentenceFeatures,
    SimilarityModel,
    default_embedder,
    model_for,
    sentence_features,
    sentence_terms,
    similarity_matrix,
)
from .sentences import split_sentences

MAX_SENTENCE_CHARS = 1000  # longer run-on pieces are cut: the model reads at most 256 word pieces


@dataclass(frozen=True, slots=True)
class ParaphraseOptions:
    """Tunables of sentence alignment and of the document decision.

    Attributes:
        threshold: paraphrase probability from which two sentences may align (None = the
            embedder's default, fitted on MSRP train: 0.48 for MiniLM). Every aligned unit counts
            for the document decision.
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
    p = np.clip(sim.astype(np.float64), 1e-6, 1 - 1e-6)
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    gain = np.log(p / (1 - p)) - np.log(t / (1 - t))
    ok = sim >= threshold
    if allowed is not None:
        ok &= allowed
    gain = np.where(ok, gain, -np.inf)
    # dp[i, j]: best total using A[:i], B[:j]; rows are filled with a vectorised running max
    dp = np.zeros((n + 1, m + 1))
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 = skip a, 1 = skip b, 2 = match
    for i in range(1, n + 1):
        diag = dp[i - 1, :-1] + gain[i - 1]
        up = dp[i - 1, 1:]
        best = np.maximum(diag, up)
        row_move = np.where(diag > up, 2, 0).astype(np.int8)
        # skipping B (moving right) needs a running max along the row
        row = np.empty(m + 1)
        row[0] = dp[i, 0]
        mv = np.empty(m + 1, dtype=np.int8)
        mv[0] = 0
        for j in range(1, m + 1):
            left = row[j - 1]
            if left > best[j - 1]:
                row[j], mv[j] = left, 1
            else:
                row[j], mv[j] = best[j - 1], row_move[j - 1]
        dp[i], move[i] = row, mv
    out: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        mv = move[i, j]
        if mv == 2:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif mv == 1:
            j -= 1
        else:
            i -= 1
    return out[::-1]


def extend_neighbours(pairs: list[tuple[int, int]], n: int, m: int,
                      unit_score: Callable[[int, int, int, int], float],
                      max_extra: int = 2) -> list[tuple[int, int, int, int, float]]:
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


def join_features(f: SentenceFeatures, first: int, last: int) -> SentenceFeatures:
    """Approximate features of sentences ``first..last`` read as one (a length-weighted mean of
    their embeddings, as mean pooling over tokens would give; bags and numbers summed).

    >>> from retold.semantic import sentence_features
    >>> j = join_features(sentence_features(["Kim said no in 2022.", "Putin asked twice."]), 0, 1)
    >>> len(j), j.n_words.tolist(), j.n_nums.tolist()
    (1, [8.0], [1.0])
    """
    sl = slice(first, last + 1)
    w = f.n_words[sl][:, None]

    def pool(x: np.ndarray) -> np.ndarray:
        v = (x[sl] * w).sum(axis=0, keepdims=True)
        norm = np.linalg.norm(v)
        return (v / norm if norm > 0 else v).astype(np.float32)

    nums = f.nums[sl].max(axis=0, keepdims=True)
    return SentenceFeatures(pool(f.emb), pool(f.lex), nums, nums.sum(axis=1), f.n_words[sl].sum(keepdims=True),
                            f.n_content[sl].sum(keepdims=True))


# ---------------------------------------------------------------------------------------------
# text level


@dataclass(frozen=True, slots=True)
class DocSentences:
    """A document cut into sentences, with the features similarity needs."""

    spans: list[tuple[int, int]]
    features: SentenceFeatures

    def __len__(self) -> int:
        return len(self.spans)


def prepare(text: str, embed: EmbeddingCache | Embedder | None = None) -> DocSentences:
    """Sentences of ``text`` and their features (``embed`` None = lexical only)."""
    spans = split_sentences(text, max_chars=MAX_SENTENCE_CHARS)
    return DocSentences(spans, sentence_features([text[s:e] for s, e in spans], embed))


def align_prepared(da: DocSentences, db: DocSentences, model: SimilarityModel,
                   options: ParaphraseOptions | None = None) -> list[SentencePair]:
    """Every aligned unit of two prepared documents (features computed once per document), listed or not."""
    opt = options or ParaphraseOptions()
    if not len(da) or not len(db):
        return []
    sim = similarity_matrix(da.features, db.features, model)
    thr = model.threshold if opt.threshold is None else opt.threshold
    long_a = da.features.n_content >= opt.min_content
    long_b = db.features.n_content >= opt.min_content
    pairs = align_matrix(sim, thr, long_a[:, None] & long_b[None, :])

    def unit_score(a0: int, a1: int, b0: int, b1: int) -> float:
        if a0 == a1 and b0 == b1:
            return float(sim[a0, b0])
        ja, jb = join_features(da.features, a0, a1), join_features(db.features, b0, b1)
        # a joined unit must beat its core by a margin: pooling always smooths a little
        return float(similarity_matrix(ja, jb, model)[0, 0]) - opt.merge_margin

    units = extend_neighbours(pairs, len(da), len(db), unit_score)
    return [SentencePair(da.spans[a0][0], da.spans[a1][1], db.spans[b0][0], db.spans[b1][1], sc, a0, a1, b0, b1)
            for a0, a1, b0, b1, sc in units]


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
    """

    coverage_a: float
    coverage_b: float
    score: float
    n_pairs: int
    mean_score: float
    n_long: int | None = None


def _covered(spans: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> int:
    return sum(spans[k][1] - spans[k][0] for r0, r1 in ranges for k in range(r0, r1 + 1))


def paraphrase_score(pairs: Sequence[SentencePair], spans_a: list[tuple[int, int]],
                     spans_b: list[tuple[int, int]], n_long: int | None = None) -> ParaphraseScore:
    """Aligned share of each side (by characters of the sentences), from :func:`align_sentences` units.

    >>> sp = [(0, 10), (11, 20)]
    >>> sc = paraphrase_score([SentencePair(0, 10, 0, 10, 0.9, 0, 0, 0, 0)], sp, sp)
    >>> round(sc.coverage_a, 3), round(sc.coverage_b, 3), sc.n_pairs, sc.mean_score
    (0.526, 0.526, 1, 0.9)
    """
    tot_a = sum(e - s for s, e in spans_a) or 1
    tot_b = sum(e - s for s, e in spans_b) or 1
    ca = _covered(spans_a, [(p.a_first, p.a_last) for p in pairs]) / tot_a
    cb = _covered(spans_b, [(p.b_first, p.b_last) for p in pairs]) / tot_b
    mean = float(np.mean([p.score for p in pairs])) if pairs else 0.0
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
    return n >= opt.min_pairs and hi >= opt.min_coverage and lo >= other and score.mean_score >= opt.min_mean_score


@dataclass(frozen=True, slots=True)
class ParaphraseResult:
    """Everything :func:`compare` finds for one document pair.

    ``pairs``: the confident units (``passage_min_score``); ``score`` counts every aligned unit.
    """

    pairs: list[SentencePair]
    score: ParaphraseScore
    paraphrase: bool


def compare_prepared(da: DocSentences, db: DocSentences, model: SimilarityModel,
                     options: ParaphraseOptions | None = None) -> ParaphraseResult:
    """Align two prepared documents and decide (the corpus path: features reused across pairs)."""
    opt = options or ParaphraseOptions()
    pairs = align_prepared(da, db, model, opt)
    wa, wb = da.features.n_words, db.features.n_words
    n_long = sum(min(wa[p.a_first:p.a_last + 1].sum(), wb[p.b_first:p.b_last + 1].sum()) >= opt.min_pair_words
                 for p in pairs)
    sc = paraphrase_score(pairs, da.spans, db.spans, int(n_long))
    shown = [p for p in pairs if p.score >= opt.passage_min_score]
    return ParaphraseResult(shown, sc, is_paraphrase(sc, opt))


def compare(text_a: str, text_b: str, embedder: Embedder | EmbeddingCache | None = None,
            options: ParaphraseOptions | None = None) -> ParaphraseResult:
    """Align two texts sentence by sentence and decide whether B retells A (or A retells B).

    >>> r = compare("One fact here. Two facts there.", "Nothing alike at all. Weather was fine.")
    >>> r.paraphrase, r.score.n_pairs
    (False, 0)
    """
    emb = embedder.embedder if isinstance(embedder, EmbeddingCache) else embedder
    model = model_for(emb if emb is not None else LexicalEmbedder())
    return compare_prepared(prepare(text_a, embedder), prepare(text_b, embedder), model, options)


def resolve_embedder(mode: str = "auto") -> EmbeddingCache:
    """A per-run cache around the default embedder (``auto``, ``minilm`` or ``lexical``)."""
    return EmbeddingCache(default_embedder(mode))


# ---------------------------------------------------------------------------------------------
# corpus candidates


def doc_embeddings(embeddings: np.ndarray, sent_offsets: np.ndarray) -> np.ndarray:
    """Mean-pooled, re-normalised document embeddings from sentence rows ``[off[d], off[d+1])``.

    >>> e = np.eye(3, dtype=np.float32)
    >>> doc_embeddings(e, np.array([0, 2, 3])).round(3).tolist()  # doctest: +ELLIPSIS
    [[0.707..., 0.707..., 0.0], [0.0, 0.0, 1.0]]
    """
    n = sent_offsets.shape[0] - 1
    sums = np.add.reduceat(embeddings, sent_offsets[:-1], axis=0) if embeddings.shape[0] else \
        np.zeros((n, embeddings.shape[1]), dtype=np.float32)
    empty = sent_offsets[1:] == sent_offsets[:-1]
    sums[empty] = 0.0
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    np.divide(sums, norms, out=sums, where=norms > 0)
    return sums.astype(np.float32, copy=False)


def topk_pairs(vecs: np.ndarray, k: int, min_cos: float, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) where j is among i's ``k`` nearest rows (or i among j's) with cosine >= ``min_cos``.

    Exact, blocked numpy (fine up to ~100k documents); uses usearch's HNSW index when installed
    and there are more than 100k rows.

    >>> v = np.array([[1, 0], [0.96, 0.28], [0, 1]], dtype=np.float32)
    >>> [x.tolist() for x in topk_pairs(v, 1, 0.5)]
    [[0], [1]]
    """
    n = vecs.shape[0]
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    kk = min(k, n - 1)
    if n > 100_000:
        try:
            return _usearch_pairs(vecs, kk, min_cos)
        except ImportError:
            pass
    ii, jj = [], []
    for s in range(0, n, block):
        sims = vecs[s : s + block] @ vecs.T
        rows = np.arange(sims.shape[0])
        sims[rows, s + rows] = -np.inf  # not its own neighbour
        nn = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        val = np.take_along_axis(sims, nn, axis=1)
        keep = val >= min_cos
        ii.append(np.repeat(s + rows, kk)[keep.ravel()])
        jj.append(nn[keep])
    return _canonical(np.concatenate(ii), np.concatenate(jj))


def _usearch_pairs(vecs: np.ndarray, k: int, min_cos: float) -> tuple[np.ndarray, np.ndarray]:
    from usearch.index import Index

    index = Index(ndim=vecs.shape[1], metric="cos", dtype="f32")
    keys = np.arange(vecs.shape[0], dtype=np.uint64)
    index.add(keys, vecs)
    res = index.search(vecs, k + 1)
    nn = res.keys.astype(np.int64)
    sim = 1.0 - res.distances
    rows = np.repeat(np.arange(vecs.shape[0]), nn.shape[1])
    keep = (sim.ravel() >= min_cos) & (nn.ravel() != rows) & (nn.ravel() >= 0)
    return _canonical(rows[keep], nn.ravel()[keep])


def _canonical(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.minimum(i, j), np.maximum(i, j)
    keep = a != b
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0) if keep.any() else np.zeros((0, 2), np.int64)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def rare_term_pairs(doc_terms: Sequence[set[str]], min_shared: int = 3, max_df: int = 50
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Document pairs that share at least ``min_shared`` terms held by at most ``max_df`` documents.

    Terms held by many documents (common words, a site's name) are not evidence and are skipped,
    so the work is bounded by ``max_df**2`` per term instead of all pairs.

    >>> t = [{"hurst", "xsoviet", "13500", "kim"}, {"hurst", "xsoviet", "13500"}, {"kim", "paris"}]
    >>> [x.tolist() for x in rare_term_pairs(t, min_shared=3)]
    [[0], [1]]
    """
    post: dict[str, list[int]] = {}
    for d, terms in enumerate(doc_terms):
        for t in terms:
            post.setdefault(t, []).append(d)
    counts: dict[tuple[int, int], int] = {}
    for docs in post.values():
        if 1 < len(docs) <= max_df:
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    key = (docs[x], docs[y])
                    counts[key] = counts.get(key, 0) + 1
    hit = [k for k, c in counts.items() if c >= min_shared]
    if not hit:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.array(sorted(hit), dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def evidence_terms(text: str, spans: Sequence[tuple[int, int]] | None = None) -> set[str]:
    """Terms that survive rewording: names, numbers and longer content words (stemmed).

    >>> sorted(evidence_terms("Kim met Sarah Hurst in 2022 and denied everything."))
    ['2022', 'everyt', 'hurst', 'sarah']
    """
    out: set[str] = set()
    for s, e in (spans if spans is not None else [(0, len(text))]):
        st = sentence_terms(text[s:e])
        for k, w in st.terms.items():
            # names and numbers, plus words long enough to be rarer than function words
            if w > 1.0 or len(k) >= 6:
                out.add(k)
    return out


def paraphrase_candidates(sent_offsets: np.ndarray, embeddings: np.ndarray | None = None,
                          doc_terms: Sequence[set[str]] | None = None, k: int = 10, min_doc_cos: float = 0.5,
                          min_shared: int = 3, max_df: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Candidate document pairs (i < j) for paraphrase alignment, without comparing all pairs.

    Args:
        sent_offsets: int64 [n_docs + 1]; document d owns sentence rows ``[off[d], off[d+1])``.
        embeddings: float32 [n_sentences, dim] normalised sentence embeddings, or None. Documents
            become mean-pooled vectors; each proposes its ``k`` nearest neighbours with cosine
            >= ``min_doc_cos``.
        doc_terms: per-document evidence terms (:func:`evidence_terms`), or None. Pairs sharing
            ``min_shared`` terms held by at most ``max_df`` documents are proposed too.

    Returns:
        Two int64 arrays (a, b), a < b, sorted and unique: the union of both sources.

    >>> e = np.array([[1, 0], [1, 0], [0.99, 0.14], [0, 1]], dtype=np.float32)
    >>> [x.tolist() for x in paraphrase_candidates(np.array([0, 2, 3, 4]), e, k=1)]
    [[0], [1]]
    """
    ii, jj = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if embeddings is not None:
        a, b = topk_pairs(doc_embeddings(embeddings, np.asarray(sent_offsets, dtype=np.int64)), k, min_doc_cos)
        ii.append(a)
        jj.append(b)
    if doc_terms is not None:
        a, b = rare_term_pairs(doc_terms, min_shared, max_df)
        ii.append(a)
        jj.append(b)
    return _canonical(np.concatenate(ii), np.concatenate(jj))


def find_paraphrases(texts: Sequence[str], embed: EmbeddingCache | None = None,
                     options: ParaphraseOptions | None = None, k: int = 10, min_doc_cos: float = 0.5,
                     candidates: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> list[tuple[int, int, ParaphraseResult]]:
    """All paraphrase pairs of a list of texts: prepare each once, propose candidates, align them.

    Returns ``(i, j, result)`` for the pairs decided ``paraphrase``, i < j. ``candidates``: pairs
    to check (e.g. already proposed by the caller); None = :func:`paraphrase_candidates` over
    document embeddings and rare terms.

    >>> a = ("Kim denied Putin any help with the war in Ukraine. Oil prices rose by 3% on Monday in London. "
    ...      "Peace talks in Oslo between the two sides ended early.")
    >>> b = ("Putin was denied help with the war in Ukraine by Kim. On Monday oil prices in London rose 3%. "
    ...      "Early end for the Oslo peace talks between the two sides.")
    >>> [(i, j, r.score.n_pairs) for i, j, r in find_paraphrases([a, "Weather was fine today.", b])]
    [(0, 2, 3)]
    """
    cache = embed if embed is not None else EmbeddingCache(LexicalEmbedder())  # an empty cache is falsy
    model = model_for(cache.embedder)
    docs = [prepare(t, cache) for t in texts]
    if candidates is None:
        off = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in docs], out=off[1:])
        emb = np.concatenate([d.features.emb for d in docs]) if off[-1] else None
        terms = [evidence_terms(t, d.spans) for t, d in zip(texts, docs)]
        candidates = paraphrase_candidates(off, emb, terms, k=k, min_doc_cos=min_doc_cos)
    out = []
    for i, j in zip(*candidates):
        r = compare_prepared(docs[int(i)], docs[int(j)], model, options)
        if r.paraphrase:
            out.append((int(i), int(j), r))
    return out
