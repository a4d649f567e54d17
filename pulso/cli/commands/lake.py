"""pulso lake export | import | build | info: the store as a partitioned Parquet lake, and Spark over it.

    pulso lake export [--db FILE] --out LOCATION [--replace]     every table as Parquet + a manifest
    pulso lake import --lake LOCATION [--db FILE] [--replace] [--rebuild]   a store from a lake
    pulso lake build --engine spark --lake LOCATION [--master M] [--remote sc://...] [--driver-memory 2g]
    pulso lake info --lake LOCATION                               what the manifest says

LOCATION is a folder or an object-store URL (s3://bucket/prefix, gs://..., file:///...). See docs/lake.md.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("lake", parents=[common], help="export / import / build the Parquet lake")
    actions = p.add_subparsers(dest="lake_command", required=True)

    e = actions.add_parser("export", parents=[common], help="write the store's tables to a Parquet lake")
    e.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    e.add_argument("--out", required=True, help="lake folder or URL (s3://bucket/prefix, file:///...)")
    e.add_argument("--replace", action="store_true", help="write over a lake already there")
    e.set_defaults(func=run_export)

    i = actions.add_parser("import", parents=[common], help="build a store from a Parquet lake")
    i.add_argument("--lake", required=True, help="lake folder or URL")
    i.add_argument("--db", type=Path, default=default_db(), help="store file to build (default: %(default)s)")
    i.add_argument("--replace", action="store_true", help="replace a store already there")
    i.add_argument("--rebuild", action="store_true", help="rebuild the derived tables with DuckDB instead of "
                                                          "taking the lake's")
    i.set_defaults(func=run_import)

    b = actions.add_parser("build", parents=[common], help="rebuild the lake's derived tables on an engine")
    b.add_argument("--engine", choices=("spark",), required=True, help="the engine that builds (spark)")
    b.add_argument("--lake", required=True, help="lake folder or URL")
    spark_options(b)
    b.set_defaults(func=run_build)

    n = actions.add_parser("info", parents=[common], help="what a lake's manifest says")
    n.add_argument("--lake", required=True, help="lake folder or URL")
    n.set_defaults(func=run_info)


def spark_options(p) -> None:
    p.add_argument("--master", help="Spark master (default: local[2], or spark-submit's)")
    p.add_argument("--remote", help="Spark Connect server, sc://host:15002")
    p.add_argument("--driver-memory", help="driver memory for local Spark (default: 2g)")


@contextlib.contextmanager
def spark_engine_session(args):
    """A Spark session for the arguments (stopped at the end unless it was running before, as in a notebook or
    a test session), or a one-line error when Spark cannot start here."""
    from pulso.cli.main import UserError

    try:
        from pulso.spark.session import java_missing, spark_session
    except ImportError:  # pragma: no cover - depends on the installation
        raise UserError("the Spark engine needs the 'spark' extra: pip install 'pulso[spark]'") from None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UserError("the Spark engine needs the 'spark' extra: pip install 'pulso[spark]'") from None
    from pyspark.sql import SparkSession

    if not getattr(args, "remote", None):
        missing = java_missing()
        if missing:
            raise UserError(missing)
    running = SparkSession.getActiveSession()
    session = running or spark_session(master=getattr(args, "master", None), remote=getattr(args, "remote", None),
                                       driver_memory=getattr(args, "driver_memory", None))
    try:
        yield session
    finally:
        if running is None:
            session.stop()


def run_export(args) -> int:
    from pipelines.lake import export_store

    started = time.perf_counter()
    manifest = export_store(args.db, args.out, replace=args.replace)
    print(f"lake written to {args.out} in {time.perf_counter() - started:.1f} s")
    print_tables(manifest)
    return 0


def run_import(args) -> int:
    from pipelines.lake import import_lake

    started = time.perf_counter()
    manifest = import_lake(args.lake, args.db, replace=args.replace, rebuild=args.rebuild)
    built = "DuckDB (rebuilt)" if args.rebuild else manifest["derived"]["built_by"]
    print(f"store {args.db} built from {args.lake} in {time.perf_counter() - started:.1f} s "
          f"(derived tables: {built})")
    return 0


def run_build(args) -> int:
    from pipelines.lake import Lake
    from pulso.spark.build import build_lake

    lake = Lake(args.lake)
    lake.manifest()  # a missing or foreign lake is one line before Spark starts
    started = time.perf_counter()
    with spark_engine_session(args) as session:
        print(f"spark {session.version} ready in {time.perf_counter() - started:.1f} s")
        manifest = build_lake(session, lake, progress=lambda name, seconds: print(f"  {name:<22} {seconds:8.1f} s"))
    print(f"derived tables rebuilt on Spark and written to {args.lake} in {time.perf_counter() - started:.1f} s; "
          f"`pulso lake import --lake {args.lake} --db FILE` makes a store of them for the dashboard")
    print_tables(manifest, derived_only=True)
    return 0


def run_info(args) -> int:
    from pipelines.lake import Lake

    manifest = Lake(args.lake).manifest()
    span = manifest["span"]
    print(f"Pulso lake at {args.lake}: schema {manifest['schema_version']}, time zone {manifest['timezone']}, "
          f"days {span['first_day']} .. {span['last_day']}")
    print(f"derived tables built by {manifest['derived']['built_by']} at {manifest['derived']['built_at']}")
    print_tables(manifest)
    return 0


def print_tables(manifest: dict, derived_only: bool = False) -> None:
    for name, entry in manifest["tables"].items():
        if derived_only and entry["kind"] != "derived":
            continue
        partition = f"by {entry['partition']['key']} of {entry['partition']['from']}" if "partition" in entry else ""
        print(f"  {name:<22}{entry['rows']:>14,}  {entry['kind']:<12}{partition}")
