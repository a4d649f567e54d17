"""What a person reads: metric frames turned into labelled, translated, formatted tables.

Every header and every value's format comes from the metric's declared output
columns (``metrics.registry.Column``): roles take the settings' es/en labels,
regions and offices show "Sin asignar" for people with no directory entry,
codes (ladder stages, moves, kinds, facts) take their words in the chosen
language, times are shown in the organisation's time zone. Used by the
dashboard's tables, the CSV downloads, the report and the CLI. No Streamlit here.

Output safety lives here too, once: ``plain`` (Markdown shows a name as written),
``csv_cell`` (a CSV cell a spreadsheet will not run as a formula), ``safe_figure``
(names in a plotly figure drawn as text, never as its HTML subset: no link from a
name), ``safe_error`` (no server path in a message). A frame whose rows were
suppressed for a viewer without person-level rights (``metrics/privacy.py``)
carries a ``suppressed`` column; ``text_table`` shows its marker ("< 5" or "—")
in the withheld cells and drops the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from dashboard.i18n import fmt_date, fmt_number, fmt_percent, fmt_points, t
from metrics.privacy import SUPPRESSED
from metrics.registry import FIGURE_FORMATS, Column
from pulso.core.errors import AccessDenied
from pulso.core.scope import UNASSIGNED
from pulso.core.settings import Hierarchy

# Words for coded values (format "code"), by language; a code not listed shows as itself.
CODES: dict[str, tuple[str, str]] = {
    "unaware": ("Sin participar", "Unaware"), "interested": ("Interesados (solo leen)", "Interested (read only)"),
    "first_time": ("Primera aportación", "First-time"), "regular": ("Habituales", "Regulars"),
    "enthusiast": ("Entusiastas", "Enthusiasts"),
    "promoted": ("Sube", "Promoted"), "demoted": ("Baja", "Demoted"), "stayed": ("Igual", "Stayed"),
    "actives": ("Personas activas", "Active people"), "messages": ("Mensajes", "Messages"),
    "office": ("Oficina", "Office"), "region": ("Región", "Region"), "person": ("Persona", "Person"),
    "reply": ("Respuesta", "Reply"), "mention": ("Mención", "Mention"), "like": ("Me gusta", "Like"),
    "email": ("Correo", "E-mail"), "meeting": ("Reunión", "Meeting"), "cowork": ("Trabajo conjunto", "Co-work"),
    "people": ("Personas", "People"), "groups": ("Grupos", "Groups"), "memberships": ("Membresías", "Memberships"),
    "reactions": ("Reacciones", "Reactions"), "visits": ("Visitas", "Visits"), "reads": ("Lecturas", "Reads"),
    "activity_counts": ("Conteos de actividad", "Activity counts"),
    "interactions": ("Interacciones", "Interactions"), "campaign_events": ("Calendario", "Calendar"),
    "directory": ("Directorio", "Directory"), "pulso": ("Formato Pulso", "Pulso format"),
    "yammer": ("Yammer / Viva Engage", "Yammer / Viva Engage"), "m365": ("Informes de Microsoft 365", "Microsoft 365 reports"),
    "slack": ("Slack", "Slack"), "stackexchange": ("Stack Exchange", "Stack Exchange"), "teams": ("Teams", "Teams"),
    "all": ("Todos", "All"),
}


MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~"


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
    if not any(isinstance(v, str) for v in items):
        return values
    return [chart_text(v) if isinstance(v, str) else v for v in items]


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


def code_label(code: str | None, lang: str) -> str | None:
    if code is None:
        return None
    pair = CODES.get(code)
    return code if pair is None else pair[0 if lang == "es" else 1]


def unit_label(value: str | None, lang: str) -> str | None:
    return t("unassigned", lang) if value == UNASSIGNED else value


def role_label(value: str | None, lang: str, hierarchy: Hierarchy) -> str | None:
    return t("unassigned", lang) if value == UNASSIGNED else hierarchy.label(value, lang)


def translated(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy,
               timezone: str) -> pl.DataFrame:
    """Values in the chosen language, times local; types kept (numbers stay numbers). A ``suppressed`` column is
    kept as it is (see ``text_table``)."""
    declared = {c.name: c for c in columns}
    out = []
    for name, dtype in frame.schema.items():
        column, spec = pl.col(name), declared.get(name)
        fmt = spec.format if spec else None
        if fmt == "role":
            column = column.map_elements(lambda v: role_label(v, lang, hierarchy), return_dtype=pl.String)
        elif fmt == "unit":
            column = column.map_elements(lambda v: unit_label(v, lang), return_dtype=pl.String)
        elif fmt == "code":
            column = column.map_elements(lambda v: code_label(v, lang), return_dtype=pl.String)
        elif fmt == "datetime" and isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            column = column.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None)
        out.append(column.alias(name))
    return frame.select(out)


def headers(frame: pl.DataFrame, columns: Iterable[Column], lang: str) -> dict[str, str]:
    """Column name -> its label in ``lang`` (unique: a repeated label gets the column's position)."""
    declared = {c.name: c.label[lang] for c in columns}
    seen: dict[str, str] = {}
    for name in frame.columns:
        label = declared.get(name) or name
        seen[name] = label if label not in seen.values() else f"{label} ({len(seen) + 1})"
    return seen


def cell_text(value, fmt: str | None, lang: str) -> str:
    """One value as text, by its declared format (for CSV, HTML and the CLI)."""
    if value is None or (isinstance(value, float) and value != value):
        return "" if fmt not in ("count", "number", "ratio", "percent", "points", "hours", "minutes", "score") \
            else t("na", lang)
    if fmt == "ratio":
        return fmt_percent(value, lang)
    if fmt == "percent":
        return fmt_percent(value / 100, lang)
    if fmt == "points":
        return fmt_points(value, lang) or ""
    if fmt in ("hours", "minutes"):
        return fmt_number(value, lang, 1)
    if fmt == "score":
        return fmt_number(value, lang, 3)
    if fmt in ("count", "number"):
        return fmt_number(value, lang)
    if fmt == "date" or (fmt is None and hasattr(value, "isoformat") and not hasattr(value, "hour")):
        return fmt_date(value, lang)
    if fmt in ("datetime", "datetime_local") or hasattr(value, "hour"):
        return f"{fmt_date(value, lang)} {value:%H:%M}"
    if fmt == "bool" or isinstance(value, bool):
        return t("yes", lang) if value else t("no", lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def text_table(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy,
               timezone: str) -> pl.DataFrame:
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
    names = headers(frame, columns, lang)
    return pl.DataFrame({names[name]: values for name, values in texts.items()},
                        schema={names[name]: pl.String for name in shown.columns})


def csv_text(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy, timezone: str) -> str:
    """The frame as a CSV a person can send: labelled headers, values in ``lang``, no cell a spreadsheet would
    run as a formula (``csv_cell``). Every download goes through here."""
    table = text_table(frame, columns, lang, hierarchy, timezone)
    table = table.rename({c: csv_cell(c) for c in table.columns})
    return table.with_columns(pl.col(c).map_elements(csv_cell, return_dtype=pl.String)
                              for c in table.columns).write_csv()


def change_text(change: float | None, unit: str | None, lang: str) -> str | None:
    """A KPI's change against the previous period: ``+5.0 %`` (relative) or ``+4.0 pts`` (shares)."""
    if change is None or change != change:
        return None
    if unit == "points":
        return fmt_points(change, lang)
    text = f"{change:+,.1f}"
    return f"{text} %" if lang == "es" else f"{text}%"
