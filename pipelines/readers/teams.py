"""Microsoft Teams channel conversations saved from Microsoft Graph (docs/formats/teams.md).

Input: a folder or a .zip of ``.json`` files, each holding Graph responses as Graph
returns them: one page ``{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}``
or a JSON list of such pages. What a page holds is read from its ``@odata.context``
(or, when a script dropped it, from the records themselves):

- ``/teams/{id}/channels/{id}/messages`` (optionally ``$expand=replies``), ``.../messages/delta``,
  ``.../messages/{id}/replies``, ``/teams/{id}/channels/getAllMessages``: chatMessage records;
- ``/teams/{id}/channels``: channels; ``/teams/{id}``: the team (name, visibility);
- ``/teams/{id}/members``, ``/teams/{id}/channels/{id}/members``: conversation members.

Every file is read before anything is decided, so a reply finds its parent in any page
or file (or, for an incremental load, in the store: the reader only reads the store, for
a reply's parent and for the privacy of a channel this load has no listing for).

Mapping (ids namespaced ``teams:``; a Graph message id is unique only within its channel,
so message ids carry the channel id):

- chatMessage (messageType ``message``) -> messages ``teams:<channel>:<id>``: replyToId ->
  thread_id and replied_to_id (the parent; its own parent when the parent is a reply);
  createdDateTime, lastEditedDateTime -> edited_at, deletedDateTime -> deleted_at;
  subject -> title; the body as text (HTML through :mod:`teams_html`); mentions of users
  (and bots) -> mentions; the channel's privacy -> is_private. The author is
  ``teams:<from.user.id>``, or ``teams:app:<from.application.id>`` for bots and apps
  (a people row with is_bot = true).
- Copies of one message (pages, delta rounds, ``$expand=replies`` next to ``/replies``)
  are folded: every field takes the value of the newest copy (by lastModifiedDateTime)
  that has one, and every copy is staged with the folded values, so the engine loads
  the first and counts the others as duplicates. Reactions come from the newest copy.
- reactions -> one row per (message, user, reaction): ``like``, ``heart``, ``laugh``,
  ``surprised``, ``sad``, ``angry`` (their Unicode forms 👍 ❤️ 😆 😮 😢 😡 map to these
  names), any other emoji as itself, custom ones as ``custom:<displayName>``.
- systemEventMessage with members added / joined / deleted / left -> memberships of the
  event's channel (joined_at / left_at = the event time, folded per person in time order);
  any other system event -> rejected "system event, not a message (<detail type>)".
- channels -> groups ``teams:<channel>`` named "<team> / <channel>" when the team is known;
  is_private for private channels and for every channel of a private team; shared
  channels are not private. Team members -> memberships of the team's standard channels;
  channel members -> memberships of that channel. Members give e-mail (lower-cased),
  so the engine merges people with the directory.
- Anyone who appears without a members entry (authors, mentioned, reacting, event members)
  gets a minimal people row (id and name) so that nothing is lost.

Lines: every record (a message, an expanded reply, a listing entry) is numbered in
document order through the whole file; rows derived from record n (reactions, people
first seen in it, memberships) get line n * 100000 + k, so every (file, line) is unique
per table. Teams has no visits and no reads.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from urllib.parse import unquote

import duckdb
import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import Archive, is_zip
from pipelines.readers.teams_html import html_to_text, plain_text
from pipelines.staging import Stage

SUB = 100_000  # rows derived from record n get line n * SUB + k
SNIFF_FILES = 20
SNIFF_BYTES = 65536

CONTEXT_PATTERNS = (
    ("replies", re.compile(r"teams\('(?P<team>[^']*)'\)/channels\('(?P<channel>[^']*)'\)"
                           r"/messages\('(?P<parent>[^']*)'\)/replies")),
    ("messages", re.compile(r"teams\('(?P<team>[^']*)'\)/channels\('(?P<channel>[^']*)'\)/messages")),
    ("channel_members", re.compile(r"teams\('(?P<team>[^']*)'\)/channels\('(?P<channel>[^']*)'\)/members")),
    ("channels", re.compile(r"teams\('(?P<team>[^']*)'\)/channels(?:\(|/\$entity|$)")),
    ("team_members", re.compile(r"teams\('(?P<team>[^']*)'\)/members")),
    ("team", re.compile(r"teams(?:/\$entity|\('(?P<team>[^']*)'\)(?:/\$entity)?)$")),
    ("messages", re.compile(r"Collection\((?:microsoft\.graph\.)?chatMessage\)")),
    ("chats", re.compile(r"(?:chats|users\('[^']*'\)/chats)")),
)
GRAPH_CONTEXT = re.compile(r'"@odata\.context"\s*:\s*"[^"]*\$metadata#(?:teams|Collection\((?:microsoft\.graph\.)?'
                           r'chatMessage\)|chats)')
MESSAGE_TYPE = re.compile(r'"messageType"\s*:')
TEAM_KEYS = ("visibility", "memberSettings", "isArchived", "guestSettings")  # a team object saved without context

JOIN_EVENTS = frozenset({"membersAddedEventMessageDetail", "membersJoinedEventMessageDetail"})
LEAVE_EVENTS = frozenset({"membersDeletedEventMessageDetail", "membersLeftEventMessageDetail"})
SYSTEM_TYPES = frozenset({"systemEventMessage", "unknownFutureValue"})
PRIVATE_TEAM_VISIBILITY = frozenset({"private", "hiddenmembership"})
CLASSIC_REACTIONS = {"👍": "like", "❤️": "heart", "❤": "heart", "😆": "laugh", "😮": "surprised",
                     "😢": "sad", "😡": "angry"}
SKIN_TONES = re.compile("[\U0001F3FB-\U0001F3FF\uFE0F]")

S = pl.String
SCHEMAS = {
    "people": {"person_id": S, "email": S, "display_name": S, "is_bot": pl.Boolean, "_line": pl.Int64},
    "groups": {"group_id": S, "name": S, "description": S, "is_private": pl.Boolean, "created_at": S,
               "_line": pl.Int64},
    "memberships": {"group_id": S, "person_id": S, "joined_at": S, "left_at": S, "_line": pl.Int64},
    "messages": {"message_id": S, "thread_id": S, "replied_to_id": S, "group_id": S, "author_id": S,
                 "created_at": S, "edited_at": S, "deleted_at": S, "is_private": pl.Boolean, "title": S,
                 "body": S, "mentions": pl.List(S), "_line": pl.Int64},
    "reactions": {"reaction_id": S, "message_id": S, "person_id": S, "kind": S, "created_at": S,
                  "weight": pl.Int64, "_line": pl.Int64},
}


def person_id(user_id: str) -> str:
    return f"teams:{user_id}"


def app_id(application_id: str) -> str:
    return f"teams:app:{application_id}"


def group_id(channel_id: str) -> str:
    return f"teams:{channel_id}"


def message_id(channel_id: str, graph_id: str) -> str:
    return f"teams:{channel_id}:{graph_id}"


def parse_time(value: object) -> datetime | None:
    """A Graph dateTimeOffset as an aware datetime (None when absent or unreadable); used for ordering only,
    the text itself is what gets staged."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Graph may give 7 fractional digits
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reaction_kind(reaction: dict) -> str | None:
    """like / heart / laugh / surprised / sad / angry (names or their emoji), other emoji as given,
    custom reactions as custom:<name>."""
    raw = str(reaction.get("reactionType") or "").strip()
    if not raw:
        return None
    if raw.lower() == "custom":
        name = str(reaction.get("displayName") or "").strip()
        return f"custom:{name}" if name else "custom"
    return CLASSIC_REACTIONS.get(raw) or CLASSIC_REACTIONS.get(SKIN_TONES.sub("", raw)) or raw


