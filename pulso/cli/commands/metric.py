"""pulso metric NAME [--from DATE --to DATE] [filters] [--param key=value ...]; pulso metric list | docs

Computes one registered metric (``metrics.registry.compute``) over a scope and
prints it as a table, CSV or JSON. Without ``--from/--to`` the period is the
last complete Monday-Sunday week with data, as on the dashboard. With
``--engine spark --lake LOCATION`` a shared metric runs on Apache Spark over a
Parquet lake (``pulso lake export``) and prints the same frame. Exit codes:
0 done; 2 a bad argument (one line naming it and what is allowed); 3 the loaded
sources do not supply what the metric needs.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

EXIT_NOT_AVAILABLE = 3


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db
    from pulso.core.periods import GRANULARITIES

    p = subparsers.add_parser("metric", parents=[common], help="compute one metric (or `pulso metric list`)")
    p.add_argument("name", help="metric name; `list` names them all; `docs` prints their definitions (Markdown)")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--from", dest="start", help="first local day, YYYY-MM-DD (default: the last complete week)")
    p.add_argument("--to", dest="end", help="last local day (inclusive), YYYY-MM-DD")
    p.add_argument("--by", help="segment, for the metrics that take it (see `pulso metric docs`)")
    for flag in ("region", "office", "role", "group"):
        p.add_argument(f"--{flag}", action="append", default=[], help=f"only this {flag} (repeatable)")
    p.add_argument("--granularity", default="week", choices=GRANULARITIES)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="metric parameter (repeatable)")
    p.add_argument("--format", dest="output", default="table", choices=("table", "csv", "json"))
    p.add_argument("--lang", default="es", choices=("es", "en"))
    p.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"),
                   help="duckdb (the store, default) or spark (a lake; the shared metrics only)")
    p.add_argument("--lake", help="lake folder or URL, for --engine spark")
    from pulso.cli.commands.lake import spark_options

    spark_options(p)
    p.set_defaults(func=run)


def parse_params(items: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` items as text; each value is validated by the metric's declaration."""
    from pulso.cli.main import UserError

    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--param {item!r}: expected KEY=VALUE")
        params[key.strip()] = value
    return params


def scope_from_args(args, con):
    """The scope the arguments ask for; the last complete week with data when no period is given."""
    from metrics.store import data_span
    from pulso.cli.main import UserError
    from pulso.core.periods import last_complete_week, parse_day
    from pulso.core.scope import Scope

    if bool(args.start) != bool(args.end):
        raise UserError("give both --from and --to, or neither (the last complete week)")
    if args.start:
        start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    else:
        span = data_span(con)
        if span is None:
            raise UserError(f"{args.lake or args.db}: the store holds no dated activity yet; give --from and --to")
        start, end = last_complete_week(span[1])
    return Scope(start, end, tuple(args.region), tuple(args.office), tuple(args.role), tuple(args.group),
                 args.granularity)


def settings_note(con) -> str | None:
    """A one-line note when the settings file in force differs from the settings the store was built with."""
    from metrics.store import store_settings
    from pulso.core.settings import load_settings

    stored, wanted = store_settings(con), load_settings()
    if stored.digest == wanted.digest:
        return None
    return (f"pulso: note: the store was built with other settings ({stored.source}); metrics use the store's. "
            f"Run `pulso ingest --config {wanted.source} --db ...` to apply {Path(wanted.source).name}.")


def run(args) -> int:
    from metrics.registry import FactsNotAvailable, compute, definitions_markdown, load_all_metrics
    from metrics.store import connect_read_only
    from pulso.cli.main import UserError

    metrics = load_all_metrics()
    if args.name == "docs":
        print(definitions_markdown(args.lang))
        return 0
    if args.name == "list":
        width = max(len(n) for n in metrics)
        for name in sorted(metrics):
            print(f"{name:<{width}}  {metrics[name].label[args.lang]}")
        return 0
    if args.name not in metrics:
        close = difflib.get_close_matches(args.name, metrics, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see `pulso metric list`)"
        raise UserError(f"unknown metric {args.name!r}{hint}")
    definition = metrics[args.name]
    params = parse_params(args.param)
    if args.by:
        params["by"] = args.by
    if "lang" not in params and any(p.name == "lang" for p in definition.parameters):
        params["lang"] = args.lang  # metrics that write sentences (alerts' reasons) write them in --lang
    if args.engine == "spark":
        return run_on_spark(args, definition, params)
    if args.lake:
        raise UserError("--lake goes with --engine spark")
    con = connect_read_only(args.db)
    try:
        note = settings_note(con)
        if note:
            print(note, file=sys.stderr)
        scope = scope_from_args(args, con)
        try:
            frame = compute(con, args.name, scope, **params)
        except FactsNotAvailable as exc:
            missing = ", ".join(sorted(exc.missing))
            message = {"es": f"{args.name}: no disponible con las fuentes cargadas (falta: {missing})",
                       "en": f"{args.name}: not available from the loaded sources (missing: {missing})"}[args.lang]
            print(f"pulso: {message}", file=sys.stderr)
            return EXIT_NOT_AVAILABLE
    finally:
        con.close()
    print_frame(frame, args.output, f"{definition.label[args.lang]} ({scope.start} – {scope.end})")
    return 0


def run_on_spark(args, definition, params: dict) -> int:
    """The metric on Spark over the lake: the same function, parameters and scope as on DuckDB."""
    from metrics.registry import FactsNotAvailable, compute, shared_metrics
    from pipelines.lake import Lake
    from pulso.cli.commands.lake import spark_engine_session
    from pulso.cli.main import UserError

    if not args.lake:
        raise UserError("--engine spark needs --lake LOCATION (a lake written by `pulso lake export`)")
    if not definition.shared:
        raise UserError(f"{definition.name} runs on DuckDB only; on Spark: {', '.join(shared_metrics())}")
    lake = Lake(args.lake)
    manifest = lake.manifest()
    with spark_engine_session(args) as session:
        from pulso.spark.engine import SparkEngine

        engine = SparkEngine(session, lake, manifest)
        scope = scope_from_args(args, engine)
        try:
            frame = compute(engine, args.name, scope, **params)
        except FactsNotAvailable as exc:
            missing = ", ".join(sorted(exc.missing))
            message = {"es": f"{args.name}: no disponible con las fuentes cargadas (falta: {missing})",
                       "en": f"{args.name}: not available from the loaded sources (missing: {missing})"}[args.lang]
            print(f"pulso: {message}", file=sys.stderr)
            return EXIT_NOT_AVAILABLE
    print_frame(frame, args.output, f"{definition.label[args.lang]} ({scope.start} – {scope.end})")
    return 0


def print_frame(frame, output: str, title: str) -> None:
    import polars as pl

    if output == "csv":
        nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
        flat = frame.with_columns(pl.col(name).cast(pl.List(pl.String)).list.join(";") for name in nested
                                  if isinstance(frame.schema[name], pl.List))
        sys.stdout.write(flat.with_columns(pl.col(name).struct.json_encode() for name in nested
                                           if isinstance(frame.schema[name], pl.Struct)).write_csv())
    elif output == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        print(title)
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200,
                       tbl_hide_dataframe_shape=True):
            print(frame)
