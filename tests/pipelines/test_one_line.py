"""One clear line for every failure (issue 11): the command line, run as a user runs it, prints one line on
stderr naming the file, the row (the right one) and the problem in the user's terms -- never a traceback and
never the parser's own wording -- and leaves the store as it was."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from tests.conftest import PROJECT_ROOT, digest

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"
SLACK = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"
SE = PROJECT_ROOT / "tests" / "fixtures" / "stackexchange" / "small_dump"


def _text(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def make_case(kind: str, tmp: Path) -> tuple[list[str], str]:
    """(paths to load, what the one line must contain) for one failure class."""
    if kind == "unknown_format":
        return [str(_text(tmp, "notas.txt", "hola"))], "notas.txt: unknown format"
    if kind == "directory_missing_column":
        return ([str(_text(tmp, "hr.csv", "id,email,region,office\n1,a@x.mx,N,O\n"))],
                "hr.csv, row 1: looks like an org directory but has no role column (role, rol or puesto)")
    if kind == "semicolon_delimiter":
        return ([str(_text(tmp, "hr.csv", "id;email;region;office;role\n1;a@x.mx;N;O;staff\n"))],
                "hr.csv, row 1: the columns are separated by ';': Pulso reads comma-separated CSV")
    if kind == "crcrlf":
        folder = tmp / "export"
        _text(folder, "people.csv", b"person_id,display_name\r\r\np1,Ana\r\r\np2,Beto\r\r\n")
        return [str(folder)], "people.csv, row 1: a line ends in CR CR LF"
    if kind == "jsonl_line":
        folder = tmp / "export"
        _text(folder, "people.jsonl", '{"person_id":"a"}\n{"person_id":"b"}\n{"person_id": \n{"person_id":"d"}\n')
        return [str(folder)], "people.jsonl, row 3: malformed JSON"
    if kind == "unclosed_quote_csv":
        folder = tmp / "export"
        _text(folder, "people.csv", 'person_id,display_name\np1,Ana\np2,"Beto\np3,Carla\n')
        return [str(folder)], "people.csv, row 3: a quoted value is never closed"
    if kind == "deep_json":
        folder = Path(shutil.copytree(SLACK, tmp / "export"))
        _text(folder, "general/2024-03-06.json", "[" * 100_000 + "]" * 100_000)
        return [str(folder)], "2024-03-06.json: nested deeper than 64 levels"
    if kind == "deep_xml":
        folder = Path(shutil.copytree(SE, tmp / "dump"))
        _text(folder, "Posts.xml", "<posts>" + "<a>" * 100_000 + "</a>" * 100_000 + "</posts>")
        return [str(folder)], "Posts.xml, row 1: nested deeper than 64 levels"
    if kind == "truncated_gzip":
        folder = tmp / "export"
        data = gzip.compress(("person_id\n" + "".join(f"p{i}\n" for i in range(20000))).encode())
        _text(folder, "people.csv.gz", data[: len(data) // 2])
        return [str(folder)], "people.csv.gz: damaged or truncated compressed file"
    if kind == "bad_utf8":
        folder = tmp / "export"
        _text(folder, "people.csv", "person_id,display_name\np1,José\n".encode("latin-1"))
        return [str(folder)], "people.csv, row 2: not UTF-8 text"
    if kind == "slack_not_a_list":
        folder = Path(shutil.copytree(SLACK, tmp / "export"))
        _text(folder, "users.json", '{"id": "U1"}')
        return [str(folder)], "users.json, row 1: expected a JSON list"
    if kind == "truncated_zip":
        target = tmp / "export.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(SLACK.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(SLACK).as_posix())
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        return [str(target)], "not a readable zip file"
    if kind == "no_such_path":
        return [str(tmp / "nada")], "nada: no such file or folder"
    raise ValueError(kind)


CASES = ["unknown_format", "directory_missing_column", "semicolon_delimiter", "crcrlf", "jsonl_line",
         "unclosed_quote_csv", "deep_json", "deep_xml", "truncated_gzip", "bad_utf8", "slack_not_a_list",
         "truncated_zip", "no_such_path"]


@pytest.mark.parametrize("kind", CASES)
def test_every_failure_class_is_one_line_from_the_api(tmp_path, kind):
    paths, expected = make_case(kind, tmp_path)
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    before = digest(db)
    with pytest.raises(IngestError) as info:
        ingest([Path(p) for p in paths], db)
    line = info.value.one_line()
    assert expected in line and "\n" not in line, line
    for parser_words in ("Invalid Input Error", "state machine", "Traceback", "Error:"):
        assert parser_words not in line, line
    assert digest(db) == before


def test_no_traceback_reaches_the_user_for_any_failure_class(tmp_path):
    """The real command line in a child process, every class above: exit 2, exactly one line on stderr."""
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    before = digest(db)
    for kind in CASES:
        case = tmp_path / kind
        case.mkdir()
        paths, expected = make_case(kind, case)
        done = subprocess.run([sys.executable, "-m", "pulso.cli", "ingest", *paths, "--db", str(db)],
                              capture_output=True, text=True, cwd=PROJECT_ROOT,
                              env=dict(os.environ))
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (kind, done.stderr)
        assert len(lines) == 1 and lines[0].startswith("pulso: error: ") and expected in lines[0], (kind, done.stderr)
        assert digest(db) == before, kind


def test_cr_only_line_ends_load(tmp_path):
    """Old Mac Excel saves CSV with CR-only line ends. Before: a traceback."""
    folder = tmp_path / "export"
    _text(folder, "people.csv", b"person_id,display_name\rp1,Ana\rp2,Beto\r")
    assert ingest([folder], tmp_path / "s.duckdb").per_table["people"] == (2, 2, 0, 0)


def test_wrong_field_count_names_the_row(tmp_path):
    folder = tmp_path / "export"
    _text(folder, "people.csv", "person_id,display_name\np1,Ana\np2,Beto,extra\n")
    with pytest.raises(IngestError) as info:
        ingest([folder], tmp_path / "s.duckdb")
    assert info.value.line == 3 and info.value.problem == "wrong number of fields: expected 2, found 3"


def test_a_reader_defect_is_still_one_line(tmp_path, monkeypatch):
    """A bug in a reader (here forced) must not print a traceback either: one line that says what happened."""
    from pipelines.readers.slack import SlackReader

    def broken(self, path, stage):
        raise KeyError("ts")

    monkeypatch.setattr(SlackReader, "read", broken)
    with pytest.raises(IngestError) as info:
        ingest([SLACK], tmp_path / "s.duckdb")
    assert info.value.one_line() == (f"{SLACK}: the slack reader failed on this input (KeyError: 'ts'); "
                                     "this is a defect in Pulso, please report it with the file")
    assert json.dumps(info.value.one_line())
