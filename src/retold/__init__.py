"""retold: find where text was told again.

Exact copies, noisy near-duplicates and partial reuse (shared passages with character
offsets), verified with exact scores, grouped into reuse families, and a deduplicated corpus.

>>> import retold
>>> retold.AVAILABLE_KINDS
('exact', 'near_duplicate', 'partial', 'paraphrase')
"""

from .align import AlignOptions, align
from .cluster import component_labels, representatives
from .documents import Document, ReadStats, read_documents
from .pipeline import AVAILABLE_KINDS, FAMILY_KINDS, Corpus, FindResult, Options, dedup, find, scan
from .records import Cluster, Pair, Passage, write_records
from .text import Tokens, tokens

__version__ = "0.1.0"

__all__ = [
    "AVAILABLE_KINDS", "AlignOptions", "Cluster", "FAMILY_KINDS", "Corpus", "Document", "FindResult", "Options",
    "Pair", "Passage",
    "ReadStats", "Tokens", "align", "component_labels", "dedup", "find", "read_documents", "representatives", "scan",
    "tokens", "write_records", "__version__",
]