def body_text(msg: dict) -> str | None:
    body = msg.get("body") if isinstance(msg.get("body"), dict) else {}
    content = body.get("content") or ""
    if not isinstance(content, str):
        content = str(content)
    kind = str(body.get("contentType") or "text").lower()
    text = html_to_text(content) if kind == "html" else plain_text(content)
    if not text and not msg.get("deletedDateTime"):
        names = [a.get("name") for a in msg.get("attachments") or [] if isinstance(a, dict) and a.get("name")]
        text = "\n".join(names)
    return text or None


def event_type(msg: dict) -> str:
    detail = msg.get("eventDetail") if isinstance(msg.get("eventDetail"), dict) else {}
    return str(detail.get("@odata.type") or "unknown").lstrip("#").removeprefix("microsoft.graph.")


def context_kind(context: object) -> tuple[str | None, dict]:
    """(kind, ids) named by a Graph @odata.context URL."""
    if not isinstance(context, str):
        return None, {}
    text = unquote(context)
    at = text.find("$metadata#")
    if at < 0:
        return None, {}
    target = text[at + len("$metadata#"):]
    for kind, pattern in CONTEXT_PATTERNS:
        match = pattern.match(target)
        if match:
            return kind, {k: v for k, v in match.groupdict().items() if v}
    return None, {}


