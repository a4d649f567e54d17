"""pulso info [--db FILE]: what a store holds -- its span of days, sources and facts, runs and settings."""

from __future__ import annotations

from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("info", parents=[common], help="what the store holds: span, sources, facts, settings")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.set_defaults(func=run)


def run(args) -> int:
    from metrics.store import connect_read_only, data_span, store_settings
    from pulso.core.sql import rows

    con = connect_read_only(args.db)
    try:
        span = data_span(con)
        settings = store_settings(con)
        info = dict(rows(con, "SELECT key, value FROM store_info"))
        facts = rows(con, "SELECT source, fact, rows, CAST(first_at AS DATE), CAST(last_at AS DATE) "
                          "FROM source_facts ORDER BY source, fact")
        runs = rows(con, "SELECT count(*), max(finished_at) FROM ingestion_runs")[0]
        rejected = rows(con, "SELECT count(*) FROM rejected_rows")[0][0]
    finally:
        con.close()
    print(f"store      {args.db}")
    print(f"schema     {info.get('schema_version')} (Pulso {info.get('pulso_version')}), "
          f"published {info.get('published_at')}")
    print(f"span       {span[0]} .. {span[1]} (local days)" if span else "span       no dated activity")
    if info.get("imported_from"):
        print(f"lake       imported from {info['imported_from']}; derived tables built by "
              f"{info.get('derived_built_by', '?')}")
    print(f"runs       {runs[0]} (last {runs[1]}), {rejected:,} rejected rows kept")
    print(f"settings   {settings.source} (digest {settings.digest})")
    print(f"  organisation  {settings.organization_name}, time zone {settings.timezone}")
    print("  hierarchy     " + " > ".join(settings.hierarchy.names))
    print("  thresholds    " + ", ".join(f"{k}={v}" for k, v in sorted(settings.thresholds.items())))
    print("sources and facts:")
    for source, fact, count, first, last in facts:
        period = f"{first} .. {last}" if first else "undated"
        print(f"  {source:<14}{fact:<17}{count or 0:>12,}  {period}")
    return 0
