"""pulso metric NAME [--from DATE --to DATE] [filters] [--param key=value ...] [--viewer EMAIL];
pulso metric list | docs

Computes one registered metric (``metrics.registry.compute``) over a scope and
prints it as a table, CSV or JSON. Without ``--from/--to`` the period is the
last complete Monday-Sunday week with data, as on the dashboard. ``--viewer``
computes it as that signed-in person would see it on the dashboard (the store's
``[[access.viewers]]``): the same refusals, narrowing and suppressed figures.
Person-level results are written to the audit log. With ``--engine spark --lake
LOCATION`` a shared metric runs on Apache Spark over a Parquet lake (``pulso
lake export``) and prints the same frame (not with ``--viewer``: a viewer's
rights apply to a store). Exit codes: 0 done; 2 a bad argument (one line naming
it and what is allowed); 3 the loaded sources do not supply what the metric
needs; 4 no access ("sin acceso") for that viewer.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

EXIT_NOT_AVAILABLE = 3
EXIT_NO_ACCESS = 4


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
    add_viewer_options(p)
    p.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"),
                   help="duckdb (the store, default) or spark (a lake; the shared metrics only)")
    p.add_argument("--lake", help="lake folder or URL, for --engine spark")
    from pulso.cli.commands.lake import spark_options

    spark_options(p)
    p.set_defaults(func=run)


def add_viewer_options(p) -> None:
    p.add_argument("--viewer", metavar="EMAIL", help="compute as this viewer would see it (the store's [access] "
                                                     "viewers): same refusals and suppressed figures")
    p.add_argument("--viewer-group", action="append", default=[], metavar="GROUP",
                   help="a group claim of that viewer (repeatable), for entries that name a group")


def viewer_rights(args, con):
    """The rights of ``--viewer`` (None without it); raises AccessDenied when the viewer is not listed."""
    from metrics.access import rights_for
    from pulso.core.errors import AccessDenied

    if not args.viewer:
        if args.viewer_group:
            from pulso.cli.main import UserError
            raise UserError("--viewer-group needs --viewer EMAIL")
        return None
    rights = rights_for(con, args.viewer, tuple(args.viewer_group))
    if rights is None:
        raise AccessDenied("not_listed", f"sin acceso: {args.viewer} is not a listed viewer of this store "
                                         "([[access.viewers]] in the settings it was built with), or their own "
                                         "region / office is not in the directory")
    return rights


def audit_viewer(args) -> str:
    import getpass

    return args.viewer or f"cli:{getpass.getuser()}"


def record_audit(con, args, action: str, what: str, scope) -> None:
    """Append a person-level output of the command line to the store's audit log."""
    from metrics.store import store_settings
    from pulso.core.audit import append, audit_path

    append(audit_path(args.db, store_settings(con).privacy.audit_log), audit_viewer(args), action, what, scope)


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
                 args.granularity, rights=viewer_rights(args, con))


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
    from pulso.core.errors import AccessDenied

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
        try:
            scope = scope_from_args(args, con)
            frame = compute(con, args.name, scope, **params)
        except FactsNotAvailable as exc:
            return not_available(args, exc)
        except AccessDenied as exc:
            print(f"pulso: {args.name}: {exc.one_line()}", file=sys.stderr)
            return EXIT_NO_ACCESS
        if definition.person_level:
            record_audit(con, args, "cli", args.name, scope)
    finally:
        con.close()
    print_frame(frame, args.output, f"{definition.label[args.lang]} ({scope.start} – {scope.end})", definition)
    return 0


def not_available(args, exc) -> int:
    """A metric whose facts no loaded source supplied: one line naming what is missing, exit code 3."""
    missing = ", ".join(sorted(exc.missing))
    message = {"es": f"{args.name}: no disponible con las fuentes cargadas (falta: {missing})",
               "en": f"{args.name}: not available from the loaded sources (missing: {missing})"}[args.lang]
    print(f"pulso: {message}", file=sys.stderr)
    return EXIT_NOT_AVAILABLE


def run_on_spark(args, definition, params: dict) -> int:
    """The metric on Spark over the lake: the same function, parameters and scope as on DuckDB."""
    from metrics.registry import FactsNotAvailable, compute, shared_metrics
    from pipelines.lake import Lake
    from pulso.cli.commands.lake import spark_engine_session
    from pulso.cli.main import UserError

    if not args.lake:
        raise UserError("--engine spark needs --lake LOCATION (a lake written by `pulso lake export`)")
    if args.viewer:
        raise UserError("--viewer applies to a store (the rights, refusals and suppression run on DuckDB); "
                        "leave out --engine spark")
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
            return not_available(args, exc)
    print_frame(frame, args.output, f"{definition.label[args.lang]} ({scope.start} – {scope.end})")
    return 0


def with_markers(frame, definition):
    """Withheld figures (a viewer without person-level rights) as their marker, "< 5" or "—", in text."""
    import polars as pl

    from metrics.privacy import SUPPRESSED
    from metrics.registry import FIGURE_FORMATS

    if definition is None or SUPPRESSED not in frame.columns:
        return frame
    figures = [c.name for c in definition.columns if c.format in FIGURE_FORMATS and c.name in frame.columns]
    marker = pl.col(SUPPRESSED)
    return frame.with_columns(
        pl.when(marker.is_not_null() & pl.col(c).is_null()).then(marker).otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in figures).drop(SUPPRESSED)


def print_frame(frame, output: str, title: str, definition=None) -> None:
    import polars as pl

    from dashboard.present import csv_cell

    if output == "csv":
        frame = with_markers(frame, definition)
        nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
        flat = frame.with_columns(pl.col(name).cast(pl.List(pl.String)).list.join(";") for name in nested
                                  if isinstance(frame.schema[name], pl.List))
        flat = flat.with_columns(pl.col(name).struct.json_encode() for name in nested
                                 if isinstance(frame.schema[name], pl.Struct))
        text = [name for name, dtype in flat.schema.items() if dtype == pl.String]  # no cell runs as a formula
        flat = flat.with_columns(pl.col(name).map_elements(csv_cell, return_dtype=pl.String) for name in text)
        sys.stdout.write(flat.rename({c: csv_cell(c) for c in flat.columns}).write_csv())
    elif output == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        frame = with_markers(frame, definition)
        print(title)
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200,
                       tbl_hide_dataframe_shape=True):
            print(frame)
