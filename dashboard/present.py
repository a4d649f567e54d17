"""What a person reads: metric frames turned into labelled, translated, formatted tables.

Every header and every value's format comes from the metric's declared output
columns (``metrics.registry.Column``): roles take the settings' es/en labels;
people with no directory entry show "Fuera del directorio" as their region,
people without an office are shown by their role ("Gerente regional (sin
oficina)"), never as an office called "unassigned"; codes (ladder stages,
moves, kinds, facts, channels) take their words in the chosen language; times
are shown in the organisation's time zone. One number format per language
(es-MX and en-US share ``1,234.5``; shares with one decimal; ``pts`` / ``pp``
for differences of shares; dates ``9 nov 2026`` / ``Nov 9, 2026``), the same on
screen, in CSV downloads, in the report and on the command line.

``SHOWN`` says, per metric, which columns a table shows and in which order: the
column that decides comes right after what identifies the row, so it is visible
without scrolling at 1,280 px; the CSV always carries every column. No
Streamlit here.

Output safety lives here too, once: ``plain`` (Markdown shows a name as written),
``csv_cell`` (a CSV cell a spreadsheet will not run as a formula), ``safe_figure``
(names in a plotly figure drawn as text, never as its HTML subset: no link from a
name), ``safe_error`` (no server path in a message). A frame whose rows were
suppressed for a viewer without person-level rights (``metrics/privacy.py``)
carries a ``suppressed`` column; ``text_table`` shows its marker ("< 5" or "—")
in the withheld cells and drops the column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import polars as pl

from dashboard.i18n import fmt_date, fmt_number, fmt_percent, fmt_points, t
from metrics.privacy import SUPPRESSED
from metrics.registry import FIGURE_FORMATS, Column
from pulso.core.errors import AccessDenied
from pulso.core.scope import UNASSIGNED, Scope
from pulso.core.settings import Hierarchy

# Words for coded values (format "code"), by language; a code not listed shows as itself.
CODES: dict[str, tuple[str, str]] = {
    "unaware": ("Sin participar", "Unaware"), "interested": ("Interesados (solo leen)", "Interested (read only)"),
    "first_time": ("Primera aportación", "First-time"), "regular": ("Habituales", "Regulars"),
    "enthusiast": ("Entusiastas", "Enthusiasts"),
    "promoted": ("Sube", "Promoted"), "demoted": ("Baja", "Demoted"), "stayed": ("Igual", "Stayed"),
    "actives": ("Personas activas", "Active people"), "messages": ("Mensajes", "Messages"),
    "office": ("Oficina", "Office"), "region": ("Región", "Region"), "person": ("Persona", "Person"),
    "role": ("Puesto", "Role"), "role_group": ("Grupo por puesto", "Role group"),
    "silent": ("Silencio", "Silence"), "drop": ("Caída", "Drop"),
    "eligible": ("Todas las personas elegibles", "All eligible people"),
    "contributors": ("Solo quienes aportan", "Contributors only"),
    "reply": ("Respuestas", "Replies"), "mention": ("Menciones", "Mentions"), "like": ("Me gusta", "Likes"),
    "email": ("Correo", "E-mail"), "meeting": ("Reunión", "Meeting"), "cowork": ("Trabajo conjunto", "Co-work"),
    "network": ("Red interna", "Internal network"), "video": ("Video", "Video"),
    "people": ("Personas", "People"), "groups": ("Grupos", "Groups"), "memberships": ("Membresías", "Memberships"),
    "reactions": ("Reacciones", "Reactions"), "visits": ("Visitas", "Visits"), "reads": ("Lecturas", "Reads"),
    "activity_counts": ("Conteos de actividad", "Activity counts"), "join_dates": ("Fechas de alta", "Join dates"),
    "display_name": ("Nombre", "Name"), "manager_id": ("Jefe", "Manager"),
    "interactions": ("Interacciones", "Interactions"), "campaign_events": ("Calendario", "Calendar"),
    "directory": ("Directorio", "Directory"), "pulso": ("Formato Pulso", "Pulso format"),
    "yammer": ("Yammer / Viva Engage", "Yammer / Viva Engage"), "m365": ("Informes de Microsoft 365", "Microsoft 365 reports"),
    "slack": ("Slack", "Slack"), "stackexchange": ("Stack Exchange", "Stack Exchange"), "teams": ("Teams", "Teams"),
    "all": ("Todas", "All"),
}

# Per metric: the columns a table shows, in order (what identifies the row, then the column that decides).
SHOWN: dict[str, tuple[str, ...]] = {
    "inactive_people": ("name", "days_inactive", "last_activity", "office", "region", "role", "manager"),
    "dormant_people": ("name", "past_contributions", "past_weeks", "last_activity", "office", "region", "role",
                       "manager"),
    "incomplete_profiles": ("name", "profile_completeness", "office", "region", "role", "manager", "last_activity"),
    "champions": ("name", "score", "people_answered", "replies_received", "offices_reached", "people_reached",
                  "reactions_received", "office", "region", "role"),
    "unanswered_threads": ("title", "days_open", "hours_open", "created_local", "name", "group_name", "office",
                           "region", "in_period"),
    "top_posts": ("title", "likes", "replies", "author", "group_name", "created_local", "excerpt"),
    "adoption_by": ("segment", "adoption", "change_pts", "active", "eligible", "contributing", "previous_adoption"),
    "activity_alerts": ("unit", "kind", "reason", "since", "first_alert", "level", "region", "people",
                        "usual_per_week", "expected", "active_days", "p_value"),
    "campaign_impact": ("event_date", "title", "measure", "change_7_pct", "before_7", "after_7", "change_14_pct",
                        "before_14", "after_14", "channel"),
    "trending_hashtags": ("hashtag", "growth", "uses", "previous_uses", "growth_pct"),
    "leadership_responsiveness": ("region", "share", "median_hours_to_higher_reply", "threads",
                                  "answered_by_higher_rank"),
    "silent_leaders": ("name", "report_threads", "reports", "role", "office", "region"),
    "network_centrality": ("name", "betweenness", "pagerank", "in_degree", "out_degree", "role", "office", "region"),
    "region_bridges": ("name", "regions_reached", "cross_region_ties", "cross_region_weight", "region", "office",
                       "role"),
    "silos": ("level", "office", "name", "people", "people_with_ties", "ties_inside", "region", "role"),
    "conversation_response": ("segment", "reply_rate", "median_hours_to_first_reply", "p90_hours_to_first_reply",
                              "threads", "threads_answered"),
    "feedback_direction": ("segment", "upward", "downward", "horizontal", "to_own_manager", "skip_level_up",
                           "across_offices", "across_regions", "total_weight"),
    "group_participation": ("group_name", "participation", "contributors", "members"),
    "discovered_topics": ("topic", "top_terms", "threads", "examples"),
    "participation_ladder": ("name", "stage", "role", "office", "region"),
    "person_directory": ("name", "role", "last_activity", "office", "region", "manager"),
    "store_sources": ("source", "fact", "rows", "first_at", "last_at"),
    "store_freshness": ("fact", "last_at", "first_at", "rows"),
    "store_runs": ("started_at", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "formats",
                   "finished_at"),
    "store_rejects_by_reason": ("file", "rows", "table_name", "reason"),
    "store_rejected_rows": ("file", "line", "reason", "table_name", "raw"),
}
# Display widths (pixels) by format, so the deciding column stays in view; numbers size to their content.
WIDTHS = {"name": 190, "unit": 150, "role": 150, "text": 260, "date": 105, "datetime": 140, "datetime_local": 140}
WIDE_TEXT = {"title", "excerpt", "top_terms", "raw", "examples", "reason"}
NUMERIC = ("count", "number", "ratio", "percent", "points", "hours", "minutes", "score")

# Markdown's specials, plus what would still turn plain text into something else on a Streamlit page: "https:"
# and "www." autolinks, e-mail autolinks (@), $ (LaTeX), ":red[...]" colours and ":material/...:" icons (:, /).
MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~:@/$&"
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def plain(text: str) -> str:
    """``text`` escaped so that Markdown shows it as written (no link, image or emphasis from a name)."""
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIALS else c for c in str(text))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?( ?%)?")
# Absolute paths (POSIX or Windows) in a message: shown by their last part only.
PATH = re.compile(r"(?:(?<=[\s'\"(=:])|^)(?:/[^\s'\"()]+|[A-Za-z]:\\[^\s'\"()]+)")


def csv_cell(value: str | None) -> str | None:
    """A cell a spreadsheet shows as text: one that starts with =, +, -, @, a tab or a carriage return gets a
    leading apostrophe, unless it is a plain number (-3.5, +4, -12.5 %)."""
    if value is None or not value.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_error(text: str) -> str:
    """A message without server paths: ``/srv/pulso/data/x.duckdb`` -> ``x.duckdb``."""
    return PATH.sub(lambda m: re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], str(text))


def chart_text(value):
    """A name as plotly draws it: its HTML subset disabled (``<a href=...>`` is shown, not followed)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _chart_texts(values):
    if values is None or isinstance(values, (int, float)):
        return values
    if isinstance(values, str):
        return chart_text(values)
    try:
        items = list(values)
    except TypeError:
        return values
    if not any(isinstance(v, (str, list, tuple)) for v in items):
        return values
    return [chart_text(v) if isinstance(v, str) else _chart_texts(v) if isinstance(v, (list, tuple)) else v
            for v in items]  # rows of a heatmap's texts too


