"""pulso ingest [PATH...] [--db FILE] [--format NAME] [--strict] [--no-network] [--config FILE]

Loads exports into the store (atomic, idempotent, incremental) and writes the
settings in force into it. With no path, publishes the store again with the
settings applied (after editing the settings file). A file that rejects more
than ``[limits] reject_warning_share`` of its rows (or a load that rejects
everything) prints a warning line on stderr; with ``--strict`` the load fails
instead and nothing is published. Every failure is one line on stderr. Before publishing, the network
measures of the standard scopes are computed and stored (``metrics.network_precompute``; ``--no-network``
skips them: the network metrics then compute when asked).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("ingest", parents=[common], help="load exports into the store (atomic, idempotent)")
    p.add_argument("paths", nargs="*", type=Path, help="export files, folders or zips (none: apply the settings)")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--format", dest="format_name", help="skip detection and use this reader")
    p.add_argument("--strict", action="store_true",
                   help="fail (publish nothing) when a file rejects more than [limits] reject_warning_share of its rows")
    p.add_argument("--no-network", action="store_true",
                   help="do not precompute the network measures of the standard scopes (computed when asked)")
    p.set_defaults(func=run)


def run(args) -> int:
    from metrics.network_precompute import network_tables
    from pipelines.ingest import ingest
    from pulso.cli.main import UserError
    from pulso.core.settings import load_settings

    if not args.paths and not args.db.exists():
        raise UserError(f"{args.db}: no store yet; give the exports to load")
    settings = load_settings()
    with warnings.catch_warnings():  # a library's warning is not the user's business: one line per problem
        warnings.simplefilter("ignore")
        summary = ingest(args.paths, args.db, args.format_name, settings, strict=args.strict,
                         builders=() if args.no_network else (network_tables,))
    formats = ", ".join(summary.formats) or "settings only"
    print(f"run {summary.run_id} ({formats}) published to {args.db} with settings {settings.digest}")
    if summary.per_table:
        print(summary.table_text())
    if not summary.derived_rebuilt:
        print("nothing new: the derived tables and the network measures were kept as published")
    for warning in summary.warnings:
        print(f"pulso: warning: {warning}", file=sys.stderr)
    return 0
