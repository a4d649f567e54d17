"""The network measures of the standard scopes, computed once at publish.

``network_tables(con)`` builds the interaction graph of each **standard scope** once -- the last complete week,
the last 4 weeks, the last 13 weeks (quarter) and the last 52 weeks (year), all ending on the last complete
Monday-Sunday week of the data, each clipped to the data's span as ``compute`` clips any period; for the whole
organisation and for each region; counting every interaction kind, and counting replies and mentions (what the
dashboard's network shows by default) -- and returns, as frames for the tables declared in
``pulso.core.schema.NETWORK_TABLES``, what the network metrics answer for it with their default parameters:
centrality, communities, the match of communities with regions (its figures: the sentence is written when
served, in the language asked), silos, every region bridge ranked, and (counting every kind) the graph summary by
week and for the whole scope.

The answers are the metrics' own functions on the same graph, so a metric that serves a stored answer returns
exactly what it would compute (tests/metrics/test_network_precompute.py checks it for every standard scope).

The CLI's publish step runs it (``pulso ingest`` passes it to ``pipelines.ingest.ingest`` as a builder: the
pipelines never import the metrics) and the pipelines write the frames into the new store before it is published.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import duckdb
import polars as pl

from metrics.network import (
    EXACT_DIAMETER_NODES, PRECOMPUTED_PARAMETERS, build_scope_graph, bridges_frame, centrality_frame,
    communities_frame, graph_summary, normal_kinds, partition_match, silos_frame,
)
from metrics.parameters import act_kinds
from metrics.store import data_span
from pulso.core.periods import last_complete_week
from pulso.core.scope import Scope
from pulso.core.sql import rows

# Standard periods: how many complete weeks, ending on the last complete week of the data.
STANDARD_PERIODS = {"week": 1, "4weeks": 4, "quarter": 13, "year": 52}
# The kinds the dashboard's network counts by default (dashboard/views/flujos.py DEFAULT_KINDS).
WRITTEN_KINDS = ("reply", "mention")


def standard_periods(last_day: date) -> dict[str, tuple[date, date]]:
    """label -> (first, last day) of each standard period for data whose last day is ``last_day``."""
    _, end = last_complete_week(last_day)
    return {label: (end - timedelta(days=7 * weeks - 1), end) for label, weeks in STANDARD_PERIODS.items()}


def standard_scopes(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every standard scope of the store: period label, region (None = whole organisation), kinds (None = every
    kind) and the clipped ``Scope``. Periods that clip to the same days as a shorter one are listed once."""
    span = data_span(con)
    if span is None:
        return []
    first, last = span
    regions = [r for (r,) in rows(con, "SELECT DISTINCT region FROM person_facts WHERE NOT is_bot ORDER BY region")]
    held = set(act_kinds(con))
    written = normal_kinds([k for k in WRITTEN_KINDS if k in held])
    kind_sets = [None] + ([written] if written else [])
    out, seen = [], set()
    for label, (start, end) in standard_periods(last).items():
        clipped = Scope(start, end).clipped(first, last)
        if clipped is None:
            continue
        for region in [None, *regions]:
            scope = clipped if region is None else Scope(clipped.start, clipped.end, regions=(region,))
            for kinds in kind_sets:
                key = (scope.start, scope.end, region, kinds)
                if key not in seen:
                    seen.add(key)
                    out.append({"period": label, "region": region, "kinds": kinds, "scope": scope})
    return out


def _numbered(frame: pl.DataFrame, scope_id: int) -> pl.DataFrame:
    return frame.select(pl.lit(scope_id, pl.Int32).alias("scope_id"),
                        pl.int_range(pl.len(), dtype=pl.Int32).alias("position"), pl.all())


def weekly_summary(con: duckdb.DuckDBPyConnection, scope: Scope, kinds: tuple[str, ...] | None,
                   longer: pl.DataFrame | None) -> pl.DataFrame:
    """``graph_summary`` by week of ``scope``. Standard periods are whole weeks ending on the same Sunday, so the
    rows of a shorter period are the last rows of a longer one of the same region and kinds (``longer``): each
    row is one week's graph, the same people and the same undated interactions; those are reused."""
    if longer is not None:
        dated = longer.filter(pl.col("period").is_not_null())
        if dated.height and dated["period"].min() <= scope.start:
            return longer.filter(pl.col("period").is_null() | pl.col("period").is_between(scope.start, scope.end))
    return graph_summary(con, scope, by_period=True, kinds=kinds, exact_diameter_nodes=EXACT_DIAMETER_NODES)


