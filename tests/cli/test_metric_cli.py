"""pulso metric: output formats, filters, parameters and exit codes."""

import csv
import io
import json

import pytest

from pulso.cli.main import main
from tests.metrics.activity_fixture import DIRECTORY, TABLES, VISITS

WEEK = ["--from", "2026-03-02", "--to", "2026-03-08"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from tests.conftest import build_store

    return str(build_store(tmp_path_factory.mktemp("cli"), TABLES, DIRECTORY))


def run(capsys, *argv):
    code = main(["metric", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_metric_with_its_label(capsys):
    code, out, _ = run(capsys, "list", "--lang", "en")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "kpi_summary" in lines and "KPI summary" in lines["kpi_summary"]
    assert "Hilos sin respuesta" in run(capsys, "list")[1]


def test_csv_output(capsys, db):
    code, out, _ = run(capsys, "kpi_summary", "--db", db, *WEEK, "--format", "csv")
    assert code == 0
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(out))}
    assert float(rows["active_accounts"]["value"]) == 5.0 and float(rows["adoption"]["value"]) == 0.8


def test_json_by_and_region_filter(capsys, db):
    code, out, _ = run(capsys, "adoption_by", "--db", db, *WEEK, "--by", "region", "--region", "Sur",
                       "--format", "json")
    assert code == 0
    assert [(r["segment"], r["eligible"], r["active"]) for r in json.loads(out)] == [("Sur", 2, 1)]


def test_params_and_table(capsys, db):
    code, out, _ = run(capsys, "inactive_people", "--db", db, *WEEK, "--param", "days=4", "--lang", "en")
    assert code == 0
    assert out.startswith("Inactive people (2026-03-02 – 2026-03-08)")
    assert "Beto" in out and "Dani" in out and "Ana" not in out


def test_granularity(capsys, db):
    code, out, _ = run(capsys, "activity_trend", "--db", db, "--from", "2026-02-23", "--to", "2026-03-08",
                       "--granularity", "month", "--format", "csv")
    assert code == 0
    # the period is clipped to the data, back to the start of the month of its first day (2026-02-25)
    assert [r["period_start"] for r in csv.DictReader(io.StringIO(out))] == ["2026-02-23", "2026-03-01"]


def test_not_available_exits_3(capsys, tmp_path):
    from tests.conftest import build_store

    db = str(build_store(tmp_path, {"people": TABLES["people"], "visits": VISITS}, DIRECTORY))
    code, out, err = run(capsys, "participation_inequality", "--db", db, *WEEK, "--lang", "en")
    assert code == 3 and out == ""
    assert err.strip() == ("pulso: participation_inequality: not available from the loaded sources "
                           "(missing: messages, reactions)")


@pytest.mark.parametrize("argv, fragment", [
    (["no_such_metric"], "unknown metric 'no_such_metric'"),
    (["inactive_people", "--param", "dayz=3"], "has no parameter 'dayz'"),
    (["inactive_people", "--param", "days"], "expected KEY=VALUE"),
    (["kpi_summary", "--from", "2026-03-08", "--to", "2026-03-01"], "before it starts"),
    (["kpi_summary", "--from", "ayer", "--to", "2026-03-01"], "expected a date"),
])
def test_user_errors_exit_2(capsys, db, argv, fragment):
    if "--from" not in argv:
        argv = argv + WEEK
    code, out, err = run(capsys, *argv, "--db", db)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


def test_missing_store_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "kpi_summary", "--db", str(tmp_path / "none.duckdb"), *WEEK)
    assert code == 2 and "no Pulso store here yet" in err
