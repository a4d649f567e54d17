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
from raw events row by row. The scoped acts are an Ibis expression
(``scoped_acts``): the flows built on them run on DuckDB and on Spark.
"""

from __future__ import annotations

from functools import cache

import duckdb
import ibis
import networkx as nx
import polars as pl

from pulso.core import expr as E
from pulso.core.expr import Engine
from pulso.core.scope import Scope, ScopeShape, people_in_scope


ACTS_ARGS = E.Args("acts_args", period_start="date", period_end="date")
KINDS_TABLE = "act_kinds"


@cache
def scoped_acts(shape: ScopeShape, both_in_scope: bool = False, self_only: bool = False,
                by_kind: bool = False) -> ibis.Table:
    """The scoped acts: src, dst, kind, ts (UTC), day, weight. The sender is in scope; the receiver is a non-bot
    person (in scope too with ``both_in_scope``); self-acts are left out (only they are kept with ``self_only``);
    with ``by_kind`` only the kinds listed in the ``act_kinds`` table. Reads ``acts_args`` for the period."""
    sp = people_in_scope(shape)
    x = ACTS_ARGS.join(E.table("acts"))
    if both_in_scope:
        targets = sp.person_id
    else:
        pf = E.table("person_facts")
        targets = pf.filter(~pf.is_bot).person_id
    keep = [x.source_person_id.isin(sp.person_id), x.target_person_id.isin(targets),
            x.is_self if self_only else ~x.is_self,
            x.day.isnull() | x.day.between(x.period_start, x.period_end)]
    if shape.groups:
        keep.append(x.group_id.isin(ibis.table({"value": "string"}, name="scope_groups").value))
    if by_kind:
        keep.append(x.kind.isin(ibis.table({"value": "string"}, name=KINDS_TABLE).value))
    x = x.filter(*keep)
    return x.select(src=x.source_person_id, dst=x.target_person_id, kind=x.kind, ts=x.occurred_at, day=x.day,
                    weight=x.weight)


def acts_inputs(scope: Scope, kinds: tuple[str, ...] | None = None) -> dict:
    """The data ``scoped_acts`` reads for ``scope`` (and the chosen kinds)."""
    inputs = {**scope.inputs(), **ACTS_ARGS.data(period_start=scope.start, period_end=scope.end)}
    if kinds:
        inputs.update(E.list_table(KINDS_TABLE, kinds))
    return inputs


@cache
def _pair_expression(shape: ScopeShape, by_kind: bool, granularity: str | None, undated: bool = False) -> ibis.Table:
    ev = scoped_acts(shape, both_in_scope=True, by_kind=by_kind)
    if granularity:
        if not undated:
            ev = ev.filter(ev.day.notnull())
        return ev.group_by(period=E.bucket_start(ev.day, granularity), source_person_id=ev.src,
                           target_person_id=ev.dst).aggregate(weight=ev.weight.sum(), events=ev.count()).order_by(
            ibis.asc("period", nulls_first=False), "source_person_id", "target_person_id")
    return ev.group_by(source_person_id=ev.src, target_person_id=ev.dst).aggregate(
        weight=ev.weight.sum(), events=ev.count()).order_by("source_person_id", "target_person_id")


def pair_edges(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds: tuple[str, ...] | None = None,
               by_period: bool = False, undated: bool = False) -> pl.DataFrame:
    """Edges aggregated per (source, target) over all kinds (or ``kinds``), both ends in scope.

    Columns: source_person_id, target_person_id, weight, events (and period when ``by_period``:
    the bucket of scope.granularity; undated acts are then left out, or with ``undated`` kept with a null period).
    """
    expression = _pair_expression(scope.shape, bool(kinds), scope.granularity if by_period else None,
                                  by_period and undated)
    return E.engine_of(con).frame(expression, acts_inputs(scope, kinds))


def self_loops(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds: tuple[str, ...] | None = None,
               by_period: bool = False) -> dict:
    """People in scope with an act towards themself, per bucket of scope.granularity (None: undated acts) or,
    without ``by_period``, over the whole scope (key None): the self-loops a graph of the acts would have."""
    expression = _self_loop_expression(scope.shape, bool(kinds), scope.granularity if by_period else None)
    return dict(E.engine_of(con).frame(expression, acts_inputs(scope, kinds)).iter_rows())


@cache
def _self_loop_expression(shape: ScopeShape, by_kind: bool, granularity: str | None) -> ibis.Table:
    ev = scoped_acts(shape, self_only=True, by_kind=by_kind)
    period = E.bucket_start(ev.day, granularity) if granularity else ibis.null("date")
    return ev.group_by(period=period).aggregate(n=ev.src.nunique())


def scoped_people(con: duckdb.DuckDBPyConnection | Engine, scope: Scope) -> pl.DataFrame:
    """person_id, display_name, region, office, role of the scoped people (bots excluded)."""
    return E.engine_of(con).frame(_people_expression(scope.shape), scope.inputs())


@cache
def _people_expression(shape: ScopeShape) -> ibis.Table:
    sp = people_in_scope(shape)
    return sp.select("person_id", "display_name", "region", "office", "role").order_by("person_id")


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
