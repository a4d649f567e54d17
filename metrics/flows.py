"""Feedback flows: who interacts with whom across the hierarchy (the 360-degree map).

Edges are the scoped acts of ``metrics.graph_build.events_sql`` (replies,
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
Every share's denominator is the total weight of the edges of the row.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import PERIOD, SEGMENT, SHARE, WEIGHT
from metrics.graph_build import events_sql
from metrics.parameters import KINDS, by
from metrics.registry import WHOLE_SCOPE, Cells, col, metric
from pulso.core.scope import UNASSIGNED, Scope
from pulso.core.sql import frame

EDGE_FACTS = ("people",)
ANY_EDGE_FACT = ("messages", "interactions")
DIRECTION_SHARES = {
    "upward": ("Hacia arriba", "Upward", "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank < s_rank"),
    "downward": ("Hacia abajo", "Downward", "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank > s_rank"),
    "horizontal": ("Horizontal", "Horizontal", "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank = s_rank"),
    "unranked": ("Sin rango", "Unranked", "s_rank IS NULL OR t_rank IS NULL"),
    "to_own_manager": ("A su jefe directo", "To own manager", "up_depth = 1"),
    "to_own_report": ("A su reporte directo", "To own report", "down_depth = 1"),
    "skip_level_up": ("Saltando niveles hacia arriba", "Skip-level up", "up_depth >= 2"),
    "skip_level_down": ("Saltando niveles hacia abajo", "Skip-level down", "down_depth >= 2"),
    "across_offices": ("Entre oficinas", "Across offices",
                       "s_region <> '{u}' AND t_region <> '{u}' AND (s_region <> t_region OR s_office <> t_office)"),
    "across_regions": ("Entre regiones", "Across regions",
                       "s_region <> '{u}' AND t_region <> '{u}' AND s_region <> t_region"),
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
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows", person_level=True,
        person_columns=("source_person_id", "target_person_id"))
def interaction_edges(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None) -> pl.DataFrame:
    sql, params = events_sql(scope, kinds=kinds)
    return frame(con, f"""{sql}
        SELECT src AS source_person_id, dst AS target_person_id, kind, sum(weight) AS weight,
               count(*) AS events, min(ts) AS first_at, max(ts) AS last_at
        FROM ev GROUP BY ALL ORDER BY source_person_id, target_person_id, kind""", params)


@metric("self_interactions", label={"es": "Auto-interacciones excluidas", "en": "Self-interactions left out"},
        description={"es": "Interacciones de una persona consigo misma, que no cuentan como flujo.",
                     "en": "Interactions of a person with themself, which do not count as flows."},
        definition={"es": "Por tipo: número de eventos con emisor = receptor y su peso total.",
                    "en": "Per kind: number of events whose sender is the receiver, and their total weight."},
        columns=(col("kind", "str", "Tipo", "Kind", "code"), col("count", "int", "Eventos", "Events", "count"), WEIGHT),
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, group="flows", cells=WHOLE_SCOPE)
def self_interactions(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sql, params = events_sql(scope, self_only=True)
    return frame(con, f"{sql} SELECT kind, count(*) AS count, sum(weight) AS weight FROM ev GROUP BY kind ORDER BY kind",
                 params)


def attributed_edges_sql(scope: Scope, key_sql: str, kinds) -> tuple[str, list]:
    """Edges aggregated per (key, sender, receiver) joined with both ends' rank, office, region and chain."""
    sql, params = events_sql(scope, kinds=kinds)
    return f"""{sql},
        chain AS (
            WITH RECURSIVE c(person_id, ancestor_id, depth) AS (
                SELECT person_id, manager_id, 1 FROM person_facts WHERE manager_id IS NOT NULL AND manager_id <> person_id
                UNION ALL
                SELECT c.person_id, p.manager_id, c.depth + 1 FROM c JOIN person_facts p ON p.person_id = c.ancestor_id
                WHERE p.manager_id IS NOT NULL AND c.depth < 30)
            SELECT person_id, ancestor_id, min(depth) AS depth FROM c GROUP BY ALL),
        agg AS (SELECT {key_sql} AS grp, src, dst, sum(weight) AS weight FROM ev GROUP BY ALL),
        edges AS (
            SELECT agg.grp, agg.src, agg.dst, agg.weight,
                   s.region AS s_region, s.office AS s_office, s.role AS s_role, s.role_rank AS s_rank,
                   t.region AS t_region, t.office AS t_office, t.role AS t_role, t.role_rank AS t_rank,
                   up.depth AS up_depth, down.depth AS down_depth
            FROM agg JOIN person_facts s ON s.person_id = agg.src JOIN person_facts t ON t.person_id = agg.dst
            LEFT JOIN chain up ON up.person_id = agg.src AND up.ancestor_id = agg.dst
            LEFT JOIN chain down ON down.person_id = agg.dst AND down.ancestor_id = agg.src)""", params


