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
  name), so nothing is lost. A channel member missing from users.json is
  rejected (the engine's "unknown person"), alone.
- Every record is accounted for: a reaction on something that is not a message
  (a join or leave, a channel event, a message refused) is rejected with the
  reason, one row per reaction record (each named user, and the rest of the
  count); a value of the wrong JSON type (a number as a user id, a string as a
  reaction list...) rejects its record with the reason.
- Limits: each JSON file is read whole (``[limits] parsed_file_mb``, ``depth``);
  a record over ``[limits] row_kb`` stops the load.
Slack exports have no visits and no reads.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.limits import type_name
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


class Refused(Exception):
    """A record's value of the wrong type or form: the record is rejected with this reason."""


def ts_to_utc(ts: object) -> str | None:
    """A Slack ts ('1452837318.000002', seconds since 1970) as an ISO UTC time."""
    if ts in (None, "", "0") or isinstance(ts, bool):
        return None
    try:
        moment = datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return moment.isoformat(sep=" ")


def checked_ts(value: object, what: str = "ts") -> str:
    """A Slack timestamp as text, or Refused with the reason."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(value)
    if not isinstance(value, str):
        raise Refused(f"{what} is not a Slack timestamp ({type_name(value)})")
    if ts_to_utc(value) is None:
        raise Refused(f"{what} {value[:40]!r} is not a Slack timestamp (seconds since 1970)")
    return value


def text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def user_id(value: object, what: str = "user") -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Refused(f"{what} is not a user id ({type_name(value)})")
    return value


def person_id(raw: str) -> str:
    return f"slack:{raw}"


def message_id(channel: str, ts: str) -> str:
    return f"slack:{channel}:{ts}"


def author_of(msg: dict) -> str | None:
    """The raw Slack id of a message's author: the user, else the commenter of a
    file_comment, else the bot."""
    comment = msg.get("comment") if isinstance(msg.get("comment"), dict) else {}
    user = user_id(msg.get("user")) or user_id(comment.get("user"), "comment user")
    bot = user_id(msg.get("bot_id"), "bot_id")
    if user and not (msg.get("subtype") == "bot_message" and bot):
        return user
    return bot or user


def body_of(msg: dict) -> str:
    text = msg.get("text")
    text = text if isinstance(text, str) else "" if text is None else json.dumps(text, ensure_ascii=False)
    attachments = msg.get("attachments")
    if not text and isinstance(attachments, list):
        text = "\n".join(str(a.get("fallback") or a.get("text") or "") for a in attachments if isinstance(a, dict))
    return text


def reaction_records(reactions: object):
    """Every reaction record of a message, as (row fields or None, reason or None): one per named user, one for
    the rest of the count, one for a malformed entry."""
    if reactions is None:
        return
    if not isinstance(reactions, list):
        yield None, f"reactions is not a list ({type_name(reactions)})"
        return
    for reaction in reactions:
        if not isinstance(reaction, dict):
            yield None, f"reaction is not an object ({type_name(reaction)})"
            continue
        name = reaction.get("name")
        name = name if isinstance(name, str) and name else "reaction"
        users = reaction.get("users") if reaction.get("users") is not None else []
        if not isinstance(users, list):
            yield None, f"reaction users is not a list ({type_name(users)})"
            users = []
        seen: list = []
        for user in users:
            if user in seen:
                continue
            seen.append(user)
            if isinstance(user, str) and user:
                yield {"user": user, "name": name, "weight": 1}, None
            else:
                yield None, f"reaction user is not a user id ({type_name(user)})"
        count = reaction.get("count")
        if count is None:
            continue
        try:
            if isinstance(count, bool) or isinstance(count, (list, dict)):
                raise ValueError
            total = int(count)
        except (TypeError, ValueError):
            yield None, f"reaction count is not a number: {str(count)[:40]!r}"
            continue
        if total - len(seen) > 0:
            yield {"user": None, "name": name, "weight": total - len(seen)}, None


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
        with Archive(path, stage.budget) as archive:
            users_member = archive.find("users.json")
            if users_member is None:
                raise IngestError(str(path), "no users.json inside: not a complete Slack export "
                                             "(expected users.json, channels.json and one folder per channel)")
            users = self._json_list(archive, users_member, stage)
            lists = {name: (archive.find(name), private) for name, private in CHANNEL_LISTS.items()}
            channels = {name: (member, private, self._json_list(archive, member, stage))
                        for name, (member, private) in lists.items() if member is not None}
            days = sorted(n for n in archive.names() if DAY_FILE.match(n))
            known = self._people(archive.display(users_member), users, stage)
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
                self._day(archive, member, group, private, self._json_list(archive, member, stage), stage,
                          known, extra_people)
            if extra_people:
                stage.add_frame("people", archive.display(users_member), pl.DataFrame(
                    [{"person_id": person_id(p), "email": None, "display_name": name, "job_title": None,
                      "state": None, "is_bot": bot, "_line": len(users) + k}
                     for k, (p, (bot, name)) in enumerate(sorted(extra_people.items()), 1)],
                    schema=PEOPLE_SCHEMA))
        stage.supply("people", "groups", "memberships", "messages", "reactions")

    def _json_list(self, archive: Archive, member: str, stage: Stage) -> list:
        display = archive.display(member)
        text = archive.read_text(member)
        if not text.strip():
            raise IngestError(display, "empty file: expected a JSON list", 1)
        try:
            value = stage.budget.load_json(display, text)
        except json.JSONDecodeError as exc:
            raise IngestError(display, f"not valid JSON (cut off or damaged?): {exc.msg} "
                                       f"at column {exc.colno}", exc.lineno) from exc
        if not isinstance(value, list):
            raise IngestError(display, f"expected a JSON list, found a {type(value).__name__}", 1)
        return value

    def _raw(self, display: str, line: int, item: object, stage: Stage) -> str:
        raw = json.dumps(item)
        stage.budget.check_row(display, line, len(raw))
        return raw

    def _people(self, display: str, users: list, stage: Stage) -> set[str]:
        rows, known = [], set()
        for i, user in enumerate(users, 1):
            raw = self._raw(display, i, user, stage)
            if not isinstance(user, dict) or not user.get("id"):
                stage.reject(display, i, "people", "user without an id", raw)
                continue
            if not isinstance(user["id"], str):
                stage.reject(display, i, "people", f"user id is not a text ({type_name(user['id'])})", raw)
                continue
            profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
            email = profile.get("email")
            known.add(user["id"])
            rows.append({
                "person_id": person_id(user["id"]),
                "email": email.strip().lower() or None if isinstance(email, str) else None,
                "display_name": text_or_none(user.get("real_name")) or text_or_none(profile.get("real_name"))
                                or text_or_none(user.get("name")),
                "job_title": text_or_none(profile.get("title")),
                "state": "deleted" if user.get("deleted") else "active",
                "is_bot": bool(user.get("is_bot") or user.get("is_app_user") or user["id"] == "USLACKBOT"),
                "_line": i,
            })
        stage.add_frame("people", display, pl.DataFrame(rows, schema=PEOPLE_SCHEMA))
        return known

    def _groups(self, archive: Archive, channels: dict, stage: Stage) -> dict[str, tuple[str, bool]]:
        """Stage groups and listed members; return folder name -> (group_id, is_private)."""
        folders = {}
        for member, private, items in channels.values():
            display = archive.display(member)
            groups, members = [], []
            for i, ch in enumerate(items, 1):
                raw = self._raw(display, i, ch, stage)
                if not isinstance(ch, dict) or not ch.get("id"):
                    stage.reject(display, i, "groups", "channel without an id", raw)
                    continue
                if not isinstance(ch["id"], str):
                    stage.reject(display, i, "groups", f"channel id is not a text ({type_name(ch['id'])})", raw)
                    continue
                gid = f"slack:{ch['id']}"
                listed = ch.get("members") if ch.get("members") is not None else []
                if not isinstance(listed, list):
                    stage.reject(display, i, "memberships", f"members is not a list ({type_name(listed)})", raw)
                    listed = []
                valid = [u for u in listed if isinstance(u, str) and u]
                name = text_or_none(ch.get("name"))
                label = name or ("dm:" + ",".join(valid))
                folders[name or ch["id"]] = (gid, private)
                folders.setdefault(ch["id"], (gid, private))
                purpose = ch.get("purpose") if isinstance(ch.get("purpose"), dict) else {}
                groups.append({"group_id": gid, "name": label, "description": text_or_none(purpose.get("value")),
                               "is_private": bool(private or ch.get("is_private")),
                               "created_at": ts_to_utc(ch.get("created")), "_line": i})
                for u in listed:
                    if isinstance(u, str) and u:
                        members.append({"group_id": gid, "person_id": person_id(u), "joined_at": None,
                                        "left_at": None, "_line": i})
                    else:
                        stage.reject(display, i, "memberships", f"member is not a user id ({type_name(u)})", raw)
            stage.add_frame("groups", display, pl.DataFrame(groups, schema=GROUP_SCHEMA))
            stage.add_frame("memberships", display, pl.DataFrame(members, schema=MEMBER_SCHEMA))
        return folders

    def _day(self, archive: Archive, member: str, group: str, private: bool, items: list, stage: Stage,
             known: set, extra_people: dict) -> None:
        display = archive.display(member)
        messages, members, reactions = [], [], []
        last_join: dict[str, float] = {}
        for item in items:
            if isinstance(item, dict) and item.get("subtype") in JOIN_SUBTYPES and isinstance(item.get("user"), str):
                moment = ts_to_utc(item.get("ts")) and float(item["ts"])
                if moment:
                    last_join[item["user"]] = max(last_join.get(item["user"], 0.0), moment)

        def person(raw: str, bot: bool = False, name: object = None) -> str:
            name = name if isinstance(name, str) and name else None
            if raw not in known and (raw not in extra_people or (name and not extra_people[raw][1])):
                extra_people[raw] = (bot or raw.startswith("B"), name)
            return person_id(raw)

        def refuse_reactions(line: int, source: object, reason: str, raw: str) -> None:
            """Reactions carried by a record that is not a message: each reaction record rejected."""
            if not isinstance(source, dict):
                return
            for _, problem in reaction_records(source.get("reactions")):
                stage.reject(display, line, "reactions", problem or reason, raw)

        for i, msg in enumerate(items, 1):
            raw = self._raw(display, i, msg, stage)
            if not isinstance(msg, dict):
                stage.reject(display, i, "messages", f"not a message object ({type_name(msg)})", raw)
                continue
            subtype = msg.get("subtype")
            try:
                if subtype is not None and not isinstance(subtype, str):
                    raise Refused(f"subtype is not a text ({type_name(subtype)})")
                if subtype in JOIN_SUBTYPES + LEAVE_SUBTYPES:
                    self._membership(msg, subtype, group, last_join, person, members, i)
                    refuse_reactions(i, msg, f"reaction on a {subtype} event, not on a message", raw)
                    continue
            except Refused as refused:
                stage.reject(display, i, "memberships" if subtype in JOIN_SUBTYPES + LEAVE_SUBTYPES else "messages",
                             str(refused), raw)
                refuse_reactions(i, msg, "reaction on a record that was refused", raw)
                continue
            if subtype in CHANNEL_EVENTS:
                stage.reject(display, i, "messages", f"channel event, not a message (subtype {subtype})", raw)
                refuse_reactions(i, msg, f"reaction on a {subtype} event, not on a message", raw)
                continue
            try:
                row, target = self._message(msg, subtype, group, private, person)
            except Refused as refused:
                stage.reject(display, i, "messages", str(refused), raw)
                source = msg.get("message") if subtype == "message_changed" else msg
                refuse_reactions(i, source, "reaction on a message that was refused", raw)
                continue
            messages.append(dict(row, _line=i))
            mid = row["message_id"]
            for fields, problem in reaction_records(target.get("reactions")):
                if fields is None:
                    stage.reject(display, i, "reactions", problem, raw)
                    continue
                user = fields["user"]
                reactions.append({"reaction_id": f"{mid}:{person_id(user)}:{fields['name']}" if user
                                  else f"{mid}::{fields['name']}", "message_id": mid,
                                  "person_id": person(user) if user else None, "kind": fields["name"],
                                  "weight": fields["weight"], "_line": i})
        stage.add_frame("memberships", display, pl.DataFrame(members, schema=MEMBER_SCHEMA))
        stage.add_frame("messages", display, pl.DataFrame(messages, schema=MESSAGE_SCHEMA))
        stage.add_frame("reactions", display, pl.DataFrame(reactions, schema=REACTION_SCHEMA))

    def _membership(self, msg: dict, subtype: str, group: str, last_join: dict, person, members: list,
                    line: int) -> None:
        user = user_id(msg.get("user"))
        if not user:
            raise Refused(f"{subtype} without a user")
        ts = checked_ts(msg.get("ts"))
        joined = subtype in JOIN_SUBTYPES
        stale_leave = not joined and last_join.get(user, 0.0) > float(ts)
        members.append({"group_id": group, "person_id": person(user),
                        "joined_at": ts_to_utc(ts) if joined else None,
                        "left_at": None if joined or stale_leave else ts_to_utc(ts), "_line": line})

    def _message(self, msg: dict, subtype: str | None, group: str, private: bool, person) -> tuple[dict, dict]:
        """The message row and the object that carries its content (and reactions); Refused with a reason."""
        if not msg.get("ts"):
            raise Refused("not a message object with a ts")
        event_ts = checked_ts(msg.get("ts"))
        edited_at = deleted_at = None
        target = msg
        if subtype == "message_changed":
            target = msg.get("message")
            if not isinstance(target, dict):
                raise Refused(f"message_changed without the new message ({type_name(target)})")
            edited = target.get("edited") if isinstance(target.get("edited"), dict) else {}
            edited_at = ts_to_utc(edited.get("ts")) or ts_to_utc(event_ts)
        elif subtype == "message_deleted":
            previous = msg.get("previous_message") if isinstance(msg.get("previous_message"), dict) else {}
            target = dict(previous, ts=msg.get("deleted_ts"))
            deleted_at = ts_to_utc(event_ts)
        elif subtype == "tombstone":
            deleted_at = ts_to_utc(event_ts)
        if not target.get("ts"):
            raise Refused(f"{subtype} without the original message's ts")
        ts = checked_ts(target.get("ts"))
        thread_ts = checked_ts(target["thread_ts"], "thread_ts") if target.get("thread_ts") else ts
        author = author_of(target)
        channel = group.removeprefix("slack:")
        mid = message_id(channel, ts)
        is_bot = bool(target.get("bot_id")) and author == target.get("bot_id")
        text = target.get("text") if isinstance(target.get("text"), str) else ""
        edited = target.get("edited") if isinstance(target.get("edited"), dict) else {}
        row = {
            "message_id": mid,
            "thread_id": message_id(channel, thread_ts),
            "replied_to_id": None if thread_ts == ts else message_id(channel, thread_ts),
            "group_id": group,
            "author_id": person(author, is_bot, target.get("username") if is_bot else None) if author else None,
            "created_at": ts_to_utc(ts),
            "edited_at": edited_at or ts_to_utc(edited.get("ts")),
            "deleted_at": deleted_at,
            "is_private": private,
            "body": None if subtype == "message_deleted" else body_of(target),
            "mentions": list(dict.fromkeys(person_id(u) for u in MENTION.findall(text))),
        }
        return row, target
