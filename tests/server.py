"""The real dashboard server and Debian's chromium for tests: ``serve`` starts ``pulso serve`` on a free loopback
port with a Streamlit config written for the test, waits until it answers, yields its address and stops it;
``CHROMIUM`` and ``CHROMIUM_ARGS`` launch the browser without it asking anything of another machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run the README's test command (bash bin/test), which installs it")


@contextmanager
def serve(db: Path, folder: Path, extra_config: str = "") -> Iterator[str]:
    """``pulso serve --db db`` on 127.0.0.1 (its config file written in ``folder``, plus ``extra_config`` TOML);
    yields ``http://127.0.0.1:PORT`` once ``/_stcore/health`` answers ok, and stops the server after."""
    port = free_port()
    config = folder / "streamlit_config.toml"
    config.write_text(f'[server]\nport = {port}\naddress = "127.0.0.1"\nheadless = true\n'
                      f'[browser]\ngatherUsageStats = false\n{extra_config}', encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "pulso.cli", "serve", "--db", str(db), "--streamlit-config",
                                str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT,
                               env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the dashboard server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
