"""Limits (issue 11): values that would poison the store are refused with their reason and never stored; input
over a size, nesting or count limit stops the load with one line naming the file, the row and the limit, and
the store stays as it was. Every limit is a documented setting ([limits] in default_settings.toml); tests that
need a bomb set a small limit so the bomb stays small."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pulso.core.settings import load_settings
from tests.conftest import PROJECT_ROOT, build_store, digest, rows, write_csv

SLACK = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"
YAMMER = PROJECT_ROOT / "tests" / "fixtures" / "yammer" / "network_export"
SE = PROJECT_ROOT / "tests" / "fixtures" / "stackexchange" / "small_dump"
M365 = PROJECT_ROOT / "tests" / "fixtures" / "m365" / "reports"
DIRECTORY = PROJECT_ROOT / "tests" / "fixtures" / "directory.csv"


def limits(tmp_path: Path, **values):
    """Packaged settings with some [limits] changed."""
    path = tmp_path / "limits.toml"
    path.write_text("[limits]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()), encoding="utf-8")
    return load_settings(path)


def message(mid: str, created: str, **more) -> dict:
    return {"message_id": mid, "thread_id": mid, "author_id": "a", "created_at": created, **more}


# ---- values that poison the store ---------------------------------------------------------------------------

def test_far_dates_are_rejected_with_their_reason_and_never_stored(tmp_path):
    """Year 9999, 294247, 0, infinity and 1989 are refused; before, they were stored and every later load walked
    every day of the span while the dashboard's default week became December 9999."""
    tomorrow_plus = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db = build_store(tmp_path, {
        "people": [{"person_id": "a"}],
        "messages": [message("ok", "2024-03-04T10:00:00Z"), message("y9999", "9999-12-31T00:00:00Z"),
                     message("y294247", "294247-01-01"), message("y0", "0000-01-01"), message("inf", "infinity"),
                     message("ninf", "-infinity"), message("y1989", "1989-12-31T23:00:00Z"),
                     message("soon", tomorrow_plus), message("edit", "2024-03-04T11:00:00Z", edited_at="9999-01-01")],
    })
    assert rows(db, "SELECT message_id FROM messages") == [("ok",)]
    reasons = dict(rows(db, "SELECT line, reason FROM rejected_rows"))
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10}
    window = "outside the plausible window 1990-01-01 .. "
    assert reasons[3].startswith("created_at 9999-12-31 00:00:00 is " + window)
    assert reasons[4].startswith("created_at 294247-01-01 00:00:00 is " + window)
    assert reasons[6].startswith("created_at infinity is " + window)
    assert reasons[8].startswith("created_at 1989-12-31 23:00:00 is " + window)
    assert reasons[10].startswith("edited_at 9999-01-01 06:00:00 is " + window)  # a date alone: local midnight
    assert rows(db, "SELECT value FROM store_info WHERE key = 'data_last_day'") == [("2024-03-04",)]


def test_utc_offsets_beyond_14_hours_are_rejected(tmp_path):
    db = build_store(tmp_path, {
        "people": [{"person_id": "a"}],
        "messages": [message("m1", "2024-03-04T10:00:00+25:00"), message("m2", "2024-03-04T10:00:00+99:99"),
                     message("m3", "2024-03-04T10:00:00-14:30"), message("m4", "2024-03-04T10:00:00+14:00"),
                     message("m5", "2024-03-04 10:00:00-0600")],
    })
    assert rows(db, "SELECT message_id, CAST(created_at AS VARCHAR) FROM messages ORDER BY 1") == [
        ("m4", "2024-03-03 20:00:00"), ("m5", "2024-03-04 16:00:00")]
    assert rows(db, "SELECT line, reason FROM rejected_rows ORDER BY line") == [
        (2, "created_at '2024-03-04T10:00:00+25:00': UTC offset +25:00 is outside -14:00 .. +14:00"),
        (3, "created_at '2024-03-04T10:00:00+99:99': UTC offset +99:99 is outside -14:00 .. +14:00"),
        (4, "created_at '2024-03-04T10:00:00-14:30': UTC offset -14:30 is outside -14:00 .. +14:00"),
    ]


