"""Conformance over every real export under ../shared/realdata (issue 11): what each raw file contains is counted
independently with the standard library (tests/fuzz/counts.py), the export is loaded, and for every file and
table the load accounts for every record (read = the independent count = loaded + rejected + duplicates); where
KPIs apply, they equal counts made from the raw files (likes whose giver is unknown included)."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import pytest

from metrics.registry import compute
from metrics.store import connect_read_only
from pipelines.ingest import ingest
from pulso.core.scope import Scope
from tests.conftest import REALDATA
from tests.fuzz import counts

SLACK = REALDATA / "slack_hfaran_testarchive" / "testarchive.zip"
SE = REALDATA / "stackexchange_conlang_meta"
M365 = REALDATA / "m365_yammer_usage_report_schemas"
YAMMER = REALDATA / "yammer_export_schemas"
LAZEGA = REALDATA / "lazega_lawfirm"
EVERYTHING = Scope(date(1990, 1, 1), date(2030, 12, 31), granularity="month")


def file_stats(db: Path) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {(f, t): (r, lo, rj, d) for f, t, r, lo, rj, d in con.execute(
            "SELECT file, table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate FROM ingestion_file_stats"
        ).fetchall()}
    finally:
        con.close()


def assert_accounted(db: Path, expected: Counter, at_least: set = frozenset()) -> dict:
    """Every (file, table) the raw files hold is read exactly (or, for ``at_least``, at least) that many times,
    and read = loaded + rejected + duplicates everywhere; rejected_rows holds one row per rejected row."""
    stats = file_stats(db)
    for key, n in expected.items():
        read = stats.get(key, (0, 0, 0, 0))[0]
        if key in at_least:
            assert read >= n, (key, read, n)
        else:
            assert read == n, (key, read, n)
    for key, (read, loaded, rejected, duplicate) in stats.items():
        assert read == loaded + rejected + duplicate, key
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0][0]
    finally:
        con.close()
    assert stored == sum(s[2] for s in stats.values())
    return stats


def kpis(db: Path, scope: Scope = EVERYTHING) -> dict[str, float | None]:
    con = connect_read_only(db)
    try:
        frame = compute(con, "kpi_summary", scope)
        return dict(zip(frame["kpi"], frame["value"]))
    finally:
        con.close()


def test_slack_archive(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([SLACK], db)
    expected = counts.slack(SLACK)
    users = {k for k in expected if k[1] == "people"}
    assert_accounted(db, expected, at_least=users)
    # KPIs from the raw archive: messages that are not joins or channel events, by people who are not bots
    with zipfile.ZipFile(SLACK) as zf:
        users_json = json.loads(zf.read("users.json"))
        items = [m for n in zf.namelist() if n.count("/") == 1 and n.endswith(".json") for m in json.loads(zf.read(n))]
    bots = {u["id"] for u in users_json if u.get("is_bot") or u["id"] == "USLACKBOT"}

    def author(m):
        user = m.get("user") or (m.get("comment") or {}).get("user")
        if m.get("subtype") == "bot_message" and m.get("bot_id"):
            return m["bot_id"], True
        return user, user in bots

    messages = [m for m in items if m.get("subtype") not in ("channel_join", "bot_add")]
    human = [m for m in messages if not author(m)[1]]
    likes = sum(max(r.get("count", 0), len(r["users"])) for m in human for r in m.get("reactions", []))
    values = kpis(db)
    assert values["threads_started"] == len(human) and values["replies"] == 0
    assert values["likes"] == likes
    assert values["new_accounts"] is None  # Slack gives no account creation dates: not available, not 0


def test_stack_exchange_dump(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([SE], db)
    assert_accounted(db, counts.stackexchange(SE))

    def rows(name):
        return [r.attrib for r in ET.parse(SE / name).getroot().iter("row")]

    posts, comments, votes = rows("Posts.xml"), rows("Comments.xml"), rows("Votes.xml")
    conversation = {p["Id"]: p for p in posts if p["PostTypeId"] in ("1", "2")}
    human = {i for i, p in conversation.items() if p.get("OwnerUserId") != "-1"}
    questions = sum(1 for i in human if conversation[i]["PostTypeId"] == "1")
    answers = sum(1 for i in human if conversation[i]["PostTypeId"] == "2")
    replies = answers + sum(1 for c in comments if c["PostId"] in conversation and c.get("UserId") != "-1")
    up_votes = [v for v in votes if v["VoteTypeId"] == "2" and v["PostId"] in human]
    assert not any(v.get("UserId") for v in up_votes)  # this dump names no voter: every like's giver is unknown
    values = kpis(db)
    assert (values["threads_started"], values["replies"], values["likes"]) == (questions, replies, len(up_votes))
    assert len(up_votes) > 900  # before: 0 (only likes with a known giver were counted)


def test_microsoft_365_report_headers_and_examples(tmp_path):
    """The real headers (no rows), the docs' aggregate example (7 rows, refused as tenant-level) and the docs'
    JSON example (1 user: 3 counts)."""
    db = tmp_path / "s.duckdb"
    summary = ingest([M365], db)
    expected = counts.m365(M365)
    assert expected[(str(M365 / "YammerGroupsActivityGroupCounts.DOC_EXAMPLE.csv"), "activity_counts")] == 7
    assert_accounted(db, expected)
    assert summary.per_table["activity_counts"] == (10, 3, 7, 0)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT activity, count FROM activity_counts ORDER BY 1").fetchall() == [
            ("liked", 0), ("posted", 2), ("read", 5)]
    finally:
        con.close()


def test_yammer_export_headers(tmp_path):
    """The real column lists as an export with no rows: every file is read, nothing is lost or invented."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("Messages", "Users", "Topics", "Files", "Pages"):
        shutil.copy(YAMMER / f"{name}.header.csv", folder / f"{name}.csv")
    db = tmp_path / "s.duckdb"
    summary = ingest([folder], db)
    expected = counts.yammer(folder)
    assert set(expected.values()) == {0}
    assert_accounted(db, expected)
    assert summary.per_table.get("messages", (0, 0, 0, 0)) == (0, 0, 0, 0)


