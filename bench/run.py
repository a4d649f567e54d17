"""``python -m bench.run``: generate the scalable sample, measure, print and save a table.

Examples:
    python -m bench.run --events 1000000                # ingest + metrics + flows + dashboard at 1M events
    python -m bench.run --events 10000000 --runs 3      # the 10M figures and goals of docs/performance.md
    python -m bench.run --events 1000000 --only ingest  # one part
    python -m bench.run --events 100000000 --only lake --runs 1 --formats parquet   # DuckDB vs Spark build
    python -m bench.run --sample --only dashboard        # the bundled sample store (data/sample), as the demo
    python -m bench.run --sample --only dashboard --year # ... over the sample's whole year
    python -m bench.run --sample --only lake --runs 1    # DuckDB vs Spark build on the bundled sample
Results go to bench/results/<date>-<events>.json and are printed as tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from datetime import datetime, UTC
from pathlib import Path

from bench.measure import table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PARTS = ("ingest", "incremental", "network", "metrics", "flows", "dashboard", "bounded", "lake")
FORMATS = ("csv", "csv.gz", "parquet")


def machine() -> dict:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gib": round(memory_gb, 1), "python": platform.python_version(),
            "platform": platform.platform()}


def ensure_sample(people: int, events: int, file_format: str, seed: int) -> Path:
    """The generated sample's folder: ``export/`` (Pulso files) and ``directory.csv``."""
    from pipelines.sample import generate_sample

    out = DATA / f"{people}p-{events}e-{file_format}"
    marker = out / ".complete"
    if not marker.exists():
        if out.exists():
            shutil.rmtree(out)
        start = time.perf_counter()
        generate_sample(out, people=people, events=events, seed=seed, file_format=file_format)
        marker.write_text(f"{time.perf_counter() - start:.1f} s\n")
    return out


def measure_store(store: Path, parts, args, work: Path, results: dict, view: dict | None = None,
                  warm: dict | None = None) -> None:
    """The parts that read a published store (network, metrics, flows, dashboard, bounded, lake), in that order,
    each printed as a table and kept in ``results``; ``view`` / ``warm``: the dashboard's periods (see
    ``bench_dashboard``)."""
    if "network" in parts:
        from bench.network_bench import bench_network

        results["network"] = bench_network(store, args.runs)
        print("network precompute:", results["network"]["precompute"])
        print(table(results["network"]["served"], ["metric", "scope", "rows", "warm_median_s", "warm_max_s"]))
        print(table(results["network"]["on_demand"], ["metric", "seconds", "rows", "tie_min_weight", "peak_rss_mb"]))
    if "metrics" in parts:
        from bench.metrics_bench import bench_metrics

        results["metrics"] = bench_metrics(store, args.runs)
        print(table(results["metrics"], ["metric", "rows", "cold_s", "warm_median_s", "warm_max_s", "floor_s",
                                         "ratio_to_floor", "note"]))
    if "flows" in parts:
        from bench.flows_bench import bench_flows

        results["flows"] = bench_flows(store, args.runs)
        print(table(results["flows"], ["step", "median_s", "min_s", "max_s", "note"]))
    if "dashboard" in parts:
        from bench.dashboard_bench import bench_dashboard

        results["dashboard"] = bench_dashboard(store, args.runs, view=view, warm=warm)
        print(table(results["dashboard"], ["page", "cold_s", "first_render_s", "filter_change_s", "peak_rss_mb",
                                           "errors"]))
    if "bounded" in parts:
        from bench.bounded_bench import bench_bounded

        results["bounded"] = bench_bounded(store, work)
        print(table(results["bounded"], ["request", "seconds", "peak_rss_mb", "rows", "note"]))
    if "lake" in parts:
        from bench.lake_bench import bench_lake

        results["lake"] = bench_lake(store, work, args.runs, args.spark_memory)
        print(table(results["lake"], ["step", "seconds", "peak_mb", "duckdb_s", "spark_s", "spark_first_s", "note"]))