def infer_kind(items: list) -> str | None:
    """What a page holds when its @odata.context is missing, from its records."""
    records = [i for i in items if isinstance(i, dict)]
    if any("messageType" in r or "body" in r or "replyToId" in r for r in records):
        return "messages"
    if any("membershipType" in r for r in records):
        return "channels"
    if any("userId" in r or "roles" in r or str(r.get("@odata.type", "")).endswith("ConversationMember")
           for r in records):
        return "members"
    return None


def looks_like_team(obj: dict) -> bool:
    return bool(obj.get("id")) and any(k in obj for k in TEAM_KEYS)


def is_graph_file(name: str) -> bool:
    parts = name.split("/")
    return name.lower().endswith(".json") and not any(p.startswith(".") or p == "__MACOSX" for p in parts)


def sniff(head: bytes) -> bool:
    """Does the start of a file look like a saved Graph response about Teams?"""
    text = head[:SNIFF_BYTES].decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return False
    return bool(GRAPH_CONTEXT.search(text)) or ('"value"' in text and bool(MESSAGE_TYPE.search(text)))


@dataclass
class Page:
    display: str
    kind: str  # messages, replies, chats, channels, team, team_members, channel_members, members
    team: str | None
    channel: str | None
    parent: str | None
    records: list[tuple[int, object, str | None]]  # (line, record, parent id from an enclosing message)


@dataclass
class Copy:
    """One copy of one chatMessage, mapped."""
    display: str
    line: int
    order: int
    raw: str
    channel: str
    graph_id: str
    author: tuple[str, bool, str | None] | None  # (person id, is bot, name)
    fields: dict
    mentions: list[tuple[str, bool, str | None]]
    reactions: list
    reply_to: str | None
    modified: datetime | None


@dataclass
class Group:
    channel: str
    team: str | None = None
    membership_type: str | None = None
    listed: bool = False


