"""Stack Exchange / Stack Overflow for Teams XML dump, a folder or a .zip holding
Posts.xml (required), Comments.xml, Votes.xml, Users.xml (docs/formats/stackexchange.md).

Files are streamed with ``iterparse`` (dumps can be gigabytes); ``_line`` is the
``<row>``'s number in its file.

Mapping (ids namespaced ``se:``):
- Users.xml -> people ``se:<Id>``: DisplayName, Location -> platform_location,
  CreationDate -> joined_at; Id -1 (Community) -> is_bot. LastAccessDate and
  AccountId are not stored (no canonical column; a last access is not a visit).
- Posts.xml: PostTypeId 1 (question) -> a thread starter ``se:post:<Id>`` with
  Title, Body (HTML tags removed), LastEditDate -> edited_at, Tags
  ('<a><b>' or '|a|b|') -> hashtags. PostTypeId 2 (answer) -> a reply to its
  question (ParentId). Every other post type (4/5 tag wiki excerpt and body,
  6/7 moderator and privilege wiki...) is not conversation: rejected with
  reason "post type N (tag wiki...), not conversation".
- Comments.xml -> replies ``se:comment:<Id>`` to the post they comment on,
  in that post's thread.
- Votes.xml: VoteTypeId 2 (up-vote) -> a reaction 'like', weight 1, with the
  voter when the dump names one (UserId), else person_id null; its
  CreationDate is a day (the dump truncates it), kept as that local day. Other vote types
  (accept, down-vote, favourite, close, deletion...) are rejected with reason
  "vote type N, not a like".
- An author or voter without a Users.xml row gets a minimal people row so the
  message is not lost: ``se:<Id>`` when the dump gives an id, else (deleted
  accounts: OwnerDisplayName / UserDisplayName only) ``se:name:<display name>``,
  or ``se:unknown`` when there is no name either.
The dump has no groups, memberships, visits or reads.

Limits: each file is streamed within ``[limits] file_mb`` (a zip member's
declared size is checked first); an element nested deeper than ``depth`` or a
row over ``row_kb`` stops the load naming the row.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import Archive, is_zip, zip_names
from pipelines.staging import Stage

TAG_MARKUP = re.compile(r"<[^>]+>")
VOTE_NAMES = {1: "accepted answer", 3: "down-vote", 4: "offensive", 5: "favourite", 6: "close", 7: "reopen",
              8: "bounty start", 9: "bounty close", 10: "deletion", 11: "undeletion", 12: "spam",
              15: "moderator review", 16: "approve edit suggestion"}
POST_NAMES = {3: "orphaned tag wiki", 4: "tag wiki excerpt", 5: "tag wiki", 6: "moderator nomination",
              7: "wiki placeholder", 8: "privilege wiki"}
BATCH = 50_000

S = pl.String
PEOPLE_SCHEMA = {"person_id": S, "display_name": S, "platform_location": S, "joined_at": S,
                 "is_bot": pl.Boolean, "_line": pl.Int64}
MESSAGE_SCHEMA = {"message_id": S, "thread_id": S, "replied_to_id": S, "author_id": S, "created_at": S,
                  "edited_at": S, "title": S, "body": S, "hashtags": pl.List(S), "_line": pl.Int64}
REACTION_SCHEMA = {"reaction_id": S, "message_id": S, "person_id": S, "kind": S, "created_at": S,
                   "weight": pl.Int64, "_line": pl.Int64}


OFFSET_AT_END = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$")


def utc(value: str | None) -> str | None:
    """SE times are UTC without an offset ('2018-02-06T20:19:50.957'); one that carries an offset keeps it."""
    if not value:
        return None
    value = value.strip()
    if OFFSET_AT_END.search(value[10:]):
        return value
    return f"{value}+00:00" if ("T" in value or " " in value) else f"{value}T00:00:00+00:00"


def day_of(value: str | None) -> str | None:
    """A vote's CreationDate: the dump gives only its day ('2024-03-04T00:00:00.000'), kept as a date alone so it
    stays on that day in the organisation's time zone."""
    if not value:
        return None
    return value[:10] if value[10:].strip("T0:.") == "" else utc(value)


