"""``pulso lake build --engine spark``: the lake's derived tables rebuilt on Spark with the shared definitions.

The same ``pipelines.derived.build_all`` that builds a store's derived tables on
DuckDB at every publish runs here on a ``SparkEngine``: time-zone table, message
facts, per-person-per-day activity, weeks, person facts, chain of command,
threads and acts are written back to the lake (activity tables partitioned by
month) and the manifest records that Spark built them and the data's span. The
dashboard reads the result after ``pulso lake import``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pipelines.derived import build_all
from pipelines.lake import Lake
from pulso.core.settings import from_json
from pulso.spark.engine import SparkEngine


def build_lake(session, lake: Lake, progress: Callable[[str, float], None] | None = None) -> dict:
    """Rebuild every derived table of ``lake`` on ``session``; return the updated manifest."""
    engine = SparkEngine(session, lake)
    info = engine.manifest["store_info"]
    settings = from_json(info["settings"], info.get("settings_source", str(lake)))
    started = time.perf_counter()

    def done(name: str) -> None:
        if progress:
            progress(name, time.perf_counter() - started)

    span = build_all(engine, settings, on_table=done)
    return engine.finish_build(span)
