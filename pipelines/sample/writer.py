"""Writing the sample as Pulso export files plus an org directory CSV.

Files are byte-for-byte reproducible: times are written as naive UTC ISO text
(``2026-01-07T16:05:09``), gzip headers carry no time stamp, and a
``checksums.sha256`` manifest lists every file written.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import polars as pl

FORMATS = ("csv", "csv.gz", "parquet", "jsonl")
# with --format csv.gz only these (the big ones) are compressed; the rest stay readable .csv
GZIPPED_TABLES = ("memberships", "messages", "reactions", "visits")
LIST_COLUMNS = {"messages": ("hashtags", "mentions")}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _as_text_times(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        [pl.col(c).dt.strftime(TIME_FORMAT) for c, t in frame.schema.items() if isinstance(t, pl.Datetime)]
        + [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Date]
    )


def write_table(frame: pl.DataFrame, folder: Path, table: str, file_format: str) -> Path:
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r} (expected one of {', '.join(FORMATS)})")
    if file_format in ("parquet", "jsonl"):
        # list columns are real lists here; in CSV they stay ';'-separated text
        frame = frame.with_columns([pl.col(c).str.split(";") for c in LIST_COLUMNS.get(table, ())])
    if file_format == "parquet":
        path = folder / f"{table}.parquet"
        frame.write_parquet(path, compression="zstd", statistics=False)
        return path
    if file_format == "jsonl":
        path = folder / f"{table}.jsonl"
        _as_text_times(frame).write_ndjson(path)
        return path
    text = _as_text_times(frame).write_csv(null_value="", line_terminator="\n").encode("utf-8")
    if file_format == "csv.gz" and table in GZIPPED_TABLES:
        path = folder / f"{table}.csv.gz"
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                    compresslevel=6) as handle:
            handle.write(text)
        return path
    path = folder / f"{table}.csv"
    path.write_bytes(text)
    return path


def write_directory(org: pl.DataFrame, path: Path) -> Path:
    """The HR directory (Spanish headers) for everyone in the org directory."""
    frame = org.filter(pl.col("in_directory")).select(
        id_empleado="person_id", correo="email", nombre="display_name", region="region", oficina="office",
        puesto="role", jefe="manager_id",
    )
    path.write_bytes(frame.write_csv(null_value="", line_terminator="\n").encode("utf-8"))
    return path


def write_manifest(out_dir: Path, files: list[Path]) -> Path:
    lines = []
    for f in sorted(files):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        lines.append(f"{digest}  {f.relative_to(out_dir).as_posix()}")
    manifest = out_dir / "checksums.sha256"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest
