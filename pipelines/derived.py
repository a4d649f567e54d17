"""The derived tables, rebuilt at every publish: one definition per table, in ``DERIVED`` order.

Each business rule of Pulso's vocabulary is written here once (what a thread,
a reply, an act, an action and a contribution are; which messages may be shown;
who is eligible and when; the chain of command), and declared with its meaning
beside the canonical schema (``pulso/core/schema.py``, ``DERIVED_TABLES``;
docs/data-model.md). Metrics read these tables; they never re-derive the rules.

The definitions are Ibis expressions over the store's tables (``pulso.core.expr``, built once per process),
so the same rules build the store on DuckDB at every publish (``build_derived``)
and a Parquet lake on Apache Spark (``pulso lake build --engine spark``): both
run ``build_all`` on their engine. Two tables are computed in Python from small
inputs and stored as data: ``tz_daily`` (the time zone's offsets, from
zoneinfo) and ``manager_chain`` (the chain of command, from person_facts).

Local times: every ``day``, ``created_local`` and ``*_local`` column is in the
organisation's time zone (the settings the store is built with), computed as
``ts + offset`` with the offset joined from ``tz_daily`` on the UTC day
(``pulso.core.localtime.with_local``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache

import duckdb
import ibis
import polars as pl
import pyarrow as pa

from pipelines.errors import IngestError
from pulso.core import expr as E
from pulso.core.expr import Engine, DuckDBEngine
from pulso.core.localtime import tz_daily as tz_daily_table
from pulso.core.localtime import with_local
from pulso.core.schema import (ACTS, DERIVED_TABLES, MANAGER_CHAIN, MESSAGE_FACTS, PERSON_DAY_ACTIVITY,
                               PERSON_FACTS, PERSON_WEEK_ACTIVITY, THREADS)
from pulso.core.scope import UNASSIGNED
from pulso.core.settings import Settings

T = E.table
ROLE_RANKS = ibis.table({"role": "string", "rank": "int32"}, name="role_ranks")
MAX_CHAIN_DEPTH = 30
# UTC timestamp columns whose local time a derived table computes (their span sizes tz_daily).
LOCAL_TIME_COLUMNS = (("messages", "created_at"), ("reactions", "created_at"), ("visits", "started_at"),
                      ("interactions", "occurred_at"), ("people", "joined_at"), ("people", "left_at"))


def role_ranks(settings: Settings) -> dict[str, pa.Table]:
    """The settings' role hierarchy as data (role, rank; 1 = top)."""
    return {"role_ranks": E.values_table(ROLE_RANKS.schema(),
                                         [{"role": r.name, "rank": r.rank} for r in settings.hierarchy.roles])}


@cache
def message_facts(count_private: bool = True) -> ibis.Table:
    """A message is a **reply** when it answers another message or sits in another message's thread; every
    other message starts a thread. It **may be shown** when not deleted, not direct and not in a private group
    (a group no source describes counts as private). With ``[privacy] count_private = false`` (``count_private``)
    the messages that are direct or in a private group are left out here, so no count anywhere includes them
    (every other derived table is built from this one)."""
    m = T("messages")
    m = with_local(m.mutate(is_reply=m.replied_to_id.notnull() | (m.message_id != m.thread_id)),
                   "created_at", "created_local", T("tz_daily"))
    parent = T("messages").select(_parent_id="message_id", _parent_author="author_id")
    starter = T("messages").select(_starter_id="message_id", _starter_author="author_id")
    groups = T("groups").select(_group_id="group_id", _group_private="is_private")
    j = m.left_join(parent, m.replied_to_id == parent._parent_id)
    j = j.left_join(starter, (j.thread_id == starter._starter_id) & j.replied_to_id.isnull())
    j = j.left_join(groups, j.group_id == groups._group_id)
    direct = j.is_private.coalesce(False)
    in_private_group = j.group_id.notnull() & j._group_private.coalesce(True)
    out = j.mutate(
        parent_author_id=ibis.ifelse(j.is_reply, j._parent_author.coalesce(j._starter_author), E.null("string")),
        day=j.created_local.date(), is_thread_start=~j.is_reply, is_deleted=j.deleted_at.notnull(),
        is_direct=direct, in_private_group=in_private_group,
        may_show=j.deleted_at.isnull() & ~direct & ~in_private_group,
        hashtag_count=j.hashtags.length().coalesce(0))
    if not count_private:
        out = out.filter(~(direct | in_private_group))
    return E.conform(out, MESSAGE_FACTS)


COUNTS = ("threads_started", "replies", "likes_given", "visits", "visit_seconds", "likes_received",
          "replies_received", "hashtags_used")


def _events(rel: ibis.Table, person: ibis.Value, day: ibis.Value, **counts: ibis.Value) -> ibis.Table:
    zero = ibis.literal(0, "int64")
    return rel.select(person_id=person, day=day,
                      **{name: counts.get(name, zero).cast("int64") for name in COUNTS})


