"""The KPI cards: one registered metric per indicator, and ``kpi_summary`` composed from them.

Every KPI is declared once, here, as an aggregate over **the people in scope in
the period** (``pp``): one row per person in scope (``pulso.core.scope``) with
what they did in the period, read from ``person_day_activity`` (an action is
``acted``, a contribution ``contributed``): ``acted``, ``contributed``,
``active_days``, ``acted_28`` (in the 28 days ending on the period's last day),
``acted_before`` (in the previous period of the same length), the sums
``threads_started``, ``replies``, ``likes`` (reactions the person's messages
received in the period, from any giver -- unknown givers included: a source
such as Stack Exchange gives up-votes without the voter), ``hashtags``, ``visits``,
``visit_seconds``, the person's ``eligible``, ``joined_day`` and
``first_contribution_day``, and the period's ``period_start``, ``period_end``
and ``period_days``. Each KPI is a registered metric ``(con, scope) -> one row
'value'``; ``kpi_summary``, the cards and the report list the KPIs in the order
they are declared and compute them all in one pass per period. Adding a KPI is
adding one declaration below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import duckdb
import polars as pl

from metrics.registry import WHOLE_SCOPE, MetricDefinition, col, kpis, metric, missing_facts
from metrics.store import data_span
from pulso.core.scope import Scope, eligible
from pulso.core.sql import one

EVENTS = ("messages", "reactions", "visits")
CONTRIBUTIONS = ("messages", "reactions")
FORMATS = {"people": ("Personas", "People", "count"), "count": ("Cantidad", "Count", "count"),
           "ratio": ("Proporción", "Share", "ratio"), "minutes": ("Minutos", "Minutes", "minutes")}


@dataclass(frozen=True)
class Kpi:
    name: str
    label: tuple[str, str]  # es, en: the card's title
    definition: tuple[str, str]  # es, en: the card's help
    expression: str  # an aggregate over the people in scope in the period (see the module docstring)
    value: str = "people"  # a key of FORMATS
    change: str = "percent"  # percent (relative) or points (for shares)
    requires: tuple[str, ...] = ("people",)
    requires_any: tuple[str, ...] = ()


KPIS: tuple[Kpi, ...] = (
    Kpi("active_accounts", ("Cuentas activas", "Active accounts"),
        ("Personas con al menos una acción en el periodo: visita, hilo, respuesta o me gusta.",
         "People with at least one action in the period: a visit, a thread, a reply or a like."),
        "count(*) FILTER (WHERE acted)", requires_any=EVENTS),
    Kpi("contributing_accounts", ("Cuentas que aportan", "Contributing accounts"),
        ("Personas que en el periodo iniciaron un hilo, respondieron o dieron me gusta.",
         "People who started a thread, replied or liked in the period."),
        "count(*) FILTER (WHERE contributed)", requires_any=CONTRIBUTIONS),
    Kpi("adoption", ("Adopción", "Adoption"),
        ("Personas elegibles (en el directorio, sin baja al cierre) activas en el periodo ÷ personas elegibles.",
         "Eligible people (in the directory, not left by the period's end) active in the period ÷ eligible people."),
        "count(*) FILTER (WHERE eligible AND acted) / nullif(count(*) FILTER (WHERE eligible), 0)",
        value="ratio", change="points", requires_any=EVENTS),
    Kpi("stickiness", ("Adherencia (DAU/MAU)", "Stickiness (DAU/MAU)"),
        ("Promedio de activos diarios en el periodo ÷ activos en los 28 días que terminan al cierre del periodo.",
         "Average daily active people over the period ÷ people active in the 28 days ending on its last day."),
        "sum(active_days) / any_value(period_days) / nullif(count(*) FILTER (WHERE acted_28), 0)",
        value="ratio", change="points", requires_any=EVENTS),
    Kpi("threads_started", ("Hilos iniciados", "Threads started"),
        ("Mensajes que inician un hilo, escritos en el periodo por personas del alcance.",
         "Messages starting a thread, written in the period by people in scope."),
        "sum(threads_started)", value="count", requires=("messages",)),
    Kpi("replies", ("Respuestas", "Replies"),
        ("Respuestas escritas en el periodo por personas del alcance.", "Replies written in the period by people in scope."),
        "sum(replies)", value="count", requires=("messages",)),
    Kpi("likes", ("Me gusta", "Likes"),
        ("Me gusta y otras reacciones recibidos en el periodo por los mensajes de personas del alcance, de "
         "cualquiera, también de quien la fuente no identifica.",
         "Likes and other reactions received in the period by the messages of people in scope, from anyone, "
         "including givers the source does not name."),
        "sum(likes)", value="count", requires=("reactions",)),
    Kpi("hashtag_uses", ("Usos de hashtags", "Hashtag uses"),
        ("Hashtags en los mensajes escritos en el periodo por personas del alcance.",
         "Hashtags on the messages written in the period by people in scope."),
        "sum(hashtags)", value="count", requires=("messages",)),
    Kpi("visits", ("Visitas", "Visits"),
        ("Visitas (sesiones) de personas del alcance en el periodo.", "Visits (sessions) by people in scope in the period."),
        "sum(visits)", value="count", requires=("visits",)),
    Kpi("median_minutes_per_active", ("Minutos de uso (mediana)", "Time of use (median minutes)"),
        ("Mediana, entre las cuentas activas del periodo, de sus minutos de uso (duración de sus visitas).",
         "Median, over the period's active accounts, of their minutes of use (the length of their visits)."),
        "round(median(visit_seconds / 60.0) FILTER (WHERE acted), 2)", value="minutes", requires=("visits",)),
    Kpi("new_accounts", ("Cuentas nuevas", "New accounts"),
        ("Personas del alcance cuya cuenta se creó en el periodo (solo si alguna fuente da la fecha de alta).",
         "People in scope whose account was created in the period (only where a source gives creation dates)."),
        "count(*) FILTER (WHERE joined_day BETWEEN period_start AND period_end)", requires=("people", "join_dates")),
    Kpi("first_time_contributors", ("Primeras aportaciones", "First-time contributors"),
        ("Personas cuya primera aportación de siempre cae en el periodo.",
         "People whose first contribution ever falls in the period."),
        "count(*) FILTER (WHERE first_contribution_day BETWEEN period_start AND period_end)", requires_any=CONTRIBUTIONS),
    Kpi("returning_accounts", ("Cuentas que regresan", "Returning accounts"),
        ("Personas activas en el periodo que también lo estuvieron en el periodo anterior de igual duración.",
         "People active in the period who were also active in the previous period of the same length."),
        "count(*) FILTER (WHERE acted AND acted_before)", requires_any=EVENTS),
)


def kpi_values(con: duckdb.DuckDBPyConnection, scope: Scope, chosen: tuple[Kpi, ...]) -> list[float | None]:
    """The chosen KPIs' values for ``scope``, in one pass over the rollup."""
    sp, params = scope.people_cte()
    previous = scope.previous()
    first = min(previous.start, scope.end - timedelta(days=27))
    in_period = "day BETWEEN b.period_start AND b.period_end"
    found = one(con, f"""
        WITH {sp},
        b AS (SELECT ?::DATE AS period_start, ?::DATE AS period_end, ?::DATE AS previous_start,
                     ?::DATE AS previous_end, ?::DATE AS first_day, ?::DOUBLE AS period_days),
        act AS (
            SELECT person_id,
                   bool_or(acted) FILTER (WHERE {in_period}) AS acted,
                   bool_or(contributed) FILTER (WHERE {in_period}) AS contributed,
                   count(*) FILTER (WHERE acted AND {in_period}) AS active_days,
                   bool_or(acted) FILTER (WHERE day BETWEEN b.period_end - 27 AND b.period_end) AS acted_28,
                   bool_or(acted) FILTER (WHERE day BETWEEN b.previous_start AND b.previous_end) AS acted_before,
                   sum(threads_started) FILTER (WHERE {in_period}) AS threads_started,
                   sum(replies) FILTER (WHERE {in_period}) AS replies,
                   sum(likes_received) FILTER (WHERE {in_period}) AS likes,
                   sum(hashtags_used) FILTER (WHERE {in_period}) AS hashtags,
                   sum(visits) FILTER (WHERE {in_period}) AS visits,
                   sum(visit_seconds) FILTER (WHERE {in_period}) AS visit_seconds
            FROM person_day_activity, b WHERE day BETWEEN b.first_day AND b.period_end GROUP BY person_id),
        pp AS (
            SELECT sp.person_id, {eligible('sp', 'b.period_end')} AS eligible, sp.joined_day,
                   sp.first_contribution_day, coalesce(act.acted, FALSE) AS acted,
                   coalesce(act.contributed, FALSE) AS contributed, coalesce(act.active_days, 0) AS active_days,
                   coalesce(act.acted_28, FALSE) AS acted_28, coalesce(act.acted_before, FALSE) AS acted_before,
                   coalesce(act.threads_started, 0) AS threads_started, coalesce(act.replies, 0) AS replies,
                   coalesce(act.likes, 0) AS likes, coalesce(act.hashtags, 0) AS hashtags,
                   coalesce(act.visits, 0) AS visits, coalesce(act.visit_seconds, 0) AS visit_seconds,
                   b.period_start, b.period_end, b.period_days
            FROM sp CROSS JOIN b LEFT JOIN act USING (person_id))
        SELECT {", ".join(k.expression for k in chosen)} FROM pp""",
        params + [scope.start, scope.end, previous.start, previous.end, first, float(scope.days)])
    return [None if v is None else float(v) for v in found]


