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
    try:
        con.execute("SET enable_progress_bar = false").fetchall()
    except duckdb.InvalidInputException:
        pass  # inside Jupyter without ipywidgets DuckDB refuses any progress-bar setting
    con.execute("SET TimeZone = 'UTC'").fetchall()
    return con


def available_facts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Facts any loaded source supplied (see the source_facts table)."""
    return {row[0] for row in con.execute("SELECT DISTINCT fact FROM source_facts").fetchall()}


def org_timezone(con: duckdb.DuckDBPyConnection, override: str | None = None) -> str:
    """The time zone days and hours are computed in: ``override`` if given, else the one
    the store was published with, else the configured one."""
    if override:
        return override
    found = con.execute("SELECT value FROM store_info WHERE key = 'timezone'").fetchall()
    if found:
        return found[0][0]
    from pulso.config import load_config

    return load_config().timezone