def save(results: dict, name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%d}-{name}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median, min, max)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--spark-memory", default="2g", help="driver memory of local Spark (lake part)")
    parser.add_argument("--sample", action="store_true",
                        help="measure on the bundled sample organisation (data/sample) instead of a generated one")
    parser.add_argument("--year", action="store_true", help="with --sample: the dashboard over the sample's year")
    parser.add_argument("--store", type=Path,
                        help="measure an existing store (network, metrics, dashboard, bounded parts): no "
                             "generation, no ingest")
    args = parser.parse_args(argv)
    if args.sample:
        return sample_main(args)
    if args.store:
        return store_main(args)
    parts = args.only.split(",")
    if args.only == ",".join(PARTS):
        parts = [p for p in PARTS if p != "lake"]  # Spark only when asked for
    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "people": args.people, "events": args.events, "runs": args.runs,
                     "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    store_format = "csv" if "csv" in args.formats.split(",") else args.formats.split(",")[0]
    csv_export = ensure_sample(args.people, args.events, store_format, args.seed)
    store = work / f"store-{args.events}.duckdb"
    if "ingest" in parts:
        from bench.ingest_bench import bench_ingest

        rows = []
        for file_format in args.formats.split(","):
            export = ensure_sample(args.people, args.events, file_format, args.seed)
            rows += bench_ingest(export / "export", work, args.runs, file_format)
        results["ingest"] = rows
        print(table(rows, ["name", "median_s", "min_s", "max_s", "rows_per_s", "mb_per_s", "peak_rss_mb",
                           "ratio_to_floor"]))
    if "incremental" in parts:
        from bench.incremental_bench import bench_incremental

        parquet = ensure_sample(args.people, args.events, "parquet", args.seed)
        results["incremental"] = bench_incremental(parquet / "export", parquet / "directory.csv", work)
        print(table(results["incremental"], ["load", "seconds", "peak_rss_mb", "rows_read", "rows_added",
                                             "duplicates", "store_mb"]))
    if not store.exists() or "ingest" in parts:
        from pipelines.ingest import ingest

        store.unlink(missing_ok=True)
        ingest([csv_export / "export", csv_export / "directory.csv"], store)
    if "network" not in parts:  # the store as `pulso ingest` publishes it: with the network measures
        import duckdb

        from metrics.network_precompute import network_tables
        from pipelines.ingest import build_extra

        con = duckdb.connect(str(store))
        try:
            if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'network_scopes'").fetchall()[0][0]:
                build_extra(con, (network_tables,))
        finally:
            con.close()
    measure_store(store, parts, args, work, results)
    results["goals"] = goals(results)
    print(table(results["goals"], ["goal", "target", "figure", "verdict"]))
    save(results, f"{args.events}-{'-'.join(parts)}")
    return 0


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else "met" if ok else "MISSED"


