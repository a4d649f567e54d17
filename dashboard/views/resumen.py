"""Resumen (communications director): KPI cards (group participation included) with the change against the
previous period, trends with the calendar, adoption by region in points, alerts, top posts, campaign impact and
the period report (HTML and PDF), which says what this page says."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts, report
from dashboard.common import audit, current, fetch, fetch_silent, kpi_cards, panel, trend_scope
from dashboard.i18n import fmt_date, t
from dashboard.present import code_label, without_previous


def series(name: str, lang: str, *columns: str) -> dict[str, str]:
    """{column: its declared label} for a chart's legend."""
    definition = cache.registry()[name]
    return {c: definition.column(c).label[lang] for c in columns}


def campaign_rows(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Campaign impact with the channel in words."""
    return frame.with_columns(pl.col("channel").map_elements(lambda v: code_label(v, lang), return_dtype=pl.String))


def render() -> None:
    ctx = current()
    lang = ctx.lang
    st.subheader(t("kpis", lang))
    kpis = fetch(ctx, "kpi_summary")
    if kpis is not None:
        kpi_cards(ctx, kpis, extra=fetch_silent(ctx, "group_participation_overall"))
        previous = ctx.scope.previous()
        st.caption(t("vs_previous", lang, start=fmt_date(previous.start, lang), end=fmt_date(previous.end, lang)))
    if ctx.scope is None:
        return
    report_buttons(ctx)

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

    st.subheader(t("adoption_region", lang))
    left, right = st.columns(2)
    with left:
        panel(ctx, "adoption_by", heading=False, by="region", show_table=False, key="adoption_chart", definition=False,
              legend=False,
              chart=lambda f: charts.ranked_bars(f, "segment", "adoption", "", lang, t("adoption", lang), ratio=True))
    with right:
        panel(ctx, "adoption_by", heading=False, by="region", key="adoption_table", csv="adoption",
              shown=without_previous(("segment", "adoption", "change_pts", "active"), ctx.scope,
                                     cache.data_span(ctx.db)), labels={"segment": t("region", lang)})

    panel(ctx, "activity_alerts", title=t("alerts", lang), empty_message=t("no_alerts", lang), csv="alerts",
          lang=lang)  # the alerts' reasons in the page's language
    panel(ctx, "top_posts", csv="top-posts")
    st.subheader(t("campaigns", lang))
    st.caption(t("campaign_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)))
    panel(ctx, "campaign_impact", heading=False, scope=window, empty_message=t("no_campaigns", lang),
          shape=lambda f: campaign_rows(f, lang), csv="campaigns")


def report_buttons(ctx) -> None:
    lang, scope = ctx.lang, ctx.scope

    def document() -> str:
        return report.build_report(lambda name, s, **params: cache.metric_frame(ctx.db, name, s, **params), scope,
                                   lang, cache.registry(), cache.settings(ctx.db), span=cache.data_span(ctx.db))

    stem = f"pulso-{scope.start.isoformat()}_{scope.end.isoformat()}-{lang}"
    period = f"{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)}"
    left, right, _ = st.columns(3)
    left.download_button(t("report_html", lang), document, file_name=f"{stem}.html", mime="text/html",
                         key="report_html", icon=":material/download:", help=period,
                         on_click=lambda: audit(ctx, "download", "report", scope, {"file": f"{stem}.html"}))
    if report.chromium_path():
        right.download_button(t("report_pdf", lang), lambda: report.html_to_pdf(document()), file_name=f"{stem}.pdf",
                              mime="application/pdf", key="report_pdf", icon=":material/picture_as_pdf:", help=period,
                              on_click=lambda: audit(ctx, "download", "report", scope, {"file": f"{stem}.pdf"}))
    else:
        right.caption(t("report_pdf_missing", lang))


if __name__ == "__main__":
    render()
