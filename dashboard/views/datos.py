"""Datos: what has been loaded (sources, facts, periods), load runs, rejected rows with reasons,
freshness (times in the organisation's time zone), and every metric's definition from the registry, after the
vocabulary they share."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache
from dashboard.common import current, panel
from dashboard.i18n import fmt_date, t
from dashboard.present import code_label, prose, zone
from pulso.core.vocabulary import VOCABULARY


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        st.info(t("no_store", lang, path=ctx.db.name))
    else:
        span = cache.data_span(ctx.db)
        settings = cache.settings(ctx.db)
        left, right = st.columns(2)
        left.metric(t("last_day", lang), fmt_date(span[1], lang) if span else t("na", lang), border=True)
        right.metric(t("time_zone", lang), zone(settings.timezone), border=True)
        panel(ctx, "store_sources")
        panel(ctx, "store_freshness")
        panel(ctx, "store_runs", shape=lambda f: f.with_columns(pl.col("formats").map_elements(
            lambda v: ", ".join(code_label(x, lang) for x in (v or "").split(";") if x), return_dtype=pl.String)))
        panel(ctx, "store_rejects_by_reason", empty_message=t("no_rejects", lang))
        panel(ctx, "store_rejected_rows", empty_message=t("no_rejects", lang))
        panel(ctx, "store_directory_conflicts", empty_message=t("no_conflicts", lang))
    st.subheader(t("vocabulary", lang))
    for term in VOCABULARY:
        st.markdown(f"**{term.name[lang]}.** {prose(term.definition[lang], lang)}")
    st.subheader(t("metric_catalog", lang))
    for definition in sorted(cache.registry().values(), key=lambda d: d.label[lang]):
        with st.expander(definition.label[lang]):
            st.markdown(prose(definition.description[lang], lang))
            st.markdown(f"**{t('definition', lang)}:** {prose(definition.definition[lang], lang)}")


if __name__ == "__main__":
    render()
