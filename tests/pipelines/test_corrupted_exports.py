"""Property: a corrupted export either loads with the invariant holding, or
fails with one clear line and leaves the store byte-for-byte as it was."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.errors import IngestError
from pipelines.ingest import ingest
from tests.conftest import PROJECT_ROOT, digest

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"
FILES = sorted(p.name for p in TINY.iterdir())


def truncate(data: bytes, at: float) -> bytes:
    return data[: int(len(data) * at)]


def bad_bytes(data: bytes, at: float) -> bytes:
    i = int(len(data) * at)
    return data[:i] + b"\xff\xfe\x00" + data[i:]


def drop_column(data: bytes, at: float) -> bytes:
    lines = data.decode("utf-8", "surrogateescape").splitlines()
    if not lines:
        return data
    header = lines[0].split(",")
    k = min(int(len(header) * at), len(header) - 1)
    kept = (",".join(v for j, v in enumerate(line.split(",")) if j != k) for line in lines)
    return "\n".join(kept).encode("utf-8", "surrogateescape")


def wrong_type(data: bytes, at: float) -> bytes:
    lines = data.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 2:
        return data
    row = max(1, min(int(len(lines) * at), len(lines) - 1))
    cells = lines[row].split(",")
    cells[int(len(cells) * at) % len(cells)] = "no-es-un-valor"
    lines[row] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def duplicate_id(data: bytes, at: float) -> bytes:
    lines = data.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 2:
        return data
    row = max(1, min(int(len(lines) * at), len(lines) - 1))
    return ("\n".join(lines + [lines[row]]) + "\n").encode("utf-8", "surrogateescape")


MUTATIONS = [truncate, bad_bytes, drop_column, wrong_type, duplicate_id]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(FILES), st.sampled_from(MUTATIONS), st.floats(0.0, 1.0)),
        min_size=1, max_size=3,
    )
)
def test_corrupted_export_loads_consistently_or_fails_cleanly(mutations):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "store.duckdb"
        ingest([TINY], db)  # a store that already holds the clean export
        before = digest(db)
        export = tmp / "export"
        shutil.copytree(TINY, export)
        for name, mutate, at in mutations:
            path = export / name
            path.write_bytes(mutate(path.read_bytes(), at))
        try:
            summary = ingest([export], db)
        except IngestError as error:
            message = str(error)
            assert message and "\n" not in message and "export" in message
            assert digest(db) == before
            return
        for (file, table), (read, loaded, rejected, duplicate) in summary.per_file.items():
            assert read == loaded + rejected + duplicate, (file, table)
        con = duckdb.connect(str(db), read_only=True)
        try:
            stats = con.execute(
                "SELECT sum(rows_read), sum(rows_loaded + rows_rejected + rows_duplicate) "
                "FROM ingestion_file_stats WHERE run_id = ?", [summary.run_id]).fetchall()
            rejected = con.execute("SELECT count(*) FROM rejected_rows WHERE run_id = ?",
                                   [summary.run_id]).fetchall()[0][0]
        finally:
            con.close()
        assert stats[0][0] == stats[0][1]
        assert rejected == sum(r for (_, _, r, _) in summary.per_file.values())