def test_far_dates_in_date_columns_and_slack_times_are_rejected(tmp_path):
    db = build_store(tmp_path, {
        "people": [{"person_id": "a"}],
        "activity_counts": [{"person_id": "a", "period_start": "2024-03-04", "period_end": "9999-03-10",
                             "activity": "posted", "count": 1}],
        "campaign_events": [{"event_id": "c1", "event_date": "0001-01-01", "title": "x"}],
    })
    assert rows(db, "SELECT table_name, reason LIKE '% is outside the plausible window %' FROM rejected_rows "
                    "ORDER BY 1") == [("activity_counts", True), ("campaign_events", True)]
    export = Path(shutil.copytree(SLACK, tmp_path / "slack"))
    (export / "general" / "2024-03-06.json").write_text(json.dumps([
        {"type": "message", "user": "U1", "text": "del futuro", "ts": "253370764800.000000"}]), encoding="utf-8")
    db2 = tmp_path / "slack.duckdb"
    ingest([export], db2)
    assert rows(db2, "SELECT count(*) FROM messages WHERE body = 'del futuro'") == [(0,)]
    assert rows(db2, "SELECT reason FROM rejected_rows WHERE file LIKE '%2024-03-06.json'") == [
        ("created_at 9999-01-01 00:00:00 is outside the plausible window 1990-01-01 .. "
         f"{(datetime.now(UTC) + timedelta(days=1)).date()} ([limits] first_year, days_ahead)",)]


def test_a_date_alone_is_that_local_day(tmp_path):
    """'2026-02-03' as a time means that day in the organisation's time zone (Mexico City, UTC-6): its local day
    is the 3rd. Before: midnight UTC, i.e. 18:00 on the 2nd in Mexico City."""
    db = build_store(tmp_path, {"people": [{"person_id": "a", "joined_at": "2026-02-01"}],
                                "messages": [message("m1", "2026-02-03")]})
    assert rows(db, "SELECT CAST(created_at AS VARCHAR), CAST(day AS VARCHAR) FROM message_facts") == [
        ("2026-02-03 06:00:00", "2026-02-03")]
    assert rows(db, "SELECT CAST(joined_day AS VARCHAR) FROM person_facts") == [("2026-02-01",)]


# ---- size limits ------------------------------------------------------------------------------------------------

