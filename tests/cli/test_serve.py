"""streamlit_config.toml really takes effect: `pulso serve` turns it into flags."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from pulso.cli.commands.serve import STREAMLIT_CONFIG, streamlit_flags
from tests.conftest import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_setting_becomes_a_flag(tmp_path):
    config = tmp_path / "st.toml"
    config.write_text('[server]\nport = 9123\nheadless = true\n[theme]\nprimaryColor = "#123456"\n')
    assert streamlit_flags(config) == ["--server.port=9123", "--server.headless=true", "--theme.primaryColor=#123456"]


def test_project_file_sets_port_and_usage_stats():
    flags = streamlit_flags(STREAMLIT_CONFIG)
    assert "--server.port=8501" in flags and "--browser.gatherUsageStats=false" in flags


def test_a_setting_in_the_file_reaches_the_running_server(tmp_path):
    port = free_port()
    config = tmp_path / "st.toml"
    config.write_text(f'[server]\nport = {port}\naddress = "127.0.0.1"\nheadless = true\n'
                      f'[browser]\ngatherUsageStats = false\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "pulso.cli", "serve", "--db", str(tmp_path / "none.duckdb"),
         "--streamlit-config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
    )
    try:
        deadline = time.time() + 60
        body = None
        while time.time() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert body == "ok", "the server did not answer on the port set in the config file"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_stopping_pulso_serve_stops_the_server(tmp_path):
    """`pulso serve` becomes the Streamlit process: terminating it leaves nothing running."""
    port = free_port()
    config = tmp_path / "st.toml"
    config.write_text(f'[server]\nport = {port}\naddress = "127.0.0.1"\nheadless = true\n')
    process = subprocess.Popen([sys.executable, "-m", "pulso.cli", "serve", "--db", str(tmp_path / "none.duckdb"),
                                "--streamlit-config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    process.terminate()
    process.wait(timeout=20)
    time.sleep(1)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()


# ---- local mode and sign-in configuration (issue 12) ---------------------------------------------------------

def test_without_sign_in_only_localhost_is_served(tmp_path, capsys, monkeypatch):
    from pulso.cli.main import main

    for variable in ("PULSO_AUTH_CLIENT_ID", "PULSO_AUTH_CLIENT_SECRET", "PULSO_AUTH_METADATA_URL",
                     "PULSO_AUTH_REDIRECT_URI"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main(["serve", "--db", str(tmp_path / "none.duckdb"), "--", "--server.address=0.0.0.0"])
    err = capsys.readouterr().err
    assert code == 2 and "may only listen on 127.0.0.1" in err and "--allow-open" in err
    assert len(err.strip().splitlines()) == 1


def test_the_address_is_the_last_one_given():
    from pulso.cli.commands.serve import flag_value

    assert flag_value(["--server.address=127.0.0.1", "--server.address", "0.0.0.0"], "server.address") == "0.0.0.0"
    assert flag_value(["--server.port=1"], "server.address") is None


def test_sign_in_from_the_environment_is_written_for_the_owner_only(tmp_path):
    import tomllib

    from pulso.cli.commands.serve import secrets_from_environment

    path = secrets_from_environment({"PULSO_AUTH_CLIENT_ID": "pulso", "PULSO_AUTH_CLIENT_SECRET": "s3cr\"t",
                                     "PULSO_AUTH_METADATA_URL": "https://login.example/.well-known/openid-configuration",
                                     "PULSO_AUTH_REDIRECT_URI": "https://pulso.example/oauth2callback"})
    try:
        auth = tomllib.loads(path.read_text())["auth"]
        assert auth["client_secret"] == "s3cr\"t" and len(auth["cookie_secret"]) == 64
        assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
        assert not str(path).startswith(str(PROJECT_ROOT))
    finally:
        path.unlink()
        path.parent.rmdir()
    assert secrets_from_environment({}) is None
    with pytest.raises(Exception, match="PULSO_AUTH_CLIENT_SECRET"):
        secrets_from_environment({"PULSO_AUTH_CLIENT_ID": "x", "PULSO_AUTH_METADATA_URL": "u",
                                  "PULSO_AUTH_REDIRECT_URI": "r"})


def test_a_secrets_file_without_a_provider_is_one_clear_error(tmp_path, capsys):
    from pulso.cli.main import main

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n')
    assert main(["serve", "--db", str(tmp_path / "none.duckdb"), "--secrets", str(secrets)]) == 2
    assert "lacks client_id, client_secret and server_metadata_url" in capsys.readouterr().err


def test_with_sign_in_the_secrets_file_is_handed_to_streamlit(tmp_path):
    from pulso.cli.commands.serve import command_line

    secrets = tmp_path / "secrets.toml"
    line = command_line(tmp_path / "db", STREAMLIT_CONFIG, ["--server.address=0.0.0.0"], secrets)
    assert f"--secrets.files={secrets}" in line and line[-1] == "--server.address=0.0.0.0"
