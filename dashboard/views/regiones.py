"""Regiones (business director): drill down region -> office -> person by clicking a bar or choosing
from the list, with a breadcrumb back up; the same KPIs and a ranked comparison at every level.

The drill path lives in the URL (``?dr=REGION&do=OFFICE``) so a link reproduces it.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import current, explain, fetch, help_text, kpi_cards, table, translated
from dashboard.i18n import fmt_number, t
from dashboard.present import plain, unit_label
from metrics.registry import col
from pulso.core.scope import Scope

DRILL_KEYS = ("dr", "do")


def drill_path() -> list[str]:
    """[region, office] as far as the user has drilled."""
    path = []
    for key in DRILL_KEYS:
        value = st.query_params.get(key)
        if not value:
            break
        path.append(value)
    return path


def set_drill(path: list[str]) -> None:
    """Move to ``path``; forget the chart selections and list choices of the levels left."""
    for key in [k for k in st.session_state if str(k).startswith(("drill_chart_", "drill_pick_", "drill_person"))]:
        del st.session_state[key]
    for i, key in enumerate(DRILL_KEYS):
        if i < len(path):
            st.query_params[key] = path[i]
        elif key in st.query_params:
            del st.query_params[key]


def narrowed(scope: Scope, path: list[str]) -> Scope:
    if len(path) >= 1:
        scope = replace(scope, regions=(path[0],))
    if len(path) >= 2:
        scope = replace(scope, offices=(path[1],))
    return scope


RANK = col("rank", "int", "Lugar", "Rank", "count")


def comparison(frame: pl.DataFrame) -> pl.DataFrame:
    """Adoption ranked (1 = highest) with the change in points."""
    return (frame.sort("adoption", descending=True, nulls_last=True)
            .with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
            .select("rank", "segment", "eligible", "active", "contributing", "adoption", "previous_adoption",
                    "change_pts"))


def breadcrumb(path: list[str], lang: str) -> None:
    crumbs = [t("drill_all", lang), *(unit_label(p, lang) for p in path)]
    columns = st.columns(len(crumbs) + 2)
    for i, name in enumerate(crumbs):
        if i < len(crumbs) - 1:
            if columns[i].button(f"⬆ {name}", key=f"crumb_{i}", help=t("drill_up", lang, name=name)):
                set_drill(path[:i])
                st.rerun()
        else:
            columns[i].markdown(f"**{plain(name)}**")


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        fetch(ctx, "kpi_summary")
        return
    path = drill_path()
    breadcrumb(path, lang)
    scope = narrowed(ctx.scope, path)
    kpis = fetch(ctx, "kpi_summary", scope=scope)
    if kpis is not None:
        kpi_cards(ctx, kpis)

    if len(path) >= 2:
        people_level(ctx, scope, path, lang)
        return
    by = "region" if not path else "office"
    st.subheader(f"{t('comparison', lang)}: {t(by, lang).lower()}", help=help_text("adoption_by", lang))
    frame = fetch(ctx, "adoption_by", scope=scope, by=by)
    if frame is None:
        return
    ranked = comparison(frame)
    st.caption(t("drill_hint", lang))
    shown = translated(ctx, ranked, "adoption_by")
    fig = charts.ranked_bars(shown.head(60).with_columns(segment_key=ranked["segment"].head(60)), "segment",
                             "adoption", f"{t('adoption', lang)} · {t(by, lang).lower()}", lang, t("adoption", lang),
                             ratio=True, keys="segment_key")
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"drill_chart_{len(path)}")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        chosen = points[0].get("customdata") or points[0].get("y")
        if chosen:
            set_drill([*path, str(chosen)])
            st.rerun()
    choice = st.selectbox(t("drill_choose", lang), [None, *ranked["segment"].to_list()], key=f"drill_pick_{len(path)}",
                          format_func=lambda v: "—" if v is None else unit_label(v, lang))
    if choice:
        set_drill([*path, choice])
        st.rerun()
    table(ctx, ranked, columns=(RANK, *cache.registry()["adoption_by"].columns))
    explain("adoption_by", lang)


def people_level(ctx, scope: Scope, path: list[str], lang: str) -> None:
    st.subheader(t("people_in", lang, office=unit_label(path[1], lang)), help=help_text("participation_ladder", lang))
    people = fetch(ctx, "participation_ladder", scope=scope)
    if people is None:
        return
    st.caption(f"{fmt_number(people.height, lang)} {t('people', lang).lower()}")
    names = dict(zip(people["person_id"].to_list(), people["name"].to_list()))
    person = st.selectbox(t("drill_choose", lang), [None, *names], key="drill_person",
                          format_func=lambda p: "—" if p is None else (names.get(p) or p))
    if person:
        table(ctx, people.filter(pl.col("person_id") == person), "participation_ladder")
    table(ctx, people, "participation_ladder")
    explain("participation_ladder", lang)


if __name__ == "__main__":
    render()
