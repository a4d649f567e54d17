"""Slack workspace export, as the .zip Slack delivers or its unpacked folder
(docs/formats/slack.md).

Files: users.json (required), channels.json, groups.json (private channels),
dms.json, mpims.json (direct messages), and one ``<channel>/<YYYY-MM-DD>.json``
file per channel per day, each a JSON list of message objects.

Mapping (ids namespaced ``slack:``; message ids carry the channel because a
Slack ``ts`` is unique only inside one channel):
- users.json -> people ``slack:<U id>``: lower-cased profile.email, real name,
  profile.title -> job_title, deleted -> state, is_bot / USLACKBOT -> is_bot.
- channels.json / groups.json / dms.json / mpims.json -> groups
  ``slack:<C/G/D id>`` (groups, DMs and group DMs are private) and their
  ``members`` lists -> memberships (no join time).
- Day files, by ``subtype``:
  * channel_join / group_join / channel_leave / group_leave -> memberships
    (joined_at / left_at; a leave followed by a later join of the same person is
    staged without left_at). They are never messages.
  * message_changed -> the edited message (new text, edited_at);
    message_deleted -> the deleted message (deleted_at = event time), both keyed
    by the original message id, so they fold into it.
  * CHANNEL_EVENTS (topic, purpose, renames, bot_add, pins...) -> rejected
    with reason "channel event, not a message (subtype X)": counted, listed in
    rejected_rows, never loaded and never silently dropped.
  * anything else (plain, bot_message, file_share, file_comment, me_message,
    thread_broadcast, tombstone...) -> messages. thread_ts gives thread_id and
    replied_to_id (the thread's parent); edited.ts -> edited_at; a tombstone
    ("This message was deleted.") gets deleted_at = its own time (Slack does
    not say when). Bot messages (bot_id / bot_message) are authored by
    ``slack:<B id>``, a people row with is_bot = true.
  * reactions -> one row per (message, user, name); when ``count`` exceeds the
    listed users, one extra row with person_id null and weight = the rest.
- An author (or reacting user) missing from users.json gets a minimal people
  row (id only; for bots is_bot = true and the message's ``username`` as
  name), so nothing is lost.
Slack exports have no visits and no reads.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, UTC
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import Archive, is_zip, zip_names
from pipelines.staging import Stage

CHANNEL_LISTS = {"channels.json": False, "groups.json": True, "dms.json": True, "mpims.json": True}
DAY_FILE = re.compile(r"^(?:(.*)/)?([^/]+)/(\d{4}-\d{2}-\d{2})\.json$")
JOIN_SUBTYPES = ("channel_join", "group_join")
LEAVE_SUBTYPES = ("channel_leave", "group_leave")
CHANNEL_EVENTS = frozenset({
    "channel_topic", "channel_purpose", "channel_name", "channel_archive", "channel_unarchive",
    "group_topic", "group_purpose", "group_name", "group_archive", "group_unarchive",
    "bot_add", "bot_remove", "bot_enable", "bot_disable", "pinned_item", "unpinned_item",
    "reminder_add", "channel_convert_to_private", "channel_convert_to_public", "channel_posting_permissions",
})
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

S = pl.String
PEOPLE_SCHEMA = {"person_id": S, "email": S, "display_name": S, "job_title": S, "state": S, "is_bot": pl.Boolean,
                 "_line": pl.Int64}
GROUP_SCHEMA = {"group_id": S, "name": S, "description": S, "is_private": pl.Boolean, "created_at": S,
                "_line": pl.Int64}
MEMBER_SCHEMA = {"group_id": S, "person_id": S, "joined_at": S, "left_at": S, "_line": pl.Int64}
MESSAGE_SCHEMA = {"message_id": S, "thread_id": S, "replied_to_id": S, "group_id": S, "author_id": S,
                  "created_at": S, "edited_at": S, "deleted_at": S, "is_private": pl.Boolean, "body": S,
                  "mentions": pl.List(S), "_line": pl.Int64}
REACTION_SCHEMA = {"reaction_id": S, "message_id": S, "person_id": S, "kind": S, "weight": pl.Int64,
                   "_line": pl.Int64}


def ts_to_utc(ts: object) -> str | None:
    """A Slack ts ('1452837318.000002', seconds since 1970) as an ISO UTC time."""
    if ts in (None, "", "0"):
        return None
    try:
        moment = datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return moment.isoformat(sep=" ")


def person_id(raw: str) -> str:
    return f"slack:{raw}"


def message_id(channel: str, ts: str) -> str:
    return f"slack:{channel}:{ts}"


def author_of(msg: dict) -> str | None:
    """The raw Slack id of a message's author: the user, else the commenter of a
    file_comment, else the bot."""
    user = msg.get("user") or (msg.get("comment") or {}).get("user")
    if user and not (msg.get("subtype") == "bot_message" and msg.get("bot_id")):
        return user
    return msg.get("bot_id") or user


def body_of(msg: dict) -> str:
    text = msg.get("text") or ""
    if not text and msg.get("attachments"):
        text = "\n".join(a.get("fallback") or a.get("text") or "" for a in msg["attachments"])
    return text


class SlackReader:
    name = "slack"
    description = "Slack workspace export (zip or folder: users.json, channels.json, <channel>/<day>.json)"

    def detect(self, path: Path) -> bool:
        if is_zip(path):
            names = zip_names(path)
        elif path.is_dir():
            names = [p.relative_to(path).as_posix() for p in path.rglob("*.json")]
        else:
            return False
        base = {n.rsplit("/", 1)[-1] for n in names}
        return bool(base & set(CHANNEL_LISTS)) or ("users.json" in base and any(DAY_FILE.match(n) for n in names))

    def read(self, path: Path, stage: Stage) -> None:
        with Archive(path) as archive:
            users_member = archive.find("users.json")
            if users_member is None:
                raise IngestError(str(path), "no users.json inside: not a complete Slack export "
                                             "(expected users.json, channels.json and one folder per channel)")
            users = self._json_list(archive, users_member)
            lists = {name: (archive.find(name), private) for name, private in CHANNEL_LISTS.items()}
            channels = {name: (member, private, self._json_list(archive, member))
                        for name, (member, private) in lists.items() if member is not None}
            days = sorted(n for n in archive.names() if DAY_FILE.match(n))
            self._people(archive.display(users_member), users, stage)
            known = {u.get("id") for u in users if isinstance(u, dict)}
            folders = self._groups(archive, channels, stage)
            extra_people: dict[str, tuple[bool, str | None]] = {}
            for member in days:
                folder = DAY_FILE.match(member).group(2)
                group, private = folders.get(folder) or (f"slack:folder:{folder}", False)
                if folder not in folders:
                    folders[folder] = (group, private)
                    stage.add_frame("groups", archive.display(member), pl.DataFrame(
                        [{"group_id": group, "name": folder, "description": None, "is_private": False,
                          "created_at": None, "_line": 0}], schema=GROUP_SCHEMA))
                self._day(archive, member, group, private, self._json_list(archive, member), stage,
                          known, extra_people)
            if extra_people:
                stage.add_frame("people", archive.display(users_member), pl.DataFrame(
                    [{"person_id": person_id(p), "email": None, "display_name": name, "job_title": None,
                      "state": None, "is_bot": bot, "_line": len(users) + k}
                     for k, (p, (bot, name)) in enumerate(sorted(extra_people.items()), 1)],
                    schema=PEOPLE_SCHEMA))
        stage.supply("people", "groups", "memberships", "messages", "reactions")

    def _json_list(self, archive: Archive, member: str) -> list:
        display = archive.display(member)
        text = archive.read_text(member)
        if not text.strip():
            raise IngestError(display, "empty file: expected a JSON list", 1)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(display, f"not valid JSON (cut off or damaged?): {exc.msg} "
                                       f"at column {exc.colno}", exc.lineno) from exc
        if not isinstance(value, list):
            raise IngestError(display, f"expected a JSON list, found a {type(value).__name__}", 1)
        return value

    def _people(self, display: str, users: list, stage: Stage) -> None:
        rows = []
        for i, user in enumerate(users, 1):
            if not isinstance(user, dict) or not user.get("id"):
                stage.reject(display, i, "people", "user without an id", json.dumps(user))
                continue
            profile = user.get("profile") or {}
            rows.append({
                "person_id": person_id(user["id"]),
                "email": (profile.get("email") or "").strip().lower() or None,
                "display_name": user.get("real_name") or profile.get("real_name") or user.get("name"),
                "job_title": profile.get("title") or None,
                "state": "deleted" if user.get("deleted") else "active",
                "is_bot": bool(user.get("is_bot") or user.get("is_app_user") or user["id"] == "USLACKBOT"),
                "_line": i,
            })
        stage.add_frame("people", display, pl.DataFrame(rows, schema=PEOPLE_SCHEMA))

    def _groups(self, archive: Archive, channels: dict, stage: Stage) -> dict[str, tuple[str, bool]]:
        """Stage groups and listed members; return folder name -> (group_id, is_private)."""
        folders = {}
        for member, private, items in channels.values():
            display = archive.display(member)
            groups, members = [], []
            for i, ch in enumerate(items, 1):
                if not isinstance(ch, dict) or not ch.get("id"):
                    stage.reject(display, i, "groups", "channel without an id", json.dumps(ch))
                    continue
                gid = f"slack:{ch['id']}"
                label = ch.get("name") or ("dm:" + ",".join(ch.get("members") or []))
                folders[ch.get("name") or ch["id"]] = (gid, private)
                folders.setdefault(ch["id"], (gid, private))
                groups.append({"group_id": gid, "name": label,
                               "description": ((ch.get("purpose") or {}).get("value") or None),
                               "is_private": bool(private or ch.get("is_private")),
                               "created_at": ts_to_utc(ch.get("created")), "_line": i})
                members += [{"group_id": gid, "person_id": person_id(u), "joined_at": None, "left_at": None,
                             "_line": i} for u in ch.get("members") or []]
            stage.add_frame("groups", display, pl.DataFrame(groups, schema=GROUP_SCHEMA))
            stage.add_frame("memberships", display, pl.DataFrame(members, schema=MEMBER_SCHEMA))
        return folders

    def _day(self, archive: Archive, member: str, group: str, private: bool, items: list, stage: Stage,
             known: set, extra_people: dict) -> None:
        display = archive.display(member)
        messages, members, reactions = [], [], []
        last_join: dict[str, float] = {}
        for item in items:
            if isinstance(item, dict) and item.get("subtype") in JOIN_SUBTYPES and item.get("user"):
                last_join[item["user"]] = max(last_join.get(item["user"], 0.0), float(item.get("ts") or 0))

        def person(raw: str, bot: bool = False, name: str | None = None) -> str:
            if raw not in known and (raw not in extra_people or (name and not extra_people[raw][1])):
                extra_people[raw] = (bot or raw.startswith("B"), name)
            return person_id(raw)

        for i, msg in enumerate(items, 1):
            raw = json.dumps(msg)
            if not isinstance(msg, dict) or not msg.get("ts"):
                stage.reject(display, i, "messages", "not a message object with a ts", raw)
                continue
            subtype = msg.get("subtype")
            if subtype in JOIN_SUBTYPES + LEAVE_SUBTYPES:
                if not msg.get("user"):
                    stage.reject(display, i, "memberships", f"{subtype} without a user", raw)
                    continue
                joined = subtype in JOIN_SUBTYPES
                stale_leave = not joined and last_join.get(msg["user"], 0.0) > float(msg["ts"])
                members.append({"group_id": group, "person_id": person(msg["user"]),
                                "joined_at": ts_to_utc(msg["ts"]) if joined else None,
                                "left_at": None if joined or stale_leave else ts_to_utc(msg["ts"]), "_line": i})
                continue
            if subtype in CHANNEL_EVENTS:
                stage.reject(display, i, "messages", f"channel event, not a message (subtype {subtype})", raw)
                continue
            edited_at = deleted_at = None
            target = msg
            if subtype == "message_changed":
                target = msg.get("message") or {}
                edited_at = ts_to_utc((target.get("edited") or {}).get("ts")) or ts_to_utc(msg["ts"])
            elif subtype == "message_deleted":
                target = dict(msg.get("previous_message") or {}, ts=msg.get("deleted_ts"))
                deleted_at = ts_to_utc(msg["ts"])
            elif subtype == "tombstone":
                deleted_at = ts_to_utc(msg["ts"])
            ts = target.get("ts")
            author = author_of(target)
            if not ts:
                stage.reject(display, i, "messages", f"{subtype} without the original message's ts", raw)
                continue
            mid = message_id(group.removeprefix("slack:"), ts)
            thread_ts = target.get("thread_ts") or ts
            is_bot = bool(target.get("bot_id")) and author == target.get("bot_id")
            messages.append({
                "message_id": mid,
                "thread_id": message_id(group.removeprefix("slack:"), thread_ts),
                "replied_to_id": None if thread_ts == ts else message_id(group.removeprefix("slack:"), thread_ts),
                "group_id": group,
                "author_id": person(author, is_bot, target.get("username") if is_bot else None) if author else None,
                "created_at": ts_to_utc(ts),
                "edited_at": edited_at or ts_to_utc((target.get("edited") or {}).get("ts")),
                "deleted_at": deleted_at,
                "is_private": private,
                "body": None if subtype == "message_deleted" else body_of(target),
                "mentions": list(dict.fromkeys(person_id(u) for u in MENTION.findall(target.get("text") or ""))),
                "_line": i,
            })
            for reaction in target.get("reactions") or []:
                name, users = reaction.get("name") or "reaction", reaction.get("users") or []
                for user in dict.fromkeys(users):
                    reactions.append({"reaction_id": f"{mid}:{person_id(user)}:{name}", "message_id": mid,
                                      "person_id": person(user), "kind": name, "weight": 1, "_line": i})
                rest = int(reaction.get("count") or 0) - len(set(users))
                if rest > 0:
                    reactions.append({"reaction_id": f"{mid}::{name}", "message_id": mid, "person_id": None,
                                      "kind": name, "weight": rest, "_line": i})
        stage.add_frame("memberships", display, pl.DataFrame(members, schema=MEMBER_SCHEMA))
        stage.add_frame("messages", display, pl.DataFrame(messages, schema=MESSAGE_SCHEMA))
        stage.add_frame("reactions", display, pl.DataFrame(reactions, schema=REACTION_SCHEMA))