EXTRA = re.compile(r"<extra>(.*)</extra>", re.DOTALL)
TRACE_TEXTS = ("x", "y", "text", "hovertext", "name", "labels", "legendgroup")


def safe_figure(fig):
    """Every text a plotly figure takes from data (categories, labels, hover texts, legend names, tick texts,
    the trace name inside a hover template's <extra>) escaped, so that a region, person or group name is drawn
    as written. Templates and titles written by Pulso keep their markup. Returns the same figure."""
    for trace in fig.data:
        for attribute in TRACE_TEXTS:
            if attribute in trace and trace[attribute] is not None:
                trace[attribute] = _chart_texts(trace[attribute])
        for part in ("node", "link"):
            if part in trace and trace[part] is not None and "label" in trace[part] and trace[part].label is not None:
                trace[part].label = _chart_texts(trace[part].label)
        if "hovertemplate" in trace and isinstance(trace.hovertemplate, str):
            trace.hovertemplate = EXTRA.sub(lambda m: "<extra>" + chart_text(m.group(1)) + "</extra>",
                                            trace.hovertemplate)
    for axis in ("xaxis", "yaxis"):
        layout_axis = fig.layout[axis]
        if layout_axis is not None and layout_axis.ticktext is not None:
            layout_axis.ticktext = _chart_texts(layout_axis.ticktext)
    return fig


