"""Views of ``find``'s pairs: the HTML report (:func:`write_report`).

>>> from retold.report import write_report, read_pairs
>>> callable(write_report) and callable(read_pairs)
True
"""

from .data import ReportData, collect, read_pairs
from .html import ReportResult, write_report

__all__ = ["ReportData", "ReportResult", "collect", "read_pairs", "write_report"]