def direction_frame(con, scope: Scope, key_sql: str, kinds, group_column: str, where: str = "TRUE",
                    key_params: list | None = None) -> pl.DataFrame:
    sql, params = attributed_edges_sql(scope, key_sql, kinds)
    shares = ", ".join(f"sum(CASE WHEN {condition.format(u=UNASSIGNED)} THEN weight ELSE 0 END) / sum(weight) AS {name}"
                       for name, (_, _, condition) in DIRECTION_SHARES.items())
    return frame(con, f"""{sql}
        SELECT {group_column} AS grp, sum(weight) AS total_weight, count(*) AS pairs, {shares}
        FROM edges WHERE {where} GROUP BY 1 ORDER BY 1""", params + (key_params or []))


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
        group="flows", cells=Cells(key="segment", by=(("none", None, False), ("region", "region", True))))
def feedback_direction(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "none", kinds=None) -> pl.DataFrame:
    column = "s_region" if by == "region" else "'all'"
    return direction_frame(con, scope, "'all'", kinds, column).rename({"grp": "segment"})


@metric("feedback_direction_trend", label={"es": "Tendencia de la dirección", "en": "Feedback direction trend"},
        description={"es": "Las proporciones de dirección por periodo, para ver si cambian.",
                     "en": "The direction shares per period, to see whether they change."},
        definition={"es": "Igual que la dirección de la retroalimentación, por periodo de la granularidad del alcance "
                          "(las interacciones sin fecha no entran en ningún periodo).",
                    "en": "As feedback direction, per bucket of the scope's granularity (undated interactions fall "
                          "in no bucket)."},
        columns=(PERIOD, *TOTALS, *SHARE_COLUMNS), requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT,
        parameters=(KINDS,), group="flows", cells=WHOLE_SCOPE)
def feedback_direction_trend(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None) -> pl.DataFrame:
    result = direction_frame(con, scope, "CAST(date_trunc(?, day) AS DATE)", kinds, "grp", where="grp IS NOT NULL",
                             key_params=[scope.granularity])
    return result.rename({"grp": "period"})


def matrix(con, scope: Scope, side: str, kinds) -> pl.DataFrame:
    sql, params = attributed_edges_sql(scope, "'all'", kinds)
    result = frame(con, f"""{sql}
        SELECT s_{side} AS sender, t_{side} AS receiver, min(s_rank) AS s_rank, min(t_rank) AS t_rank,
               sum(weight) AS weight FROM edges GROUP BY ALL""", params)
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
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows",
        cells=Cells(matrix=("sender_role", "receiver_role"), dimension="role", keys=("sender_rank", "receiver_rank")))
def role_flow_matrix(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None) -> pl.DataFrame:
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
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows",
        cells=Cells(matrix=("sender_region", "receiver_region"), dimension="region"))
def region_flow_matrix(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None) -> pl.DataFrame:
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
        requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS,), group="flows",
        cells=Cells(matrix=("source_label", "target_label"), dimension="role", keys=("source_rank", "target_rank")))
def role_flow_sankey(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None) -> pl.DataFrame:
    """A Sankey draws senders on the left and receivers on the right."""
    return role_flow_matrix(con, scope, kinds=kinds).select(
        pl.col("sender_role").alias("source_label"), pl.col("receiver_role").alias("target_label"),
        pl.col("weight").alias("value"), pl.col("sender_rank").alias("source_rank"),
        pl.col("receiver_rank").alias("target_rank"))
