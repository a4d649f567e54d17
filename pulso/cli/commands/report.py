"""pulso report [--period 2026-W46] --out FILE.html [--db FILE] [--lang es|en] [--viewer EMAIL]: the report.

The same self-contained HTML the dashboard's report button downloads.
``--period`` takes an ISO week (``2026-W46``), a month (``2026-11``), a day
(``2026-11-15``) or a range (``2026-11-01..2026-11-15``); without it, the last
complete week with data. ``--viewer EMAIL`` writes the report as that viewer sees
the dashboard (``[[access.viewers]]`` of the store): a regional manager's report
covers their region only; sections a viewer may not see say so; small groups are
suppressed for viewers with aggregates only. Every report is written to the
audit log (it lists top posts by author).
"""

from __future__ import annotations

from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("report", parents=[common], help="write the period report as one self-contained HTML file")
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-11-15 or START..END (default: last complete week)")
    p.add_argument("--out", type=Path, required=True, help="HTML file to write")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="language (default: es)")
    from pulso.cli.commands.metric import add_viewer_options

    add_viewer_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dashboard.report import build_report
    from metrics.registry import compute, load_all_metrics
    from metrics.store import connect_read_only, data_span, store_settings
    from pulso.cli.commands.metric import record_audit, viewer_rights
    from pulso.cli.main import UserError
    from pulso.core.periods import last_complete_week, parse_period
    from pulso.core.scope import Scope

    con = connect_read_only(args.db)
    try:
        if args.period:
            start, end = parse_period(args.period)
        else:
            span = data_span(con)
            if span is None:
                raise UserError(f"{args.db}: the store holds no dated activity yet; give --period")
            start, end = last_complete_week(span[1])
        scope = Scope(start, end, rights=viewer_rights(args, con))
        document = build_report(lambda name, **params: compute(con, name, scope, **params), scope, args.lang,
                                load_all_metrics(), store_settings(con))
        record_audit(con, args, "report", args.out.name, scope)
    finally:
        con.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document, encoding="utf-8")
    print(f"{args.out}: report {start.isoformat()}..{end.isoformat()} ({len(document) / 1e6:.1f} MB)")
    return 0
