"""Incremental loads: what a load costs against what it adds.

The generated export is cut by time into a base (everything up to eight days before the last event; people,
groups, memberships and calendar events included), one week (the seven days after it) and one day (the last
day). Each load is a fresh process: the full load of the base into a new store, then +1 week, then +1 day, then
the same week again (every row a duplicate: nothing changes). Each load's time and peak RSS, and the rows it
added, are reported.
"""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

ACTIVITY = {"messages": "created_at", "reactions": "created_at", "visits": "started_at",
            "interactions": "occurred_at"}

LOAD = """
from pathlib import Path
from pipelines.ingest import ingest
paths = [Path(p) for p in {paths!r}]
start = time.perf_counter()
summary = ingest(paths, Path({db!r}))
seconds = time.perf_counter() - start
loaded = sum(t[1] for t in summary.per_table.values())
duplicates = sum(t[3] for t in summary.per_table.values())
read = sum(t[0] for t in summary.per_table.values())
_report(seconds, read=read, loaded=loaded, duplicates=duplicates)
"""


def split_export(export: Path, out: Path) -> dict[str, Path]:
    """Cut ``export`` (Pulso Parquet files) into base/, week/ and day/ folders under ``out``."""
    import duckdb

    folders = {name: out / name for name in ("base", "week", "day")}
    if (out / ".complete").exists():
        return folders
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    last = con.execute(f"SELECT max(created_at) FROM read_parquet('{export / 'messages.parquet'}')").fetchall()[0][0]
    day_start = last.replace(hour=0, minute=0, second=0, microsecond=0)
    import datetime as dt

    week_start = day_start - dt.timedelta(days=7)
    for path in sorted(export.glob("*.parquet")):
        table = path.stem
        column = ACTIVITY.get(table)
        if column is None:
            con.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{folders['base'] / path.name}'")
            continue
        parts = {"base": f"{column} < ? OR {column} IS NULL", "week": f"{column} >= ? AND {column} < ?",
                 "day": f"{column} >= ?"}
        params = {"base": [week_start], "week": [week_start, day_start], "day": [day_start]}
        for name, condition in parts.items():
            con.execute(f"COPY (SELECT * FROM read_parquet('{path}') WHERE {condition}) TO "
                        f"'{folders[name] / path.name}'", params[name])
    (out / ".complete").write_text(f"week from {week_start}, day from {day_start}\n")
    return folders


def bench_incremental(export: Path, directory: Path, work: Path) -> list[dict]:
    folders = split_export(export, work / "incremental")
    db = work / "incremental.duckdb"
    db.unlink(missing_ok=True)
    steps = [("full load (base)", [folders["base"], directory]), ("+1 week", [folders["week"]]),
             ("+1 day", [folders["day"]]), ("same week again (no-op)", [folders["week"]])]
    rows = []
    for name, paths in steps:
        report = run_child(LOAD.format(paths=[str(p) for p in paths], db=str(db)))[0]
        rows.append({"load": name, "seconds": round(report["seconds"], 2), "peak_rss_mb": round(report["peak_rss_mb"]),
                     "rows_read": report["read"], "rows_added": report["loaded"], "duplicates": report["duplicates"],
                     "store_mb": round(db.stat().st_size / 1e6)})
    return rows
