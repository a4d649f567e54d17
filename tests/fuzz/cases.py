"""The fuzz cases: seeded mutations of the bundled sample and of the real exports under ../shared/realdata, across
every reader.

A case is (base export, mutation kind, seed). ``build(case, folder)`` copies the base into ``folder`` and applies
the mutation; everything random comes from ``random.Random(f"{seed}:{number}")``, so a case is rebuilt exactly
from its seed and number (``python -m tests.fuzz.run --seed S --case N``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import shutil
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.fuzz import counts

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SAMPLE = PROJECT_ROOT / "data" / "sample"

KINDS = ("truncate", "encoding", "bad_bytes", "line_endings", "delimiter", "missing_column", "extra_column",
         "wrong_type", "duplicate_record", "colliding_id", "huge_field", "deep_nesting", "archive_trick",
         "compression_bomb", "far_date", "bad_offset", "nul_bytes", "empty_file", "header_only", "bom")
BASES = ("sample", "directory", "slack", "slack_zip", "stackexchange", "m365", "yammer", "yammer_zip", "teams",
         "lazega")
SMALL_LIMITS = "[limits]\nfile_mb = 4\nparsed_file_mb = 4\nload_mb = 64\narchive_files = 40\n"


@dataclass
class Case:
    number: int
    base: str
    kind: str
    seed: int
    detail: str = ""
    paths: list[str] = field(default_factory=list)
    config: str | None = None

    @property
    def name(self) -> str:
        return f"#{self.number} {self.kind} on {self.base}"


# ---- bases --------------------------------------------------------------------------------------------------------

def _slice_csv(source: Path, target: Path, rows: int) -> None:
    data = counts.read_bytes(source).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data, newline="")))[: rows + 1]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    out = buffer.getvalue().encode("utf-8")
    target.write_bytes(gzip.compress(out, mtime=0) if target.name.endswith(".gz") else out)


def build_bases(root: Path) -> Path:
    """Every base export, once, under ``root`` (small: a case must load in well under a second)."""
    done = root / ".complete"
    if done.exists():
        return root
    sample = root / "sample" / "export"
    sample.mkdir(parents=True)
    for path in sorted((SAMPLE / "export").iterdir()):
        _slice_csv(path, sample / path.name, 150)
    _slice_csv(SAMPLE / "directory.csv", root / "sample" / "directory.csv", 150)
    (root / "directory").mkdir()
    _slice_csv(SAMPLE / "directory.csv", root / "directory" / "directorio.csv", 80)
    shutil.copy(REALDATA / "slack_hfaran_testarchive" / "testarchive.zip", root / "slack.zip")
    with zipfile.ZipFile(root / "slack.zip") as zf:
        zf.extractall(root / "slack")
    se = root / "stackexchange"
    se.mkdir()
    for name, keep in (("Users.xml", 60), ("Posts.xml", 60), ("Comments.xml", 60), ("Votes.xml", 120)):
        tree = ET.parse(REALDATA / "stackexchange_conlang_meta" / name)
        rows = list(tree.getroot())
        for extra in rows[keep:]:
            tree.getroot().remove(extra)
        tree.write(se / name, encoding="utf-8", xml_declaration=True)
    m365 = Path(shutil.copytree(FIXTURES / "m365" / "reports", root / "m365"))
    shutil.copy(REALDATA / "m365_yammer_usage_report_schemas" / "YammerActivityUserDetail.beta_json.DOC_EXAMPLE.json",
                m365 / "ActivityUserDetail.json")
    shutil.copy(REALDATA / "m365_yammer_usage_report_schemas" / "YammerGroupsActivityGroupCounts.DOC_EXAMPLE.csv",
                m365 / "GroupCounts.csv")
    shutil.copytree(FIXTURES / "yammer" / "network_export", root / "yammer")
    with zipfile.ZipFile(root / "yammer.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((root / "yammer").iterdir()):
            zf.write(p, p.name)
    shutil.copytree(FIXTURES / "teams" / "graph_export", root / "teams")
    lazega = root / "lazega"
    lazega.mkdir()
    attributes = [line.split() for line in (REALDATA / "lazega_lawfirm" / "ELattr.dat").read_text().splitlines()
                  if line.strip()]
    matrix = [line.split() for line in (REALDATA / "lazega_lawfirm" / "ELwork.dat").read_text().splitlines()
              if line.strip()]
    offices = {"1": "Boston", "2": "Hartford", "3": "Providence"}
    with open(lazega / "people.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["person_id", "display_name", "joined_at"])
        for a in attributes:  # joined: 1991 (the study) minus the years with the firm, when after 1990
            writer.writerow([f"L{int(a[0])}", f"Lawyer {int(a[0])}",
                             f"{1991 - int(a[4])}-01-15T09:00:00-05:00" if int(a[4]) <= 1 else ""])
    with open(lazega / "interactions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["interaction_id", "source_person_id", "target_person_id", "kind", "occurred_at"])
        k = 0
        for i in range(len(matrix)):
            for j in range(i + 1, len(matrix)):
                if matrix[i][j] == "1":
                    k += 1
                    writer.writerow([f"t{k}", f"L{i + 1}", f"L{j + 1}", "cowork", f"1990-{1 + k % 12:02d}-10"])
    with open(root / "lazega_directory.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "region", "office", "role"])
        for a in attributes:
            writer.writerow([f"L{int(a[0])}", offices[a[3]], offices[a[3]], "partner" if a[1] == "1" else "associate"])
    done.write_text("ok")
    return root


def base_paths(base: str, folder: Path) -> list[Path]:
    """The paths a case of ``base`` loads, inside its own copy ``folder``."""
    return {
        "sample": [folder / "export", folder / "directory.csv"],
        "directory": [folder / "directorio.csv"],
        "slack": [folder / "slack"], "slack_zip": [folder / "slack.zip"],
        "stackexchange": [folder / "stackexchange"], "m365": [folder / "m365"],
        "yammer": [folder / "yammer"], "yammer_zip": [folder / "yammer.zip"],
        "teams": [folder / "teams"], "lazega": [folder / "lazega", folder / "lazega_directory.csv"],
    }[base]


def copy_base(base: str, bases: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sources = {"sample": ["sample/export", "sample/directory.csv"], "directory": ["directory/directorio.csv"],
               "slack": ["slack"], "slack_zip": ["slack.zip"], "stackexchange": ["stackexchange"], "m365": ["m365"],
               "yammer": ["yammer"], "yammer_zip": ["yammer.zip"], "teams": ["teams"],
               "lazega": ["lazega", "lazega_directory.csv"]}[base]
    for source in sources:
        src = bases / source
        dst = folder / Path(source).name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    return base_paths(base, folder)


def expected_counts(base: str, paths: list[Path]) -> tuple[Counter, set]:
    """Independent counts of what a (successfully loaded) case holds, and the keys counted as a lower bound."""
    if base in ("sample", "lazega"):
        return counts.pulso_folder(paths[0]) + counts.directory(paths[1]), set()
    if base == "directory":
        return counts.directory(paths[0]), set()
    if base in ("slack", "slack_zip"):
        found = counts.slack(paths[0])
        return found, {k for k in found if k[1] == "people"}
    if base == "stackexchange":
        return counts.stackexchange(paths[0]), set()
    if base == "m365":
        return counts.m365(paths[0]), set()
    if base in ("yammer", "yammer_zip"):
        return counts.yammer(paths[0]), set()
    return Counter(), set()  # teams: the engine's own check (read = loaded + rejected + duplicates) only


# ---- mutations ----------------------------------------------------------------------------------------------------

def data_files(paths: list[Path]) -> list[Path]:
    """The files of a case that a reader reads (zips: the zip itself)."""
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".csv", ".gz", ".json",
                                                                                           ".xml", ".jsonl"))
        else:
            out.append(p)
    return out


class ZipEdit:
    """Edit one member of a zip (every other member kept as it was)."""

    def __init__(self, path: Path, rng: random.Random, name: str | None = None):
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self.members = [(i.filename, zf.read(i)) for i in zf.infolist() if not i.is_dir()]
        names = [n for n, _ in self.members if n.lower().endswith((".csv", ".json", ".xml"))]
        self.name = name or rng.choice(names)

    def data(self) -> bytes:
        return dict(self.members)[self.name]

    def write(self, data: bytes | None, extra: list[tuple] = ()) -> None:
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, d in self.members:
                if n == self.name:
                    if data is not None:
                        zf.writestr(n, data)
                else:
                    zf.writestr(n, d)
            for info, d in extra:
                zf.writestr(info, d)


def text_target(paths: list[Path], rng: random.Random, suffixes=(".csv", ".json", ".xml", ".gz")):
    """(a callable returning the bytes, a callable writing them, a name) for one data file or zip member."""
    files = [f for f in data_files(paths) if f.name.lower().endswith(suffixes) or f.name.endswith(".zip")]
    target = rng.choice(files)
    if target.name.endswith(".zip"):
        edit = ZipEdit(target, rng)
        return edit.data, edit.write, f"{target.name}!{edit.name}"
    if target.name.endswith(".gz"):
        return (lambda: gzip.decompress(target.read_bytes()),
                lambda d: target.write_bytes(gzip.compress(d, mtime=0)), target.name)
    return target.read_bytes, target.write_bytes, target.name


def _csv_lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig", "surrogateescape").splitlines()


def _join(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def _json_items(value: object) -> list:
    """The record lists of a JSON document (a top-level list, a Graph page's value list)."""
    if isinstance(value, list):
        if all(isinstance(v, dict) and "value" in v for v in value) and value:
            return [v["value"] for v in value if isinstance(v.get("value"), list)]
        return [value]
    if isinstance(value, dict) and isinstance(value.get("value"), list):
        return [value["value"]]
    return []


def mutate_records(data: bytes, name: str, rng: random.Random, action) -> tuple[bytes, str]:
    """Apply ``action(records, rng) -> detail`` to the records of a CSV (lists of cells), JSON (dicts) or XML (row
    attribute dicts) file, and write them back in the same format."""
    lower = name.lower()
    if lower.endswith((".csv", ".csv.gz")) or ".csv" in lower:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig", "replace"), newline="")))
        detail = action(rows, rng, "csv")
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().encode("utf-8"), detail
    if ".json" in lower:
        value = json.loads(data.decode("utf-8-sig"))
        lists = _json_items(value)
        detail = action(rng.choice(lists) if lists else [], rng, "json")
        text = json.dumps(value, ensure_ascii=False)
        if DEEP in text:  # nesting too deep for json.dumps: written as text
            depth = int(detail.rsplit(" ", 2)[-2])
            text = text.replace(f'"{DEEP}"', "[" * depth + "]" * depth, 1)
        return text.encode("utf-8"), detail
    root = ET.fromstring(data)
    rows = [dict(r.attrib) for r in root]
    detail = action(rows, rng, "xml")
    for child in list(root):
        root.remove(child)
    for r in rows:
        ET.SubElement(root, "row", {k: str(v) for k, v in r.items()})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), detail