def test_lazega_law_firm_as_a_directory_and_interactions(tmp_path):
    """The co-work network (71 lawyers, 378 ties) in the Pulso format: the directory from the attributes (office as
    region and office, partner / associate as role), one undated 'cowork' interaction per tie."""
    attributes = [line.split() for line in (LAZEGA / "ELattr.dat").read_text().splitlines() if line.strip()]
    matrix = [line.split() for line in (LAZEGA / "ELwork.dat").read_text().splitlines() if line.strip()]
    offices = {"1": "Boston", "2": "Hartford", "3": "Providence"}
    directory = tmp_path / "directory.csv"
    with open(directory, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "region", "office", "role"])
        for a in attributes:
            writer.writerow([f"L{int(a[0])}", f"Lawyer {int(a[0])}", offices[a[3]], offices[a[3]],
                             "partner" if a[1] == "1" else "associate"])
    export = tmp_path / "export"
    export.mkdir()
    ties = [(i, j) for i in range(len(matrix)) for j in range(i + 1, len(matrix)) if matrix[i][j] == "1"]
    with open(export / "interactions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["interaction_id", "source_person_id", "target_person_id", "kind"])
        for k, (i, j) in enumerate(ties, 1):
            writer.writerow([f"t{k}", f"L{i + 1}", f"L{j + 1}", "cowork"])
    assert (len(attributes), len(ties)) == (71, 378)
    db = tmp_path / "s.duckdb"
    ingest([directory, export], db)
    expected = counts.directory(directory) + counts.pulso_folder(export)
    stats = assert_accounted(db, expected)
    assert stats[(str(export / "interactions.csv"), "interactions")] == (378, 378, 0, 0)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(day) FROM acts WHERE kind = 'cowork'").fetchall() == [(378, 0)]
        assert con.execute("SELECT role, count(*) FROM person_facts GROUP BY 1 ORDER BY 1").fetchall() == [
            ("associate", 35), ("partner", 36)]
    finally:
        con.close()


@pytest.mark.parametrize("folder", sorted(p.name for p in REALDATA.iterdir() if p.is_dir()))
def test_every_real_export_is_covered(folder):
    assert folder in {"slack_hfaran_testarchive", "stackexchange_conlang_meta", "m365_yammer_usage_report_schemas",
                      "yammer_export_schemas", "lazega_lawfirm"}, f"{folder}: add it to the conformance suite"
