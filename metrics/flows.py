"""Feedback flows: who interacts with whom across the hierarchy (the 360-degree map).

Edges are the scoped acts of ``metrics.graph_build.scoped_acts`` (replies,
mentions, likes and generic interactions; bots and self-acts left out; the
sender is in the scope, the receiver is any non-bot person). Ranks are
``person_facts.role_rank``, from the settings' hierarchy (rank 1 = top); a role
not in it is *unranked*.

Direction of an edge (sender -> receiver), weighted by the edge weight:
- upward: the receiver's rank is higher (smaller number); downward: lower; horizontal: equal;
  unranked: either role is not in the hierarchy. These four shares add up to 1.
- to_own_manager: the receiver is the sender's direct manager (directory manager_id);
  to_own_report: the sender is the receiver's direct manager;
  skip_level_up / skip_level_down: the receiver is a manager two or more levels above /
  below the sender in the manager chain;
  across_offices: different (region, office); across_regions: different region (both only
  when both people are in the org directory: unassigned people count in no "across" share).
Every share's denominator is the total weight of the edges of the row. The chain of command is the derived
table ``manager_chain``. Every metric here is an Ibis expression (``pulso.core.expr``): it runs on DuckDB and
on Spark.
"""

from __future__ import annotations

from functools import cache

import duckdb
import ibis
import polars as pl

from metrics.columns import PERIOD, SEGMENT, SHARE, WEIGHT
from metrics.graph_build import acts_inputs, scoped_acts
from metrics.parameters import KINDS, by
from metrics.registry import WHOLE_SCOPE, Cells, col, metric
from pulso.core import expr as E
from pulso.core.expr import Engine
from pulso.core.scope import UNASSIGNED, Scope, ScopeShape

EDGE_FACTS = ("people",)
ANY_EDGE_FACT = ("messages", "interactions")
DIRECTION_SHARES = {
    "upward": ("Hacia arriba", "Upward", lambda e: e.s_rank.notnull() & e.t_rank.notnull() & (e.t_rank < e.s_rank)),
    "downward": ("Hacia abajo", "Downward", lambda e: e.s_rank.notnull() & e.t_rank.notnull() & (e.t_rank > e.s_rank)),
    "horizontal": ("Horizontal", "Horizontal",
                   lambda e: e.s_rank.notnull() & e.t_rank.notnull() & (e.t_rank == e.s_rank)),
    "unranked": ("Sin rango", "Unranked", lambda e: e.s_rank.isnull() | e.t_rank.isnull()),
    "to_own_manager": ("A su jefe directo", "To own manager", lambda e: e.up_depth == 1),
    "to_own_report": ("A su reporte directo", "To own report", lambda e: e.down_depth == 1),
    "skip_level_up": ("Saltando niveles hacia arriba", "Skip-level up", lambda e: e.up_depth >= 2),
    "skip_level_down": ("Saltando niveles hacia abajo", "Skip-level down", lambda e: e.down_depth >= 2),
    "across_offices": ("Entre oficinas", "Across offices",
                       lambda e: (e.s_region != UNASSIGNED) & (e.t_region != UNASSIGNED)
                       & ((e.s_region != e.t_region) | (e.s_office != e.t_office))),
    "across_regions": ("Entre regiones", "Across regions",
                       lambda e: (e.s_region != UNASSIGNED) & (e.t_region != UNASSIGNED) & (e.s_region != e.t_region)),
}
SHARE_COLUMNS = tuple(col(name, "float", es, en, "ratio") for name, (es, en, _) in DIRECTION_SHARES.items())
TOTALS = (col("total_weight", "float", "Peso total", "Total weight", "number"),
          col("pairs", "int", "Pares", "Pairs", "count"))
PERSON_PAIR = (col("source_person_id", "str", "Emisor (ID)", "Sender (ID)", "id"),
               col("target_person_id", "str", "Receptor (ID)", "Receiver (ID)", "id"))