def _pick_cell(rows, rng, kind):
    """(record, key) of a random value: a CSV data cell, a JSON record key, an XML attribute."""
    body = rows[1:] if kind == "csv" else rows
    body = [r for r in body if r]
    if not body:
        return None, None
    record = rng.choice(body)
    if kind == "csv":
        return record, rng.randrange(len(record))
    if not isinstance(record, dict) or not record:
        return None, None
    return record, rng.choice(sorted(record))


TIME_KEYS = ("created_at", "createdDateTime", "CreationDate", "joined_at", "started_at", "occurred_at", "ts",
             "Report Refresh Date", "event_date", "lastModifiedDateTime", "period_end")


def _time_cell(rows, rng, kind):
    """(record, key) of a time value, if the file has one."""
    if kind == "csv":
        header = rows[0] if rows else []
        columns = [i for i, h in enumerate(header) if h.strip() in TIME_KEYS]
        body = [r for r in rows[1:] if len(r) == len(header)]
        if not columns or not body:
            return None, None
        return rng.choice(body), rng.choice(columns)
    body = [r for r in rows if isinstance(r, dict) and any(k in r for k in TIME_KEYS)]
    if not body:
        return None, None
    record = rng.choice(body)
    return record, rng.choice([k for k in TIME_KEYS if k in record])