def plain_text(body: str | None) -> str | None:
    if body is None:
        return None
    return html.unescape(TAG_MARKUP.sub("", body)).strip()


def tags(value: str | None) -> list[str]:
    """'<a><b>' or '|a|b|' -> ['a', 'b']."""
    if not value:
        return []
    return [t for t in re.split(r"[<>|]+", value) if t]


def author(row: dict, id_key: str, name_key: str, unknown: dict) -> str:
    if row.get(id_key):
        unknown.setdefault(f"se:{row[id_key]}", None)  # kept only if Users.xml does not list it
        return f"se:{row[id_key]}"
    name = (row.get(name_key) or "").strip()
    pid = f"se:name:{name}" if name else "se:unknown"
    unknown.setdefault(pid, name or None)
    return pid


class StackExchangeReader:
    name = "stackexchange"
    description = "Stack Exchange / Stack Overflow for Teams XML dump (Posts.xml, Comments.xml, Votes.xml, Users.xml)"

    def detect(self, path: Path) -> bool:
        if is_zip(path):
            names = zip_names(path)
            return any(n.rsplit("/", 1)[-1] == "Posts.xml" for n in names)
        if path.is_dir():
            return (path / "Posts.xml").is_file()
        return False

    def read(self, path: Path, stage: Stage) -> None:
        with Archive(path, stage.budget) as archive:
            members = {n: archive.find(n) for n in ("Users.xml", "Posts.xml", "Comments.xml", "Votes.xml")}
            if members["Posts.xml"] is None:
                raise IngestError(str(path), "no Posts.xml inside: not a Stack Exchange dump")
            unknown: dict[str, str | None] = {}
            known_users: set[str] = set()
            if members["Users.xml"]:
                self._users(archive, members["Users.xml"], stage, known_users)
            threads = self._posts(archive, members["Posts.xml"], stage, unknown)
            if members["Comments.xml"]:
                self._comments(archive, members["Comments.xml"], stage, unknown, threads)
            if members["Votes.xml"]:
                self._votes(archive, members["Votes.xml"], stage, unknown)
            extra = [{"person_id": pid, "display_name": name, "platform_location": None, "joined_at": None,
                      "is_bot": False, "_line": k} for k, (pid, name) in enumerate(sorted(unknown.items()), 1)
                     if pid not in known_users]
            stage.add_frame("people", archive.display(members["Posts.xml"]) + " (authors without a user row)",
                            pl.DataFrame(extra, schema=PEOPLE_SCHEMA))
        stage.supply("people", "messages")
        if members["Votes.xml"]:
            stage.supply("reactions")

    def _rows(self, archive: Archive, member: str, stage: Stage):
        """(row number, attributes) of every <row> of one file, streamed, within the depth and row limits."""
        display = archive.display(member)
        budget = stage.budget
        limit = budget.limits.depth
        n = 0
        depth = 0
        handle = archive.open(member)
        try:
            root = None
            for event, elem in ET.iterparse(handle, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth > limit:
                        raise budget.depth_problem(display, n + 1)
                    if root is None:
                        root = elem
                    continue
                depth -= 1
                if elem is not root and elem.tag == "row":
                    n += 1
                    attributes = dict(elem.attrib)
                    budget.check_row(display, n, sum(len(k) + len(v) + 4 for k, v in attributes.items()))
                    yield n, attributes
                    root.clear()  # drop parsed rows: memory stays flat on multi-GB dumps
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else None
            if n == 0 and exc.position == (1, 0):
                raise IngestError(display, "empty file: expected an XML dump with <row> elements", 1) from exc
            raise IngestError(display, f"XML cut off or malformed after row {n}: {exc}", line) from exc
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise IngestError(display, f"cannot read (damaged or truncated?): {exc}") from exc
        finally:
            handle.close()

    def _batched(self, stage: Stage, table: str, display: str, rows: list, schema: dict, force: bool = False):
        if rows and (force or len(rows) >= BATCH):
            stage.add_frame(table, display, pl.DataFrame(rows, schema=schema))
            rows.clear()

    def _users(self, archive: Archive, member: str, stage: Stage, known: set) -> None:
        display, rows = archive.display(member), []
        for n, row in self._rows(archive, member, stage):
            if not row.get("Id"):
                stage.reject(display, n, "people", "user without an Id", row)
                continue
            known.add(f"se:{row['Id']}")
            rows.append({"person_id": f"se:{row['Id']}", "display_name": row.get("DisplayName"),
                         "platform_location": row.get("Location"), "joined_at": utc(row.get("CreationDate")),
                         "is_bot": row["Id"] == "-1", "_line": n})
            self._batched(stage, "people", display, rows, PEOPLE_SCHEMA)
        self._batched(stage, "people", display, rows, PEOPLE_SCHEMA, force=True)

    def _posts(self, archive: Archive, member: str, stage: Stage, unknown: dict) -> dict[str, str]:
        """Stage questions and answers; return post id -> thread (question) id."""
        display, rows, threads = archive.display(member), [], {}
        for n, row in self._rows(archive, member, stage):
            kind, pid = row.get("PostTypeId"), row.get("Id")
            if kind not in ("1", "2") or not pid:
                name = POST_NAMES.get(int(kind) if (kind or "").isdigit() else -1, "unknown")
                stage.reject(display, n, "messages", f"post type {kind} ({name}), not conversation",
                             {k: v for k, v in row.items() if k != "Body"})
                continue
            question = pid if kind == "1" else row.get("ParentId")
            threads[pid] = question
            rows.append({"message_id": f"se:post:{pid}", "thread_id": f"se:post:{question}" if question else None,
                         "replied_to_id": None if kind == "1" else f"se:post:{question}",
                         "author_id": author(row, "OwnerUserId", "OwnerDisplayName", unknown),
                         "created_at": utc(row.get("CreationDate")), "edited_at": utc(row.get("LastEditDate")),
                         "title": row.get("Title"), "body": plain_text(row.get("Body")),
                         "hashtags": tags(row.get("Tags")), "_line": n})
            self._batched(stage, "messages", display, rows, MESSAGE_SCHEMA)
        self._batched(stage, "messages", display, rows, MESSAGE_SCHEMA, force=True)
        return threads

    def _comments(self, archive: Archive, member: str, stage: Stage, unknown: dict, threads: dict) -> None:
        display, rows = archive.display(member), []
        for n, row in self._rows(archive, member, stage):
            post = row.get("PostId")
            if post not in threads:
                stage.reject(display, n, "messages", f"comment on post {post}, which is not a question or answer "
                                                     f"in this dump", row)
                continue
            rows.append({"message_id": f"se:comment:{row.get('Id')}", "thread_id": f"se:post:{threads[post]}",
                         "replied_to_id": f"se:post:{post}",
                         "author_id": author(row, "UserId", "UserDisplayName", unknown),
                         "created_at": utc(row.get("CreationDate")), "edited_at": None, "title": None,
                         "body": row.get("Text"), "hashtags": [], "_line": n})
            self._batched(stage, "messages", display, rows, MESSAGE_SCHEMA)
        self._batched(stage, "messages", display, rows, MESSAGE_SCHEMA, force=True)

    def _votes(self, archive: Archive, member: str, stage: Stage, unknown: dict) -> None:
        display, rows = archive.display(member), []
        for n, row in self._rows(archive, member, stage):
            kind = row.get("VoteTypeId")
            if kind != "2":
                name = VOTE_NAMES.get(int(kind) if (kind or "").isdigit() else -1, "other")
                stage.reject(display, n, "reactions", f"vote type {kind} ({name}), not a like", row)
                continue
            rows.append({"reaction_id": f"se:vote:{row.get('Id')}", "message_id": f"se:post:{row.get('PostId')}",
                         "person_id": author(row, "UserId", "", unknown) if row.get("UserId") else None, "kind": "like",
                         "created_at": day_of(row.get("CreationDate")), "weight": 1, "_line": n})
            self._batched(stage, "reactions", display, rows, REACTION_SCHEMA)
        self._batched(stage, "reactions", display, rows, REACTION_SCHEMA, force=True)
