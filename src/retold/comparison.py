"""Two documents compared by the stages ``find`` runs, with the record ``find`` would write.

``retold align``, the index, the service and the HTML report call this for one pair, so they
give the same kind, score and passages as ``find`` over a corpus holding the two texts (which
reports the pair when its candidate indexes propose it; :func:`compare` decides it whatever).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from .model import Options, PairTable, Plan
from .records import Pair
from .stages import assemble, decide, exact, sign


@dataclass
class Comparison:
    """What :func:`comparison` finds: the pair record (``kind`` None when ``find`` would not
    report the pair; its passages are then the shared stretches found anyway) and the site
    furniture recognised on each side (single-page cues; ``[start, end)`` characters)."""

    pair: Pair
    furniture_a: list[tuple[int, int]]
    furniture_b: list[tuple[int, int]]


def comparison(text_a: str, text_b: str, options: Options | None = None, *, kinds: str | Iterable[str] | None = None,
               boilerplate: bool | None = None, embedder: str | None = None, id_a: str = "a", id_b: str = "b",
               date_a: str | None = None, date_b: str | None = None) -> Comparison:
    """Compare two texts (see :func:`compare`) and keep the furniture spans of each side."""
    opt = options or Options()
    # two texts tell nothing about their sites: single-page cues only
    plan = Plan.for_kinds(kinds, boilerplate=False if boilerplate is False else None, embedder=embedder)
    ta, fa = sign.evidence(text_a, None, None, plan, opt)
    tb, fb = sign.evidence(text_b, None, None, plan, opt)
    s = sign.sign([ta, tb], opt, plan)
    rep = exact.exact_groups(s.content, s.n_tokens)
    shown = PairTable(has_passages=plan.passages)
    if rep[1] == 0:
        reported = exact.exact_pairs(rep)
    elif rep[0] < 0 or rep[1] < 0:
        reported = shown
    else:
        d = decide.decide(s.shingles, s.sh_offsets, s.n_tokens, np.array([0]), np.array([1]), opt, plan,
                          all_passages=True, n_words=s.n_words)
        chars: tuple = (None, None)
        if plan.passages:
            assert s.tok_offsets is not None and s.tok_bounds is not None
            base = s.tok_bounds[:-1]
            chars = (assemble.char_spans(s.tok_offsets, base[np.zeros_like(d.p_pair)], d.p_a0, d.p_a1),
                     assemble.char_spans(s.tok_offsets, base[np.ones_like(d.p_pair)], d.p_b0, d.p_b1))
        shown = assemble.decided_table(np.array([0]), np.array([1]), d, *chars, keep_all=True)
        reported = shown.take(np.flatnonzero(shown.kind >= 0))
        if plan.paraphrase:
            reported = _paraphrase(reported, s, ta, tb, opt, plan)
    reported = reported.filter_kinds(plan.kinds)
    ids, dates = [id_a, id_b], [date_a, date_b]
    if len(reported):
        return Comparison(next(assemble.records(reported.sorted(), ids, dates)), fa, fb)
    if len(shown):
        unreported = replace(shown, kind=np.full(1, -1, dtype=np.int8))
        return Comparison(next(assemble.records(unreported.sorted(), ids, dates)), fa, fb)
    return Comparison(Pair(a=id_a, b=id_b, kind=None, score=0.0, jaccard=0.0, containment_a=0.0, containment_b=0.0,
                           coverage_a=0.0, coverage_b=0.0, source=assemble.source_of(id_a, date_a, id_b, date_b),
                           passages=[] if plan.passages else None), fa, fb)


def _paraphrase(table: PairTable, s: sign.Signed, ta: str, tb: str, opt: Options, plan: Plan) -> PairTable:
    from .paraphrase import resolve_embedder
    from .stages.paraphrase import candidates, paraphrase_tier

    assert s.terms is not None and s.term_offsets is not None
    ca, cb = candidates(s.terms, s.term_offsets, np.array([0, 1]), opt)
    return paraphrase_tier(table, ca, cb, 2, lambda _w: {0: ta, 1: tb}, opt, resolve_embedder(plan.embedder))


def compare(text_a: str, text_b: str, options: Options | None = None, *, kinds: str | Iterable[str] | None = None,
            boilerplate: bool | None = None, embedder: str | None = None, id_a: str = "a", id_b: str = "b",
            date_a: str | None = None, date_b: str | None = None) -> Pair:
    """The record ``find`` writes for two texts: kind, scores and passages (``[start, end)``
    characters into each text), decided by the same stages.

    ``kind`` is None when ``find`` would not report the pair; the record then still lists
    the shared stretches found (too short or too few to make the pair ``partial``). Site
    furniture is recognised by single-page cues (``boilerplate=False``: not at all);
    ``kinds`` restricts the kinds decided, as for ``find``.

    >>> a = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> p = compare(a, a.upper(), embedder="lexical")
    >>> p.kind, p.score
    ('exact', 1.0)
    >>> compare("Oil prices rose on Monday.", "Rain fell in Paris.", embedder="lexical").kind is None
    True
    """
    return comparison(text_a, text_b, options, kinds=kinds, boilerplate=boilerplate, embedder=embedder, id_a=id_a,
                      id_b=id_b, date_a=date_a, date_b=date_b).pair


def explain(pair: Pair, text_a: str | None = None, text_b: str | None = None, options: Options | None = None) -> str:
    """Why the pair is of its kind (or of none), in one sentence: the rule and the pair's numbers.

    ``text_a``/``text_b``: the two texts, to count the words of the passages (else passages are
    only counted).

    >>> a = "Russia has allegedly asked China for financial and military assistance in the war."
    >>> explain(compare(a, a.upper(), embedder="lexical"))
    'exact: the same words in the same order (compared lower-cased, without punctuation)'
    """
    from .stages.paraphrase import paraphrase_options
    from .text import tokens

    o = options or Options()
    ps = pair.passages or []

    def words(p: object) -> int:
        if text_a is None:
            return 0
        return int(tokens(text_a[p.a_start:p.a_end]).hashes.shape[0])  # type: ignore[attr-defined]

    copied = [p for p in ps if p.kind != "paraphrase"]
    counts = [words(p) for p in copied]
    longest, total = max(counts, default=0), sum(counts)
    share = f"{pair.coverage_a:.0%} of A's words and {pair.coverage_b:.0%} of B's lie in matching regions"
    near_rule = (f"a near-duplicate needs {o.near_min_coverage:.0%} of the shorter text and "
                 f"{o.near_min_coverage_long:.0%} of the longer")
    partial_rule = (f"a partial pair needs a shared passage of {o.partial_min_words}+ words, and "
                    f"{o.partial_min_total_words}+ words or {o.partial_min_share:.0%} of the shorter text in all")
    counted = f", {total} words in all, the longest {longest}" if text_a is not None and copied else ""
    if pair.kind == "exact":
        return "exact: the same words in the same order (compared lower-cased, without punctuation)"
    if pair.kind == "near_duplicate":
        return f"near_duplicate: {share} ({near_rule})"
    if pair.kind == "partial":
        return f"partial: {len(copied)} shared passages{counted}; {share[:-len(' lie in matching regions')]} " \
               f"are in them ({partial_rule}; not a near-duplicate: {near_rule})"
    if pair.kind == "paraphrase":
        po = paraphrase_options(o)
        reworded = len(ps) - len(copied)
        return (f"paraphrase: {reworded} sentences retold in other words and {len(copied)} passages copied "
                f"(verbatim or nearly), in the same order on both sides; score {pair.score:.2f} = the share of both "
                f"texts' sentences in aligned pairs (a paraphrase needs {po.min_pairs}+ aligned sentence pairs of "
                f"{po.min_pair_words}+ words covering {po.min_coverage:.0%} of one text and "
                f"{po.min_coverage_other:.0%} of the other, "
                f"more reworded than copied)")
    shared = f"{len(copied)} shared stretches{counted}" if copied else "no shared passage"
    return f"not related: {share} ({near_rule}); {shared} ({partial_rule})"
