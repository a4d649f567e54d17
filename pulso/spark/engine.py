"""The shared expressions on Spark, over a Parquet lake.

``SparkEngine`` is the Spark twin of ``pulso.core.expr.DuckDBEngine``: an
expression is compiled to Spark SQL (``pulso.core.expr.sql``, dialect
``pyspark``), the lake tables it reads are temporary views over the lake's
Parquet files (declared columns and types only), its data inputs (scope dates,
filter lists, parameters) become temporary views of small DataFrames, and the
result comes back through Arrow as the same polars frame DuckDB gives.
``create`` writes a derived table to the lake (Hive partitions by month for the
activity tables) and reads it back for the next steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import ibis
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lake import DERIVED_NAMES, PARTITION_KEY, PARTITIONS, Lake, table_entry
from pulso.core import expr as E
from pulso.core.schema import TABLES_BY_NAME, Table

SPARK_TYPES = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ", "DATE": "DATE", "BOOLEAN": "BOOLEAN",
               "INTEGER": "INT", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "VARCHAR[]": "ARRAY<STRING>"}


def _ddl(table: Table) -> str:
    return ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in table.columns)


def _casts(table: Table) -> list[str]:
    return [f"CAST(`{c.name}` AS {SPARK_TYPES[c.type]}) AS `{c.name}`" for c in table.columns]


class SparkEngine:
    """Shared expressions on a Spark session over the lake at ``lake`` (see the module docstring)."""

    name = "spark"

    def __init__(self, session, lake: Lake, manifest: dict | None = None):
        ibis.pyspark  # noqa: B018 -- loading the backend registers the options its SQL compiler reads
        self.spark = session
        self.lake = lake
        self.manifest = manifest if manifest is not None else lake.manifest()
        self.built: dict[str, int] = {}  # derived tables written by this engine -> rows
        self._frames: dict = {}  # lake table -> its DataFrame (views are re-pointed at every use: a session may
        #                          hold several engines, e.g. one per lake)
        self._facts: set[str] | None = None

    # ---- reading ----------------------------------------------------------------------------------------------

    def _lake_frame(self, name: str):
        table = TABLES_BY_NAME[name]
        entry = self.manifest["tables"].get(name)
        rows = self.built.get(name, entry["rows"] if entry else 0)
        if rows == 0 or not self.lake.files(name):
            frame = self.spark.createDataFrame([], _ddl(table))
        else:
            # The declared schema (the lake's files carry exactly these types): no footer is read to infer it.
            partition = f", `{PARTITION_KEY}` DATE" if name in PARTITIONS else ""
            frame = self.spark.read.schema(_ddl(table) + partition).parquet(self.lake.uri(name)).selectExpr(*_casts(table))
        self._frames[name] = frame
        return frame

    def _inputs(self, expr: ibis.Expr, inputs: Mapping[str, pa.Table] | None) -> None:
        given = dict(inputs or {})
        for name in E.input_names(expr):
            if name in given:
                data = given[name]
                frame = self.spark.createDataFrame(data) if data.num_rows else self.spark.createDataFrame(
                    [], ", ".join(f"`{f.name}` {_arrow_spark_type(f.type)}" for f in data.schema))
                casts = [f"CAST(`{f.name}` AS {_arrow_spark_type(f.type)}) AS `{f.name}`" for f in data.schema]
                frame.selectExpr(*casts).createOrReplaceTempView(name)
            elif name in TABLES_BY_NAME:
                frame = self._frames[name] if name in self._frames else self._lake_frame(name)
                frame.createOrReplaceTempView(name)
            else:
                raise KeyError(f"no input named {name!r} for this expression")

    def frame(self, expr: ibis.Table, inputs: Mapping[str, pa.Table] | None = None) -> pl.DataFrame:
        self._inputs(expr, inputs)
        result = self.spark.sql(E.sql(expr, "pyspark")).toArrow()
        return E.to_frame(result, expr.schema())

    # ---- writing ----------------------------------------------------------------------------------------------

    def create(self, name: str, source: ibis.Table | pa.Table, inputs: Mapping[str, pa.Table] | None = None) -> None:
        """Write derived table ``name`` to the lake (replacing it) and read it from there from now on."""
        table = TABLES_BY_NAME[name]
        if isinstance(source, pa.Table):
            frame = self.spark.createDataFrame(source) if source.num_rows else self.spark.createDataFrame([], _ddl(table))
        else:
            self._inputs(source, inputs)
            frame = self.spark.sql(E.sql(source, "pyspark"))
        frame = frame.selectExpr(*_casts(table))
        self.lake.clear_table(name)
        writer = frame
        if name in PARTITIONS:
            column = PARTITIONS[name]
            writer = frame.selectExpr("*", f"trunc(CAST(`{column}` AS DATE), 'MM') AS `{PARTITION_KEY}`")
            writer.write.mode("overwrite").partitionBy(PARTITION_KEY).parquet(self.lake.uri(name))
        else:
            writer.coalesce(1).write.mode("overwrite").parquet(self.lake.uri(name))
        self.built[name] = sum(pq.ParquetFile(self.lake.fs.open_input_file(f)).metadata.num_rows
                               for f in self.lake.files(name))
        self._lake_frame(name)

    def finish_build(self, span) -> dict:
        """Record the derived tables this engine wrote, and the data's span, in the lake's manifest."""
        manifest = self.manifest
        for name in DERIVED_NAMES:
            if name in self.built:
                manifest["tables"][name] = table_entry(name, self.built[name], "spark", key_in_files=False)
        first, last = (span[0].isoformat(), span[1].isoformat()) if span else ("", "")
        manifest["store_info"].update(data_first_day=first, data_last_day=last)
        manifest["span"] = {"first_day": first or None, "last_day": last or None}
        manifest["derived"] = {"built_by": "spark", "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "spark_version": self.spark.version}
        self.lake.write_manifest(manifest)
        return manifest

    # ---- bookkeeping ------------------------------------------------------------------------------------------

    def store_info(self) -> dict[str, str]:
        return dict(self.manifest["store_info"])

    def facts(self) -> set[str]:
        if self._facts is None:
            sources = E.table("source_facts")
            self._facts = set(self.frame(sources.select("fact").distinct())["fact"].drop_nulls().to_list())
        return self._facts


def _arrow_spark_type(type_: pa.DataType) -> str:
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "STRING"
    if pa.types.is_date(type_):
        return "DATE"
    if pa.types.is_timestamp(type_):
        return "TIMESTAMP_NTZ"
    if pa.types.is_boolean(type_):
        return "BOOLEAN"
    if pa.types.is_int32(type_):
        return "INT"
    if pa.types.is_integer(type_):
        return "BIGINT"
    if pa.types.is_floating(type_):
        return "DOUBLE"
    raise TypeError(f"no Spark type for {type_}")
