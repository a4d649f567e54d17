"""Load semantics of `pulso ingest` on the hand-made tiny export (tests/fixtures).

The fixture: 4 people (p4 is a bot-like account with no e-mail), 2 groups,
3 memberships, 4 messages (m1 thread by p1, m2 reply by p2, m3 private thread
by p1, m4 deleted reply by p3), 2 likes on m1, 2 visits, 1 campaign event; and
an org directory of 3 people (E1=ana, E2=beto, E5=eva) joined by e-mail.
"""

from __future__ import annotations

import gzip
import shutil

import duckdb
import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from tests.conftest import PROJECT_ROOT, build_store, digest, rows

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"
DIRECTORY = PROJECT_ROOT / "tests" / "fixtures" / "directory.csv"


def test_first_load_counts_every_row(tmp_path):
    summary = ingest([TINY, DIRECTORY], tmp_path / "s.duckdb")
    assert summary.per_table == {
        "people": (7, 7, 0, 0),
        "groups": (2, 2, 0, 0),
        "memberships": (3, 3, 0, 0),
        "messages": (4, 4, 0, 0),
        "reactions": (2, 2, 0, 0),
        "visits": (2, 2, 0, 0),
        "campaign_events": (1, 1, 0, 0),
    }


def test_people_are_merged_by_email_and_directory_ids_win(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    assert rows(db, "SELECT person_id, display_name, region, office, role, manager_id, in_directory "
                    "FROM people ORDER BY person_id") == [
        ("E1", "Ana López", "Centro", "CDMX-01", "regional manager", None, True),
        ("E2", "Beto Ruiz", "Centro", "CDMX-01", "office manager", "E1", True),
        ("E5", "Eva Díaz", "Norte", "MTY-01", "staff", "E2", True),
        ("p3", "Carla", None, None, None, None, None),
        ("p4", "Bot", None, None, None, None, None),
    ]
    # messages written by p1/p2 now belong to E1/E2; the mention of p1 too
    assert rows(db, "SELECT message_id, author_id, mentions FROM messages ORDER BY message_id") == [
        ("m1", "E1", None), ("m2", "E2", ["E1"]), ("m3", "E1", None), ("m4", "p3", None),
    ]


def test_times_are_stored_in_utc(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    assert rows(db, "SELECT CAST(created_at AS VARCHAR) FROM messages WHERE message_id IN ('m1', 'm4') "
                    "ORDER BY message_id") == [("2026-01-07 16:00:00",), ("2026-01-09 08:00:00",)]


def test_rollup_days_are_local_days(tmp_path):
    """m3 was posted 2026-01-08 23:30 in Mexico City (05:30 UTC on the 9th): it counts on the 8th."""
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    assert rows(db, "SELECT CAST(day AS VARCHAR), threads_started FROM person_day_activity "
                    "WHERE person_id = 'E1' AND threads_started > 0 ORDER BY day") == [
        ("2026-01-07", 1), ("2026-01-08", 1)]


def test_same_export_twice_changes_nothing(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    before = rows(db, "SELECT * FROM messages ORDER BY message_id") + rows(db, "SELECT * FROM people ORDER BY 1")
    summary = ingest([TINY, DIRECTORY], db)
    assert {t: (read, loaded) for t, (read, loaded, _, _) in summary.per_table.items()} == {
        t: (r, 0) for t, (r, *_rest) in summary.per_table.items()}
    assert summary.per_table["messages"] == (4, 0, 0, 4)
    after = rows(db, "SELECT * FROM messages ORDER BY message_id") + rows(db, "SELECT * FROM people ORDER BY 1")
    assert after == before
    assert rows(db, "SELECT count(*) FROM ingestion_runs") == [(2,)]


def test_newer_export_adds_only_what_is_new_and_updates_changed_people(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    newer = tmp_path / "newer"
    shutil.copytree(TINY, newer)
    with open(newer / "messages.csv", "a", encoding="utf-8") as handle:
        handle.write("m5,m1,m1,g1,p3,2026-01-11T10:00:00-06:00,,false,Nuevo,,\n")
    people = (newer / "people.csv").read_text(encoding="utf-8").replace("Beto,2026-01-05,active,0.4",
                                                                       "Beto,2026-01-05,suspended,0.4")
    (newer / "people.csv").write_text(people, encoding="utf-8")
    summary = ingest([newer], db)
    assert summary.per_table["messages"] == (5, 1, 0, 4)
    assert summary.per_table["people"] == (4, 1, 0, 3)
    assert rows(db, "SELECT state FROM people WHERE person_id = 'p2'") == [("suspended",)]
    assert rows(db, "SELECT count(*) FROM messages") == [(5,)]


def test_rejected_rows_are_kept_with_file_line_and_reason(tmp_path):
    db = build_store(tmp_path, {
        "people": [{"person_id": "a", "state": "active"}, {"person_id": "b", "state": "on holiday"}],
        "messages": [
            {"message_id": "m1", "thread_id": "m1", "author_id": "a", "created_at": "2026-02-01T10:00:00Z"},
            {"message_id": "m2", "thread_id": "m1", "author_id": "zz", "created_at": "2026-02-01T11:00:00Z"},
            {"message_id": "m3", "thread_id": "m1", "author_id": "", "created_at": "2026-02-01T12:00:00Z"},
            {"message_id": "m1", "thread_id": "m1", "author_id": "a", "created_at": "2026-02-01T10:00:00Z"},
        ],
    })
    assert rows(db, "SELECT file LIKE '%people.csv', line, table_name, reason FROM rejected_rows "
                    "UNION ALL SELECT file LIKE '%messages.csv', line, table_name, reason FROM rejected_rows "
                    "WHERE false ORDER BY 3, 2") == [
        (False, 3, "messages", "unknown person in author_id: zz"),
        (False, 4, "messages", "missing required value: author_id"),
        (True, 3, "people", "state must be one of active, suspended, deleted, pending, not on holiday"),
    ]
    stats = rows(db, "SELECT table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate "
                     "FROM ingestion_file_stats ORDER BY table_name")
    assert stats == [("messages", 4, 1, 2, 1), ("people", 2, 1, 1, 0)]


@pytest.mark.parametrize("name, content, expected", [
    ("messages.csv",
     "message_id,thread_id,author_id,created_at\nm1,m1,a,2026-02-01\nm2,m2,a,31/02/2026\n",
     "messages.csv, row 3: column created_at: '31/02/2026' is not a valid timestamp"),
    ("messages.csv",
     "message_id,thread_id,author_id\nm1,m1,a\n",
     "messages.csv, row 1: missing required column 'created_at' for table messages"),
    ("messages.csv",
     "message_id,thread_id,author_id,created_at,autor\nm1,m1,a,2026-02-01,x\n",
     "messages.csv, row 1: unknown column 'autor' for table messages"),
    ("visits.csv",
     "visit_id,person_id,started_at,duration_seconds\nv1,a,2026-02-01,diez\n",
     "visits.csv, row 2: column duration_seconds: 'diez' is not a valid integer"),
    ("messages.csv",
     "message_id,thread_id,author_id,created_at\nm1,m1,a,2026-02-01\nm2,m2,a\n",
     "messages.csv, row 3: wrong number of fields"),
])
def test_bad_files_stop_with_one_line_and_leave_the_store_untouched(tmp_path, name, content, expected):
    db = build_store(tmp_path, {"people": [{"person_id": "a"}]})
    before = digest(db)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / name).write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as error:
        ingest([bad], db)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(bad / name).replace(name, "")) and expected in message
    assert digest(db) == before
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_bad_encoding_is_one_line(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "people.csv").write_bytes("person_id,display_name\np1,José\n".encode("latin-1"))
    with pytest.raises(IngestError, match=r"people\.csv, row 2: not UTF-8 text"):
        ingest([bad], tmp_path / "s.duckdb")
    assert not (tmp_path / "s.duckdb").exists()


def test_truncated_gzip_is_one_line(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    data = gzip.compress(("person_id,display_name\n" + "".join(f"p{i},N{i}\n" for i in range(5000))).encode())
    (bad / "people.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as error:
        ingest([bad], tmp_path / "s.duckdb")
    assert "people.csv.gz" in str(error.value) and "\n" not in str(error.value)


def test_unknown_format_names_the_path(tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("hola", encoding="utf-8")
    with pytest.raises(IngestError, match=r"notes\.txt: unknown format"):
        ingest([odd], tmp_path / "s.duckdb")


def test_byte_order_mark_and_gzip_and_jsonl_and_parquet_are_read(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "people.csv").write_bytes(b"\xef\xbb\xbfperson_id,display_name\np1,Ana\np2,Beto\n")
    (folder / "groups.jsonl").write_text('{"group_id": "g1", "name": "Ventas", "is_private": false}\n',
                                         encoding="utf-8")
    (folder / "messages.csv.gz").write_bytes(gzip.compress(
        b"message_id,thread_id,author_id,created_at,hashtags\nm1,m1,p1,2026-03-01T10:00:00Z,#Metas; Cobranza\n"))
    con = duckdb.connect()
    con.execute("COPY (SELECT 'v1' AS visit_id, 'p2' AS person_id, TIMESTAMP '2026-03-01 12:00:00' AS started_at, "
                "90 AS duration_seconds) TO ? (FORMAT parquet)", [str(folder / "visits.parquet")]).fetchall()
    con.close()
    db = tmp_path / "s.duckdb"
    ingest([folder], db)
    assert rows(db, "SELECT person_id FROM people ORDER BY 1") == [("p1",), ("p2",)]
    assert rows(db, "SELECT name, is_private FROM groups") == [("Ventas", False)]
    assert rows(db, "SELECT hashtags FROM messages") == [(["cobranza", "metas"],)]  # sorted, distinct
    assert rows(db, "SELECT duration_seconds, CAST(started_at AS VARCHAR) FROM visits") == [(90, "2026-03-01 12:00:00")]
    assert rows(db, "SELECT source, fact FROM source_facts ORDER BY fact") == [
        ("pulso", "groups"), ("pulso", "messages"), ("pulso", "people"), ("pulso", "reads"), ("pulso", "visits")]


def test_a_store_is_replaced_whole_and_readers_see_old_or_new(tmp_path):
    """A reader holding the old file keeps a consistent view; a new connection sees the new load."""
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    reader = duckdb.connect(str(db), read_only=True)
    ingest([DIRECTORY], db)
    assert reader.execute("SELECT count(*) FROM people").fetchall() == [(4,)]
    reader.close()
    assert rows(db, "SELECT count(*) FROM people") == [(5,)]


def test_the_directory_is_counted_for_every_person_it_lists(tmp_path):
    """The directory lists E1, E2 and E5; E1 and E2 came first from the tiny export (p1, p2 merged by e-mail), so
    they keep that source, but the directory supplied their region, office and role: Datos says 3 rows, not 1."""
    db = tmp_path / "s.duckdb"
    ingest([TINY, DIRECTORY], db)
    assert rows(db, "SELECT count(*) FROM people WHERE source = 'directory'") == [(1,)]  # E5 only
    assert rows(db, "SELECT rows FROM source_facts WHERE source = 'directory' AND fact = 'people'") == [(3,)]


def test_local_days_follow_daylight_saving_changes(tmp_path):
    """In a zone with DST the rollup converts each time with its own offset."""
    from pulso.core.settings import load_settings

    config_path = tmp_path / "org.toml"
    config_path.write_text('[organization]\ntimezone = "America/New_York"\n'
                           '[hierarchy]\nroles = ["manager", "staff"]\n')
    export = tmp_path / "export"
    export.mkdir()
    (export / "people.csv").write_text("person_id\na\n")
    # 03:30 UTC is 22:30 the day before in winter (UTC-5) and 23:30 the day before in summer (UTC-4)
    (export / "messages.csv").write_text(
        "message_id,thread_id,author_id,created_at\n"
        "m1,m1,a,2026-03-08T03:30:00Z\nm2,m2,a,2026-07-01T03:30:00Z\nm3,m3,a,2026-07-01T04:30:00Z\n")
    db = tmp_path / "s.duckdb"
    ingest([export], db, settings=load_settings(config_path))
    assert rows(db, "SELECT CAST(day AS VARCHAR), threads_started FROM person_day_activity ORDER BY day") == [
        ("2026-03-07", 1), ("2026-06-30", 1), ("2026-07-01", 1)]


def test_the_summary_keeps_its_columns_apart_at_a_hundred_million_rows():
    """The 100M-event load printed 13,000,00013,000,000: columns widen to the longest count."""
    from pipelines.ingest import IngestSummary

    summary = IngestSummary("run", [])
    summary.per_table = {"people": (39_040, 39_040, 0, 0), "visits": (80_000_000, 80_000_000, 0, 0)}
    assert summary.table_text().splitlines() == [
        "table                  read     loaded   rejected  duplicates",
        "-------------------------------------------------------------",
        "people               39,040     39,040          0           0",
        "visits           80,000,000 80,000,000          0           0"]
    summary.per_table = {"people": (39_040, 39_040, 0, 0)}  # below ten million: the usual widths
    assert summary.table_text().splitlines()[2] == "people              39,040    39,040         0           0"
