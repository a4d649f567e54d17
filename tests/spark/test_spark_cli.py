"""The command line on Spark: `pulso lake build --engine spark`, `pulso metric NAME --engine spark --lake` (the
same output as on the store that produced the lake), and the dashboard on a store imported from the
Spark-built lake."""

from __future__ import annotations

import pytest

from pulso.cli.main import main
from tests.dashboard.conftest import PAGES


@pytest.fixture(scope="module")
def sample_case(cases):
    """The sample (packaged settings): its store, and its lake rebuilt by `pulso lake build --engine spark`."""
    return cases("sample-mexico_city")


@pytest.fixture(scope="module")
def spark_lake(sample_case):
    return sample_case.lake.location


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("extra", [["kpi_summary"], ["participation_ladder_counts", "--by", "region"],
                                   ["feedback_direction", "--param", "kinds=reply,mention", "--region", "Bajío"],
                                   ["activity_trend", "--from", "2026-08-05", "--to", "2026-11-15", "--granularity",
                                    "month", "--role", "staff"]],
                         ids=["kpi_summary", "ladder_by_region", "direction_filtered", "trend_by_month"])
def test_metric_on_spark_prints_what_duckdb_prints(spark_lake, sample_case, capsys, extra):
    for output in ("csv", "table"):
        code, on_duckdb, _ = run(capsys, "metric", *extra, "--db", str(sample_case.store), "--format", output)
        assert code == 0
        code, on_spark, _ = run(capsys, "metric", *extra, "--engine", "spark", "--lake", str(spark_lake),
                                "--format", output)
        assert code == 0
        assert on_spark == on_duckdb
        assert len(on_spark.splitlines()) >= 2  # a header and at least one row


def test_the_build_says_what_it_wrote(sample_case, capsys):
    out = sample_case.build_output
    assert "derived tables rebuilt on Spark and written to" in out
    # every derived table with its rows: the sample's person_day_activity has 117,483
    assert " person_day_activity          117,483  derived     by month of day" in out
    code, out, _ = run(capsys, "lake", "info", "--lake", sample_case.lake.location)
    assert code == 0 and "derived tables built by spark" in out


def test_spark_refuses_what_it_cannot_do_in_one_line(spark_lake, capsys, tmp_path):
    code, _, err = run(capsys, "metric", "top_posts", "--engine", "spark", "--lake", str(spark_lake))
    assert code == 2 and "top_posts runs on DuckDB only; on Spark: active_accounts" in err
    code, _, err = run(capsys, "metric", "kpi_summary", "--engine", "spark")
    assert code == 2 and "--engine spark needs --lake LOCATION" in err
    code, _, err = run(capsys, "metric", "kpi_summary", "--engine", "spark", "--lake", str(tmp_path / "none"))
    assert code == 2 and "no Pulso lake here" in err
    for message in (err,):
        assert len(message.strip().splitlines()) == 1


def test_the_dashboard_reads_the_spark_built_tables_after_import(spark_lake, app, tmp_path, capsys):
    store = tmp_path / "from-spark.duckdb"
    code, out, _ = run(capsys, "lake", "import", "--lake", str(spark_lake), "--db", str(store))
    assert code == 0 and "(derived tables: spark)" in out
    at = app(store).run()
    assert not at.exception
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
