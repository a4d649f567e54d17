"""Microsoft 365 usage reports reader, on tests/fixtures/m365/reports: activity user
detail for D7 and D30 refreshed 2024-03-10 and D7 refreshed 2024-03-17, device usage
D7 2024-03-10 and groups activity D7 2024-03-10, all written with the exact headers of
the real schema files, a UTF-8 byte-order mark, and one concealed (hashed) user."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers import detect_reader
from pipelines.readers.m365 import period_bounds, report_kind
from tests.conftest import PROJECT_ROOT, REALDATA, rows

REPORTS = PROJECT_ROOT / "tests" / "fixtures" / "m365" / "reports"
YAMMER = PROJECT_ROOT / "tests" / "fixtures" / "yammer" / "network_export"
SCHEMAS = REALDATA / "m365_yammer_usage_report_schemas"
ACTIVITY_D7 = REPORTS / "YammerActivityUserDetail_D7_2024-03-10.csv"
HASH = "m365:6F1A9C3B2E4D5A6B7C8D9E0F1A2B3C4D"
ANA = "m365:ana.lopez@banco.mx"


def test_period_bounds_and_kinds():
    assert period_bounds("2024-03-10", "7") == ("2024-03-04", "2024-03-10")
    assert period_bounds("2024-03-10", "30") == ("2024-02-10", "2024-03-10")
    assert period_bounds("2024-03-01", "D7") == ("2024-02-24", "2024-03-01")
    with pytest.raises(ValueError):
        period_bounds("03/10/2024", "7")
    with pytest.raises(ValueError):
        period_bounds("2024-03-10", "0")
    header = lambda name: (SCHEMAS / f"{name}.header.csv").read_text(encoding="utf-8").strip().split(",")
    assert report_kind(header("YammerActivityUserDetail")) == "activity"
    assert report_kind(header("YammerDeviceUsageUserDetail")) == "device"
    assert report_kind(header("YammerGroupsActivityDetail")) == "groups"
    assert report_kind(header("YammerActivityCounts")) == "aggregate"
    assert report_kind(["id", "name"]) is None


def test_detects_file_and_folder():
    assert ACTIVITY_D7.read_bytes().startswith(b"\xef\xbb\xbf")  # the fixture really has a BOM
    assert detect_reader(ACTIVITY_D7).name == "m365"
    assert detect_reader(REPORTS).name == "m365"
    assert detect_reader(YAMMER).name == "yammer"


def test_periods_and_refresh_dates_side_by_side(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = ingest([REPORTS], db)
    assert summary.formats == ["m365"]
    # 3 activity reports x 2 users x 3 counts + 1 device user x 6 devices
    assert summary.per_table == {"people": (7, 3, 0, 4), "groups": (2, 2, 0, 0), "activity_counts": (24, 24, 0, 0)}
    reads = rows(db, f"SELECT period_start, period_end, count, last_activity_date FROM activity_counts "
                     f"WHERE person_id = '{ANA}' AND activity = 'read' ORDER BY period_end, period_start")
    assert reads == [(date(2024, 2, 10), date(2024, 3, 10), 40, date(2024, 3, 8)),
                     (date(2024, 3, 4), date(2024, 3, 10), 10, date(2024, 3, 8)),
                     (date(2024, 3, 11), date(2024, 3, 17), 6, date(2024, 3, 16))]
    # one period picked: D7 ending 2024-03-10, everyone's posts / reads / likes
    picked = rows(db, "SELECT activity, sum(count) FROM activity_counts WHERE period_start = DATE '2024-03-04' "
                      "AND period_end = DATE '2024-03-10' AND activity IN ('posted', 'read', 'liked') "
                      "GROUP BY activity ORDER BY activity")
    assert picked == [("liked", 3), ("posted", 2), ("read", 14)]
    devices = rows(db, f"SELECT activity, count FROM activity_counts WHERE person_id = '{ANA}' "
                       f"AND activity LIKE 'device:%' ORDER BY activity")
    assert devices == [("device:android_phone", 0), ("device:ipad", 0), ("device:iphone", 1),
                       ("device:other", 0), ("device:web", 1), ("device:windows_phone", 0)]
    assert rows(db, "SELECT group_id, name, is_private FROM groups ORDER BY name") == [
        ("m365:group:dirección", "Dirección", True), ("m365:group:ventas sur", "Ventas Sur", False)]
    facts = rows(db, "SELECT fact, rows FROM source_facts WHERE source = 'm365' ORDER BY fact")
    assert facts == [("activity_counts", 24), ("groups", 2), ("people", 3), ("reads", None)]


def test_hashed_names_kept_as_their_own_people(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([REPORTS], db)
    assert rows(db, "SELECT person_id, email, display_name, state, left_at FROM people ORDER BY person_id") == [
        ("m365:6F1A9C3B2E4D5A6B7C8D9E0F1A2B3C4D", None, "A1B2C3D4E5F60718293A4B5C6D7E8F90", "active", None),
        (ANA, "ana.lopez@banco.mx", "Ana López", "active", None),
        # State Change Date is a date alone: midnight of that day in Mexico City (06:00 UTC), so it stays the 15th
        ("m365:luis.paz@banco.mx", "luis.paz@banco.mx", "Luis Paz", "deleted",
         __import__("datetime").datetime(2024, 3, 15, 6, 0)),
    ]
    assert rows(db, f"SELECT count(*), sum(count) FROM activity_counts WHERE person_id = '{HASH}'") == [(6, 19)]


def test_reingest_and_repeated_download_do_not_double_count(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([REPORTS], db)
    again = ingest([REPORTS], db)
    assert again.per_table == {"people": (7, 0, 0, 7), "groups": (2, 0, 0, 2), "activity_counts": (24, 0, 0, 24)}
    # the same report downloaded twice under another name, loaded in one run with the rest
    folder = Path(shutil.copytree(REPORTS, tmp_path / "twice"))
    shutil.copy(ACTIVITY_D7, folder / "copy of D7.csv")
    db2 = tmp_path / "s2.duckdb"
    summary = ingest([folder], db2)
    assert summary.per_table["activity_counts"] == (30, 24, 0, 6)
    assert rows(db2, "SELECT count(*), sum(count) FROM activity_counts") == [(24, 95)]
    assert rows(db, "SELECT count(*), sum(count) FROM activity_counts") == [(24, 95)]


def test_join_with_yammer_export_by_upn(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = ingest([YAMMER, REPORTS], db)
    assert summary.formats == ["m365", "yammer"]
    # 6 Yammer people + 3 M365 people, Ana in both: 8 people
    assert rows(db, "SELECT count(*) FROM people") == [(8,)]
    ana = rows(db, "SELECT person_id, display_name, job_title, platform_location FROM people "
                   "WHERE email = 'ana.lopez@banco.mx'")
    assert len(ana) == 1 and ana[0][1:] == ("Ana López", "Gerente de sucursal", "Puebla Centro")
    ana_id = ana[0][0]  # which source's id becomes canonical is the engine's rule (first by file), not the reader's
    assert ana_id in ("yammer:1", ANA)
    # her Yammer messages and her M365 counts point at the same person
    assert rows(db, "SELECT DISTINCT author_id FROM messages WHERE message_id IN ('yammer:msg:101', 'yammer:msg:103')") \
        == [(ana_id,)]
    assert rows(db, f"SELECT count(*) FROM activity_counts WHERE person_id = '{ana_id}'") == [(15,)]
    # loaded in two runs (reports first) the join holds too
    db2 = tmp_path / "s2.duckdb"
    ingest([REPORTS], db2)
    ingest([YAMMER], db2)
    assert rows(db2, "SELECT count(*) FROM people") == [(8,)]
    assert rows(db2, "SELECT DISTINCT author_id FROM messages WHERE message_id = 'yammer:msg:101'") == [(ANA,)]


def test_real_header_files_load(tmp_path):
    """One row under each real per-user / per-group header; aggregate reports are rejected with a reason."""
    folder = tmp_path / "real"
    folder.mkdir()
    samples = {
        "YammerActivityUserDetail": {"Report Refresh Date": "2024-05-31", "User Principal Name": "a@x.mx",
                                     "Posted Count": "1", "Read Count": "2", "Liked Count": "3",
                                     "Report Period": "90"},
        "YammerDeviceUsageUserDetail": {"Report Refresh Date": "2024-05-31", "User Principal Name": "a@x.mx",
                                        "Used Web": "Yes", "Used Windows Phone": "No", "Used Android Phone": "No",
                                        "Used iPhone": "No", "Used iPad": "No", "Used Others": "No",
                                        "Report Period": "7"},
        "YammerGroupsActivityDetail": {"Report Refresh Date": "2024-05-31", "Group Display Name": "G",
                                       "Group Type": "Public", "Report Period": "7"},
    }
    for name, record in samples.items():
        header = (SCHEMAS / f"{name}.header.csv").read_text(encoding="utf-8").strip().split(",")
        (folder / f"{name}.csv").write_text(",".join(header) + "\n" + ",".join(record.get(c, "") for c in header)
                                            + "\n", encoding="utf-8-sig")
    shutil.copy(SCHEMAS / "YammerGroupsActivityGroupCounts.DOC_EXAMPLE.csv", folder / "GroupCounts.csv")
    db = tmp_path / "s.duckdb"
    summary = ingest([folder], db)
    assert summary.per_table == {"people": (2, 1, 0, 1), "groups": (1, 1, 0, 0), "activity_counts": (16, 9, 7, 0)}
    assert rows(db, "SELECT period_start, period_end, activity, count FROM activity_counts "
                    "WHERE activity IN ('posted', 'read', 'liked') ORDER BY activity") == [
        (date(2024, 3, 3), date(2024, 5, 31), "liked", 3), (date(2024, 3, 3), date(2024, 5, 31), "posted", 1),
        (date(2024, 3, 3), date(2024, 5, 31), "read", 2)]
    reasons = rows(db, "SELECT DISTINCT file, reason FROM rejected_rows")
    assert reasons == [(str(folder / "GroupCounts.csv"),
                        "tenant-level aggregate report: Pulso loads only the per-user and per-group detail reports")]


def test_latin1_report_one_line_error(tmp_path):
    bad = tmp_path / "report.csv"
    bad.write_bytes(ACTIVITY_D7.read_bytes().decode("utf-8-sig").encode("latin-1"))
    with pytest.raises(IngestError) as info:
        ingest([bad], tmp_path / "s.duckdb", format_name="m365")
    assert str(info.value) == f"{bad}, row 2: not UTF-8 text (byte 0xf3; re-save as UTF-8)"


def test_missing_column_one_line_error(tmp_path):
    bad = tmp_path / "report.csv"
    bad.write_text(ACTIVITY_D7.read_text(encoding="utf-8-sig").replace("Read Count", "Reads"), encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([bad], tmp_path / "s.duckdb")
    assert str(info.value) == f"{bad}, row 1: missing required column 'Read Count' (activity report)"


def test_bad_rows_partial_load(tmp_path):
    report = tmp_path / "report.csv"
    text = ACTIVITY_D7.read_text(encoding="utf-8-sig")
    text += "10/03/2024,x@banco.mx,X,active,,,1,1,1,,7\r\n"      # not an ISO date
    text += "2024-03-10,,Nadie,active,,,1,1,1,,7\r\n"            # no UPN
    text += "2024-03-10,y@banco.mx,Y\r\n"                        # cut short
    report.write_text(text, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([report], db)
    assert summary.per_table == {"people": (2, 2, 0, 0), "activity_counts": (9, 6, 3, 0)}
    assert rows(db, "SELECT line, reason FROM rejected_rows ORDER BY line") == [
        (4, "unreadable 'Report Refresh Date' / 'Report Period': '10/03/2024' / '7'"),
        (5, "missing 'User Principal Name'"),
        (6, "expected 11 fields, found 3"),
    ]


def test_empty_report_file(tmp_path):
    empty = tmp_path / "report.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError) as info:
        ingest([empty], tmp_path / "s.duckdb", format_name="m365")
    assert str(info.value) == f"{empty}, row 1: empty file: a header row is required"
