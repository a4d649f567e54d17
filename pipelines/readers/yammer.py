"""Yammer / Viva Engage network data export (docs/formats/yammer.md).

The admin's "Export network data" zip, or its unpacked folder: Messages.csv
(required), Users.csv, Groups.csv, Topics.csv (Files.csv, Pages.csv and the
attachment folders are not used). Columns are found by header name, so newer
exports with extra columns in any position load; unknown columns are ignored.

Mapping (ids are namespaced so they never clash with other sources):
- Users.csv -> people: ``yammer:<id>``, lower-cased e-mail (the engine merges
  the person with the org directory and Microsoft 365 reports by it), name,
  job_title, department -> platform_department, location -> platform_location,
  joined_at, left_at (deleted_at, else suspended_at) and state (see
  :func:`person_state`).
- Messages.csv -> messages: ``yammer:msg:<id>``; thread_id; replied_to_id
  (reply edges go to that message's sender); group ``yammer:group:<id>``;
  sender ``yammer:<sender_id>``; deleted_at (deleted messages are kept and
  flagged); is_private = in_private_conversation; title (newer exports); body;
  mentions = every ``[[user:ID]]``; hashtags = every ``#word`` plus every
  ``[[tag:ID]]`` named through Topics.csv.
  A sender missing from Users.csv gets a minimal people row (id, and e-mail /
  name only where Messages.csv carries sender_email / sender_name; no state),
  so the message is not lost.
- Groups.csv -> groups (id, name, description, privacy when a column says so);
  groups seen only in Messages.csv are added from group_id / group_name /
  in_private_group.

The network export has no likes, reads, visits or memberships: the reader
supplies only the facts people (when Users.csv is there), groups and messages.

Limits: each file is read whole within ``[limits] parsed_file_mb``; a row over
``row_kb``, a value over ``field_kb`` or a quote never closed (which would fold
every later line into one value) stops the load naming the row.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import Archive, csv_records, is_zip, zip_names
from pipelines.staging import Stage

EXPORT_FILES = ("Messages.csv", "Users.csv", "Groups.csv", "Topics.csv", "Files.csv")
REQUIRED = {
    "Messages.csv": ("id", "thread_id", "sender_id", "created_at"),
    "Users.csv": ("id",),
    "Groups.csv": ("id",),
    "Topics.csv": ("id", "name"),
}
# columns only a Yammer Messages.csv has (the Pulso format's messages.csv has none of them)
YAMMER_MESSAGE_COLUMNS = {"sender_id", "sender_type", "sender_email", "participants", "in_private_conversation",
                          "in_private_group", "api_url", "conversation_id"}
MENTION = re.compile(r"\[\[user:([^\]\s]+)\]\]")
TAG_REF = re.compile(r"\[\[tag:([^\]\s]+)\]\]")
HASHTAG = re.compile(r"(?<![\w&/#])#([^\W\d_][\w-]*)")
OFFSET = re.compile(r"\s?([+-]\d\d)(\d\d)$")
TRUE_WORDS = ("true", "t", "yes", "1")
DELETED_STATES = ("deleted", "soft_delete", "soft_deleted", "hard_delete", "hard_deleted")

S = pl.String
PEOPLE_SCHEMA = {"person_id": S, "email": S, "display_name": S, "job_title": S, "platform_department": S,
                 "platform_location": S, "joined_at": S, "left_at": S, "state": S, "_line": pl.Int64}
GROUP_SCHEMA = {"group_id": S, "name": S, "description": S, "is_private": S, "created_at": S, "_line": pl.Int64}
MESSAGE_SCHEMA = {"message_id": S, "thread_id": S, "replied_to_id": S, "group_id": S, "author_id": S,
                  "created_at": S, "deleted_at": S, "is_private": S, "title": S, "body": S,
                  "hashtags": pl.List(S), "mentions": pl.List(S), "_line": pl.Int64}


def person_id(raw: str) -> str:
    return f"yammer:{raw}"


def message_id(raw: str) -> str:
    return f"yammer:msg:{raw}"


def group_id(raw: str) -> str:
    return f"yammer:group:{raw}"


def timestamp(value: str | None) -> str | None:
    """Yammer times as DuckDB reads them: '+0000' offsets become '+00:00'."""
    if not value:
        return None
    return OFFSET.sub(r"\1:\2", value.strip())


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


def person_state(state: str | None, deleted_at: str | None, suspended_at: str | None) -> str | None:
    """deleted when deleted_at is set or state says deleted (soft_delete...);
    else suspended when suspended_at is set or state is 'suspended'; else
    'pending' or 'active' as the state says. Any other state -> None (unknown)."""
    state = (state or "").strip().lower()
    if deleted_at or state in DELETED_STATES:
        return "deleted"
    if suspended_at or state == "suspended":
        return "suspended"
    if state in ("pending", "active"):
        return state
    return None


def hashtags(body: str, topics: dict[str, str]) -> list[str]:
    """Lower-cased '#word' tags of the body plus the Topics.csv names of its
    '[[tag:ID]]' references (an unknown topic id is kept as 'tag:ID'); sorted, distinct."""
    tags = {m.lower() for m in HASHTAG.findall(body)}
    tags |= {topics.get(t, f"tag:{t}").lstrip("#").lower() for t in TAG_REF.findall(body)}
    return sorted(tags)


def mentions(body: str) -> list[str]:
    """person ids of every '[[user:ID]]' in the body, in order, without repeats."""
    return list(dict.fromkeys(person_id(m) for m in MENTION.findall(body)))


def _header_of(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace")
    return [c.strip().strip('"') for c in first.strip().split(",")]


def _first_line(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        return _header_of(handle.readline())


class YammerReader:
    name = "yammer"
    description = "Yammer / Viva Engage network data export (zip or folder: Messages.csv, Users.csv, ...)"

    def detect(self, path: Path) -> bool:
        if is_zip(path):
            names = zip_names(path)
            return any(n.rsplit("/", 1)[-1] in EXPORT_FILES for n in names)
        if path.is_dir():
            messages, users = path / "Messages.csv", path / "Users.csv"
            try:
                if messages.is_file() and YAMMER_MESSAGE_COLUMNS & set(_first_line(messages)):
                    return True
                if users.is_file():
                    header = _first_line(users)
                    return {"id", "email"} <= set(header) and bool({"state", "joined_at"} & set(header))
            except OSError:
                return False
        return False

    def read(self, path: Path, stage: Stage) -> None:
        with Archive(path, stage.budget) as archive:
            members = {name: archive.find(name) for name in REQUIRED}
            if members["Messages.csv"] is None:
                raise IngestError(str(path), "no Messages.csv inside: not a complete Yammer network export "
                                             "(expected Messages.csv, Users.csv, Groups.csv, Topics.csv)")
            tables = {name: self._table(archive, member, name, stage)
                      for name, member in members.items() if member is not None}
        display = {name: archive.display(m) for name, m in members.items() if m is not None}
        users = tables.get("Users.csv", [])
        known_users = {r["id"] for r in users}
        if "Users.csv" in tables:
            stage.add_frame("people", display["Users.csv"], self._people(users))
            stage.supply("people")
        topics = {r["id"]: r["name"] for r in tables.get("Topics.csv", []) if r.get("id") and r.get("name")}
        messages = tables["Messages.csv"]
        group_rows = self._groups(tables.get("Groups.csv", []), messages)
        if "Groups.csv" in tables:
            stage.add_frame("groups", display["Groups.csv"], pl.DataFrame(group_rows[0], schema=GROUP_SCHEMA))
        stage.add_frame("groups", display["Messages.csv"], pl.DataFrame(group_rows[1], schema=GROUP_SCHEMA))
        if "Groups.csv" in tables or group_rows[1]:
            stage.supply("groups")
        stage.add_frame("people", display["Messages.csv"],
                        pl.DataFrame(self._unknown_senders(messages, known_users), schema=PEOPLE_SCHEMA))
        stage.add_frame("messages", display["Messages.csv"], self._messages(messages, topics))
        stage.supply("messages")

    def _table(self, archive: Archive, member: str, name: str, stage: Stage) -> list[dict]:
        """Rows of one export file as {column: value or None, '_line': n}. Rows with
        the wrong number of fields, or blank, are rejected (kept in rejected_rows)."""
        display = archive.display(member)
        header, records = csv_records(archive.read_text(member), display, stage.budget)
        missing = [c for c in REQUIRED[name] if c not in header]
        if missing:
            raise IngestError(display, f"missing required column {missing[0]!r} (Yammer {name}; "
                                       f"columns found: {', '.join(header)})", 1)
        table = {"Users.csv": "people", "Groups.csv": "groups"}.get(name, "messages")
        rows = []
        for line, values in records:
            if not any(v.strip() for v in values):
                if name != "Topics.csv":
                    stage.reject(display, line, table, "empty row", values)
                continue
            if len(values) != len(header):
                if name == "Topics.csv":
                    raise IngestError(display, f"expected {len(header)} fields, found {len(values)}", line)
                stage.reject(display, line, table, f"expected {len(header)} fields, found {len(values)}", values)
                continue
            row = {h: (v.strip() or None) for h, v in zip(header, values)}
            row["_line"] = line
            rows.append(row)
        return rows

    def _people(self, users: list[dict]) -> pl.DataFrame:
        rows = []
        for u in users:
            deleted, suspended = timestamp(u.get("deleted_at")), timestamp(u.get("suspended_at"))
            rows.append({
                "person_id": person_id(u["id"]) if u.get("id") else None,
                "email": (u.get("email") or "").lower() or None,
                "display_name": u.get("name"),
                "job_title": u.get("job_title"),
                "platform_department": u.get("department"),
                "platform_location": u.get("location"),
                "joined_at": timestamp(u.get("joined_at")),
                "left_at": deleted or suspended,
                "state": person_state(u.get("state"), deleted, suspended),
                "_line": u["_line"],
            })
        return pl.DataFrame(rows, schema=PEOPLE_SCHEMA)

    def _groups(self, groups: list[dict], messages: list[dict]) -> tuple[list[dict], list[dict]]:
        """(rows from Groups.csv, rows for groups seen only in Messages.csv)."""
        private_by_group: dict[str, bool] = {}
        first_seen: dict[str, dict] = {}
        for m in messages:
            gid = m.get("group_id")
            if gid:
                first_seen.setdefault(gid, m)
                if m.get("in_private_group") is not None:
                    private_by_group[gid] = private_by_group.get(gid, False) or is_true(m["in_private_group"])
        listed = []
        for g in groups:
            privacy = g.get("is_private") or g.get("private") or g.get("privacy")
            if privacy is not None:
                private = privacy.lower() in TRUE_WORDS + ("private",)
            else:
                private = private_by_group.get(g.get("id") or "")
            listed.append({
                "group_id": group_id(g["id"]) if g.get("id") else None, "name": g.get("name"),
                "description": g.get("description"),
                "is_private": None if private is None else str(private).lower(),
                "created_at": timestamp(g.get("created_at")), "_line": g["_line"],
            })
        known = {g.get("id") for g in groups}
        derived = [{
            "group_id": group_id(gid), "name": m.get("group_name"), "description": None,
            "is_private": str(private_by_group[gid]).lower() if gid in private_by_group else None,
            "created_at": None, "_line": m["_line"],
        } for gid, m in first_seen.items() if gid not in known]
        return listed, derived

    def _unknown_senders(self, messages: list[dict], known_users: set[str]) -> list[dict]:
        rows: dict[str, dict] = {}
        for m in messages:
            sender = m.get("sender_id")
            if sender and sender not in known_users and sender not in rows:
                rows[sender] = {"person_id": person_id(sender),
                                "email": (m.get("sender_email") or "").lower() or None,
                                "display_name": m.get("sender_name"), "_line": m["_line"]}
        return list(rows.values())

    def _messages(self, messages: list[dict], topics: dict[str, str]) -> pl.DataFrame:
        """The messages frame, built column by column (much faster than row dicts)."""
        def ids(column: str, make) -> list[str | None]:
            return [make(m[column]) if m.get(column) else None for m in messages]

        bodies = [m.get("body") or "" for m in messages]
        columns = {
            "message_id": ids("id", message_id),
            "thread_id": ids("thread_id", message_id),
            "replied_to_id": ids("replied_to_id", message_id),
            "group_id": ids("group_id", group_id),
            "author_id": ids("sender_id", person_id),
            "created_at": [timestamp(m.get("created_at")) for m in messages],
            "deleted_at": [timestamp(m.get("deleted_at")) for m in messages],
            "is_private": ["true" if is_true(m.get("in_private_conversation")) else "false" for m in messages],
            "title": [m.get("title") for m in messages],
            "body": [m.get("body") for m in messages],
            "hashtags": [hashtags(b, topics) if "#" in b or "[[tag:" in b else [] for b in bodies],
            "mentions": [mentions(b) if "[[user:" in b else [] for b in bodies],
            "_line": [m["_line"] for m in messages],
        }
        return pl.DataFrame(columns, schema=MESSAGE_SCHEMA)
