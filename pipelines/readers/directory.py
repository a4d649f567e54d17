"""The org directory: a CSV from HR that gives each person's region, office,
role and manager. It is the only source of those four facts.

Columns are found by name, in Spanish or English (case and accents ignored):
id (``id``, ``employee_id``, ``id_empleado``, ``numero_empleado``), e-mail
(``email``, ``correo``, ``upn``), name (``name``, ``display_name``, ``nombre``),
``region``, office (``office``, ``oficina``, ``sucursal``), role (``role``,
``rol``, ``puesto``), manager (``manager``, ``manager_id``, ``manager_email``,
``jefe``, ``jefe_directo``: an id or an e-mail). Either an id or an e-mail column is
required, and region, office and role are required.

The file is read whole within ``[limits] parsed_file_mb`` (a .csv.gz once
decompressed); a row over ``row_kb`` or a quote never closed stops the load.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.limits import LimitedStream, csv_rows
from pipelines.readers.files import csv_header, open_binary
from pipelines.staging import Stage

SYNONYMS = {
    "person_id": ("id", "employee_id", "id_empleado", "numero_empleado", "person_id"),
    "email": ("email", "correo", "correo_electronico", "upn", "mail"),
    "display_name": ("name", "display_name", "nombre", "nombre_completo"),
    "region": ("region",),
    "office": ("office", "oficina", "sucursal"),
    "role": ("role", "rol", "puesto"),
    "manager": ("manager", "manager_id", "manager_email", "jefe", "jefe_directo"),
}


REQUIRED_NAMES = {"region": "region", "office": "office, oficina or sucursal", "role": "role, rol or puesto"}


def _normalize(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.strip().lower().replace(" ", "_").replace("-", "_")


def map_header(header: list[str]) -> dict[str, int]:
    """canonical field -> column position, for the fields the header has."""
    positions: dict[str, int] = {}
    normalized = [_normalize(h) for h in header]
    for field, names in SYNONYMS.items():
        for i, col in enumerate(normalized):
            if col in names:
                positions[field] = i
                break
    return positions


class DirectoryReader:
    name = "directory"
    description = "Org directory CSV from HR: id/e-mail, name, region, office, role, manager"

    def detect(self, path: Path) -> bool:
        if not (path.is_file() and path.name.lower().endswith((".csv", ".csv.gz"))):
            return False
        try:
            fields = map_header(csv_header(path))
        except IngestError:
            return False
        return {"region", "office", "role"} <= fields.keys() and bool({"person_id", "email"} & fields.keys())

    def read(self, path: Path, stage: Stage) -> None:
        header = csv_header(path)
        fields = map_header(header)
        for needed in ("region", "office", "role"):
            if needed not in fields:
                raise IngestError(str(path), f"missing required column {needed!r} (org directory; "
                                             f"{REQUIRED_NAMES[needed]})", 1)
        if not {"person_id", "email"} & fields.keys():
            raise IngestError(str(path), "missing required column: an id or an e-mail column (org directory)", 1)
        rows: list[dict] = []
        file = str(path)
        budget = stage.budget
        if not path.name.lower().endswith(".gz"):
            budget.check_file(file, path.stat().st_size, parsed=True)
        line = 1
        try:
            with open_binary(path) as raw:
                stream = LimitedStream(raw, file, budget, parsed=True)
                text = io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig", newline="")
                records = csv_rows(text, file, budget)
                next(records)
                for line, values in records:
                    if not any(v.strip() for v in values):
                        stage.reject(file, line, "people", "empty row", values)
                        continue
                    if len(values) != len(header):
                        stage.reject(file, line, "people",
                                     f"expected {len(header)} fields, found {len(values)}", values)
                        continue
                    record = {f: values[i].strip() or None for f, i in fields.items()}
                    record["_line"] = line
                    rows.append(record)
        except UnicodeDecodeError as exc:
            raise IngestError(file, f"not UTF-8 text ({exc.reason}; re-save the file as UTF-8)", line + 1) from exc
        except (EOFError, OSError) as exc:
            raise IngestError(file, "damaged or truncated compressed file" if file.lower().endswith(".gz")
                              else f"cannot read: {exc}") from exc
        id_by_email = {r["email"].lower(): r.get("person_id") or r["email"].lower()
                       for r in rows if r.get("email")}
        staged = []
        for r in rows:
            email = r["email"].lower() if r.get("email") else None
            manager = r.get("manager")
            if manager and "@" in manager:
                manager = id_by_email.get(manager.lower(), manager.lower())
            staged.append({
                "person_id": r.get("person_id") or email,
                "email": email,
                "display_name": r.get("display_name"),
                "region": r.get("region"),
                "office": r.get("office"),
                "role": r["role"].lower() if r.get("role") else None,
                "manager_id": manager,
                "in_directory": "true",
                "_line": r["_line"],
            })
        schema = {k: pl.String for k in ("person_id", "email", "display_name", "region", "office", "role",
                                         "manager_id", "in_directory")}
        schema["_line"] = pl.Int64
        stage.add_frame("people", file, pl.DataFrame(staged, schema=schema))
        stage.supply("people")


def directory_hint(path: Path) -> IngestError | None:
    """For a CSV no reader recognises: what would make it an org directory, if it looks like one (an id or e-mail
    and some of region, office and role)."""
    try:
        fields = map_header(csv_header(path))
    except IngestError as problem:
        return problem if "separated by" in problem.problem else None
    present = {"region", "office", "role"} & fields.keys()
    has_key = bool({"person_id", "email"} & fields.keys())
    if present and has_key:
        missing = next(n for n in ("region", "office", "role") if n not in present)
        return IngestError(str(path), f"looks like an org directory but has no {missing} column "
                                      f"({REQUIRED_NAMES[missing]})", 1)
    if len(present) >= 2 and not has_key:
        return IngestError(str(path), "looks like an org directory but has no id or e-mail column (id, employee_id, "
                                      "id_empleado, numero_empleado, email, correo, upn)", 1)
    return None
