"""Keep credential values out of every log record, message and stored error, including the libraries' own.

The project's messages are built without secrets, and every API connector `redact`s the
credentials it holds out of them anyway, but the SDKs' HTTP stacks log what they send: at
DEBUG, urllib3 logs each request line, and the Graph API SDK sends the access token as a
query parameter. `install()` wraps the log-record factory once per process, so every record,
whoever logs it and whichever handler receives it (a terminal, pytest, Dagster's event log),
is scrubbed when it is created. `redact` is the one function that does it, and the one to
call on any text bound for a log, `ops.*` or an exception that Dagster stores:

- the `secrets` it is given, every value registered with `register_secret` (the credential
  store registers each value it hands to a connector), and the process's own keys and
  passwords read from the environment (`ENVIRONMENT_SECRETS`: the credential store's
  `METRICS_CREDENTIALS_KEYS`, the `METRICS_PII_KEY`, the warehouse password) are replaced by
  `[redacted]`;
- credential parameters and headers are redacted whatever their value, so a token the
  platform issued at run time (an OAuth access token) is covered too: `access_token`,
  `refresh_token`, `client_secret`, `developer_token`, `appsecret_proof`, `password`,
  `api_key`, AWS's `secret_access_key`, written with `_` or `-` (`developer-token`,
  `X-Shopify-Access-Token`), as `name=value`, `name: value`, `"name": "value"`,
  `'name': 'value'` or gRPC metadata's `('name', 'value')`;
- `Bearer` / `Basic` credentials, and the password of a URL (`postgresql://user:secret@host`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

REDACTED = "[redacted]"
# Variables whose values are secrets of this process (not of a connection): keys and passwords.
ENVIRONMENT_SECRETS = (
    "METRICS_CREDENTIALS_KEYS",  # id:key[,id:key...]; each key is redacted on its own too
    "METRICS_PII_KEY",
    "METRICS_PG_PASSWORD",
    "PGPASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
# Variables holding URLs or libpq strings whose password is a secret.
ENVIRONMENT_URLS = ("METRICS_DATABASE_URL", "METRICS_DAGSTER_STORAGE_URL", "METRICS_CELERY_BROKER_URL")
_MIN_REGISTERED = 6  # shorter values would redact ordinary words
_MIN_GIVEN = 4

_SEP = r"[-_]?"
_CREDENTIAL_NAME = (
    r"(?:x-shopify-access-token|x-goog-api-key"
    rf"|access{_SEP}token|refresh{_SEP}token|client{_SEP}secret|developer{_SEP}token|appsecret{_SEP}proof"
    rf"|secret{_SEP}access{_SEP}key|session{_SEP}token|api{_SEP}key|password|passwd)"
)
_PARAMETER = re.compile(
    rf"(?i)(?<![A-Za-z0-9])({_CREDENTIAL_NAME})"
    # name=value, name: value, "name": "value", and the tuple form ('name', 'value')
    r"((?:[\"']?\s*[=:]\s*)|(?:[\"']\s*,\s*))"
    rf"(?!{re.escape(REDACTED)})"
    r"(?:([\"'])((?:[^\\\n]|\\.)*?)\3|([^&\s\"',;)}\]]+))"
)
_AUTHORIZATION = re.compile(rf"(?i)\b(bearer|basic)\s+(?!{re.escape(REDACTED)})[A-Za-z0-9._~+/=-]{{8,}}")
# scheme://user:password@host; the password stops at the last '@' before the host.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)([^\s'\"/]+?)(@[^@\s'\"/]+(?:[/?\s'\"]|$))")

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False
_environment_cache: tuple[tuple[str, ...], frozenset[str]] = ((), frozenset())


def register_secret(*values: str) -> None:
    """Values (of 6+ characters: shorter ones would redact ordinary words) to scrub from logs."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= _MIN_REGISTERED)


def environment_secrets(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The keys and passwords this process holds in `ENVIRONMENT_SECRETS` and `ENVIRONMENT_URLS`."""
    global _environment_cache
    environ = os.environ if environ is None else environ
    raw = tuple(environ.get(name, "") for name in (*ENVIRONMENT_SECRETS, *ENVIRONMENT_URLS))
    if environ is os.environ and raw == _environment_cache[0]:
        return _environment_cache[1]
    found: set[str] = set()
    for name, value in zip((*ENVIRONMENT_SECRETS, *ENVIRONMENT_URLS), raw):
        if not value:
            continue
        if name in ENVIRONMENT_URLS:
            found.update(password for password, _ in _passwords_in(value))
            continue
        found.add(value)
        if name == "METRICS_CREDENTIALS_KEYS":
            for entry in re.split(r"[,\s]+", value):
                found.add(entry.partition(":")[2])
    values = frozenset(v for v in found if len(v) >= _MIN_REGISTERED)
    if environ is os.environ:
        _environment_cache = (raw, values)
    return values


def _passwords_in(text: str) -> Iterable[tuple[str, str]]:
    """(password, as written) of each URL or libpq `password=` in `text`, decoded and not."""
    for match in _URL_PASSWORD.finditer(text):
        yield match.group(2), match.group(2)
        yield unquote(match.group(2)), match.group(2)
    for match in _PARAMETER.finditer(text):
        value = match.group(4) if match.group(3) else match.group(5)
        if value:
            yield value, value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without any secret: each of `secrets` (of 4+ characters), every registered and
    environment secret (longest first, so a secret that contains another is never left half
    shown), and every credential parameter, header, `Bearer`/`Basic` value and URL password."""
    with _lock:
        registered = set(_secrets)
    given = {s for s in secrets if s and len(s) >= _MIN_GIVEN}
    for value in sorted(given | registered | environment_secrets(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    text = _PARAMETER.sub(_redacted_parameter, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    return _AUTHORIZATION.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def _redacted_parameter(match: re.Match) -> str:
    quote = match.group(3) or ""
    return f"{match.group(1)}{match.group(2)}{quote}{REDACTED}{quote}"


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """The log records' name for `redact`."""
    return redact(text, extra)


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
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when set: the traceback is scrubbed once, here.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(scrubbing_factory)
