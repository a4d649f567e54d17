"""pulso ingest PATH... [--db FILE] [--format NAME]"""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    from pulso.cli import default_db

    p = subparsers.add_parser("ingest", help="load exports into the store (atomic, idempotent)")
    p.add_argument("paths", nargs="+", type=Path, help="export files, folders or zips")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--format", dest="format_name", help="skip detection and use this reader")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.ingest import ingest
    from pulso.config import load_config

    summary = ingest(args.paths, args.db, args.format_name, load_config(args.config))
    print(f"run {summary.run_id} ({', '.join(summary.formats)}) published to {args.db}")
    print(summary.table_text())
    return 0
