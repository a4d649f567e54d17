"""Bookkeeping that cannot lose a row: every record read is loaded, rejected with its reason (stored, one row
per refused record) or counted as a duplicate, for every table of every reader, including records a reader
turns into something else. Each test is one defect measured on real-world exports (issue 11)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from tests.conftest import PROJECT_ROOT, digest, rows, write_csv

SLACK = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"
YAMMER = PROJECT_ROOT / "tests" / "fixtures" / "yammer" / "network_export"
M365_HEADER = ("Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,Last Activity Date,"
               "Posted Count,Read Count,Liked Count,Assigned Products,Report Period")


def test_one_negative_count_rejects_that_count_only(tmp_path):
    """A usage-report line gives three count rows (posted, read, liked); Ana's posted count is -1: that row is
    refused with its reason, her read and liked counts load. Before: the whole load failed ("read 3 != loaded 0 +
    rejected 1") because the three rows share a line."""
    report = tmp_path / "YammerActivityUserDetail.csv"
    report.write_text(M365_HEADER + "\n2024-03-10,ana@banco.mx,Ana,active,,2024-03-08,-1,10,3,E3,7\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([report], db)
    assert summary.per_table["activity_counts"] == (3, 2, 1, 0)
    assert rows(db, "SELECT activity, count FROM activity_counts ORDER BY activity") == [("liked", 3), ("read", 10)]
    assert rows(db, "SELECT line, item, table_name, reason FROM rejected_rows") == [
        (2, 1, "activity_counts", "count must not be negative")]


def test_two_refused_rows_from_one_line_keep_both_reasons(tmp_path):
    """Posted -1 and liked -2 on one line: 2 rows refused, 2 rows stored in rejected_rows (before: 1 stored)."""
    report = tmp_path / "YammerActivityUserDetail.csv"
    report.write_text(M365_HEADER + "\n2024-03-10,ana@banco.mx,Ana,active,,2024-03-08,-1,10,-2,E3,7\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([report], db)
    assert summary.per_table["activity_counts"] == (3, 1, 2, 0)
    assert rows(db, "SELECT line, item, reason, raw LIKE '%posted%' FROM rejected_rows ORDER BY item") == [
        (2, 1, "count must not be negative", True), (2, 2, "count must not be negative", False)]
    assert rows(db, "SELECT sum(rows_rejected) FROM ingestion_file_stats") == [(2,)]


def test_channel_member_missing_from_users_is_refused_alone(tmp_path):
    """channels.json lists U404, who is not in users.json (common in real exports): that membership is refused
    with its reason and the channel's other members load. Before: the load failed (read 3 != loaded 0 + 1)."""
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    channels = json.loads((export / "channels.json").read_text(encoding="utf-8"))
    channels[0]["members"].append("U404")
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    listed = summary.per_file[(str(export / "channels.json"), "memberships")]
    assert listed == (4, 3, 1, 0)  # U1, U2, U3 listed and loaded, U404 refused
    assert rows(db, "SELECT line, table_name, reason FROM rejected_rows WHERE table_name = 'memberships'") == [
        (1, "memberships", "unknown person in person_id: slack:U404")]


def test_reactions_on_a_channel_join_are_refused_not_lost(tmp_path):
    """A channel_join carrying reactions becomes a membership; its 3 reactions (2 named users and 1 more counted)
    are refused with a reason. Before: neither loaded nor rejected, exit 0."""
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    day = export / "general" / "2024-03-04.json"
    items = json.loads(day.read_text(encoding="utf-8"))
    assert items[0]["subtype"] == "channel_join"
    items[0]["reactions"] = [{"name": "wave", "users": ["U2", "U3"], "count": 3}]
    day.write_text(json.dumps(items), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    assert summary.per_file[(str(day), "reactions")] == (5, 2, 3, 0)  # 2 thumbsup loaded + 3 waves refused
    assert rows(db, "SELECT line, item, reason FROM rejected_rows WHERE table_name = 'reactions' ORDER BY item") == [
        (1, 1, "reaction on a channel_join event, not on a message"),
        (1, 2, "reaction on a channel_join event, not on a message"),
        (1, 3, "reaction on a channel_join event, not on a message")]


def test_reactions_on_a_refused_channel_event_are_refused_too(tmp_path):
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    day = export / "general" / "2024-03-04.json"
    items = json.loads(day.read_text(encoding="utf-8"))
    topic = next(i for i, m in enumerate(items) if m.get("subtype") == "channel_topic")
    items[topic]["reactions"] = [{"name": "eyes", "users": ["U2"], "count": 1}]
    day.write_text(json.dumps(items), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    assert summary.per_file[(str(day), "reactions")] == (3, 2, 1, 0)
    assert rows(db, "SELECT reason FROM rejected_rows WHERE table_name = 'reactions'") == [
        ("reaction on a channel_topic event, not on a message",)]


def test_a_repeated_zip_member_stops_the_load(tmp_path):
    """Two members named general/2024-03-04.json: which one is the export? Before: the first copy was silently
    lost. Now one line naming the member, and nothing is published."""
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(SLACK.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(SLACK).as_posix())
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("general/2024-03-04.json", json.dumps([{"type": "message", "user": "U1", "text": "otra",
                                                                 "ts": "1709600000.000100"}]))
    with pytest.raises(IngestError) as info:
        ingest([target], tmp_path / "s.duckdb")
    assert info.value.one_line() == ("export.zip!general/2024-03-04.json: appears twice in the zip; "
                                     "which copy is the export cannot be told")
    assert not (tmp_path / "s.duckdb").exists()


def test_unclosed_quote_in_yammer_csv_stops_at_the_row_that_opened_it(tmp_path):
    """An unclosed quote folds every later line into one field. Before: 52 messages became one rejected row and
    the load published. Now: one line naming the row where the quote opens; nothing published."""
    export = Path(shutil.copytree(YAMMER, tmp_path / "export"))
    header = (export / "Messages.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    lines = [",".join(header)]
    for k in range(1, 53):
        record = {c: "" for c in header}
        record.update(id=str(k), thread_id=str(k), sender_id="1", created_at="2024-03-04T10:00:00Z",
                      body=f"mensaje {k}", in_private_conversation="false")
        if k == 3:
            record["body"] = '"empieza una cita sin cerrar'
        lines.append(",".join(record[c] for c in header))
    (export / "Messages.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    with pytest.raises(IngestError) as info:
        ingest([export], db)
    assert info.value.file == str(export / "Messages.csv") and info.value.line == 4
    assert "quote" in info.value.problem and "never closed" in info.value.problem
    assert not db.exists()


def test_a_load_that_rejects_everything_warns_and_strict_fails(tmp_path):
    """An interactions file whose people are all unknown: before, 100 % rejected, exit 0 and no warning."""
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "people.csv", [{"person_id": "a"}])
    write_csv(export / "interactions.csv", [
        {"interaction_id": f"i{k}", "source_person_id": f"x{k}", "target_person_id": "y", "kind": "email",
         "occurred_at": "2024-03-04T10:00:00Z"} for k in range(3)])
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    assert summary.per_table["interactions"] == (3, 0, 3, 0)
    assert summary.warnings == [
        f"{export / 'interactions.csv'}: 3 of 3 interactions rows rejected (100 %, more than the 50 % allowed by "
        f"[limits] reject_warning_share); first reason: unknown person in source_person_id: x0"]
    before = digest(db)
    with pytest.raises(IngestError) as info:
        ingest([export], db, strict=True)
    assert info.value.one_line().startswith("--strict: ")
    assert "3 of 3 interactions rows rejected" in info.value.one_line()
    assert digest(db) == before


def test_a_share_below_the_setting_does_not_warn(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "people.csv", [{"person_id": "a"}, {"person_id": "b", "state": "on holiday"},
                                      {"person_id": "c"}])
    summary = ingest([export], tmp_path / "s.duckdb", strict=True)
    assert summary.per_table["people"] == (3, 2, 1, 0) and summary.warnings == []


def test_teams_reactions_of_older_copies_are_counted(tmp_path):
    """Two copies of one Teams message (a page and a delta round): the reactions of the older copy are read and
    counted as duplicates of the newer copy's, never silently dropped."""
    folder = tmp_path / "teams"
    (folder / "general").mkdir(parents=True)
    context = ("https://graph.microsoft.com/v1.0/$metadata#teams('T1')/channels('C1')/messages")

    def message(modified: str, reactions: list[str]) -> dict:
        return {"id": "1", "messageType": "message", "createdDateTime": "2024-03-04T10:00:00Z",
                "lastModifiedDateTime": modified, "from": {"user": {"id": "u1", "displayName": "Ana"}},
                "body": {"contentType": "text", "content": "Hola"},
                "channelIdentity": {"teamId": "T1", "channelId": "C1"},
                "reactions": [{"reactionType": "like", "createdDateTime": "2024-03-04T10:05:00Z",
                               "user": {"user": {"id": u, "displayName": u}}} for u in reactions]}

    (folder / "general" / "messages-1.json").write_text(json.dumps(
        {"@odata.context": context, "value": [message("2024-03-04T10:05:00Z", ["u2"])]}), encoding="utf-8")
    (folder / "general" / "messages-2.json").write_text(json.dumps(
        {"@odata.context": context, "value": [message("2024-03-04T11:00:00Z", ["u2", "u3"])]}), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([folder], db)
    assert summary.per_table["reactions"] == (3, 2, 0, 1)  # u2 and u3 loaded; the older copy's u2 a duplicate
    assert rows(db, "SELECT person_id FROM reactions ORDER BY 1") == [("teams:u2",), ("teams:u3",)]


def test_the_command_line_prints_the_warning_and_strict_fails(tmp_path):
    import os
    import subprocess
    import sys

    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "people.csv", [{"person_id": "a"}])
    write_csv(export / "interactions.csv", [{"interaction_id": "i1", "source_person_id": "x", "target_person_id": "y",
                                             "kind": "email"}])
    db = tmp_path / "s.duckdb"
    command = [sys.executable, "-m", "pulso.cli", "ingest", str(export), "--db", str(db)]
    env = {**os.environ}
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 0 and done.stderr.strip().splitlines() == [
        f"pulso: warning: {export / 'interactions.csv'}: 1 of 1 interactions rows rejected (100 %, more than the 50 % "
        f"allowed by [limits] reject_warning_share); first reason: unknown person in source_person_id: x"]
    before = digest(db)
    done = subprocess.run(command + ["--strict"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("pulso: error: --strict: ") and digest(db) == before
