"""The canonical data model: one declaration from which the DuckDB DDL and the
documentation (docs/data-model.md) are both generated.

Every reader maps its external format into these tables; metrics read only
these tables and the rollups built from them at publish time.
Times are stored as naive ``TIMESTAMP`` values in UTC; rollups convert them to
the organisation's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    required: bool = False  # a reader row without it is rejected


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Which "fact" a source supplies when it loads rows into this table.
    fact: str | None = None
    loaded_by_readers: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


C = Column
PROVENANCE = (
    C("source", "VARCHAR", "Which reader supplied the row (pulso, yammer, m365, slack, stackexchange, directory)."),
)

PEOPLE = Table(
    "people",
    "Everyone known to any source. Region, office, role and manager come from the org directory only; "
    "a person with no directory entry is kept and shown as unassigned.",
    (
        C("person_id", "VARCHAR", "Stable identifier (the directory's id, or the platform's id namespaced).", True),
        C("email", "VARCHAR", "Lower-cased e-mail or UPN; used to join the same person across sources."),
        C("display_name", "VARCHAR", "Name to show."),
        C("region", "VARCHAR", "Region from the org directory."),
        C("office", "VARCHAR", "Office (branch) from the org directory."),
        C("role", "VARCHAR", "Role from the org directory; ranked by the configured hierarchy."),
        C("manager_id", "VARCHAR", "person_id of the direct manager (org directory)."),
        C("joined_at", "TIMESTAMP", "When the account was created (UTC)."),
        C("left_at", "TIMESTAMP", "When the account was deleted or the person left (UTC)."),
        C("state", "VARCHAR", "active, suspended, deleted or pending."),
        C("profile_completeness", "DOUBLE", "Share (0-1) of profile fields filled: name, photo, job title, location, about."),
        C("job_title", "VARCHAR", "Free-text job title as the platform has it."),
        C("platform_department", "VARCHAR", "Free-text department as the platform has it (not the org directory)."),
        C("platform_location", "VARCHAR", "Free-text location as the platform has it (not the org directory)."),
        C("in_directory", "BOOLEAN", "True when the org directory lists the person (they are eligible for adoption)."),
        C("is_bot", "BOOLEAN", "Bots and integrations: kept, but left out of people metrics."),
        *PROVENANCE,
    ),
    key=("person_id",),
    fact="people",
)

PERSON_ALIASES = Table(
    "person_aliases",
    "Every identifier a source used for a person (platform id, e-mail) mapped to the canonical person_id.",
    (
        C("alias", "VARCHAR", "A source's identifier, namespaced (e.g. 'yammer:123', 'email:ana@x.mx').", True),
        C("person_id", "VARCHAR", "The canonical person.", True),
    ),
    key=("alias",),
    loaded_by_readers=False,
)

GROUPS = Table(
    "groups",
    "Groups, channels or communities.",
    (
        C("group_id", "VARCHAR", "Stable identifier.", True),
        C("name", "VARCHAR", "Group name."),
        C("description", "VARCHAR", "Description."),
        C("is_private", "BOOLEAN", "Private groups: their content is counted but never shown to people outside them."),
        C("created_at", "TIMESTAMP", "Creation time (UTC)."),
        *PROVENANCE,
    ),
    key=("group_id",),
    fact="groups",
)

MEMBERSHIPS = Table(
    "memberships",
    "Who belongs to which group.",
    (
        C("group_id", "VARCHAR", "The group.", True),
        C("person_id", "VARCHAR", "The member.", True),
        C("joined_at", "TIMESTAMP", "When they joined (UTC), if known."),
        C("left_at", "TIMESTAMP", "When they left (UTC), if they did."),
        *PROVENANCE,
    ),
    key=("group_id", "person_id"),
    fact="memberships",
)

MESSAGES = Table(
    "messages",
    "Posts and replies. A thread's first message has thread_id = message_id.",
    (
        C("message_id", "VARCHAR", "Stable identifier.", True),
        C("thread_id", "VARCHAR", "The thread's first message.", True),
        C("replied_to_id", "VARCHAR", "The message this one answers (null for a thread starter)."),
        C("group_id", "VARCHAR", "Group the message was posted in (null: all-company feed or private conversation)."),
        C("author_id", "VARCHAR", "person_id of the sender.", True),
        C("created_at", "TIMESTAMP", "Posting time (UTC).", True),
        C("edited_at", "TIMESTAMP", "Last edit (UTC)."),
        C("deleted_at", "TIMESTAMP", "Deletion time (UTC); deleted messages are kept and flagged, never lost."),
        C("is_private", "BOOLEAN", "Private conversation (direct message): counted, never shown."),
        C("title", "VARCHAR", "Title, where the platform has one (questions, announcements)."),
        C("body", "VARCHAR", "Plain-text body."),
        C("hashtags", "VARCHAR[]", "Lower-cased hashtags/topics without '#'."),
        C("mentions", "VARCHAR[]", "person_ids mentioned in the body."),
        *PROVENANCE,
    ),
    key=("message_id",),
    fact="messages",
)

REACTIONS = Table(
    "reactions",
    "Likes and other reactions. person_id is null where the source gives only a count (weight).",
    (
        C("reaction_id", "VARCHAR", "Stable identifier (e.g. message:person:kind).", True),
        C("message_id", "VARCHAR", "The message reacted to.", True),
        C("person_id", "VARCHAR", "Who reacted; null when the source only counts."),
        C("kind", "VARCHAR", "like, or the platform's reaction name.", True),
        C("created_at", "TIMESTAMP", "When (UTC), if known."),
        C("weight", "INTEGER", "How many reactions the row stands for (1 for a known person)."),
        *PROVENANCE,
    ),
    key=("reaction_id",),
    fact="reactions",
)

VISITS = Table(
    "visits",
    "Visits (sessions): a person opened the network.",
    (
        C("visit_id", "VARCHAR", "Stable identifier.", True),
        C("person_id", "VARCHAR", "Who visited.", True),
        C("started_at", "TIMESTAMP", "Session start (UTC).", True),
        C("duration_seconds", "INTEGER", "Session length in seconds, if known."),
        C("device", "VARCHAR", "web, ios, android, windows, mac, other."),
        *PROVENANCE,
    ),
    key=("visit_id",),
    fact="visits",
)

ACTIVITY_COUNTS = Table(
    "activity_counts",
    "Per-person counts for sources that only report totals per period (Microsoft 365 usage reports). "
    "Rows for several report periods and refresh dates are kept side by side; metrics pick one, never add them.",
    (
        C("person_id", "VARCHAR", "The person.", True),
        C("period_start", "DATE", "First day the count covers.", True),
        C("period_end", "DATE", "Last day the count covers (the report refresh date).", True),
        C("activity", "VARCHAR", "posted, read, liked, or a device name for device usage.", True),
        C("count", "BIGINT", "How many.", True),
        C("last_activity_date", "DATE", "Last activity date the report gives."),
        *PROVENANCE,
    ),
    key=("person_id", "period_start", "period_end", "activity"),
    fact="activity_counts",
)

INTERACTIONS = Table(
    "interactions",
    "Generic person-to-person interactions from other sources (e.g. e-mail or meeting metadata, co-work surveys).",
    (
        C("interaction_id", "VARCHAR", "Stable identifier.", True),
        C("source_person_id", "VARCHAR", "Who acted (sender).", True),
        C("target_person_id", "VARCHAR", "Who received.", True),
        C("kind", "VARCHAR", "email, meeting, cowork, ... (free text).", True),
        C("occurred_at", "TIMESTAMP", "When (UTC), if known."),
        C("weight", "DOUBLE", "Strength (default 1)."),
        *PROVENANCE,
    ),
    key=("interaction_id",),
    fact="interactions",
)

CAMPAIGN_EVENTS = Table(
    "campaign_events",
    "The communications calendar: announcements, reminders, trainings and other campaign events.",
    (
        C("event_id", "VARCHAR", "Stable identifier.", True),
        C("event_date", "DATE", "Day of the event (organisation time zone).", True),
        C("title", "VARCHAR", "Title.", True),
        C("channel", "VARCHAR", "email, network, video, meeting, ..."),
        C("audience", "VARCHAR", "Who it was for (all, a region, a role...)."),
        *PROVENANCE,
    ),
    key=("event_id",),
    fact="campaign_events",
)

INGESTION_RUNS = Table(
    "ingestion_runs",
    "Every pulso ingest run that published (failed runs leave the store untouched and are reported on screen).",
    (
        C("run_id", "VARCHAR", "Identifier (UTC timestamp and a random suffix).", True),
        C("started_at", "TIMESTAMP", "Start (UTC).", True),
        C("finished_at", "TIMESTAMP", "Publish time (UTC)."),
        C("paths", "VARCHAR", "The paths given, ';'-separated."),
        C("formats", "VARCHAR", "The formats detected, ';'-separated."),
        C("pulso_version", "VARCHAR", "Pulso version that ran it."),
    ),
    key=("run_id",),
    loaded_by_readers=False,
)

INGESTION_FILE_STATS = Table(
    "ingestion_file_stats",
    "Per run, file and table: rows read = rows loaded + rows rejected + duplicates skipped.",
    (
        C("run_id", "VARCHAR", "The run.", True),
        C("file", "VARCHAR", "Source file (or zip member).", True),
        C("table_name", "VARCHAR", "Canonical table.", True),
        C("rows_read", "BIGINT", "Rows read from the file.", True),
        C("rows_loaded", "BIGINT", "New or changed rows written.", True),
        C("rows_rejected", "BIGINT", "Rows refused (see rejected_rows).", True),
        C("rows_duplicate", "BIGINT", "Rows already in the store unchanged, or repeated in the file.", True),
    ),
    key=("run_id", "file", "table_name"),
    loaded_by_readers=False,
)

REJECTED_ROWS = Table(
    "rejected_rows",
    "Rows a reader could not load, with where they came from and why.",
    (
        C("run_id", "VARCHAR", "The run.", True),
        C("file", "VARCHAR", "Source file (or zip member).", True),
        C("line", "BIGINT", "Line (CSV/JSONL, 1 = header for CSV) or record number.", True),
        C("table_name", "VARCHAR", "Canonical table the row was meant for.", True),
        C("reason", "VARCHAR", "Why it was refused.", True),
        C("raw", "VARCHAR", "The row as read (truncated to 2,000 characters)."),
    ),
    key=("run_id", "file", "line", "table_name"),
    loaded_by_readers=False,
)

SOURCE_FACTS = Table(
    "source_facts",
    "Which facts each source has supplied, and the time span they cover. Metrics use it to say "
    "'not available from the loaded sources' instead of showing zero.",
    (
        C("source", "VARCHAR", "Reader name.", True),
        C("fact", "VARCHAR", "people, groups, memberships, messages, reactions, visits, reads, activity_counts, interactions, campaign_events.", True),
        C("first_at", "TIMESTAMP", "Earliest time covered (UTC), if known."),
        C("last_at", "TIMESTAMP", "Latest time covered (UTC), if known."),
        C("rows", "BIGINT", "Rows of that fact in the store from that source."),
    ),
    key=("source", "fact"),
    loaded_by_readers=False,
)

STORE_INFO = Table(
    "store_info",
    "Key/value facts about the store: schema_version, timezone, published_at, pulso_version.",
    (
        C("key", "VARCHAR", "Name.", True),
        C("value", "VARCHAR", "Value.", True),
    ),
    key=("key",),
    loaded_by_readers=False,
)

# Tables a reader may fill, in load order (people first: others refer to them).
READER_TABLES: tuple[Table, ...] = (
    PEOPLE, GROUPS, MEMBERSHIPS, MESSAGES, REACTIONS, VISITS, ACTIVITY_COUNTS, INTERACTIONS, CAMPAIGN_EVENTS,
)
BOOKKEEPING_TABLES: tuple[Table, ...] = (
    PERSON_ALIASES, INGESTION_RUNS, INGESTION_FILE_STATS, REJECTED_ROWS, SOURCE_FACTS, STORE_INFO,
)
ALL_TABLES: tuple[Table, ...] = READER_TABLES + BOOKKEEPING_TABLES
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in ALL_TABLES}

# Facts a source can supply beyond its tables: "reads" (a source that reports reading/visiting),
# "likes" is the reactions fact.
KNOWN_FACTS = frozenset({t.fact for t in READER_TABLES if t.fact} | {"reads"})


def create_table_sql(table: Table) -> str:
    """DDL for a table. The big reader tables carry no PRIMARY KEY index (an index
    on 10M rows costs more than the whole load); the ingest engine guarantees
    their keys are unique. Bookkeeping tables keep theirs."""
    cols = ",\n    ".join(f"{c.name} {c.type}" for c in table.columns)
    key = "" if table.loaded_by_readers else f",\n    PRIMARY KEY ({', '.join(table.key)})"
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n    {cols}{key}\n)"


def data_model_markdown() -> str:
    """The documentation page for the data model, generated from the declarations above."""
    out = [
        "# Pulso canonical data model",
        "",
        f"Schema version **{SCHEMA_VERSION}**. Generated from `pulso/schema.py` by `pulso schema`; "
        "a test keeps this page in sync. Times are UTC `TIMESTAMP`s; days and weeks are computed in "
        "the organisation's time zone (`pulso/default_config.toml`).",
        "",
        "Rollups built at every publish (`person_day_activity`, `message_facts`) are described in "
        "`pipelines/rollups.py`; they are derived, never loaded.",
        "",
    ]
    for group_title, tables in (("Loaded by readers", READER_TABLES), ("Bookkeeping", BOOKKEEPING_TABLES)):
        out += [f"## {group_title}", ""]
        for t in tables:
            out += [f"### `{t.name}`", "", t.meaning, "", f"Key (unique): `{', '.join(t.key)}`"
                    + (f" · fact: `{t.fact}`" if t.fact else ""), "",
                    "| column | type | required | meaning |", "|---|---|---|---|"]
            out += [f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {c.meaning} |" for c in t.columns]
            out.append("")
    return "\n".join(out)
