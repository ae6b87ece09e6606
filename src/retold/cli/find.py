"""``retold find``, ``clusters``, ``dedup`` and ``boilerplate``: parse, call the API, print.
Results go to ``-o FILE`` (format by extension) or stdout; progress, warnings and the summary go
to stderr."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..vocabulary import FAMILY_KINDS
from .common import (
    Bar,
    BoilerplateOpt,
    CorpusArg,
    DateOpt,
    EmbedderOpt,
    EncodingOpt,
    EngineOpt,
    IdOpt,
    IdPrefixOpt,
    JsonOpt,
    KeepDateOpt,
    KeepOpt,
    KindsOpt,
    MasterOpt,
    Messages,
    NearCoverageOpt,
    OptionOpt,
    OutputOpt,
    ParaThresholdOpt,
    PartialWordsOpt,
    PartitionsOpt,
    QuietOpt,
    ShingleOpt,
    SparkConfOpt,
    TextOpt,
    check_output,
    console,
    embedder_option,
    engine_options,
    fields_option,
    inputs,
    kinds_option,
    nothing_read,
    options_option,
    prepare_kernels,
    print_summary,
    quiet_stdout,
    spark_only_basics,
    write_output,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..engine.local import FindResult
    from ..model import Fields


def _summary(res: FindResult, command: str, elapsed: float, extra: dict[str, object]) -> dict[str, object]:
    from ..engine.local import peak_memory_mb, spilled_bytes
    from ..version import __version__

    st = res.stats
    return {
        "command": command,
        "documents_read": st.documents,
        "files_read": st.files,
        "skipped": dict(sorted(st.skipped.items())),
        "warnings": dict(sorted(st.warnings.items())),
        "candidates_verified": res.candidates,
        "pairs": res.kind_counts(),
        "boilerplate_documents": res.boilerplate_documents,
        **({"paraphrase_tier": res.tier} if res.tier else {}),
        **extra,
        "seconds": round(elapsed, 3),
        "stage_seconds": {k: round(v, 3) for k, v in res.timings.items()},
        "peak_memory_mb": round(peak_memory_mb(), 1),
        **({"spilled_to_disk_mb": round(spilled_bytes(res.corpus) / 2**20, 1)} if hasattr(res, "corpus") else {}),
        "retold_version": __version__,
    }


def _done(con: Console, summary: dict[str, object], as_json: bool, res: FindResult, fields: Fields) -> None:
    """The summary, always; then exit 1 when no document could be read."""
    print_summary(con, summary, as_json)
    if res.stats.documents == 0:
        nothing_read(con, dict(res.stats.skipped), fields)
        raise typer.Exit(1)


def _check_keep(keep: str) -> None:
    from ..cluster import KEEP_RULES

    if keep not in KEEP_RULES:
        raise typer.BadParameter(f"choose one of {', '.join(KEEP_RULES)}", param_hint="--keep")


MinScoreOpt = Annotated[float | None, typer.Option(
    "--min-score", min=0.0, max=1.0, metavar="S", help="Report only pairs scoring at least this.", show_default=False)]
PassageTextOpt = Annotated[bool, typer.Option(
    "--passage-text", help="Give each passage its text in a and b (a_text, b_text).")]


def find_cmd(corpus: CorpusArg, output: OutputOpt = "-", kinds: KindsOpt = None, id_field: IdOpt = "id",
             text_field: TextOpt = "text", date_field: DateOpt = "date", boilerplate: BoilerplateOpt = None,
             embedder: EmbedderOpt = None, paraphrase_threshold: ParaThresholdOpt = None,
             min_score: MinScoreOpt = None, passage_text: PassageTextOpt = False, shingle_size: ShingleOpt = None,
             near_coverage: NearCoverageOpt = None, partial_min_words: PartialWordsOpt = None,
             option: OptionOpt = None, id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None,
             json: JsonOpt = False, quiet: QuietOpt = False,
             report: Annotated[Path | None, typer.Option(
                 "--report", metavar="FILE", help="Also write the HTML report of the pairs (see `retold report`).",
                 show_default=False)] = None, engine: EngineOpt = "local", master: MasterOpt = None,
             spark_conf: SparkConfOpt = None, partitions: PartitionsOpt = None) -> None:
    """Every related pair of documents, verified, with exact scores and passages."""
    ks = kinds_option(kinds)
    emb = embedder_option(embedder)
    check_output(output)
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    opts = options_option(paraphrase_threshold, shingle_size, near_coverage, partial_min_words, option)
    spark_only_basics(engine, corpus, output, id_prefix,
                      {"--min-score": min_score is not None, "--passage-text": passage_text,
                       "--report": report is not None})
    if report is not None:
        from .report import check_html

        check_html(report)
    con = console()
    prepare_kernels(con, corpus, engine)
    run_on = engine_options(engine, master, spark_conf, partitions)
    from ..engine import find

    t0 = time.perf_counter()
    paths = inputs(corpus, run_on)
    res = find(paths, ks, opts, fields=fields, boilerplate=boilerplate, embedder=emb, progress=Bar(con),
               on_message=Messages(con, quiet), **run_on)
    if run_on:  # Spark's pairs stay in Spark and are written from there
        n = res.write(output) if res.stats.documents else 0
    else:
        res = res.filter(min_score)
        n = write_output(output, res.record_dicts(passage_text)) if res.stats.documents else 0
    extra: dict[str, object] = {"records_written": n, "output": output}
    if report is not None and res.stats.documents:
        from .report import report_find_result

        extra["report"] = report_find_result(res, paths, report, con, quiet).path
    _done(con, _summary(res, "find", time.perf_counter() - t0, extra), json, res, fields)


def clusters_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
                 min_size: Annotated[int, typer.Option(
                     "--min-size", min=1, metavar="N",
                     help="Write only clusters of at least this many documents.")] = 1,
                 id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: KeepDateOpt = "date",
                 boilerplate: BoilerplateOpt = None, shingle_size: ShingleOpt = None,
                 near_coverage: NearCoverageOpt = None, option: OptionOpt = None, id_prefix: IdPrefixOpt = "none",
                 encoding: EncodingOpt = None, json: JsonOpt = False, quiet: QuietOpt = False,
                 engine: EngineOpt = "local", master: MasterOpt = None, spark_conf: SparkConfOpt = None,
                 partitions: PartitionsOpt = None) -> None:
    """Reuse families: every document in exactly one cluster, with its representative."""
    ks = kinds_option(kinds, FAMILY_KINDS)
    _check_keep(keep)
    check_output(output)
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    opts = options_option(shingle_size=shingle_size, near_coverage=near_coverage, option=option)
    spark_only_basics(engine, corpus, output, id_prefix, {"--min-size": min_size != 1})
    con = console()
    prepare_kernels(con, corpus, engine)
    run_on = engine_options(engine, master, spark_conf, partitions)
    from ..engine import clusters

    t0 = time.perf_counter()
    paths = inputs(corpus, run_on)
    res, found = clusters(paths, keep, ks, opts, fields=fields, boilerplate=boilerplate, progress=Bar(con),
                          on_message=Messages(con, quiet), **run_on)
    if run_on:  # Spark's clusters stay in Spark
        n, multi = (found.write(output), found.multi_document()) if res.stats.documents else (0, 0)
    else:
        n = write_output(output, (c for c in found if len(c.members) >= min_size)) if res.stats.documents else 0
        multi = sum(1 for c in found if len(c.members) > 1)
    _done(con, _summary(res, "clusters", time.perf_counter() - t0,
                        {"clusters": len(found), "multi_document_clusters": multi, "records_written": n,
                         "output": output}), json, res, fields)


def dedup_cmd(corpus: CorpusArg, output: OutputOpt = "-", keep: KeepOpt = "first", kinds: KindsOpt = None,
              id_field: IdOpt = "id", text_field: TextOpt = "text", date_field: KeepDateOpt = "date",
              boilerplate: BoilerplateOpt = None,
              strip_boilerplate: Annotated[bool, typer.Option(
                  "--strip-boilerplate", help="Remove recognised site furniture from the kept texts.")] = False,
              removed: Annotated[str | None, typer.Option(
                  "--removed", metavar="FILE", show_default=False,
                  help='Also write {"id", "kept"} for each removed document (the id kept for its family) to '
                  "this file.")] = None,
              shingle_size: ShingleOpt = None, near_coverage: NearCoverageOpt = None, option: OptionOpt = None,
              id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None, json: JsonOpt = False,
              quiet: QuietOpt = False, engine: EngineOpt = "local", master: MasterOpt = None,
              spark_conf: SparkConfOpt = None, partitions: PartitionsOpt = None) -> None:
    """The corpus with one document kept per family, records unchanged, in input order."""
    ks = kinds_option(kinds, FAMILY_KINDS)
    _check_keep(keep)
    check_output(output)
    if removed is not None:
        check_output(removed, "--removed")
    fields = fields_option(id_field, text_field, date_field, id_prefix, encoding)
    opts = options_option(shingle_size=shingle_size, near_coverage=near_coverage, option=option)
    spark_only_basics(engine, corpus, output, id_prefix, {"--removed": removed is not None})
    con = console()
    prepare_kernels(con, corpus, engine)
    run_on = engine_options(engine, master, spark_conf, partitions)
    from ..engine import dedup

    t0 = time.perf_counter()
    more = {} if run_on else {"removed": removed}
    paths = inputs(corpus, run_on)
    try:
        res, n = dedup(paths, output, keep, ks, opts, fields=fields, boilerplate=boilerplate, progress=Bar(con),
                       on_message=Messages(con, quiet), strip_boilerplate=strip_boilerplate, **more, **run_on)
    except BrokenPipeError:  # dedup writes the records itself; its reader went away: stop quietly
        quiet_stdout()
        raise typer.Exit(0) from None
    extra: dict[str, object] = {"clusters": res.family_count(ks), "records_written": n,
                                "documents_removed": res.stats.documents - n, "output": output}
    if removed is not None:
        extra["removed_output"] = removed
    _done(con, _summary(res, "dedup", time.perf_counter() - t0, extra), json, res, fields)


def boilerplate_cmd(corpus: CorpusArg, output: OutputOpt = "-", id_field: IdOpt = "id",
                    text_field: TextOpt = "text", id_prefix: IdPrefixOpt = "none", encoding: EncodingOpt = None,
                    json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """List the site furniture recognised in each document: [start, end) spans and their lines."""
    check_output(output)
    fields = fields_option(id_field, text_field, "date", id_prefix, encoding)
    con = console()
    prepare_kernels(con, corpus)
    from ..engine.local import furniture, peak_memory_mb

    t0 = time.perf_counter()
    stats, found = furniture(inputs(corpus), fields=fields, progress=Bar(con), on_message=Messages(con, quiet))
    n = write_output(output, found)
    summary = {"command": "boilerplate", "documents_read": stats.documents, "skipped": dict(stats.skipped),
               "warnings": dict(stats.warnings), "boilerplate_documents": n, "records_written": n, "output": output,
               "seconds": round(time.perf_counter() - t0, 3), "peak_memory_mb": round(peak_memory_mb(), 1)}
    print_summary(con, summary, json)
    if stats.documents == 0:
        nothing_read(con, dict(stats.skipped), fields)
        raise typer.Exit(1)


def version_cmd() -> None:
    """Print the version."""
    from ..version import __version__

    typer.echo(__version__)


def register(app: typer.Typer) -> None:
    """Add ``find``, ``clusters``, ``dedup``, ``boilerplate`` and ``version``.

    >>> app = typer.Typer()
    >>> register(app)
    >>> [c.name for c in app.registered_commands]
    ['find', 'clusters', 'dedup', 'boilerplate', 'version']
    """
    app.command("find")(find_cmd)
    app.command("clusters")(clusters_cmd)
    app.command("dedup")(dedup_cmd)
    app.command("boilerplate")(boilerplate_cmd)
    app.command("version")(version_cmd)
