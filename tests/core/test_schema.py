"""The data model document is generated from pulso/core/schema.py and kept in sync."""

from __future__ import annotations

import duckdb

from pulso.core.schema import ALL_TABLES, create_table_sql, data_model_markdown
from tests.conftest import PROJECT_ROOT


def test_docs_data_model_is_in_sync_with_the_schema():
    assert (PROJECT_ROOT / "docs" / "data-model.md").read_text(encoding="utf-8").strip() == \
        data_model_markdown().strip(), "run: pulso schema > docs/data-model.md"


def test_every_table_creates_with_its_declared_columns():
    con = duckdb.connect()
    for table in ALL_TABLES:
        con.execute(create_table_sql(table)).fetchall()
        described = [row[0] for row in con.execute(f"DESCRIBE {table.name}").fetchall()]
        assert described == table.column_names
