"""Groups and memberships of the sample.

Groups: one public group per topic (G01..G08), one public group per region
("Región <name>"), and two private groups: "Dirección y gerentes regionales"
(everyone ranked 1-4 with an account) and "Comité de seguridad" (sub-directors,
regional managers and one office manager in ten). Every account joins their
region's group; each topic group is joined by 25% of people (60% of managers).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.sample.people import Accounts
from pipelines.sample.text import TOPIC_KEYS, TOPICS

PRIVATE = ("GP1", "GP2")


def build_groups(regions: list[str], launch_ts: str) -> pl.DataFrame:
    rows = [(f"G{i + 1:02d}", TOPICS[k][0], f"Conversación sobre {TOPICS[k][0].lower()}", False)
            for i, k in enumerate(TOPIC_KEYS)]
    rows += [(f"GR{i + 1:02d}", f"Región {r}", f"Noticias y buenas prácticas de la región {r}", False)
             for i, r in enumerate(regions)]
    rows += [("GP1", "Dirección y gerentes regionales", "Seguimiento comercial de la dirección", True),
             ("GP2", "Comité de seguridad", "Incidentes y protocolos de seguridad", True)]
    return pl.DataFrame({
        "group_id": [r[0] for r in rows], "name": [r[1] for r in rows], "description": [r[2] for r in rows],
        "is_private": [r[3] for r in rows],
    }).with_columns(created_at=pl.lit(launch_ts).str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us"))


def private_members(acc: Accounts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    human = acc.human
    gp1 = np.flatnonzero(human & (acc.rank <= 4))
    gp2 = np.flatnonzero(human & ((acc.rank == 3) | (acc.rank == 4) | ((acc.rank == 5) & (rng.random(len(human)) < 0.1))))
    return {"GP1": gp1, "GP2": gp2}


def memberships(acc: Accounts, groups: pl.DataFrame, private: dict[str, np.ndarray],
                rng: np.random.Generator) -> pl.DataFrame:
    org = acc.org
    ids = org["person_id"]
    accounts = np.flatnonzero(acc.on_platform & ~org["is_bot"].to_numpy())
    region_gid = {name.removeprefix("Región "): gid for gid, name in zip(groups["group_id"], groups["name"])
                  if name.startswith("Región ")}
    person_rows, group_rows = [], []
    regions = org["region"].to_list()
    reg = np.array([region_gid.get(regions[i]) for i in accounts], dtype=object)
    has = reg != None  # noqa: E711
    person_rows.append(accounts[has])
    group_rows.append(reg[has].astype(str))
    for i in range(len(TOPIC_KEYS)):
        p = np.where(acc.rank[accounts] <= 5, 0.6, 0.25)
        pick = accounts[rng.random(len(accounts)) < p]
        person_rows.append(pick)
        group_rows.append(np.full(len(pick), f"G{i + 1:02d}"))
    for gid, rows in private.items():
        person_rows.append(rows)
        group_rows.append(np.full(len(rows), gid))
    who = np.concatenate(person_rows)
    return pl.DataFrame({
        "group_id": np.concatenate(group_rows),
        "person_id": ids.gather(who),
        "joined_at": org["joined_at"].gather(who),
    }).sort("group_id", "person_id")


__all__ = ["build_groups", "memberships", "private_members", "PRIVATE"]
