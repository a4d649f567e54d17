"""The same rules on DuckDB and on Spark give exactly the same results.

For each case (the sample in Mexico City and in Madrid, a generated million events in St John's): the derived
tables Spark builds from the lake equal, row for row and type for type, the ones DuckDB built at publish; every
shared metric computed by Spark over the lake equals, value for value (no tolerance, exact distinct counts),
the frame DuckDB computes on the store, over periods that start mid-week and buckets of day, week, month and
quarter, with and without region / office / role / group filters and parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

from metrics.registry import compute, load_all_metrics, shared_metrics
from metrics.store import connect_read_only, data_span
from pulso.core.schema import ALL_TABLES, DERIVED_TABLES
from pulso.core.scope import Scope
from tests.spark.conftest import CASES

SHARED = shared_metrics()
# Metrics (and parameters) compared again on the filtered scopes.
ON_EVERY_SCOPE = (("kpi_summary", {}), ("activity_trend", {}), ("participation_ladder_counts", {"by": "region"}),
                  ("participation_transitions", {}), ("feedback_direction", {"by": "region"}),
                  ("feedback_direction_trend", {"kinds": "reply,mention"}), ("role_flow_matrix", {}),
                  ("region_flow_matrix", {"kinds": "like"}), ("interaction_edges", {"kinds": "reply"}))
SCOPES = ("year_by_week", "month_by_day_filtered", "half_year_by_quarter_group", "quarter_by_month_office")


def scope_named(name: str, con) -> Scope:
    """Scopes relative to the data's last day; none starts on a Monday."""
    last = data_span(con)[1]
    people = pl.from_arrow(con.sql("SELECT region, office, role FROM person_facts WHERE in_directory").to_arrow_table())
    regions = people["region"].value_counts(sort=True)["region"].to_list()
    offices = people["office"].value_counts(sort=True)["office"].to_list()
    group = con.execute("SELECT group_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    if name == "year_by_week":
        start = last - timedelta(days=360)
        return Scope(start + timedelta(days=2 - start.weekday()), last, granularity="week")  # a Wednesday
    if name == "month_by_day_filtered":
        return Scope(last - timedelta(days=40), last - timedelta(days=10), regions=tuple(regions[:2]),
                     roles=("staff", "office manager"), granularity="day")
    if name == "half_year_by_quarter_group":
        return Scope(last - timedelta(days=200), last - timedelta(days=1), groups=(group[0][0],), granularity="quarter")
    return Scope(last - timedelta(days=100), last - timedelta(days=3), offices=tuple(offices[:5]), granularity="month")


# Local days decide these: compared in every time zone.
BY_LOCAL_DAY = (("kpi_summary", {}), ("activity_trend", {}), ("participation_ladder_counts", {}),
                ("feedback_direction_trend", {}))


def comparisons():
    """Every shared metric on the sample and on the million events, on a year by weeks starting mid-week; the
    main ones again on filtered scopes by day, month and quarter; the local-day ones in Madrid."""
    out = []
    for metric in SHARED:
        out.append(pytest.param("sample-mexico_city", "year_by_week", metric, {}))
        out.append(pytest.param("1m-st_johns", "year_by_week", metric, {}))
    for metric, params in BY_LOCAL_DAY:
        out.append(pytest.param("sample-madrid", "year_by_week", metric, params))
        out.append(pytest.param("sample-madrid", "month_by_day_filtered", metric, params))
    for case in ("sample-mexico_city", "1m-st_johns"):
        for scope in SCOPES[1:]:
            for metric, params in ON_EVERY_SCOPE:
                out.append(pytest.param(case, scope, metric, params))
    return [pytest.param(*p.values, id="-".join(str(v) for v in p.values[:3])) for p in out]


@pytest.mark.parametrize("case_name", list(CASES))
def test_spark_builds_the_derived_tables_duckdb_builds(cases, case_name):
    case = cases(case_name)
    con = duckdb.connect()
    con.execute(f"ATTACH '{case.store}' AS d (READ_ONLY)")
    con.execute(f"ATTACH '{case.spark_store}' AS s (READ_ONLY)")
    for table in DERIVED_TABLES + ALL_TABLES:
        if table.name == "store_info":
            continue
        columns = {db: con.execute(
            "SELECT list(column_name || ' ' || data_type ORDER BY column_index) FROM duckdb_columns() "
            "WHERE database_name = ? AND table_name = ?", [db, table.name]).fetchall()[0][0] for db in ("d", "s")}
        assert columns["d"] == columns["s"], table.name
        count = con.execute(f'SELECT count(*) FROM d."{table.name}"').fetchall()[0][0]
        only_duckdb = con.execute(f'SELECT count(*) FROM (FROM d."{table.name}" EXCEPT ALL FROM s."{table.name}")'
                                  ).fetchall()[0][0]
        only_spark = con.execute(f'SELECT count(*) FROM (FROM s."{table.name}" EXCEPT ALL FROM d."{table.name}")'
                                 ).fetchall()[0][0]
        assert (only_duckdb, only_spark) == (0, 0), table.name
        assert case.manifest["tables"][table.name]["rows"] == count, table.name
    assert case.manifest["derived"]["built_by"] == "spark"
    assert case.manifest["timezone"] == case.timezone


@pytest.mark.parametrize(("case_name", "scope_name", "metric", "params"), comparisons())
def test_every_shared_metric_gives_the_same_frame_on_both_engines(cases, case_name, scope_name, metric, params):
    case = cases(case_name)
    con = connect_read_only(case.store)
    try:
        scope = scope_named(scope_name, con)
        on_duckdb = compute(con, metric, scope, **params)
    finally:
        con.close()
    on_spark = compute(case.engine, metric, scope, **params)
    assert_frame_equal(on_duckdb, on_spark, check_exact=True)
    definition = load_all_metrics()[metric]
    assert on_spark.columns == [c.name for c in definition.columns]


def test_the_comparisons_are_not_empty(cases):
    """The cases hold activity in every scope compared (a comparison of empty frames would prove nothing)."""
    case = cases("1m-st_johns")
    con = connect_read_only(case.store)
    try:
        for name in SCOPES:
            scope = scope_named(name, con)
            trend = compute(con, "activity_trend", scope)
            assert trend["active_accounts"].sum() > 0, name
            assert compute(con, "interaction_edges", scope, kinds="reply").height > 0, name
    finally:
        con.close()


ZONES = ("Europe/Madrid", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kolkata")


@pytest.mark.parametrize("zone", ZONES)
def test_local_time_is_exact_on_spark(spark, tmp_path, zone):
    """The tz_daily join on Spark gives zoneinfo's local day, hour and ISO weekday around every change."""
    from pulso.core.localtime import tz_daily
    from pulso.spark.engine import SparkEngine
    from pipelines.lake import Lake
    from tests.core.test_localtime import expected, local_expression, probe_times

    first, last = date(2024, 1, 1), date(2026, 12, 31)
    times = probe_times(zone, first, last)
    engine = SparkEngine(spark, Lake(tmp_path), manifest={"tables": {}, "store_info": {}})
    result = engine.frame(local_expression(), {"probe": pa.table({"ts": pa.array(times, pa.timestamp("us"))}),
                                               "tz_daily": tz_daily(zone, first, last)}).sort("ts")
    want = sorted(zip(times, expected(zone, times)))
    assert result["local"].to_list() == [w for _, w in want]
    assert result["hour"].to_list() == [w.hour for _, w in want]
    assert result["weekday"].to_list() == [w.isoweekday() for _, w in want]
    assert datetime(2025, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(zone))  # the zone exists in this Python


def test_the_spark_build_partitions_activity_tables_by_local_month(cases):
    case = cases("sample-mexico_city")
    root = case.lake.root
    from pathlib import Path

    months = sorted(p.name for p in Path(root, "person_day_activity").iterdir() if p.is_dir())
    assert months and all(m.startswith("month=") for m in months)
    entry = case.manifest["tables"]["person_day_activity"]
    assert entry["built_by"] == "spark" and entry["partition"] == {"key": "month", "from": "day", "key_in_files": False}
    assert case.manifest["span"]["last_day"] == "2026-11-15"


def test_weeks_start_on_monday_on_both_engines(spark, tmp_path):
    """Week, month and quarter starts on Spark equal DuckDB's and Python's, on every weekday around year ends
    (2020/21 has an ISO week 53; 2024-12-30 is a Monday whose week holds 1 January)."""
    import ibis

    from pipelines.lake import Lake
    from pulso.core import expr as E
    from pulso.core.periods import bucket_start
    from pulso.spark.engine import SparkEngine

    days = [first + timedelta(days=k) for first in (date(2020, 12, 24), date(2024, 12, 24), date(2026, 12, 24),
                                                     date(2024, 2, 25)) for k in range(16)]
    t = ibis.table({"d": "date"}, name="days")
    expr = t.select("d", **{g: E.bucket_start(t.d, g) for g in E.BUCKET_UNITS}).order_by("d")
    data = {"days": pa.table({"d": pa.array(days, pa.date32())})}
    on_spark = SparkEngine(spark, Lake(tmp_path), manifest={"tables": {}, "store_info": {}}).frame(expr, data)
    on_duckdb = E.DuckDBEngine(duckdb.connect()).frame(expr, data)
    assert_frame_equal(on_duckdb, on_spark, check_exact=True)
    assert on_spark.rows() == [(d, *(bucket_start(d, g) for g in E.BUCKET_UNITS)) for d in sorted(days)]
    # by hand: Thursday 2020-12-31 is in the week of Monday 2020-12-28; Sunday 2027-01-03 in that of 2026-12-28
    assert on_spark.filter(pl.col("d") == date(2020, 12, 31))["week"][0] == date(2020, 12, 28)
    assert on_spark.filter(pl.col("d") == date(2027, 1, 3))["week"][0] == date(2026, 12, 28)
