"""CSV with a header row (``csv.DictReader``, no limit on the field size)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Sequence

from .base import BOM, MAX_FIELDS_SHOWN, Document, Format, ReadContext, register, shown_name


def read_csv(ctx: ReadContext, path: str) -> Iterator[Document]:
    _raise_csv_field_limit()
    f = ctx.open_binary(path)
    if f is None:
        return
    bad_line = [False]
    # Why strict parsing with a replay: an unterminated quote made the csv module read every
    # following row into one field, silently. Strict parsing stops there ("unexpected end of
    # data", "',' expected after '\"'"); the lines the broken record swallowed are then read
    # again, so only its first line is lost (and reported). ``taken`` holds the lines of the
    # record being read, ``replay`` the lines to read again.
    taken: list[tuple[int, str, bool]] = []
    replay: list[tuple[int, str, bool]] = []

    class Lines:
        """The file's lines, decoded; lines put back in ``replay`` come first (also after the
        end of the file was reached once, which a generator could not do)."""

        def __init__(self, stream: Iterable[bytes]):
            self.stream = iter(stream)
            self.n = 0

        def __iter__(self) -> Lines:
            return self

        def __next__(self) -> str:
            if replay:
                item = replay.pop(0)
            else:
                raw = next(self.stream)
                if self.n == 0 and raw.startswith(BOM):
                    raw = raw[len(BOM) :]
                self.n += 1
                text, bad = ctx.decode(raw)
                item = (self.n, text, bad)
            taken.append(item)
            bad_line[0] = bad_line[0] or item[2]
            return item[1]

    row = 0
    try:
        with f:
            if ctx.sniff_binary(f, path):
                return
            reader = csv.DictReader(Lines(f), restkey="_extra_fields", strict=True)
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
                taken.clear()
                try:
                    rec = next(rows)
                except StopIteration:
                    break
                except csv.Error as err:
                    row += 1
                    bad_line[0] = False
                    if len(taken) <= 1:  # a malformed line on its own: read leniently, as before
                        rec = _lenient_row(taken, reader.fieldnames)
                        if rec is None:
                            ctx.skip("bad_csv", path, row, f"bad CSV ({err}), row skipped")
                            continue
                    else:
                        start = taken[0][0]
                        replay[:0] = taken[1:]
                        ctx.skip("bad_csv", path, row, f"bad CSV ({err}): a quote opened in this row (line "
                                 f"{start} of the file) is never closed; the row skipped, the lines after it "
                                 "read again")
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


def _lenient_row(taken: list[tuple[int, str, bool]], fieldnames: Sequence[str] | None) -> dict | None:
    """One line that strict parsing refused (a stray quote), read as the csv module reads it by
    default; None when there is no such line."""
    if not taken or not fieldnames:
        return None
    try:
        values = next(csv.reader([taken[0][1]]))
    except (csv.Error, StopIteration):
        return None
    rec: dict = dict(zip(fieldnames, values))
    if len(values) > len(fieldnames):
        rec["_extra_fields"] = values[len(fieldnames) :]
    for k in fieldnames[len(values) :]:
        rec[k] = None
    return rec


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
