"""pulso report: the period report, as the dashboard's Resumen page says it, in HTML or PDF, to a file and/or by mail.

    pulso report [--period 2026-W46] [--region R ...] [--office O ...] [--role R ...] [--lang es|en]
                 [--format html|pdf] [--out FILE] [--mail-to ADDRESS ...] [--db FILE]

``--period`` takes an ISO week (``2026-W46``), a month (``2026-11``), a day
(``2026-11-15``) or a range (``2026-11-01..2026-11-15``); without it, the last
complete week with data. ``--region``, ``--office`` and ``--role`` (repeatable,
role by its name in the settings' hierarchy) narrow it as the dashboard's
filters do; each value is checked against the store. ``--format pdf`` prints the
HTML with Chromium. ``--mail-to`` sends it (attached, with the key indicators in
the message) through the SMTP server of the settings' ``[report]`` section; the
password comes from the environment variable it names. Meant for a cron job or
a systemd timer on Thursday mornings (see the README). ``--viewer EMAIL`` writes
the report as that viewer sees the dashboard (``[[access.viewers]]`` of the store):
a regional manager's report covers their region only (one scoped weekly report
per regional manager), sections a viewer may not see say so, small groups are
suppressed for viewers with aggregates only. Every report is written to the audit
log (it lists top posts by author).
"""

from __future__ import annotations

from pathlib import Path


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("report", parents=[common],
                              help="write the period report (HTML or PDF) and/or send it by mail")
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-11-15 or START..END (default: last complete week)")
    for flag, what in (("region", "region"), ("office", "office"), ("role", "role (its name in the settings)")):
        p.add_argument(f"--{flag}", action="append", default=[], help=f"only this {what} (repeatable)")
    p.add_argument("--format", dest="file_format", choices=("html", "pdf"), default=None,
                   help="html (one self-contained file) or pdf (printed with Chromium); default: from --out, else html")
    p.add_argument("--out", type=Path, help="file to write")
    p.add_argument("--mail-to", nargs="+", default=[], metavar="ADDRESS",
                   help="send the report to these addresses through the SMTP server of the settings' [report]")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="language (default: es)")
    from pulso.cli.commands.metric import add_viewer_options

    add_viewer_options(p)
    p.set_defaults(func=run)


def checked_scope(con, args):
    """The scope the arguments ask for; every filter value must be one the store knows."""
    from metrics.store import data_span
    from metrics.store_overview import filter_options
    from pulso.cli.commands.metric import viewer_rights
    from pulso.cli.main import UserError
    from pulso.core.periods import last_complete_week, parse_period
    from pulso.core.scope import Scope

    if args.period:
        start, end = parse_period(args.period)
    else:
        span = data_span(con)
        if span is None:
            raise UserError(f"{args.db}: the store holds no dated activity yet; give --period")
        start, end = last_complete_week(span[1])
    rights = viewer_rights(args, con)
    options = filter_options(con, rights)  # a viewer's report names only units their rights cover
    known = {"region": options["region"], "office": sorted({o for o, _ in options["office"]}), "role": options["role"]}
    for flag in ("region", "office", "role"):
        for value in getattr(args, flag):
            if value not in known[flag]:
                shown = ", ".join(known[flag][:12]) + (", ..." if len(known[flag]) > 12 else "")
                raise UserError(f"--{flag} {value!r}: not in the store (known: {shown})")
    return Scope(start, end, tuple(args.region), tuple(args.office), tuple(args.role), rights=rights)


