"""CSV with a header row (``csv.DictReader``, no limit on the field size)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator

from .base import BOM, MAX_FIELDS_SHOWN, Document, Format, ReadContext, register, shown_name


def read_csv(ctx: ReadContext, path: str) -> Iterator[Document]:
    _raise_csv_field_limit()
    f = ctx.open_binary(path)
    if f is None:
        return
    bad_line = [False]

    def lines(stream: Iterable[bytes]) -> Iterator[str]:
        first = True
        for raw in stream:
            if first:
                first = False
                if raw.startswith(BOM):
                    raw = raw[len(BOM) :]
            text, bad = ctx.decode(raw)
            if bad:
                bad_line[0] = True
            yield text

    row = 0
    try:
        with f:
            if ctx.sniff_binary(f, path):
                return
            reader = csv.DictReader(lines(f), restkey="_extra_fields")
            try:
                fieldnames = reader.fieldnames
            except csv.Error as err:
                ctx.skip("bad_csv", path, None, f"bad CSV header ({err}), file skipped")
                return
            if fieldnames is None:
                return  # empty file
            bad_line[0] = False
            has_text = ctx.text_field in fieldnames
            has_id = ctx.id_field in fieldnames
            if not has_text:
                shown = ", ".join(shown_name(c) for c in fieldnames[:MAX_FIELDS_SHOWN])
                more = ", ..." if len(fieldnames) > MAX_FIELDS_SHOWN else ""
                ctx.message(path, None, f"no {ctx.text_field!r} column (the columns are: {shown}{more}); every row "
                            "skipped (use --text-field to name the text column)")
            if not has_id and has_text:
                ctx.message(path, None, f"no {ctx.id_field!r} column; ids are '{path}:<row>'")
            rows = iter(reader)
            while True:
                try:
                    rec = next(rows)
                except StopIteration:
                    break
                except csv.Error as err:
                    row += 1
                    bad_line[0] = False
                    ctx.skip("bad_csv", path, row, f"bad CSV ({err}), row skipped")
                    continue
                row += 1
                invalid, bad_line[0] = bad_line[0], False
                if not has_text:
                    ctx.stats.skipped["missing_text"] += 1
                    continue
                if "_extra_fields" in rec and "_extra_fields" not in fieldnames:
                    what = "more fields than the header, kept as '_extra_fields'"
                    ctx.warn("extra_fields", path, row, what)
                doc = ctx.from_record(rec, path, row, invalid, quiet_missing_id=not has_id)
                if doc is not None:
                    yield doc
    except OSError as err:
        what = f"read error: {err.strerror or err}; rest of file skipped"
        ctx.skip("unreadable", path, row + 1, what)


_csv_limit_raised = False


def _raise_csv_field_limit() -> None:
    """Let the csv module read fields of any size (its default limit is 128 KiB)."""
    global _csv_limit_raised
    if _csv_limit_raised:
        return
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            break
        except OverflowError:  # pragma: no cover - platforms with a 32-bit C long
            limit //= 2
    _csv_limit_raised = True


def _read(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_csv(ctx, path)


register(Format("csv", (".csv",), _read))
