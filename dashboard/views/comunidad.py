"""Comunidad (community manager): the participation ladder and its moves, people lists to act on (inactive,
dormant, incomplete profiles), champions and unanswered threads with their age -- every list with names,
offices, regions and roles in the page's language and a CSV to send -- and participation inequality. The
inactivity threshold, the open list and the unanswered-hours threshold live in the URL."""

from __future__ import annotations

import streamlit as st

from dashboard import cache, charts
from dashboard.common import current, fetch, help_text, panel, url_number, url_tabs
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
    settings = cache.settings(ctx.db)
    people = t("people", lang).lower()

    st.subheader(t("people_lists", lang))
    with st.columns([1, 3])[0]:
        days = url_number(t("days_inactive", lang), key="c_days", default=int(settings.threshold("inactive_days")),
                          url="dias", minimum=1, maximum=365, help=t("days_inactive_help", lang))
    tabs = url_tabs({"inactive": t("inactive", lang), "dormant": t("dormant", lang),
                     "incomplete": t("incomplete", lang)}, key="c_list", url="lista")
    lists = {"inactive": ("inactive_people", {"days": days}), "dormant": ("dormant_people", {"silent_days": days}),
             "incomplete": ("incomplete_profiles", {})}
    for code, tab in tabs.items():
        with tab:
            if getattr(tab, "open", True) is False:
                continue
            name, params = lists[code]
            found = panel(ctx, name, csv=code, count_word=people, **params)
            if found is not None and code == "inactive":
                st.caption(t("never_note", lang))

    panel(ctx, "champions", csv="champions", count_word=people, top=10_000, show_rows=50)  # every champion in the CSV

    st.subheader(t("inequality", lang), help=help_text("participation_inequality", lang))
    inequality = fetch(ctx, "participation_inequality")
    for row in inequality.iter_rows(named=True) if inequality is not None else ():
        # one row over all eligible people, one over contributors only: each says which
        st.caption(f"{code_label(row['population'], lang)} ({fmt_number(row['people'], lang)})")
        cards = st.columns(4)
        cards[0].metric(t("gini", lang), fmt_number(row.get("gini"), lang, 2), border=True)
        cards[1].metric(t("top1", lang), fmt_percent(row.get("top1_share"), lang), border=True)
        cards[2].metric(t("top10", lang), fmt_percent(row.get("top10_share"), lang), border=True)
        cards[3].metric(t("absence", lang), fmt_number(row.get("absence_factor"), lang), border=True)

    st.subheader(t("unanswered", lang), help=help_text("unanswered_threads", lang))
    with st.columns([1, 3])[0]:
        hours = url_number(t("unanswered_hours", lang), key="c_hours",
                           default=int(settings.threshold("unanswered_hours")), url="horas", minimum=0, maximum=2000)
    panel(ctx, "unanswered_threads", heading=False, csv="unanswered", hours=hours,
          shape=lambda f: f.sort("hours_open", descending=True, nulls_last=True))


if __name__ == "__main__":
    render()
