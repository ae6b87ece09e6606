"""retold: find where text was told again.

Exact copies, noisy near-duplicates, partial reuse (shared passages with character offsets)
and paraphrased rewrites, verified with exact scores, grouped into reuse families, and a
deduplicated corpus.

The names below load on first use (PEP 562), so that the command line, the service or a Spark
worker import only what they run.

>>> import retold
>>> retold.KINDS
('exact', 'near_duplicate', 'partial', 'paraphrase')
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .version import __version__

_EXPORTS = {
    "AlignOptions": "alignment", "align": "alignment",
    "component_labels": "cluster", "representatives": "cluster",
    "compare": "comparison", "Comparison": "comparison",
    "FindResult": "engine.local", "LocalSettings": "engine.local", "Progress": "engine.local",
    "clusters": "engine", "dedup": "engine", "find": "engine", "scan": "engine.local",
    "Index": "engine.incremental",
    "FAMILY_KINDS": "model", "KINDS": "model", "Corpus": "model", "Fields": "model", "Options": "model",
    "PairTable": "model", "Plan": "model",
    "Document": "readers", "ReadStats": "readers", "read_documents": "readers",
    "Cluster": "records", "Pair": "records", "Passage": "records", "write_records": "records",
    "Tokens": "text", "tokens": "text",
}

__all__ = [
    "FAMILY_KINDS", "KINDS", "AlignOptions", "Cluster", "Comparison", "Corpus", "Document", "Fields", "FindResult",
    "Index", "LocalSettings", "Options", "Pair", "PairTable", "Passage", "Plan", "Progress", "ReadStats", "Tokens",
    "__version__", "align", "clusters", "compare", "component_labels", "dedup", "find", "read_documents",
    "representatives", "scan", "tokens", "write_records",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retold' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .alignment import AlignOptions, align
    from .cluster import component_labels, representatives
    from .comparison import Comparison, compare
    from .engine import clusters, dedup, find
    from .engine.incremental import Index
    from .engine.local import FindResult, LocalSettings, Progress, scan
    from .model import FAMILY_KINDS, KINDS, Corpus, Fields, Options, PairTable, Plan
    from .readers import Document, ReadStats, read_documents
    from .records import Cluster, Pair, Passage, write_records
    from .text import Tokens, tokens
