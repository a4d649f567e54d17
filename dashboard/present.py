"""What a person reads: metric frames turned into labelled, translated, formatted tables.

Every header and every value's format comes from the metric's declared output
columns (``metrics.registry.Column``): roles take the settings' es/en labels,
regions and offices show "Sin asignar" for people with no directory entry,
codes (ladder stages, moves, kinds, facts) take their words in the chosen
language, times are shown in the organisation's time zone. Used by the
dashboard's tables, the CSV downloads, the report and the CLI. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from dashboard.i18n import fmt_date, fmt_number, fmt_percent, fmt_points, t
from metrics.registry import Column
from pulso.core.scope import UNASSIGNED
from pulso.core.settings import Hierarchy

# Words for coded values (format "code"), by language; a code not listed shows as itself.
CODES: dict[str, tuple[str, str]] = {
    "unaware": ("Sin participar", "Unaware"), "interested": ("Interesados (solo leen)", "Interested (read only)"),
    "first_time": ("Primera aportación", "First-time"), "regular": ("Habituales", "Regulars"),
    "enthusiast": ("Entusiastas", "Enthusiasts"),
    "promoted": ("Sube", "Promoted"), "demoted": ("Baja", "Demoted"), "stayed": ("Igual", "Stayed"),
    "actives": ("Personas activas", "Active people"), "messages": ("Mensajes", "Messages"),
    "office": ("Oficina", "Office"), "region": ("Región", "Region"), "person": ("Persona", "Person"), "role": ("Puesto", "Role"),
    "reply": ("Respuesta", "Reply"), "mention": ("Mención", "Mention"), "like": ("Me gusta", "Like"),
    "email": ("Correo", "E-mail"), "meeting": ("Reunión", "Meeting"), "cowork": ("Trabajo conjunto", "Co-work"),
    "people": ("Personas", "People"), "groups": ("Grupos", "Groups"), "memberships": ("Membresías", "Memberships"),
    "reactions": ("Reacciones", "Reactions"), "visits": ("Visitas", "Visits"), "reads": ("Lecturas", "Reads"),
    "activity_counts": ("Conteos de actividad", "Activity counts"), "join_dates": ("Fechas de alta", "Join dates"),
    "display_name": ("Nombre", "Name"), "manager_id": ("Jefe", "Manager"),
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
    """Values in the chosen language, times local; types kept (numbers stay numbers)."""
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
    shown = translated(frame, columns, lang, hierarchy, timezone)
    texts = {name: [cell_text(v, formats.get(name), lang) for v in shown[name].to_list()] for name in shown.columns}
    names = headers(frame, columns, lang)
    return pl.DataFrame({names[name]: values for name, values in texts.items()},
                        schema={names[name]: pl.String for name in shown.columns})


def csv_text(frame: pl.DataFrame, columns: Iterable[Column], lang: str, hierarchy: Hierarchy, timezone: str) -> str:
    """The frame as a CSV a person can send: labelled headers, values in ``lang``."""
    return text_table(frame, columns, lang, hierarchy, timezone).write_csv()


def change_text(change: float | None, unit: str | None, lang: str) -> str | None:
    """A KPI's change against the previous period: ``+5.0 %`` (relative) or ``+4.0 pts`` (shares)."""
    if change is None or change != change:
        return None
    if unit == "points":
        return fmt_points(change, lang)
    text = f"{change:+,.1f}"
    return f"{text} %" if lang == "es" else f"{text}%"
