"""The contract every engine keeps: the kinds of reuse, the decision thresholds, the plan, the
columns of a corpus and the pair table that stages return.

Nothing here computes anything heavy, and nothing here imports a kernel: the command line,
the service and a Spark driver can import it in a blink.

* :data:`KINDS` is the one ordered vocabulary of what retold reports. Every entry point (CLI,
  Python API, index, service, records) validates with :func:`parse_kinds`.
* :class:`Options` holds the decision thresholds only (what makes a pair a near-duplicate, a
  partial, a paraphrase). How documents are read (:class:`Fields`) and how an engine batches
  its work are elsewhere.
* :class:`Plan` is decided once from the kinds asked: which evidence to compute (band
  candidates, anchors, passages, content words, the paraphrase tier) and which site furniture
  to mask. ``kinds`` then only filters what is reported. A kind's decision may depend on the
  kinds before it (a partial pair is one that is not a near-duplicate; a paraphrase is checked
  against the verbatim passages), so the plan computes those too, and a narrower run never
  reports a pair, or a kind for a pair, that the full run would not.
* :class:`PairTable` is what stages return: plain columns, never mutated in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .boilerplate import BoilerplateOptions

# the vocabulary and the record fields live in a module that imports nothing, so that the command
# line can show its help without NumPy; they are part of the model all the same
from .vocabulary import (  # noqa: F401
    BOILERPLATE_LEVELS,
    EMBEDDERS,
    FAMILY_KINDS,
    ID_PREFIXES,
    KIND_CODE,
    KINDS,
    PASSAGE_CODE,
    PASSAGE_KINDS,
    Fields,
    parse_embedder,
    parse_kinds,
)

if TYPE_CHECKING:  # pragma: no cover
    from .readers import ReadStats
    from .store import ColumnStore, SequenceStore

@dataclass(frozen=True)
class Options:
    """The decision thresholds of every stage, with the defaults documented in README.md.

    Attributes:
        shingle_size: words per shingle (word k-grams).
        bands: LSH bands of the content-word signature.
        rows: signature bins per band; a pair is a candidate when all rows of a band agree
            (probability J**rows per band for word-set Jaccard J).
        min_hits: bands two documents must share to become a candidate pair.
        max_postings: band keys held by more documents than this are ignored as evidence.
        band_min_agreement: a band candidate is verified only when at least this share of the
            content-word signature's bins agree (one byte kept per bin): an estimate of the
            pair's content-word Jaccard, computed when the bands collide. Measured on the
            generated corpus at 1M documents: every reported near-duplicate agrees on >= 0.28
            of its bins, while 90% of colliding pairs that are not near-duplicates agree on
            < 0.15 (documents spliced from the same sentences collide in a band or two).
        agreement_min_tokens: pairs with a document of fewer tokens skip that test: a few
            content words make the estimate coarse.
        gap: largest gap (in shingles) bridged inside one matching region.
        min_run: matched shingles a region needs to count.
        near_min_coverage: share of the shorter document's tokens that must lie in matching
            regions for a near-duplicate.
        near_min_coverage_long: the same share required of the longer document (a
            truncation to 60% still qualifies; one paragraph lifted into a long article does not).
        near_min_containment: a cheap pre-check before coverage: the shared shingles must be
            at least this share of the smaller shingle set (noisy copies measured >= 0.35).
        anchor_bits: partial-reuse anchors are the shingles whose hash has this many chosen bits
            at zero: about one shingle in 2**anchor_bits.
        anchor_min_hits: shared anchors that make a partial-reuse candidate.
        anchor_max_df: anchors held by more documents than this are stock phrases or
            boilerplate, not evidence, and are ignored.
        partial_min_words: a pair is ``partial`` when it shares at least one passage this long
            (in words, on each side).
        partial_min_total_words, partial_min_share: and the passages must hold at least this many
            words in all, or this share of the shorter document. Independent news articles on
            one event quote the same speakers verbatim (a sentence or two); lifted copy is longer.
            Measured on the reuse development corpus: this halves the false partial pairs
            (97 -> 48, most of them ECB+ same-event quotes) and keeps every required one.
        passage_min_words: shortest passage listed in a record once the pair qualifies.
        passage_min_score: lowest share of matched words inside a reported passage.
        paraphrase_threshold: sentence-pair probability from which sentences align (None = the
            embedder's default fitted on MSRP train and the reuse development corpus, 0.45 for
            MiniLM). Lower finds more retold stories and more same-event articles
            (``benchmarks/README.md``, paraphrase tier).
        boilerplate: thresholds of the site-furniture detector.
    """

    shingle_size: int = 3
    bands: int = 64
    rows: int = 5
    min_hits: int = 1
    max_postings: int = 1000
    band_min_agreement: float = 0.2
    agreement_min_tokens: int = 100
    gap: int = 8
    min_run: int = 3
    near_min_coverage: float = 0.8
    near_min_coverage_long: float = 0.5
    near_min_containment: float = 0.25
    anchor_bits: int = 3
    anchor_min_hits: int = 2
    anchor_max_df: int = 8
    partial_min_words: int = 15
    partial_min_total_words: int = 30
    partial_min_share: float = 0.1
    passage_min_words: int = 8
    passage_min_score: float = 0.5
    paraphrase_threshold: float | None = None
    boilerplate: BoilerplateOptions = field(default_factory=BoilerplateOptions)

    def replace(self, **changes: Any) -> Options:
        """A copy with some thresholds changed.

        >>> Options().replace(partial_min_words=20).partial_min_words
        20
        """
        return replace(self, **changes)


@dataclass(frozen=True)
class Plan:
    """What a run computes, decided once from the kinds asked (see the module docstring).

    Attributes:
        kinds: the kinds reported (a filter on the decisions).
        bands: verify the LSH band candidates (near-duplicates).
        anchors: also verify the sampled-shingle anchor candidates (shared passages; a
            near-duplicate whose content words changed a lot is found this way too).
        passages: align passages (token offsets are kept for them).
        terms: keep each document's content words (the paraphrase tier's candidates).
        paraphrase: run the paraphrase tier.
        boilerplate: ``off``, ``cues`` or ``site`` (see :data:`BOILERPLATE_LEVELS`).
        embedder: sentence similarity of the paraphrase tier (see :data:`EMBEDDERS`).
    """

    kinds: tuple[str, ...] = KINDS
    bands: bool = True
    anchors: bool = True
    passages: bool = True
    terms: bool = True
    paraphrase: bool = True
    boilerplate: str = "cues"
    embedder: str = "auto"

    @classmethod
    def for_kinds(cls, kinds: str | Iterable[str] | None = None, *, boilerplate: bool | None = None,
                  embedder: str | None = None, web: bool = False, families: bool = False) -> Plan:
        """The plan of a run that reports ``kinds``.

        ``boilerplate``: None (default) masks single-page cues everywhere, and lines repeated
        across a site too for web input (``web=True``: HTML/WARC, where sites are known);
        True always does both; False masks nothing. The level is the same whatever the
        kinds, so that every kind is decided on the same evidence. ``families=True`` (the
        plan of ``clusters`` and ``dedup``) verifies the anchor candidates too, so that the
        families are those the full ``find`` reports.

        >>> p = Plan.for_kinds("exact,near_duplicate")
        >>> p.bands, p.anchors, p.passages, p.paraphrase, p.boilerplate
        (True, False, False, False, 'cues')
        >>> p = Plan.for_kinds("paraphrase", embedder="lexical")
        >>> p.kinds, p.anchors, p.passages, p.terms, p.embedder
        (('paraphrase',), True, True, True, 'lexical')
        """
        ks = parse_kinds(kinds)
        strongest = max(KIND_CODE[k] for k in ks)
        partial = strongest >= KIND_CODE["partial"]
        para = strongest >= KIND_CODE["paraphrase"]
        if boilerplate is False:
            level = "off"
        elif boilerplate is True or web:
            level = "site"
        else:
            level = "cues"
        return cls(kinds=ks, bands=strongest >= KIND_CODE["near_duplicate"], anchors=partial or families,
                   passages=partial, terms=para, paraphrase=para, boilerplate=level,
                   embedder=parse_embedder(embedder) if para else parse_embedder(embedder or "auto"))

    def reports(self, kind: str) -> bool:
        """Whether pairs of ``kind`` are reported.

        >>> Plan.for_kinds("exact").reports("partial")
        False
        """
        return kind in self.kinds


# -- columns ------------------------------------------------------------------------------------


def _empty(dtype: Any) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


@dataclass
class Corpus:
    """What an engine keeps of a corpus after signing: one row per document, in read order.

    Attributes:
        ids, dates: document ids (unique in the run) and date strings (or None).
        n_tokens, content: token counts and hashes of the normalised token sequence.
        n_words: words per document, Chinese and Japanese characters counted as words
            (:func:`retold.text.word_counts`; None = as many as tokens).
        keys: uint64 [ndocs, bands] LSH keys of the content-word signature (an array, or a
            :class:`~retold.store.ColumnStore` that reads as one).
        sketch: uint8 [ndocs, bands * rows] one byte of each signature bin (the band
            candidates' agreement test); an array or a column store, like ``keys``.
        anchors, anchor_docs: sampled shingle hashes and the document holding each.
        terms, term_offsets: each document's distinct content words (uint32 hashes, CSR),
            when the plan keeps them.
        boilerplate: document index -> ``[start, end)`` spans recognised as site furniture
            (masked out before signing, so they are never evidence of reuse).
        store: shingle sequences; ``offsets``: packed token character offsets (when the plan
            computes passages).
        plan, options: what the corpus was signed for and with.
        sources, fields: the inputs it was read from, and the record fields used.
    """

    plan: Plan
    options: Options
    sources: list[Any] = field(default_factory=list)
    fields: Fields = field(default_factory=Fields)
    ids: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)
    n_tokens: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    content: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    n_words: np.ndarray | None = None
    keys: np.ndarray | ColumnStore = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint64))
    sketch: np.ndarray | ColumnStore = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint8))
    anchors: np.ndarray = field(default_factory=lambda: _empty(np.uint64))
    anchor_docs: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    terms: np.ndarray | None = None
    term_offsets: np.ndarray | None = None
    boilerplate: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    store: SequenceStore | None = None
    offsets: SequenceStore | None = None
    stats: ReadStats | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class PassageTable:
    """Passages of pairs, as columns: passage ``i`` belongs to row ``pair[i]`` of its table and
    spans ``[a_start, a_end)`` / ``[b_start, b_end)`` characters of the two original texts;
    ``kind`` is a code into :data:`PASSAGE_KINDS`."""

    pair: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    a_start: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    a_end: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    b_start: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    b_end: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    score: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    kind: np.ndarray = field(default_factory=lambda: _empty(np.int8))

    COLUMNS = ("pair", "a_start", "a_end", "b_start", "b_end", "score", "kind")

    def __len__(self) -> int:
        return int(self.pair.shape[0])

    def take(self, idx: np.ndarray) -> PassageTable:
        return PassageTable(*(getattr(self, c)[idx] for c in self.COLUMNS))

    @staticmethod
    def concat(parts: Sequence[PassageTable]) -> PassageTable:
        parts = [p for p in parts if len(p)]
        if not parts:
            return PassageTable()
        return PassageTable(*(np.concatenate([getattr(p, c) for p in parts]) for c in PassageTable.COLUMNS))


@dataclass(frozen=True)
class PairTable:
    """Related pairs as columns (document indices of one corpus), with their passages.

    ``kind`` is a code into :data:`KINDS`. ``has_passages`` tells whether passages were
    computed at all: a pair without passages in a table that has them has none; in a table
    without them, its record says nothing about passages.

    >>> t = PairTable.from_columns(a=[0], b=[2], kind=[KIND_CODE["exact"]], score=[1.0])
    >>> len(t), t.kinds()
    (1, ['exact'])
    """

    a: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    b: np.ndarray = field(default_factory=lambda: _empty(np.int64))
    kind: np.ndarray = field(default_factory=lambda: _empty(np.int8))
    score: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    jaccard: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    containment_a: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    containment_b: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    coverage_a: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    coverage_b: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    passages: PassageTable = field(default_factory=PassageTable)
    has_passages: bool = False

    COLUMNS = ("a", "b", "kind", "score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b")
    _DTYPES = (np.int64, np.int64, np.int8) + (np.float64,) * 6

    @classmethod
    def from_columns(cls, passages: PassageTable | None = None, has_passages: bool = False,
                     **cols: Any) -> PairTable:
        """A table from column values (missing score columns are zeros)."""
        n = len(np.asarray(cols["a"]))
        arrays = {c: np.asarray(cols[c], dtype=d) if c in cols else np.zeros(n, dtype=d)
                  for c, d in zip(cls.COLUMNS, cls._DTYPES)}
        return cls(**arrays, passages=passages if passages is not None else PassageTable(),
                   has_passages=has_passages)

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def kinds(self) -> list[str]:
        return [KINDS[k] for k in self.kind.tolist()]

    def take(self, rows: np.ndarray) -> PairTable:
        """Rows ``rows`` (in that order), with their passages renumbered."""
        rows = np.asarray(rows, dtype=np.int64)
        new_of = np.full(len(self), -1, dtype=np.int64)
        new_of[rows] = np.arange(rows.shape[0])
        p = self.passages
        keep = np.flatnonzero(new_of[p.pair] >= 0) if len(p) else np.zeros(0, dtype=np.int64)
        kept = p.take(keep)
        kept = PassageTable(new_of[kept.pair], kept.a_start, kept.a_end, kept.b_start, kept.b_end, kept.score,
                            kept.kind)
        return PairTable(*(getattr(self, c)[rows] for c in self.COLUMNS), passages=kept,
                         has_passages=self.has_passages)

    def sorted(self) -> PairTable:
        """Rows by (a, b), passages by (pair, a_start, b_start)."""
        t = self.take(np.lexsort((self.b, self.a)))
        p = t.passages
        return replace(t, passages=p.take(np.lexsort((p.b_start, p.a_start, p.pair))))

    def filter_kinds(self, kinds: Iterable[str]) -> PairTable:
        """Only the rows whose kind is in ``kinds``."""
        codes = [KIND_CODE[k] for k in kinds]
        return self.take(np.flatnonzero(np.isin(self.kind, codes)))

    @staticmethod
    def concat(parts: Sequence[PairTable]) -> PairTable:
        """Tables one after the other (passage rows renumbered)."""
        parts = list(parts)
        if not parts:
            return PairTable()
        base = np.cumsum([0] + [len(p) for p in parts[:-1]])
        passages = PassageTable.concat([
            PassageTable(p.passages.pair + off, p.passages.a_start, p.passages.a_end, p.passages.b_start,
                         p.passages.b_end, p.passages.score, p.passages.kind) for p, off in zip(parts, base)])
        cols = {c: np.concatenate([getattr(p, c) for p in parts]) for c in PairTable.COLUMNS}
        return PairTable(**cols, passages=passages, has_passages=any(p.has_passages for p in parts))
