"""What every page shares: the view context and the one way to fetch a metric.

``fetch(ctx, name, **params)`` returns the metric's frame for the current
scope, or ``None`` after showing a clear message (no store, metric not
available from the loaded sources, metric not in this version, empty result,
or a failure) -- never a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import cache
from dashboard.i18n import column_label, fmt_change, fmt_value, t
from metrics.registry import FactsNotAvailable
from pulso.core.scope import UNASSIGNED, Scope

log = logging.getLogger("pulso.dashboard")
CONTEXT_KEY = "_pulso_context"


@dataclass(frozen=True)
class Context:
    lang: str
    db: Path
    scope: Scope | None  # None when there is no store


def set_current(ctx: Context) -> None:
    st.session_state[CONTEXT_KEY] = ctx


def current() -> Context:
    return st.session_state[CONTEXT_KEY]


def label(name: str, lang: str) -> str:
    definition = cache.registry().get(name)
    return definition.label[lang] if definition else name


def help_text(name: str, lang: str) -> str | None:
    """Description and definition from the registry, for ``help=`` tooltips."""
    definition = cache.registry().get(name)
    if definition is None:
        return None
    return f"{definition.description[lang]}\n\n**{t('definition', lang)}:** {definition.definition[lang]}"


def explain(name: str, lang: str) -> None:
    """An expander with the metric's definition and its parameters."""
    definition = cache.registry().get(name)
    if definition is None:
        return
    with st.expander(f"ℹ️ {t('definition', lang)}: {definition.label[lang]}"):
        st.markdown(definition.description[lang])
        st.markdown(definition.definition[lang])
        for p in definition.parameters:
            st.markdown(f"- `{p.name}` = `{p.default}`: {p.description[lang]}")


def fetch(ctx: Context, name: str, scope: Scope | None = None, quiet_empty: bool = False,
          empty_message: str | None = None, **params) -> pl.DataFrame | None:
    """The metric frame for ``scope`` (default: the page's), or None after an explanatory message
    (``empty_message`` replaces the generic one when an empty result is good news, e.g. no alerts)."""
    lang = ctx.lang
    scope = scope or ctx.scope
    if scope is None:
        st.info(t("no_store", lang, path=ctx.db))
        return None
    if name not in cache.registry():
        st.info(t("not_registered", lang, name=name))
        return None
    try:
        frame = cache.metric_frame(ctx.db, name, scope, **params)
    except FactsNotAvailable as exc:
        st.info(t("not_available", lang, label=label(name, lang), missing=", ".join(sorted(exc.missing))))
        return None
    except FileNotFoundError:
        st.info(t("no_store", lang, path=ctx.db))
        return None
    except Exception as exc:  # a failing metric must not take the page down
        log.exception("metric %s failed", name)
        st.warning(t("failed", lang, label=label(name, lang), error=str(exc).splitlines()[0][:200]))
        return None
    if frame.is_empty():
        if empty_message:
            st.success(empty_message)
        elif not quiet_empty:
            st.info(t("empty", lang, label=label(name, lang)))
        return None
    return frame


def fetch_silent(ctx: Context, name: str, scope: Scope | None = None, **params) -> pl.DataFrame | None:
    """Like ``fetch`` but without messages: for optional decorations (e.g. calendar events on a chart)."""
    scope = scope or ctx.scope
    if scope is None or name not in cache.registry():
        return None
    try:
        frame = cache.metric_frame(ctx.db, name, scope, **params)
    except Exception:
        return None
    return None if frame.is_empty() else frame


def csv_button(frame: pl.DataFrame, file_name: str, lang: str, key: str) -> None:
    flat = frame.select([pl.col(c).cast(pl.List(pl.String)).list.join(", ") if isinstance(frame.schema[c], pl.List)
                         else pl.col(c) for c in frame.columns])
    st.download_button(t("download_csv", lang), flat.write_csv(), file_name=file_name, mime="text/csv", key=key)


