"""Shared rules: Ibis expressions that DuckDB and Apache Spark both run.

The derived tables (``pipelines/derived.py``) and the core metric set (KPIs,
activity trend, ladder, feedback direction, role and region flows) are written
once, as Ibis expressions over *unbound* tables named like the store's tables.
Ibis is used as a compiler only: an expression becomes DuckDB SQL run on
Pulso's own connection (``DuckDBEngine``), or Spark SQL run on a Spark session
(``pulso.spark``). Nothing here talks to Ibis' own backends.

Values never enter the SQL text. Scope dates, filter values and metric
parameters travel as **data**: small tables (``Args`` for one-row scalars, the
scope's filter lists) registered on the connection for the time of the query
(DuckDB) or as temporary views (Spark), and joined by the expression. The SQL
text therefore depends only on the expression's shape and is compiled once per
shape (``sql``).

Rules for shared expressions (operations measured to differ between engines):
- no ``epoch_seconds()`` on timestamps with fractions: use ``ts.delta(other, unit="microsecond")``;
- no timestamp ``delta`` in day or hour units: cast to date first and use ``date.delta(unit="day")``;
- no ``approx_*`` aggregates, no ordered ``collect``/``group_concat``;
- no ``median(where=...)`` (Ibis' PySpark compiler cannot): use ``median_where``;
- ``count(where=...)`` is NULL on Spark over no rows: use ``count_where``;
- truncating a date returns a timestamp on both engines: use ``bucket_start``;
- date arithmetic with intervals types differently: compute such dates in Python and pass them as data;
- every output is cast to its declared type (``conform``) and every result to the expression's schema
  (``to_frame``), so both engines give the same frame.
"""

from __future__ import annotations

import decimal
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Protocol, runtime_checkable

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import polars as pl
import pyarrow as pa

from pulso.core.schema import TABLES_BY_NAME, Table

IBIS_TYPES = {"VARCHAR": "string", "TIMESTAMP": "timestamp", "DATE": "date", "BOOLEAN": "boolean",
              "INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "float64", "VARCHAR[]": "array<string>"}
BUCKET_UNITS = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}


def ibis_schema(table: Table) -> ibis.Schema:
    return ibis.schema({c.name: IBIS_TYPES[c.type] for c in table.columns})


def table(name: str) -> ibis.Table:
    """The unbound table of a declared store table (canonical, bookkeeping or derived)."""
    return ibis.table(ibis_schema(TABLES_BY_NAME[name]), name=name)


def cast(value: ibis.Value, type_: str) -> ibis.Value:
    """``value`` cast to ``type_`` in the SQL text even when Ibis already types it so: an engine's own result type
    may differ (DuckDB's SUM of BIGINT is a HUGEINT, Spark's a BIGINT)."""
    target = dt.dtype(type_)
    if value.type() != target or not target.is_numeric():
        return value.cast(target)
    return ops.Cast(value.op(), to=target).to_expr()


def conform(expr: ibis.Table, declared: Table) -> ibis.Table:
    """``expr`` with exactly the declared columns, in order, cast to their declared types."""
    return expr.select([cast(expr[c.name], IBIS_TYPES[c.type]).name(c.name) for c in declared.columns])


def null(type_: str) -> ibis.Value:
    return ibis.null(type_)


def count_where(rel: ibis.Table, condition: ibis.BooleanValue) -> ibis.IntegerScalar:
    """``count(*) FILTER (WHERE condition)``, 0 (not NULL) over no rows on every engine."""
    return rel.count(where=condition).coalesce(0)


def median_where(value: ibis.NumericValue, condition: ibis.BooleanValue) -> ibis.FloatingScalar:
    """The exact median of ``value`` over the rows where ``condition`` holds (NULL when none)."""
    return ibis.ifelse(condition, value.cast("float64"), ibis.null("float64")).median()


def bucket_start(day: ibis.DateValue, granularity: str) -> ibis.DateValue:
    """First day of the day / Monday-start week / month / quarter holding ``day`` (the Ibis twin of
    ``pulso.core.periods.bucket_start``). Both engines' DATE_TRUNC return a timestamp: cast back to a date."""
    return day.truncate(BUCKET_UNITS[granularity]).cast("timestamp").cast("date")


class Args:
    """Scalar values an expression reads from a one-row table, never from the SQL text.

    ``args = Args("kpi_args", period_start="date", ...)``; an expression cross-joins ``args.join(rel)`` (or
    ``args.table``) and reads the values as columns -- a join, not scalar sub-queries, which Spark would run as
    separate jobs; at run time ``args.data(period_start=...)`` is the table to register."""

    def __init__(self, name: str, **types: str):
        self.name = name
        self.table = ibis.table(types, name=name)
        self._types = types

    def join(self, rel: ibis.Table) -> ibis.Table:
        """``rel`` with the values as extra columns."""
        return rel.cross_join(self.table)

    def data(self, **values) -> dict[str, pa.Table]:
        missing = set(self._types) - set(values)
        if missing:
            raise TypeError(f"{self.name}: missing {', '.join(sorted(missing))}")
        return {self.name: values_table(self.table.schema(), [values])}


def values_table(schema: ibis.Schema, rows: Iterable[Mapping]) -> pa.Table:
    """Rows as an Arrow table of ``schema`` (the way every value reaches a query)."""
    arrow = schema.to_pyarrow()
    rows = list(rows)
    return pa.table({name: pa.array([r.get(name) for r in rows], type=arrow.field(name).type) for name in schema.names},
                    schema=arrow)


