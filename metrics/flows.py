"""Feedback flows: who interacts with whom across the hierarchy (the 360-degree map).

Edges come from ``metrics.graph_build.events_sql`` (replies, mentions, likes and
generic interactions; bots and self-interactions left out; the sender is in the
scope, the receiver is any non-bot person). Ranks come from the configured role
hierarchy (``config.hierarchy``, rank 1 = top); a role not in it is *unranked*.

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

from metrics.graph_build import events_sql, frame, normalize_kinds, ranks_values
from metrics.store import org_timezone
from metrics.registry import Parameter, metric
from metrics.scope import UNASSIGNED, Scope
from pulso.config import PulsoConfig, load_config

EDGE_FACTS = ("people",)
ANY_EDGE_FACT = ("messages", "interactions")
DIRECTION_SHARES = ("upward", "downward", "horizontal", "unranked", "to_own_manager", "to_own_report",
                    "skip_level_up", "skip_level_down", "across_offices", "across_regions")
KINDS_PARAM = Parameter("kinds", None, {
    "es": "Tipos de interacción a contar (reply, mention, like, u otros); vacío = todos.",
    "en": "Interaction kinds to count (reply, mention, like, or others); empty = all."})
CONFIG_PARAM = Parameter("config", None, {
    "es": "Configuración con la jerarquía de roles (por omisión, la configurada).",
    "en": "Configuration holding the role hierarchy (default: the configured one)."})


def _kind_filter(kinds) -> tuple[str, list]:
    kinds = normalize_kinds(kinds)
    if not kinds:
        return "TRUE", []
    return "kind IN (SELECT unnest(?))", [list(kinds)]


@metric("interaction_edges", label={"es": "Interacciones entre personas", "en": "Person-to-person interactions"},
        description={"es": "Quién interactúa con quién: respuestas, menciones, me gusta e interacciones genéricas.",
                     "en": "Who interacts with whom: replies, mentions, likes and generic interactions."},
        definition={"es": "Por par emisor→receptor y tipo: suma de pesos, primera y última vez; sin bots ni "
                          "auto-interacciones. Respuesta: quien responde → autor; me gusta: quien reacciona → autor.",
                    "en": "Per sender→receiver pair and kind: summed weight, first and last time; bots and "
                          "self-interactions left out. Reply: replier → author; like: liker → author."},
        unit="table", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(CONFIG_PARAM,), group="flows")
def interaction_edges(con: duckdb.DuckDBPyConnection, scope: Scope, config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: source_person_id, target_person_id, kind, weight, events, first_at, last_at (UTC)."""
    config = config or load_config()
    sql, params = events_sql(scope, org_timezone(con))
    return frame(con, 
        f"""SELECT src AS source_person_id, dst AS target_person_id, kind, sum(weight) AS weight,
                   count(*) AS events, min(ts) AS first_at, max(ts) AS last_at
            FROM ({sql}) GROUP BY ALL ORDER BY source_person_id, target_person_id, kind""", params)


@metric("self_interactions", label={"es": "Auto-interacciones excluidas", "en": "Self-interactions left out"},
        description={"es": "Interacciones de una persona consigo misma, que no cuentan como flujo.",
                     "en": "Interactions of a person with themself, which do not count as flows."},
        definition={"es": "Por tipo: número de eventos con emisor = receptor y su peso total.",
                    "en": "Per kind: number of events whose sender is the receiver, and their total weight."},
        unit="count", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(CONFIG_PARAM,), group="flows")
