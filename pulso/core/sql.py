"""The one way to run SQL and get its result: bound parameters only, results fetched whole.

DuckDB 2.0 refuses new work on a connection while a result from ``execute`` is
unfetched, so every helper consumes its result.
"""

from __future__ import annotations

import duckdb
import polars as pl


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run ``sql`` with bound ``params`` and return the whole result as a polars frame."""
    return con.sql(sql, params=params or []).pl()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Every row of a query, as tuples."""
    return con.execute(sql, params or []).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, or None; the result is consumed whole."""
    found = con.execute(sql, params or []).fetchall()
    return found[0] if found else None


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> None:
    """Execute a statement and consume its result."""
    con.execute(sql, params or []).fetchall()