JUNK = ("no-es-valor", "-7", "1e999", "", "[]", "{}", "null", "ñ" * 3, "2026-13-45", "9" * 40, "true", "NaN")
JSON_JUNK = (42, -1, 1e308, None, True, [], {}, "texto", [1, [2]], {"a": {"b": 1}})
FAR = ("9999-12-31T00:00:00Z", "0000-01-01", "infinity", "294247-01-01", "1850-06-01", "3000-01-01T00:00:00+00:00")
SLACK_FAR = ("253402300800.000100", "1e20", "-99999999999", "0")
OFFSETS = ("+25:00", "-99:99", "+14:30", "-1500", "+99")


def apply_mutation(case: Case, paths: list[Path], rng: random.Random, work: Path) -> str:
    """Mutate the case's files in place; return what was done (for the report and reproduction)."""
    kind = case.kind
    if kind == "archive_trick":
        return archive_trick(case, paths, rng, work)
    if kind == "compression_bomb":
        return compression_bomb(case, paths, rng, work)
    read, write, name = text_target(paths, rng)
    data = read()
    if kind == "truncate":
        cut = rng.randrange(len(data) + 1) if data else 0
        write(data[:cut])
        return f"{name} cut at byte {cut} of {len(data)}"
    if kind == "encoding":
        text = data.decode("utf-8-sig", "replace") + ("\nÁrbol, señal, ñandú" if rng.random() < 0.3 else "")
        encoding = rng.choice(("latin-1", "utf-16", "cp1252", "utf-16-le"))
        write(text.encode(encoding, "replace"))
        return f"{name} re-encoded as {encoding}"
    if kind == "bad_bytes":
        at = rng.randrange(len(data) + 1)
        junk = rng.choice((b"\xff\xfe", b"\xc3", b"\xe2\x82", b"\x80\x80\x80"))
        write(data[:at] + junk + data[at:])
        return f"{name}: {junk!r} inserted at byte {at}"
    if kind == "line_endings":
        ending = rng.choice((b"\r\n", b"\r", b"\r\r\n", b"\n\r"))
        write(data.replace(b"\r\n", b"\n").replace(b"\n", ending))
        return f"{name}: line ends {ending!r}"
    if kind == "delimiter":
        mark = rng.choice((";", "\t", "|"))
        write(data.replace(b",", mark.encode()))
        return f"{name}: ',' replaced by {mark!r}"
    if kind == "nul_bytes":
        at = rng.randrange(len(data) + 1)
        write(data[:at] + b"\x00" * rng.choice((1, 3)) + data[at:])
        return f"{name}: NUL at byte {at}"
    if kind == "empty_file":
        write(b"")
        return f"{name} emptied"
    if kind == "bom":
        write(b"\xef\xbb\xbf" * rng.choice((1, 2)) + data.removeprefix(b"\xef\xbb\xbf"))
        return f"{name}: byte-order mark(s) added"
    if kind == "header_only":
        lower = name.lower()
        if ".csv" in lower:
            write(data.splitlines(keepends=True)[0] if data else b"")
        elif ".json" in lower:
            write(b"[]" if data.strip().startswith(b"[") else json.dumps({"value": []}).encode())
        else:
            root = ET.fromstring(data)
            write(f"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root.tag}>\n</{root.tag}>\n".encode())
        return f"{name}: header / empty container only"
    try:
        mutated, detail = mutate_records(data, name, rng, RECORD_ACTIONS[kind])
    except (ValueError, ET.ParseError, UnicodeDecodeError) as exc:
        return f"{name}: not mutated ({type(exc).__name__})"
    write(mutated)
    return f"{name}: {detail}"


