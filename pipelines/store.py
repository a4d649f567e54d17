"""The store file: schema creation, build-then-publish, and the writer lock.

A load never touches the live file. It copies the live store (or starts an
empty one) to a temporary file beside it, works there, checkpoints and closes
it, then ``os.replace``s it over the live file: a reader sees the old store or
the new one, never half a load, and a failed run leaves the live file
byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines.errors import IngestError
from pulso import __version__
from pulso.core.schema import ALL_TABLES, SCHEMA_VERSION, UPGRADABLE_VERSIONS, create_table_sql
from pulso.core.settings import Settings
from pulso.core.sql import one, run


# DuckDB's memory during a load; above it, staging spills to a temporary folder beside the store.
# 1.5 GB loads 10M events as fast as no limit (measured) and keeps the process under 2 GB.
LOAD_MEMORY_LIMIT = os.environ.get("PULSO_LOAD_MEMORY_LIMIT", "1500MB")


def open_build_connection(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    run(con, "SET enable_progress_bar = false")
    run(con, "SET TimeZone = 'UTC'")
    run(con, "SET preserve_insertion_order = false")
    run(con, "SET memory_limit = ?", [LOAD_MEMORY_LIMIT])
    return con


def create_schema(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Create the canonical and bookkeeping tables (if new) and record the settings this publish uses."""
    found = None
    if one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'store_info'")[0]:
        found = one(con, "SELECT value FROM store_info WHERE key = 'schema_version'")
    if found is not None and int(found[0]) not in (SCHEMA_VERSION, *UPGRADABLE_VERSIONS):
        raise IngestError(None, f"the store has schema version {found[0]}, this Pulso writes {SCHEMA_VERSION}: "
                                "load the exports again into a new store")
    for table in ALL_TABLES:
        run(con, create_table_sql(table))
    set_info(con, schema_version=str(SCHEMA_VERSION), pulso_version=__version__, settings=settings.to_json(),
             settings_source=settings.source, settings_digest=settings.digest, timezone=settings.timezone)


def set_info(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        run(con,
            "INSERT INTO store_info VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


@contextlib.contextmanager
def writer_lock(live: Path) -> Iterator[None]:
    """One writer at a time per store (readers are never blocked)."""
    lock_path = live.with_name(live.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError(str(live), "another load is running on this store") from exc
        yield


@contextlib.contextmanager
def building_copy(live: Path) -> Iterator[Path]:
    """Yield a temporary working copy of ``live``; publish it only if the block succeeds."""
    live = live.resolve()
    tmp = live.with_name(f".{live.name}.building-{uuid.uuid4().hex[:8]}")
    if live.exists():
        shutil.copyfile(live, tmp)
    try:
        yield tmp
        os.replace(tmp, live)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
