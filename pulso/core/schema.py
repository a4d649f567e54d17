"""The canonical data model: one declaration from which the DuckDB DDL and the
documentation (docs/data-model.md) are both generated.

Every reader maps its external format into these tables; metrics read only
these tables and the rollups built from them at publish time.
Times are stored as naive ``TIMESTAMP`` values in UTC; rollups convert them to
the organisation's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 4
# Older schema versions whose canonical and bookkeeping tables are those of this one: publishing such a store
# again (``pulso ingest --db FILE``, no paths) rebuilds its derived tables and upgrades it.
UPGRADABLE_VERSIONS = (3,)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    required: bool = False  # a reader row without it is rejected
    text: bool = False  # what people wrote: never kept in rejected rows, shown only where the message may be shown


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Which "fact" a source supplies when it loads rows into this table.
    fact: str | None = None
    loaded_by_readers: bool = True
    grain: str | None = None  # derived tables: what one row stands for

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
    C("source", "VARCHAR", "Which reader supplied the row (pulso, yammer, m365, slack, stackexchange, teams, directory)."),
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
        C("description", "VARCHAR", "Description.", text=True),
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
        C("title", "VARCHAR", "Title, where the platform has one (questions, announcements).", text=True),
        C("body", "VARCHAR", "Plain-text body.", text=True),
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
    "Rows a reader could not load, with where they came from and why: one row per refused row, never collapsed.",
    (
        C("run_id", "VARCHAR", "The run.", True),
        C("file", "VARCHAR", "Source file (or zip member).", True),
        C("line", "BIGINT", "Line (CSV/JSONL, 1 = header for CSV) or record number.", True),
        C("item", "INTEGER", "Tells apart the rows refused from one record (1, 2, ...): the counts of one "
                             "usage-report line, the reactions of one Slack message.", True),
        C("table_name", "VARCHAR", "Canonical table the row was meant for.", True),
        C("reason", "VARCHAR", "Why it was refused.", True),
        C("raw", "VARCHAR", "The row as read (truncated to 2,000 characters), without what people wrote: a message's "
                            "title and body and a group's description are never kept (a structured record loses "
                            "those fields, an unstructured message record is withheld whole); in a pseudonymised "
                            "store e-mail addresses are replaced by their pseudonyms and people rows are withheld."),
    ),
    key=("run_id", "file", "table_name", "line", "item"),
    loaded_by_readers=False,
)

DIRECTORY_CONFLICTS = Table(
    "directory_conflicts",
    "Values a platform or Pulso-format export gave for a person the org directory lists, that differ from the "
    "directory's: the directory's e-mail, name, region, office, role and manager always win; the other value is "
    "recorded here (and shown on the Datos page), never stored in people.",
    (
        C("run_id", "VARCHAR", "The run that met the conflict.", True),
        C("person_id", "VARCHAR", "The person (canonical id).", True),
        C("column_name", "VARCHAR", "email, display_name, region, office, role or manager_id.", True),
        C("directory_value", "VARCHAR", "What the directory says (kept).", True),
        C("other_value", "VARCHAR", "What the other source said (not stored in people).", True),
        C("source", "VARCHAR", "The other source's reader.", True),
        C("file", "VARCHAR", "Its file (or zip member).", True),
        C("line", "BIGINT", "Its line or record number.", True),
    ),
    key=("run_id", "file", "line", "column_name"),
    loaded_by_readers=False,
)

SOURCE_FACTS = Table(
    "source_facts",
    "Which facts each source has supplied, and the time span they cover. Metrics use it to say "
    "'not available from the loaded sources' instead of showing zero.",
    (
        C("source", "VARCHAR", "Reader name.", True),
        C("fact", "VARCHAR", "people, groups, memberships, messages, reactions, visits, reads, activity_counts, "
                             "interactions, campaign_events, join_dates (people with their account's creation "
                             "time).", True),
        C("first_at", "TIMESTAMP", "Earliest time covered (UTC), if known."),
        C("last_at", "TIMESTAMP", "Latest time covered (UTC), if known."),
        C("rows", "BIGINT", "Rows of that fact in the store from that source."),
    ),
    key=("source", "fact"),
    loaded_by_readers=False,
)

STORE_INFO = Table(
    "store_info",
    "Key/value facts about the store: schema_version, pulso_version, published_at, settings (the organisation "
    "settings it was built with, as JSON), settings_source and settings_digest (which file, which content), "
    "timezone, data_first_day and data_last_day (the span of local days with any dated fact).",
    (
        C("key", "VARCHAR", "Name.", True),
        C("value", "VARCHAR", "Value.", True),
    ),
    key=("key",),
    loaded_by_readers=False,
)

# ---- Derived tables: built at every publish from the canonical tables and the settings ----------------------
# Each business rule lives once, here (meaning) and in pipelines/derived.py (the one function that builds the
# table). Metrics read canonical and derived tables only.

D = Column
PERSON_FACTS = Table(
    "person_facts",
    "People with what every metric needs about them: organisation attributes (never null: people with no "
    "directory entry have region, office and role '(unassigned)'), the rank of their role in the settings' "
    "hierarchy, and the first and last days they acted. **People in scope** are the rows that are not bots and "
    "pass the scope's filters (`pulso/core/scope.py`, `Scope.people_cte`).",
    (
        D("person_id", "VARCHAR", "The person (people.person_id)."),
        D("display_name", "VARCHAR", "Name to show."),
        D("email", "VARCHAR", "E-mail."),
        D("manager_id", "VARCHAR", "Direct manager (org directory)."),
        D("region", "VARCHAR", "Region, or '(unassigned)'."),
        D("office", "VARCHAR", "Office, or '(unassigned)'."),
        D("role", "VARCHAR", "Role (lower-case), or '(unassigned)'."),
        D("role_rank", "INTEGER", "Rank of the role in the settings' hierarchy (1 = top); null = unranked."),
        D("in_directory", "BOOLEAN", "Listed by the org directory (eligible for adoption while not left)."),
        D("is_bot", "BOOLEAN", "Bot or integration (never counted)."),
        D("state", "VARCHAR", "active, suspended, deleted or pending."),
        D("joined_at", "TIMESTAMP", "Account creation (UTC)."),
        D("joined_day", "DATE", "Local day of the account's creation."),
        D("left_at", "TIMESTAMP", "Left or deleted (UTC)."),
        D("left_day", "DATE", "Local day the person left: **eligible** on day d means in the directory and "
                              "left_day null or after d."),
        D("profile_completeness", "DOUBLE", "Share of profile fields filled (0-1)."),
        D("first_action_day", "DATE", "First local day with an action (see person_day_activity.acted)."),
        D("first_contribution_day", "DATE", "First local day with a contribution."),
        D("last_action_day", "DATE", "Last local day with an action."),
    ),
    key=("person_id",), loaded_by_readers=False, grain="one row per person",
)

MESSAGE_FACTS = Table(
    "message_facts",
    "Every message with its local time and the flags that decide how it may be used. A message **may be shown** "
    "as text (title, excerpt, topic example, top post) only when it is not deleted, not a private conversation "
    "and not in a private group; a group no loaded source describes counts as private (its privacy is unknown). "
    "Messages that may not be shown still count in aggregates -- unless the settings say `[privacy] count_private = "
    "false`: then the messages that are direct or in a private group are not in this table at all, so no count "
    "includes them.",
    (
        D("message_id", "VARCHAR", "The message."),
        D("thread_id", "VARCHAR", "Its thread."),
        D("replied_to_id", "VARCHAR", "The message it answers."),
        D("parent_author_id", "VARCHAR", "Author of the message it answers (null for a starter or an unknown parent)."),
        D("author_id", "VARCHAR", "Sender."),
        D("group_id", "VARCHAR", "Group."),
        D("created_at", "TIMESTAMP", "Posting time (UTC)."),
        D("created_local", "TIMESTAMP", "Posting time in the organisation's time zone."),
        D("day", "DATE", "Local day."),
        D("is_thread_start", "BOOLEAN", "Starts a thread (no replied_to_id and message_id = thread_id)."),
        D("is_reply", "BOOLEAN", "A **reply**: it answers another message (replied_to_id set)."),
        D("is_deleted", "BOOLEAN", "Deleted (kept, counted as the action it was)."),
        D("is_direct", "BOOLEAN", "Private conversation (direct message)."),
        D("in_private_group", "BOOLEAN", "In a private group, or in a group no source describes."),
        D("may_show", "BOOLEAN", "Its text may be shown: not deleted, not direct, not in a private group."),
        D("hashtag_count", "INTEGER", "Hashtags it carries."),
    ),
    key=("message_id",), loaded_by_readers=False, grain="one row per message",
)

THREADS = Table(
    "threads",
    "A **thread** is a message that starts one (no replied_to_id, message_id = thread_id). It **counts** in "
    "conversation metrics when its starter is not deleted and is not a private conversation (threads in private "
    "groups count but are never shown). It is **answered** when someone other than its author, not a bot, "
    "replied with a message that is not deleted; the first such reply gives the time to first reply.",
    (
        D("thread_id", "VARCHAR", "The thread (its starter's message_id)."),
        D("author_id", "VARCHAR", "Who started it."),
        D("group_id", "VARCHAR", "Group."),
        D("created_at", "TIMESTAMP", "Start (UTC)."),
        D("created_local", "TIMESTAMP", "Start in the organisation's time zone."),
        D("day", "DATE", "Local day it started."),
        D("is_deleted", "BOOLEAN", "The starter is deleted."),
        D("is_direct", "BOOLEAN", "Private conversation."),
        D("may_show", "BOOLEAN", "Its text may be shown (see message_facts.may_show)."),
        D("counts", "BOOLEAN", "Counts in conversation metrics: not deleted, not direct."),
        D("replies", "INTEGER", "Replies in the thread that are not deleted (anyone)."),
        D("likes", "BIGINT", "Reactions on the starter (their weight; reactions by bots left out, reactions "
                             "whose giver is unknown included)."),
        D("first_reply_at", "TIMESTAMP", "First non-deleted reply by someone else, not a bot (UTC)."),
        D("first_reply_local", "TIMESTAMP", "The same, local time."),
        D("first_replier_id", "VARCHAR", "Who gave it."),
        D("hours_to_first_reply", "DOUBLE", "Hours from the start to that reply."),
    ),
    key=("thread_id",), loaded_by_readers=False, grain="one row per thread",
)

ACTS = Table(
    "acts",
    "Directed person-to-person acts, the edges of every flow and network metric: a **reply** (replier -> author "
    "of the message answered), a **mention** (author -> each person mentioned), a **like** (any reaction -> the "
    "message's author, weight = the reaction's weight; the reactor is empty where the source only gives a count, "
    "and such a like is never an edge) and every generic interaction (source -> target, its own kind and weight, "
    "1 when missing). Self-acts are kept and flagged.",
    (
        D("source_person_id", "VARCHAR", "Who acted (empty for a like the source only counts)."),
        D("target_person_id", "VARCHAR", "Who received."),
        D("kind", "VARCHAR", "reply, mention, like, or the generic interaction's kind."),
        D("weight", "DOUBLE", "Strength (1 for a reply or mention)."),
        D("occurred_at", "TIMESTAMP", "When (UTC); null when the source gives no time."),
        D("occurred_local", "TIMESTAMP", "The same in the organisation's time zone."),
        D("day", "DATE", "Local day; a like without a time takes its message's day; null for undated interactions."),
        D("group_id", "VARCHAR", "Group of the message (null for generic interactions)."),
        D("message_id", "VARCHAR", "The message acted on (null for generic interactions)."),
        D("is_self", "BOOLEAN", "Source and target are the same person."),
    ),
    key=(), loaded_by_readers=False, grain="one row per act (per mentioned person for mentions)",
)

TZ_DAILY = Table(
    "tz_daily",
    "The organisation's time zone as data: per UTC day, the UTC offset before and after the (at most one) change "
    "of offset that day, computed with Python's zoneinfo for the data's span plus two days "
    "(`pulso/core/localtime.py`). Every local time of the derived tables is `ts + offset` from this table, on "
    "DuckDB and on Spark alike.",
    (
        D("zone", "VARCHAR", "IANA time zone (the settings' organisation time zone)."),
        D("utc_day", "DATE", "UTC day."),
        D("switch_utc", "TIMESTAMP", "First UTC instant at which off_after applies (the day's start when the "
                                     "offset does not change that day)."),
        D("off_before", "INTEGER", "UTC offset in seconds before switch_utc."),
        D("off_after", "INTEGER", "UTC offset in seconds from switch_utc on."),
    ),
    key=("utc_day",), loaded_by_readers=False, grain="one row per UTC day of the data's span (plus margin)",
)

MANAGER_CHAIN = Table(
    "manager_chain",
    "The chain of command: every manager above a person, with how many levels up (1 = the direct manager), "
    "following person_facts.manager_id up to 30 levels (a cycle keeps its shortest distance).",
    (
        D("person_id", "VARCHAR", "The person."),
        D("ancestor_id", "VARCHAR", "A manager above them."),
        D("depth", "INTEGER", "Levels up: 1 = direct manager, 2 = the manager's manager, ..."),
    ),
    key=("person_id", "ancestor_id"), loaded_by_readers=False, grain="one row per person and manager above them",
)

PERSON_DAY_ACTIVITY = Table(
    "person_day_activity",
    "Per person and local day with any event. An **action** is a visit, a thread started, a reply or a like "
    "given; a **contribution** is a thread started, a reply or a like given (Microsoft's definitions for "
    "Yammer). A person is an **active account** in a period when they have a row with `acted` in it. Deleted "
    "messages count as the action they were; private ones count unless `[privacy] count_private = false`.",
    (
        D("person_id", "VARCHAR", "The person."),
        D("day", "DATE", "Local day."),
        D("threads_started", "INTEGER", "Threads started."),
        D("replies", "INTEGER", "Replies written."),
        D("likes_given", "INTEGER", "Reactions given (their weight)."),
        D("visits", "INTEGER", "Visits."),
        D("visit_seconds", "BIGINT", "Seconds of use."),
        D("likes_received", "INTEGER", "Reactions received on their messages (any giver, unknown included)."),
        D("replies_received", "INTEGER", "Replies from someone else to their messages."),
        D("hashtags_used", "INTEGER", "Hashtags on the messages they wrote."),
        D("contributions", "INTEGER", "threads_started + replies + likes_given."),
        D("acted", "BOOLEAN", "Any action: contributions + visits > 0."),
        D("contributed", "BOOLEAN", "Any contribution."),
    ),
    key=("person_id", "day"), loaded_by_readers=False, grain="one row per person and local day with any event",
)

PERSON_WEEK_ACTIVITY = Table(
    "person_week_activity",
    "Per person, every local Monday-Sunday week with an action (from person_day_activity).",
    (
        D("person_id", "VARCHAR", "The person."),
        D("week_start", "DATE", "Monday of the week."),
    ),
    key=("person_id", "week_start"), loaded_by_readers=False, grain="one row per person and week with an action",
)

# ---- Network measures precomputed at publish --------------------------------------------------------------
# The interaction graph of each standard scope is built once at publish and its measures stored here; the
# network metrics serve these rows when asked for a standard scope with the default parameters, and compute
# on demand otherwise (metrics/network.py, metrics/network_precompute.py). A store published without them
# (e.g. by the library call ``pipelines.ingest.ingest`` with no builders) simply computes on demand.

NETWORK_SCOPES = Table(
    "network_scopes",
    "The **standard scopes** whose network measures are precomputed: each of the last complete week, the last 4 "
    "weeks, the last 13 weeks (quarter) and the last 52 weeks (year), all ending on the last complete "
    "Monday-Sunday week of the data and clipped to the data's span like any metric's period; for the whole "
    "organisation and for each region; with every interaction kind, and with replies and mentions (what the "
    "dashboard shows by default). Measures use the metrics' default parameters (automatic tie threshold, "
    "betweenness from k = 100 sampled sources, seed 42, Louvain resolution 1, exact diameter up to 1,000 people).",
    (
        D("scope_id", "INTEGER", "The standard scope."),
        D("period", "VARCHAR", "week, 4weeks, quarter or year."),
        D("region", "VARCHAR", "The region filtered on; null = the whole organisation."),
        D("kinds", "VARCHAR", "Interaction kinds counted, comma-separated and sorted; empty = every kind."),
        D("start_day", "DATE", "First local day (after clipping to the data)."),
        D("end_day", "DATE", "Last local day."),
        D("tie_min_weight", "DOUBLE", "Tie threshold the automatic rule chose for this graph."),
        D("nodes", "BIGINT", "People in the graph (the scope's people)."),
        D("edges", "BIGINT", "Directed ties in the graph (after the threshold)."),
        D("seconds", "DOUBLE", "Time to build the graph and compute its measures at publish."),
    ),
    key=("scope_id",), loaded_by_readers=False, grain="one row per standard scope",
)


def _network_table(name: str, meaning: str, columns: tuple[Column, ...], grain: str) -> Table:
    return Table(name, meaning, (D("scope_id", "INTEGER", "The standard scope (network_scopes)."),
                                 D("position", "INTEGER", "Row order of the metric's answer (0 = first)."),
                                 *columns), key=("scope_id", "position"), loaded_by_readers=False, grain=grain)


NODE_COLUMNS = (D("person_id", "VARCHAR", "The person."), D("region", "VARCHAR", "Region."),
                D("office", "VARCHAR", "Office."), D("role", "VARCHAR", "Role."))
NETWORK_CENTRALITY = _network_table(
    "network_centrality", "The answer of `network_centrality` for each standard scope (see that metric).",
    (*NODE_COLUMNS, D("in_degree", "BIGINT", "People who sent to them."),
     D("out_degree", "BIGINT", "People they sent to."), D("in_strength", "DOUBLE", "Weight received."),
     D("out_strength", "DOUBLE", "Weight sent."), D("pagerank", "DOUBLE", "Weighted PageRank."),
     D("betweenness", "DOUBLE", "Betweenness (sampled)."),
     D("betweenness_sample_size", "BIGINT", "Sources used for betweenness."),
     D("tie_min_weight", "DOUBLE", "Tie threshold.")),
    "one row per standard scope and person in its graph")
NETWORK_COMMUNITIES = _network_table(
    "network_communities", "The answer of `network_communities` for each standard scope (Louvain, seed 42).",
    (*NODE_COLUMNS, D("community", "BIGINT", "Community (0 = largest).")),
    "one row per standard scope and person in its graph")
NETWORK_MATCH = _network_table(
    "network_match", "The figures of `community_region_match` for each standard scope (its sentence is written "
    "from them when served, in the language asked).",
    (D("nodes", "BIGINT", "People."), D("nodes_with_ties", "BIGINT", "People with a tie."),
     D("tied_share", "DOUBLE", "Share with a tie."), D("regions", "BIGINT", "Regions."),
     D("communities", "BIGINT", "Communities."), D("tied_communities", "BIGINT", "Communities of two or more."),
     D("own_region_share", "DOUBLE", "In a community whose largest region is their own."),
     D("tie_min_weight", "DOUBLE", "Tie threshold."), D("region_modularity", "DOUBLE", "Modularity of the regions."),
     D("louvain_modularity", "DOUBLE", "Modularity of Louvain."),
     D("adjusted_rand_index", "DOUBLE", "Adjusted Rand index."),
     D("normalized_mutual_info", "DOUBLE", "Normalised mutual information."),
     D("homogeneity", "DOUBLE", "Homogeneity."), D("completeness", "DOUBLE", "Completeness.")),
    "one row per standard scope")
NETWORK_SILOS = _network_table(
    "network_silos", "The answer of `silos` for each standard scope.",
    (D("level", "VARCHAR", "person or office."), D("person_id", "VARCHAR", "The person (null for an office)."),
     D("region", "VARCHAR", "Region."), D("office", "VARCHAR", "Office."), D("role", "VARCHAR", "Role."),
     D("people", "BIGINT", "People."), D("people_with_ties", "BIGINT", "People with a tie."),
     D("ties_inside", "BIGINT", "Ties inside.")),
    "one row per standard scope and silo (person or office)")
NETWORK_BRIDGES = _network_table(
    "network_bridges", "The answer of `region_bridges` for each standard scope, every bridge ranked (a request "
    "for the top N gets the first N).",
    (*NODE_COLUMNS, D("regions_reached", "BIGINT", "Other regions tied to."),
     D("cross_region_ties", "BIGINT", "Ties to other regions."),
     D("cross_region_weight", "DOUBLE", "Weight of those ties.")),
    "one row per standard scope and person tied to another region")
NETWORK_SUMMARY = _network_table(
    "network_summary", "The answer of `graph_summary` for each standard scope counting every interaction kind: "
    "by week (by_period true) and for the whole scope (by_period false).",
    (D("by_period", "BOOLEAN", "One row per week (true) or one row for the scope (false)."),
     D("period", "DATE", "The week's Monday (null: undated interactions, or the whole scope)."),
     D("nodes", "BIGINT", "People."), D("active_nodes", "BIGINT", "People with a tie."),
     D("edges", "BIGINT", "Directed ties."), D("undirected_edges", "BIGINT", "Ties."),
     D("self_loops", "BIGINT", "Self-loops."), D("density", "DOUBLE", "Density."),
     D("undirected_density", "DOUBLE", "Undirected density."), D("reciprocity", "DOUBLE", "Reciprocity."),
     D("largest_weak_nodes", "BIGINT", "Largest weak component (people)."),
     D("largest_weak_edges", "BIGINT", "Largest weak component (ties)."),
     D("largest_strong_nodes", "BIGINT", "Largest strong component (people)."),
     D("largest_strong_edges", "BIGINT", "Largest strong component (ties)."),
     D("diameter", "BIGINT", "Diameter (or lower bound)."), D("diameter_upper", "BIGINT", "Upper bound."),
     D("diameter_exact", "BOOLEAN", "Exact diameter."), D("average_clustering", "DOUBLE", "Average clustering."),
     D("triangles", "BIGINT", "Triangles."), D("tie_min_weight", "DOUBLE", "Tie threshold of that graph.")),
    "one row per standard scope, by_period and period")

# Tables a reader may fill, in load order (people first: others refer to them).
READER_TABLES: tuple[Table, ...] = (
    PEOPLE, GROUPS, MEMBERSHIPS, MESSAGES, REACTIONS, VISITS, ACTIVITY_COUNTS, INTERACTIONS, CAMPAIGN_EVENTS,
)
BOOKKEEPING_TABLES: tuple[Table, ...] = (
    PERSON_ALIASES, INGESTION_RUNS, INGESTION_FILE_STATS, REJECTED_ROWS, DIRECTORY_CONFLICTS, SOURCE_FACTS, STORE_INFO,
)
# Derived tables in build order (a table may read the ones before it).
DERIVED_TABLES: tuple[Table, ...] = (
    TZ_DAILY, MESSAGE_FACTS, PERSON_DAY_ACTIVITY, PERSON_WEEK_ACTIVITY, PERSON_FACTS, MANAGER_CHAIN, THREADS, ACTS,
)
# Network measures precomputed at publish (optional: absent, the metrics compute on demand).
NETWORK_TABLES: tuple[Table, ...] = (
    NETWORK_SCOPES, NETWORK_CENTRALITY, NETWORK_COMMUNITIES, NETWORK_MATCH, NETWORK_SILOS, NETWORK_BRIDGES,
    NETWORK_SUMMARY,
)
ALL_TABLES: tuple[Table, ...] = READER_TABLES + BOOKKEEPING_TABLES
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in ALL_TABLES + DERIVED_TABLES + NETWORK_TABLES}

# Facts a source can supply beyond its tables: "reads" (a source that reports reading/visiting) and "join_dates"
# (a source whose people carry the account's creation time: recorded by the engine when it loads people with
# joined_at); "likes" is the reactions fact.
KNOWN_FACTS = frozenset({t.fact for t in READER_TABLES if t.fact} | {"reads", "join_dates"})


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
        "# Pulso data model",
        "",
        f"Schema version **{SCHEMA_VERSION}**. Generated from `pulso/core/schema.py` by `pulso schema`; "
        "a test keeps this page in sync. Times are UTC `TIMESTAMP`s; local days, hours and weeks are computed "
        "in the organisation's time zone (the settings the store was built with, `store_info`).",
        "",
        "Readers fill the canonical tables; the ingest engine keeps the bookkeeping; every publish rebuilds the "
        "derived tables from both and from the settings (`pipelines/derived.py`, one function per table). "
        "Metrics read canonical and derived tables only. `pulso ingest` also stores the network measures of the "
        "standard scopes (last section; computed by `metrics/network_precompute.py`), which the network metrics "
        "serve when asked for one of those scopes with their default parameters.",
        "",
    ]
    for group_title, tables in (("Loaded by readers", READER_TABLES), ("Bookkeeping", BOOKKEEPING_TABLES),
                                ("Derived at every publish", DERIVED_TABLES),
                                ("Network measures precomputed at publish", NETWORK_TABLES)):
        out += [f"## {group_title}", ""]
        for t in tables:
            key = f"Key (unique): `{', '.join(t.key)}`" if t.key else "No key"
            out += [f"### `{t.name}`", "", t.meaning, "",
                    (f"Grain: {t.grain}. " if t.grain else "") + key + (f" · fact: `{t.fact}`" if t.fact else ""), "",
                    "| column | type | required | meaning |", "|---|---|---|---|"]
            out += [f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {c.meaning} |" for c in t.columns]
            out.append("")
    return "\n".join(out)
