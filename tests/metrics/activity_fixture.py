"""A small organisation, computed by hand in the tests (America/Mexico_City = UTC-6).

Current period: Mon 2026-03-02 .. Sun 2026-03-08; previous: 2026-02-23 .. 2026-03-01.
Directory: a, b, m (Norte/N1), c, d, l (Sur/S1); l left on 2026-02-15. Outside the
directory: u (unassigned, joined 2026-03-04) and a bot.
"""

DIRECTORY = [
    {"id": "a", "email": "a@x.mx", "name": "Ana", "region": "Norte", "office": "N1", "role": "staff", "manager": "m"},
    {"id": "b", "email": "b@x.mx", "name": "Beto", "region": "Norte", "office": "N1", "role": "staff", "manager": "m"},
    {"id": "m", "email": "m@x.mx", "name": "Mara", "region": "Norte", "office": "N1", "role": "office manager", "manager": ""},
    {"id": "c", "email": "c@x.mx", "name": "Caro", "region": "Sur", "office": "S1", "role": "staff", "manager": ""},
    {"id": "d", "email": "d@x.mx", "name": "Dani", "region": "Sur", "office": "S1", "role": "staff", "manager": ""},
    {"id": "l", "email": "l@x.mx", "name": "Lalo", "region": "Sur", "office": "S1", "role": "staff", "manager": ""},
]

PEOPLE = [
    {"person_id": "a", "email": "a@x.mx", "display_name": "Ana", "joined_at": "2026-01-01 00:00:00",
     "profile_completeness": "0.4"},
    {"person_id": "l", "email": "l@x.mx", "display_name": "Lalo", "left_at": "2026-02-15 12:00:00",
     "profile_completeness": "0.2"},
    {"person_id": "u", "display_name": "Uriel", "joined_at": "2026-03-04 10:00:00", "profile_completeness": "1.0"},
    {"person_id": "bot", "display_name": "Bot", "is_bot": "true"},
]

GROUPS = [
    {"group_id": "g1", "name": "Ventas", "is_private": "false"},
    {"group_id": "g2", "name": "Gerencia", "is_private": "true"},
]

MEMBERSHIPS = [
    {"group_id": "g1", "person_id": p} for p in ("a", "b", "c", "d")
] + [{"group_id": "g2", "person_id": p} for p in ("c", "m")]

MESSAGES = [
    # previous period
    {"message_id": "m0", "thread_id": "m0", "author_id": "a", "created_at": "2026-02-25 18:00:00", "group_id": "g1"},
    # 23:30 local on the last day: inside
    {"message_id": "m1", "thread_id": "m1", "author_id": "a", "created_at": "2026-03-09 05:30:00", "group_id": "g1",
     "hashtags": ["ventas", "meta"], "title": "Meta de marzo"},
    # 00:30 local the next day: outside
    {"message_id": "m2", "thread_id": "m1", "replied_to_id": "m1", "author_id": "b", "created_at": "2026-03-09 06:30:00",
     "group_id": "g1"},
    # deleted: still a thread started
    {"message_id": "m3", "thread_id": "m3", "author_id": "c", "created_at": "2026-03-03 18:00:00", "group_id": "g1",
     "deleted_at": "2026-03-07 00:00:00"},
    {"message_id": "m4", "thread_id": "m3", "replied_to_id": "m3", "author_id": "u", "created_at": "2026-03-04 18:00:00",
     "group_id": "g1"},
    # private message: counted, never listed
    {"message_id": "m5", "thread_id": "m5", "author_id": "c", "created_at": "2026-03-05 18:00:00", "is_private": "true"},
    # bot: never counted
    {"message_id": "m6", "thread_id": "m6", "author_id": "bot", "created_at": "2026-03-05 18:00:00", "group_id": "g1"},
]

REACTIONS = [
    {"reaction_id": "r1", "message_id": "m3", "person_id": "b", "kind": "like", "created_at": "2026-03-04 12:00:00"},
]

VISITS = [
    {"visit_id": "v0", "person_id": "b", "started_at": "2026-02-26 18:00:00", "duration_seconds": "120"},
    {"visit_id": "v1", "person_id": "b", "started_at": "2026-03-02 15:00:00", "duration_seconds": "600"},
    {"visit_id": "v2", "person_id": "m", "started_at": "2026-03-06 15:00:00", "duration_seconds": "1200"},
    {"visit_id": "v3", "person_id": "a", "started_at": "2026-03-08 20:00:00", "duration_seconds": "300"},
]

TABLES = {"people": PEOPLE, "groups": GROUPS, "memberships": MEMBERSHIPS, "messages": MESSAGES,
          "reactions": REACTIONS, "visits": VISITS}