PERCENT_COLUMNS = {"adoption", "previous_adoption", "share", "reply_rate", "participation", "stickiness",
                   "top1_share", "top10_share", "rate"}


def is_percent_column(name: str) -> bool:
    return name in PERCENT_COLUMNS or name.endswith(("_share", "_rate"))


def for_display(frame: pl.DataFrame, lang: str, timezone: str) -> pl.DataFrame:
    """What a person reads: roles, ladder stages and "unassigned" in the chosen language,
    times in the organisation's time zone, dates and times as ISO text, missing text and dates as "—".
    Metric frames hold naive UTC times, except columns named ``*_local``, which are already local."""
    from dashboard.i18n import stage_label
    from pulso.config import load_config

    hierarchy = load_config().hierarchy
    unassigned = t("unassigned", lang)
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.String:
            if name == "role" or name.endswith("_role") or name in ("source_label", "target_label"):
                column = column.map_elements(lambda v: hierarchy.label(v, lang), return_dtype=pl.String)
            elif name == "stage" or name.endswith("_stage"):
                column = column.map_elements(lambda v: stage_label(v, lang), return_dtype=pl.String)
            column = pl.when(column == UNASSIGNED).then(pl.lit(unassigned)).otherwise(column).fill_null("—")
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None and not name.endswith("_local"):
                column = column.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None)
            column = column.dt.strftime("%Y-%m-%d %H:%M").fill_null("—")  # ISO text still sorts by time
        elif dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d").fill_null("—")
        elif dtype.is_float() and name.endswith("_pct"):
            column = column.round(1)
        columns.append(column.alias(name))
    return frame.select(columns)


def table(frame: pl.DataFrame, lang: str | None = None, **kwargs) -> None:
    """A data table a person can read: headers, roles and stages in the chosen language,
    local times, ratios as percentages."""
    ctx = current() if CONTEXT_KEY in st.session_state else None
    lang = lang or (ctx.lang if ctx else "es")
    timezone = cache.overview(ctx.db, "org_timezone") if ctx and ctx.db.exists() else "UTC"
    shown = for_display(frame, lang, timezone)
    names: dict[str, str] = {}
    config: dict[str, object] = {}
    for column in shown.columns:
        header = column_label(column, lang)
        names[column] = header if header not in names.values() else column
        if is_percent_column(column) and shown.schema[column].is_float():
            config[names[column]] = st.column_config.NumberColumn(format="percent")
    config.update(kwargs.pop("column_config", {}) or {})
    st.dataframe(shown.rename(names), hide_index=True, width="stretch", column_config=config, **kwargs)


def kpi_cards(frame: pl.DataFrame, lang: str, help_: str | None) -> None:
    """The KPI cards (``kpi_summary`` rows in ``CARDS`` order) with the change against the previous period."""
    from dashboard.report import CARDS

    by_kpi = {row["kpi"]: row for row in frame.iter_rows(named=True)}
    columns = st.columns(4)
    for i, kpi in enumerate(k for k in CARDS if k in by_kpi):
        row = by_kpi[kpi]
        value = fmt_value(row["value"], row["unit"], lang) if row["available"] else t("na", lang)
        columns[i % 4].metric(t(kpi, lang), value, delta=fmt_change(row["change_pct"], lang) if row["available"] else None,
                              help=help_, border=True)


TREND_BUCKETS = {"day": 28, "week": 12, "month": 12, "quarter": 8}


def trend_scope(scope: Scope) -> Scope:
    """The trend's window: the chosen period, widened back to the last 12 weeks (28 days, 12 months, 8 quarters
    by granularity) when it holds fewer buckets, so a one-week view still shows a trend."""
    days = {"day": 1, "week": 7, "month": 30, "quarter": 91}[scope.granularity] * TREND_BUCKETS[scope.granularity]
    start = scope.end - timedelta(days=days - 1)
    if scope.granularity == "week":
        start -= timedelta(days=start.weekday())
    return scope.with_period(min(start, scope.start), scope.end)
