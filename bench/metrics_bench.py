"""Metrics: every registered metric over a one-year scope, cold (first call in a
fresh process) and warm (the same call again), against one hand-written DuckDB
query over the raw canonical tables for the same number where one exists."""

from __future__ import annotations

from pathlib import Path

from bench.measure import run_child

# Hand-written floors: the fastest plain SQL for the same number, over raw tables.
# Parameters: the scope's first and last day (local days approximated in UTC).
FLOORS = {
    "kpi_summary": """
        SELECT count(DISTINCT person_id) FROM (
            SELECT author_id AS person_id FROM messages WHERE created_at >= ? AND created_at < ? + INTERVAL 1 DAY
            UNION ALL SELECT person_id FROM visits WHERE started_at >= ? AND started_at < ? + INTERVAL 1 DAY
            UNION ALL SELECT person_id FROM reactions WHERE created_at >= ? AND created_at < ? + INTERVAL 1 DAY)""",
    "daily_actives": """
        SELECT CAST(t AS DATE) AS day, count(DISTINCT person_id) FROM (
            SELECT author_id AS person_id, created_at AS t FROM messages
            UNION ALL SELECT person_id, started_at FROM visits
            UNION ALL SELECT person_id, created_at FROM reactions) WHERE t >= ? AND t < ? + INTERVAL 1 DAY GROUP BY 1""",
    "top_posts": """
        SELECT m.thread_id, count(*) FROM reactions r JOIN messages m USING (message_id)
        WHERE m.replied_to_id IS NULL AND m.created_at >= ? AND m.created_at < ? + INTERVAL 1 DAY
        GROUP BY 1 ORDER BY 2 DESC LIMIT 10""",
    "interaction_edges": """
        SELECT r.author_id, p.author_id, count(*) FROM messages r JOIN messages p ON p.message_id = r.replied_to_id
        WHERE r.created_at >= ? AND r.created_at < ? + INTERVAL 1 DAY AND r.author_id <> p.author_id GROUP BY 1, 2""",
    "participation_inequality": """
        SELECT person_id, count(*) FROM (
            SELECT author_id AS person_id, created_at AS t FROM messages
            UNION ALL SELECT person_id, created_at FROM reactions) WHERE t >= ? AND t < ? + INTERVAL 1 DAY GROUP BY 1""",
    "unanswered_threads": """
        SELECT t.message_id FROM messages t
        WHERE t.replied_to_id IS NULL AND t.created_at >= ? AND t.created_at < ? + INTERVAL 1 DAY
        AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.thread_id = t.message_id AND r.author_id <> t.author_id)""",
}

CHILD = """
from datetime import date, timedelta
from metrics.registry import FactsNotAvailable, compute, load_all_metrics
from pulso.core.scope import Scope
from metrics.store import connect_read_only
name = {name!r}
con = connect_read_only({db!r})
last = con.execute("SELECT max(day) FROM person_day_activity").fetchall()[0][0]
scope = Scope(last - timedelta(days=364), last, granularity="week")
start = time.perf_counter()
try:
    frame = compute(con, name, scope)
except FactsNotAvailable:
    _report(-1.0, rows=-1)
    raise SystemExit(0)
cold = time.perf_counter() - start
warm = []
for _ in range({runs}):
    start = time.perf_counter()
    compute(con, name, scope)
    warm.append(time.perf_counter() - start)
floor = []
sql = {floor!r}
if sql:
    params = [scope.start, scope.end] * (sql.count("?") // 2)
    for _ in range({runs}):
        start = time.perf_counter()
        con.execute(sql, params).fetchall()
        floor.append(time.perf_counter() - start)
_report(cold, rows=frame.height, warm=warm, floor=floor)
"""


def bench_metrics(db: Path, runs: int, only: list[str] | None = None) -> list[dict]:
    from metrics.registry import load_all_metrics

    rows = []
    for name in sorted(load_all_metrics()):
        if only and name not in only:
            continue
        report = run_child(CHILD.format(name=name, db=str(db), runs=runs, floor=FLOORS.get(name)))[0]
        if report["seconds"] < 0:
            rows.append({"metric": name, "note": "not available from the loaded sources"})
            continue
        warm = sorted(report["warm"])
        row = {"metric": name, "rows": report["rows"], "cold_s": round(report["seconds"], 3),
               "warm_median_s": round(warm[len(warm) // 2], 3), "warm_max_s": round(warm[-1], 3)}
        if report["floor"]:
            floor = sorted(report["floor"])[len(report["floor"]) // 2]
            row["floor_s"] = round(floor, 3)
            row["ratio_to_floor"] = round(row["warm_median_s"] / floor, 2) if floor else None
        rows.append(row)
    return rows
