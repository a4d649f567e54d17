"""Flujos (business director, 360° feedback): does feedback flow up, down or across, along the chain of command,
between roles and regions; how fast threads get a first reply by role and region; do leaders answer; and the
network (aggregated when there are too many people), whether its communities follow the regions (said in words),
its brokers, bridges and silos by name.

By default it counts what people write -- replies and mentions -- and shows likes apart; the kinds, the
breakdown of the first reply, the network level and tab live in the URL.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import (current, explain, fetch, fetch_silent, help_text, panel, plot, suppressed_legend, table,
                              translated, trend_scope, url_choice, url_choices, url_flag, url_tabs)
from dashboard.i18n import fmt_date, fmt_number, fmt_percent, t
from dashboard.present import code_label, plain, safe_error
from metrics.network import MIN_TIED_PEOPLE
from metrics.columns import NAME, PEOPLE
from metrics.registry import col

MAX_PEOPLE_DRAWN = 300
MAX_OFFICES_DRAWN = 150
DEFAULT_KINDS = ("reply", "mention")
# above this many people the network metrics (sampled betweenness, Louvain) take seconds on first view:
# they are computed only when the user asks (then cached per store version and scope)
AUTO_NETWORK_PEOPLE = 5000
COMMUNITY_SUMMARY = (col("community", "int", "Comunidad", "Community", "count"), PEOPLE,
                     col("main_region", "str", "Región principal", "Main region", "unit"),
                     col("main_share", "float", "Parte de esa región", "Share from that region", "ratio"),
                     col("offices", "int", "Oficinas", "Offices", "count"))
FIRST_REPLY_BY = ("asker_region", "asker_role", "responder_region", "responder_role")


def default_level(people: int, offices: int) -> str:
    """Draw people when few enough, else offices, else regions."""
    if people <= MAX_PEOPLE_DRAWN:
        return "person"
    return "office" if offices <= MAX_OFFICES_DRAWN else "region"


def with_names(ctx, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each person's name (from the people directory of the scope)."""
    people = fetch_silent(ctx, "person_directory")
    if people is None or "person_id" not in frame.columns:
        return frame.with_columns(pl.lit(None, pl.String).alias("name"))
    return frame.join(people.select("person_id", "name"), on="person_id", how="left")


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        fetch(ctx, "feedback_direction")
        return
    available = cache.act_kinds(ctx.db) or list(DEFAULT_KINDS)
    default = [k for k in DEFAULT_KINDS if k in available]
    chosen = url_choices(st.pills, t("kinds", lang), available, key="f_kinds", default=default, url="tipos",
                         selection_mode="multi", format_func=lambda k: code_label(k, lang), help=t("kinds_help", lang))
    kinds = ",".join(chosen) if chosen else None  # none chosen = every kind (the metrics' own default)

    direction_section(ctx, lang, kinds, available, chosen)
    role_section(ctx, lang, kinds)
    first_reply_section(ctx, lang)
    left, right = st.columns(2)
    with left:
        panel(ctx, "leadership_responsiveness", title=t("responsiveness", lang))
    with right:
        panel(ctx, "silent_leaders", title=t("silent_leaders", lang), csv="silent-leaders",
              count_word=t("people", lang).lower())
    network_section(ctx, lang, kinds)


