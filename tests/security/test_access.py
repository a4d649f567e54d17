"""Viewer roles and rights: the settings that list them, how an identity finds its rights, and that the rights only
ever narrow what ``compute`` returns (tests/security/org.py; W = 2026-11-09 .. 15)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from metrics.access import rights_for
from metrics.registry import compute, load_all_metrics
from metrics.store import connect_read_only
from metrics.store_overview import filter_options
from pulso.cli.main import main
from pulso.core.access import ADMINISTRATOR, Rights, Viewer, match_viewer
from pulso.core.errors import AccessDenied, SettingsError
from pulso.core.scope import Scope
from pulso.core.settings import load_settings
from tests.conftest import build_store
from tests.security import org

W = Scope(date(2026, 11, 9), date(2026, 11, 15))
GROUPS = [{"group_id": "pub", "name": "Ventas", "is_private": "false"},
          {"group_id": "sec", "name": "Comité secreto", "is_private": "true"},
          {"group_id": "unk", "name": "Sin descripción"}]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tables = org.tables()
    tables["groups"] = GROUPS
    tables["memberships"] = [{"group_id": "pub", "person_id": p} for p in ("N1-1", "O1-1", "S1-2")] + \
                            [{"group_id": "sec", "person_id": p} for p in ("N1-1", "O1-1")]
    return build_store(tmp_path_factory.mktemp("access"), tables, org.directory(), "access.duckdb", org.VIEWERS)


@pytest.fixture(scope="module")
def con(db):
    connection = connect_read_only(db)
    yield connection
    connection.close()


def without_plotly_library(html: str) -> str:
    """The report without the inlined plotly.js (whose code holds any word); the figures' data stays."""
    import re

    return re.sub(r"<script[^>]*>.*?</script>", lambda m: "" if len(m.group(0)) > 1_000_000 else m.group(0), html,
                  flags=re.S)


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- settings ------------------------------------------------------------------------------------------------

def test_viewers_and_privacy_are_read_and_kept_in_the_store(tmp_path, con):
    path = tmp_path / "s.toml"
    path.write_text(org.VIEWERS + "\n[privacy]\nmin_group_size = 7\ncount_private = false\n")
    settings = load_settings(path)
    assert settings.privacy.min_group_size == 7 and settings.privacy.count_private is False
    assert settings.viewers[0] == Viewer("administrator", email="admin@banco.mx")
    assert settings.viewers[2] == Viewer("community manager", group="comunidad")
    assert settings.viewers[5].regions == ("Sur",)
    from metrics.store import store_settings

    assert [v.role for v in store_settings(con).viewers] == [v.role for v in load_settings(
        _written(tmp_path, org.VIEWERS)).viewers]


def _written(tmp_path, text):
    path = tmp_path / "v.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, problem", [
    ('[[access.viewers]]\nemail = "a@x.mx"\nrole = "boss"\n', "role must be one of"),
    ('[[access.viewers]]\nrole = "director"\n', "exactly one of email or group"),
    ('[[access.viewers]]\nemail = "a@x.mx"\ngroup = "g"\nrole = "director"\n', "exactly one of email or group"),
    ('[[access.viewers]]\nemail = "a@x.mx"\nrole = "director"\nregions = ["Norte"]\n', "covers every region"),
    ('[[access.viewers]]\nemail = "a@x.mx"\nrole = "office manager"\nregions = []\n', "non-empty list"),
    ('[[access.viewers]]\nemail = "a@x.mx"\nrole = "director"\nlevel = 3\n', "unknown key 'level'"),
    ('[privacy]\nmin_group_size = 0\n', "min_group_size must be a whole number"),
    ('[privacy]\ncount_private = "yes"\n', "count_private must be true or false"),
    ('[privacy]\nk = 3\n', "has no key 'k'"),
])
def test_bad_access_settings_are_one_clear_error(tmp_path, text, problem):
    with pytest.raises(SettingsError, match=problem):
        load_settings(_written(tmp_path, text))


# ---- identities -> rights -----------------------------------------------------------------------------------

