"""The dashboard's pages, declared once: the app builds its navigation from this list, and the tests and the
benchmark open the same pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"  # not "pages/": that name switches Streamlit to its legacy mode


@dataclass(frozen=True)
class Page:
    key: str  # the view module's name and the title's UI string (page_<key>)
    icon: str
    default: bool = False

    @property
    def url_path(self) -> str:
        """Where the page lives: the default page is the root URL."""
        return "" if self.default else self.key

    @property
    def script(self) -> Path:
        return VIEWS / f"{self.key}.py"


PAGES: tuple[Page, ...] = (
    Page("resumen", ":material/monitoring:", default=True),
    Page("comunidad", ":material/groups:"),
    Page("regiones", ":material/map:"),
    Page("flujos", ":material/sync_alt:"),
    Page("contenido", ":material/forum:"),
    Page("datos", ":material/database:"),
)
