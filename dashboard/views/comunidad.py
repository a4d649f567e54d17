"""Comunidad (community manager): the participation ladder and its moves, people lists to act on
(inactive, dormant, incomplete profiles) with CSV download, champions, unanswered threads, inequality."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.i18n import fmt_number, fmt_percent, t
from dashboard.common import csv_button, current, explain, fetch, help_text, table


def render() -> None:
    ctx = current()
    lang = ctx.lang
    left, right = st.columns(2)
    with left:
        st.subheader(t("ladder", lang), help=help_text("participation_ladder_counts", lang))
        counts = fetch(ctx, "participation_ladder_counts")
        if counts is not None:
            st.plotly_chart(charts.ladder_funnel(counts, lang, t("ladder", lang)), key="funnel")
            explain("participation_ladder_counts", lang)
    with right:
        st.subheader(t("transitions", lang), help=help_text("participation_transitions", lang))
        moves = fetch(ctx, "participation_transitions")
        if moves is not None:
            st.plotly_chart(charts.transitions_heatmap(moves, lang, t("transitions", lang)), key="transitions")
            explain("participation_transitions", lang)
    if ctx.scope is None:
        return

    st.subheader(t("people_lists", lang))
    days = st.number_input(t("days_inactive", lang), min_value=1, max_value=365, value=30, step=1, key="c_days",
                           help=help_text("inactive_people", lang))
    tabs = st.tabs([t("inactive", lang), t("dormant", lang), t("incomplete", lang)])
    for tab, (name, key, params) in zip(tabs, (("inactive_people", "inactive", {"days": int(days)}),
                                               ("dormant_people", "dormant", {"silent_days": int(days)}),
                                               ("incomplete_profiles", "incomplete", {}))):
        with tab:
            frame = fetch(ctx, name, **params)
            if frame is not None:
                st.caption(f"{fmt_number(frame.height, lang)} {t('people', lang).lower()}")
                table(frame)
                csv_button(frame, f"pulso-{key}-{ctx.scope.start.isoformat()}.csv", lang, key=f"csv_{key}")
                explain(name, lang)

    left, right = st.columns(2)
    with left:
        st.subheader(t("champions", lang), help=help_text("champions", lang))
        champions = fetch(ctx, "champions")
        if champions is not None:
            table(champions)
    with right:
        st.subheader(t("inequality", lang), help=help_text("participation_inequality", lang))
        inequality = fetch(ctx, "participation_inequality")
        if inequality is not None:
            row = inequality.row(0, named=True)
            a, b, c = st.columns(3)
            a.metric("Gini", fmt_number(row.get("gini"), lang, 2), border=True)
            b.metric("Top 1 %", fmt_percent(row.get("top1_share"), lang), border=True)
            c.metric("Top 10 %", fmt_percent(row.get("top10_share"), lang), border=True)
            explain("participation_inequality", lang)

    st.subheader(t("unanswered", lang), help=help_text("unanswered_threads", lang))
    unanswered = fetch(ctx, "unanswered_threads")
    if unanswered is not None:
        if "hours_open" in unanswered.columns:
            unanswered = unanswered.sort("hours_open", descending=True, nulls_last=True)
        table(unanswered)
        csv_button(unanswered, f"pulso-unanswered-{ctx.scope.start.isoformat()}.csv", lang, key="csv_unanswered")


if __name__ == "__main__":
    render()
