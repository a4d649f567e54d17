"""Resumen (communications director): KPI cards, trends with the calendar, adoption, top posts,
campaign impact, alerts and the downloadable report."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.i18n import fmt_date, t
from dashboard.report import build_report
from dashboard.common import current, explain, fetch, fetch_silent, help_text, kpi_cards, table, trend_scope


def render() -> None:
    ctx = current()
    lang = ctx.lang
    st.subheader(t("kpis", lang))
    kpis = fetch(ctx, "kpi_summary")
    if kpis is not None:
        kpi_cards(kpis, lang, help_text("kpi_summary", lang))
        st.caption(t("vs_previous", lang))
    if ctx.scope is None:
        return
    report_button(ctx)

    st.subheader(t("trends", lang))
    events = fetch_silent(ctx, "campaign_calendar")
    left, right = st.columns(2)
    with left:
        window = trend_scope(ctx.scope)
        trend = fetch(ctx, "activity_trend", scope=window)
        if trend is not None:
            st.plotly_chart(charts.lines(trend, "period_start", {
                "active_accounts": t("active_accounts", lang), "contributing_accounts": t("contributing_accounts", lang),
                "threads_started": t("threads_started", lang), "replies": t("replies", lang)},
                t("trend_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)),
                lang, t("count", lang), fetch_silent(ctx, "campaign_calendar", scope=window)), key="trend")
            explain("activity_trend", lang)
    with right:
        daily = fetch(ctx, "daily_actives")
        if daily is not None:
            st.plotly_chart(charts.lines(daily, "day", {"dau": t("dau", lang), "wau": t("wau", lang),
                                                        "mau": t("mau", lang)},
                                         t("dau", lang), lang, t("people", lang), events), key="daily")
            explain("daily_actives", lang)

    left, right = st.columns(2)
    with left:
        st.subheader(t("adoption_region", lang))
        adoption = fetch(ctx, "adoption_by", by="region")
        if adoption is not None:
            st.plotly_chart(charts.ranked_bars(adoption, "segment", "adoption", t("adoption_region", lang), lang,
                                               t("adoption", lang), ratio=True), key="adoption")
            explain("adoption_by", lang)
    with right:
        st.subheader(t("alerts", lang))
        alerts = fetch(ctx, "activity_alerts", empty_message=t("no_alerts", lang))
        if alerts is not None:
            table(alerts)
            explain("activity_alerts", lang)

    st.subheader(t("top_posts", lang))
    posts = fetch(ctx, "top_posts")
    if posts is not None:
        shown = [c for c in ("created_local", "author", "group_name", "title", "excerpt", "likes", "replies")
                 if c in posts.columns]
        table(posts.select(shown))
        explain("top_posts", lang)

    st.subheader(t("campaigns", lang))
    window = trend_scope(ctx.scope)
    st.caption(t("campaign_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)))
    impact = fetch(ctx, "campaign_impact", scope=window)
    if impact is not None:
        table(impact)
        explain("campaign_impact", lang)


def report_button(ctx) -> None:
    lang, scope = ctx.lang, ctx.scope

    def frame(name: str, **params) -> pl.DataFrame:
        return cache.metric_frame(ctx.db, name, scope, **params)

    name = f"pulso-{scope.start.isoformat()}_{scope.end.isoformat()}-{lang}.html"
    st.download_button(t("weekly_report", lang), lambda: build_report(frame, scope, lang, cache.registry()),
                       file_name=name, mime="text/html", key="report", icon=":material/download:",
                       help=f"{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)}")


if __name__ == "__main__":
    render()
