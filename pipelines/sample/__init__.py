"""A deterministic sample organisation modelled on a Mexican microfinance bank.

``generate_sample(out_dir, people=..., events=..., seed=..., file_format=...)``
writes ``out_dir/export/`` (Pulso export files: people, groups, memberships,
messages, reactions, visits, interactions, campaign_events),
``out_dir/directory.csv`` (the HR directory) and ``out_dir/checksums.sha256``.
``events`` is the exact total of messages + reactions + visits (7% messages,
13% reactions, the rest visits). The same arguments always give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines.sample import activity, calendar
from pipelines.sample.groups import build_groups, memberships, private_members
from pipelines.sample.organization import REGIONS, build_organization, sizes
from pipelines.sample.people import build_accounts
from pipelines.sample.writer import FORMATS, write_directory, write_manifest, write_table

DEFAULT_PEOPLE = 2200
DEFAULT_EVENTS = 150_000
DEFAULT_SEED = 20251117
DEFAULT_FORMAT = "csv.gz"
MIN_EVENTS = 100


def split_events(events: int) -> tuple[int, int, int]:
    """(messages, reactions, visits) summing exactly to ``events``."""
    if events < MIN_EVENTS:
        raise ValueError(f"events must be at least {MIN_EVENTS}")
    m = round(events * 0.07)
    r = round(events * 0.13)
    return m, r, events - m - r


def build_tables(people: int, events: int, seed: int) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """All export tables (canonical columns) and the organisation frame (for the directory)."""
    rng = np.random.default_rng(seed)
    n_messages, n_reactions, n_visits = split_events(events)
    org = build_organization(people, rng)
    clock = activity.Clock(rng)
    acc = build_accounts(org, rng, len(clock.day_list))
    regions = list(REGIONS)[: sizes(people)["regions"]]
    groups = build_groups(regions, f"{calendar.LAUNCH.isoformat()} 12:00:00")
    private = private_members(acc, rng)
    msgs = activity.messages(acc, groups, private, n_messages, clock, rng)
    org = acc.org
    people_table = org.filter(pl.col("on_platform")).select(
        "person_id", "email", "display_name", "joined_at",
        left_at=pl.when(pl.col("leaver")).then(pl.col("left_at")),
        state="state", profile_completeness="profile_completeness",
        job_title=pl.when(pl.col("has_title")).then(
            pl.col("role").replace_strict(ROLE_TITLES, default="Consultor externo")),
        platform_department=pl.when(pl.col("in_directory")).then(pl.lit("Red comercial")),
        platform_location=pl.when(pl.col("has_location")).then(pl.col("office").fill_null(pl.col("region"))),
        in_directory=pl.when(~pl.col("in_directory")).then(pl.lit(False)),
        is_bot="is_bot",
    ).with_columns(
        job_title=pl.when(pl.col("is_bot")).then(pl.lit("Integración")).otherwise("job_title"))
    tables = {
        "people": people_table,
        "groups": groups,
        "memberships": memberships(acc, groups, private, rng),
        "messages": msgs,
        "reactions": activity.reactions(acc, msgs, set(private), n_reactions, clock, rng),
        "visits": activity.visits(acc, n_visits, clock, rng),
        "interactions": activity.interactions(acc, max(20, people // 5), clock, rng),
        "campaign_events": calendar.campaign_frame(),
    }
    return tables, org


ROLE_TITLES = {
    "business director": "Director de Negocio", "sales director": "Director de Ventas",
    "sales sub-director": "Subdirector de Ventas", "regional manager": "Gerente Regional",
    "office manager": "Gerente de Sucursal", "staff": "Asesor de Crédito",
}


def generate_sample(out_dir: Path, people: int = DEFAULT_PEOPLE, events: int = DEFAULT_EVENTS,
                    seed: int = DEFAULT_SEED, file_format: str = DEFAULT_FORMAT) -> dict[str, int]:
    """Write the sample into ``out_dir``; return rows written per table."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r} (expected one of {', '.join(FORMATS)})")
    out_dir = Path(out_dir)
    export = out_dir / "export"
    export.mkdir(parents=True, exist_ok=True)
    for old in export.iterdir():
        if old.is_file():
            old.unlink()
    tables, org = build_tables(people, events, seed)
    files = [write_table(frame, export, name, file_format) for name, frame in tables.items()]
    files.append(write_directory(org, out_dir / "directory.csv"))
    write_manifest(out_dir, files)
    counts = {name: frame.height for name, frame in tables.items()}
    counts["directory"] = int(org["in_directory"].sum())
    return counts
