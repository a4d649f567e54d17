"""Microsoft 365 usage reports for Yammer / Viva Engage (docs/formats/m365.md).

One report CSV (or its JSON form, Graph beta ``$format=application/json``: a
``value`` list of camelCase records), or a folder / zip of them, as the admin
center or Graph (``getYammer*``) gives them: UTF-8 with or without a byte-order mark, any
number of report periods (D7, D30, D90, D180) and refresh dates side by side.
Per-user and per-group detail reports are loaded:

- Activity user detail -> people (``m365:<upn>``, e-mail = lower-cased UPN so
  the engine merges the person with the network export and the directory) and
  activity_counts rows ``posted``, ``read``, ``liked``.
- Device usage user detail -> people and activity_counts rows
  ``device:web``, ``device:windows_phone``, ``device:android_phone``,
  ``device:iphone``, ``device:ipad``, ``device:other`` (1 = used, 0 = not).
- Groups activity detail -> groups (``m365:group:<name>``; private when Group
  Type says so). Its per-group counts have no canonical table and are not kept.

Every count covers period_start..period_end where period_end is the Report
Refresh Date and period_start = refresh date - Report Period + 1 day; the key
person × period_start × period_end × activity keeps several periods and
refresh dates apart without double counting. Concealed (hashed) names are kept
as their own people (no e-mail: a hash is no address). Tenant-level aggregate
reports carry no person: their rows are rejected with a reason, never silently
dropped. A negative count rejects that count row alone (each line gives three
or six rows, told apart in rejected_rows by ``item``).

Limits: each report is read whole within ``[limits] parsed_file_mb``; a row
over ``row_kb`` or a quote never closed stops the load naming the row.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import Archive, csv_records, is_zip
from pipelines.staging import Stage

REFRESH, PERIOD, UPN = "Report Refresh Date", "Report Period", "User Principal Name"
ACTIVITY_COLUMNS = {"posted": "Posted Count", "read": "Read Count", "liked": "Liked Count"}
DEVICE_COLUMNS = {"device:web": "Used Web", "device:windows_phone": "Used Windows Phone",
                  "device:android_phone": "Used Android Phone", "device:iphone": "Used iPhone",
                  "device:ipad": "Used iPad", "device:other": "Used Others"}
REQUIRED = {
    "activity": (REFRESH, UPN, PERIOD, *ACTIVITY_COLUMNS.values()),
    "device": (REFRESH, UPN, PERIOD, *DEVICE_COLUMNS.values()),
    "groups": (REFRESH, "Group Display Name", PERIOD),
}
STATES = ("active", "suspended", "deleted", "pending")

S = pl.String
PEOPLE_SCHEMA = {"person_id": S, "email": S, "display_name": S, "state": S, "left_at": S, "_line": pl.Int64}
COUNT_SCHEMA = {"person_id": S, "period_start": S, "period_end": S, "activity": S, "count": S,
                "last_activity_date": S, "_line": pl.Int64}
GROUP_SCHEMA = {"group_id": S, "name": S, "is_private": S, "_line": pl.Int64}


def report_kind(header: list[str]) -> str | None:
    """'activity', 'device', 'groups', 'aggregate' (a tenant-level report) or None (not an M365 report)."""
    if not header or header[0] != REFRESH:
        return None
    if UPN in header:
        return "device" if "Used Web" in header else "activity"
    if "Group Display Name" in header:
        return "groups"
    return "aggregate"


def period_bounds(refresh: str | None, period: str | None) -> tuple[str, str]:
    """(period_start, period_end) as ISO dates; ValueError when either cannot be read."""
    end = date.fromisoformat((refresh or "").strip())
    days = int((period or "").strip().upper().removeprefix("D"))
    if days <= 0:
        raise ValueError("report period must be a positive number of days")
    return (end - timedelta(days=days - 1)).isoformat(), end.isoformat()


def person_key(upn: str) -> tuple[str, str | None]:
    """(person_id, email): a real UPN is an e-mail; a concealed one (a hash) is not."""
    upn = upn.strip()
    if "@" in upn:
        return f"m365:{upn.lower()}", upn.lower()
    return f"m365:{upn}", None


def _flag(value: str | None) -> str | None:
    v = (value or "").strip().lower()
    return {"yes": "1", "true": "1", "no": "0", "false": "0"}.get(v)


def _header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
    return [c.strip().strip('"') for c in first.split(",")]


# The JSON form of the reports (Graph beta, ``$format=application/json``): camelCase keys for the CSV's columns.
JSON_KEYS = {
    "reportRefreshDate": REFRESH, "userPrincipalName": UPN, "displayName": "Display Name", "userState": "User State",
    "stateChangeDate": "State Change Date", "lastActivityDate": "Last Activity Date", "postedCount": "Posted Count",
    "readCount": "Read Count", "likedCount": "Liked Count", "reportPeriod": PERIOD, "usedWeb": "Used Web",
    "usedWindowsPhone": "Used Windows Phone", "usedAndroidPhone": "Used Android Phone", "usedIPhone": "Used iPhone",
    "usedIPad": "Used iPad", "usedOthers": "Used Others", "groupDisplayName": "Group Display Name",
    "groupType": "Group Type", "assignedProducts": "Assigned Products",
}
JSON_MARK = b'"reportRefreshDate"'


def json_report(value: object, display: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, records) of a report in its JSON form, as its CSV would give them (lists joined with '+')."""
    records = value.get("value") if isinstance(value, dict) else None
    if not isinstance(records, list):
        raise IngestError(display, 'a usage report in JSON needs a "value" list of records', 1)
    keys = [k for k in JSON_KEYS if any(isinstance(r, dict) and k in r for r in records)]
    header = [REFRESH] + [JSON_KEYS[k] for k in keys if JSON_KEYS[k] != REFRESH]
    order = ["reportRefreshDate"] + [k for k in keys if k != "reportRefreshDate"]

    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, list):
            return "+".join(str(x) for x in v)
        if isinstance(v, bool):
            return "Yes" if v else "No"
        return str(v)

    rows = [(k, [text(r.get(key)) for key in order] if isinstance(r, dict) else [])
            for k, r in enumerate(records, 1)]
    return header, rows


