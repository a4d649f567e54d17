"""One local Spark session for the whole test session, and the stores and lakes the cross-engine tests compare.

Each case is a store built by DuckDB (``pulso ingest``) with a given time zone, its lake (``pulso lake
export``), the lake's derived tables rebuilt on Spark (``pulso lake build --engine spark``, run through the
command line in the test session's Spark), and a store imported from that Spark-built lake. The 1M-event
export is generated once per session into a temporary folder. Spark needs a Java runtime and the ``spark``
extra, which ``bin/setup --test`` installs: without them these tests fail (they are never skipped)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.ingest import ingest
from pipelines.lake import Lake, export_store, import_lake
from pulso.core.settings import DEFAULT_SETTINGS_PATH, load_settings
from tests.conftest import SAMPLE_DIR

CASES = {
    # name: (data, time zone)
    "sample-mexico_city": ("sample", None),  # the packaged settings (no daylight saving since 2022)
    "sample-madrid": ("sample", "Europe/Madrid"),  # daylight saving
    "1m-st_johns": ("1m", "America/St_Johns"),  # a half-hour offset with daylight saving, a million events
}


@pytest.fixture(scope="session")
def spark():
    from pulso.spark.session import java_missing, spark_session

    missing = java_missing()
    if missing:
        pytest.fail(f"{missing}; run bin/setup --test")
    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def million_export(tmp_path_factory) -> Path:
    from pipelines.sample import generate_sample

    out = tmp_path_factory.mktemp("million")
    generate_sample(out, people=20_000, events=1_000_000, seed=7, file_format="parquet")
    return out


@dataclass
class Case:
    name: str
    timezone: str
    store: Path  # built by DuckDB
    lake: Lake  # exported from it, derived tables rebuilt by Spark
    spark_store: Path  # imported from the Spark-built lake
    manifest: dict  # after the Spark build
    engine: object  # a SparkEngine over the lake
    build_output: str  # what `pulso lake build` printed


@pytest.fixture(scope="session")
def cases(spark, tmp_path_factory, request):
    from pulso.cli.main import main
    from pulso.spark.engine import SparkEngine

    built: dict[str, Case] = {}

    def get(name: str) -> Case:
        if name not in built:
            data, zone = CASES[name]
            folder = tmp_path_factory.mktemp(name)
            settings = None
            if zone:
                text = DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8").replace(
                    'timezone = "America/Mexico_City"', f'timezone = "{zone}"')
                (folder / "settings.toml").write_text(text, encoding="utf-8")
                settings = load_settings(folder / "settings.toml")
            source = SAMPLE_DIR if data == "sample" else request.getfixturevalue("million_export")
            store = folder / "store.duckdb"
            ingest([source / "export", source / "directory.csv"], store, settings=settings)
            lake = Lake(folder / "lake")
            export_store(store, lake.location)
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                assert main(["lake", "build", "--engine", "spark", "--lake", lake.location]) == 0
            manifest = lake.manifest()
            spark_store = folder / "spark.duckdb"
            import_lake(lake.location, spark_store)
            built[name] = Case(name, zone or "America/Mexico_City", store, lake, spark_store, manifest,
                               SparkEngine(spark, lake, manifest), output.getvalue())
        return built[name]

    return get