def list_table(name: str, values: Iterable[str], type_: str = "string") -> dict[str, pa.Table]:
    """A one-column table ``value`` (a filter list) named ``name``."""
    return {name: values_table(ibis.schema({"value": type_}), [{"value": v} for v in values])}


def input_names(expr: ibis.Expr) -> set[str]:
    """Names of the unbound tables an expression reads."""
    return {node.name for node in expr.op().find(ops.UnboundTable)}


# ---- compiling ----------------------------------------------------------------------------------------------

_SQL: dict[tuple, str] = {}
_SQL_LOCK = threading.Lock()


def sql(expr: ibis.Expr, dialect: str) -> str:
    """The SQL text of ``expr`` for ``dialect``, compiled once per expression shape."""
    key = (expr.op(), dialect)
    found = _SQL.get(key)
    if found is None:
        found = str(ibis.to_sql(expr, dialect=dialect))
        with _SQL_LOCK:
            _SQL[key] = found
    return found


def polars_type(dtype: dt.DataType) -> pl.DataType:
    if dtype.is_timestamp():
        return pl.Datetime("us")
    if dtype.is_array():
        return pl.List(polars_type(dtype.value_type))
    simple = {dt.String: pl.String, dt.Boolean: pl.Boolean, dt.Date: pl.Date, dt.Float64: pl.Float64,
              dt.Float32: pl.Float32, dt.Int64: pl.Int64, dt.Int32: pl.Int32, dt.Int16: pl.Int16, dt.Int8: pl.Int8}
    for ibis_type, polars in simple.items():
        if isinstance(dtype, ibis_type):
            return polars
    raise TypeError(f"no polars type for {dtype}")


def to_frame(result: pa.Table | pl.DataFrame, schema: ibis.Schema) -> pl.DataFrame:
    """An engine's result as a polars frame of exactly the expression's schema (names, order, types).

    Timestamps are naive UTC: an engine that hands back zone-aware UTC values loses the zone, not the instant."""
    frame = result if isinstance(result, pl.DataFrame) else pl.from_arrow(result)
    if not isinstance(frame, pl.DataFrame):  # a single column comes back as a Series
        frame = frame.to_frame()
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        current = frame.schema[name]
        if isinstance(current, pl.Datetime) and current.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        columns.append(column.cast(polars_type(dtype)).alias(name))
    return frame.select(columns)


# ---- engines ----------------------------------------------------------------------------------------------

@runtime_checkable
class Engine(Protocol):
    """Where shared expressions run: DuckDB on a store (``DuckDBEngine``) or Spark on a lake (``pulso.spark``).

    ``frame`` runs an expression and returns its result; ``create`` materialises it as a derived table (or
    stores an Arrow table under that name); ``store_info`` and ``facts`` answer what a store's bookkeeping
    says (``store_info`` keys and values, the facts the loaded sources supplied)."""

    name: str

    def frame(self, expr: ibis.Table, inputs: Mapping[str, pa.Table] | None = None) -> pl.DataFrame: ...

    def create(self, name: str, source: ibis.Table | pa.Table, inputs: Mapping[str, pa.Table] | None = None) -> None: ...

    def store_info(self) -> dict[str, str]: ...

    def facts(self) -> set[str]: ...


class DuckDBEngine:
    """Shared expressions on a DuckDB connection (or cursor): compiled SQL, cached per shape, run with the
    expression's data inputs registered on the connection for the time of the query. Like any DuckDB
    connection it serves one caller at a time: concurrent callers each take their own cursor (the dashboard
    does), so their inputs never meet."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def frame(self, expr: ibis.Table, inputs: Mapping[str, pa.Table] | None = None) -> pl.DataFrame:
        text = sql(expr, "duckdb")
        registered = []
        try:
            for name, data in (inputs or {}).items():
                self.con.register(name, data)
                registered.append(name)
            result = self.con.sql(text).to_arrow_table()
        finally:
            for name in registered:
                self.con.unregister(name)
        return to_frame(result, expr.schema())

    def create(self, name: str, source: ibis.Table | pa.Table, inputs: Mapping[str, pa.Table] | None = None) -> None:
        """``CREATE OR REPLACE TABLE name AS ...`` on this connection (the inputs registered on it, then dropped)."""
        registered = []
        try:
            if isinstance(source, pa.Table):
                self.con.register("pulso_arrow_source", source)
                registered.append("pulso_arrow_source")
                text = "SELECT * FROM pulso_arrow_source"
            else:
                text = sql(source, "duckdb")
                for input_name, data in (inputs or {}).items():
                    self.con.register(input_name, data)
                    registered.append(input_name)
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {text}').fetchall()
        finally:
            for input_name in registered:
                self.con.unregister(input_name)

    def store_info(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM store_info").fetchall())

    def facts(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT DISTINCT fact FROM source_facts").fetchall()}


def engine_of(con: duckdb.DuckDBPyConnection | Engine) -> Engine:
    """The engine behind ``con``: a DuckDB connection (or cursor) is wrapped; an engine is itself."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBEngine(con)
    if isinstance(con, Engine):
        return con
    raise TypeError(f"not a DuckDB connection nor an engine: {type(con).__name__}")


def is_duckdb(con: object) -> bool:
    return isinstance(con, duckdb.DuckDBPyConnection)


_DECIMAL = decimal.Context(prec=800)


def round_half_away(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places as DuckDB's ``round`` does: on the double's exact decimal value,
    halves away from zero (``round(2.675, 2)`` is 2.67 because 2.675 is stored as 2.67499...; 0.125 gives 0.13).
    Rounding happens after an engine returns, so every engine agrees."""
    exact = decimal.Decimal(value).quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP,
                                            context=_DECIMAL)
    return float(exact)


def as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value