@cache
def person_day_activity() -> ibis.Table:
    """An **action** is a visit, a thread started, a reply or a like given; a **contribution** is a thread
    started, a reply or a like given. A reaction without a time takes its message's day."""
    mf = T("message_facts")
    tz = T("tz_daily")
    messages = mf.select(_m_id="message_id", _m_author="author_id", _m_day="day")
    reactions = T("reactions")
    r = with_local(reactions.inner_join(messages, reactions.message_id == messages._m_id), "created_at", "_r_local", tz)
    r = r.mutate(_r_day=ibis.ifelse(r.created_at.isnull(), r._m_day, r._r_local.date()), _weight=r.weight.coalesce(1))
    given = r.filter(r.person_id.notnull())
    visits = with_local(T("visits"), "started_at", "_v_local", tz)
    answered = mf.filter(mf.is_reply & mf.parent_author_id.notnull() & (mf.parent_author_id != mf.author_id))
    events = ibis.union(
        _events(mf, mf.author_id, mf.day, threads_started=mf.is_thread_start.cast("int64"),
                replies=mf.is_reply.cast("int64"), hashtags_used=mf.hashtag_count),
        _events(given, given.person_id, given._r_day, likes_given=given._weight),
        _events(visits, visits.person_id, visits._v_local.date(), visits=ibis.literal(1),
                visit_seconds=visits.duration_seconds.coalesce(0)),
        _events(r, r._m_author, r._r_day, likes_received=r._weight),
        _events(answered, answered.parent_author_id, answered.day, replies_received=ibis.literal(1)),
        distinct=False)
    events = events.filter(events.person_id.notnull(), events.day.notnull())
    sums = {name: events[name].sum() for name in COUNTS}
    out = events.group_by("person_id", "day").aggregate(**sums)
    contributions = out.threads_started + out.replies + out.likes_given
    out = out.mutate(contributions=contributions, acted=contributions + out.visits > 0, contributed=contributions > 0)
    return E.conform(out, PERSON_DAY_ACTIVITY)


@cache
def person_week_activity() -> ibis.Table:
    """Every Monday-Sunday week in which a person acted."""
    a = T("person_day_activity")
    a = a.filter(a.acted)
    return E.conform(a.select(person_id=a.person_id, week_start=E.bucket_start(a.day, "week")).distinct(),
                     PERSON_WEEK_ACTIVITY)


@cache
def person_facts() -> ibis.Table:
    """People with never-null organisation attributes, the rank of their role and their first and last days."""
    tz = T("tz_daily")
    a = T("person_day_activity")
    days = a.group_by(_d_person=a.person_id).aggregate(
        first_action_day=a.day.min(where=a.acted), first_contribution_day=a.day.min(where=a.contributed),
        last_action_day=a.day.max(where=a.acted))
    p = with_local(with_local(T("people"), "joined_at", "_joined_local", tz), "left_at", "_left_local", tz)
    ranks = ROLE_RANKS.select(_rank_role="role", _rank="rank")
    j = p.left_join(ranks, p.role == ranks._rank_role)
    j = j.left_join(days, j.person_id == days._d_person)
    out = j.mutate(region=j.region.coalesce(UNASSIGNED), office=j.office.coalesce(UNASSIGNED),
                   role=j.role.coalesce(UNASSIGNED), role_rank=j._rank, in_directory=j.in_directory.coalesce(False),
                   is_bot=j.is_bot.coalesce(False), joined_day=j._joined_local.date(), left_day=j._left_local.date())
    return E.conform(out, PERSON_FACTS)


def manager_chain(engine: Engine) -> pa.Table:
    """Every manager above each person, with the levels up (1 = direct manager), following person_facts'
    manager_id up to 30 levels; a cycle keeps the shortest distance. Computed in Python from one row per
    person (the hierarchy is small next to the activity), the same on every engine."""
    pf = T("person_facts")
    people = engine.frame(pf.select("person_id", "manager_id"))
    manager = dict(zip(people["person_id"].to_list(), people["manager_id"].to_list()))
    persons, ancestors, depths = [], [], []
    for person, first in manager.items():
        if first is None or first == person:
            continue
        seen: set[str] = set()
        ancestor, depth = first, 1
        while True:
            if ancestor not in seen:
                seen.add(ancestor)
                persons.append(person)
                ancestors.append(ancestor)
                depths.append(depth)
            if depth >= MAX_CHAIN_DEPTH or ancestor not in manager or manager[ancestor] is None:
                break
            ancestor, depth = manager[ancestor], depth + 1
    return pa.table({"person_id": pa.array(persons, pa.string()), "ancestor_id": pa.array(ancestors, pa.string()),
                     "depth": pa.array(depths, pa.int32())})


@cache
def threads() -> ibis.Table:
    """A thread **counts** when its starter is not deleted and not direct; it is **answered** by the first
    non-deleted reply from someone else who is not a bot, at or after its start."""
    mf = T("message_facts")
    people = T("people")
    starts = mf.filter(mf.is_thread_start)
    answers = mf.filter(mf.is_reply & ~mf.is_deleted)
    replies = answers.group_by(_c_thread=answers.thread_id).aggregate(_replies=answers.count())
    s = starts.select(_s_id="message_id", _s_author="author_id", _s_at="created_at")
    r = answers.select(_r_thread="thread_id", _r_at="created_at", _r_local="created_local", _r_author="author_id",
                       _r_id="message_id")
    repliers = people.select(_rp_id="person_id", _rp_bot="is_bot")
    f = s.inner_join(r, s._s_id == r._r_thread)
    f = f.inner_join(repliers, f._r_author == repliers._rp_id)
    f = f.filter(f._r_author != f._s_author, ~f._rp_bot.coalesce(False), f._r_at >= f._s_at)
    f = f.mutate(_n=ibis.row_number().over(group_by=f._s_id, order_by=[f._r_at, f._r_id]))
    firsts = f.filter(f._n == 0).select(_f_thread="_s_id", _f_at="_r_at", _f_local="_r_local", _f_author="_r_author")
    x = T("reactions")
    likers = people.select(_xp_id="person_id", _xp_bot="is_bot")
    started = starts.select(_ls_id="message_id")
    liked = x.inner_join(started, x.message_id == started._ls_id)
    liked = liked.left_join(likers, liked.person_id == likers._xp_id)
    liked = liked.filter(~liked._xp_bot.coalesce(False))
    likes = liked.group_by(_l_thread=liked.message_id).aggregate(_likes=liked.weight.coalesce(1).cast("int64").sum())
    j = starts.left_join(replies, starts.message_id == replies._c_thread)
    j = j.left_join(likes, j.message_id == likes._l_thread)
    j = j.left_join(firsts, j.message_id == firsts._f_thread)
    out = j.mutate(thread_id=j.message_id, counts=~j.is_deleted & ~j.is_direct, replies=j._replies.coalesce(0),
                   likes=j._likes.coalesce(0), first_reply_at=j._f_at, first_reply_local=j._f_local,
                   first_replier_id=j._f_author,
                   hours_to_first_reply=j._f_at.delta(j.created_at, unit="microsecond") / 3_600_000_000)
    return E.conform(out, THREADS)


def _acts(rel: ibis.Table, source, target, kind: str, weight, at, local, day, group, message, is_self) -> ibis.Table:
    return rel.select(source_person_id=source, target_person_id=target, kind=ibis.literal(kind) if isinstance(
        kind, str) else kind, weight=weight.cast("float64"), occurred_at=at, occurred_local=local, day=day,
        group_id=group, message_id=message, is_self=is_self)


@cache
def acts() -> ibis.Table:
    """Replies (replier -> author answered), mentions (author -> each person mentioned), likes (reactor ->
    author, the reaction's weight; the reactor is empty where the source only gives a count) and generic
    interactions (their own kind and weight)."""
    mf = T("message_facts")
    tz = T("tz_daily")
    one = ibis.literal(1.0, "float64")
    answered = mf.filter(mf.is_reply & mf.parent_author_id.notnull())
    messages = T("messages")
    said = messages.filter(messages.mentions.length() > 0)
    mentioned = said.select(_u_id=said.message_id, _mentioned=said.mentions.unnest())
    mentions = mentioned.inner_join(mf, mentioned._u_id == mf.message_id)
    facts = mf.select(_m_id="message_id", _m_author="author_id", _m_day="day", _m_group="group_id")
    reactions = T("reactions")
    likes = with_local(reactions.inner_join(facts, reactions.message_id == facts._m_id), "created_at", "_r_local", tz)
    interactions = with_local(T("interactions"), "occurred_at", "_i_local", tz)
    out = ibis.union(
        _acts(answered, answered.author_id, answered.parent_author_id, "reply", one, answered.created_at,
              answered.created_local, answered.day, answered.group_id, answered.message_id,
              answered.author_id == answered.parent_author_id),
        _acts(mentions, mentions.author_id, mentions._mentioned, "mention", one, mentions.created_at,
              mentions.created_local, mentions.day, mentions.group_id, mentions.message_id,
              mentions.author_id == mentions._mentioned),
        _acts(likes, likes.person_id, likes._m_author, "like", likes.weight.coalesce(1), likes.created_at,
              likes._r_local, likes._r_local.date().coalesce(likes._m_day), likes._m_group, likes._m_id,
              (likes.person_id == likes._m_author).coalesce(False)),
        _acts(interactions, interactions.source_person_id, interactions.target_person_id, interactions.kind,
              interactions.weight.coalesce(1), interactions.occurred_at, interactions._i_local,
              interactions._i_local.date(), E.null("string"), E.null("string"),
              interactions.source_person_id == interactions.target_person_id),
        distinct=False)
    return E.conform(out, ACTS)