def direction_section(ctx, lang: str, kinds: str | None, available: list[str], chosen: list[str]) -> None:
    registry = cache.registry()
    direction = registry["feedback_direction"]
    st.subheader(t("direction_trend", lang), help=help_text("feedback_direction", lang))
    now = fetch(ctx, "feedback_direction", kinds=kinds)
    if now is not None:
        row = now.row(0, named=True)
        shares = ("upward", "downward", "horizontal") + (("unranked",) if (row["unranked"] or 0) > 0 else ())
        cards = st.columns(4)
        for i, name in enumerate(shares):
            cards[i].metric(direction.column(name).label[lang], fmt_percent(row[name], lang), border=True)
        st.caption(f"{t('weight', lang)}: {fmt_number(row['total_weight'], lang)}")
        st.markdown(f"**{t('chain', lang)}**")
        cards = st.columns(4)
        for i, name in enumerate(("to_own_manager", "skip_level_up", "to_own_report", "skip_level_down")):
            cards[i].metric(direction.column(name).label[lang], fmt_percent(row[name], lang), border=True)
        cards = st.columns(4)
        for i, name in enumerate(("across_offices", "across_regions")):
            cards[i].metric(direction.column(name).label[lang], fmt_percent(row[name], lang), border=True)
    if "like" in available and "like" not in chosen:
        likes = fetch_silent(ctx, "feedback_direction", kinds="like")
        if likes is not None:
            row = likes.row(0, named=True)
            st.markdown(f"**{t('likes_apart', lang)}**")
            cards = st.columns(4)
            for i, name in enumerate(("upward", "downward", "horizontal")):
                cards[i].metric(direction.column(name).label[lang], fmt_percent(row[name], lang), border=True)
            st.caption(t("likes_apart_caption", lang, up=fmt_percent(row["upward"], lang),
                         weight=fmt_number(row["total_weight"], lang)))
    series = {c: direction.column(c).label[lang] for c in ("upward", "downward", "horizontal", "unranked")}
    window = trend_scope(ctx.scope)
    heading = t("direction_window", lang, gran=t(f"gran_{window.granularity}", lang),
                start=fmt_date(window.start, lang), end=fmt_date(window.end, lang))
    st.markdown(f"**{heading}**")
    panel(ctx, "feedback_direction_trend", heading=False, show_table=False, scope=window, kinds=kinds,
          chart=lambda f: charts.stacked_shares(f, "period", series, "", lang), definition=False)
    panel(ctx, "feedback_direction", title=t("direction_by_region", lang), by="region", kinds=kinds,
          csv="direction-by-region", labels={"segment": t("region", lang)})


def role_section(ctx, lang: str, kinds: str | None) -> None:
    hierarchy = cache.settings(ctx.db).hierarchy
    left, right = st.columns(2)
    with left:
        st.subheader(t("role_matrix", lang), help=help_text("role_flow_matrix", lang))
        found = fetch(ctx, "role_flow_matrix", kinds=kinds)
        if found is not None:
            shown = translated(ctx, found, "role_flow_matrix")
            order = [hierarchy.label(r, lang) for r in hierarchy.names]
            order += sorted(set(shown["sender_role"]) | set(shown["receiver_role"]) - set(order))
            plot(charts.matrix(shown, "sender_role", "receiver_role", "weight", "", lang,
                               t("receiver", lang), t("sender", lang), order=order, share=True),
                 key="chart_role_matrix", config={"displaylogo": False})
            suppressed_legend(ctx, found)
            explain("role_flow_matrix", lang)
    with right:
        st.subheader(t("sankey", lang), help=help_text("role_flow_sankey", lang))
        found = fetch(ctx, "role_flow_sankey", kinds=kinds)
        if found is not None:
            plot(charts.sankey(translated(ctx, found, "role_flow_sankey"), lang, ""), key="chart_sankey",
                 config={"displaylogo": False})
            st.caption(t("sankey_other", lang, pct=fmt_percent(0.02, lang, 0)))
            suppressed_legend(ctx, found)
    panel(ctx, "region_flow_matrix", title=t("region_matrix", lang), show_table=False, kinds=kinds,
          chart=lambda f: charts.matrix(f, "sender_region", "receiver_region", "weight", "", lang,
                                        t("receiver", lang), t("sender", lang)))


def first_reply_section(ctx, lang: str) -> None:
    st.subheader(t("first_reply", lang), help=help_text("conversation_response", lang))
    overall = fetch_silent(ctx, "conversation_response")
    if overall is not None:
        row = overall.row(0, named=True)
        definition = cache.registry()["conversation_response"]
        cards = st.columns(4)
        for i, name in enumerate(("reply_rate", "median_hours_to_first_reply", "p90_hours_to_first_reply", "threads")):
            value = row[name]
            text = fmt_percent(value, lang) if name == "reply_rate" else \
                fmt_number(value, lang, 1 if "hours" in name else None)
            cards[i].metric(definition.column(name).label[lang], text, border=True)
    by = url_choice(st.segmented_control, t("first_reply_by", lang), FIRST_REPLY_BY, key="f_reply_by",
                    default=FIRST_REPLY_BY[0], url="por", format_func=lambda b: t(f"by_{b}", lang))
    by = by or FIRST_REPLY_BY[0]
    words = t(f"by_{by}", lang)
    panel(ctx, "conversation_response", heading=False, by=by, csv="first-reply",
          labels={"segment": words[0].upper() + words[1:]})


