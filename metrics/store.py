"""Read-only access to a published store, and which facts its sources supplied."""

from __future__ import annotations

from pathlib import Path

import duckdb


class StoreMissing(FileNotFoundError):
    """No store at that path: nothing has been loaded yet."""


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise StoreMissing(f"{path}: no Pulso store here yet; load one with `pulso ingest EXPORT --db {path}`")
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_progress_bar = false").fetchall()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    return con


def available_facts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Facts any loaded source supplied (see the source_facts table)."""
    return {row[0] for row in con.execute("SELECT DISTINCT fact FROM source_facts").fetchall()}


def store_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM store_info").fetchall())
