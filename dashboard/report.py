"""The period report: one self-contained HTML file (plotly.js inlined once, no CDN), and the same as PDF.

``build_report(frame, scope, lang, registry, settings)`` renders; it reads only
metric frames through ``frame(name, scope, **params)`` (the dashboard passes
its cache, ``pulso report`` passes ``metrics.registry.compute``). It says what
the Resumen page says: the same KPI cards (group participation included) with
their change, each card's plain-language definition, the same trends, adoption
by region (change in points), the same alert message ("Sin alertas: ..."),
top posts, trending hashtags and campaign impact, with the same columns,
formats and messages (``dashboard.present``). A metric that cannot be computed
shows as the sentence the page shows, never as zero.

``html_to_pdf`` prints that HTML with Chromium (``chromium --headless
--print-to-pdf``): the charts are drawn by plotly.js, so a browser engine is
what renders them faithfully (about 1.5 s for a week's report); plotly's
toolbar is hidden on paper.

The report obeys the viewer's rights the frames were computed with: a section
the viewer may not see is one "sin acceso" sentence, withheld figures show their
marker ("< 5" / "—"). Every name and text is escaped (tables and cards with
``html.escape``, charts with ``present.safe_figure``).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from dashboard import charts, present
from dashboard.present import trend_window
from dashboard.i18n import fmt_date, fmt_datetime, t
from metrics.privacy import SUPPRESSED
from metrics.registry import FactsNotAvailable
from pulso.core.access import ROLE_LABELS
from pulso.core.errors import AccessDenied, PulsoError
from pulso.core.scope import Scope
from pulso.core.settings import Settings

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#222;
     padding:0 1rem}
h1{margin-bottom:.2rem} h2{margin-top:1.6rem;break-after:avoid} .sub{color:#666;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.6rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.6rem;break-inside:avoid}
.card .k{color:#555;font-size:.85rem} .card .v{font-size:1.5rem;font-weight:600} .up{color:#1a7f37}
.down{color:#c62828} .d{font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.8rem;margin:.5rem 0 .4rem}
th,td{border-bottom:1px solid #eee;padding:.25rem .4rem;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap} th{background:#f6f6f6} tr{break-inside:avoid}
.na{color:#555;font-style:italic} .ok{color:#1a7f37} .def{color:#666;font-size:.78rem;margin-bottom:1rem}
dl.defs dt{font-weight:600;font-size:.85rem} dl.defs dd{margin:0 0 .4rem 0;color:#444;font-size:.82rem}
.chart{break-inside:avoid}
@media print { .modebar-container, .modebar {display:none !important} body{margin:0 auto} @page{size:A4;margin:12mm} }
"""
TABLE_LIMIT = 30


