"""Contenido: trending hashtags, discovered topics with their terms and example threads, best times."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.common import current, panel
from dashboard.i18n import t


def render() -> None:
    ctx = current()
    lang = ctx.lang
    left, right = st.columns(2)
    with left:
        panel(ctx, "trending_hashtags", show_table=False, chart=lambda f: charts.ranked_bars(
            f.with_columns(("#" + pl.col("hashtag")).alias("hashtag")), "hashtag", "uses", "", lang, t("count", lang)))
    with right:
        panel(ctx, "best_times", show_table=False, chart=lambda f: charts.best_times(f, lang, ""))
    if ctx.scope is None:
        return
    panel(ctx, "discovered_topics")


if __name__ == "__main__":
    render()