def test_a_row_over_the_limit_stops_the_load_in_every_csv_reader(tmp_path):
    settings = limits(tmp_path, row_kb=64, field_kb=32)
    db = build_store(tmp_path, {"people": [{"person_id": "a"}]})
    before = digest(db)
    export = tmp_path / "export"
    export.mkdir()
    big = "x" * 100_000
    (export / "people.csv").write_text(f"person_id,display_name\np1,Ana\np2,{big}\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([export], db, settings=settings)
    assert info.value.file == str(export / "people.csv") and info.value.line == 3
    assert "over the limit of 65,536 bytes per row ([limits] row_kb = 64)" in info.value.problem
    directory = tmp_path / "hr.csv"
    directory.write_text(f"id,email,region,office,role\n1,a@x.mx,N,{big},staff\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([directory], db, settings=settings)
    assert info.value.line == 2 and "[limits] row_kb = 64" in info.value.problem
    yammer = Path(shutil.copytree(YAMMER, tmp_path / "yammer"))
    with open(yammer / "Users.csv", "a", encoding="utf-8") as handle:
        handle.write(f"77,{big},x@x.mx,,,,,,,,,,,,,active\n")
    with pytest.raises(IngestError) as info:
        ingest([yammer], db, settings=settings)
    assert info.value.file == str(yammer / "Users.csv") and "[limits] row_kb = 64" in info.value.problem
    assert digest(db) == before


def test_a_field_over_the_limit_stops_the_load(tmp_path):
    settings = limits(tmp_path, field_kb=16)
    export = tmp_path / "export"
    export.mkdir()
    (export / "people.csv").write_text("person_id,display_name\np1,Ana\np2," + "y" * 20_000 + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb", settings=settings)
    assert info.value.line == 3
    assert info.value.problem == ("column display_name: a value of 20,000 bytes, over the limit of 16,384 bytes "
                                  "per value ([limits] field_kb = 16)")


def test_a_csv_row_of_100_mb_is_one_line_with_the_default_limits(tmp_path):
    """Before: 'read 0' and a published store (or DuckDB's wording). Now the default row limit names it."""
    export = tmp_path / "export"
    export.mkdir()
    with open(export / "people.csv", "w", encoding="utf-8") as handle:
        handle.write("person_id,display_name\np1,")
        chunk = "z" * (1 << 20)
        for _ in range(100):
            handle.write(chunk)
        handle.write("\n")
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb")
    assert info.value.line == 2 and "[limits] row_kb" in info.value.problem
    assert not (tmp_path / "s.duckdb").exists()


def gzip_bomb(size: int, prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as out:
        out.write(prefix)
        chunk = b"0" * (1 << 20)
        for _ in range(size >> 20):
            out.write(chunk)
    return buffer.getvalue()


def test_gzip_bombs_stop_before_they_grow(tmp_path):
    settings = limits(tmp_path, file_mb=2)
    export = tmp_path / "export"
    export.mkdir()
    (export / "people.csv.gz").write_bytes(gzip_bomb(8 << 20, b"person_id\n"))
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb", settings=settings)
    assert info.value.file == str(export / "people.csv.gz")
    assert "over the limit of 2,097,152 bytes per file ([limits] file_mb = 2)" in info.value.problem
    directory = tmp_path / "hr.csv.gz"
    directory.write_bytes(gzip_bomb(8 << 20, b"id,email,region,office,role\n1,a@x.mx,N,O,"))
    with pytest.raises(IngestError) as info:
        ingest([directory], tmp_path / "s.duckdb", settings=settings, format_name="directory")
    assert "[limits] file_mb = 2" in info.value.problem or "[limits] parsed_file_mb" in info.value.problem
    assert not (tmp_path / "s.duckdb").exists()


def zip_with(folder: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            name = p.relative_to(folder).as_posix()
            if p.is_file() and name not in replace:
                zf.write(p, name)
        for name, data in replace.items():
            zf.writestr(name, data)
    return target


@pytest.mark.parametrize("reader, folder, member", [
    ("slack", SLACK, "users.json"), ("yammer", YAMMER, "Messages.csv"),
    ("m365", M365, "YammerActivityUserDetail_D7_2024-03-10.csv"), ("stackexchange", SE, "Posts.xml"),
])
def test_zip_bombs_are_refused_from_their_declared_size(tmp_path, reader, folder, member):
    settings = limits(tmp_path, parsed_file_mb=1, file_mb=1)
    target = zip_with(folder, tmp_path / "export.zip", {member: b" " * (6 << 20)})
    with pytest.raises(IngestError) as info:
        ingest([target], tmp_path / "s.duckdb", settings=settings, format_name=reader)
    assert info.value.file == f"export.zip!{member}"
    assert "6,291,456 bytes" in info.value.problem and "([limits] " in info.value.problem
    assert not (tmp_path / "s.duckdb").exists()


def test_the_whole_load_has_a_byte_limit(tmp_path):
    settings = limits(tmp_path, load_mb=1)
    export = tmp_path / "export"
    export.mkdir()
    write_csv(export / "people.csv", [{"person_id": f"p{k}", "display_name": "n" * 200} for k in range(3000)])
    write_csv(export / "groups.csv", [{"group_id": f"g{k}", "name": "n" * 200} for k in range(3000)])
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb", settings=settings)
    assert "more than 1,048,576 bytes in this load ([limits] load_mb = 1)" in info.value.problem


def test_files_per_archive_are_limited(tmp_path):
    settings = limits(tmp_path, archive_files=10)
    target = zip_with(SLACK, tmp_path / "export.zip",
                      {f"general/2024-01-{d:02d}.json": b"[]" for d in range(1, 20)})
    with pytest.raises(IngestError) as info:
        ingest([target], tmp_path / "s.duckdb", settings=settings)
    assert info.value.one_line() == (f"{target}: 25 files inside, over the limit of 10 files per archive "
                                     "([limits] archive_files = 10)")


# ---- nesting ----------------------------------------------------------------------------------------------------

def test_deep_json_is_one_line_not_a_recursion_error(tmp_path):
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    (export / "general" / "2024-03-05.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb")
    assert info.value.file == str(export / "general" / "2024-03-05.json")
    assert "nested deeper than 64 levels ([limits] depth = 64)" in info.value.problem
    messages = Path(shutil.copytree(SLACK, tmp_path / "export2"))
    nested: object = "x"
    for _ in range(100):
        nested = {"a": nested}
    (messages / "general" / "2024-03-05.json").write_text(json.dumps([{"type": "message", "user": "U1", "ts": "1.0",
                                                                       "blocks": nested}]), encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([messages], tmp_path / "s.duckdb")
    assert info.value.line == 1 and "[limits] depth = 64" in info.value.problem


def test_deep_xml_is_one_line_not_a_recursion_error(tmp_path):
    dump = Path(shutil.copytree(SE, tmp_path / "dump"))
    (dump / "Posts.xml").write_text("<posts>" + "<a>" * 100_000 + "</a>" * 100_000 + "</posts>", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([dump], tmp_path / "s.duckdb")
    assert info.value.file == str(dump / "Posts.xml")
    assert "nested deeper than 64 levels ([limits] depth = 64)" in info.value.problem


def test_deep_json_lines_are_one_line(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "people.jsonl").write_text('{"person_id": "a"}\n{"person_id": ' + "[" * 50_000 + "]" * 50_000 + "}\n",
                                         encoding="utf-8")
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb")
    assert info.value.file == str(export / "people.jsonl") and "\n" not in info.value.one_line()


def test_limits_are_settings_with_safe_defaults():
    settings = load_settings()
    assert settings.limits.first_year == 1990 and settings.limits.days_ahead == 1
    assert settings.limits.utc_offset_hours == 14 and settings.limits.depth == 64
    assert settings.limits.reject_warning_share == 0.5
    window = settings.limits.window(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert window == (datetime(1990, 1, 1), datetime(2026, 12, 2, 15, 0))
    assert date(1990, 1, 1) == window[0].date()
