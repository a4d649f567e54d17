"""The sample's ground truth for evaluating activity alerts: which offices the generator silenced, and when.

``silent_offices(people, events, seed)`` replays the generator's first, deterministic steps (the same random
draws, in the same order, as ``build_tables``) and returns one row per office that went dormant: office,
region, people (directory people of the office), last_active_day (the last local day its people could act)
and silent_from (the day after: from then on the office has no action at all). The generator silences whole
offices only (3 % of them, at least one, on a day between months 3 and 7); it makes no partial drops, so any
other alert on the sample is a false alarm. The data files are not touched.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.sample import activity, calendar
from pipelines.sample.organization import build_organization
from pipelines.sample.people import build_accounts


def silent_offices(people: int, events: int, seed: int) -> pl.DataFrame:
    """office, region, people, last_active_day, silent_from -- as the sample generated with these arguments."""
    from pipelines.sample import split_events

    split_events(events)  # the same validation as the generator (the draws below do not depend on events)
    rng = np.random.default_rng(seed)
    org = build_organization(people, rng)
    clock = activity.Clock(rng)
    accounts = build_accounts(org, rng, len(clock.day_list))
    directory = accounts.org.filter(pl.col("in_directory") & pl.col("office").is_not_null())
    sizes = dict(directory.group_by("office").agg(pl.len()).iter_rows())
    regions = dict(directory.select("office", "region").unique().iter_rows())
    rows = [{"office": office, "region": regions[office], "people": int(sizes[office]),
             "last_active_day": calendar.LAUNCH + timedelta(days=day),
             "silent_from": calendar.LAUNCH + timedelta(days=day + 1)}
            for office, day in sorted(accounts.dormant_offices.items())]
    return pl.DataFrame(rows, schema={"office": pl.String, "region": pl.String, "people": pl.Int64,
                                      "last_active_day": pl.Date, "silent_from": pl.Date})
