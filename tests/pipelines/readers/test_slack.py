"""Slack export reader, on the hand-made export in tests/fixtures/slack/small_export
(channel general C1 and private channel secret G1; a thread of 3 replies, one of
them edited; a 2-user reaction; a bot message; a channel_topic event; an author
U9 missing from users.json; a deletion; 2 joins and 1 leave) and on the real
slack-export-viewer test archive, read straight from its zip."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers import detect_reader
from pipelines.readers.slack import ts_to_utc
from tests.conftest import PROJECT_ROOT, REALDATA, rows

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"
REAL_ZIP = REALDATA / "slack_hfaran_testarchive" / "testarchive.zip"
T = datetime


def zip_folder(folder: Path, target: Path, skip: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and rel not in skip:
                zf.write(p, rel)
    return target


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> tuple[Path, object]:
    db = tmp_path_factory.mktemp("slack") / "store.duckdb"
    summary = ingest([FIXTURE], db)
    return db, summary


def test_ts_to_utc():
    assert ts_to_utc("1709547000.000100") == "2024-03-04 10:10:00.000100+00:00"
    assert ts_to_utc(None) is None and ts_to_utc("x") is None


def test_detects_folder_and_zip(tmp_path):
    assert detect_reader(FIXTURE).name == "slack"
    assert detect_reader(zip_folder(FIXTURE, tmp_path / "export.zip")).name == "slack"
    assert detect_reader(REAL_ZIP).name == "slack"


def test_summary_counts_every_row(small_store):
    _, summary = small_store
    # (read, loaded, rejected, duplicates)
    assert summary.per_table["people"] == (5, 5, 0, 0)          # 3 users + U9 (unknown) + bot B1
    assert summary.per_table["groups"] == (2, 2, 0, 0)
    assert summary.per_table["memberships"] == (8, 8, 0, 0)     # 3 + 2 listed members, 2 joins, 1 leave
    assert summary.per_table["messages"] == (10, 9, 1, 0)       # channel_topic rejected; deletion folds in
    assert summary.per_table["reactions"] == (2, 2, 0, 0)


def test_thread_of_three_replies_edit_and_mentions(small_store):
    db, _ = small_store
    got = rows(db, "SELECT message_id, thread_id, replied_to_id, author_id, created_at, edited_at, mentions "
                   "FROM messages WHERE thread_id = 'slack:C1:1709547000.000100' ORDER BY created_at")
    parent = "slack:C1:1709547000.000100"
    assert got == [
        (parent, parent, None, "slack:U1", T(2024, 3, 4, 10, 10, 0, 100), None, ["slack:U2"]),
        ("slack:C1:1709547060.000200", parent, parent, "slack:U2", T(2024, 3, 4, 10, 11, 0, 200), None, []),
        ("slack:C1:1709547120.000300", parent, parent, "slack:U3", T(2024, 3, 4, 10, 12, 0, 300), None, []),
        ("slack:C1:1709547180.000400", parent, parent, "slack:U1", T(2024, 3, 4, 10, 13, 0, 400),
         T(2024, 3, 4, 10, 15), []),
    ]


def test_messages_deletion_bot_private_and_unknown_author(small_store):
    db, _ = small_store
    assert rows(db, "SELECT count(*) FROM messages") == [(8,)]
    assert rows(db, "SELECT body, deleted_at FROM messages WHERE message_id = 'slack:C1:1709632800.000100'") == [
        ("Mensaje por borrar", T(2024, 3, 5, 10, 1, 0, 200))]
    assert rows(db, "SELECT m.author_id, p.is_bot, p.display_name FROM messages m JOIN people p "
                    "ON p.person_id = m.author_id WHERE m.body = 'Despliegue listo'") == [
        ("slack:B1", True, "deploybot")]
    assert rows(db, "SELECT group_id, is_private FROM messages WHERE body = 'Solo para gerentes'") == [
        ("slack:G1", True)]
    assert rows(db, "SELECT count(*) FROM messages WHERE is_private") == [(1,)]
    assert rows(db, "SELECT author_id FROM messages WHERE body = 'Soy nuevo'") == [("slack:U9",)]
    assert rows(db, "SELECT reason, line FROM rejected_rows") == [
        ("channel event, not a message (subtype channel_topic)", 8)]


def test_people_groups_memberships_reactions(small_store):
    db, _ = small_store
    assert rows(db, "SELECT person_id, email, display_name, job_title, state, is_bot FROM people ORDER BY 1") == [
        ("slack:B1", None, "deploybot", None, None, True),
        ("slack:U1", "ana.lopez@example.mx", "Ana López", "Gerente de sucursal", "active", False),
        ("slack:U2", None, "Beto Ruiz", None, "active", False),
        ("slack:U3", None, "Caro Díaz", None, "deleted", False),
        ("slack:U9", None, None, None, None, False),
    ]
    assert rows(db, "SELECT group_id, name, description, is_private, created_at FROM groups ORDER BY 1") == [
        ("slack:C1", "general", "Todo el banco", False, T(2024, 3, 4)),
        ("slack:G1", "secret", None, True, T(2024, 3, 4)),
    ]
    assert rows(db, "SELECT group_id, person_id, joined_at, left_at FROM memberships ORDER BY 1, 2") == [
        ("slack:C1", "slack:U1", T(2024, 3, 4, 10, 0, 0, 100), None),
        ("slack:C1", "slack:U2", None, None),
        ("slack:C1", "slack:U3", T(2024, 3, 4, 10, 1, 0, 100), T(2024, 3, 5, 10, 30, 0, 100)),
        ("slack:G1", "slack:U1", None, None),
        ("slack:G1", "slack:U2", None, None),
    ]
    assert rows(db, "SELECT message_id, person_id, kind, weight FROM reactions ORDER BY 2") == [
        ("slack:C1:1709547000.000100", "slack:U2", "thumbsup", 1),
        ("slack:C1:1709547000.000100", "slack:U3", "thumbsup", 1),
    ]
    assert rows(db, "SELECT fact FROM source_facts WHERE source = 'slack' ORDER BY 1") == [
        ("groups",), ("memberships",), ("messages",), ("people",), ("reactions",)]


def test_email_merges_with_directory(tmp_path):
    directory = tmp_path / "directory.csv"
    directory.write_text("person_id,email,display_name,region,office,role\n"
                         "E1,ana.lopez@example.mx,Ana,Centro,Sucursal 1,office_manager\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    ingest([FIXTURE, directory], db)
    assert rows(db, "SELECT count(*) FROM messages WHERE author_id = 'E1'") == [(3,)]
    assert rows(db, "SELECT count(*) FROM people WHERE person_id = 'slack:U1'") == [(0,)]


def test_reingest_is_noop_and_newer_export_adds_only_new(tmp_path):
    export = Path(shutil.copytree(FIXTURE, tmp_path / "export"))
    db = tmp_path / "s.duckdb"
    ingest([export], db)
    again = ingest([export], db)
    assert all(loaded == 0 for _, loaded, _, _ in again.per_table.values())
    (export / "general" / "2024-03-06.json").write_text(json.dumps([
        {"type": "message", "user": "U2", "text": "Nuevo", "ts": "1709722800.000100",
         "reactions": [{"name": "tada", "users": ["U1"], "count": 3}]}]), encoding="utf-8")
    newer = ingest([export], db)
    assert newer.per_table["messages"] == (11, 1, 1, 9)
    assert newer.per_table["reactions"] == (4, 2, 0, 2)
    assert rows(db, "SELECT person_id, weight FROM reactions WHERE kind = 'tada' ORDER BY 1 NULLS LAST") == [
        ("slack:U1", 1), (None, 2)]


def test_real_archive_counts_from_zip(tmp_path):
    with zipfile.ZipFile(REAL_ZIP) as zf:
        days = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".json")]
        items = [m for n in days for m in json.loads(zf.read(n))]
        users = json.loads(zf.read("users.json"))
        channels = json.loads(zf.read("channels.json"))
    subtypes = Counter(m.get("subtype") for m in items)
    assert (len(channels), len(days), len(items), len(users)) == (2, 17, 158, 4)
    assert subtypes == {"bot_message": 94, None: 49, "channel_join": 8, "bot_add": 3, "file_share": 3,
                        "file_comment": 1}
    db = tmp_path / "real.duckdb"
    summary = ingest([REAL_ZIP], db)
    joins, events = subtypes["channel_join"], subtypes["bot_add"]
    expected_messages = len(items) - joins - events
    assert rows(db, "SELECT count(*) FROM messages") == [(expected_messages,)]
    assert rows(db, "SELECT count(*) FROM messages m JOIN people p ON p.person_id = m.author_id WHERE p.is_bot") == [
        (sum(1 for m in items if m.get("subtype") == "bot_message"),)]
    assert summary.per_table["messages"] == (len(items) - joins, expected_messages, events, 0)
    listed = sum(len(c["members"]) for c in channels)
    assert summary.per_table["memberships"] == (listed + joins, listed + joins, 0, 0)
    assert rows(db, "SELECT count(*), count(joined_at) FROM memberships") == [(8, 8)]
    reacted = [m for m in items if m.get("reactions")]
    assert rows(db, "SELECT count(DISTINCT message_id), sum(weight) FROM reactions") == [
        (len(reacted), sum(len(r["users"]) for m in reacted for r in m["reactions"]))]
    assert rows(db, "SELECT count(*) FROM messages WHERE replied_to_id IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM people WHERE NOT is_bot") == [(len(users),)]
    assert rows(db, "SELECT count(*) FROM rejected_rows WHERE reason LIKE 'channel event%bot_add%'") == [(3,)]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("damage, expected", [
    ("no_users", "no users.json inside"),
    ("truncated_day", "general/2024-03-04.json, row 12: not valid JSON (cut off or damaged?)"),
    ("empty_day", "secret/2024-03-05.json, row 1: empty file"),
    ("latin1", "users.json, row 2: not UTF-8 text"),
    ("truncated_zip", "not a readable zip file"),
    ("not_a_list", "channels.json, row 1: expected a JSON list"),
])
def test_malformed_exports_give_one_line(tmp_path, damage, expected):
    export = Path(shutil.copytree(FIXTURE, tmp_path / "export"))
    day = export / "general" / "2024-03-04.json"
    if damage == "truncated_day":
        day.write_bytes(day.read_bytes()[:-300])
    elif damage == "empty_day":
        _write(export / "secret" / "2024-03-05.json", b"")
    elif damage == "latin1":
        (export / "users.json").write_bytes((export / "users.json").read_text("utf-8").encode("latin-1"))
    elif damage == "not_a_list":
        _write(export / "channels.json", b'{"id": "C1"}')
    target = zip_folder(export, tmp_path / "export.zip", skip=("users.json",) if damage == "no_users" else ())
    if damage == "truncated_zip":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    db = tmp_path / "s.duckdb"
    with pytest.raises(IngestError) as info:
        ingest([target], db, format_name="slack" if damage == "truncated_zip" else None)
    assert expected in info.value.one_line()
    assert "\n" not in info.value.one_line()
    assert not db.exists()


def test_bom_is_accepted(tmp_path):
    export = Path(shutil.copytree(FIXTURE, tmp_path / "export"))
    users = export / "users.json"
    users.write_bytes(b"\xef\xbb\xbf" + users.read_bytes())
    summary = ingest([export], tmp_path / "s.duckdb")
    assert summary.per_table["people"] == (5, 5, 0, 0)
