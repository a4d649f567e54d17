"""The person page at the end of the drill-down, on the sample: every figure it shows recomputed here from the
raw tables (messages, reactions, visits, people) with local days in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, date
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dashboard.i18n import fmt_number
from tests.dashboard.conftest import query_list

ZONE = ZoneInfo("America/Mexico_City")
WEEK = (date(2026, 11, 9), date(2026, 11, 15))


def local_day(ts):
    return ts.replace(tzinfo=UTC).astimezone(ZONE).date()


def by_hand(db, person: str) -> dict[str, int]:
    """The person's week from the canonical tables only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        bots = {r[0] for r in con.execute("SELECT person_id FROM people WHERE is_bot").fetchall()}
        messages = con.execute("SELECT message_id, thread_id, replied_to_id, author_id, created_at FROM messages"
                               ).fetchall()
        reactions = con.execute("SELECT message_id, person_id, created_at, weight FROM reactions").fetchall()
        visits = con.execute("SELECT started_at FROM visits WHERE person_id = ?", [person]).fetchall()
    finally:
        con.close()
    start, end = WEEK
    day = {m[0]: local_day(m[4]) for m in messages}
    author = {m[0]: m[3] for m in messages}
    mine = {m[0] for m in messages if m[3] == person}
    in_week = lambda d: start <= d <= end
    threads = [m for m in messages if m[3] == person and not m[2] and m[0] == m[1] and in_week(day[m[0]])]
    replies = [m for m in messages if m[3] == person and m[2] and in_week(day[m[0]])]
    received = [m for m in messages if m[2] in mine and m[3] != person and in_week(day[m[0]])]
    reaction_day = [(r, local_day(r[2]) if r[2] else day[r[0]]) for r in reactions]
    likes_given = [(r, d) for r, d in reaction_day if r[1] == person and in_week(d)]
    likes_received = [(r, d) for r, d in reaction_day if r[0] in mine and in_week(d)]
    visit_days = [local_day(v[0]) for v in visits if in_week(local_day(v[0]))]
    active = {day[m[0]] for m in threads + replies} | {d for _, d in likes_given} | set(visit_days)
    return {
        "Días con actividad": len(active),
        "Hilos iniciados": len(threads),
        "Respuestas escritas": len(replies),
        "Me gusta dados": sum(r[3] or 1 for r, _ in likes_given),
        "Respuestas recibidas": len(received),
        "Me gusta recibidos": sum(r[3] or 1 for r, _ in likes_received),
        "Personas a las que respondió": len({author.get(m[2]) for m in replies} - {person, None} - bots),
        "Personas que le respondieron": len({m[3] for m in received} - {person} - bots),
        "Visitas": len(visit_days),
    }


@pytest.mark.parametrize("path", [
    {"dr": "Bajío", "dp": "E00216"},  # a regional manager: no office, opened from the region's level
    {"dr": "Golfo", "do": "Orizaba Oriente", "dp": "E00515"},  # an office manager: region -> office -> person
])
def test_person_page_numbers_equal_the_raw_tables(app, sample_store, path):
    at = app(sample_store, start="2026-11-09", end="2026-11-15", **path).run()
    at.switch_page("views/regiones.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    expected = by_hand(sample_store, path["dp"])
    assert expected["Respuestas escritas"] + expected["Hilos iniciados"] > 0  # a person who did something
    for label, value in expected.items():
        assert shown[label] == fmt_number(value, "es"), label
    assert query_list(at, "dp") == [path["dp"]]  # the link keeps the person


def test_drill_down_from_the_top_to_a_person_and_back(app, sample_store):
    at = app(sample_store, start="2026-11-09", end="2026-11-15").run()
    at.switch_page("views/regiones.py").run()
    at.selectbox(key="drill_pick_0").set_value("Bajío").run()
    at.selectbox(key="drill_pick_1").set_value("Querétaro Centro").run()
    assert query_list(at, "do") == ["Querétaro Centro"]
    at.selectbox(key="drill_pick_2").set_value("E01144").run()
    assert not at.exception and query_list(at, "dp") == ["E01144"]
    assert at.subheader[0].value == "Arturo Gómez Jiménez"
    at.button(key="crumb_2").click().run()  # back to the office
    assert "dp" not in at.query_params and query_list(at, "do") == ["Querétaro Centro"]


def test_an_unknown_person_in_the_link_is_said_not_shown(app, sample_store):
    at = app(sample_store, dr="Bajío", dp="E99999").run()
    at.switch_page("views/regiones.py").run()
    assert not at.exception
    assert any("no está en esta oficina" in i.value for i in at.info)
