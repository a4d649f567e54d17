"""Participation inequality: how concentrated contributions are among contributors.

Contributions = threads started + replies + likes given in the period, per
person (bots excluded, deleted messages included). Over the contributors
(people with ≥ 1 contribution):
- ``top1_share`` / ``top10_share``: share of all contributions made by the top
  ceil(1 %) / ceil(10 %) of contributors (at least one person);
- ``gini``: Gini coefficient of contributions per contributor
  (sum_i (2i - n - 1) x_i / (n sum x), x sorted ascending; 0 = equal);
- ``absence_factor``: the fewest contributors who together make more than 50 %
  of the contributions (the "bus factor" of the conversation).
"""

from __future__ import annotations

import math

import duckdb
import polars as pl

from metrics.registry import Cells, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame


def inequality_of(counts: list[int]) -> dict[str, float | int | None]:
    """The four measures for a list of per-contributor contribution counts (pure)."""
    xs = sorted((c for c in counts if c > 0), reverse=True)
    n, total = len(xs), sum(xs)
    if not n:
        return {"contributors": 0, "contributions": 0, "top1_share": None, "top10_share": None,
                "gini": None, "absence_factor": None}
    top = lambda share: round(sum(xs[: max(1, math.ceil(n * share))]) / total, 4)
    ascending = xs[::-1]
    gini = sum((2 * i - n - 1) * x for i, x in enumerate(ascending, start=1)) / (n * total)
    running, absence = 0, 0
    for x in xs:
        running += x
        absence += 1
        if running * 2 > total:
            break
    return {"contributors": n, "contributions": total, "top1_share": top(0.01), "top10_share": top(0.10),
            "gini": round(gini, 4), "absence_factor": absence}


@metric(
    "participation_inequality",
    label={"es": "Desigualdad de participación", "en": "Participation inequality"},
    description={"es": "Cuánto se concentran las contribuciones en pocas personas.",
                 "en": "How concentrated contributions are in few people."},
    definition={"es": "Contribuciones = hilos + respuestas + me gusta dados en el periodo. Participación del 1 % y 10 % "
                      "con más contribuciones, coeficiente de Gini y factor de ausencia (mínimo de personas que suman "
                      "más del 50 % de las contribuciones).",
                "en": "Contributions = threads + replies + likes given in the period. Share of the top 1 % and 10 % "
                      "of contributors, Gini coefficient and absence factor (fewest people who make more than 50 % "
                      "of contributions)."},
    columns=(col("contributors", "int", "Aportan", "Contributors", "count"),
             col("contributions", "int", "Aportaciones", "Contributions", "count"),
             col("top1_share", "float", "Parte del 1 % principal", "Top 1 % share", "ratio"),
             col("top10_share", "float", "Parte del 10 % principal", "Top 10 % share", "ratio"),
             col("gini", "float", "Gini", "Gini", "score"),
             col("absence_factor", "int", "Factor de ausencia", "Absence factor", "count")),
    requires=("people",), requires_any=("messages", "reactions"), group="inequality",
    cells=Cells(minimum="contributors"),
)
def participation_inequality(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """One row: contributors, contributions, top1_share, top10_share, gini, absence_factor."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    counts = frame(con, f"""
        WITH {sp}
        SELECT sum(a.contributions)::BIGINT AS n FROM person_day_activity a
        JOIN sp USING (person_id) WHERE {period} AND a.contributed GROUP BY a.person_id
    """, params + period_params)["n"].to_list()
    return pl.DataFrame([inequality_of(counts)], schema={
        "contributors": pl.Int64, "contributions": pl.Int64, "top1_share": pl.Float64, "top10_share": pl.Float64,
        "gini": pl.Float64, "absence_factor": pl.Int64})
