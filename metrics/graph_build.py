"""Person-to-person interaction edges in SQL, and graphs built from edge frames.

An *interaction event* is one of:

- a reply: the replier -> the author of the message replied to (weight 1);
- a mention: the author of a message -> each person it mentions (weight 1);
- a like (any reaction with a known person): the reactor -> the message's author
  (weight = the reaction's weight, 1 by default);
- a generic interaction from the ``interactions`` table (e-mail, meeting, co-work ...):
  its source -> its target, with its kind and weight (1 when missing).

Events are kept in the scope when their local day (organisation time zone) lies in
the scope's period; generic interactions without a time (static surveys) are kept in
every period but never fall in a period bucket. When the scope names groups, only
message-based events in those groups are kept (generic interactions belong to no group).
The sender must be in the scoped people (bots excluded); the receiver must be a
non-bot person and, for ``both_in_scope=True`` (network metrics), in the scope too.
Self-interactions (sender = receiver) are left out of edges and counted apart.

Graphs are always built from aggregated edge frames (one row per pair), never
from raw events row by row.
"""

from __future__ import annotations

import duckdb
import networkx as nx
import polars as pl

from metrics.store import org_timezone
from metrics.scope import Scope
from pulso.config import PulsoConfig, load_config

EVENTS_SQL = """
    SELECT r.author_id AS src, p.author_id AS dst, 'reply' AS kind, r.created_at AS ts,
           CAST(1 AS DOUBLE) AS weight, r.group_id AS group_id
    FROM messages r JOIN messages p ON p.message_id = r.replied_to_id
    UNION ALL
    SELECT author_id, mentioned, 'mention', created_at, CAST(1 AS DOUBLE), group_id
    FROM (SELECT author_id, created_at, group_id, unnest(mentions) AS mentioned
          FROM messages WHERE mentions IS NOT NULL)
    UNION ALL
    SELECT x.person_id, m.author_id, 'like', coalesce(x.created_at, m.created_at),
           CAST(coalesce(x.weight, 1) AS DOUBLE), m.group_id
    FROM reactions x JOIN messages m USING (message_id) WHERE x.person_id IS NOT NULL
    UNION ALL
    SELECT source_person_id, target_person_id, kind, occurred_at, CAST(coalesce(weight, 1) AS DOUBLE), NULL
    FROM interactions
"""


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run ``sql`` with bound ``params`` and return the whole result as a polars frame."""
    return con.sql(sql, params=params or []).pl()


def events_sql(scope: Scope, timezone: str, both_in_scope: bool = False, self_only: bool = False) -> tuple[str, list]:
    """SQL of the scoped interaction events.

    Columns: src, dst, kind, ts (UTC), day (local DATE, null when unknown), weight.
    Without ``self_only`` self-interactions are left out; with it, only they are returned.
    """
    people_sql, people_params = scope.scoped_people_sql()
    group_sql, group_params = scope.message_group_filter("ev")
    if both_in_scope:
        target_join, target_params = f"JOIN ({people_sql}) t ON t.person_id = ev.dst", list(people_params)
    else:
        target_join, target_params = ("JOIN people t ON t.person_id = ev.dst AND coalesce(t.is_bot, FALSE) = FALSE", [])
    self_clause = "ev.src = ev.dst" if self_only else "ev.src <> ev.dst"
    sql = f"""
        SELECT ev.src, ev.dst, ev.kind, ev.ts, ev.weight,
               CAST(timezone(?, CAST(ev.ts AS TIMESTAMPTZ)) AS DATE) AS day
        FROM ({EVENTS_SQL}) ev
        JOIN ({people_sql}) s ON s.person_id = ev.src
        {target_join}
        WHERE {self_clause} AND {group_sql}
          AND (ev.ts IS NULL OR CAST(timezone(?, CAST(ev.ts AS TIMESTAMPTZ)) AS DATE) BETWEEN ? AND ?)
    """
    params = [timezone, *people_params, *target_params, *group_params, timezone, scope.start, scope.end]
    return sql, params


def ranks_values(config: PulsoConfig) -> list:
    """Parameters for ``SELECT unnest(?) AS role, unnest(?) AS rank`` (rank 1 = top)."""
    roles = list(config.hierarchy.roles)
    return [roles, list(range(1, len(roles) + 1))]


def normalize_kinds(kinds) -> list[str] | None:
    """Kinds as a list: None/empty = all; a string is split on commas (as typed on the command line)."""
    if not kinds:
        return None
    if isinstance(kinds, str):
        kinds = [k for k in (part.strip() for part in kinds.split(",")) if k]
    return list(kinds) or None


def pair_edges(con: duckdb.DuckDBPyConnection, scope: Scope, config: PulsoConfig | None = None,
               kinds: tuple[str, ...] | None = None, by_period: bool = False) -> pl.DataFrame:
    """Edges aggregated per (source, target) over all kinds (or ``kinds``), both ends in scope.

    Columns: source_person_id, target_person_id, weight, events (and period when ``by_period``:
    the bucket of scope.granularity; events without a time are then left out).
    """
    config = config or load_config()
    sql, params = events_sql(scope, org_timezone(con), both_in_scope=True)
    kind_clause = ""
    kinds = normalize_kinds(kinds)
    if kinds:
        kind_clause = "WHERE kind IN (SELECT unnest(?))"
        params = params + [list(kinds)]
    if by_period:
        extra = kind_clause + (" AND " if kind_clause else "WHERE ") + "day IS NOT NULL"
        query = (f"SELECT CAST(date_trunc('{scope.granularity}', day) AS DATE) AS period, "
                 "src AS source_person_id, dst AS target_person_id, sum(weight) AS weight, count(*) AS events "
                 f"FROM ({sql}) {extra} GROUP BY ALL ORDER BY ALL")
    else:
        query = ("SELECT src AS source_person_id, dst AS target_person_id, sum(weight) AS weight, "
                 f"count(*) AS events FROM ({sql}) {kind_clause} GROUP BY ALL ORDER BY ALL")
    return frame(con, query, params)


def scoped_people(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """person_id, display_name, region, office, role of the scoped people (bots excluded)."""
    sql, params = scope.scoped_people_sql()
    return frame(con, f"SELECT person_id, display_name, region, office, role FROM ({sql}) ORDER BY person_id",
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
