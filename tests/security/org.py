"""A small organisation for the access and suppression tests, small enough to check by hand (k = 5, the default).

Week under test W: Mon 2026-11-09 .. Sun 2026-11-15; previous week P: 2026-11-02 .. 08 (UTC-6, so 18:00 UTC is
noon local).

People (all in the directory; id = office-number, e-mail id@banco.mx; roles: the first person of an office of 3 or
more is its office manager, N3-2 and O1-2 are regional managers, everyone else staff):

    region  office  people            hidden for a director (k = 5)
    Norte   N1      5  N1-1..N1-5     "—"   complementary: N2 alone would be recoverable from Norte
            N2      3  N2-1..N2-3     "< 5" primary
            N3      6  N3-1..N3-6     shown
    Sur     S1      4  S1-1..S1-4     "< 5" primary (Sur itself, 5 people = k, is shown)
            S2      1  S2-1           "< 5" primary
    Este    E1      4  E1-1..E1-4     "< 5" region of k-1 people: primary
    Islas   I1      1  I1-1           "< 5" primary (Este + Islas = 5 people: no complementary region needed)
    Oeste   O1      8  O1-1..O1-8     shown
    roles: staff 24 shown; office manager 6 "—" (complementary), regional manager 2 "< 5"

Activity (one thread each, at noon local on the Tuesday):
    W: N1-1 N1-2 | N2-2 | N3-1 N3-2 N3-3 N3-4 | S1-2 S1-3 | S2-1 | E1-2 E1-3 | I1-1 | O1-1..O1-5
       replies in W: O1-2 answers N3-1's thread (Wednesday), S1-2 answers E1-2's thread (Wednesday)
    P: N1-1 N2-2 N3-1 S1-2 E1-2 I1-1 O1-1 O1-2
So in W: active 18 of 32; Sur 3 of 5 (k people: shown); Este 2 of 4 and Islas 1 of 1 (hidden).

``swapped(...)`` gives the same organisation where two staff members in hidden units exchange their whole
activity history (every message they wrote): every figure a director may see is the same, while the hidden
units' own figures differ -- the test that nothing shown gives a hidden unit away.
"""

from __future__ import annotations

OFFICES = {"Norte": {"N1": 5, "N2": 3, "N3": 6}, "Sur": {"S1": 4, "S2": 1}, "Este": {"E1": 4}, "Islas": {"I1": 1},
           "Oeste": {"O1": 8}}
REGIONAL_MANAGERS = ("N3-2", "O1-2")
ACTIVE_W = ("N1-1", "N1-2", "N2-2", "N3-1", "N3-2", "N3-3", "N3-4", "S1-2", "S1-3", "S2-1", "E1-2", "E1-3", "I1-1",
            "O1-1", "O1-2", "O1-3", "O1-4", "O1-5")
ACTIVE_P = ("N1-1", "N2-2", "N3-1", "S1-2", "E1-2", "I1-1", "O1-1", "O1-2")
REPLIES_W = (("O1-2", "N3-1"), ("S1-2", "E1-2"))  # (who replies, whose W thread)
WEEK = ("2026-11-09", "2026-11-15")


def people() -> list[tuple[str, str, str, str]]:
    """(id, region, office, role) for everyone."""
    out = []
    for region, offices in OFFICES.items():
        for office, n in offices.items():
            for i in range(1, n + 1):
                pid = f"{office}-{i}"
                role = ("regional manager" if pid in REGIONAL_MANAGERS
                        else "office manager" if i == 1 and n >= 3 else "staff")
                out.append((pid, region, office, role))
    return out


def directory() -> list[dict]:
    return [{"id": pid, "email": f"{pid.lower()}@banco.mx", "name": f"Nombre {pid}", "region": region,
             "office": office, "role": role, "manager": ""} for pid, region, office, role in people()]


def tables(author: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """The export; ``author`` maps a person to whoever writes their messages instead (the swap)."""
    author = author or {}
    rows = [{"person_id": pid, "email": f"{pid.lower()}@banco.mx", "display_name": f"Nombre {pid}",
             "joined_at": "2026-01-05 12:00:00", "state": "active", "profile_completeness": "1.0"}
            for pid, *_ in people()]
    messages = []
    for day, who in (("2026-11-10", ACTIVE_W), ("2026-11-03", ACTIVE_P)):
        for pid in who:
            messages.append({"message_id": f"t-{day}-{pid}", "thread_id": f"t-{day}-{pid}",
                             "author_id": author.get(pid, pid), "created_at": f"{day} 18:00:00",
                             "is_private": "false", "body": "Meta de la semana cumplida en la sucursal",
                             "title": "Avance"})
    for replier, asker in REPLIES_W:
        thread = f"t-2026-11-10-{asker}"
        messages.append({"message_id": f"r-{replier}", "thread_id": thread, "replied_to_id": thread,
                         "author_id": author.get(replier, replier), "created_at": "2026-11-11 18:00:00",
                         "is_private": "false", "body": "Felicidades al equipo", "title": ""})
    return {"people": rows, "messages": messages}


def swapped(a: str, b: str) -> dict[str, list[dict]]:
    """The export where ``a`` and ``b`` exchange every message they wrote."""
    return tables({a: b, b: a})


VIEWERS = """
[[access.viewers]]
email = "admin@banco.mx"
role = "administrator"

[[access.viewers]]
email = "dir@banco.mx"
role = "director"

[[access.viewers]]
group = "comunidad"
role = "community manager"

[[access.viewers]]
email = "n3-2@banco.mx"
role = "regional manager"

[[access.viewers]]
email = "o1-1@banco.mx"
role = "office manager"

[[access.viewers]]
email = "sur@banco.mx"
role = "regional manager"
regions = ["Sur"]
"""
