"""A store of schema 3 (before tz_daily and manager_chain) is refused by readers with the command that upgrades it,
and publishing it again with no paths rebuilds its derived tables as schema 4."""

from __future__ import annotations

import duckdb
import pytest

from metrics.store import connect_read_only
from pipelines.ingest import ingest
from pulso.core.errors import StoreMissing
from tests.metrics.activity_fixture import DIRECTORY, TABLES


def test_a_schema_3_store_is_upgraded_by_publishing_it_again(tmp_path):
    from tests.conftest import build_store

    db = build_store(tmp_path, TABLES, DIRECTORY)
    con = duckdb.connect(str(db))
    chain = con.execute("SELECT count(*) FROM manager_chain").fetchall()[0][0]
    con.execute("DROP TABLE manager_chain; DROP TABLE tz_daily")
    con.execute("UPDATE store_info SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreMissing, match=r"built by an older Pulso \(schema 3\); run `pulso ingest --db"):
        connect_read_only(db)
    ingest([], db)
    con = connect_read_only(db)
    try:
        assert con.execute("SELECT value FROM store_info WHERE key = 'schema_version'").fetchall() == [("4",)]
        assert con.execute("SELECT count(*) FROM manager_chain").fetchall()[0][0] == chain > 0
        assert con.execute("SELECT count(*) FROM tz_daily").fetchall()[0][0] > 0
    finally:
        con.close()