def self_interactions(con: duckdb.DuckDBPyConnection, scope: Scope, config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: kind, count (events), weight."""
    config = config or load_config()
    sql, params = events_sql(scope, org_timezone(con), self_only=True)
    return frame(con, f"SELECT kind, count(*) AS count, sum(weight) AS weight FROM ({sql}) GROUP BY kind ORDER BY kind",
                       params)


def _attributed_edges_sql(con, scope: Scope, config: PulsoConfig, key_sql: str, kinds) -> tuple[str, list]:
    """Edges aggregated per (key, sender, receiver) joined with both ends' rank, office, region and chain."""
    sql, params = events_sql(scope, org_timezone(con))
    kind_sql, kind_params = _kind_filter(kinds)
    query = f"""
        WITH RECURSIVE chain(person_id, ancestor_id, depth) AS (
            SELECT person_id, manager_id, 1 FROM people WHERE manager_id IS NOT NULL AND manager_id <> person_id
            UNION ALL
            SELECT c.person_id, p.manager_id, c.depth + 1 FROM chain c JOIN people p ON p.person_id = c.ancestor_id
            WHERE p.manager_id IS NOT NULL AND c.depth < 30
        ),
        nearest AS (SELECT person_id, ancestor_id, min(depth) AS depth FROM chain GROUP BY ALL),
        ranks AS (SELECT unnest(?) AS role, unnest(?) AS rank),
        attrs AS (
            SELECT p.person_id, coalesce(p.region, '{UNASSIGNED}') AS region,
                   coalesce(p.office, '{UNASSIGNED}') AS office, coalesce(p.role, '{UNASSIGNED}') AS role, r.rank
            FROM people p LEFT JOIN ranks r ON r.role = lower(trim(p.role))
        ),
        agg AS (
            SELECT {key_sql} AS grp, src, dst, sum(weight) AS weight
            FROM ({sql}) WHERE {kind_sql} GROUP BY ALL
        )
        SELECT agg.grp, agg.src, agg.dst, agg.weight,
               s.region AS s_region, s.office AS s_office, s.role AS s_role, s.rank AS s_rank,
               t.region AS t_region, t.office AS t_office, t.role AS t_role, t.rank AS t_rank,
               up.depth AS up_depth, down.depth AS down_depth
        FROM agg JOIN attrs s ON s.person_id = agg.src JOIN attrs t ON t.person_id = agg.dst
        LEFT JOIN nearest up ON up.person_id = agg.src AND up.ancestor_id = agg.dst
        LEFT JOIN nearest down ON down.person_id = agg.dst AND down.ancestor_id = agg.src
    """
    return query, [*ranks_values(config), *params, *kind_params]


def _direction_frame(con, scope: Scope, config: PulsoConfig, key_sql: str, kinds, where: str = "TRUE",
                     group_col: str = "grp") -> pl.DataFrame:
    sql, params = _attributed_edges_sql(con, scope, config, key_sql, kinds)
    shares = {
        "upward": "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank < s_rank",
        "downward": "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank > s_rank",
        "horizontal": "s_rank IS NOT NULL AND t_rank IS NOT NULL AND t_rank = s_rank",
        "unranked": "s_rank IS NULL OR t_rank IS NULL",
        "to_own_manager": "up_depth = 1",
        "to_own_report": "down_depth = 1",
        "skip_level_up": "up_depth >= 2",
        "skip_level_down": "down_depth >= 2",
        "across_offices": f"{KNOWN_BOTH} AND (s_region <> t_region OR s_office <> t_office)",
        "across_regions": f"{KNOWN_BOTH} AND s_region <> t_region",
    }
    columns = ", ".join(f"sum(CASE WHEN {cond} THEN weight ELSE 0 END) / sum(weight) AS {name}"
                        for name, cond in shares.items())
    return frame(con, 
        f"SELECT {group_col} AS grp, sum(weight) AS total_weight, count(*) AS pairs, {columns} FROM ({sql}) "
        f"WHERE {where} GROUP BY 1 ORDER BY 1", params)


KNOWN_BOTH = f"s_region <> '{UNASSIGNED}' AND t_region <> '{UNASSIGNED}'"
BY_PARAM = Parameter("by", "none", {
    "es": "Desglose: none (total), region (región del emisor) o period (periodo de la granularidad).",
    "en": "Breakdown: none (total), region (sender's region) or period (bucket of the scope's granularity)."})


@metric("feedback_direction", label={"es": "Dirección de la retroalimentación", "en": "Feedback direction"},
        description={"es": "Cuánto fluye hacia arriba, hacia abajo y entre pares, y por la línea de mando.",
                     "en": "How much flows up, down and across the hierarchy, and along the chain of command."},
        definition={"es": "Proporción del peso de las interacciones: ascendente (receptor de rango mayor), "
                          "descendente, horizontal (mismo rango), sin rango; a su jefe directo, a su reporte directo, "
                          "saltando niveles, entre oficinas y entre regiones.",
                    "en": "Share of interaction weight: upward (receiver ranks higher), downward, horizontal "
                          "(same rank), unranked; to own manager, to own report, skip-level up/down, "
                          "across offices and across regions."},
        unit="ratio", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT,
        parameters=(BY_PARAM, KINDS_PARAM, CONFIG_PARAM), group="flows")
def feedback_direction(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "none", kinds=None,
                       config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: <by> (absent for by=none), total_weight, pairs, then the shares in DIRECTION_SHARES.

    by=region groups by the sender's region; by=period by the bucket (scope.granularity) of the
    event's local day (events without a time are then left out).
    """
    config = config or load_config()
    if by == "none":
        return _direction_frame(con, scope, config, "'all'", kinds).drop("grp")
    if by == "region":
        return _direction_frame(con, scope, config, "'all'", kinds, group_col="s_region").rename({"grp": "region"})
    if by == "period":
        key = f"CAST(date_trunc('{scope.granularity}', day) AS DATE)"
        return _direction_frame(con, scope, config, key, kinds, where="grp IS NOT NULL").rename({"grp": "period"})
    raise ValueError("by must be none, region or period")


@metric("feedback_direction_trend", label={"es": "Tendencia de la dirección", "en": "Feedback direction trend"},
        description={"es": "Las proporciones de dirección por periodo, para ver si cambian.",
                     "en": "The direction shares per period, to see whether they change."},
        definition={"es": "Igual que la dirección de la retroalimentación, por periodo de la granularidad del alcance.",
                    "en": "As feedback direction, per bucket of the scope's granularity."},
        unit="ratio", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS_PARAM, CONFIG_PARAM),
        group="flows")
def feedback_direction_trend(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None,
                             config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: period (DATE, bucket start), total_weight, pairs, the DIRECTION_SHARES."""
    return feedback_direction(con, scope, by="period", kinds=kinds, config=config)


def _matrix(con, scope: Scope, config: PulsoConfig, side: str, kinds) -> pl.DataFrame:
    sql, params = _attributed_edges_sql(con, scope, config, "'all'", kinds)
    result = frame(con, 
        f"SELECT s_{side} AS sender, t_{side} AS receiver, min(s_rank) AS s_rank, min(t_rank) AS t_rank, "
        f"sum(weight) AS weight FROM ({sql}) GROUP BY ALL", params)
    total = result["weight"].sum() if result.height else 0
    return result.with_columns(share=pl.col("weight") / total if total else pl.lit(0.0))


@metric("role_flow_matrix", label={"es": "Flujo entre roles", "en": "Role-to-role flow"},
        description={"es": "Matriz rol emisor × rol receptor del peso de las interacciones.",
                     "en": "Sender role × receiver role matrix of interaction weight."},
        definition={"es": "Peso por par de roles y su proporción del total; roles ordenados por rango.",
                    "en": "Weight per role pair and its share of the total; roles ordered by rank."},
        unit="table", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS_PARAM, CONFIG_PARAM),
        group="flows")
def role_flow_matrix(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None,
                     config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: sender_role, receiver_role, sender_rank, receiver_rank (null = unranked), weight, share."""
    config = config or load_config()
    matrix = _matrix(con, scope, config, "role", kinds)
    return (matrix.rename({"sender": "sender_role", "receiver": "receiver_role", "s_rank": "sender_rank",
                          "t_rank": "receiver_rank"})
            .sort(["sender_rank", "sender_role", "receiver_rank", "receiver_role"], nulls_last=True)
            .select("sender_role", "receiver_role", "sender_rank", "receiver_rank", "weight", "share"))


@metric("region_flow_matrix", label={"es": "Flujo entre regiones", "en": "Region-to-region flow"},
        description={"es": "Matriz región emisora × región receptora del peso de las interacciones.",
                     "en": "Sender region × receiver region matrix of interaction weight."},
        definition={"es": "Peso por par de regiones y su proporción del total.",
                    "en": "Weight per region pair and its share of the total."},
        unit="table", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS_PARAM, CONFIG_PARAM),
        group="flows")
def region_flow_matrix(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None,
                       config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: sender_region, receiver_region, weight, share."""
    config = config or load_config()
    matrix = _matrix(con, scope, config, "region", kinds)
    return (matrix.rename({"sender": "sender_region", "receiver": "receiver_region"})
            .sort(["sender_region", "receiver_region"]).select("sender_region", "receiver_region", "weight", "share"))


@metric("role_flow_sankey", label={"es": "Sankey de flujo entre roles", "en": "Role flow Sankey"},
        description={"es": "Datos para un diagrama Sankey: rol del emisor → rol del receptor.",
                     "en": "Data for a Sankey diagram: sender role → receiver role."},
        definition={"es": "Un enlace por par de roles con su peso; roles ordenados por rango (1 = más alto).",
                    "en": "One link per role pair with its weight; roles ordered by rank (1 = top)."},
        unit="table", requires=EDGE_FACTS, requires_any=ANY_EDGE_FACT, parameters=(KINDS_PARAM, CONFIG_PARAM),
        group="flows")
def role_flow_sankey(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None,
                     config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: source_label (sender role), target_label (receiver role), value (weight),
    source_rank, target_rank. A Sankey draws senders on the left and receivers on the right."""
    matrix = role_flow_matrix(con, scope, kinds=kinds, config=config)
    return matrix.select(pl.col("sender_role").alias("source_label"), pl.col("receiver_role").alias("target_label"),
                         pl.col("weight").alias("value"), pl.col("sender_rank").alias("source_rank"),
                         pl.col("receiver_rank").alias("target_rank"))
