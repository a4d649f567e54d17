"""Lake and Spark: the derived tables built by DuckDB (the publish's step, on a copy of the store) against the
same definitions built by Spark over the store's lake (`pulso lake build --engine spark`), and the shared
metrics on each engine. Each figure runs in a fresh process; Spark's memory is its JVM's peak resident set
(VmHWM of the java process), DuckDB's the process's peak RSS."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from bench.measure import run_child

DUCKDB_BUILD = """
import shutil
from pathlib import Path
from pipelines.derived import build_derived
from pipelines.store import open_build_connection
from metrics.store import store_settings
shutil.copyfile({db!r}, {copy!r})
con = open_build_connection(Path({copy!r}))
settings = store_settings(con)
start = time.perf_counter()
build_derived(con, settings)
con.execute("CHECKPOINT").fetchall()
seconds = time.perf_counter() - start
con.close()
Path({copy!r}).unlink()
_report(seconds)
"""

EXPORT = """
from pathlib import Path
from pipelines.lake import export_store
start = time.perf_counter()
manifest = export_store(Path({db!r}), {lake!r}, replace=True)
_report(time.perf_counter() - start, rows=sum(t["rows"] for t in manifest["tables"].values()))
"""

SPARK_PRELUDE = """
import os
def _java_peak_mb():
    \"\"\"Peak resident memory (VmHWM) of the JVM this process started.\"\"\"
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = dict(line.split(":", 1) for line in open(f"/proc/{{pid}}/status") if ":" in line)
            command = open(f"/proc/{{pid}}/cmdline", "rb").read().split(b"\\0")[0]
        except OSError:
            continue
        if command.endswith(b"java") and int(status["PPid"]) == os.getpid():
            peak = max(peak, int(status["VmHWM"].split()[0]) // 1024)
    return peak
from pulso.spark.session import spark_session
start = time.perf_counter()
spark = spark_session(driver_memory={memory!r})
session_s = time.perf_counter() - start
"""

SPARK_BUILD = SPARK_PRELUDE + """
from pipelines.lake import Lake
from pulso.spark.build import build_lake
steps = {{}}
start = time.perf_counter()
build_lake(spark, Lake({lake!r}), progress=lambda name, seconds: steps.__setitem__(name, round(seconds, 1)))
seconds = time.perf_counter() - start
java = _java_peak_mb()
spark.stop()
_report(seconds, session_s=session_s, java_peak_mb=java, steps=steps)
"""

SPARK_METRICS = SPARK_PRELUDE + """
from datetime import timedelta
from metrics.registry import compute, shared_metrics
from pipelines.lake import Lake
from pulso.core.scope import Scope
from pulso.spark.engine import SparkEngine
engine = SparkEngine(spark, Lake({lake!r}))
last = __import__("datetime").date.fromisoformat(engine.manifest["span"]["last_day"])
scope = Scope(last - timedelta(days=364), last, granularity="week")
times = {{}}
for name in {names!r}:
    start = time.perf_counter()
    compute(engine, name, scope)
    first = time.perf_counter() - start
    start = time.perf_counter()
    compute(engine, name, scope)
    times[name] = (round(first, 3), round(time.perf_counter() - start, 3))
java = _java_peak_mb()
spark.stop()
_report(0.0, session_s=session_s, java_peak_mb=java, times=times)
"""

DUCKDB_METRICS = """
from datetime import timedelta
from metrics.registry import compute
from metrics.store import connect_read_only, data_span
from pulso.core.scope import Scope
con = connect_read_only({db!r})
last = data_span(con)[1]
scope = Scope(last - timedelta(days=364), last, granularity="week")
times = {{}}
for name in {names!r}:
    start = time.perf_counter()
    compute(con, name, scope)
    first = time.perf_counter() - start
    start = time.perf_counter()
    compute(con, name, scope)
    times[name] = (round(first, 3), round(time.perf_counter() - start, 3))
_report(0.0, times=times)
"""

METRICS = ("kpi_summary", "activity_trend", "participation_ladder_counts", "feedback_direction", "role_flow_matrix",
           "region_flow_matrix")


def bench_lake(db: Path, work: Path, runs: int, spark_memory: str = "2g", metrics: bool = True) -> list[dict]:
    """Rows: DuckDB derived build, lake export, Spark derived build (time, peak memory); then the shared metrics on
    each engine (first and second call, one-year scope)."""
    lake = work / "lake"
    copy = work / "derived-copy.duckdb"
    rows = []
    for _ in range(runs):
        duck = run_child(DUCKDB_BUILD.format(db=str(db), copy=str(copy)), timeout=7200)[0]
        rows.append({"step": "derived tables, DuckDB (publish step)", "seconds": round(duck["seconds"], 2),
                     "peak_mb": round(duck["peak_rss_mb"])})
    export = run_child(EXPORT.format(db=str(db), lake=str(lake)), timeout=7200)[0]
    rows.append({"step": "pulso lake export", "seconds": round(export["seconds"], 2),
                 "peak_mb": round(export["peak_rss_mb"]), "note": f"{export['rows']:,} rows, "
                 f"{sum(f.stat().st_size for f in lake.rglob('*.parquet')) / 1e6:,.0f} MB of Parquet"})
    env = {**os.environ}
    for _ in range(runs):
        spark = run_child(SPARK_BUILD.format(lake=str(lake), memory=spark_memory), env=env, timeout=14400)[0]
        rows.append({"step": f"derived tables, Spark local[2] (driver {spark_memory})",
                     "seconds": round(spark["seconds"], 2), "peak_mb": spark["java_peak_mb"],
                     "note": f"+ {spark['session_s']:.1f} s session start; python {spark['peak_rss_mb']:.0f} MB; "
                             + ", ".join(f"{k} {v}" for k, v in spark["steps"].items())})
    if metrics:
        duck = run_child(DUCKDB_METRICS.format(db=str(db), names=METRICS), timeout=7200)[0]
        spark = run_child(SPARK_METRICS.format(lake=str(lake), memory=spark_memory, names=METRICS), env=env,
                          timeout=7200)[0]
        for name in METRICS:
            rows.append({"step": f"metric {name}", "duckdb_s": duck["times"][name][1],
                         "spark_s": spark["times"][name][1], "spark_first_s": spark["times"][name][0]})
    shutil.rmtree(lake, ignore_errors=True)
    return rows


def dump(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2)
