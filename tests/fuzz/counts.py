"""Counting what an export contains, independently of Pulso: the standard library only (csv, json, zipfile,
xml.etree), written from each format's documentation, never from the readers' code.

Each counter returns ``{(file display, table): records}``: how many rows a load must account for (read =
loaded + rejected + duplicates) for that file and table. The conformance suite (tests/pipelines/test_conformance.py)
and the fuzz suite compare them with ``ingestion_file_stats``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

JOINS = ("channel_join", "group_join", "channel_leave", "group_leave")
csv.field_size_limit(1 << 31)


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def csv_data_records(data: bytes) -> int:
    """Data records of a CSV (header excluded, empty lines skipped)."""
    rows = list(csv.reader(io.StringIO(_text(data), newline="")))
    return sum(1 for r in rows[1:] if any(v.strip() for v in r) or len(r) > 1)


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


# ---- the Pulso export format and the org directory -----------------------------------------------------------

def pulso_folder(folder: Path) -> Counter:
    out: Counter = Counter()
    for path in sorted(folder.iterdir()):
        name = path.name
        for suffix in (".csv.gz", ".csv", ".jsonl.gz", ".jsonl"):
            if name.endswith(suffix):
                table = name[: -len(suffix)]
                data = read_bytes(path)
                if "csv" in suffix:
                    out[(str(path), table)] = csv_data_records(data)
                else:
                    out[(str(path), table)] = sum(1 for line in _text(data).splitlines() if line.strip())
    return out


def directory(path: Path) -> Counter:
    """Every data record of the directory CSV is a people row (an empty record too: it is rejected)."""
    rows = list(csv.reader(io.StringIO(_text(read_bytes(path)), newline="")))
    return Counter({(str(path), "people"): len(rows) - 1})


# ---- Slack -----------------------------------------------------------------------------------------------------

class _Members:
    """A folder or zip's members as (display, bytes)."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_file():
            with zipfile.ZipFile(path) as zf:
                self.files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
            self.display = lambda n: f"{path.name}!{n}"
        else:
            self.files = {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}
            self.display = lambda n: str(path / n)


def slack_reaction_records(reactions: object) -> int:
    """One record per named user of each reaction, one for the rest of its count, one per malformed entry."""
    if reactions is None:
        return 0
    if not isinstance(reactions, list):
        return 1
    n = 0
    for reaction in reactions:
        if not isinstance(reaction, dict):
            n += 1
            continue
        users = reaction.get("users") if reaction.get("users") is not None else []
        if not isinstance(users, list):
            n += 1
            users = []
        distinct = []
        for u in users:
            if u not in distinct:
                distinct.append(u)
        n += len(distinct)
        count = reaction.get("count")
        if count is None:
            continue
        try:
            if isinstance(count, (bool, list, dict)):
                raise ValueError
            n += 1 if int(count) - len(distinct) > 0 else 0
        except (TypeError, ValueError):
            n += 1
    return n


def slack(path: Path) -> Counter:
    """users.json -> people (at least one row per user); channels.json / groups.json / dms.json / mpims.json ->
    groups (one per channel) and memberships (one per listed member); each day file -> one messages-or-memberships
    row per item (a join or leave is a membership, anything else a message or a rejected message) and its
    reaction records (:func:`slack_reaction_records`)."""
    members = _Members(path)
    out: Counter = Counter()
    for name, data in members.files.items():
        base = name.rsplit("/", 1)[-1]
        display = members.display(name)
        if base in ("channels.json", "groups.json", "dms.json", "mpims.json"):
            items = json.loads(_text(data))
            out[(display, "groups")] += len(items)
            for ch in items:
                listed = ch.get("members") if isinstance(ch, dict) else None
                out[(display, "memberships")] += len(listed) if isinstance(listed, list) else 0 if listed is None else 1
        elif base == "users.json":
            out[(display, "people")] += len(json.loads(_text(data)))
        elif name.count("/") >= 1 and base[:4].isdigit() and base.endswith(".json") and len(base) == 15:
            items = json.loads(_text(data))
            for item in items:
                is_join = isinstance(item, dict) and item.get("subtype") in JOINS
                out[(display, "memberships" if is_join else "messages")] += 1
                if isinstance(item, dict):
                    carrier = item.get("message") if item.get("subtype") == "message_changed" and \
                        isinstance(item.get("message"), dict) else item
                    out[(display, "reactions")] += slack_reaction_records(carrier.get("reactions"))
    return out


# ---- Stack Exchange ----------------------------------------------------------------------------------------------

SE_TABLES = {"Users.xml": "people", "Posts.xml": "messages", "Comments.xml": "messages", "Votes.xml": "reactions"}


def stackexchange(path: Path) -> Counter:
    """One row per <row> of Users.xml (people), Posts.xml and Comments.xml (messages), Votes.xml (reactions)."""
    members = _Members(path)
    out: Counter = Counter()
    for name, data in members.files.items():
        table = SE_TABLES.get(name.rsplit("/", 1)[-1])
        if table:
            out[(members.display(name), table)] = sum(1 for e in ET.fromstring(data).iter("row"))
    return out


# ---- Microsoft 365 usage reports ------------------------------------------------------------------------------------

def m365_csv(display: str, data: bytes) -> Counter:
    """activity_counts: 3 rows (posted, read, liked) per readable user line of an activity report, 6 per device
    line, 1 per line that cannot be read (blank, wrong width, unreadable period, no user) and per line of a
    tenant-level report; groups: 1 per line of a groups report."""
    rows = list(csv.reader(io.StringIO(_text(data), newline="")))
    header = [h.strip() for h in rows[0]]
    if "User Principal Name" in header:
        width = 6 if "Used Web" in header else 3
        out = 0
        for r in rows[1:]:
            record = dict(zip(header, (v.strip() for v in r)))
            ok = len(r) == len(header) and any(v.strip() for v in r) and record.get("User Principal Name")
            try:
                period = int(record.get("Report Period", "").upper().removeprefix("D"))
                __import__("datetime").date.fromisoformat(record.get("Report Refresh Date", ""))
                ok = ok and period > 0
            except ValueError:
                ok = False
            out += width if ok else 1
        return Counter({(display, "activity_counts"): out})
    if "Group Display Name" in header:
        return Counter({(display, "groups"): len(rows) - 1})
    return Counter({(display, "activity_counts"): len(rows) - 1})


def m365(path: Path) -> Counter:
    members = _Members(path) if not (path.is_file() and not path.name.endswith(".zip")) else None
    files = members.files if members else {path.name: path.read_bytes()}
    display = members.display if members else (lambda n: str(path))
    out: Counter = Counter()
    for name, data in files.items():
        if name.lower().endswith(".csv"):
            out += m365_csv(display(name), data)
        elif name.lower().endswith(".json"):
            records = json.loads(_text(data))["value"]
            out[(display(name), "activity_counts")] += 3 * len(records)
            out[(display(name), "people")] += len(records)
    return out


# ---- Yammer ------------------------------------------------------------------------------------------------------

YAMMER_TABLES = {"Messages.csv": "messages", "Users.csv": "people", "Groups.csv": "groups"}


def yammer(path: Path) -> Counter:
    """One row per data record of Messages.csv (messages), Users.csv (people) and Groups.csv (groups)."""
    members = _Members(path)
    out: Counter = Counter()
    for name, data in members.files.items():
        table = YAMMER_TABLES.get(name.rsplit("/", 1)[-1])
        if table:
            rows = list(csv.reader(io.StringIO(_text(data), newline="")))
            out[(members.display(name), table)] = len(rows) - 1
    return out
