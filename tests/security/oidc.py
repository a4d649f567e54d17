"""A local OpenID Connect provider and a signed-in browser, for the end-to-end access tests.

``provider(users)`` starts ``oidc-provider-mock`` (PyPI; installed with the test extra) on 127.0.0.1 with
predefined users carrying claims (e-mail, groups); ``dashboard(db, metadata_url)`` starts ``pulso serve`` with a
secrets file pointing at it; ``sign_in(context, base, sub)`` goes through the whole chain in Debian's chromium
(the dashboard's button -> the provider's form -> /oauth2callback -> the signed cookie). Every request the browser
makes outside 127.0.0.1 is blocked (and recorded): nothing may reach the network.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
MOCK = Path(sys.executable).with_name("oidc-provider-mock")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


@contextlib.contextmanager
def provider(users: list[dict]) -> Iterator[str]:
    """Start the mock provider with ``users`` (each a dict of claims with a ``sub``); yield its metadata URL."""
    port = free_port()
    command = [str(MOCK), "--port", str(port), "--host", "127.0.0.1"]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    try:
        wait_for(url, 30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextlib.contextmanager
def dashboard(db: Path, folder: Path, metadata_url: str | None, extra: tuple[str, ...] = ()) -> Iterator[str]:
    """``pulso serve`` on a free port of 127.0.0.1, signing in through ``metadata_url`` (None: local mode)."""
    port = free_port()
    config = folder / f"streamlit-{port}.toml"
    config.write_text(f'[server]\nport = {port}\naddress = "127.0.0.1"\nheadless = true\n'
                      f'[browser]\ngatherUsageStats = false\n[client]\nshowErrorDetails = "full"\n')
    command = [sys.executable, "-m", "pulso.cli", "serve", "--db", str(db), "--streamlit-config", str(config)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSO_AUTH_")}
    if metadata_url:
        secrets_file = folder / f"secrets-{port}.toml"
        secrets_file.write_text(
            f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\nclient_id = "pulso"\nclient_secret = "{secrets.token_hex(8)}"\n'
            f'server_metadata_url = "{metadata_url}"\n')
        command += ["--secrets", str(secrets_file)]
    command += ["--", *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                               cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/_stcore/health", 60)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def offline(context) -> list[str]:
    """Block every request that leaves 127.0.0.1; return the list the blocked URLs are appended to."""
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return blocked


def settle(page, timeout: float = 90) -> None:
    """Wait until Streamlit has finished running the script and drawing."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_timeout(400)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not page.locator('[data-testid="stStatusWidget"]').count() and \
                not page.locator('[data-testid="stSkeleton"]').count():
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(800)


def sign_in(page, base: str, sub: str, button: str = "Iniciar sesión") -> None:
    """The whole chain: the dashboard's sign-in button, the provider's page (the predefined user ``sub``), back."""
    page.goto(base + "/")
    settle(page)
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(base + "/**", timeout=30_000)
    settle(page)
