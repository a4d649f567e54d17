"""What every page shares: the view context, the one way to fetch a metric, the panel and the table, and the
page controls kept in the URL.

``fetch(ctx, name, **params)`` returns the metric's frame for the current
scope, or ``None`` after showing a clear message (no store, metric not
available from the loaded sources, a bad parameter, empty result, or a
failure) -- never a traceback. ``panel`` is the one component a page composes:
heading with the definition on hover, the metric, a chart and/or a table with
its CSV download, and the definition in an expander. ``table`` shows the
columns ``present.SHOWN`` chooses (the deciding one in view), every value in
the language's one format, "—" for a missing value, and how many rows there
are. Every page control (``url_choice``, ``url_number``, ``url_choices``,
``url_tabs``) is seeded from the URL after checking the value against the
known ones, and written back, so a shared link reproduces the view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import cache, present
from dashboard.i18n import fmt_number, t
from metrics.registry import Column, FactsNotAvailable
from pulso.core.audit import append as audit_append
from pulso.core.audit import audit_path
from pulso.core.errors import AccessDenied, PulsoError
from pulso.core.scope import Scope

log = logging.getLogger("pulso.dashboard")
CONTEXT_KEY = "_pulso_context"
MISSING = "—"
STYLE = """<style>
[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important}
</style>"""


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
    return (f"{present.prose(definition.description[lang], lang)}\n\n**{t('definition', lang)}:** "
            f"{present.prose(definition.definition[lang], lang)}")


def explain(name: str, lang: str) -> None:
    """An expander with the metric's plain-language definition."""
    definition = definition_of(name)
    if definition is None:
        return
    with st.expander(f"ℹ️ {t('definition', lang)}: {definition.label[lang]}"):
        st.markdown(present.prose(definition.description[lang], lang))
        st.markdown(present.prose(definition.definition[lang], lang))


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


def _formatter(fmt: str, lang: str) -> Callable[[object], str]:
    return lambda value: present.cell_text(value, fmt, lang) or MISSING


# Bounded work: a table on screen shows at most this many rows ("N of M" below it; the CSV has them all). At 10M
# events a list of 20,000 people would otherwise be styled cell by cell (about 1 s a table; pandas' styler refuses
# past 262,144 cells), for more rows than anyone reads on a screen.
MAX_SCREEN_ROWS = 1_000


def table(ctx: Context, frame: pl.DataFrame, name: str | None = None, columns: tuple[Column, ...] | None = None,
          shown: Sequence[str] | None = None, limit: int | None = None, key: str | None = None,
          height: int | str = "auto", count_word: str | None = None, labels: dict[str, str] | None = None) -> None:
    """A table a person can read: the chosen columns (``shown``, else ``present.SHOWN``), headers and values from
    the declared columns in the page's language, one number and date format, "—" where a value is missing; the
    number of rows below it (and "N of M" when ``limit`` shows only the first rows; the CSV has them all)."""
    hierarchy, timezone = view_settings(ctx)
    declared = columns_of(name, frame, columns)
    chosen = present.shown_columns(name, frame, shown)
    total = frame.height
    limit = MAX_SCREEN_ROWS if limit is None else min(limit, MAX_SCREEN_ROWS)
    if total > limit:
        frame = frame.head(limit)
    data, formats, widths = present.screen_table(frame, declared, ctx.lang, hierarchy, timezone, chosen, labels)
    data = data.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join(", ") for c, dtype in data.schema.items()
                             if isinstance(dtype, pl.List))
    cells = data.to_pandas()
    markers = frame[present.SUPPRESSED].to_list() if present.SUPPRESSED in frame.columns else []
    figures = [h for h, fmt in formats.items() if fmt in present.FIGURE_FORMATS] if any(markers) else []
    for header in figures:  # a withheld figure (empty in a row with a marker) reads "< 5" (a group under k) or "—"
        # (hidden to protect another): the column becomes its text (the table draws an empty cell as its placeholder
        # whatever the styler says), right-aligned like numbers
        fmt = formats[header]
        cells[header] = [marker if marker and present.missing(value) else present.cell_text(value, fmt, ctx.lang) or
                         MISSING for value, marker in zip(cells[header].to_list(), markers)]
    styler = cells.style.format({h: _formatter(fmt, ctx.lang) for h, fmt in formats.items() if h not in figures},
                                na_rep=MISSING)
    config = {h: st.column_config.Column(width=w) for h, w in widths.items()}
    for header in figures:
        config[header] = st.column_config.Column(width=widths.get(header), alignment="right")
    st.dataframe(styler, hide_index=True, width="stretch", column_config=config, placeholder=MISSING, key=key,
                 height=height)
    notes = []
    if frame.height < total:
        notes.append(t("rows_of", ctx.lang, shown=fmt_number(frame.height, ctx.lang), total=fmt_number(total, ctx.lang)))
    elif total > 10:
        notes.append(f"{fmt_number(total, ctx.lang)} {count_word}" if count_word
                     else t("rows_shown", ctx.lang, n=fmt_number(total, ctx.lang)))
    if any(fmt in ("datetime", "datetime_local") for fmt in formats.values()):
        notes.append(t("times_in_zone", ctx.lang, zone=present.zone(timezone)))
    if any(markers):
        notes.append(suppressed_text(ctx))
    if notes:
        st.caption(" · ".join(notes))


