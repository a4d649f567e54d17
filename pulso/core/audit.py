"""The audit trail: every view or download of person-level data, one JSON line each, outside the store.

Each entry says who (the signed-in e-mail, or ``cli:<user>`` / ``local`` without sign-in), when (UTC), what
(the action -- ``view``, ``download``, ``report``, ``cli`` -- and the metric or file) and over which scope
(period, filters, the viewer's role and units). The log is a file beside the store (``<store>.audit.jsonl``)
unless ``[privacy] audit_log`` names another; the dashboard appends to it and never writes the store.
``pulso audit`` lists it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pulso.core.scope import Scope


def audit_path(store: str | os.PathLike, setting: str = "") -> Path:
    """The audit log for the store at ``store``: ``setting`` (relative to the store's folder), or beside it."""
    store = Path(store)
    if not setting:
        return store.with_name(store.name + ".audit.jsonl")
    chosen = Path(setting).expanduser()
    return chosen if chosen.is_absolute() else store.parent / chosen


def scope_record(scope: Scope | None) -> dict:
    if scope is None:
        return {}
    out: dict = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    for name in ("regions", "offices", "roles", "groups"):
        if getattr(scope, name):
            out[name] = list(getattr(scope, name))
    if scope.rights is not None:
        out["rights"] = scope.rights.to_dict()
    return out


def append(path: str | os.PathLike, viewer: str, action: str, what: str, scope: Scope | None = None,
           **details: object) -> dict:
    """Append one entry (a single write on a file opened for appending, so concurrent writers do not mix
    lines); the file is created readable by its owner only."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "viewer": viewer, "action": action,
             "what": what, "scope": scope_record(scope), **details}
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def entries(path: str | os.PathLike) -> list[dict]:
    """Every entry of the log, oldest first (a line that is not JSON is reported as such, not skipped)."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"at": "", "viewer": "", "action": "unreadable", "what": f"line {number}", "scope": {}})
    return out
