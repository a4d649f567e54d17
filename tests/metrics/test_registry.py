"""Every registered metric is documented in both languages, returns exactly the columns it declares on the
sample store, and runs from the CLI on a small store."""

from datetime import date

import polars as pl
import pytest

from metrics.registry import DTYPES, LANGUAGES, compute, kpis, load_all_metrics, missing_facts
from metrics.store import connect_read_only
from pulso.cli.main import main
from pulso.core.scope import Scope
from tests.metrics.activity_fixture import DIRECTORY, TABLES

METRICS = load_all_metrics()
SAMPLE_WEEK = Scope(date(2026, 11, 9), date(2026, 11, 15))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from tests.conftest import build_store

    return str(build_store(tmp_path_factory.mktemp("registry"), TABLES, DIRECTORY))


@pytest.fixture(scope="module")
def sample(sample_store):
    con = connect_read_only(sample_store)
    yield con
    con.close()


def test_the_names_the_dashboard_uses_are_registered():
    assert {"kpi_summary", "activity_trend", "daily_actives", "adoption_by", "group_participation",
            "participation_ladder", "participation_ladder_counts", "participation_transitions",
            "participation_inequality", "inactive_people", "dormant_people", "incomplete_profiles", "champions",
            "unanswered_threads", "community_health_index"} <= set(METRICS)


def test_every_kpi_card_is_its_own_metric_in_card_order():
    assert [d.name for d in kpis()] == [
        "active_accounts", "contributing_accounts", "adoption", "stickiness", "threads_started", "replies", "likes",
        "hashtag_uses", "visits", "median_minutes_per_active", "new_accounts", "first_time_contributors",
        "returning_accounts"]
    assert {d.name: d.change for d in kpis()}["adoption"] == "points"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_documented_in_both_languages(name):
    definition = METRICS[name]
    for texts in (definition.label, definition.description, definition.definition):
        assert all(texts.get(lang, "").strip() for lang in LANGUAGES)
    assert definition.columns, f"{name} declares no output column"
    for column in definition.columns:
        assert all(column.label.get(lang, "").strip() for lang in LANGUAGES), f"{name}.{column.name}"
    for parameter in definition.parameters:
        assert all(parameter.description.get(lang, "").strip() for lang in LANGUAGES), f"{name}.{parameter.name}"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_output_matches_its_declaration_on_the_sample(name, sample):
    definition = METRICS[name]
    if missing_facts(sample, definition):
        pytest.skip("the sample lacks a fact this metric needs")
    frame = compute(sample, name, SAMPLE_WEEK)
    assert frame.columns == [c.name for c in definition.columns]
    for column in definition.columns:
        actual = frame.schema[column.name]
        assert actual in (DTYPES[column.dtype], pl.Null), f"{name}.{column.name}: {actual} is not {column.dtype}"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_runs_from_the_cli(name, db, capsys):
    con = connect_read_only(db)
    missing = missing_facts(con, METRICS[name])
    con.close()
    code = main(["metric", name, "--db", db, "--from", "2026-03-02", "--to", "2026-03-08", "--format", "csv"])
    out, err = capsys.readouterr()
    if missing:  # the fixture lacks e.g. interactions or campaign events: the CLI must say so
        assert code == 3 and "no disponible" in err, (code, err)
    else:
        assert code == 0, err
        assert out.splitlines(), f"{name}: no header printed"


def test_docs_metrics_md_is_in_sync_with_the_registry():
    from metrics.registry import definitions_markdown
    from tests.conftest import PROJECT_ROOT

    assert (PROJECT_ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").strip() == \
        definitions_markdown("en").strip(), "run: pulso metric docs --lang en > docs/metrics.md"