def kpi_frame(con: duckdb.DuckDBPyConnection, scope: Scope, kpi: Kpi) -> pl.DataFrame:
    return pl.DataFrame({"value": kpi_values(con, scope, (kpi,))}, schema={"value": pl.Float64})


def register(kpi: Kpi) -> None:
    es, en = kpi.definition
    label_es, label_en, fmt = FORMATS[kpi.value]
    function = partial(kpi_frame, kpi=kpi)
    function.__module__ = __name__
    function.__name__ = kpi.name
    metric(kpi.name, label={"es": kpi.label[0], "en": kpi.label[1]}, description={"es": es, "en": en},
           definition={"es": es, "en": en}, columns=(col("value", "float", label_es, label_en, fmt),),
           requires=kpi.requires, requires_any=kpi.requires_any, group="kpi", kind="kpi", change=kpi.change,
           cells=WHOLE_SCOPE)(function)


for _kpi in KPIS:
    register(_kpi)
BY_NAME = {k.name: k for k in KPIS}


def change(definition: MetricDefinition, now: float | None, before: float | None) -> float | None:
    """The change from ``before`` to ``now``: percent (relative) or percentage points (for shares)."""
    if now is None or before is None:
        return None
    if definition.change == "points":
        return round(100.0 * (now - before), 2)
    return round(100.0 * (now - before) / before, 2) if before else None


