"""Microsoft Teams reader, on the hand-made Graph export in tests/fixtures/teams/graph_export
(written in the documented chatMessage / channel / conversationMember shapes, not copied
from the docs), read as a folder and as a zip made here.

The fixture: team "Banca Norte" (public) with channels General (standard), Gerentes
(private) and Socios (shared); team members Ana, Beto, Caro, Eva (e-mails), Gerentes
members Ana and Beto.
- general/messages-1.json, page 1 of /messages?$expand=replies: M1 by Ana (subject, mentions
  of Beto and of the channel General, reactions like/heart/👍 by Beto, Caro, Eva) with its
  expanded replies R1 (Beto, text body) and R2 (Caro); M2 by Beto, deleted; a members-added
  event (Eva).
- general/messages-2.json, page 2: M3 by the bot "Avisos RH"; a team-description event
  (messageType unknownFutureValue: rejected); a members-deleted event (Caro); M4 by Eva.
- general/replies-<M1>.json, /messages/{M1}/replies saved as a list of two pages: R3 by Eva
  (a quoted reply of R1, liked by Ana) and R2 again, edited five minutes later.
- gerentes/messages-1.json: M5 by Ana (liked by Beto) and its reply R4 by Beto mentioning Ana.
- socios/messages-1.json: M6 by Dani (another organisation, no members entry) and Ana's reply R5.
All times are UTC; the organisation's zone (America/Mexico_City) is UTC-6 in March 2024.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers import detect_reader
from pipelines.readers.teams import context_kind, reaction_kind
from pipelines.readers.teams_html import html_to_text
from tests.conftest import PROJECT_ROOT, REALDATA, SAMPLE_DIR, rows

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
FIXTURE = FIXTURES / "teams" / "graph_export"
T = datetime

TEAM = "c0ffee00-1111-4222-8333-444455556666"
GENERAL, GERENTES, SOCIOS = "19:general@thread.tacv2", "19:gerentes@thread.tacv2", "19:socios@thread.tacv2"
ANA = "teams:a0000000-0000-4000-8000-00000000000a"
BETO = "teams:b0000000-0000-4000-8000-00000000000b"
CARO = "teams:c0000000-0000-4000-8000-00000000000c"
DANI = "teams:d0000000-0000-4000-8000-00000000000d"
EVA = "teams:e0000000-0000-4000-8000-00000000000e"
BOT = "teams:app:f0000000-0000-4000-8000-0000000000f1"


def mid(channel: str, graph_id: str) -> str:
    return f"teams:{channel}:{graph_id}"


M1, R1, R2, R3 = (mid(GENERAL, i) for i in ("1709568000000", "1709568600000", "1709569200000", "1709570400000"))
M2, M3, M4 = (mid(GENERAL, i) for i in ("1709571600000", "1709654400000", "1709740800000"))
M5, R4 = mid(GERENTES, "1709827200000"), mid(GERENTES, "1709830800000")
M6, R5 = mid(SOCIOS, "1709913600000"), mid(SOCIOS, "1709917200000")
G_GENERAL, G_GERENTES, G_SOCIOS = f"teams:{GENERAL}", f"teams:{GERENTES}", f"teams:{SOCIOS}"

# (read, loaded, rejected, duplicates) of the fixture
EXPECTED_TABLES = {
    "people": (8, 6, 0, 2),        # 4 team members + 2 Gerentes members (repeats) + Dani + the bot
    "groups": (3, 3, 0, 0),        # the channel listing
    "memberships": (8, 8, 0, 0),   # 4 team members x General, 2 Gerentes members, 1 added, 1 deleted event
    "messages": (13, 11, 1, 1),    # 11 messages, the description event rejected, R2's second copy a duplicate
    "reactions": (5, 5, 0, 0),     # 3 on M1, 1 on R3, 1 on M5
}


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return target


def copy_fixture(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "export"))


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def message(graph_id: str, created: str, user_id: str | None, text: str, reply_to: str | None = None,
            channel: str = GENERAL, **extra) -> dict:
    """A chatMessage in the documented shape (only the fields the tests need)."""
    sender = None if user_id is None else {"application": None, "device": None, "user": {
        "id": user_id.removeprefix("teams:"), "displayName": None, "userIdentityType": "aadUser"}}
    return {"id": graph_id, "replyToId": reply_to, "messageType": "message", "createdDateTime": created,
            "lastModifiedDateTime": created, "lastEditedDateTime": None, "deletedDateTime": None,
            "from": sender, "body": {"contentType": "text", "content": text},
            "channelIdentity": {"teamId": TEAM, "channelId": channel}, "attachments": [], "mentions": [],
            "reactions": [], **extra}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, object]:
    db = tmp_path_factory.mktemp("teams") / "store.duckdb"
    return db, ingest([FIXTURE], db)


# ---- small pieces -----------------------------------------------------------------------------

def test_html_bodies_become_text():
    assert html_to_text('<div><p>Hola <at id="0">Beto</at>,&nbsp;mira &amp; comenta</p></div>') == \
        "Hola Beto, mira & comenta"
    assert html_to_text("<p>Uno<br>Dos</p><ul><li>tres</li><li>cuatro</li></ul>") == "Uno\nDos\ntres\ncuatro"
    assert html_to_text('<attachment id="17"></attachment><p>Ok <emoji id="1f44d" alt="👍" title="Like">'
                        '</emoji></p><img src="x.png"><script>no()</script>') == "Ok 👍"
    assert html_to_text("<systemEventMessage/>") == ""


def test_reaction_kinds_and_contexts():
    given = ("like", "👍", "👍🏽", "❤️", "😆", "😮", "😢", "😡", "🎉")
    assert [reaction_kind({"reactionType": t}) for t in given] == [
        "like", "like", "like", "heart", "laugh", "surprised", "sad", "angry", "🎉"]
    assert reaction_kind({"reactionType": "custom", "displayName": "Pulso"}) == "custom:Pulso"
    assert reaction_kind({"reactionType": ""}) is None
    base = "https://graph.microsoft.com/v1.0/$metadata#"
    assert context_kind(base + f"teams('{TEAM}')/channels('19%3Ageneral%40thread.tacv2')/messages('1')/replies") == (
        "replies", {"team": TEAM, "channel": GENERAL, "parent": "1"})
    assert context_kind(base + f"teams('{TEAM}')/channels('19%3Ageneral%40thread.tacv2')/messages") == (
        "messages", {"team": TEAM, "channel": GENERAL})
    assert context_kind(base + "Collection(chatMessage)") == ("messages", {})
    assert context_kind(base + f"teams('{TEAM}')/channels") == ("channels", {"team": TEAM})
    assert context_kind(base + f"teams('{TEAM}')/members") == ("team_members", {"team": TEAM})
    assert context_kind(base + f"teams('{TEAM}')/channels('19%3Agerentes%40thread.tacv2')/members") == (
        "channel_members", {"team": TEAM, "channel": GERENTES})
    assert context_kind(base + "teams/$entity") == ("team", {})
    assert context_kind(base + "chats('19%3Aabc%40thread.v2')/messages") == ("chats", {})
    assert context_kind(None) == (None, {})


# ---- detection --------------------------------------------------------------------------------

def test_detects_folder_and_zip(tmp_path):
    assert detect_reader(FIXTURE).name == "teams"
    assert detect_reader(zip_folder(FIXTURE, tmp_path / "teams.zip")).name == "teams"


def test_other_formats_are_detected_as_before(tmp_path):
    """Teams is tried before Slack (both may hold a channels.json): no other fixture changes reader."""
    expected = {
        FIXTURES / "slack" / "small_export": "slack",
        REALDATA / "slack_hfaran_testarchive" / "testarchive.zip": "slack",
        FIXTURES / "yammer" / "network_export": "yammer",
        FIXTURES / "stackexchange" / "small_dump": "stackexchange",
        FIXTURES / "m365" / "reports": "m365",
        FIXTURES / "tiny_export": "pulso",
        FIXTURES / "directory.csv": "directory",
        SAMPLE_DIR / "export": "pulso",
        SAMPLE_DIR / "directory.csv": "directory",
    }
    assert {path: detect_reader(path).name for path in expected} == expected
    slack_zip = zip_folder(FIXTURES / "slack" / "small_export", tmp_path / "slack.zip")
    assert detect_reader(slack_zip).name == "slack"


# ---- the fixture, loaded ----------------------------------------------------------------------

def test_summary_counts_every_row(store):
    _, summary = store
    assert summary.formats == ["teams"]
    assert summary.per_table == EXPECTED_TABLES
    for read, loaded, rejected, duplicates in summary.per_file.values():
        assert read == loaded + rejected + duplicates
    f = str(FIXTURE)
    assert summary.per_file[(f"{f}/general/messages-1.json", "messages")] == (4, 4, 0, 0)      # M1 R1 R2 M2
    assert summary.per_file[(f"{f}/general/messages-2.json", "messages")] == (3, 2, 1, 0)      # M3 M4, event
    assert summary.per_file[(f"{f}/general/replies-1709568000000.json", "messages")] == (2, 1, 0, 1)  # R3, R2
    assert summary.per_file[(f"{f}/general/messages-2.json", "memberships")] == (1, 1, 0, 0)   # Caro deleted
    assert summary.per_file[(f"{f}/general/messages-2.json", "people")] == (1, 1, 0, 0)        # the bot
    assert summary.per_file[(f"{f}/members.json", "people")] == (4, 2, 0, 2)   # Ana, Beto came first (gerentes/)


def test_thread_with_replies_across_pages_and_files(store):
    """M1's replies come from the expanded list (page 1) and from the /replies file (two pages);
    R2 is in both, and the edited copy (newer lastModifiedDateTime) wins."""
    db, _ = store
    assert rows(db, "SELECT message_id, thread_id, replied_to_id, author_id, created_at, edited_at, body "
                    "FROM messages WHERE thread_id = ? ORDER BY created_at", [M1]) == [
        (M1, M1, None, ANA, T(2024, 3, 4, 16, 0), None, "Hola Beto, revisen el cierre en General & comenten."),
        (R1, M1, M1, BETO, T(2024, 3, 4, 16, 10), None, "Ya lo reviso"),
        (R2, M1, M1, CARO, T(2024, 3, 4, 16, 20), T(2024, 3, 4, 16, 25), "Falta la sucursal 3 y la 4"),
        (R3, M1, M1, EVA, T(2024, 3, 4, 16, 40), None, "Yo la reviso mañana"),  # quoted reply: the quote is left out
    ]
    assert rows(db, "SELECT title FROM messages WHERE message_id = ?", [M1]) == [("Cierre de marzo",)]


def test_every_message(store):
    db, _ = store
    assert rows(db, "SELECT message_id, thread_id, replied_to_id, group_id, author_id, created_at, deleted_at, "
                    "is_private, body, mentions FROM messages WHERE thread_id <> ? ORDER BY created_at", [M1]) == [
        (M2, M2, None, G_GENERAL, BETO, T(2024, 3, 4, 17, 0), T(2024, 3, 4, 17, 30), False, None, []),  # deleted
        (M3, M3, None, G_GENERAL, BOT, T(2024, 3, 5, 16, 0), None, False, "Recordatorio: cierre de mes\nGracias", []),
        (M4, M4, None, G_GENERAL, EVA, T(2024, 3, 6, 16, 0), None, False, "Primera vez por aquí 👋", []),
        (M5, M5, None, G_GERENTES, ANA, T(2024, 3, 7, 16, 0), None, True, "Metas del trimestre", []),
        (R4, M5, M5, G_GERENTES, BETO, T(2024, 3, 7, 17, 0), None, True, "De acuerdo, Ana López", [ANA]),
        (M6, M6, None, G_SOCIOS, DANI, T(2024, 3, 8, 16, 0), None, False, "Saludos del equipo socio", []),
        (R5, M6, M6, G_SOCIOS, ANA, T(2024, 3, 8, 17, 0), None, False, "¡Bienvenida, Dani!", []),
    ]
    # a mention of a user is kept, a mention of the channel is not (it is not a person)
    assert rows(db, "SELECT mentions FROM messages WHERE message_id = ?", [M1]) == [([BETO],)]
    assert rows(db, "SELECT count(*), count(*) FILTER (WHERE is_private) FROM messages") == [(11, 2)]


def test_people_groups_and_memberships(store):
    db, _ = store
    assert rows(db, "SELECT person_id, email, display_name, is_bot FROM people ORDER BY person_id") == [
        (ANA, "ana.lopez@banco.mx", "Ana López", False),
        (BOT, None, "Avisos RH", True),
        (BETO, "beto@banco.mx", "Beto Ruiz", False),
        (CARO, "caro@banco.mx", "Caro Díaz", False),
        (DANI, None, "Dani Ortiz", False),   # another organisation: no members entry, a minimal row
        (EVA, "eva@banco.mx", "Eva Díaz", False),
    ]
    assert rows(db, "SELECT group_id, name, description, is_private, created_at FROM groups ORDER BY group_id") == [
        (G_GENERAL, "Banca Norte / General", "Todo el equipo", False, T(2024, 1, 15, 15)),
        (G_GERENTES, "Banca Norte / Gerentes", "Solo gerentes", True, T(2024, 2, 1, 15)),
        (G_SOCIOS, "Banca Norte / Socios", None, False, T(2024, 2, 15, 15)),   # shared: not private
    ]
    assert rows(db, "SELECT group_id, person_id, joined_at, left_at FROM memberships ORDER BY 1, 2") == [
        (G_GENERAL, ANA, None, None),
        (G_GENERAL, BETO, None, None),
        (G_GENERAL, CARO, None, T(2024, 3, 5, 18, 0)),      # members-deleted event
        (G_GENERAL, EVA, T(2024, 3, 4, 18, 0), None),       # members-added event
        (G_GERENTES, ANA, None, None),
        (G_GERENTES, BETO, None, None),
    ]


def test_reactions_by_several_users(store):
    db, _ = store
    assert rows(db, "SELECT message_id, person_id, kind, created_at, weight FROM reactions ORDER BY created_at") == [
        (M1, BETO, "like", T(2024, 3, 4, 16, 5), 1),
        (M1, CARO, "heart", T(2024, 3, 4, 16, 6), 1),
        (M1, EVA, "like", T(2024, 3, 4, 16, 7), 1),     # 👍 is a like
        (R3, ANA, "like", T(2024, 3, 4, 16, 45), 1),
        (M5, BETO, "like", T(2024, 3, 7, 16, 30), 1),
    ]
    assert rows(db, "SELECT reaction_id FROM reactions WHERE person_id = ? AND message_id = ?", [EVA, M1]) == [
        (f"{M1}:{EVA}:like",)]


def test_system_event_is_rejected_not_dropped(store):
    db, _ = store
    assert rows(db, "SELECT file, line, table_name, reason FROM rejected_rows") == [
        (f"{FIXTURE}/general/messages-2.json", 2, "messages",
         "system event, not a message (teamDescriptionUpdatedEventMessageDetail)")]


def test_facts_and_what_teams_cannot_supply(store):
    db, _ = store
    assert rows(db, "SELECT fact, rows FROM source_facts WHERE source = 'teams' ORDER BY fact") == [
        ("groups", 3), ("memberships", 6), ("messages", 11), ("people", 6), ("reactions", 5)]
    con = connect_read_only(db)
    try:
        scope = Scope(date(2024, 3, 4), date(2024, 3, 10))
        kpis = {r["kpi"]: r for r in compute(con, "kpi_summary", scope).iter_rows(named=True)}
        for kpi in ("visits", "median_minutes_per_active"):   # need visits: "not available", never zero
            assert (kpis[kpi]["available"], kpis[kpi]["value"]) == (False, None)
        assert (kpis["likes"]["available"], kpis["likes"]["value"]) == (True, 5.0)
        assert compute(con, "activity_trend", scope)["visits"].to_list() == [None]
        with pytest.raises(FactsNotAvailable):   # nor does Teams supply a communications calendar
            compute(con, "campaign_calendar", scope)
    finally:
        con.close()


def test_zip_loads_the_same_rows(tmp_path, store):
    db_folder, _ = store
    db = tmp_path / "zip.duckdb"
    summary = ingest([zip_folder(FIXTURE, tmp_path / "teams.zip")], db)
    assert summary.per_table == EXPECTED_TABLES
    sql = "SELECT * EXCLUDE (source) FROM messages ORDER BY message_id"
    assert rows(db, sql) == rows(db_folder, sql)
    assert rows(db, "SELECT file, line FROM rejected_rows") == [("teams.zip!general/messages-2.json", 2)]


def test_private_team_makes_every_channel_private(tmp_path):
    export = copy_fixture(tmp_path)
    edit_json(export / "team.json", lambda team: team.update(visibility="private"))
    db = tmp_path / "s.duckdb"
    ingest([export], db)
    assert rows(db, "SELECT count(*), count(*) FILTER (WHERE is_private) FROM groups") == [(3, 3)]
    assert rows(db, "SELECT count(*), count(*) FILTER (WHERE is_private) FROM messages") == [(11, 11)]


# ---- with the org directory: the dashboard's metrics --------------------------------------------

DIRECTORY = (
    "id,email,name,region,office,role,manager\n"
    "E1,ana.lopez@banco.mx,Ana López,Centro,CDMX-01,regional manager,\n"
    "E2,beto@banco.mx,Beto Ruiz,Centro,CDMX-01,office manager,E1\n"
    "E3,caro@banco.mx,Caro Díaz,Norte,MTY-01,staff,E2\n"
    "E4,eva@banco.mx,Eva Díaz,Norte,MTY-01,staff,E2\n"
    "E5,fer@banco.mx,Fer Gil,Norte,MTY-02,staff,E2\n"
)


def test_with_directory_activity_by_region_and_role_and_feedback_direction(tmp_path):
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([FIXTURE, directory], db)
    assert summary.formats == ["directory", "teams"]
    # Teams people merge with the directory by e-mail (Ana's "Ana.Lopez@banco.mx" is lower-cased)
    assert rows(db, "SELECT person_id, region, role FROM people ORDER BY person_id") == [
        ("E1", "Centro", "regional manager"), ("E2", "Centro", "office manager"), ("E3", "Norte", "staff"),
        ("E4", "Norte", "staff"), ("E5", "Norte", "staff"), (BOT, None, None), (DANI, None, None)]
    assert rows(db, "SELECT author_id, count(*) FROM messages GROUP BY 1 ORDER BY 1") == [
        ("E1", 3), ("E2", 3), ("E3", 1), ("E4", 2), (BOT, 1), (DANI, 1)]
    con = connect_read_only(db)
    try:
        week = Scope(date(2024, 3, 4), date(2024, 3, 10))   # every Teams event falls in this local week
        # Active (posted, replied or liked) this week: Ana (M1 M5 R5, liked R3), Beto (R1 M2 R4, 2 likes),
        # Caro (R2, a heart), Eva (R3 M4, a 👍); Fer nothing. Eligible = the 5 directory people.
        # Centro: Ana, Beto -> 2/2. Norte: Caro, Eva, Fer -> 2/3. The week before: nobody -> 0.
        by_region = compute(con, "adoption_by", week, by="region")
        assert by_region.rows() == [("Centro", 2, 2, 1.0, 2, 0.0, 100.0), ("Norte", 3, 2, 0.6667, 2, 0.0, 66.67)]
        by_role = compute(con, "adoption_by", week, by="role")
        assert by_role.rows() == [("office manager", 1, 1, 1.0, 1, 0.0, 100.0),
                                  ("regional manager", 1, 1, 1.0, 1, 0.0, 100.0),
                                  ("staff", 3, 2, 0.6667, 2, 0.0, 66.67)]
        # Replies (replier -> author of the message replied to): R1 Beto->Ana, R2 Caro->Ana, R3 Eva->Ana,
        # R4 Beto->Ana, R5 Ana->Dani. Pairs: Beto->Ana (2), Caro->Ana, Eva->Ana, Ana->Dani: weight 5, 4 pairs.
        # Ranks (settings): regional manager 4, office manager 5, staff 6; Dani has no role (unranked).
        # upward = Beto->Ana 2 + Caro->Ana 1 + Eva->Ana 1 = 4/5; unranked = Ana->Dani 1/5.
        # to own manager: Beto->Ana (Ana manages Beto) 2/5; skip level up: Caro, Eva -> Ana (2 levels) 2/5.
        # across offices / regions: Caro->Ana and Eva->Ana (Norte MTY-01 -> Centro CDMX-01) 2/5; Ana->Dani
        # is in no "across" share (Dani is not in the directory).
        direction = compute(con, "feedback_direction", week, kinds=["reply"])
        assert direction.to_dicts() == [{
            "segment": "all", "total_weight": 5.0, "pairs": 4, "upward": 0.8, "downward": 0.0, "horizontal": 0.0, "unranked": 0.2,
            "to_own_manager": 0.4, "to_own_report": 0.0, "skip_level_up": 0.4, "skip_level_down": 0.0,
            "across_offices": 0.4, "across_regions": 0.4}]
        # by the sender's region: Centro sends Beto->Ana (2) and Ana->Dani (1); Norte sends Caro->Ana, Eva->Ana
        by_sender = compute(con, "feedback_direction", week, by="region", kinds="reply")
        assert by_sender.select("segment", "total_weight", "pairs", "upward", "unranked", "to_own_manager",
                                "skip_level_up", "across_regions").rows() == [
            ("Centro", 3.0, 2, pytest.approx(2 / 3), pytest.approx(1 / 3), pytest.approx(2 / 3), 0.0, 0.0),
            ("Norte", 2.0, 2, 1.0, 0.0, 0.0, 1.0, 1.0)]
    finally:
        con.close()


# ---- incremental loads --------------------------------------------------------------------------

def test_reingest_is_noop_and_a_delta_round_folds_the_edit(tmp_path):
    export = copy_fixture(tmp_path)
    db = tmp_path / "s.duckdb"
    ingest([export], db)
    again = ingest([export], db)
    assert all(loaded == 0 for _, loaded, _, _ in again.per_table.values())
    page_1 = json.loads((export / "general" / "messages-1.json").read_text("utf-8"))
    edited = dict(page_1["value"][0], lastModifiedDateTime="2024-03-09T10:00:00.000Z",
                  lastEditedDateTime="2024-03-09T10:00:00.000Z",
                  body={"contentType": "html", "content": "<p>Cierre revisado</p>"})
    laugh = json.loads(json.dumps(edited["reactions"][1]))
    laugh.update(reactionType="😆", createdDateTime="2024-03-09T09:00:00.000Z")
    laugh["user"]["user"]["id"] = BETO.removeprefix("teams:")
    edited["reactions"] = edited["reactions"] + [laugh]
    del edited["replies"]
    (export / "general" / "delta-1.json").write_text(json.dumps({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(chatMessage)",
        "@odata.deltaLink": "https://graph.microsoft.com/v1.0/teams/x/channels/y/messages/delta?$deltatoken=z",
        "value": [edited]}, ensure_ascii=False), encoding="utf-8")
    newer = ingest([export], db)
    # messages: the 13 rows again plus the delta copy of M1; M1's two copies carry the edit (delta-1 sorts
    # first, so it is the one loaded); the event is rejected again; everything else is unchanged.
    assert newer.per_table["messages"] == (14, 1, 1, 12)
    # reactions now come from M1's newest copy (the delta): its 3 old ones and Beto's 😆 (new), plus R3's, M5's;
    # the older copy's 3 reactions (messages-1.json) are read too and counted as duplicates, never dropped
    assert newer.per_table["reactions"] == (9, 1, 0, 8)
    assert rows(db, "SELECT body, edited_at FROM messages WHERE message_id = ?", [M1]) == [
        ("Cierre revisado", T(2024, 3, 9, 10))]
    assert rows(db, "SELECT person_id, kind FROM reactions WHERE message_id = ? ORDER BY created_at", [M1]) == [
        (BETO, "like"), (CARO, "heart"), (EVA, "like"), (BETO, "laugh")]


def test_reply_to_a_message_loaded_earlier_resolves_from_the_store(tmp_path):
    export = copy_fixture(tmp_path)
    db = tmp_path / "s.duckdb"
    ingest([export], db)
    later = tmp_path / "later"
    (later / "gerentes").mkdir(parents=True)
    (later / "gerentes" / "replies.json").write_text(json.dumps({
        "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#teams('{TEAM}')/channels("
                          f"'19%3Agerentes%40thread.tacv2')/messages('1709827200000')/replies",
        "value": [message("1710000000000", "2024-03-09T16:00:00.000Z", ANA, "Seguimos", "1709827200000",
                          channel=GERENTES)]}), encoding="utf-8")
    summary = ingest([later], db)
    assert summary.per_table["messages"] == (1, 1, 0, 0)
    assert rows(db, "SELECT thread_id, replied_to_id, group_id, is_private FROM messages WHERE message_id = ?",
                [mid(GERENTES, "1710000000000")]) == [(M5, M5, G_GERENTES, True)]   # privacy from the store


# ---- malformed input ----------------------------------------------------------------------------

def test_missing_sender_missing_parent_and_chats_are_recorded_rejects(tmp_path):
    export = copy_fixture(tmp_path)
    edit_json(export / "general" / "messages-2.json", lambda page: page["value"].extend([
        message("1709745000000", "2024-03-06T17:10:00.000Z", None, "¿Quién soy?"),              # line 5: no from
        message("1709746000000", "2024-03-06T17:30:00.000Z", EVA, "Respuesta huérfana", "1700000000000"),  # line 6
    ]))
    # M2 (deleted) shows up again in a delta round without `from`: the first page's copy names the sender
    deleted_again = json.loads((export / "general" / "messages-1.json").read_text("utf-8"))["value"][1]
    deleted_again.update(**{"from": None, "lastModifiedDateTime": "2024-03-04T17:31:00.000Z"})
    (export / "general" / "delta-1.json").write_text(json.dumps({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(chatMessage)",
        "value": [deleted_again,
                  message("1709747000000", "2024-03-06T17:40:00.000Z", None, "",
                          deletedDateTime="2024-03-06T18:00:00Z"),
                  {k: v for k, v in message("1709748000000", "2024-03-06T17:50:00.000Z", EVA, "¿Dónde?").items()
                   if k != "channelIdentity"}]}), encoding="utf-8")
    (export / "chat.json").write_text(json.dumps({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('19%3Aabc%40thread.v2')/messages",
        "value": [dict(message("1709749000000", "2024-03-06T18:00:00.000Z", ANA, "Hola"), channelIdentity=None,
                       chatId="19:abc@thread.v2")]}), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    for read, loaded, rejected, duplicates in summary.per_table.values():
        assert read == loaded + rejected + duplicates
    # 13 + 2 in page 2 + 3 in the delta + 1 chat message; M2's delta copy folds in (a duplicate)
    assert summary.per_table["messages"] == (19, 11, 6, 2)
    assert rows(db, "SELECT replace(file, ?, ''), line, reason FROM rejected_rows ORDER BY file, line",
                [f"{export}/"]) == [
        ("chat.json", 1, "chat message, not a channel message (chats are not read)"),
        ("general/delta-1.json", 2, "deleted message without a sender (from is null in every copy read)"),
        ("general/delta-1.json", 3, "message without a channel (no channelIdentity, and the page's "
                                    "@odata.context names none)"),
        ("general/messages-2.json", 2, "system event, not a message (teamDescriptionUpdatedEventMessageDetail)"),
        ("general/messages-2.json", 5, "message without a sender (no from.user or from.application)"),
        ("general/messages-2.json", 6, "reply to a missing message (replyToId 1700000000000 is not in the files "
                                       "read, or was rejected, and not in the store)"),
    ]
    assert rows(db, "SELECT author_id, deleted_at FROM messages WHERE message_id = ?", [M2]) == [
        (BETO, T(2024, 3, 4, 17, 30))]


def test_every_reject_has_its_own_file_and_line(tmp_path):
    """Several rejects born from one record (reactions without a user, event members without an id)
    each get line n * 100000 + k: none collides with another in rejected_rows."""
    export = copy_fixture(tmp_path)

    def damage(page):
        page["value"][0]["reactions"] += [{"reactionType": "like", "user": {"user": None}},
                                          {"reactionType": "heart", "user": None}, "not a reaction"]
        page["value"][2]["eventDetail"]["members"] += [{"id": None}, {"displayName": "Sin id"}]
        page["value"].append({"messageType": "systemEventMessage", "id": "1709580000000",
                              "createdDateTime": "2024-03-04T19:20:00Z", "channelIdentity": {"channelId": GENERAL},
                              "eventDetail": {"@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
                                              "members": []}})

    edit_json(export / "general" / "messages-1.json", damage)
    edit_json(export / "members.json", lambda page: page["value"].append(
        {"@odata.type": "#microsoft.graph.anonymousGuestConversationMember", "id": "x", "displayName": "Invitado"}))
    db = tmp_path / "s.duckdb"
    summary = ingest([export], db)
    assert summary.per_table["reactions"] == (8, 5, 3, 0)
    assert summary.per_table["memberships"] == (11, 8, 3, 0)
    assert summary.per_table["people"] == (9, 6, 1, 2)
    page_1 = f"{export}/general/messages-1.json"
    assert rows(db, "SELECT replace(file, ?, ''), line, table_name, reason FROM rejected_rows "
                    "WHERE reason NOT LIKE 'system event%' ORDER BY file, table_name, line", [f"{export}/"]) == [
        ("general/messages-1.json", 6, "memberships", "membership event without members "
                                                      "(membersAddedEventMessageDetail)"),
        ("general/messages-1.json", 500002, "memberships",
         "member of a membersAddedEventMessageDetail without an id"),
        ("general/messages-1.json", 500003, "memberships",
         "member of a membersAddedEventMessageDetail without an id"),
        ("general/messages-1.json", 100004, "reactions", "reaction without a user"),
        ("general/messages-1.json", 100005, "reactions", "reaction without a user"),
        ("general/messages-1.json", 100006, "reactions", "reaction is not an object"),
        ("members.json", 5, "people", "member without a userId (#microsoft.graph.anonymousGuestConversationMember)"),
    ]
    assert rows(db, "SELECT count(*) FROM rejected_rows WHERE file = ?", [page_1]) == [(6,)]


@pytest.mark.parametrize("damage, expected", [
    ("page_without_value", 'general/messages-2.json, row 1: a Graph response page without "value"'),
    ("list_page_without_value", 'replies-1709568000000.json: page 2 of the list: a Graph response page without '
                                '"value"'),
    ("truncated", "general/messages-1.json, row 45: not valid JSON (cut off or damaged?)"),
    ("empty", "socios/messages-1.json, row 1: empty file"),
    ("value_not_a_list", 'channels.json, row 1: "value" is not a list'),
    ("not_json_object", "team.json, row 1: expected a Graph response"),
    ("latin1", "members.json, row 10: not UTF-8 text"),   # "Ana López" is on line 10
    ("truncated_zip", "not a readable zip file"),
])
def test_malformed_input_gives_one_line(tmp_path, damage, expected):
    export = copy_fixture(tmp_path)
    if damage == "page_without_value":
        edit_json(export / "general" / "messages-2.json", lambda page: page.pop("value"))
    elif damage == "list_page_without_value":
        edit_json(export / "general" / "replies-1709568000000.json", lambda pages: pages[1].pop("value"))
    elif damage == "truncated":
        page = export / "general" / "messages-1.json"
        lines = page.read_text("utf-8").splitlines()
        page.write_text("\n".join(lines[:45]), encoding="utf-8")
    elif damage == "empty":
        (export / "socios" / "messages-1.json").write_text("", encoding="utf-8")
    elif damage == "value_not_a_list":
        edit_json(export / "channels.json", lambda page: page.update(value={"id": GENERAL}))
    elif damage == "not_json_object":
        (export / "team.json").write_text('"Banca Norte"', encoding="utf-8")
    elif damage == "latin1":
        members = export / "members.json"
        members.write_bytes(members.read_text("utf-8").encode("latin-1"))
    target = export
    if damage == "truncated_zip":
        target = zip_folder(export, tmp_path / "teams.zip")
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    db = tmp_path / "s.duckdb"
    with pytest.raises(IngestError) as info:
        ingest([target], db, format_name="teams" if damage == "truncated_zip" else None)
    assert expected in info.value.one_line()
    assert "\n" not in info.value.one_line()
    assert not db.exists()


def test_dashboard_shows_teams_activity(tmp_path, app):
    """The dashboard on a Teams export plus the directory: the week's cards, visits "n/d", and every page
    (regions, flows, content, data) renders without an error or a warning. (``app``: the dashboard in local mode,
    on 127.0.0.1 as ``pulso serve`` runs it without sign-in.)"""
    directory = tmp_path / "directory.csv"
    directory.write_text(DIRECTORY, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    ingest([FIXTURE, directory], db)
    at = app(db, start="2024-03-04", end="2024-03-10")
    at.default_timeout = 60
    at.run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    # active: Ana, Beto, Caro, Eva and Dani (unassigned, not in the directory); the bot is never counted.
    # adoption 4 of the 5 directory people; threads M1 M2 M4 M5 M6 (the bot's M3 left out); replies R1-R5.
    assert (cards["Cuentas activas"], cards["Adopción"], cards["Hilos iniciados"], cards["Respuestas"]) == (
        "5", "80.0 %", "5", "5")
    assert cards["Visitas"] == "n/d"
    for page in ("resumen", "comunidad", "regiones", "flujos", "contenido", "datos"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.warning, (page, [w.value for w in at.warning])
