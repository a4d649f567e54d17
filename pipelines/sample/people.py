"""Platform accounts of the sample: who joined when, who left, who went quiet,
and how much each person reads and writes.

Definitions: managers join at the pilot launch; staff join after the
credentials are sent (exponential delay, mean 10 days). About 4% of the
directory never get an account. Participation is heavy-tailed: reading
propensity is log-normal, writing propensity is Pareto and about 70% of staff
never write (Pareto weights capped at 25). A few offices (3%, at least one) go dormant: their people stop all
activity on a day between months 3 and 7. Each person's active window is
[join day, last day] (day indices into the year).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pipelines.sample import calendar

ROLE_RANK = {"business director": 1, "sales director": 2, "sales sub-director": 3, "regional manager": 4,
             "office manager": 5, "staff": 6}
ROLE_WRITE = {1: 4.0, 2: 3.0, 3: 3.0, 4: 3.0, 5: 1.5, 6: 0.6}


@dataclass
class Accounts:
    org: pl.DataFrame          # organisation plus platform columns, one row per person
    rank: np.ndarray           # 1..6, 9 for people outside the hierarchy
    manager: np.ndarray        # row index of the manager, -1 if none
    on_platform: np.ndarray    # has an account
    human: np.ndarray          # on platform, not a bot, active (not pending)
    first_day: np.ndarray      # first active day index
    last_day: np.ndarray       # last active day index
    read_w: np.ndarray         # reading propensity (0 for no activity)
    write_w: np.ndarray        # writing propensity (0 for never writes)
    dormant_offices: dict[str, int] = field(default_factory=dict)  # office -> its last active day index


def build_accounts(org: pl.DataFrame, rng: np.random.Generator, n_days: int) -> Accounts:
    n = org.height
    rank = np.array([ROLE_RANK.get(r, 9) if r else 9 for r in org["role"].to_list()])
    index = {pid: i for i, pid in enumerate(org["person_id"].to_list())}
    manager = np.array([index.get(m, -1) if m else -1 for m in org["manager_id"].to_list()])
    is_bot = org["is_bot"].to_numpy()
    in_dir = org["in_directory"].to_numpy()
    on_platform = ~in_dir | (rank <= 4) | (rng.random(n) >= 0.04)
    pending = on_platform & ~is_bot & (rank >= 5) & (rng.random(n) < 0.02)
    human = on_platform & ~is_bot & ~pending
    launch_delay = (calendar.CREDENTIALS - calendar.LAUNCH).days
    first = np.where(rank <= 5, rng.integers(0, 4, n),
                     launch_delay + np.minimum(rng.exponential(10.0, n).astype(np.int64), 200))
    first = np.where(~in_dir & ~is_bot, rng.integers(0, 90, n), first)
    first = np.where(is_bot, 0, first)
    last = np.full(n, n_days - 1)
    leavers = human & (rank == 6) & (rng.random(n) < 0.03)
    leave_day = rng.integers(n_days // 2, n_days - 1, n)
    last = np.where(leavers, np.maximum(leave_day, first + 1), last)
    # dormant offices
    offices = org["office"].to_numpy()
    office_names = np.array(sorted({o for o in offices if o is not None}))
    n_dormant = max(1, round(len(office_names) * 0.03))
    dormant = rng.choice(office_names, size=n_dormant, replace=False)
    dormant_day = dict(zip(dormant, rng.integers(90, 210, n_dormant)))
    is_dormant = np.array([o in dormant_day for o in offices])
    stop = np.array([dormant_day.get(o, n_days - 1) for o in offices])
    last = np.where(is_dormant, np.minimum(last, np.maximum(stop, first + 1)), last)
    first = np.minimum(first, n_days - 1)
    last = np.minimum(np.maximum(last, first), n_days - 1)
    read_w = np.where(human, rng.lognormal(0.0, 1.0, n), 0.0)
    writes = human & ((rank <= 4) | (rng.random(n) < 0.3))
    heavy = np.minimum(rng.pareto(1.3, n) + 0.2, 25.0)
    write_w = np.where(writes, heavy * np.array([ROLE_WRITE.get(r, 1.0) for r in rank]), 0.0)
    write_w = np.where(is_bot, 2.0, write_w)
    # profile fields: name always; photo, job title, location, about each filled with some chance
    photo, title, location, about = (rng.random((4, n)) < np.array([[0.6], [0.8], [0.7], [0.3]]))
    completeness = (1 + photo.astype(int) + title + location + about) / 5.0
    day0 = int(np.datetime64(calendar.LAUNCH.isoformat(), "s").astype(np.int64))
    # accounts open at 09:00-12:00 local (15:00-18:00 UTC); leavers' accounts close the day after their last
    joined_at = day0 + first * 86400 + 15 * 3600 + rng.integers(0, 3 * 3600, n)
    left_at = day0 + (last + 1) * 86400 + 15 * 3600
    state = np.where(pending, "pending", np.where(leavers, "deleted", "active"))
    extra = pl.DataFrame({
        "joined_at": pl.from_epoch(pl.Series(joined_at), time_unit="s").cast(pl.Datetime("us")),
        "left_at": pl.from_epoch(pl.Series(left_at), time_unit="s").cast(pl.Datetime("us")),
        "leaver": leavers,
        "state": state,
        "profile_completeness": completeness,
        "has_title": title,
        "has_location": location,
        "on_platform": on_platform,
        "dormant_office": is_dormant,
    })
    org = pl.concat([org, extra], how="horizontal")
    return Accounts(org, rank, manager, on_platform, human, first, last, read_w, write_w,
                    {str(o): int(d) for o, d in dormant_day.items()})
