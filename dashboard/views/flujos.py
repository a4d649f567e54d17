"""Flujos (360° feedback): direction of feedback over time, role -> role Sankey, region × region
matrix, leadership responsiveness and the network (aggregated when there are too many people)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.i18n import t
from dashboard.common import current, explain, fetch, help_text, table, trend_scope

MAX_PEOPLE_DRAWN = 300
MAX_OFFICES_DRAWN = 150
# above this many people the network metrics (sampled betweenness, Louvain) take seconds on first view:
# they are computed only when the user asks (then cached per store version and scope)
AUTO_NETWORK_PEOPLE = 5000


def default_level(people: int, offices: int) -> str:
    """Draw people when few enough, else offices, else regions."""
    if people <= MAX_PEOPLE_DRAWN:
        return "person"
    return "office" if offices <= MAX_OFFICES_DRAWN else "region"


def render() -> None:
    ctx = current()
    lang = ctx.lang
    st.subheader(t("direction_trend", lang), help=help_text("feedback_direction_trend", lang))
    trend = fetch(ctx, "feedback_direction_trend", scope=trend_scope(ctx.scope) if ctx.scope else None)
    if trend is not None:
        st.plotly_chart(charts.stacked_shares(trend, "period", {
            "upward": t("upward", lang), "downward": t("downward", lang), "horizontal": t("horizontal", lang),
            "unranked": t("unranked", lang)}, t("direction_trend", lang), lang), key="direction")
        explain("feedback_direction_trend", lang)
    if ctx.scope is None:
        return

    left, right = st.columns(2)
    with left:
        st.subheader(t("sankey", lang), help=help_text("role_flow_sankey", lang))
        flows = fetch(ctx, "role_flow_sankey")
        if flows is not None:
            st.plotly_chart(charts.sankey(flows, lang, t("sankey", lang)), key="sankey")
    with right:
        st.subheader(t("region_matrix", lang), help=help_text("region_flow_matrix", lang))
        matrix = fetch(ctx, "region_flow_matrix")
        if matrix is not None:
            st.plotly_chart(charts.matrix(matrix, "sender_region", "receiver_region", "weight", t("region_matrix", lang),
                                          lang, t("receiver", lang), t("sender", lang)), key="matrix")

    left, right = st.columns(2)
    with left:
        st.subheader(t("responsiveness", lang), help=help_text("leadership_responsiveness", lang))
        responsiveness = fetch(ctx, "leadership_responsiveness")
        if responsiveness is not None:
            table(responsiveness)
    with right:
        st.subheader(t("silent_leaders", lang), help=help_text("silent_leaders", lang))
        silent = fetch(ctx, "silent_leaders")
        if silent is not None:
            table(silent)

    network_section(ctx, lang)


def network_section(ctx, lang: str) -> None:
    st.subheader(t("network", lang), help=help_text("network_communities", lang))
    people = fetch(ctx, "participation_ladder")
    if people is None or fetch(ctx, "interaction_edges", quiet_empty=False) is None:
        return
    size = people.height
    offices = people["office"].n_unique()
    if not st.toggle(t("network_show", lang), value=size <= AUTO_NETWORK_PEOPLE, key="net_show",
                     help=t("network_show_help", lang)):
        return
    levels = ("person", "office", "region", "role")
    auto = default_level(size, offices)
    level = st.radio(t("network_level", lang), levels, index=levels.index(auto), horizontal=True, key="net_level",
                     format_func=lambda v: t(f"level_{v}", lang))
    if level == "person" and size > MAX_PEOPLE_DRAWN:
        st.info(t("network_aggregated", lang, n=f"{size:,}", level=t(f"level_{auto}", lang)))
        level = auto
    try:
        st.plotly_chart(cache.network_figure(ctx.db, ctx.scope, level, lang, t("network", lang)), key="network")
    except Exception as exc:  # noqa: BLE001 - the drawing is optional; the tables below still help
        st.warning(t("failed", lang, label=t("network", lang), error=str(exc).splitlines()[0][:200]))
    explain("network_communities", lang)
    tabs = st.tabs([t("brokers", lang), t("silos", lang), t("communities", lang)])
    with tabs[0]:
        centrality = fetch(ctx, "network_centrality")
        if centrality is not None:
            order = "betweenness" if "betweenness" in centrality.columns else centrality.columns[-1]
            table(centrality.sort(order, descending=True, nulls_last=True).head(25))
            explain("network_centrality", lang)
    with tabs[1]:
        silos = fetch(ctx, "silos")
        if silos is not None:
            table(silos)
            explain("silos", lang)
    with tabs[2]:
        communities = fetch(ctx, "network_communities")
        if communities is not None and "community" in communities.columns:
            summary = (communities.group_by("community")
                       .agg(pl.len().alias("people"), pl.col("region").mode().first().alias("region"),
                            pl.col("office").n_unique().alias("offices"))
                       .sort("people", descending=True))
            table(summary)


if __name__ == "__main__":
    render()
