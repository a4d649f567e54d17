"""Contenido: trending hashtags, discovered topics with their terms and example threads, best times."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.i18n import t
from dashboard.common import current, explain, fetch, help_text, table


def render() -> None:
    ctx = current()
    lang = ctx.lang
    left, right = st.columns(2)
    with left:
        st.subheader(t("hashtags", lang), help=help_text("trending_hashtags", lang))
        tags = fetch(ctx, "trending_hashtags")
        if tags is not None:
            st.plotly_chart(charts.ranked_bars(tags.with_columns(("#" + pl.col("hashtag")).alias("hashtag")),
                                               "hashtag", "uses", t("hashtags", lang), lang, t("count", lang)),
                            key="hashtags")
            explain("trending_hashtags", lang)
    with right:
        st.subheader(t("best_times", lang), help=help_text("best_times", lang))
        times = fetch(ctx, "best_times")
        if times is not None:
            st.plotly_chart(charts.best_times(times, lang, t("best_times", lang)), key="best_times")
            explain("best_times", lang)
    if ctx.scope is None:
        return
    st.subheader(t("topics", lang), help=help_text("discovered_topics", lang))
    topics = fetch(ctx, "discovered_topics")
    if topics is not None:
        table(topics)
        explain("discovered_topics", lang)


if __name__ == "__main__":
    render()