def _missing_column(rows, rng, kind):
    if kind == "csv":
        if not rows or not rows[0]:
            return "no columns"
        k = rng.randrange(len(rows[0]))
        gone = rows[0][k]
        for r in rows:
            if k < len(r):
                del r[k]
        return f"column {gone!r} removed"
    body = [r for r in rows if isinstance(r, dict) and r]
    key = rng.choice(sorted({k for r in body for k in r})) if body else None
    for r in body:
        r.pop(key, None)
    return f"key {key!r} removed from every record"


def _extra_column(rows, rng, kind):
    if kind == "csv":
        for i, r in enumerate(rows):
            if r:
                r.append("columna_extra" if i == 0 else f"x{i}")
        return "column 'columna_extra' added"
    for r in rows:
        if isinstance(r, dict):
            r["campo_extra"] = rng.choice(("x", 5, [1], {"y": 2}))
    return "key 'campo_extra' added to every record"


def _wrong_type(rows, rng, kind):
    record, key = _pick_cell(rows, rng, kind)
    if record is None:
        return "nothing to change"
    value = rng.choice(JUNK) if kind != "json" else rng.choice(JSON_JUNK)
    record[key] = value
    return f"value {key!r} set to {value!r}"


def _duplicate_record(rows, rng, kind):
    body = rows[1:] if kind == "csv" else rows
    if not body:
        return "nothing to duplicate"
    record = rng.choice(body)
    rows.insert(rng.randrange(1 if kind == "csv" else 0, len(rows) + 1), json.loads(json.dumps(record)))
    return "a record repeated"


