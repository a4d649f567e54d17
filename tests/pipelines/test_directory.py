"""The org directory reader: Spanish/English headers, managers by e-mail or id."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers.directory import DirectoryReader, map_header
from tests.conftest import write_csv


def test_header_synonyms_in_spanish_and_english():
    assert map_header(["Número Empleado", "Correo", "Nombre", "Región", "Sucursal", "Puesto", "Jefe directo"]) == {
        "person_id": 0, "email": 1, "display_name": 2, "region": 3, "office": 4, "role": 5, "manager": 6}
    assert map_header(["id", "email", "name", "region", "office", "role", "manager_email"])["manager"] == 6


def test_directory_rows_become_people_with_managers_resolved(tmp_path):
    path = write_csv(tmp_path / "hr.csv", [
        {"id": "1", "email": "Dir@Banco.mx", "name": "Dora", "region": "Centro", "office": "Corporativo",
         "role": "Business Director", "manager": ""},
        {"id": "2", "email": "rm@banco.mx", "name": "Raúl", "region": "Centro", "office": "CDMX-01",
         "role": "regional manager", "manager": "dir@banco.mx"},
        {"id": "3", "email": "om@banco.mx", "name": "Olga", "region": "Centro", "office": "CDMX-01",
         "role": "office manager", "manager": "2"},
        {"id": "", "email": "", "name": "Nadie", "region": "Centro", "office": "CDMX-01",
         "role": "staff", "manager": ""},
    ])
    assert DirectoryReader().detect(path)
    db = tmp_path / "s.duckdb"
    summary = ingest([path], db)
    assert summary.per_table["people"] == (4, 3, 1, 0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT person_id, email, role, manager_id, in_directory FROM people ORDER BY 1").fetchall() == [
        ("1", "dir@banco.mx", "business director", None, True),
        ("2", "rm@banco.mx", "regional manager", "1", True),
        ("3", "om@banco.mx", "office manager", "2", True),
    ]
    assert con.execute("SELECT line, reason FROM rejected_rows").fetchall() == [
        (5, "missing required value: person_id")]
    con.close()


def test_directory_without_role_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "hr.csv", [{"id": "1", "region": "Centro", "office": "X"}])
    assert not DirectoryReader().detect(path)
    with pytest.raises(IngestError, match=r"hr\.csv, row 1: missing required column 'role'"):
        ingest([path], tmp_path / "s.duckdb", format_name="directory")