def access_text(exc: AccessDenied, lang: str, label: str) -> str:
    """The "sin acceso" / "oculto" sentence for a refusal of ``compute``, in ``lang``."""
    return t(f"access_{exc.reason}", lang, label=label, k=exc.details.get("k", ""))


def suppressed_note(frame, lang: str, k: int) -> str | None:
    """The legend of the markers, when ``frame`` has withheld rows."""
    return t("suppressed_note", lang, k=k) if SUPPRESSED in frame.columns else None


def prose(text: str, lang: str) -> str:
    """A definition as a person reads it: coded words (``first_time``) replaced by their label in ``lang``."""
    return SNAKE.sub(lambda m: (code_label(m.group(0), lang) or m.group(0)).lower()
                     if m.group(0) in CODES else m.group(0).replace("_", " "), text)


def code_label(code: str | None, lang: str) -> str | None:
    if code is None:
        return None
    pair = CODES.get(code)
    return code if pair is None else pair[0 if lang == "es" else 1]


def unit_label(value: str | None, lang: str, kind: str = "region") -> str | None:
    """A region, office or segment name; ``(unassigned)`` said in words for what it means (``kind``: region,
    office or segment)."""
    if value == UNASSIGNED:
        return t({"region": "not_in_directory", "office": "no_office"}.get(kind, "unassigned"), lang)
    if value == "all":
        return code_label("all", lang)
    return value


def role_label(value: str | None, lang: str, hierarchy: Hierarchy) -> str | None:
    return t("no_role", lang) if value == UNASSIGNED else hierarchy.label(value, lang)


def office_label(office: str | None, region: str | None, role: str | None, lang: str, hierarchy: Hierarchy) -> str | None:
    """A person's office; without one, their role: "Gerente regional (sin oficina)"."""
    if office != UNASSIGNED:
        return office
    if region == UNASSIGNED:
        return t("not_in_directory", lang)
    if role and role != UNASSIGNED:
        return t("no_office_role", lang, role=role_label(role, lang, hierarchy))
    return t("no_office", lang)


def zone(timezone: str) -> str:
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


