"""Look-up tables the pages join to what other metrics return: people's names and attributes, and the shown
threads' titles.

* ``person_directory``: the people in scope with their name, region, office, role, manager's name and last
  local day with an action up to the period's end (``person_day_activity.acted``) -- so a list of ids from
  any metric (network, bridges, silos) can be shown with names.
* ``shown_threads``: threads started in the period by people in scope that **may be shown**
  (``threads.may_show``: not deleted, not a private conversation, not in a private or unknown group), with a
  title (the message's title, else the start of its body), its group, author, local time, replies and likes.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import CREATED_LOCAL, GROUP_NAME, LAST_ACTIVITY, MANAGER, PERSON, THREAD_ID, TITLE
from metrics.registry import col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame


@metric("person_directory",
        label={"es": "Directorio de personas", "en": "People directory"},
        description={"es": "Las personas del alcance con su nombre, región, oficina, rol, jefe y última actividad.",
                     "en": "The people in scope with their name, region, office, role, manager and last activity."},
        definition={"es": "Personas del alcance (sin bots) con los datos del directorio; jefe = nombre del jefe "
                          "directo; última actividad = último día local con alguna acción hasta el cierre del "
                          "periodo (vacío si nunca).",
                    "en": "People in scope (no bots) with their directory attributes; manager = the direct "
                          "manager's name; last activity = the last local day with an action up to the period's "
                          "end (empty when never)."},
        columns=(*PERSON, MANAGER, LAST_ACTIVITY,
                 col("in_directory", "bool", "En el directorio", "In the directory", "bool")),
        requires=("people",), group="people", person_level=True, person_columns=("person_id",))
def person_directory(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    return frame(con, f"""
        WITH {sp},
        last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity
                 WHERE acted AND day <= ? GROUP BY person_id)
        SELECT sp.person_id, sp.display_name AS name, sp.region, sp.office, sp.role,
               coalesce(m.display_name, sp.manager_id) AS manager, last.last_activity, sp.in_directory
        FROM sp LEFT JOIN person_facts m ON m.person_id = sp.manager_id LEFT JOIN last ON last.person_id = sp.person_id
        ORDER BY sp.display_name, sp.person_id""", params + [scope.end])


@metric("shown_threads",
        label={"es": "Hilos visibles", "en": "Shown threads"},
        description={"es": "Los hilos del periodo que pueden mostrarse, con su título, grupo y autor.",
                     "en": "The period's threads that may be shown, with their title, group and author."},
        definition={"es": "Hilos iniciados en el periodo por personas del alcance que pueden mostrarse (no borrados, "
                          "no privados, no en grupos privados); título = el del mensaje o el inicio de su texto; "
                          "respuestas no borradas y me gusta del mensaje inicial.",
                    "en": "Threads started in the period by people in scope that may be shown (not deleted, not "
                          "private, not in private groups); title = the message's title or the start of its text; "
                          "non-deleted replies and the starter's likes."},
        columns=(THREAD_ID, TITLE, GROUP_NAME, col("author", "str", "Autor", "Author", "name"), CREATED_LOCAL,
                 col("replies", "int", "Respuestas", "Replies", "count"), col("likes", "int", "Me gusta", "Likes", "count")),
        requires=("messages",), group="people", person_level=True)  # author names
def shown_threads(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    return frame(con, f"""
        WITH {sp}
        SELECT t.thread_id, coalesce(nullif(trim(m.title), ''), left(coalesce(m.body, ''), 90)) AS title,
               g.name AS group_name, sp.display_name AS author, t.created_local, t.replies::BIGINT AS replies,
               t.likes::BIGINT AS likes
        FROM threads t JOIN sp ON sp.person_id = t.author_id JOIN messages m ON m.message_id = t.thread_id
        LEFT JOIN groups g ON g.group_id = t.group_id
        WHERE t.may_show AND {period} AND {group_condition}
        ORDER BY t.created_local, t.thread_id""", params + period_params + group_params)
