"""Participation inequality: how concentrated contributions are -- over all eligible people and over contributors.

Contributions = threads started + replies + likes given in the period, per
person (bots excluded, deleted messages included). Two rows, each labelled by
``population``:
- ``eligible``: every eligible person in scope (in the directory, not left by
  the period's end), those who contributed nothing included (zeros): how
  concentrated participation is in the whole organisation;
- ``contributors``: the people in scope with ≥ 1 contribution (directory or
  not): how concentrated it is among those who take part.
For each: ``people`` (the population's size), ``contributors`` and
``contributions`` among them, and
- ``top1_share`` / ``top10_share``: share of the contributions made by the top
  ceil(1 %) / ceil(10 %) of the population (at least one person);
- ``gini``: Gini coefficient of contributions per person of the population
  (sum_i (2i - n - 1) x_i / (n sum x), x sorted ascending, zeros included;
  0 = equal, 1 = one person does everything);
- ``absence_factor``: the fewest people who together make more than 50 % of the
  contributions (the "bus factor" of the conversation).
"""

from __future__ import annotations

import math

import duckdb
import polars as pl

from metrics.registry import Cells, col, metric
from pulso.core.scope import Scope, eligible
from pulso.core.sql import frame

SCHEMA = {"population": pl.String, "people": pl.Int64, "contributors": pl.Int64, "contributions": pl.Int64,
          "top1_share": pl.Float64, "top10_share": pl.Float64, "gini": pl.Float64, "absence_factor": pl.Int64}


def inequality_of(counts: list[int], include_zeros: bool = False) -> dict[str, float | int | None]:
    """The measures for a list of per-person contribution counts (pure). Without ``include_zeros`` the
    population is the contributors (counts > 0); with it, everyone listed."""
    xs = sorted((c for c in counts if include_zeros or c > 0), reverse=True)
    n, total = len(xs), sum(xs)
    contributors = sum(1 for x in xs if x > 0)
    if not n or not total:
        return {"people": n, "contributors": contributors, "contributions": total, "top1_share": None,
                "top10_share": None, "gini": None, "absence_factor": None}
    top = lambda share: round(sum(xs[: max(1, math.ceil(n * share))]) / total, 4)
    ascending = xs[::-1]
    gini = sum((2 * i - n - 1) * x for i, x in enumerate(ascending, start=1)) / (n * total)
    running, absence = 0, 0
    for x in xs:
        running += x
        absence += 1
        if running * 2 > total:
            break
    return {"people": n, "contributors": contributors, "contributions": total, "top1_share": top(0.01),
            "top10_share": top(0.10), "gini": round(gini, 4), "absence_factor": absence}


@metric(
    "participation_inequality",
    label={"es": "Desigualdad de participación", "en": "Participation inequality"},
    description={"es": "Cuánto se concentran las contribuciones: entre todas las personas elegibles y solo entre "
                       "quienes aportan.",
                 "en": "How concentrated contributions are: among all eligible people, and among contributors only."},
    definition={"es": "Contribuciones = hilos + respuestas + me gusta dados en el periodo. Dos filas: todas las personas "
                      "elegibles (directorio, sin baja; quien no aportó cuenta con cero) y solo quienes aportaron. Para "
                      "cada una: parte del 1 % y del 10 % con más contribuciones, coeficiente de Gini (0 = todos "
                      "igual, 1 = una persona lo hace todo) y factor de ausencia (mínimo de personas que suman más del "
                      "50 % de las contribuciones).",
                "en": "Contributions = threads + replies + likes given in the period. Two rows: all eligible people "
                      "(directory, not left; those who contributed nothing count as zero) and contributors only. For "
                      "each: share of the top 1 % and 10 %, Gini coefficient (0 = all equal, 1 = one person does "
                      "everything) and absence factor (fewest people who make more than 50 % of contributions)."},
    columns=(col("population", "str", "Sobre", "Over", "code"), col("people", "int", "Personas", "People", "count"),
             col("contributors", "int", "Aportan", "Contributors", "count"),
             col("contributions", "int", "Aportaciones", "Contributions", "count"),
             col("top1_share", "float", "Parte del 1 % principal", "Top 1 % share", "ratio"),
             col("top10_share", "float", "Parte del 10 % principal", "Top 10 % share", "ratio"),
             col("gini", "float", "Gini", "Gini", "score"),
             col("absence_factor", "int", "Factor de ausencia", "Absence factor", "count")),
    requires=("people",), requires_any=("messages", "reactions"), group="inequality",
    cells=Cells(minimum="contributors"),
)
def participation_inequality(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Two rows (population eligible, then contributors): people, contributors, contributions, top1_share,
    top10_share, gini, absence_factor."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    people = frame(con, f"""
        WITH {sp},
        c AS (SELECT a.person_id, sum(a.contributions)::BIGINT AS n FROM person_day_activity a
              JOIN sp USING (person_id) WHERE {period} AND a.contributed GROUP BY a.person_id)
        SELECT {eligible('sp')} AS is_eligible, coalesce(c.n, 0)::BIGINT AS n
        FROM sp LEFT JOIN c USING (person_id) WHERE {eligible('sp')} OR c.n > 0
    """, params + period_params + [scope.end, scope.end])
    everyone = people.filter("is_eligible")["n"].to_list()
    rows = [{"population": "eligible", **inequality_of(everyone, include_zeros=True)},
            {"population": "contributors", **inequality_of(people["n"].to_list())}]
    return pl.DataFrame(rows, schema=SCHEMA)