def tz_daily(engine: Engine, settings: Settings) -> pa.Table:
    """The settings' time zone over the span of every timestamp a derived table converts."""
    span = engine.frame(utc_span())
    first, last = span["first"][0], span["last"][0]
    return tz_daily_table(settings.timezone, E.as_date(first), E.as_date(last))


# name -> builder(engine, settings): an Ibis expression over the store's tables, or an Arrow table computed in Python.
Builder = Callable[[Engine, Settings], "ibis.Table | pa.Table"]
DERIVED: dict[str, Builder] = {
    "tz_daily": tz_daily,
    "message_facts": lambda engine, settings: message_facts(settings.privacy.count_private),
    "person_day_activity": lambda engine, settings: person_day_activity(),
    "person_week_activity": lambda engine, settings: person_week_activity(),
    "person_facts": lambda engine, settings: person_facts(),
    "manager_chain": lambda engine, settings: manager_chain(engine),
    "threads": lambda engine, settings: threads(),
    "acts": lambda engine, settings: acts(),
}
assert list(DERIVED) == [t.name for t in DERIVED_TABLES], "build order must follow the declarations"
assert MANAGER_CHAIN.name in DERIVED


@cache
def utc_span() -> ibis.Table:
    """One row: the first and last UTC time of any timestamp a derived table converts to local time."""
    parts = []
    for table_name, column in LOCAL_TIME_COLUMNS:
        t = T(table_name)
        parts.append(t.aggregate(lo=t[column].min(), hi=t[column].max()))
    u = ibis.union(*parts, distinct=False)
    return u.aggregate(first=u.lo.min(), last=u.hi.max())


@cache
def outside_time_zone_table() -> ibis.Table:
    """One row per converted timestamp column: how many of its values fall outside ``tz_daily`` (they would get
    no offset, hence no local time)."""
    tz = T("tz_daily")
    bounds = tz.aggregate(_lo=tz.utc_day.min(), _hi=tz.utc_day.max())
    parts = []
    for table_name, column in LOCAL_TIME_COLUMNS:
        t = T(table_name).cross_join(bounds)
        day = t[column].date()
        outside = t[column].notnull() & (t._lo.isnull() | (day < t._lo) | (day > t._hi))
        parts.append(t.aggregate(table=ibis.literal(table_name), column=ibis.literal(column),
                                 outside=E.count_where(t, outside)))
    return ibis.union(*parts, distinct=False)


@cache
def span_days() -> ibis.Table:
    """One row: the first and last local day with any dated fact (activity, acts or calendar events)."""
    a, x, c = T("person_day_activity"), T("acts"), T("campaign_events")
    u = ibis.union(a.aggregate(lo=a.day.min(), hi=a.day.max()), x.aggregate(lo=x.day.min(), hi=x.day.max()),
                   c.aggregate(lo=c.event_date.min(), hi=c.event_date.max()), distinct=False)
    return u.aggregate(first=u.lo.min(), last=u.hi.max())


def build_all(engine: Engine, settings: Settings, on_table: Callable[[str], None] | None = None
              ) -> tuple[date, date] | None:
    """Build every derived table on ``engine`` with ``settings``, in order; return the data's span of local days.
    Raises IngestError when a timestamp falls outside the time-zone table (it would have no local time)."""
    inputs = role_ranks(settings)
    for name, build in DERIVED.items():
        engine.create(name, build(engine, settings), inputs)
        if name == "tz_daily":
            outside = engine.frame(outside_time_zone_table()).filter(pl.col("outside") > 0)
            if outside.height:
                row = outside.row(0, named=True)
                raise IngestError(None, f"{row['outside']} values of {row['table']}.{row['column']} fall outside the "
                                        f"time-zone table built for {settings.timezone}: they would have no local time")
        if on_table:
            on_table(name)
    span = engine.frame(span_days())
    first, last = span["first"][0], span["last"][0]
    return None if first is None else (first, last)


def data_span_days(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(first, last) local day with any dated fact: activity, acts or calendar events."""
    span = DuckDBEngine(con).frame(span_days())
    return None if span["first"][0] is None else (span["first"][0], span["last"][0])


def build_derived(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rebuild every derived table of the store on ``con`` with ``settings`` and record the data's span of days
    in store_info."""
    from pipelines.store import set_info

    span = build_all(DuckDBEngine(con), settings)
    set_info(con, data_first_day=span[0].isoformat() if span else "",
             data_last_day=span[1].isoformat() if span else "")