def _colliding_id(rows, rng, kind):
    body = [r for r in (rows[1:] if kind == "csv" else rows) if r]
    if len(body) < 2:
        return "too few records"
    a, b = rng.sample(range(len(body)), 2)
    if kind == "csv":
        body[a][0] = body[b][0]
        return "a record's first column (its id) set to another record's"
    key = next((k for k in ("id", "Id", "userId") if isinstance(body[a], dict) and k in body[a]), None)
    if key is None or not isinstance(body[b], dict) or key not in body[b]:
        return "no id key"
    body[a][key] = body[b][key]
    return f"{key} of one record set to another's"


def _huge_field(rows, rng, kind):
    record, key = _pick_cell(rows, rng, kind)
    if record is None:
        return "nothing to grow"
    size = rng.choice((300_000, 1_200_000, 5_000_000))
    record[key] = "x" * size
    return f"value {key!r} of {size:,} bytes"


DEEP = "__pulso_fuzz_deep__"


def _deep_nesting(rows, rng, kind):
    depth = rng.choice((70, 2_000, 100_000))
    if kind == "json":
        record, key = _pick_cell(rows, rng, kind)
        if record is None:
            return "nothing to nest"
        record[key] = DEEP
        return f"value {key!r} nested {depth} deep"
    record, key = _pick_cell(rows, rng, kind)
    if record is None:
        return "nothing to nest"
    record[key] = "[" * depth + "]" * depth
    return f"value {key!r} holds {depth} nested brackets (text)"


def _far_date(rows, rng, kind):
    record, key = _time_cell(rows, rng, kind)
    if record is None:
        return "no time value"
    record[key] = rng.choice(SLACK_FAR) if key == "ts" else rng.choice(FAR)
    return f"time {key!r} set to {record[key]!r}"


def _bad_offset(rows, rng, kind):
    record, key = _time_cell(rows, rng, kind)
    if record is None or key == "ts":
        return "no time value with an offset"
    value = str(record[key]).strip()
    value = value[:19] if len(value) >= 19 else (value[:10] + "T10:00:00" if len(value) >= 10 else "2024-03-04T10:00:00")
    record[key] = value + rng.choice(OFFSETS)
    return f"time {key!r} set to {record[key]!r}"


RECORD_ACTIONS = {"missing_column": _missing_column, "extra_column": _extra_column, "wrong_type": _wrong_type,
                  "duplicate_record": _duplicate_record, "colliding_id": _colliding_id, "huge_field": _huge_field,
                  "deep_nesting": _deep_nesting, "far_date": _far_date, "bad_offset": _bad_offset}


def archive_trick(case: Case, paths: list[Path], rng: random.Random, work: Path) -> str:
    """A repeated member, an unsafe name, a nested zip, an empty zip, a link out of a folder, too many files."""
    zips = [p for p in paths if p.name.endswith(".zip")]
    folders = [p for p in paths if p.is_dir()]
    if not zips and not folders:  # one file given: give it zipped instead (a reader of single files meets a zip)
        target = paths[0]
        zipped = target.with_name(target.name + ".zip")
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(target, target.name)
        target.unlink()
        zipped.rename(target)
        return f"{target.name} is a zip holding the CSV"
    trick = rng.choice(("repeat", "unsafe", "nested", "empty", "many") if zips else ("link_out", "link_in", "many_dirs"))
    if trick == "link_out" and folders:
        outside = work / "outside.csv"
        outside.write_text("id\n1\n")
        files = data_files(folders[:1])
        victim = rng.choice(files)
        victim.unlink()
        victim.symlink_to(outside)
        return f"{victim.name} replaced by a link out of the export folder"
    if trick == "link_in" and folders:
        files = data_files(folders[:1])
        victim = rng.choice(files)
        real = victim.with_name(victim.name + ".real")
        victim.rename(real)
        victim.symlink_to(real)
        return f"{victim.name} replaced by a link to a file inside the folder"
    if trick == "many_dirs" and folders:
        case.config = SMALL_LIMITS
        for k in range(60):
            (folders[0] / f"vacia{k}").mkdir()
        return "60 empty folders added (archive_files = 40 applies to zips only)"
    if not zips:
        return "no zip"
    target = zips[0]
    edit = ZipEdit(target, rng)
    if trick == "repeat":
        edit.write(edit.data(), [(edit.name, b"[]" if edit.name.endswith(".json") else b"id\n")])
        return f"{target.name}: member {edit.name} appears twice"
    if trick == "unsafe":
        edit.write(edit.data(), [(zipfile.ZipInfo(rng.choice(("../evil.json", "/abs/users.json", "a/../../b.csv"))),
                                  b"[]")])
        return f"{target.name}: an unsafe member name added"
    if trick == "nested":
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as zf:
            zf.writestr(edit.name, edit.data())
        edit.write(None, [("inner.zip", inner.getvalue())])
        return f"{target.name}: {edit.name} moved into a nested inner.zip"
    if trick == "empty":
        with zipfile.ZipFile(target, "w"):
            pass
        return f"{target.name}: an empty zip"
    case.config = SMALL_LIMITS
    edit.write(edit.data(), [(f"relleno/{k:03d}.txt", b"") for k in range(60)])
    return f"{target.name}: 60 more files (archive_files = 40)"