class _Figures:
    """Turns figures into HTML divs; plotly.js is inlined with the first one only; no toolbar."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig) -> str:
        fig.update_layout(width=940)
        out = present.safe_figure(fig).to_html(full_html=False, include_plotlyjs=self.first,
                                               config={"displaylogo": False, "displayModeBar": False,
                                                       "staticPlot": True})
        self.first = False
        return f'<div class="chart">{out}</div>'


def _sentence(text: str, css: str = "na") -> str:
    return f'<p class="{css}">{html.escape(text)}</p>'


def _get(frame: Callable[..., pl.DataFrame], name: str, scope: Scope, lang: str, label: str,
         empty_message: str | None = None, **params) -> pl.DataFrame | str:
    """The frame, or the HTML sentence the page shows instead (not available, empty, failed)."""
    try:
        data = frame(name, scope, **params)
    except AccessDenied as exc:  # the viewer's rights do not cover it: the page's "sin acceso" / "oculto"
        return _sentence(present.access_text(exc, lang, label))
    except FactsNotAvailable as exc:
        missing = ", ".join(present.code_label(m, lang) for m in sorted(exc.missing))
        return _sentence(t("not_available", lang, label=label, missing=missing))
    except KeyError:
        return _sentence(t("not_registered", lang, name=name))
    except PulsoError as exc:
        return _sentence(t("failed", lang, label=label, error=exc.one_line()[:200]))
    except Exception as exc:
        return _sentence(t("failed", lang, label=label, error=present.safe_error(str(exc).splitlines()[0][:200])))
    if data.is_empty():
        return _sentence(empty_message, "ok") if empty_message else _sentence(t("empty", lang, label=label))
    return data


def html_table(data: pl.DataFrame, columns, lang: str, settings: Settings, shown=None, name: str | None = None,
               limit: int = TABLE_LIMIT) -> str:
    """The table the page shows (same columns, headers and formats), the first ``limit`` rows and how many."""
    chosen = present.shown_columns(name, data, shown)
    formats = {c.name: c.format for c in columns}
    kept = [*chosen, SUPPRESSED] if SUPPRESSED in data.columns else chosen  # withheld rows keep their marker
    text = present.text_table(data.head(limit).select(kept), columns, lang, settings.hierarchy, settings.timezone)
    numeric = [formats.get(c) in present.NUMERIC for c in chosen]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in text.columns)
    body = "".join("<tr>" + "".join(f'<td class="{"n" if n else ""}">{html.escape(v or "—")}</td>'
                                    for v, n in zip(row, numeric)) + "</tr>" for row in text.iter_rows())
    notes = []
    if data.height > limit:
        notes.append(t("rows_of", lang, shown=str(limit), total=f"{data.height:,}"))
    if SUPPRESSED in data.columns:
        notes.append(t("suppressed_note", lang, k=settings.privacy.min_group_size))
    if any(formats.get(c) in ("datetime", "datetime_local") for c in chosen):
        notes.append(t("times_in_zone", lang, zone=present.zone(settings.timezone)))
    note = f'<p class="def">{html.escape(" · ".join(notes))}</p>' if notes else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def cards(kpis: pl.DataFrame, groups: pl.DataFrame | None, lang: str, registry: dict) -> tuple[str, list[tuple]]:
    """The KPI cards as on the page, and (label, definition) for each."""
    out, meanings = [], []
    rows = []
    for r in kpis.iter_rows(named=True):
        definition = registry[r["kpi"]]
        value = present.cell_text(r["value"], definition.value_format, lang) if r["available"] else t("na", lang)
        change = present.change_text(r["change"], r["change_unit"], lang) if r["available"] else None
        rows.append((definition, value, change, r["change"]))
    if groups is not None and groups.height:
        g = groups.row(0, named=True)
        rows.append((registry["group_participation_overall"], present.cell_text(g["participation"], "ratio", lang),
                     present.change_text(g["change_pts"], "points", lang), g["change_pts"]))
    for definition, value, change, raw in rows:
        css = "" if change is None else ("up" if raw >= 0 else "down")
        out.append(f'<div class="card"><div class="k">{html.escape(definition.label[lang])}</div>'
                   f'<div class="v">{html.escape(value)}</div><div class="d {css}">{html.escape(change or "")}</div>'
                   f'</div>')
        meanings.append((definition.label[lang], present.prose(definition.definition[lang], lang)))
    return f'<div class="cards">{"".join(out)}</div>', meanings


def scope_words(scope: Scope, lang: str, settings: Settings) -> str:
    """The filters in words: "Región: Bajío · Rol: Gerente de oficina", or the whole organisation."""
    parts = []
    for key, values, show in (("region", scope.regions, lambda v: present.unit_label(v, lang, "region")),
                              ("office", scope.offices, lambda v: present.unit_label(v, lang, "office")),
                              ("role", scope.roles, lambda v: present.role_label(v, lang, settings.hierarchy)),
                              ("group", scope.groups, str)):
        if values:
            parts.append(f"{t(key, lang)}: {', '.join(show(v) for v in values)}")
    return " · ".join(parts) or t("report_scope_all", lang)


def build_report(frame: Callable[..., pl.DataFrame], scope: Scope, lang: str, registry: dict,
                 settings: Settings, generated: datetime | None = None, span=None) -> str:
    """The report for ``scope`` in ``lang`` as one HTML document (``span``: the store's first and last day with
    data, to leave out a comparison with a previous period that lies before the data)."""
    fig = _Figures()

    def label(name: str) -> str:
        return registry[name].label[lang] if name in registry else name

    def definition(name: str) -> str:
        return (f'<p class="def">{html.escape(present.prose(registry[name].definition[lang], lang))}</p>'
                if name in registry else "")

    def section(title: str) -> None:
        parts.append(f"<h2>{html.escape(title)}</h2>")

    now = (generated or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)
    zone = present.zone(settings.timezone)
    previous = scope.previous()
    parts = [f"<h1>{html.escape(t('report_title', lang))}</h1>",
             f'<p class="sub">{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)} · '
             f'{html.escape(scope_words(scope, lang, settings))}</p>',
             f'<p class="sub">{html.escape(t("report_generated", lang, when=fmt_datetime(now, lang), zone=zone))}</p>']
    if scope.rights is not None:
        rights = scope.rights
        units = [*(rights.regions or ()), *(rights.offices or ())]
        role = ROLE_LABELS[rights.role][0 if lang == "es" else 1]
        seen = t("report_rights", lang, role=role, units=", ".join(units) if units else t("all", lang))
        parts.append(f'<p class="sub">{html.escape(seen)}</p>')

    section(t("kpis", lang))
    kpis = _get(frame, "kpi_summary", scope, lang, label("kpi_summary"))
    meanings: list[tuple] = []
    if isinstance(kpis, str):
        parts.append(kpis)
    else:
        groups = _get(frame, "group_participation_overall", scope, lang, label("group_participation_overall"))
        shown, meanings = cards(kpis, groups if isinstance(groups, pl.DataFrame) else None, lang, registry)
        compared = t("vs_previous", lang, start=fmt_date(previous.start, lang), end=fmt_date(previous.end, lang))
        parts.append(shown + _sentence(compared, "def"))

    window = trend_window(scope)
    events = _get(frame, "campaign_calendar", window, lang, label("campaign_calendar"))
    events = events if isinstance(events, pl.DataFrame) else None
    section(t("trend_window", lang, start=fmt_date(window.start, lang), end=fmt_date(window.end, lang)))
    trend = _get(frame, "activity_trend", window, lang, label("activity_trend"))
    if isinstance(trend, str):
        parts.append(trend)
    else:
        columns = registry["activity_trend"].columns
        legend = {c.name: c.label[lang] for c in columns
                  if c.name in ("active_accounts", "contributing_accounts", "threads_started", "replies")}
        parts.append(fig(charts.lines(trend, "period_start", legend, "", lang, t("count", lang), events))
                     + definition("activity_trend"))
    section(label("daily_actives"))
    daily = _get(frame, "daily_actives", scope, lang, label("daily_actives"))
    parts.append(daily if isinstance(daily, str) else fig(charts.lines(
        daily, "day", {"dau": t("dau", lang), "wau": t("wau", lang), "mau": t("mau", lang)}, "", lang,
        t("people", lang))) + definition("daily_actives"))

    section(t("adoption_region", lang))
    adoption = _get(frame, "adoption_by", scope, lang, label("adoption_by"), by="region")
    if isinstance(adoption, str):
        parts.append(adoption)
    else:
        columns = registry["adoption_by"].columns
        translated = present.translated(adoption, columns, lang, settings.hierarchy, settings.timezone)
        parts.append(fig(charts.ranked_bars(translated, "segment", "adoption", "", lang, t("adoption", lang),
                                            ratio=True))
                     + html_table(adoption, columns, lang, settings, name="adoption_by",
                                  shown=present.without_previous(present.SHOWN["adoption_by"], scope, span))
                     + definition("adoption_by"))

    for name, title, scope_of, empty, params in (
            ("activity_alerts", t("alerts", lang), scope, t("no_alerts", lang), {}),
            ("top_posts", label("top_posts"), scope, None, {}),
            ("trending_hashtags", label("trending_hashtags"), scope, None, {"limit": 1000}),
            ("campaign_impact", t("campaigns", lang), window, t("no_campaigns", lang), {})):
        section(title)
        if name == "campaign_impact":
            parts.append(_sentence(t("campaign_window", lang, start=fmt_date(window.start, lang),
                                     end=fmt_date(window.end, lang)), "def"))
        source = partial(frame, lang=lang) if name == "activity_alerts" else frame  # its reasons in the language
        data = _get(source, name, scope_of, lang, label(name), empty_message=empty, **params)
        if isinstance(data, str):
            parts.append(data)
            continue
        if name == "campaign_impact":
            data = data.with_columns(pl.col("channel").map_elements(lambda v: present.code_label(v, lang),
                                                                    return_dtype=pl.String))
        parts.append(html_table(data, registry[name].columns, lang, settings, name=name) + definition(name))

    if meanings:
        section(t("report_definitions", lang))
        parts.append('<dl class="defs">' + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                                                   for k, v in meanings) + "</dl>")

    body = "\n".join(parts)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(t('report_title', lang))} {scope.start.isoformat()}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


# ---- PDF ---------------------------------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The Chromium to print with: ``$PULSO_CHROMIUM``, else the first of the usual names on the PATH."""
    chosen = os.environ.get("PULSO_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class PdfError(PulsoError):
    """The PDF could not be printed (no Chromium, or Chromium failed)."""


def html_to_pdf(document: str, timeout: int = 120) -> bytes:
    """``document`` (the report's HTML) printed to PDF by headless Chromium, charts drawn."""
    browser = chromium_path()
    if browser is None:
        raise PdfError("the PDF needs Chromium (install the 'chromium' package or set PULSO_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="pulso-pdf-") as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_text(document, encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={folder}/profile",
                   "--virtual-time-budget=10000", "--run-all-compositor-stages-before-draw",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing the PDF within {timeout} s") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = (done.stderr or "").strip().splitlines()
            raise PdfError(f"Chromium could not print the PDF ({detail[-1][:160] if detail else done.returncode})")
        return target.read_bytes()
