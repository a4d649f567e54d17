"""pulso audit [--db FILE] [--viewer EMAIL] [--since DATE] [--format table|json]: the audit trail.

Lists every view or download of person-level data (dashboard pages, CSV downloads, reports, command-line
outputs): when, who, what and over which scope, oldest first. The log lives outside the store
(``[privacy] audit_log``; by default ``<store>.audit.jsonl`` beside it).
"""

from __future__ import annotations

import json
from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("audit", parents=[common], help="list who viewed or downloaded person-level data")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--viewer", metavar="EMAIL", help="only this viewer's entries")
    p.add_argument("--since", metavar="DATE", help="only entries on or after this day (YYYY-MM-DD, UTC)")
    p.add_argument("--format", dest="output", default="table", choices=("table", "json"))
    p.set_defaults(func=run)


def log_path(db: Path) -> Path:
    """The store's audit log: from the settings it was built with when the store exists, else beside it."""
    from pulso.core.audit import audit_path

    if db.exists():
        from metrics.store import connect_read_only, store_settings

        con = connect_read_only(db)
        try:
            return audit_path(db, store_settings(con).privacy.audit_log)
        finally:
            con.close()
    return audit_path(db)


def describe(scope: dict) -> str:
    parts = [f"{scope.get('start', '?')}..{scope.get('end', '?')}"] if scope else []
    for key in ("regions", "offices", "roles", "groups"):
        if scope.get(key):
            parts.append(f"{key}={','.join(scope[key])}")
    rights = scope.get("rights") or {}
    if rights:
        units = ",".join((rights.get("regions") or []) + (rights.get("offices") or [])) or "all"
        parts.append(f"as {rights.get('role')} ({units})")
    return " ".join(parts)


def run(args) -> int:
    from pulso.core.audit import entries
    from pulso.core.periods import parse_day

    path = log_path(args.db)
    found = entries(path)
    if args.viewer:
        found = [e for e in found if str(e.get("viewer", "")).lower() == args.viewer.strip().lower()]
    if args.since:
        since = parse_day(args.since, "--since").isoformat()
        found = [e for e in found if str(e.get("at", ""))[:10] >= since]
    if args.output == "json":
        for entry in found:
            print(json.dumps(entry, ensure_ascii=False))
        return 0
    print(f"audit log {path.name}: {len(found)} entr{'y' if len(found) == 1 else 'ies'}")
    for e in found:
        print(f"{e.get('at', ''):<26}{str(e.get('viewer', '')):<32}{str(e.get('action', '')):<10}"
              f"{str(e.get('what', '')):<28}{describe(e.get('scope') or {})}")
    return 0
