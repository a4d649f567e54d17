"""Shared test helpers.

``write_export`` / ``build_store`` turn rows written by hand in a test into a
Pulso export and a published store, so every metric test states its fixture
next to its expected numbers. ``sample_store`` is the bundled sample
(data/sample), built once per test session: the same data the demo shows.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest
from pulso.core.settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of ``sql`` (bound ``params``) on store ``db``, opened read-only as the dashboard opens it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def digest(path: Path) -> str:
    """A file's SHA-256: a refused or killed load must leave the published store byte-identical."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path: Path, rows: list[dict]) -> Path:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else ";".join(v) if isinstance(v, (list, tuple)) else v)
                             for k, v in row.items()})
    return path


def write_export(folder: Path, tables: dict[str, list[dict]]) -> Path:
    """Write ``{table: rows}`` as a Pulso-format CSV export in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        if rows:
            write_csv(folder / f"{table}.csv", rows)
    return folder


def build_store(tmp_path: Path, tables: dict[str, list[dict]], directory: list[dict] | None = None,
                name: str = "store.duckdb", settings: str | None = None) -> Path:
    """Ingest hand-written rows (and an optional org directory) into a new store; return its path.
    ``settings``: the text of a settings file to build it with (default: the packaged settings)."""
    paths = [write_export(tmp_path / f"export_{name}", tables)]
    if directory:
        paths.append(write_csv(tmp_path / f"directory_{name}.csv", directory))
    chosen = None
    if settings is not None:
        settings_file = tmp_path / f"settings_{name}.toml"
        settings_file.write_text(settings, encoding="utf-8")
        chosen = load_settings(settings_file)
    db = tmp_path / name
    ingest(paths, db, settings=chosen)
    return db


@pytest.fixture
def make_store(tmp_path):
    def make(tables, directory=None, name="store.duckdb", settings=None):
        return build_store(tmp_path, tables, directory, name, settings)
    return make


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The bundled sample organisation (data/sample), loaded once per session."""
    export = SAMPLE_DIR / "export"
    directory = SAMPLE_DIR / "directory.csv"
    if not export.exists():
        pytest.fail("data/sample/export is missing: run `pulso sample --out data/sample`")
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    ingest([export, directory], db)
    return db


APP = PROJECT_ROOT / "dashboard" / "app.py"


@pytest.fixture
def app(monkeypatch):
    """``app(db, **query)`` -> an AppTest of the dashboard on store ``db`` (not yet run)."""
    from streamlit.testing.v1 import AppTest

    from streamlit import config

    def make(db, **query) -> AppTest:
        monkeypatch.setenv("PULSO_DB", str(db))
        # local mode (no sign-in configured) runs only on a loopback address, as `pulso serve` sets it
        config.set_option("server.address", "127.0.0.1")
        at = AppTest.from_file(str(APP), default_timeout=30)
        for key, value in query.items():
            at.query_params[key] = value
        return at
    return make
