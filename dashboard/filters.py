"""The sidebar's global filters -> one ``Scope``, mirrored in the URL query string.

Query keys: ``lang``, ``gran`` (day/week/month/quarter), ``start`` and ``end``
(ISO dates, inclusive local days), and repeated ``region``, ``office``,
``role``, ``group`` values. A link with them reproduces the view. The default
period is the last complete Monday-Sunday week with data in the store.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, fmt_date, t
from dashboard.present import role_label, unit_label
from pulso.core.periods import GRANULARITIES, last_complete_week
from pulso.core.scope import Scope
from pulso.core.settings import Hierarchy

LIST_KEYS = ("region", "office", "role", "group")
MANAGED_KEYS = frozenset(("lang", "gran", "start", "end", *LIST_KEYS))


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def scope_from_query(query: dict[str, list[str]], last_day: date) -> Scope:
    """Build the scope from query values (each key -> list of strings); bad values fall back to defaults."""
    default_start, default_end = last_complete_week(last_day)
    start = _parse_date((query.get("start") or [None])[0]) or default_start
    end = _parse_date((query.get("end") or [None])[0]) or (default_end if start == default_start else start)
    if end < start:
        start, end = default_start, default_end
    gran = (query.get("gran") or ["week"])[0]
    gran = gran if gran in GRANULARITIES else "week"
    lists = {key: tuple(v for v in query.get(key, []) if v) for key in LIST_KEYS}
    return Scope(start, end, regions=lists["region"], offices=lists["office"], roles=lists["role"],
                 groups=lists["group"], granularity=gran)


def query_from_scope(scope: Scope, lang: str) -> dict[str, str | list[str]]:
    """The inverse of ``scope_from_query`` (plus the language)."""
    query: dict[str, str | list[str]] = {"lang": lang, "gran": scope.granularity,
                                         "start": scope.start.isoformat(), "end": scope.end.isoformat()}
    for key, values in (("region", scope.regions), ("office", scope.offices), ("role", scope.roles),
                        ("group", scope.groups)):
        if values:
            query[key] = list(values)
    return query


def _query_dict() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params.keys()}


def language() -> str:
    """The language switch (Spanish by default), seeded from ``?lang=``."""
    if "f_lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state["f_lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    return st.sidebar.radio("Idioma / Language", LANGUAGES, key="f_lang", horizontal=True,
                            format_func=lambda code: {"es": "Español", "en": "English"}[code])


def sidebar(lang: str, options: dict, bounds: tuple[date, date], hierarchy: Hierarchy, zone: str = "") -> Scope:
    """Draw the filters in the sidebar and return the scope they choose; writes the URL query string."""
    first_day, last_day = bounds
    state = st.session_state
    if "f_period" not in state:  # first run of this session: seed the widgets from the URL
        seeded = scope_from_query(_query_dict(), last_day)
        state["f_gran"] = seeded.granularity
        state["f_period"] = (seeded.start, seeded.end)
        state["f_region"] = [v for v in seeded.regions if v in options["region"]]
        offices = {o for o, _ in options["office"]}
        state["f_office"] = [v for v in seeded.offices if v in offices]
        state["f_role"] = [v for v in seeded.roles if v in options["role"]]
        groups = {g for g, _ in options["group"]}
        state["f_group"] = [v for v in seeded.groups if v in groups]

    sb = st.sidebar
    sb.header(t("filters", lang))
    gran = sb.selectbox(t("granularity", lang), GRANULARITIES, key="f_gran",
                        format_func=lambda g: t(f"gran_{g}", lang))
    low = min(first_day, state["f_period"][0])
    high = max(last_day, state["f_period"][-1])
    period = sb.date_input(t("period", lang), key="f_period", min_value=low, max_value=high,
                           help=t("period_help", lang, zone=zone), format="DD/MM/YYYY" if lang == "es" else "MM/DD/YYYY")
    start, end = (period[0], period[-1]) if isinstance(period, (tuple, list)) and period else (period, period)
    regions = sb.multiselect(t("region", lang), options["region"], key="f_region", placeholder=t("all", lang),
                             format_func=lambda v: unit_label(v, lang, "region"), select_all=False)
    office_choices = sorted({o for o, r in options["office"] if not regions or r in regions} | set(state["f_office"]))
    offices = sb.multiselect(t("office", lang), office_choices, key="f_office", placeholder=t("all", lang),
                             format_func=lambda v: unit_label(v, lang, "office"), select_all=False)
    roles = sb.multiselect(t("role", lang), options["role"], key="f_role", placeholder=t("all", lang),
                           format_func=lambda v: role_label(v, lang, hierarchy), select_all=False)
    group_names = dict(options["group"])
    groups = sb.multiselect(t("group", lang), list(group_names), key="f_group", placeholder=t("all", lang),
                            format_func=lambda g: group_names.get(g, g), select_all=False)
    scope = Scope(start, end, tuple(regions), tuple(offices), tuple(roles), tuple(groups), gran)
    wanted = query_from_scope(scope, lang)
    current = _query_dict()
    wanted.update({k: v for k, v in current.items() if k not in MANAGED_KEYS})  # page keys (drill-down) stay
    if current != {k: (v if isinstance(v, list) else [v]) for k, v in wanted.items()}:
        st.query_params.from_dict(wanted)
    return scope


def caption(scope: Scope, lang: str) -> str:
    previous = scope.previous()
    return t("scope_caption", lang, start=fmt_date(scope.start, lang), end=fmt_date(scope.end, lang),
             days=scope.days, pstart=fmt_date(previous.start, lang), pend=fmt_date(previous.end, lang))