def test_an_email_entry_wins_over_a_group_entry_and_the_first_listed_wins():
    viewers = (Viewer("director", group="g"), Viewer("administrator", group="g"),
               Viewer("office manager", email="a@x.mx", offices=("N1",)))
    assert match_viewer(viewers, "A@X.MX", ("g",)).role == "office manager"
    assert match_viewer(viewers, "b@x.mx", ("g",)).role == "director"
    assert match_viewer(viewers, "b@x.mx", ("h",)) is None
    assert match_viewer(viewers, None, ()) is None


def test_rights_of_each_role(con):
    assert rights_for(con, "admin@banco.mx") == ADMINISTRATOR
    assert rights_for(con, "dir@banco.mx") == Rights("director", person_level=False, private_names=False)
    assert rights_for(con, "x@banco.mx", ("comunidad",)) == Rights("community manager", private_names=True)
    # own region / office from the directory row with the viewer's e-mail
    assert rights_for(con, "N3-2@banco.mx") == Rights("regional manager", regions=("Norte",))
    assert rights_for(con, "o1-1@banco.mx") == Rights("office manager", regions=("Oeste",), offices=("O1",))
    assert rights_for(con, "sur@banco.mx") == Rights("regional manager", regions=("Sur",))  # listed explicitly
    assert rights_for(con, "nadie@banco.mx") is None


def test_a_manager_whose_own_unit_is_unknown_has_no_access(make_store):
    text = '[[access.viewers]]\nemail = "fuera@banco.mx"\nrole = "regional manager"\n'
    db = make_store(org.tables(), org.directory(), settings=text)
    con = connect_read_only(db)
    try:
        assert rights_for(con, "fuera@banco.mx") is None  # not in the directory: never "everything"
    finally:
        con.close()


# ---- rights narrow, filters intersect ------------------------------------------------------------------------

def active(con, scope) -> float:
    frame = compute(con, "kpi_summary", scope)
    return dict(zip(frame["kpi"], frame["value"]))["active_accounts"]


def test_rights_only_narrow_and_filters_intersect_with_them(con):
    norte = replace(W, rights=rights_for(con, "n3-2@banco.mx"))
    assert active(con, norte) == 7.0  # Norte: N1-1 N1-2 N2-2 N3-1..4
    assert active(con, replace(norte, offices=("N3",))) == 4.0  # a filter inside the rights narrows further
    assert active(con, replace(norte, regions=("Oeste",))) == 0.0  # outside them selects nobody, never Oeste
    assert active(con, replace(W, regions=("Oeste",))) == 5.0  # (Oeste for someone who may see it)
    office = replace(W, rights=rights_for(con, "o1-1@banco.mx"))
    assert active(con, office) == 5.0
    assert active(con, replace(office, regions=("Norte",), offices=("N3",))) == 0.0


def test_person_lists_cover_only_the_viewers_people(con):
    norte = replace(W, rights=rights_for(con, "n3-2@banco.mx"))
    people = compute(con, "participation_ladder", norte)
    assert set(people["region"]) == {"Norte"} and people.height == 14
    # O1-2 (Oeste) answered N3-1 (Norte): Norte's manager sees N3-1's threads but not O1-2 as a person
    edges = compute(con, "interaction_edges", norte)
    assert edges.is_empty()  # the only edge into Norte comes from Oeste; none leaves Norte
    everyone = compute(con, "interaction_edges", W)
    assert ("O1-2", "N3-1") in set(zip(everyone["source_person_id"], everyone["target_person_id"]))
    oeste = compute(con, "interaction_edges", replace(W, rights=rights_for(con, "o1-1@banco.mx")))
    assert oeste.is_empty()  # O1-2 -> N3-1 leads to a person outside O1


@pytest.mark.parametrize("name", sorted(n for n, d in load_all_metrics().items() if d.person_level))
def test_every_person_level_metric_is_refused_to_a_director(con, name):
    with pytest.raises(AccessDenied) as refused:
        compute(con, name, replace(W, rights=rights_for(con, "dir@banco.mx")))
    assert refused.value.reason in ("person_level", "store_wide")
    assert str(refused.value).startswith("sin acceso")


