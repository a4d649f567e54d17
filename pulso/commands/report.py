"""pulso report --period 2026-W46 --out FILE.html [--db FILE] [--lang es|en]: the period report.

The same self-contained HTML the dashboard's report button downloads.
``--period`` takes an ISO week (``2026-W46``), a month (``2026-11``), a day
(``2026-11-15``) or a range (``2026-11-01..2026-11-15``); without it, the last
complete week with data.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path


def parse_period(text: str) -> tuple[date, date]:
    """``2026-W46`` -> (2026-11-09, 2026-11-15); ``2026-11`` -> the month; ``A..B`` -> inclusive range."""
    from pulso.cli import UserError

    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, re.IGNORECASE):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return start, start + timedelta(days=6)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, monthrange(year, month)[1])
        if ".." in text:
            first, last = (date.fromisoformat(part.strip()) for part in text.split("..", 1))
            if last < first:
                raise ValueError("the range ends before it starts")
            return first, last
        day = date.fromisoformat(text)
        return day, day
    except ValueError as exc:
        raise UserError(f"--period {text!r}: expected 2026-W46, 2026-11, 2026-11-15 or 2026-11-01..2026-11-15 ({exc})")


def register(subparsers) -> None:
    from pulso.cli import default_db

    p = subparsers.add_parser("report", help="write the period report as one self-contained HTML file")
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-11-15 or START..END (default: last complete week)")
    p.add_argument("--out", type=Path, required=True, help="HTML file to write")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="language (default: es)")
    p.set_defaults(func=run)


def run(args) -> int:
    from dashboard.filters import last_complete_week
    from dashboard.report import build_report
    from metrics.registry import compute, load_all_metrics
    from metrics.scope import Scope
    from metrics.store import StoreMissing, connect_read_only
    from metrics.store_overview import activity_bounds
    from pulso.cli import UserError

    try:
        con = connect_read_only(args.db)
    except StoreMissing as exc:
        raise UserError(str(exc)) from exc
    try:
        if args.period:
            start, end = parse_period(args.period)
        else:
            bounds = activity_bounds(con)
            if bounds is None:
                raise UserError(f"{args.db}: the store has no activity yet; give --period")
            start, end = last_complete_week(bounds[1])
        scope = Scope(start, end)
        document = build_report(lambda name, **params: compute(con, name, scope, **params), scope, args.lang,
                                load_all_metrics())
    finally:
        con.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document, encoding="utf-8")
    print(f"{args.out}: report {start.isoformat()}..{end.isoformat()} ({len(document) / 1e6:.1f} MB)")
    return 0
