"""Stack Exchange XML dump reader, on the hand-made dump in
tests/fixtures/stackexchange/small_dump (3 questions: 1 with 2 answers, 4 with 1
answer, 6 by a deleted user with none; 2 tag wiki posts; 3 comments, one on a tag
wiki; 6 votes: 3 up-votes, one of them with its voter, one on a tag wiki, a
down-vote and an accept; Users.xml with a byte-order mark and the Community
user) and on the real conlang.meta dump, counted independently with xml.etree."""

from __future__ import annotations

import shutil
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from pipelines.readers import detect_reader
from pipelines.readers.stackexchange import plain_text, tags
from tests.conftest import PROJECT_ROOT, REALDATA, rows

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "stackexchange" / "small_dump"
REAL = REALDATA / "stackexchange_conlang_meta"
T = datetime


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("se") / "store.duckdb"
    return db, ingest([FIXTURE], db)


def test_helpers():
    assert tags("<metas><Ventas>") == ["metas", "Ventas"]
    assert tags("|credito|pyme|") == ["credito", "pyme"]
    assert tags(None) == []
    assert plain_text("<p>¿Cómo &amp; <b>cuándo</b>?</p>\n") == "¿Cómo & cuándo?"


def test_detects_folder_and_zip(tmp_path):
    assert detect_reader(FIXTURE).name == "stackexchange"
    target = tmp_path / "dump.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for p in FIXTURE.iterdir():
            zf.write(p, p.name)
    assert detect_reader(target).name == "stackexchange"
    summary = ingest([target], tmp_path / "z.duckdb")
    assert summary.per_table["messages"] == (11, 8, 3, 0)


def test_summary_counts_every_row(small_store):
    _, summary = small_store
    assert summary.per_table["people"] == (5, 5, 0, 0)       # 4 users + 'Usuario Borrado'
    assert summary.per_table["messages"] == (11, 8, 3, 0)    # 8 posts + 3 comments; 2 wikis + 1 comment refused
    assert summary.per_table["reactions"] == (6, 3, 3, 0)    # down-vote, accept, vote on a wiki refused


def test_threads_replies_and_comments(small_store):
    db, _ = small_store
    assert rows(db, "SELECT message_id, thread_id, replied_to_id, author_id, created_at, edited_at, title, "
                    "body, hashtags FROM messages ORDER BY created_at") == [
        ("se:post:1", "se:post:1", None, "se:1", T(2024, 3, 4, 10), T(2024, 3, 4, 11), "Metas de marzo",
         "¿Cómo medimos las metas?", ["metas", "ventas"]),
        ("se:comment:1", "se:post:1", "se:post:1", "se:3", T(2024, 3, 4, 10, 5), None, None,
         "¿Mensuales o semanales?", []),
        ("se:post:2", "se:post:1", "se:post:1", "se:2", T(2024, 3, 4, 10, 30), None, None, "Por sucursal", []),
        ("se:comment:2", "se:post:1", "se:post:2", "se:1", T(2024, 3, 4, 10, 40), None, None, "De acuerdo", []),
        ("se:post:3", "se:post:1", "se:post:1", "se:3", T(2024, 3, 4, 12), None, None, "Por región", []),
        ("se:post:4", "se:post:4", None, "se:2", T(2024, 3, 5, 9), None, "Crédito grupal", "Tasas", ["credito"]),
        ("se:post:5", "se:post:4", "se:post:4", "se:1", T(2024, 3, 5, 9, 45), None, None, "Ver manual", []),
        ("se:post:6", "se:post:6", None, "se:name:Usuario Borrado", T(2024, 3, 5, 15), None,
         "Pregunta sin respuesta", "¿Alguien?", ["otros"]),
    ]
    assert rows(db, "SELECT line, reason FROM rejected_rows WHERE table_name = 'messages' ORDER BY file, line") == [
        (3, "comment on post 7, which is not a question or answer in this dump"),
        (7, "post type 4 (tag wiki excerpt), not conversation"),
        (8, "post type 5 (tag wiki), not conversation"),
    ]


def test_people_and_votes(small_store):
    db, _ = small_store
    assert rows(db, "SELECT person_id, display_name, platform_location, joined_at, is_bot FROM people ORDER BY 1") == [
        ("se:-1", "Community", "on the server farm", T(2024, 1, 1), True),
        ("se:1", "Ana López", "CDMX", T(2024, 1, 2, 9), False),
        ("se:2", "Beto", None, T(2024, 1, 3, 9), False),
        ("se:3", "Caro", "Puebla", T(2024, 1, 4, 9), False),
        ("se:name:Usuario Borrado", "Usuario Borrado", None, None, False),
    ]
    # a vote's CreationDate is a day: midnight of that day in Mexico City (06:00 UTC), so it stays on that day
    assert rows(db, "SELECT reaction_id, message_id, person_id, kind, created_at, weight FROM reactions "
                    "ORDER BY 1") == [
        ("se:vote:1", "se:post:1", None, "like", T(2024, 3, 4, 6), 1),
        ("se:vote:2", "se:post:1", "se:2", "like", T(2024, 3, 4, 6), 1),
        ("se:vote:3", "se:post:2", None, "like", T(2024, 3, 5, 6), 1),
    ]
    assert rows(db, "SELECT line, reason FROM rejected_rows WHERE table_name = 'reactions' ORDER BY line") == [
        (4, "vote type 3 (down-vote), not a like"),
        (5, "vote type 1 (accepted answer), not a like"),
        (6, "unknown message in message_id: se:post:8"),
    ]
    # join_dates: Users.xml gives each account's CreationDate (what new accounts are counted from)
    assert rows(db, "SELECT fact FROM source_facts WHERE source = 'stackexchange' ORDER BY 1") == [
        ("join_dates",), ("messages",), ("people",), ("reactions",)]


