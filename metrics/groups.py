"""Group participation in one figure, for a card: of all memberships in scope, the share whose member
contributed in that group, against the previous period of the same length.

It adds up ``metrics.activity.group_participation`` (per group: members in scope and not left, and the members
who posted, replied or liked a message of the group in the period) over every group: participation =
contributors ÷ members, summed over the groups; the change is in percentage points, against the previous period
clipped to the days the data covers (none when it lies before them).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.activity import group_participation
from metrics.registry import WHOLE_SCOPE, col, metric
from metrics.store import data_span
from pulso.core.scope import Scope


def _totals(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[int, int, int]:
    per_group = group_participation(con, scope)
    members = int(per_group["members"].sum() or 0)
    return per_group.height, members, int(per_group["contributors"].sum() or 0)


@metric("group_participation_overall",
        label={"es": "Participación en grupos", "en": "Group participation"},
        description={"es": "De todas las membresías a grupos, la parte cuyo miembro aportó en su grupo.",
                     "en": "Of all group memberships, the share whose member contributed in that group."},
        definition={"es": "Suma sobre los grupos de los miembros que publicaron, respondieron o dieron me gusta en "
                          "su grupo en el periodo ÷ suma de sus miembros (del alcance, sin baja); el cambio frente "
                          "al periodo anterior, en puntos porcentuales.",
                    "en": "Sum over the groups of the members who posted, replied or liked in their group in the "
                          "period ÷ the sum of their members (in scope, not left); the change against the previous "
                          "period, in percentage points."},
        columns=(col("groups", "int", "Grupos", "Groups", "count"), col("members", "int", "Membresías", "Memberships", "count"),
                 col("contributors", "int", "Aportan", "Contributors", "count"),
                 col("participation", "float", "Participación", "Participation", "ratio"),
                 col("previous_participation", "float", "Participación previa", "Previous participation", "ratio"),
                 col("change_pts", "float", "Cambio", "Change", "points")),
        requires=("people", "groups", "memberships", "messages"), group="activity", cells=WHOLE_SCOPE)
def group_participation_overall(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    groups, members, contributors = _totals(con, scope)
    span = data_span(con)
    previous = scope.previous().clipped(*span) if span else scope.previous()
    _, before_members, before_contributors = _totals(con, previous) if previous else (0, 0, 0)
    now = contributors / members if members else None
    before = before_contributors / before_members if before_members else None
    change = round(100 * (now - before), 2) if now is not None and before is not None else None
    return pl.DataFrame([{"groups": groups, "members": members, "contributors": contributors,
                          "participation": None if now is None else round(now, 4),
                          "previous_participation": None if before is None else round(before, 4), "change_pts": change}],
                        schema={"groups": pl.Int64, "members": pl.Int64, "contributors": pl.Int64,
                                "participation": pl.Float64, "previous_participation": pl.Float64,
                                "change_pts": pl.Float64})
