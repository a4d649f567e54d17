"""Flujos (360° feedback): direction of feedback over time, role -> role Sankey, region × region
matrix, leadership responsiveness and the network (aggregated when there are too many people)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import current, explain, fetch, panel, table, trend_scope
from dashboard.i18n import t
from metrics.columns import PEOPLE, REGION
from metrics.registry import col

MAX_PEOPLE_DRAWN = 300
MAX_OFFICES_DRAWN = 150
# above this many people the network metrics (sampled betweenness, Louvain) take seconds on first view:
# they are computed only when the user asks (then cached per store version and scope)
AUTO_NETWORK_PEOPLE = 5000
COMMUNITY_SUMMARY = (col("community", "int", "Comunidad", "Community", "number"), PEOPLE, REGION,
                     col("offices", "int", "Oficinas", "Offices", "count"))


def default_level(people: int, offices: int) -> str:
    """Draw people when few enough, else offices, else regions."""
    if people <= MAX_PEOPLE_DRAWN:
        return "person"
    return "office" if offices <= MAX_OFFICES_DRAWN else "region"


def render() -> None:
    ctx = current()
    lang = ctx.lang
    direction = cache.registry()["feedback_direction_trend"]
    shares = {c: direction.column(c).label[lang] for c in ("upward", "downward", "horizontal", "unranked")}
    panel(ctx, "feedback_direction_trend", title=t("direction_trend", lang), show_table=False,
          scope=trend_scope(ctx.scope) if ctx.scope else None,
          chart=lambda f: charts.stacked_shares(f, "period", shares, "", lang))
    if ctx.scope is None:
        return

    left, right = st.columns(2)
    with left:
        panel(ctx, "role_flow_sankey", title=t("sankey", lang), show_table=False,
              chart=lambda f: charts.sankey(f, lang, ""))
    with right:
        panel(ctx, "region_flow_matrix", title=t("region_matrix", lang), show_table=False,
              chart=lambda f: charts.matrix(f, "sender_region", "receiver_region", "weight", "", lang,
                                            t("receiver", lang), t("sender", lang)))

    left, right = st.columns(2)
    with left:
        panel(ctx, "leadership_responsiveness")
    with right:
        panel(ctx, "silent_leaders")

    network_section(ctx, lang)


def network_section(ctx, lang: str) -> None:
    st.subheader(t("network", lang))
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
    except Exception as exc:
        st.warning(t("failed", lang, label=t("network", lang), error=str(exc).splitlines()[0][:200]))
    explain("network_communities", lang)
    tabs = st.tabs([t("brokers", lang), t("silos", lang), t("communities", lang)])
    with tabs[0]:
        panel(ctx, "network_centrality", shape=lambda f: f.sort("betweenness", descending=True).head(25))
    with tabs[1]:
        panel(ctx, "silos")
    with tabs[2]:
        communities = fetch(ctx, "network_communities")
        if communities is not None:
            summary = (communities.group_by("community")
                       .agg(pl.len().cast(pl.Int64).alias("people"), pl.col("region").mode().first().alias("region"),
                            pl.col("office").n_unique().cast(pl.Int64).alias("offices"))
                       .sort("people", descending=True))
            table(ctx, summary, columns=COMMUNITY_SUMMARY)
            explain("network_communities", lang)


if __name__ == "__main__":
    render()
