"""A year of simulated activity, vectorised (no Python loop per event).

Times: each event gets a local day drawn from the daily curve
(calendar.day_weights) restricted to its person's active window, a local hour
from working-hour weights, then is converted to UTC with the day's offset.
Messages: 38% thread starters, the rest replies; a reply answers the thread
starter (70%) or the previous message of the thread (30%), so its thread_id is
always its parent's. Reply authors: the starter's manager 35% (answers flow
down), a peer with the same manager 20% (across), a direct report 10% (up),
anyone who writes 35%; in a private group, a random member.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.sample import calendar
from pipelines.sample.people import Accounts
from pipelines.sample.text import TOPIC_KEYS, message_texts

DEVICES = np.array(["web", "android", "ios", "windows"])
DEVICE_P = np.array([0.45, 0.35, 0.15, 0.05])


class Clock:
    """Day sampling within windows, and local → UTC epoch seconds."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.day_list = calendar.days()
        w = calendar.day_weights(self.day_list)
        self.cdf = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
        self.offsets = calendar.utc_offsets_seconds(self.day_list)
        self.day0 = int(np.datetime64(calendar.LAUNCH.isoformat(), "s").astype(np.int64))
        hw = calendar.HOUR_WEIGHTS
        self.hour_p = hw / hw.sum()

    def days(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        lo, hi = self.cdf[first], self.cdf[last + 1]
        u = lo + self.rng.random(len(first)) * (hi - lo)
        return np.clip(np.searchsorted(self.cdf, u, side="right") - 1, first, last)

    def stamps(self, day: np.ndarray) -> np.ndarray:
        """UTC epoch seconds for local working-hour times on the given day indices."""
        hour = self.rng.choice(24, size=len(day), p=self.hour_p)
        local = hour * 3600 + self.rng.integers(0, 3600, len(day))
        return self.day0 + day * 86400 + local + self.offsets[day]

    @property
    def end_utc(self) -> int:
        """Last second of the last local day, in UTC."""
        return self.day0 + len(self.day_list) * 86400 + int(self.offsets[-1]) - 1


def to_datetime(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(np.asarray(seconds, dtype=np.int64)), time_unit="s").cast(pl.Datetime("us"))


def sequence_ids(prefix: str, count: int) -> pl.Series:
    """prefix + 1..count, zero-padded to the width of ``count`` (so they sort in order)."""
    width = len(str(count))
    return pl.select(pl.format(prefix + "{}", pl.int_range(1, count + 1).cast(pl.String).str.zfill(width))).to_series()


def _pick(rng: np.random.Generator, pool: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    p = weights[pool] / weights[pool].sum()
    return pool[rng.choice(len(pool), size=size, p=p)]


def _group_members(keys: np.ndarray, valid: np.ndarray):
    """For grouping people by ``keys`` (e.g. manager index): sorted people, start and size per key."""
    order = np.flatnonzero(valid)
    order = order[np.argsort(keys[order], kind="stable")]
    sorted_keys = keys[order]
    n = len(keys)
    start = np.searchsorted(sorted_keys, np.arange(n + 1), side="left")
    return order, start[:-1], start[1:] - start[:-1]


def _random_member(rng, order, start, size, key: np.ndarray) -> np.ndarray:
    """A random person whose group key is ``key`` (-1 where that group is empty)."""
    ok = (key >= 0)
    k = np.where(ok, key, 0)
    cnt = size[k]
    has = ok & (cnt > 0)
    pos = start[k] + (rng.random(len(key)) * np.maximum(cnt, 1)).astype(np.int64)
    return np.where(has, order[np.minimum(pos, len(order) - 1)], -1)


def messages(acc: Accounts, groups: pl.DataFrame, members: dict[str, np.ndarray], count: int,
             clock: Clock, rng: np.random.Generator) -> pl.DataFrame:
    org = acc.org
    n_threads = max(1, round(count * 0.38))
    n_replies = count - n_threads
    writers = np.flatnonzero(acc.write_w > 0)
    human_writers = writers[~org["is_bot"].to_numpy()[writers]]
    # thread starters
    author = _pick(rng, writers, acc.write_w, n_threads)
    ts = clock.stamps(clock.days(acc.first_day[author], acc.last_day[author]))
    topic = rng.choice(len(TOPIC_KEYS), size=n_threads, p=np.array([18, 16, 12, 12, 14, 12, 8, 8]) / 100)
    place = rng.random(n_threads)
    group_ids = groups["group_id"].to_list()
    topic_group = np.array([group_ids.index(f"G{t + 1:02d}") for t in range(len(TOPIC_KEYS))])
    region_of = org["region"].to_list()
    region_group = np.array([group_ids.index(gid) if (gid := _region_gid(groups, r)) else -1 for r in region_of])
    private_idx = {gid: group_ids.index(gid) for gid in members}
    group = np.where(place < 0.45, topic_group[topic], -1)
    group = np.where((place >= 0.45) & (place < 0.65), region_group[author], group)
    for gid, member_rows in members.items():
        is_member = np.isin(author, member_rows) & (place >= 0.85) & (group == -1)
        group = np.where(is_member, private_idx[gid], group)
    # replies
    popularity = rng.gamma(0.6, 1.0, n_threads)
    thread = rng.choice(n_threads, size=n_replies, p=popularity / popularity.sum())
    delay = (rng.exponential(6 * 3600, n_replies) + 120).astype(np.int64)
    r_ts = np.minimum(ts[thread] + delay, clock.end_utc)
    starter_author = author[thread]
    m_order, m_start, m_size = _group_members(acc.manager, acc.write_w > 0)
    mix = rng.random(n_replies)
    boss = acc.manager[starter_author]
    boss = np.where((boss >= 0) & (acc.write_w[np.maximum(boss, 0)] > 0), boss, -1)
    peer = _random_member(rng, m_order, m_start, m_size, acc.manager[starter_author])
    report = _random_member(rng, m_order, m_start, m_size, starter_author)
    anyone = _pick(rng, human_writers, acc.write_w, n_replies)
    r_author = np.where(mix < 0.35, boss, np.where(mix < 0.55, peer, np.where(mix < 0.65, report, anyone)))
    r_author = np.where(r_author < 0, anyone, r_author)
    # an author must have an open, non-dormant account on the reply's day: re-draw (a few rounds) where not
    r_day = (r_ts - clock.day0 - clock.offsets[0]) // 86400
    for _ in range(5):
        bad = (r_day < acc.first_day[r_author]) | (r_day > acc.last_day[r_author])
        if not bad.any():
            break
        r_author = np.where(bad, _pick(rng, human_writers, acc.write_w, n_replies), r_author)
    r_group = group[thread]
    for gid, member_rows in members.items():
        here = r_group == private_idx[gid]
        r_author = np.where(here, member_rows[rng.integers(0, len(member_rows), n_replies)], r_author)
    frame = pl.DataFrame({
        "thread_n": np.concatenate([np.arange(n_threads), thread]),
        "is_reply": np.concatenate([np.zeros(n_threads, bool), np.ones(n_replies, bool)]),
        "author": np.concatenate([author, r_author]),
        "ts": np.concatenate([ts, r_ts]),
        "group": np.concatenate([group, r_group]),
        "topic": np.concatenate([topic, topic[thread]]),
        "to_previous": np.concatenate([np.zeros(n_threads, bool), rng.random(n_replies) < 0.3]),
        "starter_author": np.concatenate([author, starter_author]),
    }).sort(["ts", "is_reply", "thread_n"])
    frame = frame.with_columns(message_id=sequence_ids("M", count))
    frame = frame.with_columns(
        thread_id=pl.col("message_id").filter(~pl.col("is_reply")).first().over("thread_n"),
        previous=pl.col("message_id").shift(1).over("thread_n", order_by=["ts", "is_reply"]),
    ).with_columns(
        replied_to_id=pl.when(~pl.col("is_reply")).then(None)
        .when(pl.col("to_previous")).then(pl.col("previous")).otherwise(pl.col("thread_id")),
    )
    n = frame.height
    texts = message_texts(rng, frame["topic"].to_numpy(), frame["is_reply"].to_numpy())
    ids = org["person_id"]
    created = frame["ts"].to_numpy()
    edited = rng.random(n) < 0.04
    deleted = rng.random(n) < 0.01
    mention_some = rng.random(n) < 0.08
    humans = np.flatnonzero(acc.human)
    mention_target = np.where(frame["is_reply"].to_numpy(), frame["starter_author"].to_numpy(),
                              humans[rng.integers(0, len(humans), n)])
    group_col = frame["group"].to_numpy()
    return pl.DataFrame({
        "message_id": frame["message_id"],
        "thread_id": frame["thread_id"],
        "replied_to_id": frame["replied_to_id"],
        "group_id": pl.Series(group_ids + [None], dtype=pl.String).gather(
            np.where(group_col < 0, len(group_ids), group_col)),
        "author_id": ids.gather(frame["author"].to_numpy()),
        "created_at": to_datetime(created),
        "edited_at": to_datetime(np.minimum(created + rng.integers(60, 7200, n), clock.end_utc)),
        "deleted_at": to_datetime(np.minimum(created + rng.integers(3600, 5 * 86400, n), clock.end_utc)),
        "is_private": np.zeros(n, dtype=bool),
        "title": texts["title"],
        "body": texts["body"],
        "hashtags": texts["hashtags"],
        "mentions": ids.gather(mention_target),
        "_edited": edited, "_deleted": deleted, "_mention": mention_some,
    }).with_columns(
        edited_at=pl.when("_edited").then("edited_at"),
        deleted_at=pl.when("_deleted").then("deleted_at"),
        mentions=pl.when("_mention").then("mentions"),
        body=pl.when("_mention").then(pl.concat_str([pl.lit("@"), pl.col("mentions"), pl.lit(" "), pl.col("body")]))
        .otherwise("body"),
    ).drop("_edited", "_deleted", "_mention")


def _region_gid(groups: pl.DataFrame, region: str | None) -> str | None:
    if region is None:
        return None
    hit = groups.filter(pl.col("name") == f"Región {region}")
    return hit["group_id"][0] if hit.height else None


def reactions(acc: Accounts, msgs: pl.DataFrame, private_groups: set[str], count: int, clock: Clock,
              rng: np.random.Generator) -> pl.DataFrame:
    """Likes: message ∝ a heavy-tailed appeal, person ∝ reading propensity; at most one like per person and message."""
    public = msgs.filter(pl.col("deleted_at").is_null() & ~pl.col("group_id").is_in(list(private_groups)).fill_null(False))
    appeal = rng.gamma(0.5, 1.0, public.height)
    appeal_p = appeal / appeal.sum()
    readers = np.flatnonzero(acc.read_w > 0)
    read_p = acc.read_w[readers] / acc.read_w[readers].sum()
    created = public["created_at"].dt.epoch("s").to_numpy()
    created_day = (created - clock.day0 - clock.offsets[0]) // 86400
    pairs = np.empty((0, 2), dtype=np.int64)
    while len(pairs) < count:
        need = int((count - len(pairs)) * 1.1) + 10
        new = np.stack([rng.choice(public.height, size=need, p=appeal_p),
                        readers[rng.choice(len(readers), size=need, p=read_p)]], axis=1)
        # nobody likes a message posted after their account closed
        new = new[created_day[new[:, 0]] <= acc.last_day[new[:, 1]]]
        both = np.concatenate([pairs, new])
        _, first = np.unique(both[:, 0] * len(acc.read_w) + both[:, 1], return_index=True)
        pairs = both[np.sort(first)]
    pairs = pairs[:count]
    # a like falls after the message, inside the reacting person's account window
    person = pairs[:, 1]
    opens = clock.day0 + acc.first_day[person] * 86400 + clock.offsets[acc.first_day[person]]
    closes = clock.day0 + (acc.last_day[person] + 1) * 86400 + clock.offsets[acc.last_day[person]] - 1
    ts = np.maximum(created[pairs[:, 0]] + (rng.exponential(86400, count) + 30).astype(np.int64), opens)
    ts = np.minimum(np.minimum(ts, closes), clock.end_utc)
    msg_ids = public["message_id"].gather(pairs[:, 0])
    people = acc.org["person_id"].gather(pairs[:, 1])
    return pl.DataFrame({"message_id": msg_ids, "person_id": people, "created_at": to_datetime(ts)}).select(
        reaction_id=pl.concat_str(["message_id", "person_id", pl.lit("like")], separator=":"),
        message_id="message_id", person_id="person_id", kind=pl.lit("like"), created_at="created_at",
        weight=pl.lit(1, dtype=pl.Int32),
    ).sort("created_at", "reaction_id")


def visits(acc: Accounts, count: int, clock: Clock, rng: np.random.Generator) -> pl.DataFrame:
    readers = np.flatnonzero(acc.read_w > 0)
    who = readers[rng.choice(len(readers), size=count, p=acc.read_w[readers] / acc.read_w[readers].sum())]
    ts = clock.stamps(clock.days(acc.first_day[who], acc.last_day[who]))
    order = np.argsort(ts, kind="stable")  # ids follow time; each person keeps their own times
    who, ts = who[order], ts[order]
    duration = np.minimum(rng.lognormal(np.log(240), 0.9, count), 4 * 3600).astype(np.int32)
    return pl.DataFrame({
        "visit_id": sequence_ids("V", count),
        "person_id": acc.org["person_id"].gather(who),
        "started_at": to_datetime(ts),
        "duration_seconds": duration,
        "device": DEVICES[rng.choice(len(DEVICES), size=count, p=DEVICE_P)],
    })


def interactions(acc: Accounts, count: int, clock: Clock, rng: np.random.Generator) -> pl.DataFrame:
    """E-mail metadata: a person writes to their manager (60%) or a manager to a direct report (40%)."""
    pool = np.flatnonzero(acc.human & (acc.manager >= 0) & acc.human[np.maximum(acc.manager, 0)])
    who = pool[rng.integers(0, len(pool), count)]
    up = rng.random(count) < 0.6
    src = np.where(up, who, acc.manager[who])
    dst = np.where(up, acc.manager[who], who)
    ts = clock.stamps(clock.days(acc.first_day[who], acc.last_day[who]))
    order = np.argsort(ts, kind="stable")
    src, dst, ts = src[order], dst[order], ts[order]
    ids = acc.org["person_id"]
    return pl.DataFrame({
        "interaction_id": sequence_ids("I", count),
        "source_person_id": ids.gather(src), "target_person_id": ids.gather(dst),
        "kind": ["email"] * count, "occurred_at": to_datetime(ts), "weight": np.ones(count),
    })
