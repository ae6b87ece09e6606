"""Parquet, streamed batch by batch with ``pyarrow.parquet.ParquetFile.iter_batches``."""

from __future__ import annotations

from collections.abc import Iterator

from .base import MAX_FIELDS_SHOWN, Document, Format, ReadContext, register, shown_name

PARQUET_BATCH = 1024


def read_parquet(ctx: ReadContext, path: str) -> Iterator[Document]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(ctx.seekable(path))
    except PermissionError as err:
        ctx.skip("unreadable", path, None, f"cannot open: {err.strerror or err}")
        return
    except (OSError, pa.ArrowException) as err:
        ctx.skip("bad_parquet", path, None, f"not a readable Parquet file ({err}), skipped")
        return
    row = 0
    with pf:
        ctx.stats.files += 1
        names = pf.schema_arrow.names
        def top(name: str | None) -> str | None:  # a dotted field lives in a struct column
            return name if not name or name in names else name.split(".", 1)[0]

        if top(ctx.text_field) not in names:
            n = pf.metadata.num_rows
            shown = ", ".join(shown_name(c) for c in names[:MAX_FIELDS_SHOWN])
            more = ", ..." if len(names) > MAX_FIELDS_SHOWN else ""
            ctx.skip("missing_text", path, None, f"no {ctx.text_field!r} column (the columns are: {shown}{more}); "
                     f"{n} rows skipped (use --text-field to name the text column)", n)
            return
        columns = None
        if not ctx.keep_records:
            wanted = (top(ctx.id_field), top(ctx.text_field), top(ctx.date_field))
            columns = [c for c in dict.fromkeys(wanted) if c and c in names]
        quiet_missing_id = top(ctx.id_field) not in names
        if quiet_missing_id:
            ctx.message(path, None, f"no {ctx.id_field!r} column; ids are '{path}:<row>'")
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH, columns=columns):
                for rec in batch.to_pylist():
                    row += 1
                    doc = ctx.from_record(
                        rec, path, row, quiet_missing_id=quiet_missing_id, allow_bytes=True
                    )
                    if doc is not None:
                        yield doc
        except (OSError, pa.ArrowException) as err:
            left = max(0, pf.metadata.num_rows - row)
            ctx.skip(
                "bad_parquet",
                path,
                row + 1,
                f"cannot read Parquet data ({err}); {left} rows skipped",
                max(1, left),
            )


def _read(ctx: ReadContext, path: str, doc_id: str) -> Iterator[Document]:
    return read_parquet(ctx, path)


register(Format("parquet", (".parquet",), _read))
