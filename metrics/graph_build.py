"""The scoped person-to-person edges, and graphs built from edge frames.

Edges are the rows of the derived table ``acts`` (replies, mentions, likes and
generic interactions; see its meaning in docs/data-model.md). An act is kept in
the scope when its local day lies in the period; undated generic interactions
(static surveys) are kept in every period but never fall in a period bucket.
When the scope names groups, only acts on messages of those groups are kept
(generic interactions belong to no group). The sender must be in the scoped
people (bots excluded); the receiver must be a non-bot person and, with
``both_in_scope=True`` (network metrics), in the scope too. Self-acts are left
out of edges and counted apart.

Graphs are always built from aggregated edge frames (one row per pair), never
from raw events row by row.
"""

from __future__ import annotations

import duckdb
import networkx as nx
import polars as pl

from pulso.core.scope import Scope
from pulso.core.sql import frame


def events_sql(scope: Scope, both_in_scope: bool = False, self_only: bool = False,
               kinds: tuple[str, ...] | None = None) -> tuple[str, list]:
    """``WITH sp AS (...), ev AS (...)`` -- the scoped acts as ``ev``: src, dst, kind, ts (UTC), day, weight, and
    its parameters. Without ``self_only`` self-acts are left out; with it, only they are kept."""
    sp, params = scope.people_cte()
    group_condition, group_params = scope.group_condition("x.group_id")
    target = "sp" if both_in_scope else "(SELECT person_id FROM person_facts WHERE NOT is_bot)"
    kind_condition, kind_params = ("x.kind IN (SELECT unnest(?::VARCHAR[]))", [list(kinds)]) if kinds else ("TRUE", [])
    sql = f"""
        WITH {sp},
        ev AS (
            SELECT x.source_person_id AS src, x.target_person_id AS dst, x.kind, x.occurred_at AS ts, x.day, x.weight
            FROM acts x JOIN sp s ON s.person_id = x.source_person_id
            JOIN {target} t ON t.person_id = x.target_person_id
            WHERE {'x.is_self' if self_only else 'NOT x.is_self'} AND {group_condition} AND {kind_condition}
              AND (x.day IS NULL OR x.day BETWEEN ? AND ?))"""
    return sql, params + group_params + kind_params + [scope.start, scope.end]


def pair_edges(con: duckdb.DuckDBPyConnection, scope: Scope, kinds: tuple[str, ...] | None = None,
               by_period: bool = False, undated: bool = False) -> pl.DataFrame:
    """Edges aggregated per (source, target) over all kinds (or ``kinds``), both ends in scope.

    Columns: source_person_id, target_person_id, weight, events (and period when ``by_period``:
    the bucket of scope.granularity; undated acts are then left out, or with ``undated`` kept with a null period).
    """
    sql, params = events_sql(scope, both_in_scope=True, kinds=kinds)
    if by_period:
        return frame(con, f"""{sql}
            SELECT CAST(date_trunc(?, day) AS DATE) AS period, src AS source_person_id, dst AS target_person_id,
                   sum(weight) AS weight, count(*) AS events
            FROM ev WHERE day IS NOT NULL OR ? GROUP BY ALL ORDER BY ALL""", params + [scope.granularity, undated])
    return frame(con, f"""{sql}
        SELECT src AS source_person_id, dst AS target_person_id, sum(weight) AS weight, count(*) AS events
        FROM ev GROUP BY ALL ORDER BY ALL""", params)


def self_loops(con: duckdb.DuckDBPyConnection, scope: Scope, kinds: tuple[str, ...] | None = None,
               by_period: bool = False) -> dict:
    """People in scope with an act towards themself, per bucket of scope.granularity (None: undated acts) or,
    without ``by_period``, over the whole scope (key None): the self-loops a graph of the acts would have."""
    sql, params = events_sql(scope, self_only=True, kinds=kinds)
    bucket = "CAST(date_trunc(?, day) AS DATE)" if by_period else "CAST(NULL AS DATE)"
    found = frame(con, f"{sql} SELECT {bucket} AS period, count(DISTINCT src) AS n FROM ev GROUP BY ALL",
                  params + ([scope.granularity] if by_period else []))
    return dict(found.iter_rows())


def scoped_people(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """person_id, display_name, region, office, role of the scoped people (bots excluded)."""
    sp, params = scope.people_cte()
    return frame(con, f"WITH {sp} SELECT person_id, display_name, region, office, role FROM sp ORDER BY person_id",
                 params)


def build_digraph(edges: pl.DataFrame, people: pl.DataFrame | None = None) -> nx.DiGraph:
    """Weighted DiGraph from an aggregated edge frame (source_person_id, target_person_id, weight).

    Every row of ``people`` becomes a node (so isolated people count), with its
    region, office and role as node attributes.
    """
    graph = nx.DiGraph()
    if people is not None and people.height:
        graph.add_nodes_from(
            (row["person_id"], {"region": row["region"], "office": row["office"], "role": row["role"]})
            for row in people.iter_rows(named=True)
        )
    graph.add_weighted_edges_from(edges.select("source_person_id", "target_person_id", "weight").iter_rows())
    return graph


def undirected(graph: nx.DiGraph) -> nx.Graph:
    """Undirected graph for community and clustering measures: a tie's weight is the sum of both directions.

    Built once per graph and kept in ``graph.graph`` (graphs are not changed after they are built)."""
    cached = graph.graph.get("_undirected")
    if cached is not None and cached[0] == (graph.number_of_nodes(), graph.number_of_edges()):
        return cached[1]
    result = nx.Graph()
    result.add_nodes_from(graph.nodes(data=True))
    for u, v, w in graph.edges(data="weight"):
        if result.has_edge(u, v):
            result[u][v]["weight"] += w
        else:
            result.add_edge(u, v, weight=w)
    graph.graph["_undirected"] = ((graph.number_of_nodes(), graph.number_of_edges()), result)
    return result
