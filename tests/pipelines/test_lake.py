"""pulso lake export / import: every table as Parquet (activity tables in Hive partitions by month, the key also
a column of the files), naive UTC timestamps, a manifest; a store rebuilt from the lake equals the original."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.lake import MANIFEST, LakeError, export_store, import_lake
from pulso.cli.main import main
from pulso.core.schema import ALL_TABLES, DERIVED_TABLES

TABLES = {
    "people": [{"person_id": "ana", "region": "Norte", "office": "N1", "role": "staff", "joined_at": "2025-01-10T12:00:00Z"},
               {"person_id": "beto", "region": "Sur", "office": "S1", "role": "office manager"}],
    "messages": [
        {"message_id": "m1", "thread_id": "m1", "author_id": "ana", "created_at": "2025-01-31T23:30:00.250000Z",
         "body": "hola", "hashtags": ["x"]},
        {"message_id": "m2", "thread_id": "m1", "replied_to_id": "m1", "author_id": "beto",
         "created_at": "2025-02-01T05:59:59Z", "body": "¿qué tal?"},
    ],
    # a like without a time: its month is unknown (the null partition)
    "reactions": [{"reaction_id": "r1", "message_id": "m1", "person_id": "beto", "kind": "like"},
                  {"reaction_id": "r2", "message_id": "m2", "person_id": "ana", "kind": "like",
                   "created_at": "2025-02-02T10:00:00Z"}],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from tests.conftest import build_store

    return build_store(tmp_path_factory.mktemp("lake"), TABLES)


def rows_of(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    finally:
        con.close()


def test_export_writes_partitions_the_key_as_a_column_and_a_manifest(store, tmp_path):
    lake = tmp_path / "lake"
    manifest = export_store(store, lake)
    months = sorted(p.name for p in (lake / "messages").iterdir())
    # 2025-01-31 23:30 and 2025-02-01 05:59 UTC: one message per UTC month
    assert months == ["month=2025-01-01", "month=2025-02-01"]
    assert sorted(p.name for p in (lake / "reactions").iterdir()) == ["month=2025-02-01",
                                                                       "month=__HIVE_DEFAULT_PARTITION__"]
    # derived tables are partitioned by the local day's month: 23:30 UTC on Jan 31 is Jan 31 17:30 in Mexico City
    assert sorted(p.name for p in (lake / "message_facts").iterdir()) == ["month=2025-01-01"]
    january = pq.read_table(next((lake / "messages" / "month=2025-01-01").glob("*.parquet")))
    assert january.schema.field("month").type == "date32[day]"
    assert january.column("month").to_pylist() == [date(2025, 1, 1)]
    created = january.schema.field("created_at").type
    assert str(created) == "timestamp[us]" and created.tz is None  # naive UTC, never shifted
    assert january.column("created_at").to_pylist() == [datetime(2025, 1, 31, 23, 30, 0, 250000)]
    assert [p.name for p in (lake / "people").iterdir()] == ["data_0.parquet"]
    written = json.loads((lake / MANIFEST).read_text())
    assert written == json.loads(json.dumps(manifest, default=str))
    assert written["schema_version"] == 4 and written["timezone"] == "America/Mexico_City"
    assert written["settings"]["organization"]["timezone"] == "America/Mexico_City"
    # activity from Jan 31 (local) to Feb 2; the account created on Jan 10 is not activity
    assert written["span"] == {"first_day": "2025-01-31", "last_day": "2025-02-02"}
    assert {name: t["rows"] for name, t in written["tables"].items() if name in ("messages", "reactions", "acts")} == {
        "messages": 2, "reactions": 2, "acts": 3}  # a reply and two likes
    assert written["tables"]["messages"]["partition"] == {"key": "month", "from": "created_at", "key_in_files": True}
    assert written["tables"]["message_facts"]["kind"] == "derived"
    assert written["derived"]["built_by"] == "duckdb"
    assert set(written["tables"]) == {t.name for t in ALL_TABLES + DERIVED_TABLES}


@pytest.mark.parametrize("url", [False, True], ids=["folder", "file-url"])
def test_a_store_imported_from_the_lake_equals_the_original(store, tmp_path, url):
    location = (tmp_path / "lake").as_uri() if url else str(tmp_path / "lake")
    export_store(store, location)
    copy = tmp_path / "copy.duckdb"
    import_lake(location, copy)
    for table in ALL_TABLES + DERIVED_TABLES:
        if table.name != "store_info":
            assert rows_of(copy, table.name) == rows_of(store, table.name), table.name
    info = dict(rows_of(copy, "store_info"))
    assert info["derived_built_by"] == "duckdb" and info["imported_from"] == location
    assert {k: v for k, v in info.items() if k not in ("derived_built_by", "imported_from")} == dict(
        rows_of(store, "store_info"))


def test_import_can_rebuild_the_derived_tables_with_duckdb(store, tmp_path):
    export_store(store, tmp_path / "lake")
    copy = tmp_path / "rebuilt.duckdb"
    import_lake(tmp_path / "lake", copy, rebuild=True)
    for table in DERIVED_TABLES:
        assert rows_of(copy, table.name) == rows_of(store, table.name), table.name


def test_export_and_import_refuse_to_overwrite_and_say_why_in_one_line(store, tmp_path, capsys):
    lake = tmp_path / "lake"
    assert main(["lake", "export", "--db", str(store), "--out", str(lake)]) == 0
    assert "lake written to" in capsys.readouterr().out
    assert main(["lake", "export", "--db", str(store), "--out", str(lake)]) == 2
    assert "a Pulso lake is already there; give --replace" in capsys.readouterr().err
    assert main(["lake", "export", "--db", str(store), "--out", str(lake), "--replace"]) == 0
    target = tmp_path / "x.duckdb"
    assert main(["lake", "import", "--lake", str(lake), "--db", str(target)]) == 0
    assert main(["lake", "import", "--lake", str(lake), "--db", str(target)]) == 2
    assert "a store is already there; give --replace" in capsys.readouterr().err
    assert main(["lake", "import", "--lake", str(tmp_path / "nothing"), "--db", str(tmp_path / "y.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "no Pulso lake here" in err and len(err.strip().splitlines()) == 1
    assert main(["lake", "info", "--lake", str(lake)]) == 0
    assert "derived tables built by duckdb" in capsys.readouterr().out


def test_a_manifest_listing_rows_without_files_is_refused(store, tmp_path):
    lake = tmp_path / "lake"
    export_store(store, lake)
    for part in (lake / "visits").glob("**/*.parquet"):
        part.unlink()
    manifest = json.loads((lake / MANIFEST).read_text())
    manifest["tables"]["visits"]["rows"] = 5
    (lake / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(LakeError, match="lists 5 rows of visits but no Parquet file"):
        import_lake(lake, tmp_path / "z.duckdb")


def test_the_dashboard_store_from_a_lake_serves_metrics(store, tmp_path):
    from metrics.registry import compute
    from metrics.store import connect_read_only
    from pulso.core.scope import Scope

    export_store(store, tmp_path / "lake")
    import_lake(tmp_path / "lake", tmp_path / "served.duckdb")
    scope = Scope(date(2025, 1, 27), date(2025, 2, 2))
    before, after = connect_read_only(store), connect_read_only(tmp_path / "served.duckdb")
    try:
        assert compute(after, "kpi_summary", scope).equals(compute(before, "kpi_summary", scope))
        # ana posted (Jan 31 local) and liked (Feb 2); beto replied and liked (Jan 31 local, no time -> m1's day)
        assert compute(after, "active_accounts", scope)["value"][0] == 2.0
    finally:
        before.close()
        after.close()
