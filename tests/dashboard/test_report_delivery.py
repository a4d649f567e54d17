"""`pulso report` narrowed by region, office and role, printed to PDF with Chromium, and sent by mail through
an SMTP server from the settings -- here a local one (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import socket
from datetime import date
from email import policy
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from dashboard.i18n import fmt_number
from metrics.registry import compute
from metrics.store import connect_read_only
from pulso.cli.main import main
from pulso.core.scope import Scope

WEEK = Scope(date(2026, 11, 9), date(2026, 11, 15))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"pulso", b"s3creto")
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    inbox.port = controller.port
    inbox.logins = logins
    yield inbox
    controller.stop()


def settings_file(tmp_path, port: int, username: str = "") -> str:
    path = tmp_path / "org.toml"
    path.write_text(f'[report]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nfrom = "pulso@banco.mx"\n'
                    f'starttls = false\nusername = "{username}"\npassword_env = "PULSO_TEST_SMTP_PASSWORD"\n')
    return str(path)


def kpi(db, scope, name):
    con = connect_read_only(db)
    try:
        frame = compute(con, "kpi_summary", scope)
    finally:
        con.close()
    return frame.filter(frame["kpi"] == name)["value"][0]


def test_mail_to_sends_the_report_with_the_key_indicators(hand_store, tmp_path, smtp, capsys):
    """Hand store (tests/dashboard/conftest.py): in Sur this week Carla replied once (1 active account of 2, adoption
    50 %); the week before nobody in Sur acted, so the accounts have no relative change and adoption rose 50 points."""
    code = main(["--config", settings_file(tmp_path, smtp.port), "report", "--db", str(hand_store), "--period",
                 "2026-W46", "--region", "Sur", "--mail-to", "direccion@banco.mx", "ana@banco.mx"])
    assert code == 0, capsys.readouterr().err
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["direccion@banco.mx", "ana@banco.mx"]
    assert message["From"] == "pulso@banco.mx"
    assert message["Subject"] == "Reporte de participación · 9 nov 2026 – 15 nov 2026 · Región: Sur"
    lines = message.get_body(("plain",)).get_content().splitlines()
    assert lines[0] == "Indicadores clave:"
    assert "- Cuentas activas: 1" in lines and "- Adopción: 50.0 % (+50.0 pts)" in lines
    assert "- Respuestas: 1" in lines and "- Hilos iniciados: 0" in lines
    assert not [line for line in lines if "Visitas" in line]  # not supplied by the sources: left out, not 0
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_filename() == "pulso-2026-11-09_2026-11-15.html"
    html = attachment.get_content()
    assert "Región: Sur" in html and "Cuentas activas</div><div class=\"v\">1</div>" in html
    assert "sent the report 2026-11-09..2026-11-15" in capsys.readouterr().out


def test_mail_login_reads_the_password_from_the_environment(hand_store, tmp_path, smtp, monkeypatch, capsys):
    config = settings_file(tmp_path, smtp.port, username="pulso")
    monkeypatch.delenv("PULSO_TEST_SMTP_PASSWORD", raising=False)
    assert main(["--config", config, "report", "--db", str(hand_store), "--mail-to", "a@banco.mx"]) == 2
    assert "PULSO_TEST_SMTP_PASSWORD" in capsys.readouterr().err and not smtp.messages
    monkeypatch.setenv("PULSO_TEST_SMTP_PASSWORD", "s3creto")
    assert main(["--config", config, "report", "--db", str(hand_store), "--mail-to", "a@banco.mx"]) == 0
    assert smtp.logins and all(ok for _, ok in smtp.logins) and len(smtp.messages) == 1
    monkeypatch.setenv("PULSO_TEST_SMTP_PASSWORD", "wrong")
    assert main(["--config", config, "report", "--db", str(hand_store), "--mail-to", "a@banco.mx"]) == 2
    assert "could not send the report" in capsys.readouterr().err


@pytest.mark.parametrize("args, problem", [
    (["--region", "Atlántida", "--out", "r.html"], "--region 'Atlántida': not in the store (known: Norte, Sur)"),
    (["--role", "Gerente", "--out", "r.html"], "--role 'Gerente': not in the store"),
    ([], "say where the report goes"),
    (["--mail-to", "a@banco.mx"], "--mail-to needs an SMTP server"),
])
def test_bad_report_requests_are_one_line(hand_store, tmp_path, capsys, args, problem, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--db", str(hand_store), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and len(err.splitlines()) == 1


def test_an_unreachable_smtp_server_is_one_line(hand_store, tmp_path, capsys):
    config = settings_file(tmp_path, free_port())
    assert main(["--config", config, "report", "--db", str(hand_store), "--mail-to", "a@banco.mx"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pulso: error: could not send the report through 127.0.0.1:") and len(err.splitlines()) == 1


def test_a_password_in_the_settings_file_is_refused(tmp_path):
    from pulso.core.errors import SettingsError
    from pulso.core.settings import load_settings

    path = tmp_path / "org.toml"
    path.write_text('[report]\nsmtp_host = "x"\npassword = "s3creto"\n')
    with pytest.raises(SettingsError, match="environment variable"):
        load_settings(path)


@pytest.mark.slow
def test_region_report_as_pdf_mailed(sample_store, tmp_path, smtp, capsys):
    """The sample's Bajío report printed by Chromium and mailed: its text carries the region and the same active
    accounts as the metric."""
    from pypdf import PdfReader

    out = tmp_path / "bajio.pdf"
    code = main(["--config", settings_file(tmp_path, smtp.port), "report", "--db", str(sample_store), "--region",
                 "Bajío", "--format", "pdf", "--out", str(out), "--mail-to", "direccion@banco.mx"])
    assert code == 0, capsys.readouterr().err
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages)
    active = fmt_number(kpi(sample_store, Scope(WEEK.start, WEEK.end, regions=("Bajío",)), "active_accounts"), "es")
    assert "Reporte de participación" in text and "Región: Bajío" in text
    assert f"Cuentas activas {active}" in text
    # Bajío's two silent offices (Querétaro Norte, Morelia Oriente), each with its reason in Spanish
    assert "Querétaro Norte" in text and "Sin actividad desde el" in text
    assert "None" not in text and "nan" not in text.split()
    _, message = smtp.messages[0]
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content() == content