_BOMB_CACHE: dict[int, bytes] = {}


def _zeros_deflated(size: int) -> bytes:
    """A zip holding one member of ``size`` zero bytes (built once per size)."""
    if size not in _BOMB_CACHE:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bomb", "w") as out:
            chunk = b"0" * (1 << 20)
            for _ in range(size >> 20):
                out.write(chunk)
        _BOMB_CACHE[size] = buffer.getvalue()
    return _BOMB_CACHE[size]


def compression_bomb(case: Case, paths: list[Path], rng: random.Random, work: Path) -> str:
    """Small bombs: a gzip or zip member that decompresses to 32-48 MB against 4 MB limits, or (zips) a member
    declaring 600 MB against the default limits."""
    gz = [f for f in data_files(paths) if f.name.endswith(".gz")]
    zips = [p for p in paths if p.name.endswith(".zip")]
    if gz and rng.random() < 0.7:
        case.config = SMALL_LIMITS
        target = rng.choice(gz)
        header = gzip.decompress(target.read_bytes()).split(b"\n", 1)[0] + b"\n"
        size = rng.choice((32, 48)) << 20
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
            out.write(header)
            chunk = b"a" * 60 + b"\n"
            for _ in range(size // len(chunk)):
                out.write(chunk)
        target.write_bytes(buffer.getvalue())
        return f"{target.name}: {size >> 20} MB once decompressed (file_mb = 4)"
    if zips:
        target = zips[0]
        edit = ZipEdit(target, rng)
        size = rng.choice((32 << 20, 600 << 20))
        with zipfile.ZipFile(io.BytesIO(_zeros_deflated(size))) as zf:
            info = zf.getinfo("bomb")
            raw = zf.read(info)
        if size < (100 << 20):
            case.config = SMALL_LIMITS
        edit.write(raw)
        return f"{target.name}!{edit.name}: {size >> 20} MB of zeros" + (" (parsed_file_mb = 4)" if case.config else "")
    files = [f for f in data_files(paths) if f.suffix in (".csv", ".json", ".xml")]
    target = rng.choice(files)
    case.config = SMALL_LIMITS
    gz = target.with_name(target.name + ".gz")
    if target.parent.name in ("export", "lazega") and target.suffix == ".csv":
        header = target.read_bytes().split(b"\n", 1)[0] + b"\n"
        target.unlink()
        gz.write_bytes(gzip.compress(header + b"x" * (40 << 20), mtime=0))
        return f"{target.name} replaced by {gz.name}: 40 MB once decompressed (file_mb = 4)"
    target.write_bytes(target.read_bytes() + b" " * (6 << 20))
    return f"{target.name}: grown by 6 MB of spaces (parsed_file_mb = 4)"


def make_cases(seed: int, count: int) -> list[Case]:
    """``count`` cases cycling through every (base, kind) pair in a seeded order."""
    pairs = [(b, k) for k in KINDS for b in BASES]
    order = random.Random(seed).sample(pairs, len(pairs))
    return [Case(n, *order[n % len(order)], seed) for n in range(count)]


def build(case: Case, bases: Path, folder: Path) -> Case:
    rng = random.Random(f"{case.seed}:{case.number}")
    paths = copy_base(case.base, bases, folder / "input")
    case.detail = apply_mutation(case, paths, rng, folder)
    case.paths = [str(p) for p in paths]
    if case.config:
        config = folder / "limits.toml"
        config.write_text(case.config, encoding="utf-8")
        case.config = str(config)
    return case