@metric(
    "kpi_summary",
    label={"es": "Resumen de indicadores", "en": "KPI summary"},
    description={"es": "Cada indicador clave del periodo frente al periodo anterior de igual duración.",
                 "en": "Every key indicator for the period against the previous period of the same length."},
    definition={"es": "Una fila por indicador clave (ver cada uno): su valor, el del periodo anterior y el cambio, en "
                      "% o en puntos porcentuales para las proporciones. Si las fuentes cargadas no dan el dato, el "
                      "valor queda vacío y el indicador se marca como no disponible.",
                "en": "One row per key indicator (see each): its value, the previous period's and the change, in % "
                      "or in percentage points for shares. Where the loaded sources lack the fact, the value is "
                      "empty and the indicator is marked not available."},
    columns=(col("kpi", "str", "Indicador", "Indicator", "id"), col("value", "float", "Valor", "Value", "number"),
             col("previous_value", "float", "Periodo anterior", "Previous period", "number"),
             col("change", "float", "Cambio", "Change", "number"),
             col("change_unit", "str", "Unidad del cambio", "Change unit", "id"),
             col("available", "bool", "Disponible", "Available", "bool")),
    requires=("people",), group="kpi", cells=WHOLE_SCOPE,
)
def kpi_summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """One row per KPI, in card order: every KPI in one pass for the period and one for the previous period."""
    span = data_span(con)
    previous = scope.previous().clipped(*span) if span else scope.previous()
    definitions = kpis()
    chosen = tuple(BY_NAME[d.name] for d in definitions)
    now = kpi_values(con, scope, chosen)
    before = kpi_values(con, previous, chosen) if previous else [None] * len(chosen)
    out = []
    for definition, value, earlier in zip(definitions, now, before):
        available = not missing_facts(con, definition)
        value, earlier = (value, earlier) if available else (None, None)
        out.append({"kpi": definition.name, "value": value, "previous_value": earlier,
                    "change": change(definition, value, earlier), "change_unit": definition.change,
                    "available": available})
    return pl.DataFrame(out, schema={"kpi": pl.String, "value": pl.Float64, "previous_value": pl.Float64,
                                     "change": pl.Float64, "change_unit": pl.String, "available": pl.Boolean})

