"""What every page shares: the view context, the one way to fetch a metric, and the panel.

``fetch(ctx, name, **params)`` returns the metric's frame for the current
scope, or ``None`` after showing a clear message (no store, metric not
available from the loaded sources, a bad parameter, empty result, or a
failure) -- never a traceback. ``panel`` is the one component a page composes:
heading with the definition on hover, the metric, a chart and/or a table with
its CSV download, and the definition in an expander.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import cache, present
from dashboard.i18n import t
from metrics.registry import Column, FactsNotAvailable
from pulso.core.audit import append as audit_append
from pulso.core.audit import audit_path
from pulso.core.errors import AccessDenied, PulsoError
from pulso.core.scope import Scope

log = logging.getLogger("pulso.dashboard")
CONTEXT_KEY = "_pulso_context"
# st.column_config formats for declared display formats (numbers stay numbers so columns sort)
NUMBER_FORMATS = {"ratio": "percent", "count": "localized", "number": "%.1f", "hours": "%.1f", "minutes": "%.1f",
                  "score": "%.3f", "percent": "%.1f", "points": "%+.1f"}


@dataclass(frozen=True)
class Context:
    lang: str
    db: Path
    scope: Scope | None  # None when there is no store
    viewer: object = None  # dashboard.access.Viewer: who is looking (the rights are in the scope)


def set_current(ctx: Context) -> None:
    st.session_state[CONTEXT_KEY] = ctx


def current() -> Context:
    return st.session_state[CONTEXT_KEY]


def definition_of(name: str):
    return cache.registry().get(name)


def label(name: str, lang: str) -> str:
    definition = definition_of(name)
    return definition.label[lang] if definition else name


def help_text(name: str, lang: str) -> str | None:
    """The metric's plain-language description and definition, for ``help=`` tooltips."""
    definition = definition_of(name)
    if definition is None:
        return None
    return f"{definition.description[lang]}\n\n**{t('definition', lang)}:** {definition.definition[lang]}"


def explain(name: str, lang: str) -> None:
    """An expander with the metric's definition and its parameters."""
    definition = definition_of(name)
    if definition is None:
        return
    with st.expander(f"ℹ️ {t('definition', lang)}: {definition.label[lang]}"):
        st.markdown(definition.description[lang])
        st.markdown(definition.definition[lang])
        for p in definition.parameters:
            st.markdown(f"- `{p.name}`: {p.description[lang]}")


def fetch(ctx: Context, name: str, scope: Scope | None = None, quiet_empty: bool = False,
          empty_message: str | None = None, **params) -> pl.DataFrame | None:
    """The metric frame for ``scope`` (default: the page's), or None after an explanatory message
    (``empty_message`` replaces the generic one when an empty result is good news, e.g. no alerts)."""
    lang = ctx.lang
    scope = scope or ctx.scope
    if scope is None:
        st.info(t("no_store", lang, path=ctx.db.name))
        return None
    if name not in cache.registry():
        st.info(t("not_registered", lang, name=name))
        return None
    try:
        frame = cache.metric_frame(ctx.db, name, scope, **params)
    except AccessDenied as exc:  # the viewer's rights do not cover it: "sin acceso" / "oculto"
        st.info(present.access_text(exc, lang, label(name, lang)), icon=":material/lock:")
        return None
    except FactsNotAvailable as exc:
        missing = ", ".join(present.code_label(m, lang) for m in sorted(exc.missing))
        st.info(t("not_available", lang, label=label(name, lang), missing=missing))
        return None
    except FileNotFoundError:
        st.info(t("no_store", lang, path=ctx.db.name))
        return None
    except PulsoError as exc:
        st.warning(t("failed", lang, label=label(name, lang), error=present.safe_error(exc.one_line()[:200])))
        return None
    except Exception as exc:  # a failing metric must not take the page down
        log.exception("metric %s failed", name)
        st.warning(t("failed", lang, label=label(name, lang),
                     error=present.safe_error(str(exc).splitlines()[0][:200])))
        return None
    audit(ctx, "view", name, scope, params)
    if frame.is_empty():
        if empty_message:
            st.success(empty_message)
        elif not quiet_empty:
            st.info(t("empty", lang, label=label(name, lang)))
        return None
    return frame


def audit(ctx: Context, action: str, what: str, scope: Scope | None, params: dict | None = None) -> None:
    """Log a view (once per session, metric, scope and parameters) or a download of person-level data to the
    audit log beside the store (never the store itself)."""
    definition = definition_of(what)
    if action == "view" and (definition is None or not definition.person_level):
        return
    if action == "view":
        seen = st.session_state.setdefault("_pulso_audited", set())
        key = (what, scope, tuple(sorted((params or {}).items())))
        if key in seen:
            return
        seen.add(key)
    identity = getattr(ctx.viewer, "identity", None) or "local"
    try:
        audit_append(audit_path(ctx.db, cache.settings(ctx.db).privacy.audit_log), identity, action, what, scope,
                     **({"params": {k: str(v) for k, v in params.items()}} if params else {}))
    except OSError:
        log.exception("cannot write the audit log")


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


def view_settings(ctx: Context):
    """(hierarchy, time zone) of the store being viewed: role labels and local times come from there."""
    settings = cache.settings(ctx.db)
    return settings.hierarchy, settings.timezone