@dataclass
class _Load:
    stage: Stage
    rows: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    teams: dict = field(default_factory=dict)  # team id -> (name, visibility)
    channels: dict = field(default_factory=dict)  # channel id -> Group
    staged_groups: set = field(default_factory=set)
    members: set = field(default_factory=set)  # person ids with a members entry
    extra: dict = field(default_factory=dict)  # person id -> [is_bot, name, display, line]
    sublines: dict = field(default_factory=lambda: defaultdict(int))
    memberships_seen: bool = False
    stored_privacy: dict = field(default_factory=dict)  # channel id -> is_private from an earlier load

    # ---- helpers -------------------------------------------------------------------------
    def subline(self, display: str, line: int) -> int:
        self.sublines[(display, line)] += 1
        return line * SUB + self.sublines[(display, line)]

    def add(self, table: str, display: str, row: dict) -> None:
        self.rows[table][display].append(row)

    def reject(self, display: str, line: int, table: str, reason: str, raw: object) -> None:
        self.stage.reject(display, line, table, reason, raw if isinstance(raw, str) else dumps(raw))

    def see_person(self, pid: str, bot: bool, name: str | None, display: str, line: int) -> None:
        if pid in self.members:
            return
        if pid not in self.extra:
            self.extra[pid] = [bot, name, display, self.subline(display, line)]
        elif name and not self.extra[pid][1]:
            self.extra[pid][1] = name

    def channel_private(self, channel: str) -> bool | None:
        """True for a private channel or any channel of a private team; None when neither the channel
        listing nor the team says."""
        group = self.channels.get(channel) or Group(channel)
        visibility = (self.teams.get(group.team) or (None, None))[1]
        if str(visibility or "").lower() in PRIVATE_TEAM_VISIBILITY:
            return True
        if not group.listed:
            return self.stored_private(channel)
        return group.membership_type == "private"

    def stored_private(self, channel: str) -> bool | None:
        """The privacy an earlier load recorded for a channel this load has no listing for."""
        if channel not in self.stored_privacy:
            try:
                found = self.stage.con.execute("SELECT is_private FROM groups WHERE group_id = ?",
                                               [group_id(channel)]).fetchall()
            except duckdb.Error:
                found = []
            self.stored_privacy[channel] = found[0][0] if found else None
        return self.stored_privacy[channel]

    def ensure_group(self, channel: str, team: str | None, display: str, line: int) -> None:
        group = self.channels.setdefault(channel, Group(channel))
        group.team = group.team or team
        if channel in self.staged_groups:
            return
        self.staged_groups.add(channel)
        self.add("groups", display, {"group_id": group_id(channel), "name": None, "description": None,
                                     "is_private": self.channel_private(channel), "created_at": None,
                                     "_line": self.subline(display, line)})

    # ---- teams and channels -------------------------------------------------------------
    def team_entities(self, pages: list[Page]) -> None:
        for page in pages:
            for _, team, _ in page.records:
                if isinstance(team, dict) and (team.get("id") or page.team):
                    self.teams[team.get("id") or page.team] = (team.get("displayName"), team.get("visibility"))

    def channel_listings(self, pages: list[Page]) -> None:
        for page in pages:
            for _line, channel, _ in page.records:
                if isinstance(channel, dict) and channel.get("id"):
                    group = self.channels.setdefault(channel["id"], Group(channel["id"]))
                    group.team = page.team or group.team
                    group.membership_type = str(channel.get("membershipType") or "standard")
                    group.listed = True
        for page in pages:
            for line, channel, _ in page.records:
                if not isinstance(channel, dict) or not channel.get("id"):
                    self.reject(page.display, line, "groups", "channel without an id", channel)
                    continue
                group = self.channels[channel["id"]]
                team_name = (self.teams.get(group.team) or (None, None))[0]
                name = channel.get("displayName")
                self.staged_groups.add(channel["id"])
                self.add("groups", page.display, {
                    "group_id": group_id(channel["id"]),
                    "name": f"{team_name} / {name}" if team_name and name else name or team_name,
                    "description": channel.get("description") or None,
                    "is_private": self.channel_private(channel["id"]),
                    "created_at": channel.get("createdDateTime"),
                    "_line": line,
                })

    # ---- members ------------------------------------------------------------------------
    def member_listings(self, pages: list[Page]) -> None:
        for page in pages:
            for _, member, _ in page.records:
                if isinstance(member, dict) and member.get("userId"):
                    self.members.add(person_id(member["userId"]))
        for page in pages:
            self.memberships_seen = True
            standard = sorted(c for c, g in self.channels.items()
                              if g.listed and g.team == page.team and g.membership_type == "standard")
            for line, member, _ in page.records:
                if not isinstance(member, dict) or not member.get("userId"):
                    kind = member.get("@odata.type", "no type") if isinstance(member, dict) else "not an object"
                    self.reject(page.display, line, "people", f"member without a userId ({kind})", member)
                    continue
                pid = person_id(member["userId"])
                email = member.get("email") or member.get("userPrincipalName")
                email = email.strip().lower() if isinstance(email, str) and email.strip() else None
                self.add("people", page.display, {"person_id": pid, "email": email,
                                                  "display_name": member.get("displayName") or None,
                                                  "is_bot": False, "_line": line})
                if page.kind == "channel_members" and page.channel:
                    self.ensure_group(page.channel, page.team, page.display, line)
                    self.add("memberships", page.display, {"group_id": group_id(page.channel), "person_id": pid,
                                                           "joined_at": None, "left_at": None, "_line": line})
                elif page.kind == "team_members":
                    for channel in standard:
                        self.add("memberships", page.display, {
                            "group_id": group_id(channel), "person_id": pid, "joined_at": None, "left_at": None,
                            "_line": self.subline(page.display, line)})

    # ---- messages -----------------------------------------------------------------------
    def messages(self, pages: list[Page]) -> None:
        copies: dict[tuple[str, str], list[Copy]] = {}
        events: list[tuple[str, int, str, str | None, dict, str]] = []
        order = 0
        for page in pages:
            for line, msg, enclosing in page.records:
                order += 1
                outcome = self.classify(page, line, msg, enclosing, order)
                if outcome is None:
                    self.refuse_reactions(page.display, line, msg, "reaction on a record that was refused")
                    continue
                if isinstance(outcome, Copy):
                    copies.setdefault((outcome.channel, outcome.graph_id), []).append(outcome)
                else:
                    self.refuse_reactions(page.display, line, msg, "reaction on a system event, not on a message")
                    events.append(outcome)
        self.membership_events(events)
        self.fold_and_stage(copies)

    def classify(self, page: Page, line: int, msg: object, enclosing: str | None, order: int):
        """A Copy, an event tuple, or None (the record was rejected)."""
        display = page.display
        if not isinstance(msg, dict):
            self.reject(display, line, "messages", "not a chat message object", msg)
            return None
        raw = dumps({k: v for k, v in msg.items() if k != "replies"})
        identity = msg.get("channelIdentity") if isinstance(msg.get("channelIdentity"), dict) else {}
        channel = identity.get("channelId") or page.channel
        team = identity.get("teamId") or page.team
        if page.kind == "chats" or (msg.get("chatId") and not channel):
            self.reject(display, line, "messages", "chat message, not a channel message (chats are not read)", raw)
            return None
        if not msg.get("id"):
            self.reject(display, line, "messages", "chat message without an id", raw)
            return None
        if not channel:
            self.reject(display, line, "messages", "message without a channel (no channelIdentity, and the "
                                                   "page's @odata.context names none)", raw)
            return None
        message_type = str(msg.get("messageType") or "message")
        if msg.get("eventDetail") or message_type in SYSTEM_TYPES:
            kind = event_type(msg)
            if kind in JOIN_EVENTS | LEAVE_EVENTS:
                return (display, line, channel, team, msg, raw)
            self.reject(display, line, "messages", f"system event, not a message ({kind})", raw)
            return None
        if message_type != "message":
            self.reject(display, line, "messages", f"not a message (messageType {message_type})", raw)
            return None
        known = self.channels.setdefault(channel, Group(channel))
        known.team = known.team or team
        sender = msg.get("from") if isinstance(msg.get("from"), dict) else {}
        user = sender.get("user") if isinstance(sender.get("user"), dict) else {}
        application = sender.get("application") if isinstance(sender.get("application"), dict) else {}
        if user.get("id"):
            author = (person_id(user["id"]), False, user.get("displayName"))
        elif application.get("id"):
            author = (app_id(application["id"]), True, application.get("displayName"))
        else:
            author = None
        mentions = []
        for mention in msg.get("mentions") or []:
            mentioned = mention.get("mentioned") if isinstance(mention, dict) else None
            mentioned = mentioned if isinstance(mentioned, dict) else {}
            who = mentioned.get("user") if isinstance(mentioned.get("user"), dict) else {}
            bot = mentioned.get("application") if isinstance(mentioned.get("application"), dict) else {}
            if who.get("id"):
                mentions.append((person_id(who["id"]), False, who.get("displayName") or mention.get("mentionText")))
            elif bot.get("id"):
                mentions.append((app_id(bot["id"]), True, bot.get("displayName") or mention.get("mentionText")))
        return Copy(
            display=display, line=line, order=order, raw=raw, channel=channel, graph_id=str(msg["id"]),
            author=author,
            fields={"created_at": msg.get("createdDateTime"), "edited_at": msg.get("lastEditedDateTime"),
                    "deleted_at": msg.get("deletedDateTime"), "title": (msg.get("subject") or "").strip() or None,
                    "body": body_text(msg)},
            mentions=mentions, reactions=reaction_list(msg.get("reactions")),
            reply_to=str(msg.get("replyToId") or enclosing or page.parent or "") or None,
            modified=parse_time(msg.get("lastModifiedDateTime")) or parse_time(msg.get("createdDateTime")),
        )

    def refuse_reactions(self, display: str, line: int, msg: object, reason: str, copy: Copy | None = None) -> None:
        """The reactions a record carries when it is not loaded as a message: each one rejected with ``reason``."""
        reactions = copy.reactions if copy is not None else reaction_list(msg.get("reactions")) \
            if isinstance(msg, dict) else []
        for reaction in reactions:
            self.reject(display, line, "reactions", reason, reaction)

    def membership_events(self, events: list) -> None:
        """Stage one membership row per event member, folded per (channel, person) in time order."""
        staged = []
        times: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: {"join": [], "leave": []})
        for display, line, channel, team, msg, raw in events:
            self.memberships_seen = True
            kind = event_type(msg)
            detail = msg["eventDetail"] if isinstance(msg.get("eventDetail"), dict) else {}
            people = [m for m in detail.get("members") or []]
            if not people:
                self.reject(display, line, "memberships", f"membership event without members ({kind})", raw)
                continue
            self.ensure_group(channel, team, display, line)
            when = msg.get("createdDateTime")
            action = "join" if kind in JOIN_EVENTS else "leave"
            for member in people:
                sub = self.subline(display, line)
                if not isinstance(member, dict) or not member.get("id"):
                    self.reject(display, sub, "memberships", f"member of a {kind} without an id", member)
                    continue
                pid = person_id(member["id"])
                self.see_person(pid, False, member.get("displayName"), display, line)
                times[(channel, pid)][action].append((parse_time(when) or datetime.min.replace(tzinfo=UTC),
                                                      when))
                staged.append((display, sub, channel, pid))
        for display, sub, channel, pid in staged:
            joins, leaves = sorted(times[(channel, pid)]["join"]), sorted(times[(channel, pid)]["leave"])
            joined = joins[-1][1] if joins else None
            left = leaves[-1][1] if leaves and (not joins or leaves[-1][0] > joins[-1][0]) else None
            self.add("memberships", display, {"group_id": group_id(channel), "person_id": pid, "joined_at": joined,
                                              "left_at": left, "_line": sub})

    def fold_and_stage(self, copies: dict[tuple[str, str], list[Copy]]) -> None:
        folded: dict[tuple[str, str], dict] = {}
        for key, group in copies.items():
            group.sort(key=lambda c: (c.modified or datetime.min.replace(tzinfo=UTC), c.order))
            newest_first = group[::-1]
            values = {name: next((c.fields[name] for c in newest_first if c.fields[name] is not None), None)
                      for name in group[0].fields}
            values["author"] = next((c.author for c in newest_first if c.author), None)
            values["mentions"] = next((c.mentions for c in newest_first if c.mentions), [])
            values["reply_to"] = next((c.reply_to for c in newest_first if c.reply_to), None)
            if values["author"] is None:
                deleted = values["deleted_at"] is not None
                reason = ("deleted message without a sender (from is null in every copy read)" if deleted
                          else "message without a sender (no from.user or from.application)")
                for c in sorted(group, key=lambda c: c.order):
                    self.reject(c.display, c.line, "messages", reason, c.raw)
                    self.refuse_reactions(c.display, c.line, None, "reaction on a message that was refused", c)
                continue
            folded[key] = values
        stored = self.stored_threads({message_id(ch, v["reply_to"]) for (ch, _), v in folded.items()
                                      if v["reply_to"] and (ch, v["reply_to"]) not in folded})
        for key, values in folded.items():
            channel, graph_id = key
            group = copies[key]
            mid = message_id(channel, graph_id)
            thread, parent = mid, None
            if values["reply_to"] and values["reply_to"] != graph_id:
                parent = message_id(channel, values["reply_to"])
                parent_values = folded.get((channel, values["reply_to"]))
                if parent_values is not None:
                    grand = parent_values["reply_to"]
                    thread = message_id(channel, grand) if grand and grand != values["reply_to"] else parent
                elif parent in stored:
                    thread = stored[parent] or parent
                else:
                    for c in sorted(group, key=lambda c: c.order):
                        self.reject(c.display, c.line, "messages",
                                    f"reply to a missing message (replyToId {values['reply_to']} is not in the files "
                                    f"read, or was rejected, and not in the store)", c.raw)
                        self.refuse_reactions(c.display, c.line, None, "reaction on a message that was refused", c)
                    continue
            first = min(group, key=lambda c: c.order)
            newest = group[-1]
            self.ensure_group(channel, self.channels[channel].team, first.display, first.line)
            author, bot, name = values["author"]
            self.see_person(author, bot, name, newest.display, newest.line)
            for pid, is_bot, who in values["mentions"]:
                self.see_person(pid, is_bot, who, newest.display, newest.line)
            row = {"message_id": mid, "thread_id": thread, "replied_to_id": parent, "group_id": group_id(channel),
                   "author_id": author, "created_at": values["created_at"], "edited_at": values["edited_at"],
                   "deleted_at": values["deleted_at"], "is_private": self.channel_private(channel),
                   "title": values["title"], "body": values["body"],
                   "mentions": list(dict.fromkeys(pid for pid, _, _ in values["mentions"]))}
            for c in group:
                self.add("messages", c.display, dict(row, _line=c.line))
                if c is not newest:  # an older copy's reactions: read, superseded by the newest copy's
                    self.stage.skip_duplicates(c.display, "reactions", len(c.reactions))
            self.reactions(mid, newest)

    def reactions(self, mid: str, newest: Copy) -> None:
        for reaction in newest.reactions:
            sub = self.subline(newest.display, newest.line)
            if not isinstance(reaction, dict):
                self.reject(newest.display, sub, "reactions", "reaction is not an object", reaction)
                continue
            reactor = reaction.get("user") if isinstance(reaction.get("user"), dict) else {}
            user = reactor.get("user") if isinstance(reactor.get("user"), dict) else {}
            application = reactor.get("application") if isinstance(reactor.get("application"), dict) else {}
            kind = reaction_kind(reaction)
            if not kind:
                self.reject(newest.display, sub, "reactions", "reaction without a reactionType", reaction)
                continue
            if user.get("id"):
                pid = person_id(user["id"])
                self.see_person(pid, False, user.get("displayName"), newest.display, newest.line)
            elif application.get("id"):
                pid = app_id(application["id"])
                self.see_person(pid, True, application.get("displayName"), newest.display, newest.line)
            else:
                self.reject(newest.display, sub, "reactions", "reaction without a user", reaction)
                continue
            self.add("reactions", newest.display, {"reaction_id": f"{mid}:{pid}:{kind}", "message_id": mid,
                                                   "person_id": pid, "kind": kind,
                                                   "created_at": reaction.get("createdDateTime"), "weight": 1,
                                                   "_line": sub})

    def stored_threads(self, ids: set[str]) -> dict[str, str | None]:
        """message_id -> thread_id of parents already in the store (an earlier load)."""
        if not ids:
            return {}
        try:
            found = self.stage.con.execute(
                "SELECT message_id, thread_id FROM messages WHERE message_id IN (SELECT unnest(?))",
                [sorted(ids)]).fetchall()
        except duckdb.Error:
            return {}
        return dict(found)

    # ---- output -------------------------------------------------------------------------
    def flush(self) -> None:
        for pid, (bot, name, display, line) in self.extra.items():
            self.add("people", display, {"person_id": pid, "email": None, "display_name": name, "is_bot": bot,
                                         "_line": line})
        for table in ("people", "groups", "memberships", "messages", "reactions"):
            schema = SCHEMAS[table]
            for display, rows in self.rows[table].items():
                self.stage.add_frame(table, display, pl.DataFrame([clean_row(r, schema) for r in rows], schema=schema))
        self.stage.supply("people", "groups", "messages", "reactions")
        if self.memberships_seen or self.rows["memberships"]:
            self.stage.supply("memberships")


