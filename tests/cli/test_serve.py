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
