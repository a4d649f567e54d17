"""The store file: schema creation, build-then-publish, and the writer lock.

A load never touches the live file. It copies the live store (or starts an
empty one) to a temporary file beside it, works there, checkpoints and closes
it, then ``os.replace``s it over the live file: a reader sees the old store or
the new one, never half a load, and a failed run leaves the live file
byte-for-byte as it was. The store path is resolved first (a link to a store:
the lock and the replace act on the file it points to); with the lock held,
build copies that dead runs left behind are removed, and free space for a copy
is checked before copying.
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


def resolve_store(path: Path) -> Path:
    """The file a store path names, links resolved (a missing store: its folder resolved), so that the lock and
    the replace act on the same file whichever name a load was given."""
    path = Path(path)
    if path.is_symlink() or path.exists():
        return path.resolve()
    return path.parent.resolve() / path.name


def lock_path(live: Path) -> Path:
    return live.with_name(live.name + ".lock")


@contextlib.contextmanager
def writer_lock(live: Path) -> Iterator[None]:
    """One writer at a time per store (readers are never blocked). ``live`` is the resolved store path. The lock
    file is never removed: removing it would let a waiting load lock the old file while a new one locks a new."""
    with open(lock_path(live), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError(str(live), "another load is running on this store") from exc
        yield


def build_prefix(live: Path) -> str:
    return f".{live.name}.building-"


def remove_stale_copies(live: Path) -> list[Path]:
    """Remove the build copies (and their .wal and spill folders) that dead runs left beside the store. Called
    with the writer lock held, so no living load owns one."""
    removed = []
    for leftover in live.parent.glob(build_prefix(live) + "*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def check_free_space(live: Path, inputs: int) -> None:
    """Refuse to start when the store's folder cannot hold a copy of the store plus at least the inputs' size."""
    size = live.stat().st_size if live.exists() else 0
    need = size + inputs
    free = shutil.disk_usage(live.parent).free
    if free < need:
        raise IngestError(str(live), f"not enough free space to build the new store: {need:,} bytes needed (a copy "
                                     f"of the store, {size:,} bytes, and at least the inputs' {inputs:,}), "
                                     f"{free:,} free; nothing was changed")


@contextlib.contextmanager
def building_copy(live: Path) -> Iterator[Path]:
    """Yield a temporary working copy of ``live`` (resolved); publish it only if the block succeeds. Whatever
    happens, the copy, its .wal and DuckDB's spill folder are removed."""
    tmp = live.with_name(f"{build_prefix(live)}{uuid.uuid4().hex[:8]}")
    try:
        if live.exists():
            shutil.copyfile(live, tmp)
        yield tmp
        os.replace(tmp, live)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
        spill = tmp.with_name(tmp.name + ".tmp")
        if spill.is_dir():
            shutil.rmtree(spill, ignore_errors=True)
