"""Pulso's dashboard: ``pulso serve`` runs ``streamlit run dashboard/app.py`` with PULSO_DB set.

The entry script draws the language switch, passes the sign-in gate
(``dashboard.access``: local mode, sign-in, "sin acceso"), draws the global
filters the viewer may use, builds the one ``Scope`` every page uses -- with the
viewer's rights in it, so no filter, URL or page can widen them -- and runs the
chosen page (pages: ``dashboard.pages``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import streamlit as st

from dashboard import access, cache, filters
from dashboard.common import STYLE, Context, set_current
from dashboard.i18n import t, zone_name
from dashboard.pages import PAGES
from pulso.core.access import Rights
from pulso.core.scope import Scope

DEFAULT_DB = "data/pulso.duckdb"
# The page icon is a local image, served by the dashboard itself: a Material icon or an emoji as page_icon makes
# every browser fetch the icon from a font CDN, and the dashboard makes no outbound request.
ICON = Path(__file__).with_name("static") / "pulso-icon.png"


def _store_scope(db: Path, lang: str, rights: Rights | None) -> Scope | None:
    """Filters in the sidebar for the store at ``db`` (only the values the viewer's rights cover; URL values are
    checked against them), with the rights in the scope; None when there is no store yet (or no dated data)."""
    if not db.exists():
        return None
    span = cache.data_span(db)
    if span is None:
        return None
    settings = cache.settings(db)
    scope = filters.sidebar(lang, cache.filter_options(db, rights), span, settings.hierarchy,
                            zone_name(settings.timezone))
    return replace(scope, rights=rights)


def main() -> None:
    st.set_page_config(page_title="Pulso", page_icon=ICON, layout="wide")
    st.markdown(STYLE, unsafe_allow_html=True)
    lang = filters.language()
    db = Path(os.environ.get("PULSO_DB", DEFAULT_DB))
    with cache.run_store(db):  # this run reads one published store from start to end (a newer one: next run)
        viewer = access.gate(db, lang)  # stops here for a visitor who may see nothing
        scope = _store_scope(db, lang, viewer.rights)
        set_current(Context(lang, db, scope, viewer))
        page = st.navigation([st.Page(str(p.script), title=t(f"page_{p.key}", lang), icon=p.icon,
                                      url_path=p.url_path, default=p.default) for p in PAGES])
        st.title(page.title)
        if scope is not None:
            st.caption(filters.caption(scope, lang))
        page.run()


main()
