"""A hand-computed store for the dashboard tests, and an AppTest factory.

The week under test is Monday 2026-11-09 .. Sunday 2026-11-15 (previous week 2026-11-02 .. 08).
Four directory people: Ana and Beto in Norte/N1, Carla and Dani in Sur/S1. Messages only (no visits,
reactions or calendar: those facts are "not available"):
* m1 thread by Ana on 2026-11-10, m2 Carla's reply to it the same day, m4 Ana's reply on Sunday 2026-11-15
                                                                         -> this week: 2 active, 1 thread, 2 replies
* m3 thread by Beto on 2026-11-03                                        -> previous week: 1 active
So: active accounts 2 (previous 1, +100.0 %), adoption 2/4 = 50.0 %; Norte 1 active of 2 (previous 1, +0.0 %),
Sur 1 active of 2 (previous 0). The last day with data is Sunday 2026-11-15, so the default period is that week.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


from dashboard.pages import PAGES as PAGE_SPECS

PAGES = tuple(p.key for p in PAGE_SPECS)

DIRECTORY = [
    {"id_empleado": "E1", "correo": "ana@banco.mx", "nombre": "Ana López", "región": "Norte", "oficina": "N1",
     "puesto": "staff", "jefe": "beto@banco.mx"},
    {"id_empleado": "E2", "correo": "beto@banco.mx", "nombre": "Beto Ruiz", "región": "Norte", "oficina": "N1",
     "puesto": "office manager", "jefe": ""},
    {"id_empleado": "E3", "correo": "carla@banco.mx", "nombre": "Carla Díaz", "región": "Sur", "oficina": "S1",
     "puesto": "staff", "jefe": ""},
    {"id_empleado": "E4", "correo": "dani@banco.mx", "nombre": "Dani Paz", "región": "Sur", "oficina": "S1",
     "puesto": "staff", "jefe": ""},
]
TABLES = {
    "people": [
        {"person_id": f"p{i}", "email": email, "display_name": name, "joined_at": "2026-01-05", "state": "active",
         "profile_completeness": 1.0}
        for i, (email, name) in enumerate((("ana@banco.mx", "Ana"), ("beto@banco.mx", "Beto"),
                                           ("carla@banco.mx", "Carla"), ("dani@banco.mx", "Dani")), start=1)
    ],
    "messages": [
        {"message_id": "m1", "thread_id": "m1", "replied_to_id": "", "group_id": "", "author_id": "p1",
         "created_at": "2026-11-10T10:00:00-06:00", "is_private": "false", "body": "Meta de la semana #metas",
         "hashtags": "metas"},
        {"message_id": "m2", "thread_id": "m1", "replied_to_id": "m1", "group_id": "", "author_id": "p3",
         "created_at": "2026-11-10T12:00:00-06:00", "is_private": "false", "body": "¡Vamos!", "hashtags": ""},
        {"message_id": "m3", "thread_id": "m3", "replied_to_id": "", "group_id": "", "author_id": "p2",
         "created_at": "2026-11-03T10:00:00-06:00", "is_private": "false", "body": "Aviso", "hashtags": ""},
        {"message_id": "m4", "thread_id": "m1", "replied_to_id": "m2", "group_id": "", "author_id": "p1",
         "created_at": "2026-11-15T09:00:00-06:00", "is_private": "false", "body": "Gracias", "hashtags": ""},
    ],
}


@pytest.fixture
def hand_store(make_store) -> Path:
    return make_store(TABLES, DIRECTORY, name="hand.duckdb")


def metrics_by_label(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def query_list(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key)
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