def run(args) -> int:
    from dashboard.report import build_report, html_to_pdf
    from metrics.registry import compute, load_all_metrics
    from metrics.store import connect_read_only, data_span, store_settings
    from pulso.cli.commands.metric import record_audit
    from pulso.cli.main import UserError
    from pulso.core.settings import load_settings

    file_format = args.file_format or (args.out.suffix.lower().lstrip(".") if args.out and
                                       args.out.suffix.lower() in (".html", ".pdf") else "html")
    if args.out is None and not args.mail_to:
        raise UserError("say where the report goes: --out FILE, --mail-to ADDRESS ..., or both")
    delivery = load_settings().report if args.mail_to else None
    if delivery is not None and not delivery.smtp_host:
        raise UserError("--mail-to needs an SMTP server: set smtp_host (and from) in the [report] section of the "
                        "settings file (--config FILE)")
    con = connect_read_only(args.db)
    try:
        scope = checked_scope(con, args)
        settings = store_settings(con)
        registry = load_all_metrics()
        document = build_report(lambda name, s, **params: compute(con, name, s, **params), scope, args.lang,
                                registry, settings, span=data_span(con))
        summary = mail_summary(con, scope, args.lang, registry) if args.mail_to else ""
        record_audit(con, args, "report", args.out.name if args.out else f"mail to {', '.join(args.mail_to)}", scope)
    finally:
        con.close()
    content = html_to_pdf(document) if file_format == "pdf" else document.encode("utf-8")
    what = f"report {scope.start.isoformat()}..{scope.end.isoformat()} ({file_format}, {len(content) / 1e6:.1f} MB)"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(content)
        print(f"{args.out}: {what}")
    if args.mail_to:
        name = args.out.name if args.out else f"pulso-{scope.start.isoformat()}_{scope.end.isoformat()}.{file_format}"
        send(delivery, args.mail_to, subject(scope, args.lang, settings), summary, content, name, file_format)
        print(f"sent the {what} to {', '.join(args.mail_to)}")
    return 0


def subject(scope, lang: str, settings) -> str:
    from dashboard.i18n import fmt_date, t
    from dashboard.report import scope_words

    return (f"{t('report_title', lang)} · {fmt_date(scope.start, lang)} – {fmt_date(scope.end, lang)} · "
            f"{scope_words(scope, lang, settings)}")


def mail_summary(con, scope, lang: str, registry: dict) -> str:
    """The key indicators as lines of text for the message body: "Cuentas activas: 1,048 (-0.8 %)"."""
    from dashboard import present
    from dashboard.i18n import t
    from metrics.registry import compute

    kpis = compute(con, "kpi_summary", scope)
    lines = [t("kpis", lang) + ":"]
    for row in kpis.iter_rows(named=True):
        definition = registry[row["kpi"]]
        if not row["available"]:
            continue
        value = present.cell_text(row["value"], definition.value_format, lang)
        change = present.change_text(row["change"], row["change_unit"], lang)
        lines.append(f"- {definition.label[lang]}: {value}" + (f" ({change})" if change else ""))
    return "\n".join(lines)


def send(delivery, recipients: list[str], subject_line: str, body: str, content: bytes, filename: str,
         file_format: str) -> None:
    """Send the report as an attachment through the configured SMTP server (STARTTLS and login when set)."""
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from pulso.cli.main import UserError

    for address in recipients:
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise UserError(f"--mail-to {address!r}: not an e-mail address")
    message = EmailMessage()
    message["Subject"] = subject_line
    message["From"] = delivery.sender or f"pulso@{delivery.smtp_host}"
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="pulso")
    message.set_content(body + "\n")
    if file_format == "pdf":
        message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    else:
        message.add_attachment(content.decode("utf-8"), subtype="html", charset="utf-8", filename=filename)
    try:
        with smtplib.SMTP(delivery.smtp_host, delivery.smtp_port, timeout=60) as server:
            if delivery.starttls:
                server.starttls(context=ssl.create_default_context())
            if delivery.username:
                password = delivery.password()
                if not password:
                    raise UserError(f"the SMTP login needs its password in the environment variable "
                                    f"{delivery.password_env}")
                server.login(delivery.username, password)
            refused = server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise UserError(f"could not send the report through {delivery.smtp_host}:{delivery.smtp_port}: "
                        f"{' '.join(str(exc).split())[:200]}") from None
    if refused:
        raise UserError(f"the SMTP server refused: {', '.join(sorted(refused))}")