@metric("interaction_edges", label={"es": "Interacciones entre personas", "en": "Person-to-person interactions"},
        description={"es": "Quién interactúa con quién: respuestas, menciones, me gusta e interacciones genéricas.",
                     "en": "Who interacts with whom: replies, mentions, likes and generic interactions."},
        definition={"es": "Por par emisor→receptor y tipo: suma de pesos, primera y última vez; sin bots ni "
                          "auto-interacciones. Respuesta: quien responde → autor; me gusta: quien reacciona → autor.",
                    "en": "Per sender→receiver pair and kind: summed weight, first and last time; bots and "
                          "self-interactions left out. Reply: replier → author; like: liker → author."},
        columns=(*PERSON_PAIR, col("kind", "str", "Tipo", "Kind", "code"), WEIGHT,
                 col("events", "int", "Eventos", "Events", "count"),
                 col("first_at", "datetime", "Primera vez", "First time", "datetime"),
                 col("last_at", "datetime", "Última vez", "Last time", "datetime")),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows", shared=True,
        person_level=True, person_columns=("source_person_id", "target_person_id"))
def interaction_edges(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds=None) -> pl.DataFrame:
    return E.engine_of(con).frame(_edges_expression(scope.shape, bool(kinds)), acts_inputs(scope, kinds))


@cache
def _edges_expression(shape: ScopeShape, by_kind: bool) -> ibis.Table:
    ev = scoped_acts(shape, by_kind=by_kind)
    return ev.group_by(source_person_id=ev.src, target_person_id=ev.dst, kind=ev.kind).aggregate(
        weight=ev.weight.sum(), events=ev.count(), first_at=ev.ts.min(), last_at=ev.ts.max()).order_by(
        "source_person_id", "target_person_id", "kind")


@metric("self_interactions", label={"es": "Auto-interacciones excluidas", "en": "Self-interactions left out"},
        description={"es": "Interacciones de una persona consigo misma, que no cuentan como flujo.",
                     "en": "Interactions of a person with themself, which do not count as flows."},
        definition={"es": "Por tipo: número de eventos con emisor = receptor y su peso total.",
                    "en": "Per kind: number of events whose sender is the receiver, and their total weight."},
        columns=(col("kind", "str", "Tipo", "Kind", "code"), col("count", "int", "Eventos", "Events", "count"), WEIGHT),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, group="flows", shared=True,
        cells=WHOLE_SCOPE)
def self_interactions(con: duckdb.DuckDBPyConnection | Engine, scope: Scope) -> pl.DataFrame:
    return E.engine_of(con).frame(_self_expression(scope.shape), acts_inputs(scope))


@cache
def _self_expression(shape: ScopeShape) -> ibis.Table:
    ev = scoped_acts(shape, self_only=True)
    return ev.group_by("kind").aggregate(count=ev.count(), weight=ev.weight.sum()).order_by("kind")


def attributed_edges(shape: ScopeShape, by_kind: bool, granularity: str | None) -> ibis.Table:
    """Edges aggregated per (grp, sender, receiver) -- grp is 'all', or the bucket of ``granularity`` holding the
    act's day -- with both ends' rank, office, region and role and their distance in the chain of command."""
    ev = scoped_acts(shape, by_kind=by_kind)
    grp = E.bucket_start(ev.day, granularity) if granularity else ibis.literal("all")
    agg = ev.group_by(grp=grp, src=ev.src, dst=ev.dst).aggregate(weight=ev.weight.sum())
    pf = E.table("person_facts")
    s = pf.select(_s_id="person_id", s_region="region", s_office="office", s_role="role", s_rank="role_rank")
    t = pf.select(_t_id="person_id", t_region="region", t_office="office", t_role="role", t_rank="role_rank")
    chain = E.table("manager_chain")
    up = chain.select(_u_person="person_id", _u_ancestor="ancestor_id", up_depth="depth")
    down = chain.select(_d_person="person_id", _d_ancestor="ancestor_id", down_depth="depth")
    e = agg.inner_join(s, agg.src == s._s_id).inner_join(t, agg.dst == t._t_id)
    e = e.left_join(up, (e.src == up._u_person) & (e.dst == up._u_ancestor))
    e = e.left_join(down, (e.dst == down._d_person) & (e.src == down._d_ancestor))
    return e.select("grp", "src", "dst", "weight", "s_region", "s_office", "s_role", "s_rank", "t_region", "t_office",
                    "t_role", "t_rank", "up_depth", "down_depth")