def _unit_kind(name: str) -> str:
    if "office" in name:
        return "office"
    if "region" in name:
        return "region"
    return "segment"


def translated(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy,
               timezone: str) -> pl.DataFrame:
    """Values in the chosen language, times local; types kept (numbers stay numbers). A ``suppressed`` column is
    kept as it is (see ``text_table``)."""
    declared = {c.name: c for c in columns}
    out = []
    person_office = {"office", "region", "role"} <= set(frame.columns)
    for name, dtype in frame.schema.items():
        column, spec = pl.col(name), declared.get(name)
        fmt = spec.format if spec else None
        if name == "unit" and "level" in frame.columns:
            column = pl.struct("unit", "level").map_elements(
                lambda r: unit_label(r["unit"], lang, r["level"]), return_dtype=pl.String)
        elif name == "office" and person_office:
            column = pl.struct("office", "region", "role").map_elements(
                lambda r: office_label(r["office"], r["region"], r["role"], lang, hierarchy), return_dtype=pl.String)
        elif fmt == "role" and name == "role" and person_office:
            column = pl.struct("role", "region").map_elements(
                lambda r: t("not_in_directory", lang) if r["region"] == UNASSIGNED and r["role"] == UNASSIGNED
                else role_label(r["role"], lang, hierarchy), return_dtype=pl.String)
        elif fmt == "role":
            column = column.map_elements(lambda v: role_label(v, lang, hierarchy), return_dtype=pl.String)
        elif fmt == "unit":
            kind = _unit_kind(name)
            column = column.map_elements(lambda v, k=kind: unit_label(v, lang, k), return_dtype=pl.String)
        elif fmt == "code":
            column = column.map_elements(lambda v: code_label(v, lang), return_dtype=pl.String)
        elif name == "group_name" and dtype == pl.String:
            column = column.fill_null(t("all_company", lang))
        elif fmt == "datetime" and isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            column = column.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None)
        out.append(column.alias(name))
    return frame.select(out) if out else frame


def headers(frame: pl.DataFrame, columns: Iterable[Column], lang: str,
            labels: dict[str, str] | None = None) -> dict[str, str]:
    """Column name -> its label in ``lang`` (``labels`` overrides some, e.g. "Región" for a segment by region;
    unique: a repeated label gets the column's position)."""
    declared = {c.name: c.label[lang] for c in columns} | (labels or {})
    seen: dict[str, str] = {}
    for name in frame.columns:
        label = declared.get(name) or name
        seen[name] = label if label not in seen.values() else f"{label} ({len(seen) + 1})"
    return seen


def missing(value) -> bool:
    """None or NaN (an empty cell once a frame is in pandas)."""
    return value is None or (isinstance(value, float) and value != value)


_missing = missing


def cell_text(value, fmt: str | None, lang: str) -> str:
    """One value as text, by its declared format (for the screen, CSV, HTML and the CLI)."""
    if _missing(value):
        return t("na", lang) if fmt in NUMERIC else ""
    if fmt == "ratio":
        return fmt_percent(value, lang)
    if fmt == "percent":
        return fmt_percent(value / 100, lang)
    if fmt == "points":
        return fmt_points(value, lang) or ""
    if fmt in ("hours", "minutes"):
        return fmt_number(value, lang, 1)
    if fmt == "score":
        small = value != 0 and abs(value) < 0.01
        return fmt_number(value, lang, min(6, 1 - math.floor(math.log10(abs(value)))) if small else 3)
    if fmt in ("count", "number"):
        return fmt_number(value, lang)
    if fmt == "id" and isinstance(value, float) and value.is_integer():  # a whole number made float by an empty cell
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if fmt == "bool" or isinstance(value, bool):
        return t("yes", lang) if value else t("no", lang)
    if fmt == "date" or (isinstance(value, date) and not isinstance(value, datetime)):
        return fmt_date(value, lang)
    if fmt in ("datetime", "datetime_local") or isinstance(value, datetime):
        return f"{fmt_date(value, lang)} {value:%H:%M}"
    return str(value)


def shown_columns(name: str | None, frame: pl.DataFrame, shown: Iterable[str] | None = None) -> list[str]:
    """The columns a table shows: ``shown``, else the metric's ``SHOWN`` entry, else all; only those present."""
    wanted = tuple(shown) if shown is not None else SHOWN.get(name or "", tuple(frame.columns))
    return [c for c in wanted if c in frame.columns and c != SUPPRESSED]  # the marker shows in the cells