def clean_value(value: object, dtype: object) -> object:
    """A Graph value as its column's type: text columns take text (a number as written, an object or a list as
    JSON, so that the engine names it if it cannot be read), flags take booleans, lists take lists of text."""
    if value is None:
        return None
    if dtype == pl.Boolean:
        return value if isinstance(value, bool) else None
    if dtype == pl.Int64:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(dtype, pl.List):
        return [v if isinstance(v, str) else dumps(v) for v in value] if isinstance(value, list) else None
    return value if isinstance(value, str) else dumps(value)


def clean_row(row: dict, schema: dict) -> dict:
    return {k: clean_value(row.get(k), dtype) for k, dtype in schema.items()}


def reaction_list(value: object) -> list:
    """A message's reactions as a list of records (a value that is not a list is one malformed record)."""
    if value is None or value == []:
        return []
    return value if isinstance(value, list) else [value]


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class TeamsReader:
    name = "teams"
    description = ("Microsoft Teams channel conversations saved from Microsoft Graph "
                   "(folder or zip of JSON responses: channel messages and replies, channels, members)")

    def detect(self, path: Path) -> bool:
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*.json")
                               if p.is_file() and is_graph_file(p.relative_to(path).as_posix()))
                for file in files[:SNIFF_FILES]:
                    with open(file, "rb") as handle:
                        if sniff(handle.read(SNIFF_BYTES)):
                            return True
                return False
            if is_zip(path):
                with Archive(path) as archive:
                    names = [n for n in archive.names() if is_graph_file(n)]
                    return any(sniff(archive.head(n, SNIFF_BYTES)) for n in names[:SNIFF_FILES])
        except (OSError, IngestError):
            return False
        return False

    def read(self, path: Path, stage: Stage) -> None:
        pages: list[Page] = []
        with Archive(path, stage.budget) as archive:
            names = [n for n in archive.names() if is_graph_file(n)]
            if not names:
                raise IngestError(str(path), "no .json files inside: expected Microsoft Graph responses saved as "
                                             "JSON (see docs/formats/teams.md)")
            for name in names:
                pages += self._file_pages(archive.display(name), self._json(archive, name, stage))
        load = _Load(stage)
        by_kind: dict[str, list[Page]] = defaultdict(list)
        for page in pages:
            by_kind[page.kind].append(page)
        load.team_entities(by_kind["team"])
        load.channel_listings(by_kind["channels"])
        load.member_listings(by_kind["team_members"] + by_kind["channel_members"] + by_kind["members"])
        load.messages(by_kind["messages"] + by_kind["replies"] + by_kind["chats"])
        load.flush()

    def _json(self, archive: Archive, member: str, stage: Stage) -> object:
        display = archive.display(member)
        text = archive.read_text(member)
        if not text.strip():
            raise IngestError(display, "empty file: expected a Graph response (JSON)", 1)
        try:
            return stage.budget.load_json(display, text)
        except json.JSONDecodeError as exc:
            raise IngestError(display, f"not valid JSON (cut off or damaged?): {exc.msg} at column {exc.colno}",
                              exc.lineno) from exc

    def _file_pages(self, display: str, value: object) -> list[Page]:
        """The file's pages with every record numbered in document order (expanded replies after their message)."""
        if isinstance(value, dict):
            responses, single = [value], True
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            responses, single = value, False
        else:
            raise IngestError(display, "expected a Graph response: a JSON object {\"value\": [...]} "
                                       "or a list of them", 1)
        pages, line = [], 0
        for number, response in enumerate(responses, 1):
            where = "" if single else f"page {number} of the list: "
            kind, ids = context_kind(response.get("@odata.context"))
            if "value" not in response:
                if kind == "team" or (kind is None and looks_like_team(response)):
                    line += 1
                    pages.append(Page(display, "team", response.get("id") or ids.get("team"), None, None,
                                      [(line, response, None)]))
                    continue
                raise IngestError(display, f'{where}a Graph response page without "value" (save the whole '
                                           f'response body: {{"value": [...], "@odata.nextLink": ...}})',
                                  1 if single else None)
            items = response["value"]
            if not isinstance(items, list):
                raise IngestError(display, f'{where}"value" is not a list', 1 if single else None)
            if kind is None or kind == "team":
                kind = infer_kind(items)
                if kind is None:
                    if not items:
                        continue
                    raise IngestError(display, f"{where}cannot tell what this Graph response holds (no "
                                               f"@odata.context, and its records are not chat messages, "
                                               f"channels or members)", 1 if single else None)
            records: list[tuple[int, object, str | None]] = []
            for item in items:
                line += 1
                records.append((line, item, None))
                if kind in ("messages", "replies") and isinstance(item, dict) and isinstance(item.get("replies"), list):
                    for reply in item["replies"]:
                        line += 1
                        records.append((line, reply, str(item.get("id") or "") or None))
            pages.append(Page(display, kind, ids.get("team"), ids.get("channel"), ids.get("parent"), records))
        return pages
