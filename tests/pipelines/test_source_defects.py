"""Defects found on real exports (issue 11): likes whose giver is unknown, new accounts from a source without
join dates, the date span of a store holding only person-to-person interactions, and directory precedence."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from metrics.registry import FactsNotAvailable, compute
from metrics.store import connect_read_only, data_span
from pipelines.ingest import ingest
from pulso.core.scope import Scope
from tests.conftest import PROJECT_ROOT, build_store, rows, write_csv

SE = PROJECT_ROOT / "tests" / "fixtures" / "stackexchange" / "small_dump"
SLACK = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"
YAMMER = PROJECT_ROOT / "tests" / "fixtures" / "yammer" / "network_export"
DIRECTORY = PROJECT_ROOT / "tests" / "fixtures" / "directory.csv"
TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"


def test_likes_whose_giver_is_unknown_count_in_the_kpis(tmp_path):
    """The small dump's 3 up-votes on conversation posts: vote 1 on post 1 (no voter), vote 2 on post 1 by se:2,
    vote 3 on post 2 (no voter). Authors se:1 and se:2 are people in scope: likes = 3. Before: 1 (only the
    like with a known giver), shown as available."""
    db = tmp_path / "s.duckdb"
    ingest([SE], db)
    con = connect_read_only(db)
    try:
        scope = Scope(date(2024, 3, 4), date(2024, 3, 5), granularity="day")
        assert compute(con, "likes", scope)["value"].to_list() == [3.0]
        summary = compute(con, "kpi_summary", scope)
        assert summary.filter(summary["kpi"] == "likes").select("value", "available").rows() == [(3.0, True)]
        trend = compute(con, "activity_trend", scope)
        assert trend.select("period_start", "likes").rows() == [(date(2024, 3, 4), 2), (date(2024, 3, 5), 1)]
    finally:
        con.close()


def test_new_accounts_is_not_available_from_a_source_without_join_dates(tmp_path):
    """Slack exports carry no account creation date: new accounts is 'not available', not 0."""
    db = tmp_path / "slack.duckdb"
    ingest([SLACK], db)
    con = connect_read_only(db)
    try:
        scope = Scope(date(2024, 3, 4), date(2024, 3, 10))
        with pytest.raises(FactsNotAvailable):
            compute(con, "new_accounts", scope)
        summary = compute(con, "kpi_summary", scope)
        assert summary.filter(summary["kpi"] == "new_accounts").select("value", "available").rows() == [(None, False)]
    finally:
        con.close()
    yammer = tmp_path / "yammer.duckdb"
    ingest([YAMMER], yammer)  # Users.csv has joined_at
    assert ("yammer", "join_dates") in rows(yammer, "SELECT source, fact FROM source_facts")
    con = connect_read_only(yammer)
    try:
        scope = Scope(date(2024, 3, 4), date(2024, 3, 10))
        assert compute(con, "new_accounts", scope)["value"].to_list() == [0.0]  # nobody joined that week
        summary = compute(con, "kpi_summary", scope)
        assert summary.filter(summary["kpi"] == "new_accounts").select("value", "available").rows() == [(0.0, True)]
    finally:
        con.close()


def test_a_store_of_interactions_only_has_a_date_span(tmp_path):
    """E-mail metadata only (person-to-person interactions): the span comes from the interactions. (Measured
    before the refactor; the derived table acts already carries it -- kept as a regression test.)"""
    db = build_store(tmp_path, {
        "people": [{"person_id": "a"}, {"person_id": "b"}],
        "interactions": [{"interaction_id": "i1", "source_person_id": "a", "target_person_id": "b", "kind": "email",
                          "occurred_at": "2024-03-04T10:00:00Z"},
                         {"interaction_id": "i2", "source_person_id": "b", "target_person_id": "a", "kind": "email",
                          "occurred_at": "2024-03-11T10:00:00Z"}]})
    con = connect_read_only(db)
    try:
        assert data_span(con) == (date(2024, 3, 4), date(2024, 3, 11))
    finally:
        con.close()
    from pulso.cli.main import main

    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 0


# ---- directory precedence ------------------------------------------------------------------------------------

def test_a_later_pulso_people_file_never_overwrites_the_directory(tmp_path):
    """The directory gives E1 = ana@banco.mx, Ana López, Centro / CDMX-01 / regional manager. A later Pulso-format
    people.csv says E1 is other@x.mx, 'Anita', region Sur: the directory's values stay, and the three conflicts
    are recorded (and shown on Datos). Before: e-mail and name were overwritten."""
    db = tmp_path / "s.duckdb"
    ingest([DIRECTORY], db)
    later = tmp_path / "later"
    later.mkdir()
    write_csv(later / "people.csv", [
        {"person_id": "E1", "email": "other@x.mx", "display_name": "Anita", "region": "Sur", "job_title": "Gerente"}])
    summary = ingest([later], db)
    assert summary.per_table["people"] == (1, 1, 0, 0)  # job_title is new: the row loads, without the conflicts
    assert rows(db, "SELECT email, display_name, region, office, role, job_title FROM people WHERE person_id = 'E1'") == [
        ("ana@banco.mx", "Ana López", "Centro", "CDMX-01", "regional manager", "Gerente")]
    assert rows(db, "SELECT person_id, column_name, directory_value, other_value, source, line FROM directory_conflicts "
                    "ORDER BY column_name") == [
        ("E1", "display_name", "Ana López", "Anita", "pulso", 2),
        ("E1", "email", "ana@banco.mx", "other@x.mx", "pulso", 2),
        ("E1", "region", "Centro", "Sur", "pulso", 2)]
    con = connect_read_only(db)
    try:
        shown = compute(con, "store_directory_conflicts", Scope(date(2026, 1, 1), date(2026, 1, 7)))
        assert shown.select("person_id", "column_name", "directory_value", "other_value").rows()[0] == (
            "E1", "display_name", "Ana López", "Anita")
    finally:
        con.close()
    # the e-mail the export used still finds the person (as an alias), it just does not replace the directory's
    assert rows(db, "SELECT person_id FROM person_aliases WHERE alias = 'email:other@x.mx'") in ([], [("E1",)])


def test_a_platform_export_in_the_same_run_does_not_win_either(tmp_path):
    """Yammer's Ana (ana.lopez@banco.mx) is in the directory under another name: the directory's name stays and
    the conflict is recorded; a value the directory lacks (job title) is taken from Yammer."""
    directory = write_csv(tmp_path / "hr.csv", [
        {"id": "E1", "email": "ana.lopez@banco.mx", "name": "Ana María López", "region": "Sur", "office": "Puebla",
         "role": "office manager"}])
    db = tmp_path / "s.duckdb"
    ingest([YAMMER, directory], db)
    assert rows(db, "SELECT person_id, display_name, region, job_title FROM people WHERE email = 'ana.lopez@banco.mx'") \
        == [("E1", "Ana María López", "Sur", "Gerente de sucursal")]
    assert rows(db, "SELECT column_name, directory_value, other_value, source FROM directory_conflicts") == [
        ("display_name", "Ana María López", "Ana López", "yammer")]


def test_slack_type_confusion_is_refused_row_by_row(tmp_path):
    """Values of the wrong JSON type (a number as a user id, a string as a reaction list, a list as a ts) are
    refused with their reason; before, they ended in a multi-line traceback."""
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    users = json.loads((export / "users.json").read_text(encoding="utf-8"))
    users.append({"id": 42, "profile": "no es un objeto"})
    (export / "users.json").write_text(json.dumps(users), encoding="utf-8")
    (export / "general" / "2024-03-06.json").write_text(json.dumps([
        {"type": "message", "user": "U1", "text": "a", "ts": ["1709722800.000100"]},
        {"type": "message", "user": "U1", "text": "b", "ts": "1709722860.000100", "reactions": "muchas"},
        {"type": "message", "user": "U1", "text": "c", "ts": "1709722920.000100",
         "reactions": [{"name": "ok", "users": [7, "U2"], "count": "dos"}]},
        {"type": "message", "user": {"id": "U1"}, "text": 5, "ts": "1709722980.000100"},
    ]), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    ingest([export], db)
    day = str(export / "general" / "2024-03-06.json")
    assert rows(db, f"SELECT line, table_name, reason FROM rejected_rows WHERE file = '{day}' ORDER BY line, item") == [
        (1, "messages", "ts is not a Slack timestamp (a list)"),
        (2, "reactions", "reactions is not a list (a string)"),
        (3, "reactions", "reaction user is not a user id (a number)"),
        (3, "reactions", "reaction count is not a number: 'dos'"),
        (4, "messages", "user is not a user id (an object)"),
    ]
    assert rows(db, "SELECT reason FROM rejected_rows WHERE file LIKE '%users.json'") == [
        ("user id is not a text (a number)",)]
    assert rows(db, "SELECT body FROM messages WHERE message_id LIKE 'slack:C1:1709722%' ORDER BY 1") == [
        ("b",), ("c",)]
