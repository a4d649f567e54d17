"""Contenido: trending hashtags by growth against the previous period (with their volume), best times to post,
participation by group, and the topics people talk about with the titles of example threads."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import current, fetch, fetch_silent, help_text, panel, url_choice, url_flag
from dashboard.i18n import fmt_number, t
from dashboard.present import zone
from metrics.registry import col

BEST_TIMES = ("contributions", "reactions")
TOPICS_AUTO_DAYS = 31
CHART_HASHTAGS = 15
TOPIC_COLUMNS_EXTRA = (col("examples", "str", "Hilos de ejemplo", "Example threads", "text"),)


def with_examples(ctx, frame: pl.DataFrame) -> pl.DataFrame:
    """Each topic's example threads by their titles (the shown threads of the period)."""
    threads = fetch_silent(ctx, "shown_threads")
    titles = dict(zip(threads["thread_id"].to_list(), threads["title"].to_list())) if threads is not None else {}
    return frame.with_columns(pl.col("example_thread_ids").map_elements(
        lambda ids: " · ".join(f"«{titles.get(i, i)}»" for i in ids), return_dtype=pl.String).alias("examples"))


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        fetch(ctx, "trending_hashtags")
        return
    settings = cache.settings(ctx.db)
    st.subheader(t("hashtags", lang), help=help_text("trending_hashtags", lang))
    left, right = st.columns(2)
    with left:
        found = panel(ctx, "trending_hashtags", heading=False, show_table=False, definition=False, limit=1000,
                      chart=lambda f: charts.hashtag_bars(f.head(CHART_HASHTAGS), lang, t("hashtags_chart", lang)))
        if found is not None and found.height > CHART_HASHTAGS:
            st.caption(t("chart_first", lang, shown=CHART_HASHTAGS, total=fmt_number(found.height, lang)))
    with right:
        panel(ctx, "trending_hashtags", heading=False, csv="hashtags", key="hashtags_table", limit=1000)
    left, right = st.columns(2)
    with left:
        st.subheader(cache.registry()["best_times"].label[lang], help=help_text("best_times", lang))
        kind = url_choice(st.segmented_control, t("count", lang), BEST_TIMES, key="c_times", default=BEST_TIMES[0],
                          url="horario", format_func=lambda k: t(f"times_{k}", lang), label_visibility="collapsed")
        panel(ctx, "best_times", heading=False, show_table=False, kind=kind or BEST_TIMES[0],
              chart=lambda f: charts.best_times(f, lang, "", zone(settings.timezone)))
    with right:
        panel(ctx, "group_participation", title=t("groups", lang), csv="groups", count_word=t("groups_word", lang))
    # the topics are a model fitted on the period's threads (seconds over a year): over a long period they are
    # computed when asked
    registry = cache.registry()
    st.subheader(t("topics", lang), help=help_text("discovered_topics", lang))
    if url_flag(t("topics_show", lang), key="c_topics", default=ctx.scope.days <= TOPICS_AUTO_DAYS, url="temas",
                help=t("topics_hint", lang)):
        panel(ctx, "discovered_topics", heading=False, shape=lambda f: with_examples(ctx, f),
              columns=(*registry["discovered_topics"].columns, *TOPIC_COLUMNS_EXTRA))


if __name__ == "__main__":
    render()
