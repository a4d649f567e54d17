"""Datos: what has been loaded (sources, facts, periods), ingestion runs, rejected rows with reasons,
freshness, and every metric's definition from the registry."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.i18n import fmt_date, t
from dashboard.common import current, table


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        st.info(t("no_store", lang, path=ctx.db))
    else:
        bounds = cache.overview(ctx.db, "activity_bounds")
        st.metric(t("last_day", lang), fmt_date(bounds[1], lang) if bounds else t("na", lang), border=True)
        st.subheader(t("sources", lang))
        table(cache.overview(ctx.db, "sources_and_facts"))
        st.subheader(t("freshness", lang))
        table(cache.overview(ctx.db, "freshness"))
        st.subheader(t("runs", lang))
        table(cache.overview(ctx.db, "ingestion_runs"))
        st.subheader(t("rejects", lang))
        reasons = cache.overview(ctx.db, "rejects_by_reason")
        if reasons.is_empty():
            st.success(t("no_rejects", lang))
        else:
            table(reasons)
            table(cache.overview(ctx.db, "rejected_rows"))
    st.subheader(t("metric_catalog", lang))
    for name, definition in sorted(cache.registry().items(), key=lambda item: item[1].label[lang]):
        with st.expander(f"{definition.label[lang]} (`{name}`)"):
            st.markdown(definition.description[lang])
            st.markdown(f"**{t('definition', lang)}:** {definition.definition[lang]}")
            needs = sorted(definition.requires) + ([" | ".join(sorted(definition.requires_any))]
                                                   if definition.requires_any else [])
            st.caption(f"unit: {definition.unit} · requires: {', '.join(needs) or '—'}")
            for p in definition.parameters:
                st.markdown(f"- `{p.name}` = `{p.default}`: {p.description[lang]}")


if __name__ == "__main__":
    render()