def test_rejected_rows_are_for_rights_over_everything_only(con):
    for email in ("n3-2@banco.mx", "sur@banco.mx"):
        with pytest.raises(AccessDenied) as refused:
            compute(con, "store_rejected_rows", replace(W, rights=rights_for(con, email)))
        assert refused.value.reason == "store_wide"
    compute(con, "store_rejected_rows", replace(W, rights=ADMINISTRATOR))


def test_directory_conflicts_name_people_and_are_for_rights_over_everything_only(make_store):
    """Issue 11's Datos panel: the platform gave N3-1 another name than the directory's. The row names the person
    (both names), so it follows the rejected rows' rule: rights over everything (the administrator, a community
    manager of all regions); the director, a regional and an office manager are refused."""
    tables = org.tables()
    tables["people"][0] = {**tables["people"][0], "display_name": "Otro nombre"}
    assert tables["people"][0]["person_id"] == "N1-1"
    store = make_store(tables, org.directory(), name="conflicts.duckdb", settings=org.VIEWERS)
    connection = connect_read_only(store)
    try:
        shown = compute(connection, "store_directory_conflicts", replace(W, rights=ADMINISTRATOR))
        assert shown.select("person_id", "column_name", "directory_value", "other_value").rows() == [
            ("N1-1", "display_name", "Nombre N1-1", "Otro nombre")]
        assert "/" not in shown["file"][0]  # the file's name, not the server's folder
        community = rights_for(connection, "x@banco.mx", ("comunidad",))
        assert compute(connection, "store_directory_conflicts", replace(W, rights=community)).height == 1
        for email in ("dir@banco.mx", "n3-2@banco.mx", "o1-1@banco.mx"):
            with pytest.raises(AccessDenied) as refused:
                compute(connection, "store_directory_conflicts", replace(W, rights=rights_for(connection, email)))
            assert refused.value.reason == "store_wide", email
    finally:
        connection.close()


def test_private_group_names_only_for_roles_that_may_see_them(con):
    assert [g for g, _ in filter_options(con, ADMINISTRATOR)["group"]] == ["sec", "unk", "pub"]
    cm = rights_for(con, "x@banco.mx", ("comunidad",))
    assert {g for g, _ in filter_options(con, cm)["group"]} == {"pub", "sec", "unk"}
    assert [g for g, _ in filter_options(con, rights_for(con, "n3-2@banco.mx"))["group"]] == ["pub"]
    assert filter_options(con, rights_for(con, "dir@banco.mx"))["group"] == []  # no group filter at all
    norte = replace(W, rights=rights_for(con, "n3-2@banco.mx"))
    with pytest.raises(AccessDenied) as refused:
        compute(con, "kpi_summary", replace(norte, groups=("sec",)))
    assert refused.value.reason == "private_group"
    groups = compute(con, "group_participation", norte)
    assert set(groups["group_id"]) == {"pub"}  # the private group's row is not there
    assert set(compute(con, "group_participation", replace(W, rights=ADMINISTRATOR))["group_id"]) == {"pub", "sec"}


def test_filter_options_follow_the_rights(con):
    options = filter_options(con, rights_for(con, "o1-1@banco.mx"))
    assert options["region"] == ["Oeste"] and options["office"] == [("O1", "Oeste")]
    assert set(filter_options(con)["region"]) == set(org.OFFICES)
    director = filter_options(con, rights_for(con, "dir@banco.mx"))  # only what a director may filter on
    assert director["region"] == ["Norte", "Oeste", "Sur"] and director["office"] == [("N3", "Norte"), ("O1", "Oeste")]
    assert director["role"] == [] and director["group"] == []


# ---- the command line ------------------------------------------------------------------------------------------