def network_section(ctx, lang: str, kinds: str | None) -> None:
    st.subheader(t("network", lang), help=help_text("network_communities", lang))
    people = fetch(ctx, "person_directory")
    if people is None or fetch(ctx, "interaction_edges", kinds=kinds) is None:
        return
    size = people.height
    offices = people["office"].n_unique()
    if not url_flag(t("network_show", lang), key="net_show", default=size <= AUTO_NETWORK_PEOPLE, url="red",
                    help=t("network_show_help", lang)):
        return
    match_in_words(ctx, lang, kinds)
    levels = ("person", "office", "region", "role")
    auto = default_level(size, offices)
    level = url_choice(st.radio, t("network_level", lang), levels, key="net_level", default=auto, url="nivel",
                       horizontal=True, format_func=lambda v: t(f"level_{v}", lang))
    if level == "person" and size > MAX_PEOPLE_DRAWN:
        st.info(t("network_aggregated", lang, n=fmt_number(size, lang), level=t(f"level_{auto}", lang)))
        level = auto
    try:
        plot(cache.network_figure(ctx.db, ctx.scope, level, lang, "", tuple(kinds.split(",")) if kinds
                                  else None), key="network", config={"displaylogo": False})
    except Exception as exc:
        st.warning(t("failed", lang, label=t("network", lang), error=safe_error(str(exc).splitlines()[0][:200])))
    registry = cache.registry()
    tabs = url_tabs({"bridges": t("bridges", lang), "brokers": t("brokers", lang), "silos": t("silos", lang),
                     "communities": t("communities", lang)}, key="net_tab", url="detalle")
    for code, tab in tabs.items():
        with tab:
            if getattr(tab, "open", True) is False:
                continue
            if code in ("brokers", "bridges", "silos"):
                name = {"brokers": "network_centrality", "bridges": "region_bridges", "silos": "silos"}[code]
                order = {"brokers": ("betweenness", True), "bridges": ("regions_reached", True),
                         "silos": ("level", False)}[code]
                extra = {"top": 0} if code == "bridges" else {}  # every bridge: the table shows 50, the CSV all
                panel(ctx, name, kinds=kinds, csv=code, show_rows=50 if code != "silos" else 200, **extra,
                      columns=(*registry[name].columns, NAME), count_word=t("people", lang).lower(),
                      shape=lambda f, o=order: with_names(ctx, f).sort(o[0], descending=o[1], nulls_last=True))
            else:
                communities_table(ctx, lang, kinds)


def match_in_words(ctx, lang: str, kinds: str | None) -> None:
    """Communities against regions: the metric's own sentence, with the figures behind it."""
    st.markdown(f"**{t('match_title', lang)}**", help=help_text("community_region_match", lang))
    found = fetch(ctx, "community_region_match", kinds=kinds, lang=lang)
    if found is None:
        return
    row = found.row(0, named=True)
    st.markdown(plain(row["interpretation"]))
    if row["own_region_share"] is not None and row["nodes_with_ties"] >= MIN_TIED_PEOPLE:
        st.caption(t("match_numbers", lang, tied=fmt_number(row["nodes_with_ties"], lang),
                     share=fmt_percent(row["tied_share"], lang), own=fmt_percent(row["own_region_share"], lang),
                     communities=fmt_number(row["tied_communities"], lang), regions=fmt_number(row["regions"], lang),
                     nmi=fmt_number(row["normalized_mutual_info"], lang, 2)))


def communities_table(ctx, lang: str, kinds: str | None) -> None:
    st.subheader(t("communities", lang), help=help_text("network_communities", lang))
    communities = fetch(ctx, "network_communities", kinds=kinds)
    if communities is None:
        return
    by_region = (communities.group_by("community", "region").len()
                 .sort(["community", "len", "region"], descending=[False, True, False])
                 .group_by("community", maintain_order=True).first())
    summary = (communities.group_by("community")
               .agg(pl.len().cast(pl.Int64).alias("people"), pl.col("office").n_unique().cast(pl.Int64).alias("offices"))
               .join(by_region.select("community", pl.col("region").alias("main_region"), pl.col("len").alias("n")),
                     on="community")
               .with_columns((pl.col("n") / pl.col("people")).alias("main_share"), (pl.col("community") + 1))
               .sort("people", descending=True))
    table(ctx, summary, columns=COMMUNITY_SUMMARY, shown=("community", "people", "main_region", "main_share", "offices"))
    explain("network_communities", lang)


if __name__ == "__main__":
    render()
