"""Pseudonyms and withheld text, written once.

* **Pseudonymisation** (setting ``[privacy] pseudonymize``): at ingest every e-mail address -- in the e-mail
  column and inside any person identifier, such as an org directory id that is an e-mail or ``m365:<upn>`` --
  is replaced by a keyed hash (HMAC-SHA256 with the key in ``$PULSO_PSEUDONYM_KEY``), and every display name by
  ``Persona <hash>``. The same address always gives the same pseudonym, so the org directory still joins the
  platforms' accounts; without the key nobody can tell whose pseudonym it is.
* **Withheld text**: a rejected row never keeps a message's text (title, body) or a group's description, for
  any viewer; see ``withhold_text``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re

from pulso.core.errors import SettingsError

KEY_VARIABLE = "PULSO_PSEUDONYM_KEY"
MIN_KEY_CHARS = 16
EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Keys of a raw record (JSON from Slack, Teams, Yammer, Stack Exchange...) that carry what people wrote.
TEXT_KEYS = frozenset({"text", "body", "title", "blocks", "attachments", "files", "previous_message", "message",
                       "root", "subject", "content", "purpose", "topic", "description", "summary", "preview",
                       "replies_preview", "latest_reply_text", "comment", "tags"})
WITHHELD = "[texto omitido / text withheld]"
TEXT_TABLES = frozenset({"messages", "groups"})  # tables whose unstructured records carry text people wrote


def pseudonym_key(required: bool = True) -> bytes | None:
    """The key from ``$PULSO_PSEUDONYM_KEY``; a missing or short key is one clear error when ``required``."""
    key = os.environ.get(KEY_VARIABLE, "")
    if len(key) < MIN_KEY_CHARS:
        if not required:
            return None
        problem = "is not set" if not key else f"is shorter than {MIN_KEY_CHARS} characters"
        raise SettingsError(f"[privacy] pseudonymize = true but ${KEY_VARIABLE} {problem}: Pulso refuses to "
                            f"pseudonymise without a secret key (keep the key outside the store)")
    return key.encode("utf-8")


def digest(value: str, key: bytes) -> str:
    return hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymous_email(email: str | None, key: bytes) -> str | None:
    """``e-<20 hex>@pseudonym.invalid`` for an e-mail address (lower-cased first), stable for a key."""
    if email is None or not str(email).strip():
        return None
    return f"e-{digest(str(email), key)[:20]}@pseudonym.invalid"


def pseudonymous_text(text: str | None, key: bytes) -> str | None:
    """Every e-mail address inside ``text`` replaced by its pseudonym (ids such as ``m365:ana@x.mx``)."""
    if text is None:
        return None
    return EMAIL.sub(lambda m: pseudonymous_email(m.group(0), key), str(text))


def pseudonymous_name(anchor: str | None, key: bytes) -> str | None:
    """``Persona <10 hex>``, from the person's e-mail (or identifier) already made pseudonymous."""
    if anchor is None or not str(anchor).strip():
        return None
    return f"Persona {digest('name:' + str(anchor), key)[:10].upper()}"


def withhold_text(raw: object, table: str) -> str:
    """A rejected record as it may be kept: structured records (JSON objects, dicts) lose every key that carries
    text people wrote; an unstructured message record (a CSV line of values) is withheld entirely."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
    structured = isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))
    if structured:
        return json.dumps(_without_text(value), ensure_ascii=False, default=str)
    if table in TEXT_TABLES:
        return WITHHELD if str(value).strip() else ""
    return raw if isinstance(raw, str) else str(raw)


def _without_text(value: object) -> object:
    if isinstance(value, dict):
        return {k: (WITHHELD if str(k).lower() in TEXT_KEYS else _without_text(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_text(v) for v in value]
    return value
