"""Publish at its edges (issue 11): a symlinked store, dead runs' build copies, a full disk, a read-only folder,
links inside an export folder and unsafe member names. Each failure is one line and leaves nothing behind.

The full-disk and read-only tests mount a small tmpfs (CI runs as root) and unmount it afterwards; they are
skipped only where mounting is impossible."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from tests.conftest import PROJECT_ROOT, SAMPLE_DIR, digest

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"
DIRECTORY = PROJECT_ROOT / "tests" / "fixtures" / "directory.csv"
SLACK = PROJECT_ROOT / "tests" / "fixtures" / "slack" / "small_export"


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name or p.name.endswith((".wal", ".tmp")))


def test_lock_and_replace_act_on_the_resolved_store(tmp_path):
    """Loads through a symlink and through the real path exclude each other. Before: the lock was taken on the
    link's name and the replace on the target, so both printed 'published' and one load was lost."""
    real = tmp_path / "real"
    real.mkdir()
    db = real / "s.duckdb"
    ingest([TINY], db)
    link = tmp_path / "link.duckdb"
    link.symlink_to(db)
    with open(real / "s.duckdb.lock", "w") as handle:  # another load holds the store's lock
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IngestError, match="another load is running on this store"):
            ingest([DIRECTORY], link)
    ingest([DIRECTORY], link)
    assert link.is_symlink() and count(db, "SELECT count(*) FROM people") == 5
    assert not (tmp_path / "link.duckdb.lock").exists()


def test_stale_build_copies_of_dead_runs_are_removed_by_the_next_run(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([TINY], db)
    for name in (".s.duckdb.building-dead0001", ".s.duckdb.building-dead0001.wal", ".s.duckdb.building-dead0002"):
        (tmp_path / name).write_bytes(b"x" * 1000)
    (tmp_path / ".other.duckdb.building-dead0003").write_bytes(b"x")  # another store's: not ours to remove
    ingest([DIRECTORY], db)
    assert leftovers(tmp_path) == [".other.duckdb.building-dead0003"]


def test_export_folders_are_not_followed_out_through_links(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('[{"type": "message", "user": "U1", "text": "x", "ts": "1.0"}]')
    export = Path(shutil.copytree(SLACK, tmp_path / "export"))
    (export / "general" / "2024-03-06.json").symlink_to(outside / "secret.json")
    with pytest.raises(IngestError) as info:
        ingest([export], tmp_path / "s.duckdb")
    assert info.value.one_line() == (f"{export / 'general' / '2024-03-06.json'}: a link to a file outside the export "
                                     f"folder ({outside / 'secret.json'}): not followed")
    pulso = tmp_path / "pulso"
    pulso.mkdir()
    (pulso / "people.csv").symlink_to(TINY / "people.csv")
    with pytest.raises(IngestError, match="a link to a file outside the export folder"):
        ingest([pulso], tmp_path / "s.duckdb")
    inside = Path(shutil.copytree(TINY, tmp_path / "inside"))
    (inside / "people.csv").rename(inside / "people.csv.real")
    (inside / "people.csv").symlink_to(inside / "people.csv.real")
    assert ingest([inside], tmp_path / "s.duckdb").per_table["people"] == (4, 4, 0, 0)  # a link inside is fine


@pytest.mark.parametrize("name", ["../users.json", "/etc/users.json", "general/../../x/2024-03-06.json"])
def test_unsafe_member_names_are_refused(tmp_path, name):
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(SLACK.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(SLACK).as_posix())
        zf.writestr(zipfile.ZipInfo(name), b"[]")
    with pytest.raises(IngestError) as info:
        ingest([target], tmp_path / "s.duckdb", format_name="slack")
    assert info.value.one_line() == f"export.zip!{name}: unsafe member name (absolute, or going up with '..')"


# ---- a small tmpfs: full disk and read-only folder ----------------------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path):
    """``mount(size)`` -> a folder on a fresh tmpfs of that size; unmounted at the end."""
    mounted: list[Path] = []

    def mount(size: str, name: str = "disk") -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def remount_read_only(point: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pulso.cli", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=dict(os.environ))


def test_not_enough_free_space_is_one_line_before_copying(tmpfs, tmp_path):
    built = tmp_path / "built.duckdb"
    ingest([TINY, DIRECTORY], built)
    disk = tmpfs(f"{(built.stat().st_size >> 10) + 2048}k")  # room for the store and 2 MB more: not for a copy
    db = disk / "s.duckdb"
    shutil.copyfile(built, db)
    before = digest(db)
    with pytest.raises(IngestError) as info:
        ingest([TINY], db)
    assert info.value.one_line().startswith(f"{db}: not enough free space to build the new store: ")
    assert digest(db) == before and leftovers(disk) == []


def test_a_disk_that_fills_up_during_the_load_is_one_line_and_leaves_nothing(tmpfs):
    disk = tmpfs("3m")
    db = disk / "s.duckdb"
    done = run_cli("ingest", str(SAMPLE_DIR / "export"), str(SAMPLE_DIR / "directory.csv"), "--db", str(db))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("pulso: error: ") and "no space left" in lines[0].lower()
    # no store and no build copy left: only the empty lock file (never removed: removing it would let two loads
    # lock two different files)
    assert sorted(p.name for p in disk.iterdir()) == ["s.duckdb.lock"]
    assert (disk / "s.duckdb.lock").stat().st_size == 0


def test_a_read_only_folder_is_one_line(tmpfs, tmp_path):
    disk = tmpfs("16m")
    built = tmp_path / "built.duckdb"
    ingest([TINY], built)
    db = disk / "s.duckdb"
    shutil.copyfile(built, db)
    remount_read_only(disk)
    before = digest(db)
    with pytest.raises(IngestError) as info:
        ingest([DIRECTORY], db)
    assert "read-only" in info.value.one_line()
    done = run_cli("ingest", str(DIRECTORY), "--db", str(db))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "read-only" in lines[0], done.stderr
    assert digest(db) == before and sorted(p.name for p in disk.iterdir()) == ["s.duckdb"]