def columns_of(name: str | None, frame: pl.DataFrame, columns: tuple[Column, ...] | None = None) -> tuple[Column, ...]:
    if columns is not None:
        return columns
    definition = definition_of(name) if name else None
    return definition.columns if definition else ()


def translated(ctx: Context, frame: pl.DataFrame, name: str | None = None,
               columns: tuple[Column, ...] | None = None) -> pl.DataFrame:
    """The frame's values in the page's language (roles, regions, codes, local times)."""
    hierarchy, timezone = view_settings(ctx)
    return present.translated(frame, columns_of(name, frame, columns), ctx.lang, hierarchy, timezone)


def table(ctx: Context, frame: pl.DataFrame, name: str | None = None, columns: tuple[Column, ...] | None = None,
          **kwargs) -> None:
    """A table a person can read: headers and values from the declared columns, in the page's language."""
    declared = columns_of(name, frame, columns)
    shown = translated(ctx, frame, columns=declared)
    names = present.headers(frame, declared, ctx.lang)
    formats = {c.name: c.format for c in declared}
    config: dict[str, object] = {}
    for column in shown.columns:
        fmt = formats.get(column)
        if fmt in NUMBER_FORMATS and shown.schema[column].is_numeric():
            config[names[column]] = st.column_config.NumberColumn(format=NUMBER_FORMATS[fmt])
        elif fmt == "date":
            config[names[column]] = st.column_config.DateColumn(format="YYYY-MM-DD")
        elif fmt in ("datetime", "datetime_local"):
            config[names[column]] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
    config.update(kwargs.pop("column_config", {}) or {})
    st.dataframe(shown.rename(names), hide_index=True, width="stretch", column_config=config, **kwargs)


def csv_button(ctx: Context, frame: pl.DataFrame, name: str | None, file_stem: str, key: str,
               columns: tuple[Column, ...] | None = None) -> None:
    """A CSV download with the table's headers and values in the page's language."""
    hierarchy, timezone = view_settings(ctx)
    text = present.csv_text(frame, columns_of(name, frame, columns), ctx.lang, hierarchy, timezone)
    stamp = ctx.scope.start.isoformat() if ctx.scope else "pulso"
    file_name = f"pulso-{file_stem}-{stamp}.csv"
    person_level = bool(name and definition_of(name) and definition_of(name).person_level)
    st.download_button(t("download_csv", ctx.lang), text, file_name=file_name, mime="text/csv", key=key,
                       on_click=(lambda: audit(ctx, "download", name, ctx.scope, {"file": file_name}))
                       if person_level else "rerun")


def panel(ctx: Context, name: str, *, title: str | None = None, chart: Callable[[pl.DataFrame], object] | None = None,
          show_table: bool = True, csv: str | None = None, scope: Scope | None = None, empty_message: str | None = None,
          shape: Callable[[pl.DataFrame], pl.DataFrame] | None = None, key: str | None = None,
          **params) -> pl.DataFrame | None:
    """One metric on the page: heading (definition on hover), chart and/or table (``shape`` picks and orders the
    rows or columns shown), CSV download when ``csv`` names the file, the definition below. Returns the frame."""
    st.subheader(title or label(name, ctx.lang), help=help_text(name, ctx.lang))
    frame = fetch(ctx, name, scope=scope, empty_message=empty_message, **params)
    if frame is None:
        return None
    if chart is not None:
        st.plotly_chart(chart(translated(ctx, frame, name)), key=f"chart_{key or name}")
    if show_table:
        shown = shape(frame) if shape else frame
        table(ctx, shown, name)
        if csv:
            csv_button(ctx, frame, name, csv, key=f"csv_{key or name}")
    explain(name, ctx.lang)
    return frame


def kpi_cards(ctx: Context, frame: pl.DataFrame, per_row: int = 4) -> None:
    """The KPI cards (``kpi_summary`` rows, in registry order) with the change against the previous period; the
    (?) on each card is that KPI's own definition."""
    registry = cache.registry()
    columns = st.columns(per_row)
    for i, row in enumerate(frame.iter_rows(named=True)):
        definition = registry[row["kpi"]]
        value = present.cell_text(row["value"], definition.value_format, ctx.lang) if row["available"] \
            else t("na", ctx.lang)
        delta = present.change_text(row["change"], row["change_unit"], ctx.lang) if row["available"] else None
        columns[i % per_row].metric(definition.label[ctx.lang], value, delta=delta,
                                    help=definition.definition[ctx.lang], border=True)


TREND_BUCKETS = {"day": 28, "week": 12, "month": 12, "quarter": 8}


def trend_scope(scope: Scope) -> Scope:
    """The trend's window: the chosen period, widened back to the last 12 weeks (28 days, 12 months, 8 quarters
    by granularity) when it holds fewer buckets, so a one-week view still shows a trend."""
    days = {"day": 1, "week": 7, "month": 30, "quarter": 91}[scope.granularity] * TREND_BUCKETS[scope.granularity]
    start = scope.end - timedelta(days=days - 1)
    if scope.granularity == "week":
        start -= timedelta(days=start.weekday())
    return scope.with_period(min(start, scope.start), scope.end)
