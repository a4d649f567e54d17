"""Yammer / Viva Engage network export reader, on the hand-made 6-message export in
tests/fixtures/yammer/network_export (reply chain 101 <- 102 <- 103, deleted 104 in
the private group 8 that only Messages.csv names, private conversation 105, sender 9
missing from Users.csv, mentions, #tags and a [[tag:55]] topic, a newer 'title'
column in a middle position, a body spanning two lines)."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers import detect_reader
from pipelines.readers.yammer import hashtags, mentions, person_state
from tests.conftest import PROJECT_ROOT, REALDATA, rows

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "yammer" / "network_export"
SCHEMAS = REALDATA / "yammer_export_schemas"


def copy_export(tmp_path: Path, name: str = "export") -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / name))


def zip_folder(folder: Path, target: Path, skip: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.name not in skip:
                zf.write(p, p.name)
    return target


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_detects_folder_and_zip(tmp_path):
    assert detect_reader(FIXTURE).name == "yammer"
    assert detect_reader(zip_folder(FIXTURE, tmp_path / "export.zip")).name == "yammer"
    # the Pulso export format (lower-case messages.csv with author_id) is not taken for Yammer
    assert detect_reader(PROJECT_ROOT / "tests" / "fixtures" / "tiny_export").name == "pulso"


def test_messages_exact_rows(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = ingest([FIXTURE], db)
    assert summary.formats == ["yammer"]
    assert summary.per_table == {"people": (6, 6, 0, 0), "groups": (2, 2, 0, 0), "messages": (6, 6, 0, 0)}
    got = rows(db, "SELECT message_id, thread_id, replied_to_id, group_id, author_id, created_at, deleted_at, "
                   "is_private, title, hashtags, mentions FROM messages ORDER BY message_id")
    assert got == [
        ("yammer:msg:101", "yammer:msg:101", None, "yammer:group:7", "yammer:1", ts("2024-03-04 15:00"), None,
         False, "Arranque", ["arranque2024", "metas"], []),
        ("yammer:msg:102", "yammer:msg:101", "yammer:msg:101", "yammer:group:7", "yammer:2", ts("2024-03-04 16:30"),
         None, False, None, [], ["yammer:1"]),
        ("yammer:msg:103", "yammer:msg:101", "yammer:msg:102", "yammer:group:7", "yammer:1", ts("2024-03-05 10:00"),
         None, False, None, ["ventas"], []),
        ("yammer:msg:104", "yammer:msg:104", None, "yammer:group:8", "yammer:3", ts("2024-03-06 08:00"),
         ts("2024-03-06 09:00"), False, None, [], []),
        ("yammer:msg:105", "yammer:msg:105", None, None, "yammer:4", ts("2024-03-07 12:00"), None,
         True, None, [], []),
        ("yammer:msg:106", "yammer:msg:106", None, "yammer:group:7", "yammer:9", ts("2024-03-08 18:00"), None,
         False, None, ["metas"], ["yammer:2", "yammer:404"]),
    ]
    body = rows(db, "SELECT body FROM messages WHERE message_id = 'yammer:msg:101'")[0][0]
    assert body == "Bienvenidos al #Arranque2024 [[tag:55]]\nsegunda línea, con coma"
    # reply edges: replied_to_id -> that message's sender
    edges = rows(db, "SELECT m.author_id, p.author_id FROM messages m JOIN messages p ON p.message_id = m.replied_to_id "
                     "ORDER BY m.message_id")
    assert edges == [("yammer:2", "yammer:1"), ("yammer:1", "yammer:2")]


def test_people_groups_and_facts(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([FIXTURE], db)
    people = rows(db, "SELECT person_id, email, display_name, state, job_title, platform_department, "
                      "platform_location, joined_at, left_at, region, office, role FROM people ORDER BY person_id")
    assert people == [
        ("yammer:1", "ana.lopez@banco.mx", "Ana López", "active", "Gerente de sucursal", "Ventas", "Puebla Centro",
         ts("2020-01-15 10:00"), None, None, None, None),
        ("yammer:2", "beto.ruiz@banco.mx", "Beto Ruiz", "active", "Asesor de crédito", "Crédito", "Oaxaca",
         ts("2020-02-01 09:00"), None, None, None, None),
        ("yammer:3", "carla.diaz@banco.mx", "Carla Díaz", "deleted", "Asesora", "Ventas", "Tlaxcala",
         ts("2019-05-05 00:00"), ts("2024-03-10 12:00"), None, None, None),
        ("yammer:4", "dani.soto@banco.mx", "Dani Soto", "suspended", None, None, None,
         ts("2021-07-01 00:00"), ts("2024-02-01 00:00"), None, None, None),
        ("yammer:5", "eva.mora@banco.mx", "Eva Mora", "pending", None, None, None, None, None, None, None, None),
        # sender of message 106, missing from Users.csv: kept with what Messages.csv says
        ("yammer:9", None, "Invitado Externo", None, None, None, None, None, None, None, None, None),
    ]
    assert rows(db, "SELECT group_id, name, description, is_private FROM groups ORDER BY group_id") == [
        ("yammer:group:7", "Ventas Sur", "Equipo de ventas, región sur", False),
        ("yammer:group:8", "Dirección", None, True),
    ]
    facts = rows(db, "SELECT fact, rows FROM source_facts WHERE source = 'yammer' ORDER BY fact")
    # join_dates: the 4 Users.csv rows with joined_at (what new accounts are counted from)
    assert facts == [("groups", 2), ("join_dates", 4), ("messages", 6), ("people", 6)]


@pytest.mark.parametrize("state, deleted, suspended, expected", [
    ("active", None, None, "active"),
    ("Active", None, None, "active"),
    ("pending", None, None, "pending"),
    ("suspended", None, None, "suspended"),
    ("active", None, "2024-01-01", "suspended"),
    ("soft_delete", None, None, "deleted"),
    ("active", "2024-01-01", None, "deleted"),
    ("suspended", "2024-01-01", "2023-01-01", "deleted"),
    ("", None, None, None),
    ("weird", None, None, None),
])
def test_state_mapping(state, deleted, suspended, expected):
    assert person_state(state, deleted, suspended) == expected


def test_body_parsing():
    assert hashtags("Hola #Ventas y #ventas, #Año2024 [[tag:9]] [[tag:1]] C# x&#39; #12", {"9": "Metas"}) == \
        ["año2024", "metas", "tag:1", "ventas"]
    assert mentions("[[user:5]] y [[user:7]] otra vez [[user:5]]") == ["yammer:5", "yammer:7"]


def test_zip_loads_like_folder_and_names_members(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = ingest([zip_folder(FIXTURE, tmp_path / "export.zip")], db)
    assert summary.per_table["messages"] == (6, 6, 0, 0)
    assert summary.per_file[("export.zip!Messages.csv", "messages")] == (6, 6, 0, 0)
    assert summary.per_file[("export.zip!Users.csv", "people")] == (5, 5, 0, 0)
    assert summary.per_file[("export.zip!Messages.csv", "people")] == (1, 1, 0, 0)


def test_reingest_is_a_no_op(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([FIXTURE], db)
    again = ingest([FIXTURE], db)
    assert again.per_table == {"people": (6, 0, 0, 6), "groups": (2, 0, 0, 2), "messages": (6, 0, 0, 6)}
    assert rows(db, "SELECT count(*) FROM messages") == [(6,)]


def test_newer_export_adds_only_new_rows(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([FIXTURE], db)
    newer = copy_export(tmp_path, "newer")
    # a newer export: extra Viva Engage columns in new positions, two new messages, one new user
    lines = (newer / "Messages.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    header.insert(3, "parent_id")
    header.insert(8, "message_type")
    header.append("gdpr_delete_url")
    out = [",".join(header)]
    import csv
    import io
    for record in csv.reader(io.StringIO("\n".join(lines[1:]) + "\n")):
        record.insert(3, "")
        record.insert(8, "update")
        record.append("")
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(record)
        out.append(buffer.getvalue())
    old_header = lines[0].split(",")
    for new in ({"id": "107", "replied_to_id": "106", "thread_id": "106", "group_id": "7", "group_name": "Ventas Sur",
                 "sender_id": "6", "body": "Bienvenido [[user:9]]", "created_at": "2024-03-09T10:00:00Z",
                 "in_private_conversation": "false"},
                {"id": "108", "thread_id": "108", "sender_id": "2", "body": "#Nuevo tema",
                 "created_at": "2024-03-09T11:00:00+0000", "in_private_conversation": "false"}):
        record = [new.get(c, "") for c in old_header]
        record.insert(3, "")
        record.insert(8, "update")
        record.append("https://example.invalid/gdpr")
        out.append(",".join(record))
    (newer / "Messages.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    with open(newer / "Users.csv", "a", encoding="utf-8") as handle:
        handle.write("6,Fer Gil,fer.gil@banco.mx,Asesor,Puebla,Ventas,,,,2024-03-01T00:00:00Z,,,,,g-6,active\n")
    summary = ingest([newer], db)
    assert summary.per_table == {"people": (7, 1, 0, 6), "groups": (2, 0, 0, 2), "messages": (8, 2, 0, 6)}
    assert rows(db, "SELECT message_id, replied_to_id, author_id, created_at, hashtags, mentions FROM messages "
                    "WHERE message_id IN ('yammer:msg:107', 'yammer:msg:108') ORDER BY 1") == [
        ("yammer:msg:107", "yammer:msg:106", "yammer:6", ts("2024-03-09 10:00"), [], ["yammer:9"]),
        ("yammer:msg:108", None, "yammer:2", ts("2024-03-09 11:00"), ["nuevo"], []),
    ]
    assert rows(db, "SELECT count(*) FROM messages") == [(8,)]
    assert rows(db, "SELECT count(*) FROM people") == [(7,)]


def test_real_schema_headers_load(tmp_path):
    """Files built from the exact column order of the real schema header files."""
    folder = tmp_path / "real"
    folder.mkdir()
    values = {
        "Users.csv": [{"id": "11", "name": "Ana", "email": "ANA@x.mx", "department": "Ventas",
                       "joined_at": "2021-01-01T00:00:00Z", "state": "active"},
                      {"id": "12", "name": "Bo", "email": "bo@x.mx", "deleted_at": "2023-05-01T00:00:00Z",
                       "state": "active"}],
        "Messages.csv": [{"id": "1", "thread_id": "1", "group_id": "3", "group_name": "General",
                          "in_private_group": "false", "in_private_conversation": "false", "sender_id": "11",
                          "body": "Hola #equipo [[user:12]]", "created_at": "2024-01-02T03:04:05Z"},
                         {"id": "2", "replied_to_id": "1", "thread_id": "1", "group_id": "3", "sender_id": "12",
                          "in_private_conversation": "false", "body": "Gracias",
                          "created_at": "2024-01-02T04:00:00Z", "deleted_at": "2024-01-03T00:00:00Z"}],
        "Topics.csv": [{"id": "5", "name": "equipo", "created_by": "11"}],
        "Files.csv": [],
    }
    for name, records in values.items():
        header = (SCHEMAS / name.replace(".csv", ".header.csv")).read_text(encoding="utf-8").strip().split(",")
        text = ",".join(header) + "\n" + "".join(",".join(r.get(c, "") for c in header) + "\n" for r in records)
        (folder / name).write_text(text, encoding="utf-8")
    assert detect_reader(folder).name == "yammer"
    db = tmp_path / "s.duckdb"
    summary = ingest([folder], db)
    assert summary.per_table == {"people": (2, 2, 0, 0), "groups": (1, 1, 0, 0), "messages": (2, 2, 0, 0)}
    assert rows(db, "SELECT person_id, email, state, platform_department FROM people ORDER BY 1") == [
        ("yammer:11", "ana@x.mx", "active", "Ventas"), ("yammer:12", "bo@x.mx", "deleted", None)]
    assert rows(db, "SELECT message_id, replied_to_id, deleted_at, hashtags, mentions FROM messages ORDER BY 1") == [
        ("yammer:msg:1", None, None, ["equipo"], ["yammer:12"]),
        ("yammer:msg:2", "yammer:msg:1", ts("2024-01-03 00:00"), [], []),
    ]


# ---- malformed exports: one clear line, or a documented partial load -------------------------------

def test_missing_messages_in_zip(tmp_path):
    archive = zip_folder(FIXTURE, tmp_path / "export.zip", skip=("Messages.csv",))
    assert detect_reader(archive).name == "yammer"
    with pytest.raises(IngestError) as info:
        ingest([archive], tmp_path / "s.duckdb")
    assert str(info.value).startswith(f"{archive}: no Messages.csv inside")
    assert not (tmp_path / "s.duckdb").exists()


def test_truncated_zip(tmp_path):
    data = zip_folder(FIXTURE, tmp_path / "full.zip").read_bytes()
    truncated = tmp_path / "export.zip"
    truncated.write_bytes(data[: len(data) // 2])
    assert detect_reader(truncated).name == "yammer"
    with pytest.raises(IngestError) as info:
        ingest([truncated], tmp_path / "s.duckdb")
    assert str(info.value).startswith(f"{truncated}: not a readable zip file (damaged or truncated)")


def test_renamed_required_column(tmp_path):
    folder = copy_export(tmp_path)
    text = (folder / "Messages.csv").read_text(encoding="utf-8")
    (folder / "Messages.csv").write_text(text.replace("sender_id", "author", 1), encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([folder], tmp_path / "s.duckdb")
    assert info.value.file == str(folder / "Messages.csv")
    assert info.value.line == 1
    assert info.value.problem.startswith("missing required column 'sender_id'")


def test_latin1_users_file(tmp_path):
    folder = copy_export(tmp_path)
    text = (folder / "Users.csv").read_text(encoding="utf-8")
    (folder / "Users.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(IngestError) as info:
        ingest([folder], tmp_path / "s.duckdb")
    assert str(info.value) == f"{folder / 'Users.csv'}, row 2: not UTF-8 text (byte 0xf3; re-save the file as UTF-8)"


def test_bom_is_accepted(tmp_path):
    folder = copy_export(tmp_path)
    for name in ("Messages.csv", "Users.csv"):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(b"\xef\xbb\xbf" + data)
    assert detect_reader(folder).name == "yammer"
    summary = ingest([folder], tmp_path / "s.duckdb")
    assert summary.per_table == {"people": (6, 6, 0, 0), "groups": (2, 2, 0, 0), "messages": (6, 6, 0, 0)}


def test_empty_messages_file(tmp_path):
    folder = copy_export(tmp_path)
    (folder / "Messages.csv").write_bytes(b"")
    with pytest.raises(IngestError) as info:
        ingest([folder, ], tmp_path / "s.duckdb", format_name="yammer")
    assert str(info.value) == f"{folder / 'Messages.csv'}, row 1: empty file: a header row is required"


def test_header_only_topics_and_broken_row_partial_load(tmp_path):
    folder = copy_export(tmp_path)
    (folder / "Topics.csv").write_text("id,name,created_by,created_at,api_url\n", encoding="utf-8")
    with open(folder / "Messages.csv", "a", encoding="utf-8") as handle:
        handle.write("109,,109,109,7\n")  # cut short: 5 of 21 fields
    db = tmp_path / "s.duckdb"
    summary = ingest([folder], db)
    assert summary.per_table["messages"] == (7, 6, 1, 0)
    assert rows(db, "SELECT file, line, table_name, reason FROM rejected_rows") == [
        (str(folder / "Messages.csv"), 9, "messages", "expected 21 fields, found 5")]
    # without Topics names, the [[tag:55]] reference is kept as 'tag:55'
    assert rows(db, "SELECT hashtags FROM messages WHERE message_id = 'yammer:msg:101'") == [(["arranque2024", "tag:55"],)]
