"""Resumen (communications director): KPI cards, trends with the calendar, adoption, alerts, top posts,
campaign impact and the downloadable report."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import current, fetch, fetch_silent, kpi_cards, panel, trend_scope
from dashboard.i18n import fmt_date, t
from dashboard.report import build_report

TOP_POST_COLUMNS = ("created_local", "author", "group_name", "title", "excerpt", "likes", "replies")
ALERT_COLUMNS = ("level", "unit", "region", "kind", "reason", "first_alert")


def series(name: str, lang: str, *columns: str) -> dict[str, str]:
    """{column: its declared label} for a chart's legend."""
    definition = cache.registry()[name]
    return {c: definition.column(c).label[lang] for c in columns}


def render() -> None:
    ctx = current()
    lang = ctx.lang
    st.subheader(t("kpis", lang))
    kpis = fetch(ctx, "kpi_summary")
    if kpis is not None:
        kpi_cards(ctx, kpis)
        st.caption(t("vs_previous", lang))
    if ctx.scope is None:
        return
    report_button(ctx)

    window = trend_scope(ctx.scope)
    events = fetch_silent(ctx, "campaign_calendar", scope=window)
    left, right = st.columns(2)
    with left:
        panel(ctx, "activity_trend", scope=window, show_table=False,
              title=t("trend_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)),
              chart=lambda f: charts.lines(f, "period_start", series(
                  "activity_trend", lang, "active_accounts", "contributing_accounts", "threads_started", "replies"),
                  "", lang, t("count", lang), events))
    with right:
        panel(ctx, "daily_actives", show_table=False,
              chart=lambda f: charts.lines(f, "day", series("daily_actives", lang, "dau", "wau", "mau"), "", lang,
                                           t("people", lang), fetch_silent(ctx, "campaign_calendar")))

    panel(ctx, "adoption_by", title=t("adoption_region", lang), by="region", show_table=False,
          chart=lambda f: charts.ranked_bars(f, "segment", "adoption", "", lang, t("adoption", lang), ratio=True))
    # full width: each alert's reason is a sentence
    panel(ctx, "activity_alerts", empty_message=t("no_alerts", lang), lang=lang,
          shape=lambda f: f.select([c for c in ALERT_COLUMNS if c in f.columns]))

    panel(ctx, "top_posts", shape=lambda f: f.select([c for c in TOP_POST_COLUMNS if c in f.columns]))
    st.caption(t("campaign_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)))
    panel(ctx, "campaign_impact", scope=window)


def report_button(ctx) -> None:
    lang, scope = ctx.lang, ctx.scope

    def frame(name: str, **params) -> pl.DataFrame:
        return cache.metric_frame(ctx.db, name, scope, **params)

    settings = cache.settings(ctx.db)
    name = f"pulso-{scope.start.isoformat()}_{scope.end.isoformat()}-{lang}.html"
    st.download_button(t("weekly_report", lang), lambda: build_report(frame, scope, lang, cache.registry(), settings),
                       file_name=name, mime="text/html", key="report", icon=":material/download:",
                       help=f"{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)}")


if __name__ == "__main__":
    render()