def scope_measures(con: duckdb.DuckDBPyConnection, scope: Scope, kinds: tuple[str, ...] | None,
                   summaries: bool, longer: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The measures of one scope's graph (built once), as the network metrics answer with their defaults;
    ``longer``: the weekly summary of a longer standard period of the same region and kinds."""
    seed, resolution = PRECOMPUTED_PARAMETERS["seed"], PRECOMPUTED_PARAMETERS["resolution"]
    graph = build_scope_graph(con, scope, kinds)
    match = partition_match(graph, seed=seed, resolution=resolution)
    match.pop("interpretation")
    out = {
        "network_centrality": centrality_frame(graph, k=PRECOMPUTED_PARAMETERS["k"], seed=seed),
        "network_communities": communities_frame(graph, seed=seed, resolution=resolution),
        "network_match": pl.DataFrame([match]),
        "network_silos": silos_frame(graph),
        "network_bridges": bridges_frame(graph, top=0),
        "_graph": pl.DataFrame({"tie_min_weight": [float(graph.graph["min_weight"])],
                                "nodes": [graph.number_of_nodes()], "edges": [graph.number_of_edges()]}),
    }
    if summaries:
        weekly = weekly_summary(con, scope, kinds, longer)
        whole = graph_summary(con, scope, by_period=False, kinds=kinds, exact_diameter_nodes=EXACT_DIAMETER_NODES)
        out["network_summary"] = pl.concat([frame.select(pl.lit(by_period).alias("by_period"), pl.all())
                                            for by_period, frame in ((True, weekly), (False, whole))])
    return out


def network_tables(con: duckdb.DuckDBPyConnection, progress=None) -> dict[str, pl.DataFrame]:
    """Frames for every table of ``NETWORK_TABLES``: the standard scopes and their measures. ``progress``: called
    with each scope's row when it is done (for a caller that reports)."""
    parts: dict[str, list[pl.DataFrame]] = {}
    scopes = []
    weekly: dict[tuple, pl.DataFrame] = {}  # (region, kinds) -> weekly summary of the longest period done
    ordered = sorted(enumerate(standard_scopes(con)), key=lambda item: item[1]["scope"].start)  # longest first
    for scope_id, standard in ordered:
        started = time.perf_counter()
        scope, kinds = standard["scope"], standard["kinds"]
        key = (standard["region"], kinds)
        measures = scope_measures(con, scope, kinds, summaries=kinds is None, longer=weekly.get(key))
        if "network_summary" in measures and key not in weekly:
            weekly[key] = measures["network_summary"].filter(pl.col("by_period")).drop("by_period")
        graph = measures.pop("_graph").row(0, named=True)
        for name, found in measures.items():
            parts.setdefault(name, []).append(_numbered(found, scope_id))
        row = {"scope_id": scope_id, "period": standard["period"], "region": standard["region"],
               "kinds": ",".join(kinds or ()), "start_day": scope.start, "end_day": scope.end, **graph,
               "seconds": time.perf_counter() - started}
        scopes.append(row)
        if progress:
            progress(row)
    scopes.sort(key=lambda row: row["scope_id"])
    parts = {name: sorted(frames, key=lambda f: f["scope_id"][0] if f.height else -1) for name, frames in parts.items()}
    out = {"network_scopes": pl.DataFrame(scopes, schema={
        "scope_id": pl.Int32, "period": pl.String, "region": pl.String, "kinds": pl.String, "start_day": pl.Date,
        "end_day": pl.Date, "tie_min_weight": pl.Float64, "nodes": pl.Int64, "edges": pl.Int64,
        "seconds": pl.Float64})}
    for name, frames in parts.items():
        out[name] = pl.concat(frames, how="vertical_relaxed")
    return out
