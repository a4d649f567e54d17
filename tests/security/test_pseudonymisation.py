"""Pseudonymisation at ingest: names and e-mails become stable keyed hashes, nothing real is left in the store,
the org directory still joins the platform's accounts, and Pulso refuses to do it without a key."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from metrics.access import rights_for
from metrics.registry import compute
from metrics.store import connect_read_only
from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pulso.core.errors import SettingsError
from pulso.core.privacy import KEY_VARIABLE, pseudonymous_email
from pulso.core.scope import Scope
from pulso.core.settings import load_settings
from tests.conftest import write_csv, write_export
from tests.security import org

KEY = "clave-de-prueba-larga-2026"
W = Scope(date(2026, 11, 9), date(2026, 11, 15))


def sources(folder):
    tables = org.tables()
    # a platform account known by e-mail only in its id (as Microsoft 365 reports give it), and a row refused
    tables["people"] += [{"person_id": "m365:o1-8@banco.mx", "email": "O1-8@Banco.mx", "display_name": "Nombre O1-8"},
                         {"person_id": "x9", "email": "x9@banco.mx", "display_name": "Nombre X9", "state": "jubilado"}]
    return [write_export(folder / "export", tables), write_csv(folder / "directory.csv", org.directory())]


def settings(folder, pseudonymize: bool):
    path = folder / f"settings-{pseudonymize}.toml"
    path.write_text(org.VIEWERS + f"\n[privacy]\npseudonymize = {str(pseudonymize).lower()}\n")
    return load_settings(path)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pseudo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_VARIABLE, KEY)
        plain, pseudo = folder / "plain.duckdb", folder / "pseudo.duckdb"
        ingest(sources(folder), plain, settings=settings(folder, False))
        ingest(sources(folder), pseudo, settings=settings(folder, True))
    return {"plain": plain, "pseudo": pseudo, "folder": folder}


def every_text(db) -> str:
    """Every text value of every table of the store, joined -- but ``store_info``, whose settings hold the access
    list as configured (the viewers' own e-mails: who may sign in, not data about the people measured)."""
    con = connect_read_only(db)
    try:
        parts = []
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name <> 'store_info'").fetchall():
            columns = [c for c, t in con.execute(f"SELECT column_name, data_type FROM duckdb_columns() "
                                                 f"WHERE table_name = '{table}'").fetchall()]
            for column in columns:
                parts += [str(v) for (v,) in con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {table}')
                          .fetchall() if v is not None]
        return "\n".join(parts)
    finally:
        con.close()


def test_no_real_name_or_email_is_left_in_the_store(stores):
    plain, pseudo = every_text(stores["plain"]), every_text(stores["pseudo"])
    assert "Nombre N1-1" in plain and "n1-1@banco.mx" in plain  # the comparison is meaningful
    assert "@banco.mx" not in pseudo.lower() and "Nombre" not in pseudo


def test_pseudonyms_are_stable_and_the_directory_still_joins(stores):
    con = connect_read_only(stores["pseudo"])
    try:
        row = con.execute("SELECT person_id, email, display_name, region, office FROM person_facts "
                          "WHERE person_id = 'N1-1'").fetchall()[0]
        assert row[1] == pseudonymous_email("n1-1@banco.mx", KEY.encode()) and row[1].startswith("e-")
        assert row[2].startswith("Persona ") and len(row[2]) == len("Persona ") + 10
        assert row[3:] == ("Norte", "N1")
        # the Microsoft 365 account (id holds the e-mail) merged into the directory's O1-8
        people = con.execute("SELECT count(*) FROM people WHERE NOT coalesce(is_bot, FALSE)").fetchall()[0][0]
        assert people == 32
        pseudo_adoption = compute(con, "adoption_by", W, by="region").to_dicts()
    finally:
        con.close()
    plain = connect_read_only(stores["plain"])
    try:
        assert pseudo_adoption == compute(plain, "adoption_by", W, by="region").to_dicts()
        assert plain.execute("SELECT count(*) FROM people").fetchall()[0][0] == 32
    finally:
        plain.close()


def test_the_dashboard_shows_pseudonyms(stores):
    con = connect_read_only(stores["pseudo"])
    try:
        names = compute(con, "participation_ladder", W)["name"].to_list()
    finally:
        con.close()
    assert names and all(n.startswith("Persona ") for n in names)


def test_loading_again_with_the_same_key_changes_nothing(stores, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    folder = stores["folder"]
    summary = ingest(sources(folder), stores["pseudo"], settings=settings(folder, True))
    read, loaded, rejected, duplicate = summary.per_table["people"]
    assert loaded == 0 and duplicate + rejected == read


def test_refused_without_a_key_or_when_mixing(stores, monkeypatch, tmp_path):
    folder = stores["folder"]
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(SettingsError, match="PULSO_PSEUDONYM_KEY is not set"):
        ingest(sources(folder), tmp_path / "x.duckdb", settings=settings(folder, True))
    monkeypatch.setenv(KEY_VARIABLE, "corta")
    with pytest.raises(SettingsError, match="shorter than 16"):
        ingest(sources(folder), tmp_path / "x.duckdb", settings=settings(folder, True))
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    with pytest.raises(IngestError, match="not pseudonymised and the settings say pseudonymize = true"):
        ingest(sources(folder), stores["plain"], settings=settings(folder, True))
    with pytest.raises(IngestError, match="is pseudonymised and the settings say pseudonymize = false"):
        ingest(sources(folder), stores["pseudo"], settings=settings(folder, False))


def test_own_region_is_found_through_the_pseudonym_with_the_key(stores, monkeypatch):
    con = connect_read_only(stores["pseudo"])
    try:
        monkeypatch.setenv(KEY_VARIABLE, KEY)
        rights = rights_for(con, "n3-2@banco.mx")
        assert rights.regions == ("Norte",)
        frame = compute(con, "kpi_summary", replace(W, rights=rights))
        assert dict(zip(frame["kpi"], frame["value"]))["active_accounts"] == 7.0
        monkeypatch.delenv(KEY_VARIABLE)
        assert rights_for(con, "n3-2@banco.mx") is None  # without the key: no access, never more
        assert rights_for(con, "sur@banco.mx").regions == ("Sur",)  # listed explicitly: works without it
    finally:
        con.close()
