"""Engines: the same stages (:mod:`retold.stages`) run by different machinery, with the same
records as the result. ``local`` is one process (:mod:`.local`); ``spark`` runs the stages in
Spark partitions (:mod:`.spark`, ``pip install 'retold[spark]'``); :mod:`.incremental` keeps an
on-disk index. :func:`find`, :func:`clusters` and :func:`dedup` send a run to an engine.
"""

from __future__ import annotations

from typing import Any

#: The engines a run can use.
ENGINES: tuple[str, ...] = ("local", "spark")


def _check(engine: str, spark: Any, partitions: int | None) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "local" and (spark is not None or partitions is not None):
        raise ValueError("spark= and partitions= are settings of engine='spark'")


def find(paths: Any = None, kinds: Any = None, options: Any = None, *, engine: str = "local", spark: Any = None,
         partitions: int | None = None, **kwargs: Any) -> Any:
    """Every related pair of documents, verified, with exact scores (see :func:`retold.engine.local.find`).

    ``engine="spark"`` runs it on Spark (``spark``: a ``SparkSession``; ``partitions``: how many
    pieces the data is cut into) and returns a :class:`~retold.engine.spark.SparkFindResult` with
    the same records.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("Oil prices rose on Monday.")
    >>> _ = (d / "b.txt").write_text("OIL PRICES ROSE ON MONDAY!")
    >>> [(p.a, p.b, p.kind) for p in find([d]).pairs]
    [('a.txt', 'b.txt', 'exact')]
    """
    _check(engine, spark, partitions)
    if engine == "spark":
        from .spark import find as spark_find

        return spark_find(paths, kinds, options, spark=spark, partitions=partitions, **kwargs)
    from .local import find as local_find

    return local_find(paths, kinds, options, **kwargs)


def clusters(paths: Any = None, keep: str = "first", kinds: Any = None, options: Any = None, *, engine: str = "local",
             spark: Any = None, partitions: int | None = None, **kwargs: Any) -> Any:
    """Reuse families (see :func:`retold.engine.local.clusters`); ``engine="spark"`` as in :func:`find`."""
    _check(engine, spark, partitions)
    if engine == "spark":
        from .spark import clusters as spark_clusters

        return spark_clusters(paths, keep, kinds, options, spark=spark, partitions=partitions, **kwargs)
    from .local import clusters as local_clusters

    return local_clusters(paths, keep, kinds, options, **kwargs)


def dedup(paths: Any = None, output: str | None = None, keep: str = "first", kinds: Any = None, options: Any = None, *,
          engine: str = "local", spark: Any = None, partitions: int | None = None, **kwargs: Any) -> Any:
    """One record per family, written to ``output`` (see :func:`retold.engine.local.dedup`);
    ``engine="spark"`` as in :func:`find`."""
    _check(engine, spark, partitions)
    if engine == "spark":
        from .spark import dedup as spark_dedup

        return spark_dedup(paths, output, keep, kinds, options, spark=spark, partitions=partitions, **kwargs)
    from .local import dedup as local_dedup

    return local_dedup(paths, output, keep, kinds, options, **kwargs)