def test_reingest_is_noop_and_newer_dump_adds_only_new(tmp_path):
    dump = Path(shutil.copytree(FIXTURE, tmp_path / "dump"))
    db = tmp_path / "s.duckdb"
    ingest([dump], db)
    again = ingest([dump], db)
    assert all(loaded == 0 for _, loaded, _, _ in again.per_table.values())
    votes = dump / "Votes.xml"
    votes.write_text(votes.read_text("utf-8").replace(
        "</votes>", '  <row Id="7" PostId="5" VoteTypeId="2" CreationDate="2024-03-06T00:00:00.000" />\n</votes>'),
        encoding="utf-8")
    newer = ingest([dump], db)
    assert newer.per_table["reactions"] == (7, 1, 3, 3)
    assert newer.per_table["messages"] == (11, 0, 3, 8)
    assert rows(db, "SELECT count(*) FROM reactions") == [(4,)]


def test_real_dump_exact_rows(tmp_path):
    def parse(name):
        return [r.attrib for r in ET.parse(REAL / name).getroot().iter("row")]

    posts, comments, votes, users = (parse(n) for n in ("Posts.xml", "Comments.xml", "Votes.xml", "Users.xml"))
    kinds = Counter(p["PostTypeId"] for p in posts)
    assert (len(posts), kinds["1"], kinds["2"], kinds["4"], kinds["5"]) == (177, 54, 115, 4, 4)
    assert (len(comments), len(votes), len(users)) == (230, 1119, 272)
    conversation = {p["Id"] for p in posts if p["PostTypeId"] in ("1", "2")}
    ups = [v for v in votes if v["VoteTypeId"] == "2"]
    assert len(ups) == 950
    comments_loaded = [c for c in comments if c["PostId"] in conversation]
    authors_without_user = ({p.get("OwnerDisplayName") for p in posts
                             if p["Id"] in conversation and not p.get("OwnerUserId")}
                            | {c.get("UserDisplayName") for c in comments_loaded if not c.get("UserId")})

    db = tmp_path / "real.duckdb"
    summary = ingest([REAL], db)
    assert summary.per_table["messages"] == (len(posts) + len(comments),
                                             len(conversation) + len(comments_loaded),
                                             len(posts) - len(conversation) + len(comments) - len(comments_loaded), 0)
    assert rows(db, "SELECT count(*) FILTER (WHERE replied_to_id IS NULL), count(*) FILTER (WHERE message_id "
                    "LIKE 'se:post:%' AND replied_to_id IS NOT NULL), count(*) FILTER (WHERE message_id LIKE "
                    "'se:comment:%') FROM messages") == [(kinds["1"], kinds["2"], len(comments_loaded))]
    ups_loaded = [v for v in ups if v["PostId"] in conversation]
    assert rows(db, "SELECT count(*), sum(weight), count(person_id) FROM reactions WHERE kind = 'like'") == [
        (len(ups_loaded), len(ups_loaded), sum(1 for v in ups_loaded if v.get("UserId")))]
    assert summary.per_table["reactions"] == (len(votes), len(ups_loaded), len(votes) - len(ups_loaded), 0)
    assert rows(db, "SELECT count(*), count(platform_location), count(*) FILTER (WHERE is_bot) FROM people "
                    "WHERE person_id NOT LIKE 'se:name:%'") == [
        (len(users), sum(1 for u in users if u.get("Location")), 1)]
    assert rows(db, "SELECT count(*) FROM people WHERE person_id LIKE 'se:name:%'") == [(len(authors_without_user),)]
    tagged = sum(len([t for t in p.get("Tags", "").replace(">", "<").split("<") if t])
                 for p in posts if p["PostTypeId"] == "1")
    assert rows(db, "SELECT sum(len(hashtags)) FROM messages") == [(tagged,)]


@pytest.mark.parametrize("damage, expected", [
    ("cut_posts", "Posts.xml, row "),
    ("empty_comments", "Comments.xml, row 1: empty file"),
    ("no_posts", "no Posts.xml inside"),
    ("latin1_users", "Users.xml, row 4: XML cut off or malformed after row 1"),
])
def test_malformed_dumps_give_one_line(tmp_path, damage, expected):
    dump = Path(shutil.copytree(FIXTURE, tmp_path / "dump"))
    if damage == "cut_posts":
        data = (dump / "Posts.xml").read_bytes()
        (dump / "Posts.xml").write_bytes(data[: len(data) // 2])
    elif damage == "empty_comments":
        (dump / "Comments.xml").write_bytes(b"")
    elif damage == "no_posts":
        (dump / "Posts.xml").unlink()
    elif damage == "latin1_users":
        text = (dump / "Users.xml").read_text("utf-8-sig")
        (dump / "Users.xml").write_bytes(text.encode("latin-1"))
    db = tmp_path / "s.duckdb"
    with pytest.raises(IngestError) as info:
        ingest([dump], db, format_name="stackexchange")
    line = info.value.one_line()
    assert expected in line and "\n" not in line
    assert not db.exists()


def test_without_users_xml_every_author_and_voter_gets_a_minimal_person(tmp_path):
    dump = Path(shutil.copytree(FIXTURE, tmp_path / "dump"))
    (dump / "Users.xml").unlink()
    db = tmp_path / "s.duckdb"
    summary = ingest([dump], db)
    assert summary.per_table["messages"] == (11, 8, 3, 0)
    assert rows(db, "SELECT person_id, display_name, is_bot FROM people ORDER BY 1") == [
        ("se:1", None, False), ("se:2", None, False), ("se:3", None, False),
        ("se:name:Usuario Borrado", "Usuario Borrado", False)]
