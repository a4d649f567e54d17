"""``python -m bench.run``: generate the scalable sample, measure, print and save a table.

Examples:
    python -m bench.run --events 1000000                # ingest + metrics + flows + dashboard at 1M events
    python -m bench.run --events 10000000 --runs 3      # the 10M figures of docs/performance.md
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
PARTS = ("ingest", "metrics", "flows", "dashboard", "lake")
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
    args = parser.parse_args(argv)
    if args.sample:
        return sample_main(args)
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
    if not store.exists() or "ingest" in parts:
        from pipelines.ingest import ingest

        store.unlink(missing_ok=True)
        ingest([csv_export / "export", csv_export / "directory.csv"], store)
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

        results["dashboard"] = bench_dashboard(store, args.runs)
        print(table(results["dashboard"], ["page", "cold_s", "first_render_s", "filter_change_s", "peak_rss_mb",
                                           "errors"]))
    if "lake" in parts:
        from bench.lake_bench import bench_lake

        results["lake"] = bench_lake(store, work, args.runs, args.spark_memory)
        print(table(results["lake"], ["step", "seconds", "peak_mb", "duckdb_s", "spark_s", "spark_first_s", "note"]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%d}-{args.events}-{'-'.join(parts)}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


def sample_main(args) -> int:
    """The bundled sample store: the page speeds the README promises; with --only lake, DuckDB vs Spark."""
    from bench.dashboard_bench import bench_dashboard
    from pipelines.ingest import ingest

    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    store = work / "sample.duckdb"
    store.unlink(missing_ok=True)
    sample = ROOT / "data" / "sample"
    ingest([sample / "export", sample / "directory.csv"], store)
    results: dict = {"machine": machine(), "store": "data/sample", "runs": args.runs,
                     "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if "dashboard" in args.only.split(","):
        view = warm = None
        if args.year:
            view = {"start": "2025-11-17", "end": "2026-11-15"}
            warm = {"start": "2026-11-09", "end": "2026-11-15"}
        results["period"] = "year" if args.year else "last week"
        results["dashboard"] = bench_dashboard(store, args.runs, view=view, warm=warm)
        print(table(results["dashboard"], ["page", "cold_s", "first_render_s", "filter_change_s", "peak_rss_mb",
                                           "errors"]))
    if "lake" in args.only.split(",") and args.only != ",".join(PARTS):  # Spark only when asked for
        from bench.lake_bench import bench_lake

        results["lake"] = bench_lake(store, work, args.runs, args.spark_memory)
        print(table(results["lake"], ["step", "seconds", "peak_mb", "duckdb_s", "spark_s", "spark_first_s", "note"]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    parts = "-".join(p for p in ("dashboard", "lake") if p in results)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%d}-sample-{'year' if args.year else 'week'}-{parts}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