def csv_button(ctx: Context, frame: pl.DataFrame, name: str | None, file_stem: str, key: str,
               columns: tuple[Column, ...] | None = None, labels: dict[str, str] | None = None) -> None:
    """A CSV download with every column, headers and values in the page's language. The file is written when the
    button is pressed, not at every render (a list of 20,000 people takes seconds to put in words)."""
    hierarchy, timezone = view_settings(ctx)
    declared, lang = columns_of(name, frame, columns), ctx.lang

    def text() -> str:
        return present.csv_text(frame, declared, lang, hierarchy, timezone, labels)

    stamp = ctx.scope.start.isoformat() if ctx.scope else "pulso"
    file_name = f"pulso-{file_stem}-{stamp}.csv"
    person_level = bool(name and definition_of(name) and definition_of(name).person_level)
    st.download_button(t("download_csv", ctx.lang), text, file_name=file_name, mime="text/csv", key=key,
                       icon=":material/download:",
                       on_click=(lambda: audit(ctx, "download", name, ctx.scope, {"file": file_name}))
                       if person_level else "rerun")


def suppressed_text(ctx: Context) -> str:
    """The legend of the markers a withheld figure shows ("< 5", "—")."""
    return t("suppressed_note", ctx.lang, k=cache.settings(ctx.db).privacy.min_group_size)


def suppressed_legend(ctx: Context, frame: pl.DataFrame | None) -> None:
    """The legend under a chart drawn without its table, when some of its figures are withheld."""
    if frame is not None and present.SUPPRESSED in frame.columns and frame[present.SUPPRESSED].is_not_null().any():
        st.caption(suppressed_text(ctx))


def plot(fig, **kwargs):
    """``st.plotly_chart`` of a figure whose names are drawn as text (``present.safe_figure``): every chart of
    the dashboard goes through here."""
    return st.plotly_chart(present.safe_figure(fig), **kwargs)


def panel(ctx: Context, name: str, *, title: str | None = None, chart: Callable[[pl.DataFrame], object] | None = None,
          show_table: bool = True, csv: str | None = None, scope: Scope | None = None, empty_message: str | None = None,
          shape: Callable[[pl.DataFrame], pl.DataFrame] | None = None, shown: Sequence[str] | None = None,
          key: str | None = None, show_rows: int | None = None, count_word: str | None = None,
          heading: bool = True, definition: bool = True, columns: tuple[Column, ...] | None = None,
          labels: dict[str, str] | None = None, legend: bool = True, **params) -> pl.DataFrame | None:
    """One metric on the page: heading (definition on hover), chart and/or table (``shape`` picks and orders the
    rows, ``shown`` the columns, ``show_rows`` how many rows the table shows; ``columns`` declares them when
    ``shape`` adds some, e.g. names), CSV download of every row when ``csv`` names the file, the definition below;
    under a chart drawn without its table, the legend of withheld figures (``legend=False``: the table beside it
    says it). Other keyword arguments are the metric's parameters. Returns the frame."""
    if heading:
        st.subheader(title or label(name, ctx.lang), help=help_text(name, ctx.lang))
    frame = fetch(ctx, name, scope=scope, empty_message=empty_message, **params)
    if frame is None:
        return None
    if chart is not None:
        plot(chart(translated(ctx, frame, name)), key=f"chart_{key or name}", config={"displaylogo": False})
        if not show_table and legend:
            suppressed_legend(ctx, frame)
    if show_table:
        shown_frame = shape(frame) if shape else frame
        table(ctx, shown_frame, name, columns=columns, shown=shown, limit=show_rows, count_word=count_word,
              labels=labels)
        if csv:
            csv_button(ctx, shown_frame, name, csv, key=f"csv_{key or name}", columns=columns, labels=labels)
    if definition:
        explain(name, ctx.lang)
    return frame