def screen_table(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy, timezone: str,
                 shown: Iterable[str], labels: dict[str, str] | None = None
                 ) -> tuple[pl.DataFrame, dict[str, str], dict[str, int]]:
    """(frame of the shown columns translated, with labelled headers; {header: declared format};
    {header: width in pixels}) -- what the screen table needs; values keep their types so columns sort."""
    columns = tuple(columns)
    formats = {c.name: c.format for c in columns}
    shown = list(shown)
    data = translated(frame, columns, lang, hierarchy, timezone).select(shown)
    names = headers(data, columns, lang, labels)
    widths = {}
    for name in shown:
        fmt = formats.get(name)
        if name in WIDE_TEXT:
            widths[names[name]] = 320
        elif fmt in WIDTHS:
            widths[names[name]] = WIDTHS[fmt]
    return data.rename(names), {names[n]: formats.get(n, "text") for n in shown}, widths


def text_table(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy,
               timezone: str, labels: dict[str, str] | None = None) -> pl.DataFrame:
    """Every cell as text in ``lang`` under labelled headers: for CSV downloads, HTML and the terminal."""
    columns = tuple(columns)
    formats = {c.name: c.format for c in columns}
    markers = frame[SUPPRESSED].to_list() if SUPPRESSED in frame.columns else None
    frame = frame.drop(SUPPRESSED) if markers is not None else frame
    shown = translated(frame, columns, lang, hierarchy, timezone)
    texts = {name: [cell_text(v, formats.get(name), lang) for v in shown[name].to_list()] for name in shown.columns}
    if markers is not None:  # withheld figures show the marker of their row
        for name in shown.columns:
            if formats.get(name) in FIGURE_FORMATS:
                texts[name] = [m if m is not None and v is None else text
                               for m, v, text in zip(markers, shown[name].to_list(), texts[name])]
    names = headers(frame, columns, lang, labels)
    return pl.DataFrame({names[name]: values for name, values in texts.items()},
                        schema={names[name]: pl.String for name in shown.columns})


def csv_text(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy, timezone: str,
             labels: dict[str, str] | None = None) -> str:
    """The frame as a CSV a person can send: labelled headers, values in ``lang``, no cell a spreadsheet would
    run as a formula (``csv_cell``). Every download goes through here."""
    table = text_table(frame, columns, lang, hierarchy, timezone, labels)
    table = table.rename({c: csv_cell(c) for c in table.columns})
    return table.with_columns(pl.col(c).map_elements(csv_cell, return_dtype=pl.String)
                              for c in table.columns).write_csv()


def change_text(change: float | None, unit: str | None, lang: str) -> str | None:
    """A KPI's change against the previous period: ``+5.0 %`` (relative) or ``+4.0 pts`` (shares)."""
    if _missing(change):
        return None
    if unit == "points":
        return fmt_points(change, lang)
    text = f"{change:+,.1f}"
    return f"{text} %" if lang == "es" else f"{text}%"


TREND_BUCKETS = {"day": 28, "week": 12, "month": 12, "quarter": 8}


def trend_window(scope: Scope) -> Scope:
    """The trend's window: the chosen period, widened back to the last 12 weeks (28 days, 12 months, 8 quarters
    by granularity) when it holds fewer buckets, so a one-week view still shows a trend."""
    days = {"day": 1, "week": 7, "month": 30, "quarter": 91}[scope.granularity] * TREND_BUCKETS[scope.granularity]
    start = scope.end - timedelta(days=days - 1)
    if scope.granularity == "week":
        start -= timedelta(days=start.weekday())
    return scope.with_period(min(start, scope.start), scope.end)


PREVIOUS_COLUMNS = ("change_pts", "previous_adoption", "previous_participation")


def has_previous(scope: Scope, span: tuple[date, date] | None) -> bool:
    """Whether the previous period of the same length holds any day of the data (else there is nothing to compare
    with, and a change against it would only repeat the value)."""
    return span is None or scope.previous().end >= span[0]


def without_previous(columns: Iterable[str], scope: Scope, span) -> tuple[str, ...]:
    """``columns`` without the previous-period ones when the previous period lies before the data."""
    return tuple(columns) if has_previous(scope, span) else tuple(c for c in columns if c not in PREVIOUS_COLUMNS)
