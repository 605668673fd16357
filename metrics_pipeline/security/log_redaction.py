"""Keep credential values out of every log record, including the libraries' own.

The project's messages are built without secrets, and every API connector `redact`s the
credentials it holds out of them anyway (with the one `redact` below), but the SDKs'
HTTP stacks log what they send: at DEBUG, urllib3 logs each request line, and the Graph
API SDK sends the access token as a query parameter. `install()` wraps the log-record
factory once per process, so every record, whoever logs it and whichever handler receives
it (a terminal, pytest, Dagster's event log), is scrubbed when it is created:

- every value registered with `register_secret` (the credential store registers each value
  it hands to a connector) is replaced by `[redacted]`;
- `access_token=`, `refresh_token=`, `client_secret=`, `developer_token=`,
  `appsecret_proof=` and `password=` parameters, and `Bearer` / `Basic` credentials, are
  redacted whatever their value, so a token the platform issued at run time (an OAuth
  access token) is covered too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"
_PARAMETER = re.compile(
    r"(?i)\b(access_token|refresh_token|client_secret|developer_token|appsecret_proof|password)"
    r"(\"?\s*[=:]\s*\"?)([^&\s\"',;)}\]]+)"
)
_AUTHORIZATION = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register_secret(*values: str) -> None:
    """Values (of 6+ characters: shorter ones would redact ordinary words) to scrub from logs."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` (of 4+ characters) replaced by `[redacted]`, longest first,
    so a secret that contains another is never left half shown."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """`text` without any registered (or `extra`) secret value or credential parameter."""
    with _lock:
        known = sorted({*_secrets, *(e for e in extra if e)}, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    text = _PARAMETER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _AUTHORIZATION.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def install() -> None:
    """Scrub every log record of this process from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def scrubbing_factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is the logger's problem, not ours
            return record
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when set: the traceback is scrubbed once, here.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(scrubbing_factory)
