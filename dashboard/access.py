"""The gate every page passes first: sign-in (Streamlit's OpenID Connect, ``st.login`` / ``st.user``) and the
viewer's rights.

* **Sign-in configured** (a secrets file with an ``[auth]`` section: ``pulso serve --secrets FILE``, the
  ``PULSO_AUTH_*`` variables or ``.streamlit/secrets.toml``): a visitor who is not signed in sees the sign-in
  button and nothing else; a signed-in person whose e-mail or group claims match no ``[[access.viewers]]`` entry
  of the store's settings sees a "sin acceso" page and nothing else; everyone else gets their ``Rights``
  (``metrics.access.rights_for``), which the app puts into the one ``Scope`` every page computes with.
* **Local mode** (no sign-in): no access control at all, so the dashboard refuses to run when the server listens
  on anything but 127.0.0.1 (unless ``pulso serve --allow-open`` said so), and every page says there is none.

The script stops (``st.stop``) wherever the viewer may see nothing more: no sidebar, no navigation, no page --
which also covers a direct page URL, since every URL runs this entry script first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import cache
from dashboard.i18n import t
from dashboard.present import plain
from pulso.core.access import ROLE_LABELS, Rights

LOOPBACK = ("127.0.0.1", "localhost", "::1")
LOCAL = "local"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the signed-in e-mail (or ``local``), and what they may see (None: everything)."""

    identity: str
    rights: Rights | None
    signed_in: bool


def sign_in_configured() -> bool:
    """The secrets hold an ``[auth]`` section with a provider (client id, secret and metadata URL)."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets file at all: Streamlit raises when it is read
        return False
    if not auth:
        return False
    providers = [auth] + [v for v in auth.values() if hasattr(v, "get")]
    return any(all(p.get(k) for k in ("client_id", "client_secret", "server_metadata_url")) for p in providers)


def claims() -> tuple[str, tuple[str, ...]]:
    """(e-mail, groups) of the signed-in person: ``email`` (else Entra ID's ``preferred_username`` / ``upn``) and
    the ``groups`` claim (a list, or one name)."""
    user = st.user
    email = next((str(user.get(k)) for k in ("email", "preferred_username", "upn") if user.get(k)), "")
    groups = user.get("groups") or ()
    if isinstance(groups, str):
        groups = (groups,)
    return email.strip().lower(), tuple(str(g) for g in groups)


def listening_locally() -> bool:
    address = str(st.get_option("server.address") or "")
    return address in LOOPBACK


def gate(db: Path, lang: str) -> Viewer:
    """The viewer, or a page that says why there is nothing to see (and the script stops)."""
    if not sign_in_configured():
        if not listening_locally() and os.environ.get("PULSO_ALLOW_OPEN") != "1":
            st.error(t("open_refused", lang))
            st.stop()
        st.sidebar.info(t("local_mode", lang), icon="🔓")
        return Viewer(LOCAL, None, False)
    if not st.user.get("is_logged_in", False):
        st.title("Pulso")
        st.write(t("signin_body", lang))
        st.button(t("signin", lang), on_click=st.login, type="primary", icon=":material/login:")
        st.stop()
    email, groups = claims()
    rights = cache.viewer_rights(db, email, groups) if db.exists() else None
    if rights is None:
        st.title(t("no_access_title", lang))
        st.write(t("no_access_body", lang, email=plain(email or "?")))
        st.button(t("signout", lang), on_click=st.logout, icon=":material/logout:")
        st.stop()
    role = ROLE_LABELS[rights.role][0 if lang == "es" else 1]
    units = ", ".join([*(rights.regions or ()), *(rights.offices or ())])
    st.sidebar.caption(plain(f"{email} · {role}" + (f" · {units}" if units else "")))
    st.sidebar.button(t("signout", lang), on_click=st.logout, icon=":material/logout:", key="signout")
    return Viewer(email, rights, True)