def test_cli_viewer_gets_the_same_rules(db, capsys):
    week = ["--from", "2026-11-09", "--to", "2026-11-15"]
    code, out, err = run_cli(capsys, "metric", "inactive_people", "--db", db, *week, "--viewer", "dir@banco.mx")
    assert code == 4 and "sin acceso" in err and out == ""
    code, out, _ = run_cli(capsys, "metric", "inactive_people", "--db", db, *week, "--viewer", "o1-1@banco.mx",
                           "--format", "json")
    assert code == 0 and {r["office"] for r in json.loads(out)} == {"O1"}
    code, out, _ = run_cli(capsys, "metric", "adoption_by", "--db", db, *week, "--viewer", "dir@banco.mx",
                           "--format", "csv")
    rows = {line.split(",")[0]: line for line in out.splitlines()}
    assert code == 0 and rows["Este"].count("< 5") == 6 and rows["Sur"].startswith("Sur,5,3,0.6")
    code, _, err = run_cli(capsys, "metric", "kpi_summary", "--db", db, *week, "--viewer", "nadie@banco.mx")
    assert code == 4 and "not a listed viewer" in err
    # a viewer's rights are checked and applied on a store: on Spark over a lake, --viewer is refused
    code, out, err = run_cli(capsys, "metric", "kpi_summary", "--engine", "spark", "--lake", db.parent / "no-lake",
                             *week, "--viewer", "dir@banco.mx")
    assert code == 2 and "--viewer applies to a store" in err and out == ""


def test_the_shared_people_in_scope_carries_the_rights(db):
    """The Ibis expression of the people in scope (what the shared metrics read, on DuckDB and on Spark) takes the
    viewer's regions and offices as two more filter lists; an empty list selects nobody."""
    from pulso.core.expr import DuckDBEngine
    from pulso.core.scope import people_in_scope

    connection = connect_read_only(db)
    try:
        def people(scope):
            frame = DuckDBEngine(connection).frame(people_in_scope(scope.shape), scope.inputs())
            return set(frame["person_id"])

        assert len(people(W)) == 32
        norte = replace(W, rights=rights_for(connection, "n3-2@banco.mx"))
        assert people(norte) == {p for p, region, *_ in org.people() if region == "Norte"}  # 14 people
        assert people(replace(norte, regions=("Oeste",))) == set()  # a filter outside the rights: nobody
        o1 = replace(W, rights=rights_for(connection, "o1-1@banco.mx"))
        assert people(o1) == {f"O1-{i}" for i in range(1, 9)}
        assert people(replace(W, rights=Rights("regional manager", regions=(), person_level=True))) == set()
    finally:
        connection.close()


def test_a_scoped_weekly_report_per_regional_manager(db, tmp_path, capsys):
    out = tmp_path / "norte.html"
    code, _, err = run_cli(capsys, "report", "--db", db, "--period", "2026-W46", "--out", out,
                           "--viewer", "n3-2@banco.mx")
    assert code == 0, err
    html = without_plotly_library(out.read_text())
    assert "Gerente regional: Norte" in html
    assert "Oeste" not in html and "Este" not in html and "Sur" not in html  # only Norte's rows (charts included)
    assert "Norte" in html
    director = tmp_path / "dir.html"
    assert run_cli(capsys, "report", "--db", db, "--period", "2026-W46", "--out", director,
                   "--viewer", "dir@banco.mx")[0] == 0
    text = director.read_text()
    assert "Sin acceso" in text  # the top posts list authors by name
    assert "&lt; 5" in text  # Este and Islas withheld in the adoption table


def test_person_level_outputs_are_audited(db, capsys):
    week = ["--from", "2026-11-09", "--to", "2026-11-15"]
    log = db.with_name(db.name + ".audit.jsonl")
    before = len(log.read_text().splitlines()) if log.exists() else 0
    run_cli(capsys, "metric", "champions", "--db", db, *week, "--viewer", "o1-1@banco.mx")
    run_cli(capsys, "metric", "kpi_summary", "--db", db, *week, "--viewer", "o1-1@banco.mx")  # aggregate: not logged
    lines = log.read_text().splitlines()
    assert len(lines) == before + 1
    entry = json.loads(lines[-1])
    assert entry["viewer"] == "o1-1@banco.mx" and entry["action"] == "cli" and entry["what"] == "champions"
    assert entry["scope"]["start"] == "2026-11-09" and entry["scope"]["rights"]["offices"] == ["O1"]
    code, out, _ = run_cli(capsys, "audit", "--db", db, "--viewer", "o1-1@banco.mx")
    assert code == 0 and "champions" in out and "office manager (Oeste,O1)" in out
    assert oct(log.stat().st_mode & 0o777) == "0o600"