def kpi_cards(ctx: Context, frame: pl.DataFrame, per_row: int = 4, extra: pl.DataFrame | None = None) -> None:
    """The KPI cards (``kpi_summary`` rows, in registry order) with the change against the previous period, and the
    group participation card (``group_participation_overall``) when given; the (?) on each card is that metric's
    own plain-language definition."""
    registry = cache.registry()
    cards = []
    for row in frame.iter_rows(named=True):
        definition = registry[row["kpi"]]
        value = present.cell_text(row["value"], definition.value_format, ctx.lang) if row["available"] \
            else t("na", ctx.lang)
        delta = present.change_text(row["change"], row["change_unit"], ctx.lang) if row["available"] else None
        cards.append((definition.label[ctx.lang], value, delta, definition.definition[ctx.lang]))
    if extra is not None and extra.height:
        row = extra.row(0, named=True)
        definition = registry["group_participation_overall"]
        cards.append((definition.label[ctx.lang], present.cell_text(row["participation"], "ratio", ctx.lang),
                      present.change_text(row["change_pts"], "points", ctx.lang), definition.definition[ctx.lang]))
    for first in range(0, len(cards), per_row):  # one row of columns per row of cards: rows stay aligned
        for column, (name, value, delta, definition) in zip(st.columns(per_row), cards[first:first + per_row]):
            column.metric(name, value, delta=delta, help=present.prose(definition, ctx.lang), border=True)


trend_scope = present.trend_window


# ---- page controls kept in the URL -----------------------------------------------------------------------------

def _remember(key: str, text: str | list[str] | None) -> None:
    """Write a control's value to the URL (``None`` = its default: the key leaves the URL)."""
    current = st.query_params.get_all(key)
    if text is None or text == []:
        if current:
            del st.query_params[key]
    elif (text if isinstance(text, list) else [text]) != current:
        st.query_params[key] = text


def url_choice(widget, label: str, options: Sequence[str], key: str, default: str | None, url: str, **kwargs):
    """A one-value control (``st.radio``, ``st.selectbox``, ``st.segmented_control``...) seeded from ``?url=``
    when that value is one of ``options``, and written back to the URL."""
    if key not in st.session_state:
        wanted = st.query_params.get(url)
        st.session_state[key] = wanted if wanted in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default
    value = widget(label, list(options), key=key, **kwargs)
    _remember(url, None if value == default or value is None else str(value))
    return value


def url_choices(widget, label: str, options: Sequence[str], key: str, default: Sequence[str], url: str, **kwargs):
    """A many-value control (``st.multiselect``, ``st.pills`` with selection_mode="multi") seeded from the
    repeated ``?url=`` values that are known options, and written back to the URL."""
    if key not in st.session_state:
        wanted = [v for v in st.query_params.get_all(url) if v in options]
        st.session_state[key] = wanted or list(default)
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    value = widget(label, list(options), key=key, **kwargs) or []
    _remember(url, None if list(value) == list(default) else list(value))
    return list(value)


def url_number(label: str, key: str, default: int, url: str, minimum: int, maximum: int, **kwargs) -> int:
    """A whole-number input seeded from ``?url=`` when it is a whole number within the bounds."""
    if key not in st.session_state:
        try:
            wanted = int(st.query_params.get(url, ""))
        except ValueError:
            wanted = default
        st.session_state[key] = wanted if minimum <= wanted <= maximum else default
    value = int(st.number_input(label, min_value=minimum, max_value=maximum, step=1, key=key, **kwargs))
    _remember(url, None if value == default else str(value))
    return value


def url_flag(label: str, key: str, default: bool, url: str, **kwargs) -> bool:
    """A toggle seeded from ``?url=1`` / ``?url=0`` (anything else: the default)."""
    if key not in st.session_state:
        wanted = st.query_params.get(url)
        st.session_state[key] = {"1": True, "0": False}.get(wanted, default)
    value = bool(st.toggle(label, key=key, **kwargs))
    _remember(url, None if value == default else ("1" if value else "0"))
    return value


def url_tabs(labels: dict[str, str], key: str, url: str) -> dict[str, object]:
    """Tabs ({code: label}) whose active one lives in ``?url=CODE`` (a code, not a label, so a link works in
    both languages); returns {code: tab container}. Only the open tab's content needs computing (``.open``)."""
    codes = list(labels)
    wanted = st.query_params.get(url)
    default = labels[wanted] if wanted in labels else labels[codes[0]]
    state_key = f"{key}_{'_'.join(labels.values())}"  # new labels (another language) = a new widget
    tabs = st.tabs(list(labels.values()), key=state_key, default=default, on_change="rerun")
    active = st.session_state.get(state_key, default)
    code = next((c for c, name in labels.items() if name == active), codes[0])
    _remember(url, None if code == codes[0] else code)
    return dict(zip(codes, tabs))
