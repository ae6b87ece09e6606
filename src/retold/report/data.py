"""The data behind the HTML report: pairs checked against the corpus, documents numbered by family.

:func:`collect` joins ``find``'s pair records with the texts they point into and returns a
:class:`ReportData`: the related documents (those in at least one pair) renumbered so that each
family's documents and pairs are contiguous, the families, the overview figures, the decision
rules in force and a word index for search. :mod:`retold.report.html` cuts it into chunks and
writes the page.

Bad input never stops a report: a pair naming a document the corpus lacks, a passage outside
its document, a broken JSONL line are skipped, reported through ``on_message`` (file and line
where there is one) and counted in :attr:`ReportData.skipped`.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..model import KINDS
from ..model import PASSAGE_KINDS as MODEL_PASSAGE_KINDS

PAIR_KINDS = KINDS  # the page encodes kinds as indices into the model's vocabularies
PASSAGE_KINDS = MODEL_PASSAGE_KINDS
TITLE_CHARS = 90
TOP_REUSED = 15
SCORE_BINS = 20
SIZE_BUCKETS = ((2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 1000), (1001, 1 << 62))
# words held by more families than this share (and at least COMMON_MIN families) are not indexed:
# they would match nearly everything and make up most of the index
COMMON_SHARE = 0.2
COMMON_MIN = 100

_WORD = re.compile(r"[^\W_]+")  # letters and digits; the page's query tokeniser is /[\p{L}\p{N}]+/u

Message = Callable[[str], None]


def fnv1a(s: str) -> int:
    """32-bit FNV-1a over the code points of ``s``: the page computes the same hash to find shards.

    >>> fnv1a(""), fnv1a("a"), fnv1a("wire/harbour-original") % 7
    (2166136261, 3826002220, 5)
    """
    h = 0x811C9DC5
    for ch in s:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def search_words(text: str) -> list[str]:
    """The words search matches: lowercased runs of letters and digits.

    >>> search_words("Kim Jong-un's 13,500 troops_x")
    ['kim', 'jong', 'un', 's', '13', '500', 'troops', 'x']
    """
    return _WORD.findall(text.lower())


def title_of(text: str, limit: int = TITLE_CHARS) -> str:
    """The first non-blank line, cut at a word to at most ``limit`` characters.

    >>> title_of("\\n  Harbour bridge to close for six weeks of repairs\\n\\nThe city's...", 30)
    'Harbour bridge to close for…'
    """
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            if len(line) <= limit:
                return line
            cut = line[: limit - 1]
            sp = cut.rfind(" ")
            return (cut[:sp] if sp > limit // 2 else cut).rstrip() + "…"
    return ""


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """Words of each text as ``find`` counts them (the fingerprint tokeniser), in one compiled pass.

    >>> word_counts(["Kim Jong-un’s 13,500 troops", "", "東京"]).tolist()
    [7, 0, 2]
    """
    from ..fingerprints import encode_batch
    from ..text import tokenize_batch

    out = np.zeros(len(texts), dtype=np.int64)
    step = 4096
    for s in range(0, len(texts), step):
        part = list(texts[s : s + step])
        buf, bounds, brk, brk_offs, low = encode_batch(part)  # the tokeniser's own input, word breaks included
        if buf.shape[0] == 0:
            continue
        _, offs, _ = tokenize_batch(buf, bounds, brk, brk_offs, low)
        out[s : s + len(part)] = np.diff(offs)
    return out


def read_pairs(path: str | Path, on_message: Message | None = None,
               skipped: Counter[str] | None = None) -> Iterator[dict[str, Any]]:
    """Stream ``find``'s records from JSONL (``.jsonl``, ``.jsonl.gz``, ``-`` = stdin) or Parquet.

    A line that is not a JSON object is skipped with a message naming file and line, and counted
    in ``skipped["bad_json"]``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "pairs.jsonl")
    >>> _ = open(p, "w").write('{"a": "x", "b": "y", "kind": "exact"}\\nnot json\\n')
    >>> msgs = []
    >>> [r["a"] for r in read_pairs(p, msgs.append)], msgs  # doctest: +ELLIPSIS
    (['x'], ['...pairs.jsonl:2: not a JSON object (bad_json)'])
    """
    name = str(path)
    if name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(name).iter_batches(batch_size=4096):
            yield from batch.to_pylist()
        return
    if name == "-":
        fh: Any = sys.stdin.buffer
    elif name.lower().endswith(".gz"):
        fh = gzip.open(name, "rb")
    else:
        fh = open(name, "rb")
    try:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                rec = None
            if not isinstance(rec, dict):
                _count(skipped, "bad_json")
                if on_message is not None:
                    on_message(f"{name}:{n}: not a JSON object (bad_json)")
                continue
            rec.setdefault("_where", f"{name}:{n}")
            yield rec
    except (OSError, EOFError) as e:  # truncated gzip: keep what was read
        _count(skipped, "truncated")
        if on_message is not None:
            on_message(f"{name}: {e} (truncated); the records before it are kept")
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def _count(c: Counter[str] | None, key: str) -> None:
    if c is not None:
        c[key] += 1


@dataclass(slots=True)
class ReportPair:
    """One pair as the report keeps it (documents by their position in the report's order)."""

    a: int
    b: int
    kind: int
    score: float
    jaccard: float
    containment_a: float
    containment_b: float
    coverage_a: float
    coverage_b: float
    source: int  # 0 = not known, 1 = a, 2 = b
    passages: list[tuple[int, int, int, int, int, float]]


@dataclass
class ReportDoc:
    """A related document: its id, date, text, furniture spans and words (as ``find`` counts them)."""

    id: str
    text: str
    date: str | None
    index: int  # position in the corpus as read
    boilerplate: list[tuple[int, int]] = field(default_factory=list)
    words: int = 0
    family: int = 0


@dataclass
class ReportData:
    """Everything the page shows. Documents and pairs are in family order (see :func:`collect`)."""

    docs: list[ReportDoc]
    pairs: list[ReportPair]
    family_number: list[int]  # the cluster number `retold clusters` gives the family
    family_doc0: list[int]  # first document of each family (documents of a family are contiguous)
    family_pair0: list[int]
    relations: list[list[int]]  # pair indices of each document, strongest first
    documents_read: int
    overview: dict[str, Any]
    rules: dict[str, Any]
    skipped: Counter[str] = field(default_factory=Counter)
    title: str = "retold report"

    @property
    def families(self) -> int:
        return len(self.family_number)


def _num(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = d.get(key, default)
    t = type(v)
    if t is float or t is int:
        return float(v)
    if v is None:
        return default
    if t is bool or not isinstance(v, (int, float)):
        raise ValueError(f"{key} is not a number")
    return float(v)


def _as_dict(p: Any) -> dict[str, Any]:
    if isinstance(p, Mapping):
        return dict(p)
    if hasattr(p, "to_dict"):
        return p.to_dict()
    raise TypeError(f"not a pair record: {type(p).__name__}")


def rules_of(options: Any = None) -> dict[str, Any]:
    """The thresholds that decide each kind, from ``options`` (a :class:`retold.Options`) or the defaults.

    >>> r = rules_of()
    >>> r["near_min_coverage"], r["partial_min_words"], r["para_min_pairs"], r["para_threshold_minilm"]
    (0.8, 15, 3, 0.45)
    """
    from ..model import Options
    from ..paraphrase import ParaphraseOptions
    from ..semantic import LEXICAL_MODEL, MINILM_MODEL

    opt = options if options is not None else Options()
    popt = ParaphraseOptions(threshold=opt.paraphrase_threshold)
    return {
        "shingle_size": opt.shingle_size, "gap": opt.gap, "min_run": opt.min_run,
        "near_min_coverage": opt.near_min_coverage, "near_min_coverage_long": opt.near_min_coverage_long,
        "near_min_containment": opt.near_min_containment,
        "partial_min_words": opt.partial_min_words, "partial_min_total_words": opt.partial_min_total_words,
        "partial_min_share": opt.partial_min_share, "passage_min_words": opt.passage_min_words,
        "passage_min_score": opt.passage_min_score,
        "para_min_pairs": popt.min_pairs, "para_min_pair_words": popt.min_pair_words,
        "para_min_coverage": popt.min_coverage, "para_min_coverage_other": popt.min_coverage_other,
        "para_many_pairs": popt.many_pairs, "para_min_coverage_other_many": popt.min_coverage_other_many,
        "para_passage_min_score": popt.passage_min_score, "para_threshold": opt.paraphrase_threshold,
        "para_threshold_minilm": MINILM_MODEL.threshold, "para_threshold_lexical": LEXICAL_MODEL.threshold,
    }


def _check_pair(d: dict[str, Any]) -> tuple[str, str, int, list[float], str | None, list[Any]]:
    a, b = d.get("a"), d.get("b")
    if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
        raise ValueError("a and b must be document ids")
    if a == b:
        raise ValueError("a and b are the same document")
    kind = d.get("kind")
    if kind not in PAIR_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    nums = [_num(d, k) for k in ("score", "jaccard", "containment_a", "containment_b", "coverage_a", "coverage_b")]
    src = d.get("source")
    passages = d.get("passages") or []
    if not isinstance(passages, list):
        raise ValueError("passages is not a list")
    return a, b, PAIR_KINDS.index(kind), nums, src if isinstance(src, str) else None, passages


def _passage(p: Any, len_a: int, len_b: int) -> tuple[int, int, int, int, int, float]:
    if not isinstance(p, Mapping):
        p = _as_dict(p)
    vals = [p.get(k) for k in ("a_start", "a_end", "b_start", "b_end")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        raise ValueError("offsets are not integers")
    a0, a1, b0, b1 = vals  # type: ignore[misc]
    if not (0 <= a0 < a1 <= len_a and 0 <= b0 < b1 <= len_b):
        raise ValueError(f"offsets [{a0}, {a1}) / [{b0}, {b1}) outside the documents ({len_a}, {len_b} characters)")
    kind = p.get("kind")
    if kind not in PASSAGE_KINDS:
        raise ValueError(f"unknown passage kind {kind!r}")
    return a0, a1, b0, b1, PASSAGE_KINDS.index(kind), round(_num(p, "score"), 4)


def _mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    if not spans:
        return text
    from ..boilerplate import mask

    return mask(text, spans)


def collect(pairs: Iterable[Any], documents: Iterable[Any], *,
            boilerplate: Mapping[str, Sequence[tuple[int, int]]] | str | None = "cues",
            options: Any = None, on_message: Message | None = None, title: str | None = None,
            skipped: Counter[str] | None = None) -> ReportData:
    """Join pair records with the documents they name; number documents and pairs by family.

    Args:
        pairs: :class:`retold.Pair` records or their dicts (``find``'s JSONL lines).
        documents: the corpus as read (:func:`retold.read_documents`; anything with ``id``,
            ``text`` and ``date`` attributes). Only documents in some pair are kept.
        boilerplate: furniture spans by document id; ``"cues"`` recognises the single-page cues
            (comment forms, share lines, teasers) as ``retold align`` does; None shows none.
        options: the :class:`retold.Options` of the run, for the rules the "Why" panel quotes.
        on_message: called with a one-line message for each skipped record or passage.
        title: the page title.
        skipped: counts of what was skipped, by reason (added to).

    Families join documents through pairs of every kind and are numbered as
    ``retold clusters --kinds exact,near_duplicate,partial,paraphrase`` numbers them (singletons
    count), so a family number means the same in both. Documents are ordered by family, then as
    read; pairs by family, then by score (highest first).

    Example:
        >>> from retold import Document
        >>> docs = [Document("x", "one two three", "c", 1), Document("y", "lonely", "c", 2),
        ...         Document("z", "one two three", "c", 3)]
        >>> data = collect([{"a": "x", "b": "z", "kind": "exact", "score": 1.0}], docs)
        >>> [d.id for d in data.docs], data.family_number, data.documents_read
        (['x', 'z'], [0], 3)
    """
    say = on_message or (lambda _m: None)
    skipped = skipped if skipped is not None else Counter()
    checked: list[tuple[str, str, int, list[float], str | None, list[Any], str]] = []
    wanted: set[str] = set()
    for i, raw in enumerate(pairs):
        d = _as_dict(raw)
        where = str(d.pop("_where", f"pair {i + 1}"))
        try:
            a, b, kind, nums, src, passages = _check_pair(d)
        except ValueError as e:
            skipped["bad_pair"] += 1
            say(f"{where}: {e} (bad_pair)")
            continue
        checked.append((a, b, kind, nums, src, passages, where))
        wanted.add(a)
        wanted.add(b)

    docs: list[ReportDoc] = []
    pos: dict[str, int] = {}
    n_read = 0
    month_docs: Counter[str] = Counter()
    from ..cluster import parse_date

    for doc in documents:
        date = getattr(doc, "date", None)
        if date is not None:
            dt = parse_date(date)
            if dt is not None:
                month_docs[f"{dt.year:04d}-{dt.month:02d}"] += 1
        if doc.id in wanted and doc.id not in pos:
            pos[doc.id] = len(docs)
            docs.append(ReportDoc(doc.id, doc.text, None if date is None else str(date), n_read))
        n_read += 1

    # pairs against the documents read
    kept: list[ReportPair] = []
    seen: set[tuple[int, int]] = set()
    for a, b, kind, nums, src, passages, where in checked:
        missing = [x for x in (a, b) if x not in pos]
        if missing:
            skipped["missing_document"] += 1
            say(f"{where}: document {missing[0]!r} is not in the corpus (missing_document)")
            continue
        ia, ib = pos[a], pos[b]
        key = (min(ia, ib), max(ia, ib))
        if key in seen:
            skipped["duplicate_pair"] += 1
            say(f"{where}: pair {a!r}, {b!r} listed twice; the first is kept (duplicate_pair)")
            continue
        seen.add(key)
        ps = []
        for p in passages:
            try:
                ps.append(_passage(p, len(docs[ia].text), len(docs[ib].text)))
            except (ValueError, TypeError) as e:
                skipped["bad_passage"] += 1
                say(f"{where}: passage skipped: {e} (bad_passage)")
        ps.sort(key=lambda x: (x[0], -x[1], x[2]))
        source = 1 if src == a else 2 if src == b else 0
        kept.append(ReportPair(ia, ib, kind, *nums, source=source, passages=ps))

    # only documents still in a pair stay
    used = np.zeros(len(docs), dtype=bool)
    for p in kept:
        used[p.a] = used[p.b] = True
    if not used.all():
        remap = np.cumsum(used) - 1
        docs = [d for d, u in zip(docs, used.tolist()) if u]
        for p in kept:
            p.a, p.b = int(remap[p.a]), int(remap[p.b])

    # furniture and word counts (on the masked text, as find counts them)
    for d in docs:
        if isinstance(boilerplate, Mapping):
            d.boilerplate = sorted((int(s), int(e)) for s, e in boilerplate.get(d.id, ())
                                   if 0 <= int(s) < int(e) <= len(d.text))
        elif boilerplate == "cues":
            from ..boilerplate import boilerplate_spans

            d.boilerplate = boilerplate_spans(d.text, None, None)
    counts = word_counts([_mask(d.text, d.boilerplate) for d in docs])
    for d, n in zip(docs, counts.tolist()):
        d.words = int(n)

    return _number(docs, kept, n_read, month_docs, rules_of(options), skipped, title or "retold report")


def _number(docs: list[ReportDoc], pairs: list[ReportPair], n_read: int, month_docs: Counter[str],
            rules: dict[str, Any], skipped: Counter[str], title: str) -> ReportData:
    from ..cluster import component_labels

    n = len(docs)
    pa = np.asarray([p.a for p in pairs], dtype=np.int64)
    pb = np.asarray([p.b for p in pairs], dtype=np.int64)
    labels = component_labels(n, pa, pb) if n else np.zeros(0, dtype=np.int64)
    first = labels == np.arange(n)
    # `retold clusters` numbers every document's cluster in order of its first member, singletons
    # included: a family's number is its first member's corpus position minus the related
    # documents before it that are not first members
    glob = np.asarray([d.index for d in docs], dtype=np.int64)
    not_first_before = np.cumsum(~first) - (~first)
    number_of_label = {int(f): int(glob[f] - not_first_before[f]) for f in np.flatnonzero(first)}
    fam_labels = sorted(number_of_label)
    fam_index = {lab: i for i, lab in enumerate(fam_labels)}
    doc_fam = np.asarray([fam_index[int(x)] for x in labels.tolist()], dtype=np.int64)
    order = np.lexsort((np.arange(n), doc_fam))
    new_pos = np.empty(n, dtype=np.int64)
    new_pos[order] = np.arange(n)
    docs = [docs[i] for i in order.tolist()]
    for d, f in zip(docs, doc_fam[order].tolist()):
        d.family = f
    for p in pairs:
        p.a, p.b = int(new_pos[p.a]), int(new_pos[p.b])
    pairs.sort(key=lambda p: (docs[p.a].family, -p.score, min(p.a, p.b), max(p.a, p.b)))
    nf = len(fam_labels)
    family_doc0 = [0] * nf
    family_pair0 = [0] * nf
    for i in range(n - 1, -1, -1):
        family_doc0[docs[i].family] = i
    for i in range(len(pairs) - 1, -1, -1):
        family_pair0[docs[pairs[i].a].family] = i
    relations: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(pairs):  # pairs are sorted by score within a family: strongest first
        relations[p.a].append(i)
        relations[p.b].append(i)
    data = ReportData(docs=docs, pairs=pairs, family_number=[number_of_label[x] for x in fam_labels],
                      family_doc0=family_doc0, family_pair0=family_pair0, relations=relations,
                      documents_read=n_read, overview={}, rules=rules, skipped=skipped, title=title)
    data.overview = overview(data, month_docs)
    return data


def overview(data: ReportData, month_docs: Counter[str] | None = None) -> dict[str, Any]:
    """Figures of the overview page: counts, histograms, the most reused documents, reuse over time."""
    from ..cluster import parse_date

    docs, pairs = data.docs, data.pairs
    kinds = np.asarray([p.kind for p in pairs], dtype=np.int64)
    scores = np.asarray([p.score for p in pairs], dtype=np.float64)
    by_kind = {k: int((kinds == i).sum()) for i, k in enumerate(PAIR_KINDS)}
    hist = {}
    for i, k in enumerate(PAIR_KINDS):
        s = np.clip(scores[kinds == i], 0.0, 1.0)
        if s.shape[0]:
            hist[k] = np.histogram(s, bins=SCORE_BINS, range=(0.0, 1.0))[0].tolist()
    sizes = np.diff(np.asarray(data.family_doc0 + [len(docs)], dtype=np.int64)) if data.families else np.zeros(0)
    size_buckets = [[lo, hi, int(((sizes >= lo) & (sizes <= hi)).sum())] for lo, hi in SIZE_BUCKETS]
    while size_buckets and size_buckets[-1][2] == 0 and len(size_buckets) > 1:
        size_buckets.pop()
    # the most reused: sources with the most copies where dates name sources, else the most relations
    copies = Counter()
    for p in pairs:
        if p.source:
            copies[p.a if p.source == 1 else p.b] += 1
    by_source = bool(copies)
    if not by_source:
        for p in pairs:
            copies[p.a] += 1
            copies[p.b] += 1
    top = sorted(copies.items(), key=lambda x: (-x[1], x[0]))[:TOP_REUSED]
    reused = [[d, c, docs[d].id, title_of(docs[d].text, 70)] for d, c in top]
    # reuse over time: pairs by the month of the later document
    month_pairs: Counter[str] = Counter()
    for p in pairs:
        da, db = parse_date(docs[p.a].date), parse_date(docs[p.b].date)
        if da is not None and db is not None:
            later = max(da, db)
            month_pairs[f"{later.year:04d}-{later.month:02d}"] += 1
    months = sorted(set(month_docs or {}) | set(month_pairs))
    over_time = [[m, int((month_docs or {}).get(m, 0)), int(month_pairs.get(m, 0))] for m in months]
    if len(over_time) > 120:  # by year when months would be too many bars
        years: dict[str, list[int]] = {}
        for m, nd, np_ in over_time:
            y = years.setdefault(m[:4], [0, 0])
            y[0] += nd
            y[1] += np_
        over_time = [[y, v[0], v[1]] for y, v in sorted(years.items())]
    largest = int(sizes.max()) if sizes.shape[0] else 0
    return {
        "documents_read": data.documents_read, "documents_related": len(docs), "pairs": len(pairs),
        "pairs_by_kind": by_kind, "families": data.families, "largest_family": largest,
        "passages": sum(len(p.passages) for p in pairs),
        "score_histograms": hist, "family_sizes": size_buckets, "most_reused": reused,
        "most_reused_by": "source" if by_source else "relations", "over_time": over_time,
        "skipped": dict(sorted(data.skipped.items())),
    }


def word_index(data: ReportData) -> tuple[dict[str, np.ndarray], list[str]]:
    """Search index: word -> sorted family indices whose documents (text or id) hold it.

    Returns the index and the common words left out (held by more than ``COMMON_SHARE`` of
    the families, when there are many): the page ignores those in a query and says so.
    """
    vocab: dict[str, int] = {}
    fam_parts: list[np.ndarray] = []
    word_parts: list[np.ndarray] = []
    find_words = _WORD.findall
    start = 0
    for f in range(data.families):
        end = data.family_doc0[f + 1] if f + 1 < data.families else len(data.docs)
        words: set[str] = set()
        for d in data.docs[start:end]:
            words.update(find_words(d.text.lower()))
            words.update(find_words(d.id.lower()))
        ids = [vocab.setdefault(w, len(vocab)) for w in words]
        word_parts.append(np.asarray(ids, dtype=np.int64))
        fam_parts.append(np.full(len(ids), f, dtype=np.int64))
        start = end
    if not word_parts:
        return {}, []
    words_arr = np.concatenate(word_parts)
    fams = np.concatenate(fam_parts)
    order = np.lexsort((fams, words_arr))
    words_arr, fams = words_arr[order], fams[order]
    cuts = np.flatnonzero(np.diff(words_arr)) + 1
    bounds = np.concatenate([[0], cuts, [words_arr.shape[0]]]).tolist()
    names = [""] * len(vocab)
    for w, i in vocab.items():
        names[i] = w
    limit = max(COMMON_MIN, int(COMMON_SHARE * data.families))
    index: dict[str, np.ndarray] = {}
    common: list[str] = []
    for s, e in zip(bounds[:-1], bounds[1:]):
        w = names[int(words_arr[s])]
        if e - s > limit:
            common.append(w)
        else:
            index[w] = fams[s:e]
    return index, sorted(common)
