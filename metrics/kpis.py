"""The KPI cards: one registered metric per indicator, and ``kpi_summary`` composed from them.

Every KPI is declared once, here, as an aggregate over **the people in scope in
the period** (``pp``, ``people_period``): one row per person in scope
(``pulso.core.scope``) with what they did in the period, read from
``person_day_activity`` (an action is ``acted``, a contribution
``contributed``): ``acted``, ``contributed``, ``active_days``, ``acted_28`` (in
the 28 days ending on the period's last day), ``acted_before`` (in the previous
period of the same length), the sums ``threads_started``, ``replies``,
``likes`` (reactions the person's messages received in the period, from any
giver -- unknown givers included: a source such as Stack Exchange gives
up-votes without the voter), ``hashtags``, ``visits``, ``visit_seconds``, the
person's ``eligible``, ``joined_day`` and ``first_contribution_day``, and the
period's ``period_start``, ``period_end`` and ``period_days``. Each KPI is a
registered metric ``(con, scope) -> one row 'value'``; ``kpi_summary``, the
cards and the report list the KPIs in the order they are declared and compute
them all in one pass per period. Adding a KPI is adding one declaration below.

The aggregates are Ibis expressions (``pulso.core.expr``): the same definitions
run on DuckDB and on Spark. The period's dates travel as data (``KPI_ARGS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial

import duckdb
import ibis
import polars as pl

from metrics.registry import WHOLE_SCOPE, MetricDefinition, col, kpis, metric, missing_facts
from metrics.store import data_span
from pulso.core import expr as E
from pulso.core.expr import Engine, count_where
from pulso.core.scope import Scope, ScopeShape, eligible_expr, people_in_scope

EVENTS = ("messages", "reactions", "visits")
CONTRIBUTIONS = ("messages", "reactions")
FORMATS = {"people": ("Personas", "People", "count"), "count": ("Cantidad", "Count", "count"),
           "ratio": ("Proporción", "Share", "ratio"), "minutes": ("Minutos", "Minutes", "minutes")}


@dataclass(frozen=True)
class Kpi:
    name: str
    label: tuple[str, str]  # es, en: the card's title
    definition: tuple[str, str]  # es, en: the card's help
    expression: Callable[[ibis.Table], ibis.Scalar]  # an aggregate over the people in scope in the period (``pp``)
    value: str = "people"  # a key of FORMATS
    change: str = "percent"  # percent (relative) or points (for shares)
    requires: tuple[str, ...] = ("people",)
    requires_any: tuple[str, ...] = ()
    decimals: int | None = None  # rounded (half away from zero) to this many decimals


KPIS: tuple[Kpi, ...] = (
    Kpi("active_accounts", ("Cuentas activas", "Active accounts"),
        ("Personas con al menos una acción en el periodo: visita, hilo, respuesta o me gusta.",
         "People with at least one action in the period: a visit, a thread, a reply or a like."),
        lambda pp: count_where(pp, pp.acted), requires_any=EVENTS),
    Kpi("contributing_accounts", ("Cuentas que aportan", "Contributing accounts"),
        ("Personas que en el periodo iniciaron un hilo, respondieron o dieron me gusta.",
         "People who started a thread, replied or liked in the period."),
        lambda pp: count_where(pp, pp.contributed), requires_any=CONTRIBUTIONS),
    Kpi("adoption", ("Adopción", "Adoption"),
        ("Personas elegibles (en el directorio, sin baja al cierre) activas en el periodo ÷ personas elegibles.",
         "Eligible people (in the directory, not left by the period's end) active in the period ÷ eligible people."),
        lambda pp: count_where(pp, pp.eligible & pp.acted) / count_where(pp, pp.eligible).nullif(0),
        value="ratio", change="points", requires_any=EVENTS),
    Kpi("stickiness", ("Adherencia (DAU/MAU)", "Stickiness (DAU/MAU)"),
        ("Promedio de activos diarios en el periodo ÷ activos en los 28 días que terminan al cierre del periodo.",
         "Average daily active people over the period ÷ people active in the 28 days ending on its last day."),
        lambda pp: pp.active_days.sum() / pp.period_days.max() / count_where(pp, pp.acted_28).nullif(0),
        value="ratio", change="points", requires_any=EVENTS),
    Kpi("threads_started", ("Hilos iniciados", "Threads started"),
        ("Mensajes que inician un hilo, escritos en el periodo por personas del alcance.",
         "Messages starting a thread, written in the period by people in scope."),
        lambda pp: pp.threads_started.sum(), value="count", requires=("messages",)),
    Kpi("replies", ("Respuestas", "Replies"),
        ("Respuestas escritas en el periodo por personas del alcance.", "Replies written in the period by people in scope."),
        lambda pp: pp.replies.sum(), value="count", requires=("messages",)),
    Kpi("likes", ("Me gusta", "Likes"),
        ("Me gusta y otras reacciones recibidos en el periodo por los mensajes de personas del alcance, de "
         "cualquiera, también de quien la fuente no identifica.",
         "Likes and other reactions received in the period by the messages of people in scope, from anyone, "
         "including givers the source does not name."),
        lambda pp: pp.likes.sum(), value="count", requires=("reactions",)),
    Kpi("hashtag_uses", ("Usos de hashtags", "Hashtag uses"),
        ("Hashtags en los mensajes escritos en el periodo por personas del alcance.",
         "Hashtags on the messages written in the period by people in scope."),
        lambda pp: pp.hashtags.sum(), value="count", requires=("messages",)),
    Kpi("visits", ("Visitas", "Visits"),
        ("Visitas (sesiones) de personas del alcance en el periodo.", "Visits (sessions) by people in scope in the period."),
        lambda pp: pp.visits.sum(), value="count", requires=("visits",)),
    Kpi("median_minutes_per_active", ("Minutos de uso (mediana)", "Time of use (median minutes)"),
        ("Mediana, entre las cuentas activas del periodo, de sus minutos de uso (duración de sus visitas).",
         "Median, over the period's active accounts, of their minutes of use (the length of their visits)."),
        lambda pp: E.median_where(pp.visit_seconds.cast("float64") / 60, pp.acted), value="minutes",
        requires=("visits",), decimals=2),
    Kpi("new_accounts", ("Cuentas nuevas", "New accounts"),
        ("Personas del alcance cuya cuenta se creó en el periodo (solo si alguna fuente da la fecha de alta).",
         "People in scope whose account was created in the period (only where a source gives creation dates)."),
        lambda pp: count_where(pp, pp.joined_day.between(pp.period_start, pp.period_end)),
        requires=("people", "join_dates")),
    Kpi("first_time_contributors", ("Primeras aportaciones", "First-time contributors"),
        ("Personas cuya primera aportación de siempre cae en el periodo.",
         "People whose first contribution ever falls in the period."),
        lambda pp: count_where(pp, pp.first_contribution_day.between(pp.period_start, pp.period_end)),
        requires_any=CONTRIBUTIONS),
    Kpi("returning_accounts", ("Cuentas que regresan", "Returning accounts"),
        ("Personas activas en el periodo que también lo estuvieron en el periodo anterior de igual duración.",
         "People active in the period who were also active in the previous period of the same length."),
        lambda pp: count_where(pp, pp.acted & pp.acted_before), requires_any=EVENTS),
)
BY_NAME = {k.name: k for k in KPIS}
KPI_ARGS = E.Args("kpi_args", period_start="date", period_end="date", previous_start="date", previous_end="date",
                  first_day="date", window_start="date", period_days="float64")


@cache
def people_period(shape: ScopeShape) -> ibis.Table:
    """``pp``: one row per person in scope with what they did in the period (see the module docstring)."""
    a = KPI_ARGS
    sp = people_in_scope(shape)
    d = a.join(E.table("person_day_activity"))
    d = d.filter(d.day.between(d.first_day, d.period_end))
    in_period = d.day.between(d.period_start, d.period_end)
    act = d.group_by(_person=d.person_id).aggregate(
        _acted=count_where(d, d.acted & in_period) > 0, _contributed=count_where(d, d.contributed & in_period) > 0,
        _active_days=count_where(d, d.acted & in_period),
        _acted_28=count_where(d, d.acted & d.day.between(d.window_start, d.period_end)) > 0,
        _acted_before=count_where(d, d.acted & d.day.between(d.previous_start, d.previous_end)) > 0,
        _threads_started=d.threads_started.sum(where=in_period), _replies=d.replies.sum(where=in_period),
        _likes=d.likes_received.sum(where=in_period), _hashtags=d.hashtags_used.sum(where=in_period),
        _visits=d.visits.sum(where=in_period), _visit_seconds=d.visit_seconds.sum(where=in_period))
    base = a.join(sp)  # the period's dates as columns of every row
    j = base.left_join(act, base.person_id == act._person)
    return j.select(
        person_id=j.person_id, eligible=eligible_expr(j, j.period_end), joined_day=j.joined_day,
        first_contribution_day=j.first_contribution_day, acted=j._acted.coalesce(False),
        contributed=j._contributed.coalesce(False), active_days=j._active_days.coalesce(0),
        acted_28=j._acted_28.coalesce(False), acted_before=j._acted_before.coalesce(False),
        threads_started=j._threads_started.coalesce(0), replies=j._replies.coalesce(0), likes=j._likes.coalesce(0),
        hashtags=j._hashtags.coalesce(0), visits=j._visits.coalesce(0), visit_seconds=j._visit_seconds.coalesce(0),
        period_start=j.period_start, period_end=j.period_end, period_days=j.period_days)


@cache
def kpi_expression(shape: ScopeShape, names: tuple[str, ...]) -> ibis.Table:
    """One row: the named KPIs over the people in scope in the period."""
    pp = people_period(shape)
    return pp.aggregate(**{name: E.cast(BY_NAME[name].expression(pp), "float64") for name in names})


def kpi_values(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, chosen: tuple[Kpi, ...]) -> list[float | None]:
    """The chosen KPIs' values for ``scope``, in one pass over the rollup."""
    previous = scope.previous()
    args = KPI_ARGS.data(period_start=scope.start, period_end=scope.end, previous_start=previous.start,
                         previous_end=previous.end, first_day=min(previous.start, scope.end - timedelta(days=27)),
                         window_start=scope.end - timedelta(days=27), period_days=float(scope.days))
    found = E.engine_of(con).frame(kpi_expression(scope.shape, tuple(k.name for k in chosen)),
                                   {**scope.inputs(), **args}).row(0)
    return [None if v is None else E.round_half_away(v, k.decimals) if k.decimals is not None else float(v)
            for v, k in zip(found, chosen)]


def kpi_frame(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, kpi: Kpi) -> pl.DataFrame:
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
           shared=True, cells=WHOLE_SCOPE)(function)


for _kpi in KPIS:
    register(_kpi)


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
    requires=("people",), group="kpi", shared=True, cells=WHOLE_SCOPE,
)
def kpi_summary(con: duckdb.DuckDBPyConnection | Engine, scope: Scope) -> pl.DataFrame:
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

