"""Parquet, streamed batch by batch with ``pyarrow.parquet.ParquetFile.iter_batches``."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Document, Format, ReadContext, register

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
        if ctx.text_field not in names:
            n = pf.metadata.num_rows
            ctx.skip("missing_text", path, None, f"no {ctx.text_field!r} column; {n} rows skipped", n)
            return
        columns = None
        if not ctx.keep_records:
            wanted = (ctx.id_field, ctx.text_field, ctx.date_field)
            columns = [c for c in dict.fromkeys(wanted) if c and c in names]
        quiet_missing_id = ctx.id_field not in names
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
