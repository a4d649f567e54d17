"""``python -m bench.alerts_eval``: how well activity alerts catch the offices the sample generator silenced.

The generator knows which offices it made go quiet and from which day (``pipelines.sample.truth``); it makes no
other change, so every other alert is a false alarm. For each sample (the bundled one, data/sample, and the
same organisation generated with other seeds under bench/data/) the whole year is judged with the store's
settings (or ``--param key=value`` overrides) and compared with that truth:

* **caught**: a silenced office with an alert whose first alerted week ends on or after its first silent day;
  **delay** = days from the first silent day to the end of that week (both included), so "within 3 weeks"
  means a delay of at most 21 days (alerts are weekly: a silence that starts on a Thursday is judged on the
  Sundays 4, 11 and 18 days later);
* **false alarms**: alert episodes (a unit's silence, or a run of weeks below expectation) on any other unit
  -- office, region or role group -- or on a silenced office before its silence began, counted once each;
  per month of the judged span (from the first week a unit can be judged to the last complete week).

Prints the tables (and the Markdown block docs/metrics.md carries), saves bench/results/<date>-alerts-eval.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from bench.measure import table
from metrics.registry import compute, load_all_metrics, resolve_parameters
from metrics.store import connect_read_only, data_span, store_settings
from pulso.core.holidays import working_days
from pulso.core.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "data" / "sample"
WITHIN_DAYS = 21


def judged_months(con: duckdb.DuckDBPyConnection, params: dict) -> float:
    """Months from the first week any unit can be judged (min_history_weeks judged weeks before it) to the last
    complete week with data."""
    first, last = data_span(con)
    settings = store_settings(con)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday + timedelta(days=6) <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    holidays = settings.holidays(weeks[0], weeks[-1] + timedelta(days=6))
    judged = [w for w in weeks if working_days(w, holidays) >= params["min_working_days"]]
    if len(judged) <= params["min_history_weeks"]:
        return 0.0
    start = judged[params["min_history_weeks"]]
    return ((weeks[-1] + timedelta(days=7)) - start).days / 30.44


def evaluate(con: duckdb.DuckDBPyConnection, truth: pl.DataFrame, **overrides) -> dict:
    """Detection quality of ``activity_alerts`` over the store's whole span against ``truth`` (office,
    silent_from): per office its delay, and the false alarms."""
    params = resolve_parameters(con, load_all_metrics()["activity_alerts"], overrides, store_settings(con))
    first, last = data_span(con)
    alerts = compute(con, "activity_alerts", Scope(first, last), **overrides)
    silent_from = dict(truth.select("office", "silent_from").iter_rows())
    usual = dict(con.execute("""
        SELECT t.office, count(a.person_id) / 12.0 FROM (SELECT unnest(?::VARCHAR[]) AS office,
                                                         unnest(?::DATE[]) AS silent_from) t
        JOIN person_facts p ON p.office = t.office AND p.in_directory
        LEFT JOIN person_day_activity a ON a.person_id = p.person_id AND a.acted
             AND a.day BETWEEN t.silent_from - 84 AND t.silent_from - 1
        GROUP BY t.office""", [list(silent_from), list(silent_from.values())]).fetchall())
    delays: dict[str, int] = {}
    false_alarms = []
    for row in alerts.iter_rows(named=True):
        week_end = row["first_alert"] + timedelta(days=6)
        start = silent_from.get(row["unit"]) if row["level"] == "office" else None
        if start is not None and week_end >= start:
            delay = (week_end - start).days + 1
            delays[row["unit"]] = min(delay, delays.get(row["unit"], delay))
        else:
            false_alarms.append({k: row[k] for k in ("level", "unit", "kind", "since", "first_alert", "people",
                                                     "usual_per_week", "p_value")})
    offices = [{"office": o, "people": n, "usual_active_days_per_week": round(float(usual.get(o, 0.0)), 1),
                "silent_from": s, "caught": o in delays, "delay_days": delays.get(o),
                "within_3_weeks": delays.get(o, 10**6) <= WITHIN_DAYS}
               for o, n, s in truth.select("office", "people", "silent_from").sort("silent_from").iter_rows()]
    months = judged_months(con, params)
    caught = sorted(delays.values())
    return {"settings": {k: v for k, v in params.items() if k != "lang"}, "silenced": truth.height,
            "caught": len(caught), "within_3_weeks": sum(1 for d in caught if d <= WITHIN_DAYS),
            "median_delay_days": caught[len(caught) // 2] if caught else None,
            "max_delay_days": caught[-1] if caught else None, "false_alarms": len(false_alarms),
            "months": round(months, 1), "false_alarms_per_month": round(len(false_alarms) / months, 2) if months else None,
            "offices": offices, "false_alarm_list": false_alarms}


def sample_store(seed: int, people: int, events: int, work: Path) -> Path:
    """A store of the sample with this seed (the bundled files for the bundled seed)."""
    from pipelines.ingest import ingest
    from pipelines.sample import DEFAULT_EVENTS, DEFAULT_PEOPLE, DEFAULT_SEED, generate_sample

    if (seed, people, events) == (DEFAULT_SEED, DEFAULT_PEOPLE, DEFAULT_EVENTS):
        folder = SAMPLE
    else:
        folder = DATA / f"alerts-{people}p-{events}e-{seed}"
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            generate_sample(folder, people=people, events=events, seed=seed)
            (folder / ".complete").write_text("ok\n")
    db = work / f"alerts-{people}p-{events}e-{seed}.duckdb"
    db.unlink(missing_ok=True)
    ingest([folder / "export", folder / "directory.csv"], db)
    return db


def markdown(results: list[dict]) -> str:
    """The detection-quality table for docs/metrics.md (activity_alerts' notes)."""
    settings = results[0]["settings"]
    lines = ["| sample (seed) | offices silenced | caught | within 3 weeks | delay (days): median / max | false alarms "
             "| months | a month |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['seed']} | {r['silenced']} | {r['caught']} | {r['within_3_weeks']} | "
                     f"{r['median_delay_days']} / {r['max_delay_days']} | {r['false_alarms']} | {r['months']} | "
                     f"{r['false_alarms_per_month']} |")
    used = ", ".join(f"`{k}` = {v:g}" if isinstance(v, float) else f"`{k}` = {v}" for k, v in settings.items())
    return "\n".join(lines) + f"\n\nSettings: {used}."


def main(argv: list[str] | None = None) -> int:
    from pipelines.sample import DEFAULT_EVENTS, DEFAULT_PEOPLE, DEFAULT_SEED
    from pipelines.sample.truth import silent_offices

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default=f"{DEFAULT_SEED},1,2,3", help="comma-separated generator seeds")
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--param", action="append", default=[], help="key=value: a rule parameter to override")
    args = parser.parse_args(argv)
    overrides = dict(p.split("=", 1) for p in args.param)
    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in (int(s) for s in args.seeds.split(",")):
        con = connect_read_only(sample_store(seed, args.people, args.events, work))
        try:
            found = evaluate(con, silent_offices(args.people, args.events, seed), **overrides)
        finally:
            con.close()
        results.append({"seed": f"bundled ({seed})" if seed == DEFAULT_SEED else str(seed), **found})
        print(f"\nseed {seed}: silenced offices")
        print(table(found["offices"], ["office", "people", "usual_active_days_per_week", "silent_from", "caught",
                                       "delay_days", "within_3_weeks"]))
        print(f"false alarms ({found['false_alarms']} in {found['months']} months)")
        print(table(found["false_alarm_list"], ["level", "unit", "kind", "since", "first_alert", "people",
                                                "usual_per_week", "p_value"]))
    print()
    print(table(results, ["seed", "silenced", "caught", "within_3_weeks", "median_delay_days", "max_delay_days",
                          "false_alarms", "months", "false_alarms_per_month"]))
    print("\n" + markdown(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%d}-alerts-eval.json"
    out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "people": args.people,
                               "events": args.events, "results": results}, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

