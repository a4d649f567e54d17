"""Every registered metric is documented in both languages and runs from the CLI on a small store."""

import pytest

from metrics.registry import LANGUAGES, load_all_metrics, missing_facts
from metrics.store import connect_read_only
from pulso.cli import main
from tests.metrics.activity_fixture import DIRECTORY, TABLES

METRICS = load_all_metrics()
UNITS = {"people", "messages", "ratio", "percent", "hours", "minutes", "score", "count", "table"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from tests.conftest import build_store

    return str(build_store(tmp_path_factory.mktemp("registry"), TABLES, DIRECTORY))


def test_the_names_the_dashboard_uses_are_registered():
    assert {"kpi_summary", "activity_trend", "daily_actives", "adoption_by", "group_participation",
            "participation_ladder", "participation_ladder_counts", "participation_transitions",
            "participation_inequality", "inactive_people", "dormant_people", "incomplete_profiles", "champions",
            "unanswered_threads", "community_health_index"} <= set(METRICS)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_documented_in_both_languages(name):
    definition = METRICS[name]
    for what in ("label", "description", "definition"):
        for lang in LANGUAGES:
            assert definition.text(what, lang).strip(), f"{name}: {what} lacks {lang}"
    assert definition.unit in UNITS
    for parameter in definition.parameters:
        assert all(parameter.description.get(lang, "").strip() for lang in LANGUAGES), f"{name}.{parameter.name}"


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
