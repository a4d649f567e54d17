"""The sample organisation generator (pipelines/sample, `pulso sample`).

Tiny configuration: 60 accounts, 3,000 events. By hand from the sizing rules in
pipelines/sample/organization.py: 1 bot (fewer than 200 people), 2 platform-only
accounts (max(2, 1% of 60)), 57 people in the directory, 13 offices
(round(57 / 4.5)), 2 regions (13 // 6), 1 sales director (2 // 2), 2 sales
sub-directors (one per region), 2 regional managers (one per ten offices of a
region, at least one). Events: 7% messages (210), 13% reactions (390), the rest
visits (2,400).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest import ingest
from pipelines.sample import DEFAULT_EVENTS, DEFAULT_PEOPLE, generate_sample, split_events
from pulso.cli.main import main
from pulso.core.settings import load_settings
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"

TINY = {"people": 60, "events": 3000, "seed": 7}
# Mexico City is UTC-6 all year: local 2025-11-17 00:00 .. 2026-11-15 23:59:59
FIRST_UTC = datetime(2025, 11, 17, 6, 0, 0)
LAST_UTC = datetime(2026, 11, 16, 5, 59, 59)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate_sample(out, file_format="csv", **TINY)
    return out


def read(out: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(out / "export" / f"{table}.csv", infer_schema=False)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_differs(tiny, tmp_path):
    again = tmp_path / "again"
    generate_sample(again, file_format="csv", **TINY)
    assert digests(again) == digests(tiny)
    other = tmp_path / "other"
    generate_sample(other, file_format="csv", **{**TINY, "seed": 8})
    assert digests(other)["export/messages.csv"] != digests(tiny)["export/messages.csv"]
    assert digests(other)["export/visits.csv"] != digests(tiny)["export/visits.csv"]


def test_hierarchy_facts(tiny):
    d = pl.read_csv(tiny / "directory.csv", infer_schema=False)
    assert d.height == 57
    roles = d["puesto"].value_counts().sort("puesto")
    assert dict(zip(roles["puesto"], roles["count"])) == {
        "business director": 1, "office manager": 13, "regional manager": 2, "sales director": 1,
        "sales sub-director": 2, "staff": 38}
    hierarchy = load_settings().hierarchy
    role_of = dict(zip(d["id_empleado"], d["puesto"]))
    for person, role, boss in d.select("id_empleado", "puesto", "jefe").iter_rows():
        if role == "business director":
            assert boss is None
            continue
        assert boss in role_of, f"{person}: manager {boss} not in the directory"
        assert hierarchy.rank(role_of[boss]) == hierarchy.rank(role) - 1
    offices = d.filter(pl.col("oficina").is_not_null())
    managers = offices.filter(pl.col("puesto") == "office manager").group_by("oficina").len()
    assert offices["oficina"].n_unique() == 13
    assert managers.height == 13 and set(managers["len"]) == {1}
    assert sorted(d["region"].unique().to_list()) == ["Corporativo", "Noreste", "Noroeste"]


def test_people_platform_only_bots_and_profiles(tiny):
    people = read(tiny, "people")
    directory_ids = set(pl.read_csv(tiny / "directory.csv", infer_schema=False)["id_empleado"])
    outside = people.filter(~pl.col("person_id").is_in(list(directory_ids)))
    assert sorted(outside["person_id"]) == ["B01", "P0001", "P0002"]
    assert outside.filter(pl.col("is_bot") == "true")["person_id"].to_list() == ["B01"]
    assert set(outside["in_directory"]) == {"false"}
    assert people.filter(pl.col("profile_completeness").cast(pl.Float64) < 1).height > 0


@pytest.mark.parametrize("events", [3000, 1234, 100_001])
def test_event_total_is_exact(events):
    assert sum(split_events(events)) == events


def test_tiny_tables_hit_requested_counts(tiny):
    assert split_events(3000) == (210, 390, 2400)
    assert (read(tiny, "messages").height, read(tiny, "reactions").height, read(tiny, "visits").height) == (210, 390, 2400)


def test_threads_are_consistent(tiny):
    m = read(tiny, "messages")
    starters = m.filter(pl.col("replied_to_id").is_null())
    assert (starters["thread_id"] == starters["message_id"]).all()
    replies = m.filter(pl.col("replied_to_id").is_not_null())
    assert replies.height > 0
    joined = replies.join(m.select(pl.col("message_id").alias("replied_to_id"), pl.col("thread_id").alias("parent_thread"),
                                   pl.col("created_at").alias("parent_at")), on="replied_to_id", how="left")
    assert joined["parent_thread"].null_count() == 0
    assert (joined["thread_id"] == joined["parent_thread"]).all()
    assert (joined["created_at"] >= joined["parent_at"]).all()  # ISO text sorts as time


def test_all_times_inside_the_year(tiny):
    for table, column in (("messages", "created_at"), ("messages", "edited_at"), ("messages", "deleted_at"),
                          ("reactions", "created_at"), ("visits", "started_at"), ("interactions", "occurred_at"),
                          ("people", "joined_at"), ("memberships", "joined_at")):
        times = read(tiny, table)[column].drop_nulls().str.to_datetime("%Y-%m-%dT%H:%M:%S")
        assert times.min() >= FIRST_UTC and times.max() <= LAST_UTC, (table, column)


def test_communications_plan_moves_visits(tiny):
    """Mean daily visits in the 7 local days from the announcement (2025-12-01) exceed the 7 days before."""
    v = read(tiny, "visits").with_columns(
        day=(pl.col("started_at").str.to_datetime("%Y-%m-%dT%H:%M:%S") - pl.duration(hours=6)).dt.date())
    before = v.filter(pl.col("day").is_between(datetime(2025, 11, 24).date(), datetime(2025, 11, 30).date())).height / 7
    after = v.filter(pl.col("day").is_between(datetime(2025, 12, 1).date(), datetime(2025, 12, 7).date())).height / 7
    assert after > 1.5 * before
    campaign = read(tiny, "campaign_events")
    assert "2025-12-01" in campaign["event_date"].to_list()


@pytest.mark.parametrize("file_format", ["csv.gz", "parquet", "jsonl"])
def test_tiny_sample_ingests_without_rejects(tmp_path, file_format):
    out = tmp_path / "s"
    counts = generate_sample(out, file_format=file_format, **TINY)
    summary = ingest([out / "export", out / "directory.csv"], tmp_path / "s.duckdb")
    assert summary.per_table["messages"] == (210, 210, 0, 0)
    assert summary.per_table["visits"] == (2400, 2400, 0, 0)
    for table, (read_, loaded, rejected, duplicate) in summary.per_table.items():
        assert rejected == 0 and duplicate == 0 and read_ == loaded, table
    # 57 in the export and 57 in the directory merge into 57; plus 2 platform-only and 1 bot
    assert summary.per_table["people"][0] == counts["people"] + 57


def test_cli_writes_sample(tmp_path):
    assert main(["sample", "--out", str(tmp_path / "c"), "--people", "40", "--events", "500", "--seed", "3",
                 "--format", "jsonl"]) == 0
    lines = sum(1 for _ in open(tmp_path / "c" / "export" / "visits.jsonl", encoding="utf-8"))
    assert lines == split_events(500)[2] == 400


def test_committed_sample_matches_the_generator(tmp_path):
    """data/sample must be exactly what `pulso sample --out data/sample` writes today."""
    manifest = (SAMPLE_DIR / "checksums.sha256").read_text(encoding="utf-8")
    generate_sample(tmp_path, people=DEFAULT_PEOPLE, events=DEFAULT_EVENTS)
    assert (tmp_path / "checksums.sha256").read_text(encoding="utf-8") == manifest
    committed = {k: v for k, v in digests(SAMPLE_DIR).items() if k != "README.md"}
    assert committed == digests(tmp_path)


def test_visits_stay_inside_each_account_window_and_an_office_goes_quiet(tiny):
    """Visits never come before the local day an account opened, nor after a leaver's account closed;
    the one dormant office of the tiny sample (max(1, 3% of 13)) has no visit after day 210 (2026-06-15)."""
    people = read(tiny, "people").select(
        "person_id", joined=pl.col("joined_at").str.to_datetime("%Y-%m-%dT%H:%M:%S"),
        left=pl.col("left_at").str.to_datetime("%Y-%m-%dT%H:%M:%S"))
    v = read(tiny, "visits").with_columns(at=pl.col("started_at").str.to_datetime("%Y-%m-%dT%H:%M:%S")).join(
        people, on="person_id")
    opened_day = (pl.col("joined") - pl.duration(hours=6)).dt.truncate("1d") + pl.duration(hours=6)
    assert v.filter(pl.col("at") < opened_day).height == 0
    assert v.filter(pl.col("left").is_not_null() & (pl.col("at") >= pl.col("left"))).height == 0
    office = pl.read_csv(tiny / "directory.csv", infer_schema=False).select(person_id="id_empleado", office="oficina")
    last = v.join(office, on="person_id").filter(pl.col("office").is_not_null()).group_by("office").agg(pl.col("at").max())
    assert last.filter(pl.col("at") < datetime(2026, 6, 16, 6)).height >= 1
    assert last.filter(pl.col("at") >= datetime(2026, 6, 16, 6)).height >= 10
