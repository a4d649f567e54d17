"""Settings live in the store and the command line validates every parameter.

* A settings file with another time zone and hierarchy, given at ingest, changes what the metrics and the
  dashboard say; ``pulso --config X metric``, ``pulso metric ... --config X`` and ``PULSO_CONFIG=X pulso metric``
  mean the same.
* Every bad parameter is one line naming it and what is allowed, exit code 2; an absurd period is clipped to the
  data's span; without a period the last complete week is used.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from pulso.cli.main import main
from tests.conftest import write_csv, write_export
from tests.dashboard.conftest import metrics_by_label
from tests.metrics.activity_fixture import DIRECTORY, TABLES

WEEK = ["--from", "2026-03-02", "--to", "2026-03-08"]
# Two roles only, "office manager" above "staff", with its own labels; days in Tokyo (UTC+9).
SETTINGS = """
[organization]
timezone = "Asia/Tokyo"
[hierarchy]
roles = ["office manager", "staff"]
[hierarchy.labels_es]
"office manager" = "Jefa de sucursal"
"staff" = "Equipo"
[thresholds]
inactive_days = 2
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The activity fixture built twice: with the packaged settings and with SETTINGS."""
    folder = tmp_path_factory.mktemp("settings")
    paths = [write_export(folder / "export", TABLES), write_csv(folder / "directory.csv", DIRECTORY)]
    settings = folder / "tokyo.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    default, tokyo = folder / "default.duckdb", folder / "tokyo.duckdb"
    assert main(["ingest", *map(str, paths), "--db", str(default)]) == 0
    assert main(["--config", str(settings), "ingest", *map(str, paths), "--db", str(tokyo)]) == 0
    return default, tokyo, settings


def test_time_zone_hierarchy_and_thresholds_follow_the_settings(stores, capsys):
    default, tokyo, _ = stores
    # m1 is posted 2026-03-08 23:30 in Mexico City = 2026-03-09 14:30 in Tokyo: it leaves the week
    rows = {}
    for db in (default, tokyo):
        _, out, _ = run(capsys, "metric", "kpi_summary", "--db", str(db), *WEEK, "--format", "csv")
        rows[db] = {r["kpi"]: r for r in csv.DictReader(io.StringIO(out))}
    assert float(rows[default]["threads_started"]["value"]) == 3
    assert float(rows[tokyo]["threads_started"]["value"]) == 2
    # ranks: with office manager above staff, staff -> office manager replies become upward
    _, out, _ = run(capsys, "metric", "role_flow_matrix", "--db", str(tokyo), *WEEK, "--format", "json")
    assert {(r["sender_role"], r["sender_rank"]) for r in json.loads(out)} <= {("staff", 2), ("office manager", 1),
                                                                            ("(unassigned)", None)}
    # the inactive-days threshold is 2 days in the store built with SETTINGS (30 by default)
    _, default_out, _ = run(capsys, "metric", "inactive_people", "--db", str(default), *WEEK, "--format", "csv")
    _, tokyo_out, _ = run(capsys, "metric", "inactive_people", "--db", str(tokyo), *WEEK, "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(default_out)))) < len(list(csv.DictReader(io.StringIO(tokyo_out))))


def test_the_dashboard_follows_the_store_settings(stores, app):
    _, tokyo, _ = stores
    at = app(tokyo, start="2026-03-02", end="2026-03-08").run()
    assert not at.exception
    assert metrics_by_label(at)["Hilos iniciados"] == "2"
    roles = at.multiselect(key="f_role")
    assert {roles.format_func(o) for o in roles.options} >= {"Jefa de sucursal", "Equipo"}


def test_config_before_after_or_in_the_environment_means_the_same(stores, capsys, monkeypatch):
    _, tokyo, settings = stores
    base = ["metric", "inactive_people", "--db", str(tokyo), *WEEK, "--format", "csv"]
    before = run(capsys, "--config", str(settings), *base)
    after = run(capsys, *base, "--config", str(settings))
    monkeypatch.setenv("PULSO_CONFIG", str(settings))
    environment = run(capsys, *base)
    assert before == after == environment and before[0] == 0
    assert before[2] == ""  # the file in force is the one the store was built with: no note


def test_other_settings_than_the_store_s_are_noted_in_one_line(stores, capsys):
    default, _, settings = stores
    code, out, err = run(capsys, "--config", str(settings), "metric", "kpi_summary", "--db", str(default), *WEEK)
    assert code == 0 and out
    assert len(err.strip().splitlines()) == 1 and "the store was built with other settings" in err


@pytest.mark.parametrize("argv, fragment", [
    (["inactive_people", "--param", "days=abc"], "parameter days: expected a whole number from 1 to 3660, got 'abc'"),
    (["inactive_people", "--param", "days=99999999999"], "parameter days: expected a whole number from 1 to 3660"),
    (["graph_summary", "--param", "by_period=maybe"], "parameter by_period: expected true or false, got 'maybe'"),
    (["feedback_direction", "--param", "kinds=emial"], "parameter kinds: 'emial' is not allowed (allowed: like, mention"),
    (["network_centrality", "--param", "min_weight=-1"], "parameter min_weight: expected a number from 0 to"),
    (["adoption_by", "--by", "planet"], "parameter by: 'planet' is not allowed (one of: group, office, region, role)"),
    (["kpi_summary", "--from", "2026-03-01"], "give both --from and --to, or neither"),
    (["kpi_sumary"], "unknown metric 'kpi_sumary'; did you mean 'kpi_summary'?"),
])
def test_every_bad_parameter_is_one_line_and_exit_2(stores, capsys, argv, fragment):
    default, _, _ = stores
    extra = WEEK if "--from" not in argv else []
    code, out, err = run(capsys, "metric", *argv, "--db", str(default), *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err, err


def test_an_absurd_period_is_clipped_to_the_data(stores, capsys):
    default, _, _ = stores
    code, out, err = run(capsys, "metric", "daily_actives", "--db", str(default), "--from", "0001-01-01",
                         "--to", "9999-12-31", "--format", "csv", "--granularity", "day")
    assert code == 0, err
    days = [r["day"] for r in csv.DictReader(io.StringIO(out))]
    # the fixture's data spans 2026-02-25 .. 2026-03-09 (local days): one row per day of that span
    assert days[0] == "2026-02-25" and days[-1] == "2026-03-09" and len(days) == 13


def test_without_a_period_the_last_complete_week(stores, capsys):
    default, _, _ = stores
    code, out, _ = run(capsys, "metric", "kpi_summary", "--db", str(default))
    # the last day with data is Monday 2026-03-09: the last complete week is 03-02 .. 03-08
    assert code == 0 and "(2026-03-02 – 2026-03-08)" in out.splitlines()[0]


def test_info_tells_span_sources_and_settings(stores, capsys):
    _, tokyo, settings = stores
    code, out, _ = run(capsys, "info", "--db", str(tokyo))
    assert code == 0
    assert "2026-02-25 .. 2026-03-09" in out
    assert "time zone Asia/Tokyo" in out and "office manager > staff" in out and "inactive_days=2" in out
    assert str(settings) in out
