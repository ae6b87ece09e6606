"""Write the HTML report of ``find``'s pairs: one self-contained page, or a page and a data folder.

A small report is one file: the page's data sits in ``<script type="application/json">``
elements that the page parses only when a view needs them. A large one keeps the page small and
puts the data in ``report_files/`` beside it (named after the page), cut into chunks that the
page loads with ``<script>`` tags on demand (browsers refuse ``fetch()`` of ``file://``), so
opening the report of a 100k-document corpus costs what opening a small one does. Nothing is
loaded from the network: the page's Content-Security-Policy allows no other origin.

Chunks (each a JSON value; in a file, ``RETOLD_CHUNK(name, value);``):

======  =============================================================================
``dK``  documents ``[id, date, text, words, furniture spans (flat), family, relations]``
        from document ``shards.d[K]``; relations flat ``[pair, other, kind, score*1000, side, source]``
``nK``  ids and titles of documents ``K*shards.n`` onwards (lists of a family, of relations)
``pK``  pairs ``[a, b, kind, score, jaccard, containment a, b, coverage a, b, source,
        passages flat [a0, a1, b0, b1, kind, score]*]`` from pair ``shards.p[K]``
``hK``  ``{id: document}`` for the ids whose FNV-1a hash is K modulo ``shards.h``
``wK``  search words hashed to K: ``{word: family indices, delta-encoded}``
``fam`` the families, as columns
======  =============================================================================
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import orjson

from ..version import __version__
from .data import PAIR_KINDS, PASSAGE_KINDS, ReportData, collect, fnv1a, title_of, word_index

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_MAX_INLINE = 8 << 20  # bytes of data a single-file report may hold
DOC_SHARD_CHARS = 400_000
DOC_SHARD_DOCS = 1000
NAME_SHARD = 2000
PAIR_SHARD_PAIRS = 1000
PAIR_SHARD_PASSAGES = 6000
IDS_PER_HASH_SHARD = 4000
POSTINGS_PER_WORD_SHARD = 40_000
_CHUNK_FILE = re.compile(r"^(?:[dnphw]\d+|fam)\.js$")
CSP = ("default-src 'none'; script-src 'unsafe-inline' file:; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


@dataclass
class ReportResult:
    """What :func:`write_report` wrote.

    Attributes:
        path: the page.
        folder: the data folder beside it (None for a single-file report).
        files: files written (the page included); ``bytes``: their total size.
        documents_read, documents, pairs, families: corpus documents read; documents, pairs and
            multi-document families in the report.
        skipped: records and passages left out, by reason (also reported through ``on_message``).
        seconds: time to build and write.
    """

    path: str
    folder: str | None
    files: int
    bytes: int
    documents_read: int
    documents: int
    pairs: int
    families: int
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _json(value: Any) -> bytes:
    # "<" escaped: the data may sit inside a <script> element, where "</script" or "<!--" would end it
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).replace(b"<", b"\\u003c")


def _r(x: float) -> float:
    return round(float(x), 4)


def chunks(data: ReportData) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Cut the report's data into named chunks; returns (shard layout, chunk name -> JSON bytes)."""
    out: dict[str, bytes] = {}
    docs, pairs = data.docs, data.pairs

    # documents, by text size
    starts: list[int] = []
    batch: list[list[Any]] = []
    size = 0
    for i, d in enumerate(docs):
        if batch and (size + len(d.text) > DOC_SHARD_CHARS or len(batch) >= DOC_SHARD_DOCS):
            out[f"d{len(starts) - 1}"] = _json(batch)
            batch, size = [], 0
        if not batch:
            starts.append(i)
        rel: list[int] = []
        for j in data.relations[i]:
            p = pairs[j]
            side = 0 if p.a == i else 1
            rel.extend((j, p.b if side == 0 else p.a, p.kind, int(round(p.score * 1000)), side, p.source))
        bp = [x for s in d.boilerplate for x in s]
        batch.append([d.id, d.date, d.text, d.words, bp, d.family, rel])
        size += len(d.text)
    if batch:
        out[f"d{len(starts) - 1}"] = _json(batch)
    doc_starts = starts or [0]

    for k in range(0, max(1, len(docs)), NAME_SHARD):
        part = docs[k : k + NAME_SHARD]
        out[f"n{k // NAME_SHARD}"] = _json({"ids": [d.id for d in part], "titles": [title_of(d.text) for d in part]})

    # pairs, by passages
    starts, prows, npas = [], [], 0
    for j, p in enumerate(pairs):
        if prows and (len(prows) >= PAIR_SHARD_PAIRS or npas + len(p.passages) > PAIR_SHARD_PASSAGES):
            out[f"p{len(starts) - 1}"] = _json(prows)
            prows, npas = [], 0
        if not prows:
            starts.append(j)
        flat: list[float] = []
        for q in p.passages:
            flat.extend((q[0], q[1], q[2], q[3], q[4], q[5]))
        prows.append([p.a, p.b, p.kind, _r(p.score), _r(p.jaccard), _r(p.containment_a), _r(p.containment_b),
                      _r(p.coverage_a), _r(p.coverage_b), p.source, flat])
        npas += len(p.passages)
    if prows:
        out[f"p{len(starts) - 1}"] = _json(prows)
    pair_starts = starts or [0]

    # id lookup, hashed
    n_hash = max(1, -(-len(docs) // IDS_PER_HASH_SHARD))
    by_hash: list[dict[str, int]] = [{} for _ in range(n_hash)]
    for i, d in enumerate(docs):
        by_hash[fnv1a(d.id) % n_hash][d.id] = i
    for k, ids in enumerate(by_hash):
        out[f"h{k}"] = _json(ids)

    # families, as columns
    nf = data.families
    kinds = [0] * nf
    best = [0] * nf
    for p in pairs:
        f = docs[p.a].family
        kinds[f] |= 1 << p.kind
        best[f] = max(best[f], int(round(p.score * 1000)))
    out["fam"] = _json({"n": data.family_number, "kinds": kinds, "max": best, "doc0": data.family_doc0,
                        "pair0": data.family_pair0, "rep": [docs[i].id for i in data.family_doc0],
                        "title": [title_of(docs[i].text, 70) for i in data.family_doc0]})

    # search words, hashed
    index, common = word_index(data)
    postings = sum(v.shape[0] for v in index.values())
    n_words = int(min(4096, max(1, postings // POSTINGS_PER_WORD_SHARD)))
    by_word: list[dict[str, Any]] = [{} for _ in range(n_words)]
    for w in sorted(index):
        fams = index[w].tolist()
        by_word[fnv1a(w) % n_words][w] = [fams[0]] + [y - x for x, y in zip(fams, fams[1:])]
    for k, words in enumerate(by_word):
        out[f"w{k}"] = _json(words)

    layout = {"d": doc_starts, "n": NAME_SHARD, "p": pair_starts, "h": n_hash, "w": n_words}
    return {"shards": layout, "common_words": common}, out


def _page(meta: dict[str, Any], inline: Sequence[tuple[str, bytes]]) -> bytes:
    """The page: ``assets/page.html`` with the styles, the program, the metadata and inline chunks."""
    css = (ASSETS / "report.css").read_text(encoding="utf-8")
    js = (ASSETS / "report.js").read_text(encoding="utf-8")
    page = (ASSETS / "page.html").read_text(encoding="utf-8")
    page = page.replace("@CSP@", CSP).replace("@VERSION@", escape(__version__))
    page = page.replace("@TITLE@", escape(str(meta["title"])))
    before_css, after_css = page.split("@CSS@")
    head, tail = after_css.split("@META@")
    between, end = tail.split("@CHUNKS@")
    end_a, end_b = end.split("@JS@")
    parts = [before_css.encode(), css.encode(), head.encode(), _json(meta), between.encode()]
    for name, blob in inline:
        parts += [f'<script type="application/json" data-chunk="{name}">'.encode(), blob, b"</script>\n"]
    parts += [end_a.encode(), js.encode(), end_b.encode()]
    return b"".join(parts)


def render(data: ReportData, output: str | os.PathLike, *, split: bool | None = None,
           max_inline_bytes: int = DEFAULT_MAX_INLINE) -> tuple[str | None, int, int]:
    """Write ``data`` as the page ``output`` (and its data folder when split); returns (folder, files, bytes).

    ``split``: None = a single file when the data fits in ``max_inline_bytes``, else page + folder.
    """
    out = Path(output)
    layout, named = chunks(data)
    total = sum(len(b) for b in named.values())
    if split is None:
        split = total > max_inline_bytes
    folder = out.name.rsplit(".", 1)[0] + "_files" if split else None
    meta = {"title": data.title, "version": __version__, "folder": folder, "overview": data.overview,
            "rules": data.rules, "kinds": list(PAIR_KINDS), "passage_kinds": list(PASSAGE_KINDS), **layout}
    out.parent.mkdir(parents=True, exist_ok=True)
    files, size = 1, 0
    if split:
        assert folder is not None
        d = out.parent / folder
        d.mkdir(exist_ok=True)
        for old in d.iterdir():  # chunks of an earlier report; nothing else is touched
            if _CHUNK_FILE.match(old.name) and old.name[:-3] not in named:
                old.unlink()
        for name, blob in named.items():
            body = b'RETOLD_CHUNK("' + name.encode() + b'",' + blob + b");\n"
            (d / f"{name}.js").write_bytes(body)
            files += 1
            size += len(body)
        page = _page(meta, [])
    else:
        page = _page(meta, sorted(named.items()))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(page)
    os.replace(tmp, out)
    return (str(out.parent / folder) if folder else None), files, size + len(page)


def write_report(pairs: Iterable[Any], documents: Iterable[Any], output: str | os.PathLike, *,
                 boilerplate: Mapping[str, Sequence[tuple[int, int]]] | str | None = "cues",
                 options: Any = None, title: str | None = None, split: bool | None = None,
                 max_inline_bytes: int = DEFAULT_MAX_INLINE,
                 on_message: Callable[[str], None] | None = None) -> ReportResult:
    """Write the HTML report of pair records over the documents they name.

    Args:
        pairs: :class:`retold.Pair` records or their dicts (``find``'s JSONL,
            :func:`retold.report.read_pairs`).
        documents: the corpus, e.g. ``retold.read_documents(paths)`` (the same id and text fields
            as the run that found the pairs: offsets refer to those texts).
        output: the page to write (``report.html``); a large report also writes ``report_files/``.
        boilerplate: furniture spans by id (struck through); ``"cues"`` finds the single-page cues
            as ``retold align`` does; None shows none.
        options: the :class:`retold.Options` of the run (for the rules the page quotes).
        title: the page title.
        split: True = always page + data folder; False = always one file; None = by size.
        max_inline_bytes: the most data a single-file report holds when ``split`` is None.
        on_message: called with a one-line message for each skipped record or passage.

    Example:
        >>> import os, tempfile
        >>> from retold import Document
        >>> docs = [Document("a", "The bridge will close for six weeks of repairs.", "c", 1),
        ...         Document("b", "The bridge will close for six weeks of repairs.", "c", 2)]
        >>> out = os.path.join(tempfile.mkdtemp(), "report.html")
        >>> r = write_report([{"a": "a", "b": "b", "kind": "exact", "score": 1.0}], docs, out)
        >>> r.documents, r.pairs, r.families, r.folder, r.files
        (2, 1, 1, None, 1)
    """
    t0 = time.perf_counter()
    skipped: Counter[str] = Counter()
    data = collect(pairs, documents, boilerplate=boilerplate, options=options, on_message=on_message,
                   title=title, skipped=skipped)
    folder, files, size = render(data, output, split=split, max_inline_bytes=max_inline_bytes)
    return ReportResult(path=str(output), folder=folder, files=files, bytes=size, documents_read=data.documents_read,
                        documents=len(data.docs), pairs=len(data.pairs), families=data.families,
                        skipped=dict(sorted(skipped.items())), seconds=time.perf_counter() - t0)
