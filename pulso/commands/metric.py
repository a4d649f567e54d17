"""pulso metric NAME --db FILE --from DATE --to DATE [filters] [--param key=value ...]; pulso metric list

Computes one registered metric (``metrics.registry.compute``) over a scope and
prints it as a table, CSV or JSON. Exit codes: 0 done; 2 unknown metric or a
bad argument; 3 the loaded sources do not supply what the metric needs.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

EXIT_NOT_AVAILABLE = 3


def register(subparsers) -> None:
    from pulso.cli import default_db

    p = subparsers.add_parser("metric", help="compute one metric (or `pulso metric list`)")
    p.add_argument("name", help="metric name; `list` names them all; `docs` prints their definitions (Markdown)")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--from", dest="start", help="first local day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="last local day (inclusive), YYYY-MM-DD")
    p.add_argument("--by", help="segment: region, office, role or group (metrics that take it)")
    for flag in ("region", "office", "role", "group"):
        p.add_argument(f"--{flag}", action="append", default=[], help=f"only this {flag} (repeatable)")
    p.add_argument("--granularity", default="week", choices=("day", "week", "month", "quarter"))
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="metric parameter (repeatable)")
    p.add_argument("--format", dest="output", default="table", choices=("table", "csv", "json"))
    p.add_argument("--lang", default="es", choices=("es", "en"))
    p.set_defaults(func=run)


def parse_value(text: str):
    """'3' -> 3, '0.5' -> 0.5, 'true'/'false' -> bool, anything else stays text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_params(items: list[str]) -> dict:
    from pulso.cli import UserError

    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--param {item!r}: expected KEY=VALUE")
        params[key.strip()] = parse_value(value)
    return params


def parse_day(text: str | None, flag: str) -> date:
    from pulso.cli import UserError

    if not text:
        raise UserError(f"{flag} YYYY-MM-DD is required")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag} {text!r}: expected a date YYYY-MM-DD") from None


def run(args) -> int:
    from metrics.registry import FactsNotAvailable, compute, load_all_metrics
    from metrics.scope import Scope
    from metrics.store import StoreMissing, connect_read_only
    from pulso.cli import UserError

    metrics = load_all_metrics()
    if args.name == "docs":
        from metrics.registry import definitions_markdown

        print(definitions_markdown(args.lang))
        return 0
    if args.name == "list":
        width = max(len(n) for n in metrics)
        for name in sorted(metrics):
            print(f"{name:<{width}}  {metrics[name].label[args.lang]}")
        return 0
    if args.name not in metrics:
        raise UserError(f"unknown metric {args.name!r} (see `pulso metric list`)")
    definition = metrics[args.name]
    try:
        scope = Scope(parse_day(args.start, "--from"), parse_day(args.end, "--to"), tuple(args.region),
                      tuple(args.office), tuple(args.role), tuple(args.group), args.granularity)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    params = parse_params(args.param)
    if args.by:
        params["by"] = args.by
    known = {p.name for p in definition.parameters}
    unknown = sorted(set(params) - known)
    if unknown:
        raise UserError(f"{args.name} has no parameter {unknown[0]!r}"
                        + (f" (it takes: {', '.join(sorted(known))})" if known else " (it takes none)"))
    try:
        con = connect_read_only(args.db)
    except StoreMissing as exc:
        raise UserError(str(exc)) from None
    try:
        frame = compute(con, args.name, scope, **params)
    except FactsNotAvailable as exc:
        missing = ", ".join(sorted(exc.missing))
        message = {"es": f"{args.name}: no disponible con las fuentes cargadas (falta: {missing})",
                   "en": f"{args.name}: not available from the loaded sources (missing: {missing})"}[args.lang]
        print(f"pulso: {message}", file=sys.stderr)
        return EXIT_NOT_AVAILABLE
    except ValueError as exc:
        raise UserError(f"{args.name}: {exc}") from None
    finally:
        con.close()
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