@cache
def direction_expression(shape: ScopeShape, by_kind: bool, granularity: str | None, by_region: bool) -> ibis.Table:
    """grp, total_weight, pairs and every direction share (see the module docstring)."""
    e = attributed_edges(shape, by_kind, granularity)
    if granularity:
        e = e.filter(e.grp.notnull())
    total = e.weight.sum()
    shares = {name: ibis.ifelse(condition(e), e.weight, 0.0).sum() / total
              for name, (_, _, condition) in DIRECTION_SHARES.items()}
    return e.group_by(grp=e.s_region if by_region else e.grp).aggregate(
        total_weight=total, pairs=e.count(), **shares).order_by("grp")


def direction_frame(con, scope: Scope, kinds, granularity: str | None = None, by_region: bool = False) -> pl.DataFrame:
    expression = direction_expression(scope.shape, bool(kinds), granularity, by_region)
    return E.engine_of(con).frame(expression, acts_inputs(scope, kinds))


DIRECTION_DEFINITION = {
    "es": "Proporción del peso de las interacciones: ascendente (receptor de rango mayor), descendente, horizontal "
          "(mismo rango), sin rango; a su jefe directo, a su reporte directo, saltando niveles, entre oficinas y "
          "entre regiones. Por defecto cuenta todos los tipos; el parámetro kinds elige (p. ej. reply,mention).",
    "en": "Share of interaction weight: upward (receiver ranks higher), downward, horizontal (same rank), unranked; "
          "to own manager, to own report, skip-level up/down, across offices and across regions. All kinds count "
          "by default; the kinds parameter chooses (e.g. reply,mention).",
}


@metric("feedback_direction", label={"es": "Dirección de la retroalimentación", "en": "Feedback direction"},
        description={"es": "Cuánto fluye hacia arriba, hacia abajo y entre pares, y por la línea de mando.",
                     "en": "How much flows up, down and across the hierarchy, and along the chain of command."},
        definition=DIRECTION_DEFINITION, columns=(SEGMENT, *TOTALS, *SHARE_COLUMNS),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT,
        parameters=(by(("none", "region"), "none", "Desglose: none (total, segmento 'all') o region (región del emisor).",
                       "Breakdown: none (total, segment 'all') or region (the sender's region)."), KINDS),
        group="flows", shared=True,
        cells=Cells(key="segment", by=(("none", None, False), ("region", "region", True))))
def feedback_direction(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, by: str = "none",
                       kinds=None) -> pl.DataFrame:
    return direction_frame(con, scope, kinds, by_region=by == "region").rename({"grp": "segment"})


@metric("feedback_direction_trend", label={"es": "Tendencia de la dirección", "en": "Feedback direction trend"},
        description={"es": "Las proporciones de dirección por periodo, para ver si cambian.",
                     "en": "The direction shares per period, to see whether they change."},
        definition={"es": "Igual que la dirección de la retroalimentación, por periodo de la granularidad del alcance "
                          "(las interacciones sin fecha no entran en ningún periodo).",
                    "en": "As feedback direction, per bucket of the scope's granularity (undated interactions fall "
                          "in no bucket)."},
        columns=(PERIOD, *TOTALS, *SHARE_COLUMNS), requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT,
        parameters=(KINDS,), group="flows", shared=True,
        cells=WHOLE_SCOPE)
def feedback_direction_trend(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds=None) -> pl.DataFrame:
    return direction_frame(con, scope, kinds, granularity=scope.granularity).rename({"grp": "period"})


@cache
def matrix_expression(shape: ScopeShape, by_kind: bool, side: str) -> ibis.Table:
    """sender, receiver (their role or region), s_rank, t_rank, weight: the edges' weight per pair of sides."""
    e = attributed_edges(shape, by_kind, None)
    return e.group_by(sender=e[f"s_{side}"], receiver=e[f"t_{side}"]).aggregate(
        s_rank=e.s_rank.min(), t_rank=e.t_rank.min(), weight=e.weight.sum())


