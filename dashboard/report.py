"""The period report: one self-contained HTML file (plotly.js inlined once, no CDN).

``build_report(frame, scope, lang, registry, settings)`` renders; it reads only
metric frames through ``frame(name, **params)`` (the dashboard passes its cache,
the ``pulso report`` command passes ``metrics.registry.compute``). Headers,
values and KPI cards come from the registry's declarations, as on the pages. A
metric that cannot be computed shows as a sentence saying so, never as zero.

The report obeys the viewer's rights the frames were computed with: a section
the viewer may not see is one "sin acceso" sentence, withheld figures show their
marker ("< 5" / "—"). Every name and text is escaped (tables and cards with
``html.escape``, charts with ``present.safe_figure``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, UTC

import polars as pl

from dashboard import charts, present
from dashboard.i18n import fmt_date, fmt_datetime, t
from metrics.registry import FactsNotAvailable
from pulso.core.access import ROLE_LABELS
from pulso.core.errors import AccessDenied
from pulso.core.scope import Scope
from pulso.core.settings import Settings

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.7rem}
.card .k{color:#555;font-size:.9rem} .card .v{font-size:1.7rem;font-weight:600} .up{color:#1a7f37} .down{color:#c62828}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} .na{color:#777;font-style:italic} .def{color:#666;font-size:.8rem}
"""


class _Figures:
    """Turns figures into HTML divs; plotly.js is inlined with the first one only."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig) -> str:
        out = present.safe_figure(fig).to_html(full_html=False, include_plotlyjs=self.first,
                                               config={"displaylogo": False})
        self.first = False
        return out


def _get(frame: Callable[..., pl.DataFrame], name: str, lang: str, label: str, **params) -> pl.DataFrame | str:
    """The frame, or an HTML sentence explaining why there is none."""
    try:
        data = frame(name, **params)
    except AccessDenied as exc:
        return f'<p class="na">{html.escape(present.access_text(exc, lang, label))}</p>'
    except FactsNotAvailable as exc:
        return f'<p class="na">{html.escape(t("not_available", lang, label=label, missing=", ".join(sorted(exc.missing))))}</p>'
    except KeyError:
        return f'<p class="na">{html.escape(t("not_registered", lang, name=name))}</p>'
    except Exception as exc:
        error = present.safe_error(str(exc).splitlines()[0][:200])
        return f'<p class="na">{html.escape(t("failed", lang, label=label, error=error))}</p>'
    if data.is_empty():
        return f'<p class="na">{html.escape(t("empty", lang, label=label))}</p>'
    return data


def html_table(data: pl.DataFrame, columns, lang: str, settings: Settings, limit: int = 30) -> str:
    shown = present.text_table(data.head(limit), columns, lang, settings.hierarchy, settings.timezone)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in shown.iter_rows())
    note = present.suppressed_note(data, lang, settings.privacy.min_group_size)
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            + (f'<p class="def">{html.escape(note)}</p>' if note else ""))


def _cards(data: pl.DataFrame, lang: str, registry: dict) -> str:
    out = []
    for r in data.iter_rows(named=True):
        definition = registry[r["kpi"]]
        value = present.cell_text(r["value"], definition.value_format, lang) if r["available"] else t("na", lang)
        change = present.change_text(r["change"], r["change_unit"], lang) if r["available"] else None
        css = "" if change is None else ("up" if r["change"] >= 0 else "down")
        out.append(f'<div class="card"><div class="k">{html.escape(definition.label[lang])}</div>'
                   f'<div class="v">{html.escape(value)}</div><div class="{css}">{html.escape(change or "")} '
                   f'{html.escape(t("vs_previous", lang)) if change else ""}</div></div>')
    return f'<div class="cards">{"".join(out)}</div>'


def build_report(frame: Callable[..., pl.DataFrame], scope: Scope, lang: str, registry: dict,
                 settings: Settings) -> str:
    """The report for ``scope`` in ``lang`` as one HTML document."""
    fig = _Figures()

    def label(name: str) -> str:
        return registry[name].label[lang] if name in registry else name

    def definition(name: str) -> str:
        return f'<p class="def">{html.escape(registry[name].definition[lang])}</p>' if name in registry else ""

    generated = fmt_datetime(datetime.now(UTC).replace(tzinfo=None), lang)
    parts = [f"<h1>{html.escape(t('report_title', lang))}</h1>",
             f'<p class="sub">{fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)} · '
             f'{html.escape(t("report_generated", lang, when=generated))} (UTC)</p>']
    filters = [f"{t(k, lang)}: {', '.join(v)}" for k, v in (("region", scope.regions), ("office", scope.offices),
                                                          ("role", scope.roles), ("group", scope.groups)) if v]
    if scope.rights is not None:
        rights = scope.rights
        units = [*(rights.regions or ()), *(rights.offices or ())]
        filters.append(t("report_rights", lang, role=ROLE_LABELS[rights.role][0 if lang == "es" else 1],
                         units=", ".join(units) if units else t("all", lang)))
    if filters:
        parts.append(f'<p class="sub">{html.escape(" · ".join(filters))}</p>')

    parts.append(f"<h2>{html.escape(t('kpis', lang))}</h2>")
    kpis = _get(frame, "kpi_summary", lang, label("kpi_summary"))
    parts.append(kpis if isinstance(kpis, str) else _cards(kpis, lang, registry) + definition("kpi_summary"))

    events = _get(frame, "campaign_calendar", lang, label("campaign_calendar"))
    events = events if isinstance(events, pl.DataFrame) else None
    parts.append(f"<h2>{html.escape(t('trends', lang))}</h2>")
    daily = _get(frame, "daily_actives", lang, label("daily_actives"))
    parts.append(daily if isinstance(daily, str) else fig(charts.lines(
        daily, "day", {"dau": t("dau", lang), "wau": t("wau", lang), "mau": t("mau", lang)}, label("daily_actives"),
        lang, t("people", lang), events)))

    parts.append(f"<h2>{html.escape(t('adoption_region', lang))}</h2>")
    adoption = _get(frame, "adoption_by", lang, label("adoption_by"), by="region")
    if isinstance(adoption, str):
        parts.append(adoption)
    else:
        shown = present.translated(adoption, registry["adoption_by"].columns, lang, settings.hierarchy,
                                   settings.timezone)
        parts.append(fig(charts.ranked_bars(shown, "segment", "adoption", t("adoption_region", lang), lang,
                                            t("adoption", lang), ratio=True))
                     + html_table(adoption, registry["adoption_by"].columns, lang, settings))

    for name, title, columns in (
            ("top_posts", "top_posts", ("created_local", "author", "group_name", "title", "likes", "replies")),
            ("campaign_impact", "campaigns", None), ("activity_alerts", "alerts", None)):
        parts.append(f"<h2>{html.escape(t(title, lang))}</h2>")
        data = _get(frame, name, lang, label(name))
        if isinstance(data, str):
            parts.append(data)
        else:
            if columns:
                data = data.select([c for c in columns if c in data.columns])
            parts.append(html_table(data, registry[name].columns, lang, settings) + definition(name))

    body = "\n".join(parts)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(t('report_title', lang))} {scope.start.isoformat()}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")