def goals(results: dict) -> list[dict]:
    """Each goal of the run next to its target (issue 15), from the parts that were measured."""
    out = []
    for row in results.get("ingest", []):
        if "ratio_to_floor" in row:
            ratio, peak = row["ratio_to_floor"], row["peak_rss_mb"]
            out.append({"goal": f"1 {row['name']}", "target": "<= 1.5x floor, peak <= 2,048 MB",
                        "figure": f"{ratio}x ({row['median_s']} s), peak {peak:,.0f} MB",
                        "verdict": _verdict(ratio <= 1.5 and peak <= 2048)})
    loads = {r["load"]: r for r in results.get("incremental", [])}
    if loads:
        full = loads["full load (base)"]["seconds"]
        for name, row in loads.items():
            if name.startswith("full"):
                continue
            out.append({"goal": f"2 {name}", "target": "proportional to what it adds + small constant",
                        "figure": f"{row['seconds']} s for {row['rows_added']:,} rows ({row['seconds'] / full:.2f}x "
                                  f"the full load of {full} s), peak {row['peak_rss_mb']:,} MB",
                        "verdict": _verdict(row["seconds"] <= 0.25 * full)})
    network = results.get("network")
    if network:
        pre = network["precompute"]
        out.append({"goal": "3 precompute at publish", "target": "(5: < 120 s at 100M)",
                    "figure": f"{pre['seconds']} s for {pre['scopes']} scopes, peak {pre['peak_rss_mb']:,} MB",
                    "verdict": _verdict(pre["seconds"] < 120)})
        worst = max(network["served"], key=lambda r: r["warm_median_s"])
        out.append({"goal": "3 network warm (standard scopes)", "target": "< 1 s",
                    "figure": f"slowest {worst['warm_median_s']} s ({worst['metric']}, {worst['scope']})",
                    "verdict": _verdict(worst["warm_median_s"] < 1)})
        for row in network["on_demand"]:
            out.append({"goal": f"3 on demand: {row['metric']}", "target": "< 10 s",
                        "figure": f"{row['seconds']} s, peak {row['peak_rss_mb']:,} MB",
                        "verdict": _verdict(row["seconds"] < 10)})
    metrics = results.get("metrics")
    if metrics:
        timed = [r for r in metrics if "warm_median_s" in r]
        worst = max(timed, key=lambda r: r["warm_median_s"])
        out.append({"goal": "metrics warm, one-year scope", "target": "< 1 s (5: < 3 s at 100M)",
                    "figure": f"slowest {worst['warm_median_s']} s ({worst['metric']})",
                    "verdict": _verdict(worst["warm_median_s"] < 1)})
    for row in results.get("dashboard", []):
        ok = row["first_render_s"] < 1 and row["cold_s"] < 3 and row["filter_change_s"] < 1 and not row["errors"]
        out.append({"goal": f"4 page {row['page']}", "target": "warm < 1 s, new process < 3 s, filter < 1 s",
                    "figure": f"warm {row['first_render_s']} s, new process {row['cold_s']} s, filter "
                              f"{row['filter_change_s']} s", "verdict": _verdict(ok)})
    bounded = results.get("bounded")
    if bounded:
        slow = max(bounded, key=lambda r: r["seconds"])
        big = max(bounded, key=lambda r: r["peak_rss_mb"])
        over = [r["request"] for r in bounded if r["seconds"] > 30 or r["peak_rss_mb"] > 2048]
        # a page with an error or a report that failed is no answer (their "rows": errors, exit code)
        over += [f"{r['request']} FAILED" for r in bounded if r["request"].startswith(("dashboard", "pulso report"))
                 and r["rows"] != 0]
        out.append({"goal": f"6 bounded requests ({len(bounded)})", "target": "each <= 30 s and <= 2,048 MB",
                    "figure": f"slowest {slow['seconds']} s ({slow['request']}); largest {big['peak_rss_mb']:,} MB "
                              f"({big['request']}); over: {', '.join(over) or 'none'}",
                    "verdict": _verdict(not over)})
    return out


def store_main(args) -> int:
    """The reading parts on an existing store (e.g. a 100M-event store built by `pulso ingest`)."""
    parts = args.only.split(",") if args.only != ",".join(PARTS) else ["network", "metrics"]
    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "store": str(args.store), "store_mb": round(args.store.stat().st_size / 1e6),
                     "runs": args.runs, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    measure_store(args.store, parts, args, work, results)
    results["goals"] = goals(results)
    print(table(results["goals"], ["goal", "target", "figure", "verdict"]))
    save(results, f"store-{args.store.stem}-{'-'.join(parts)}")
    return 0

def sample_main(args) -> int:
    """The bundled sample store: the page speeds the README promises; with --only lake, DuckDB vs Spark."""
    from pipelines.ingest import ingest

    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    store = work / "sample.duckdb"
    store.unlink(missing_ok=True)
    sample = ROOT / "data" / "sample"
    ingest([sample / "export", sample / "directory.csv"], store)
    results: dict = {"machine": machine(), "store": "data/sample", "runs": args.runs,
                     "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    view = warm = None
    if args.year:
        view = {"start": "2025-11-17", "end": "2026-11-15"}
        warm = {"start": "2026-11-09", "end": "2026-11-15"}
    results["period"] = "year" if args.year else "last week"
    asked = args.only.split(",")
    parts = [p for p in ("dashboard", "lake") if p in asked and (p != "lake" or args.only != ",".join(PARTS))]
    measure_store(store, parts, args, work, results, view=view, warm=warm)  # Spark only when asked for
    save(results, f"sample-{'year' if args.year else 'week'}-{'-'.join(parts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
