"""Ingest: `pulso ingest` of a Pulso export against DuckDB's plain
``CREATE TABLE AS SELECT * FROM read_csv/read_parquet`` of the same files into a
fresh database file (the floor), in the same run."""

from __future__ import annotations

from pathlib import Path

from bench.measure import repeat

PULSO_INGEST = """
import os
from pathlib import Path
from pipelines.ingest import ingest
db = Path({db!r})
if db.exists(): db.unlink()
start = time.perf_counter()
summary = ingest([Path({export!r})], db)
_report(time.perf_counter() - start, rows=sum(r for r, *_ in summary.per_table.values()))
"""

FLOOR = """
import duckdb
from pathlib import Path
db = Path({db!r})
if db.exists(): db.unlink()
files = {files!r}
start = time.perf_counter()
con = duckdb.connect(str(db))
con.execute("SET enable_progress_bar = false").fetchall()
rows = 0
for table, path in files:
    reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
    con.execute(f"CREATE TABLE {{table}} AS SELECT * FROM {{reader}}(?)", [path]).fetchall()
    rows += con.execute(f"SELECT count(*) FROM {{table}}").fetchall()[0][0]
con.close()
_report(time.perf_counter() - start, rows=rows)
"""


def export_files(export: Path) -> list[tuple[str, str]]:
    from pipelines.readers.files import stem
    from pipelines.readers.pulso_format import export_files as pulso_files

    return [(stem(p), str(p)) for p in pulso_files(export)]


def bench_ingest(export: Path, work: Path, runs: int, label: str) -> list[dict]:
    size_mb = sum(p.stat().st_size for p in export.iterdir()) / 1e6
    pulso = repeat(f"ingest pulso ({label})", PULSO_INGEST.format(db=str(work / "pulso.duckdb"), export=str(export)), runs)
    floor = repeat(f"ingest floor ({label})", FLOOR.format(db=str(work / "floor.duckdb"), files=export_files(export)), runs)
    rows = []
    for figure in (pulso, floor):
        row = figure.as_dict()
        row["rows_per_s"] = int(figure.extra["rows"] / figure.median)
        row["mb_per_s"] = round(size_mb / figure.median, 1)
        rows.append(row)
    rows[0]["ratio_to_floor"] = round(pulso.median / floor.median, 2)
    return rows
