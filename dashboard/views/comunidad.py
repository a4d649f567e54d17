"""Comunidad (community manager): the participation ladder and its moves, people lists to act on
(inactive, dormant, incomplete profiles) with CSV download, champions, unanswered threads, inequality."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.common import current, fetch, help_text, panel
from dashboard.i18n import fmt_number, fmt_percent, t
from dashboard.present import code_label


def render() -> None:
    ctx = current()
    lang = ctx.lang
    left, right = st.columns(2)
    with left:
        panel(ctx, "participation_ladder_counts", title=t("ladder", lang), show_table=False,
              chart=lambda f: charts.ladder_funnel(f, lang, ""))
    with right:
        panel(ctx, "participation_transitions", title=t("transitions", lang), show_table=False,
              chart=lambda f: charts.transitions_heatmap(f, lang, ""))
    if ctx.scope is None:
        return

    st.subheader(t("people_lists", lang))
    days = st.number_input(t("days_inactive", lang), min_value=1, max_value=365, value=30, step=1, key="c_days",
                           help=help_text("inactive_people", lang))
    tabs = st.tabs([t("inactive", lang), t("dormant", lang), t("incomplete", lang)])
    for tab, (name, stem, params) in zip(tabs, (("inactive_people", "inactive", {"days": int(days)}),
                                                ("dormant_people", "dormant", {"silent_days": int(days)}),
                                                ("incomplete_profiles", "incomplete", {}))):
        with tab:
            people = panel(ctx, name, csv=stem, **params)
            if people is not None:
                st.caption(f"{fmt_number(people.height, lang)} {t('people', lang).lower()}")

    left, right = st.columns(2)
    with left:
        # the score next to its parts (the CSV keeps every column)
        panel(ctx, "champions", csv="champions", shape=lambda f: f.select(
            "name", "score", "people_answered", "replies_received", "offices_reached"))
    with right:
        st.subheader(t("inequality", lang), help=help_text("participation_inequality", lang))
        inequality = fetch(ctx, "participation_inequality")
        for row in inequality.iter_rows(named=True) if inequality is not None else ():
            # one row over all eligible people, one over contributors only: each says which
            st.caption(f"{code_label(row['population'], lang)} ({fmt_number(row['people'], lang)})")
            a, b, c = st.columns(3)
            a.metric("Gini", fmt_number(row.get("gini"), lang, 2), border=True)
            b.metric("Top 1 %", fmt_percent(row.get("top1_share"), lang), border=True)
            c.metric("Top 10 %", fmt_percent(row.get("top10_share"), lang), border=True)

    panel(ctx, "unanswered_threads", title=t("unanswered", lang), csv="unanswered",
          shape=lambda f: f.sort("hours_open", descending=True, nulls_last=True))


if __name__ == "__main__":
    render()
