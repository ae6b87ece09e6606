"""The names retold uses everywhere: the kinds of reuse, the embedders, the furniture levels, and
the record fields a document is read from. Re-exported by :mod:`retold.model`.

This module imports nothing heavy (no NumPy), so that the command line builds its options and
shows its help in a blink.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: What retold reports, weakest evidence last. The order is the order of decisions: each kind
#: is decided on pairs the kinds before it did not claim.
KINDS: tuple[str, ...] = ("exact", "near_duplicate", "partial", "paraphrase")
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
#: Kinds that join documents into one family (``clusters``, ``dedup``).
FAMILY_KINDS: tuple[str, ...] = ("exact", "near_duplicate")
#: Kinds of a passage inside a pair record.
PASSAGE_KINDS: tuple[str, ...] = ("near_verbatim", "verbatim", "paraphrase")
PASSAGE_CODE: dict[str, int] = {k: i for i, k in enumerate(PASSAGE_KINDS)}
#: Sentence similarity of the paraphrase tier.
EMBEDDERS: tuple[str, ...] = ("auto", "minilm", "lexical")
#: How much site furniture is kept out of the evidence: none, single-page cues, or cues plus
#: lines repeated across a site's documents.
BOILERPLATE_LEVELS: tuple[str, ...] = ("off", "cues", "site")


def parse_kinds(kinds: str | Iterable[str] | None, default: Sequence[str] = KINDS) -> tuple[str, ...]:
    """Validate kinds (a comma-separated string or a sequence) into :data:`KINDS` order.

    Raises ``ValueError`` naming the unknown ones and the valid choices.

    >>> parse_kinds("partial,exact")
    ('exact', 'partial')
    >>> parse_kinds(["near_duplicate", "paraphrase"])
    ('near_duplicate', 'paraphrase')
    >>> parse_kinds("exact,parphrase")
    Traceback (most recent call last):
    ...
    ValueError: unknown kind 'parphrase'; choose from exact, near_duplicate, partial, paraphrase
    """
    if kinds is None:
        return tuple(default)
    items = [k.strip() for k in kinds.split(",")] if isinstance(kinds, str) else [str(k).strip() for k in kinds]
    items = [k for k in items if k]
    bad = [k for k in items if k not in KIND_CODE]
    if bad:
        noun = "kind" if len(bad) == 1 else "kinds"
        raise ValueError(f"unknown {noun} {', '.join(map(repr, bad))}; choose from {', '.join(KINDS)}")
    if not items:
        raise ValueError(f"no kind given; choose from {', '.join(KINDS)}")
    return tuple(k for k in KINDS if k in items)


def parse_embedder(name: str | None) -> str:
    """Validate an embedder name (None: ``$RETOLD_EMBEDDER``, else ``auto``).

    >>> parse_embedder("lexical")
    'lexical'
    >>> parse_embedder("lexcial")
    Traceback (most recent call last):
    ...
    ValueError: unknown embedder 'lexcial'; choose from auto, minilm, lexical
    """
    if name is None:
        name = os.environ.get("RETOLD_EMBEDDER") or "auto"
    if name not in EMBEDDERS:
        raise ValueError(f"unknown embedder {name!r}; choose from {', '.join(EMBEDDERS)}")
    return name


#: How record ids are made unique across files: as they are (``none``: a repeated id becomes
#: ``id#2``) or prefixed with their file (``file``: ``business.jsonl:001``).
ID_PREFIXES: tuple[str, ...] = ("none", "file")


@dataclass(frozen=True)
class Fields:
    """How input records become documents.

    Attributes:
        id, text, date: the record fields (JSON, JSONL, CSV, Parquet, in-memory records) that
            hold the id, the text and the date; a dotted name (``source.text``) reaches into
            nested objects.
        id_prefix: one of :data:`ID_PREFIXES`; ``file`` names every record ``file:id`` (the
            file's path as given, or relative to the directory given), so that the same id in
            two files names two documents.
        encoding: the codec of text, JSON(L) and CSV files (None: UTF-8).

    >>> Fields(text="body").text
    'body'
    """

    id: str = "id"
    text: str = "text"
    date: str = "date"
    id_prefix: str = "none"
    encoding: str | None = None

    def __post_init__(self) -> None:
        if self.id_prefix not in ID_PREFIXES:
            raise ValueError(f"unknown id prefix {self.id_prefix!r}; choose from {', '.join(ID_PREFIXES)}")
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ValueError(f"unknown encoding {self.encoding!r}") from None
