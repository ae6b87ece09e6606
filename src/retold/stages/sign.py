"""Signing: what a plan needs of each document, computed from its text in one compiled pass.

Site furniture is masked first (:func:`evidence`: blanked out by spaces, so that every offset
stays valid), so it is never evidence of reuse. Then the fused kernel
(:func:`retold.fingerprints.fingerprint_batch`) gives token counts, the content hash, word
shingles, the content-word MinHash (-> LSH band keys) and, when the plan asks for them, token
character offsets (passages), sampled shingle anchors (partial-reuse candidates) and the set of
content words (paraphrase candidates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..boilerplate import LineCounts, boilerplate_spans, cue_spans, mask
from ..candidates import sample_anchors
from ..cue_gate import cue_lines
from ..fingerprints import band_keys, bin_sketch, fingerprint_batch
from ..model import Options, Plan
from ..text import Encoded, words_of_tokens


def evidence(text: str, site: str | None, counts: LineCounts | None, plan: Plan,
             options: Options) -> tuple[str, list[tuple[int, int]]]:
    """The text as the stages see it (furniture blanked, offsets unchanged) and the furniture spans.

    ``counts``: the site-level line counts of the corpus (used when the plan's level is
    ``site``; None otherwise or for a single document).

    >>> t, spans = evidence("Story text\\nShare this article", None, None, Plan(), Options())
    >>> t == "Story text\\n" + " " * 18, spans
    (True, [(11, 29)])
    """
    if plan.boilerplate == "off":
        return text, []
    spans = boilerplate_spans(text, site, counts if plan.boilerplate == "site" else None, options.boilerplate)
    return (mask(text, spans), spans) if spans else (text, [])


def evidence_batch(texts: Sequence[str], sites: Sequence[str | None], counts: LineCounts | None, plan: Plan,
                   options: Options, encoded: list[Encoded] | None = None
                   ) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """:func:`evidence` for a batch; with single-page cues only, a compiled gate
    (:func:`retold.cue_gate.cue_lines`) picks the lines that may be cues; only those meet the
    regular expressions. ``encoded``: a list to which the UTF-8 of the returned texts
    (:class:`retold.text.Encoded`) is appended where the gate computed it, for :func:`sign`.

    >>> t, spans = evidence_batch(["Story\\nShare this article", "Story"], [None, None], None, Plan(), Options())
    >>> spans
    [[(6, 24)], []]
    """
    if plan.boilerplate == "off":
        return list(texts), [[] for _ in texts]
    if plan.boilerplate == "site" and counts is not None:
        pairs = [evidence(t, sites[i], counts, plan, options) for i, t in enumerate(texts)]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if not options.boilerplate.cues:
        return list(texts), [[] for _ in texts]
    texts = list(texts)
    enc = Encoded.of(texts)
    out_t: list[str] = []
    out_s: list[list[tuple[int, int]]] = []
    for t, lines in zip(texts, cue_lines(texts, enc)):
        spans = cue_spans(t, lines) if lines else []
        out_t.append(mask(t, spans) if spans else t)
        out_s.append(spans)
    if encoded is not None:
        blanked = enc.blanked(texts, out_s)
        if blanked is not None:
            encoded.append(blanked)
    return out_t, out_s


@dataclass
class Signed:
    """The signing of one batch of documents (rows in batch order; ``anchor_docs`` and CSR
    offsets are batch-local).

    Attributes:
        n_tokens, content: token counts and hashes of the normalised token sequence.
        keys: uint64 [n, bands] LSH band keys.
        sketch: uint8 [n, bands * rows] one byte of each signature bin (the bands' agreement filter).
        shingles, sh_offsets: word k-gram shingle hashes, CSR by document.
        anchors, anchor_docs: sampled shingles (empty unless the plan has anchors).
        tok_offsets, tok_bounds: packed ``start << 32 | end`` character offsets of every token and
            the CSR bounds (None unless the plan computes passages).
        terms, term_offsets: distinct content words, CSR (None unless the plan keeps terms).
        n_words: words per document, Chinese and Japanese characters counted as words
            (:func:`retold.text.words_of_tokens`; the partial rule's unit).
    """

    n_tokens: np.ndarray
    content: np.ndarray
    keys: np.ndarray
    shingles: np.ndarray
    sh_offsets: np.ndarray
    anchors: np.ndarray
    anchor_docs: np.ndarray
    sketch: np.ndarray
    tok_offsets: np.ndarray | None = None
    tok_bounds: np.ndarray | None = None
    terms: np.ndarray | None = None
    term_offsets: np.ndarray | None = None
    n_words: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.n_tokens.shape[0])


def sign(texts: list[str], options: Options, plan: Plan, encoded: Encoded | None = None) -> Signed:
    """Fingerprint a batch of (already masked) texts for ``plan`` (``encoded``: their UTF-8
    when known, from :func:`evidence_batch`).

    >>> s = sign(["Kim was quick to deny Putin", "KIM was quick, to deny Putin!"], Options(), Plan())
    >>> s.n_tokens.tolist(), bool(s.content[0] == s.content[1]), s.keys.shape
    ([6, 6], True, (2, 64))
    """
    fp = fingerprint_batch(texts, options.shingle_size, options.bands * options.rows, offsets=plan.passages,
                           terms=plan.terms, encoded=encoded)
    keys = band_keys(fp.signature, options.rows)
    if plan.anchors:
        anchors, adocs = sample_anchors(fp.shingles, fp.sh_offsets, options.anchor_bits)
    else:
        anchors, adocs = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    tbounds = None
    if plan.passages:
        tbounds = np.zeros(fp.n_tokens.shape[0] + 1, dtype=np.int64)
        np.cumsum(fp.n_tokens, out=tbounds[1:])
    return Signed(fp.n_tokens, fp.content, keys, fp.shingles, fp.sh_offsets, anchors, adocs, bin_sketch(fp.signature),
                  fp.token_offsets, tbounds, fp.terms, fp.term_offsets, words_of_tokens(fp.n_tokens, fp.singles))


def doc_slice(arr: np.ndarray, bounds: np.ndarray, d: int) -> np.ndarray:
    """Row ``d`` of a CSR column.

    >>> doc_slice(np.arange(5), np.array([0, 2, 5]), 1).tolist()
    [2, 3, 4]
    """
    return arr[bounds[d] : bounds[d + 1]]
