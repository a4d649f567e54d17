"""Pulso on Apache Spark: the shared derived tables and core metrics over a Parquet lake.

``pulso.spark.session`` starts (or joins) a Spark session, ``pulso.spark.engine``
runs the shared Ibis expressions (``pulso.core.expr``) on it over a lake
(``pipelines.lake``), ``pulso.spark.build`` rebuilds the lake's derived tables
with the same definitions the DuckDB publish uses (``pipelines.derived``).
Only this package imports pyspark, and only the command line imports it.
"""