class M365Reader:
    name = "m365"
    description = "Microsoft 365 usage reports for Yammer / Viva Engage (user activity, device usage, groups)"

    def detect(self, path: Path) -> bool:
        try:
            if path.is_file() and path.name.lower().endswith(".csv"):
                with open(path, "rb") as handle:
                    return report_kind(_header(handle.readline())) is not None
            if path.is_file() and path.name.lower().endswith(".json"):
                with open(path, "rb") as handle:
                    return JSON_MARK in handle.read(4096)
            if path.is_dir() or is_zip(path):
                with Archive(path) as archive:
                    csvs = [n for n in archive.names() if n.lower().endswith(".csv")]
                    jsons = [n for n in archive.names() if n.lower().endswith(".json")]
                    return bool(csvs or jsons) and all(report_kind(_header(archive.head(n, 4096))) for n in csvs) \
                        and all(JSON_MARK in archive.head(n, 4096) for n in jsons)
        except (OSError, IngestError):
            return False
        return False

    def read(self, path: Path, stage: Stage) -> None:
        kinds: set[str] = set()
        for display, text in self._reports(path, stage):
            if display.lower().endswith(".json"):
                try:
                    header, records = json_report(stage.budget.load_json(display, text), display)
                except json.JSONDecodeError as exc:
                    raise IngestError(display, f"not valid JSON (cut off or damaged?): {exc.msg}", exc.lineno) \
                        from None
                records = iter(records)
            else:
                header, records = csv_records(text, display, stage.budget)
            kind = report_kind(header)
            if kind is None:
                raise IngestError(display, f"not a Microsoft 365 Yammer usage report (the first column must be "
                                           f"{REFRESH!r}; found {header[0]!r})", 1)
            missing = [c for c in REQUIRED.get(kind, ()) if c not in header]
            if missing:
                raise IngestError(display, f"missing required column {missing[0]!r} ({kind} report)", 1)
            kinds.add(kind)
            getattr(self, f"_{kind}")(display, header, records, stage)
        if kinds & {"activity", "device"}:
            stage.supply("people", "activity_counts")
        if "activity" in kinds:
            stage.supply("reads")
        if "groups" in kinds:
            stage.supply("groups")

    def _reports(self, path: Path, stage: Stage):
        """(display name, text) of every report CSV at path, each within the limits."""
        if path.is_file() and not is_zip(path):
            stage.budget.check_file(str(path), path.stat().st_size, parsed=True)
            data = path.read_bytes()
            stage.budget.take(str(path), len(data))
            try:
                yield str(path), data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise IngestError(str(path), f"not UTF-8 text (byte 0x{data[exc.start]:02x}; re-save as UTF-8)",
                                  data[: exc.start].count(b"\n") + 1) from exc
            return
        with Archive(path, stage.budget) as archive:
            names = [n for n in archive.names() if n.lower().endswith((".csv", ".json"))]
            if not names:
                raise IngestError(str(path), "no report CSV files here")
            for name in names:
                yield archive.display(name), archive.read_text(name)

    def _rows(self, display, header, records, stage, table):
        for line, values in records:
            if not any(v.strip() for v in values):
                stage.reject(display, line, table, "empty row", values)
            elif len(values) != len(header):
                stage.reject(display, line, table, f"expected {len(header)} fields, found {len(values)}", values)
            else:
                row = {h: (v.strip() or None) for h, v in zip(header, values)}
                try:
                    bounds = period_bounds(row.get(REFRESH), row.get(PERIOD))
                except ValueError:
                    stage.reject(display, line, table, f"unreadable {REFRESH!r} / {PERIOD!r}: "
                                                       f"{row.get(REFRESH)!r} / {row.get(PERIOD)!r}", values)
                    continue
                yield line, row, bounds, values

    def _user_report(self, display, header, records, stage, columns: dict[str, str], to_count) -> None:
        people, counts = [], []
        for line, row, (start, end), values in self._rows(display, header, records, stage, "activity_counts"):
            if not row.get(UPN):
                stage.reject(display, line, "activity_counts", f"missing {UPN!r}", values)
                continue
            pid, email = person_key(row[UPN])
            state = (row.get("User State") or "").lower()
            state = state if state in STATES else None
            people.append({"person_id": pid, "email": email, "display_name": row.get("Display Name"),
                           "state": state, "left_at": row.get("State Change Date") if state == "deleted" else None,
                           "_line": line})
            for activity, column in columns.items():
                counts.append({"person_id": pid, "period_start": start, "period_end": end, "activity": activity,
                               "count": to_count(row.get(column)),
                               "last_activity_date": row.get("Last Activity Date"), "_line": line})
        stage.add_frame("people", display, pl.DataFrame(people, schema=PEOPLE_SCHEMA))
        stage.add_frame("activity_counts", display, pl.DataFrame(counts, schema=COUNT_SCHEMA))

    def _activity(self, display, header, records, stage) -> None:
        self._user_report(display, header, records, stage, ACTIVITY_COLUMNS, lambda v: v)

    def _device(self, display, header, records, stage) -> None:
        self._user_report(display, header, records, stage, DEVICE_COLUMNS, _flag)

    def _groups(self, display, header, records, stage) -> None:
        groups = []
        for line, row, _, values in self._rows(display, header, records, stage, "groups"):
            name = row.get("Group Display Name")
            if not name:
                stage.reject(display, line, "groups", "missing 'Group Display Name'", values)
                continue
            kind = (row.get("Group Type") or "").lower()
            groups.append({"group_id": f"m365:group:{name.lower()}", "name": name,
                           "is_private": {"private": "true", "public": "false"}.get(kind), "_line": line})
        stage.add_frame("groups", display, pl.DataFrame(groups, schema=GROUP_SCHEMA))

    def _aggregate(self, display, header, records, stage) -> None:
        for line, values in records:
            stage.reject(display, line, "activity_counts", "tenant-level aggregate report: Pulso loads only the "
                                                           "per-user and per-group detail reports", values)