def matrix(con, scope: Scope, side: str, kinds) -> pl.DataFrame:
    result = E.engine_of(con).frame(matrix_expression(scope.shape, bool(kinds), side), acts_inputs(scope, kinds))
    total = result["weight"].sum() if result.height else 0
    return result.with_columns(share=pl.col("weight") / total if total else pl.lit(0.0))


RANKS = (col("sender_rank", "int32", "Rango emisor", "Sender rank", "number"),
         col("receiver_rank", "int32", "Rango receptor", "Receiver rank", "number"))


@metric("role_flow_matrix", label={"es": "Flujo entre roles", "en": "Role-to-role flow"},
        description={"es": "Matriz rol emisor × rol receptor del peso de las interacciones.",
                     "en": "Sender role × receiver role matrix of interaction weight."},
        definition={"es": "Peso por par de roles y su proporción del total; roles ordenados por rango.",
                    "en": "Weight per role pair and its share of the total; roles ordered by rank."},
        columns=(col("sender_role", "str", "Rol emisor", "Sender role", "role"),
                 col("receiver_role", "str", "Rol receptor", "Receiver role", "role"), *RANKS, WEIGHT, SHARE),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows", shared=True,
        cells=Cells(matrix=("sender_role", "receiver_role"), dimension="role", keys=("sender_rank", "receiver_rank")))
def role_flow_matrix(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds=None) -> pl.DataFrame:
    return (matrix(con, scope, "role", kinds)
            .rename({"sender": "sender_role", "receiver": "receiver_role", "s_rank": "sender_rank",
                     "t_rank": "receiver_rank"})
            .sort(["sender_rank", "sender_role", "receiver_rank", "receiver_role"], nulls_last=True)
            .select("sender_role", "receiver_role", "sender_rank", "receiver_rank", "weight", "share"))


@metric("region_flow_matrix", label={"es": "Flujo entre regiones", "en": "Region-to-region flow"},
        description={"es": "Matriz región emisora × región receptora del peso de las interacciones.",
                     "en": "Sender region × receiver region matrix of interaction weight."},
        definition={"es": "Peso por par de regiones y su proporción del total.",
                    "en": "Weight per region pair and its share of the total."},
        columns=(col("sender_region", "str", "Región emisora", "Sender region", "unit"),
                 col("receiver_region", "str", "Región receptora", "Receiver region", "unit"), WEIGHT, SHARE),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows", shared=True,
        cells=Cells(matrix=("sender_region", "receiver_region"), dimension="region"))
def region_flow_matrix(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds=None) -> pl.DataFrame:
    return (matrix(con, scope, "region", kinds).rename({"sender": "sender_region", "receiver": "receiver_region"})
            .sort(["sender_region", "receiver_region"]).select("sender_region", "receiver_region", "weight", "share"))


@metric("role_flow_sankey", label={"es": "Sankey de flujo entre roles", "en": "Role flow Sankey"},
        description={"es": "Datos para un diagrama Sankey: rol del emisor → rol del receptor.",
                     "en": "Data for a Sankey diagram: sender role → receiver role."},
        definition={"es": "Un enlace por par de roles con su peso; roles ordenados por rango (1 = más alto).",
                    "en": "One link per role pair with its weight; roles ordered by rank (1 = top)."},
        columns=(col("source_label", "str", "Rol emisor", "Sender role", "role"),
                 col("target_label", "str", "Rol receptor", "Receiver role", "role"),
                 col("value", "float", "Peso", "Weight", "number"),
                 col("source_rank", "int32", "Rango emisor", "Sender rank", "number"),
                 col("target_rank", "int32", "Rango receptor", "Receiver rank", "number")),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows", shared=True,
        cells=Cells(matrix=("source_label", "target_label"), dimension="role", keys=("source_rank", "target_rank")))
def role_flow_sankey(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kinds=None) -> pl.DataFrame:
    """A Sankey draws senders on the left and receivers on the right."""
    return role_flow_matrix(con, scope, kinds=kinds).select(
        pl.col("sender_role").alias("source_label"), pl.col("receiver_role").alias("target_label"),
        pl.col("weight").alias("value"), pl.col("sender_rank").alias("source_rank"),
        pl.col("receiver_rank").alias("target_rank"))
