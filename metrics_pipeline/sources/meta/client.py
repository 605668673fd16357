"""The Graph API client for one Meta connection, and what its errors mean.

`meta_api` builds a `FacebookAdsApi` from the connection's token. The Graph base URL is
the real https://graph.facebook.com unless `METRICS_META_GRAPH_URL` says otherwise (the
sandbox); it is set on that API's own `FacebookSession`, so two connections (or a test
and production code) never share a base URL or token through the SDK's module globals.

`classify_graph_error` tells `call_with_retries` what a failure means: rate limits and
transient server errors are retried (after the time Meta says it needs, when it says),
an invalid or expired token gives up at once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from metrics_pipeline.config import Connection
from metrics_pipeline.operations.api_errors import describe_api_error
from metrics_pipeline.operations.call_retry import (
    BackoffPolicy,
    Decision,
    GiveUp,
    RetriesExhausted,
    Retry,
    call_with_retries,
    retry_base_delay,
)
from metrics_pipeline.security.credentials import connection_secrets
from metrics_pipeline.security.log_redaction import redact

T = TypeVar("T")

GRAPH_URL_VARIABLE = "METRICS_META_GRAPH_URL"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
HTTP_TIMEOUT_VARIABLE = "METRICS_HTTP_TIMEOUT"

# https://developers.facebook.com/docs/marketing-api/error-reference and .../overview/rate-limiting
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2})  # "An unknown error occurred", "Service temporarily unavailable"
AUTH_ERROR_CODES = frozenset({102, 190})  # session / access token invalid or expired
PERMISSION_ERROR_CODES = frozenset({10, *range(200, 300)})

# Code 1 is also how the Insights API refuses a request that would read too much: asking
# again for the same thing gets the same answer, so it is not retried; the caller asks
# for less instead (extract.fetch_daily_insights halves the date range).
TOO_MUCH_DATA_MESSAGE = "reduce the amount of data"

# Seconds, whatever Meta estimates: a throttled account is retried within the policy's attempts.
MAX_RATE_LIMIT_WAIT = 300.0


@dataclass(frozen=True)
class MetaSettings:
    """How patient the connector is: backoff, async report polling."""

    retry_policy: BackoffPolicy = field(
        default_factory=lambda: BackoffPolicy(max_attempts=6, base_delay=1.0, max_delay=MAX_RATE_LIMIT_WAIT)
    )
    report_poll_interval: float = 5.0
    report_timeout: float = 3600.0
    # Seconds one HTTP request may take (connect, then each read): a hung answer becomes a
    # retried timeout instead of a run that never ends. METRICS_HTTP_TIMEOUT overrides it.
    http_timeout: float = 300.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> MetaSettings:
        """`METRICS_RETRY_BASE_DELAY` (seconds) scales every wait: tests set it tiny."""
        environ = os.environ if environ is None else environ
        timeout = float(environ.get(HTTP_TIMEOUT_VARIABLE, "").strip() or cls.http_timeout)
        base = retry_base_delay(environ)
        if base is None:
            return cls(http_timeout=timeout)
        return cls(
            retry_policy=BackoffPolicy(max_attempts=6, base_delay=base, max_delay=min(MAX_RATE_LIMIT_WAIT, base * 60)),
            report_poll_interval=base * 5,
            http_timeout=timeout,
        )


def graph_url(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return (environ.get(GRAPH_URL_VARIABLE) or DEFAULT_GRAPH_URL).rstrip("/")


def meta_api(
    connection: Connection, environ: Mapping[str, str] | None = None, *, timeout: float = 300.0
) -> FacebookAdsApi:
    """An API instance of its own for `connection` (never the SDK's process-wide default)."""
    token = connection_secrets(connection, os.environ if environ is None else environ)["access_token"]
    session = FacebookSession(access_token=token, timeout=timeout)
    # FacebookAdsApi.call builds every URL from `session.GRAPH`: an instance attribute
    # overrides the class-level https://graph.facebook.com for this session only.
    session.GRAPH = graph_url(environ)
    return FacebookAdsApi(session)


def access_token_of(api: FacebookAdsApi) -> str:
    """The token `api` sends: only ever used to scrub it out of messages."""
    return api._session.access_token or ""  # noqa: SLF001 - the SDK exposes no accessor


# --------------------------------------------------------------------------- #
# What an error means
# --------------------------------------------------------------------------- #


def classify_graph_error(exc: BaseException) -> Decision:
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return Retry(f"network error: {type(exc).__name__}")
    if not isinstance(exc, FacebookRequestError):
        return GiveUp(f"unexpected {type(exc).__name__}")
    code = exc.api_error_code()
    status = exc.http_status() or 0
    if code in RATE_LIMIT_CODES:
        return Retry(f"rate limited (code {code})", after=regain_access_seconds(exc.http_headers()))
    if is_auth_error(exc):
        return GiveUp(f"access token rejected (code {code})")
    if is_too_much_data(exc):
        return GiveUp(f"too much data asked for in one request (code {code})")
    if status >= 500 or exc.api_transient_error() or code in TRANSIENT_CODES:
        return Retry(f"transient error (HTTP {status}, code {code})")
    return GiveUp(f"request refused (HTTP {status}, code {code})")


def is_too_much_data(exc: BaseException) -> bool:
    """Meta's "Please reduce the amount of data you're asking for, then retry your request"."""
    if not isinstance(exc, FacebookRequestError) or exc.api_error_code() != 1:
        return False
    return TOO_MUCH_DATA_MESSAGE in (exc.api_error_message() or "").lower()


def is_auth_error(exc: BaseException) -> bool:
    """The token is invalid, expired or lacks permission: retrying cannot help, a human must."""
    if isinstance(exc, RetriesExhausted):
        return False
    if not isinstance(exc, FacebookRequestError):
        return False
    code = exc.api_error_code()
    return code in AUTH_ERROR_CODES or code in PERMISSION_ERROR_CODES


def regain_access_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Meta's own estimate (minutes, in X-Business-Use-Case-Usage) of when a throttled caller
    may call again, in seconds and capped; None when it gives none."""
    if not headers:
        return None
    raw = _header(headers, "X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    minutes = [m for m in minutes if isinstance(m, (int, float)) and not isinstance(m, bool) and m > 0]
    return min(MAX_RATE_LIMIT_WAIT, max(minutes) * 60.0) if minutes else None


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line for logs and ops tables, with every secret scrubbed out."""
    return describe_api_error(exc, secrets, _describe_graph_error)


def _describe_graph_error(exc: BaseException) -> str | None:
    if not isinstance(exc, FacebookRequestError):
        return None
    code = exc.api_error_code()
    subcode = exc.api_error_subcode()
    kind = exc.api_error_type() or "error"
    message = exc.api_error_message() or exc.get_message()
    where = f"code {code}" + (f"/{subcode}" if subcode else "")
    text = f"Meta API {kind} ({where}, HTTP {exc.http_status()}): {message}"
    if is_auth_error(exc):
        text += "; renew the connection's access token"
    return text


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # requests gives a case-insensitive mapping; a plain dict (a test, say) may not be.
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


# --------------------------------------------------------------------------- #
# Calling with retries
# --------------------------------------------------------------------------- #


@dataclass
class GraphCaller:
    """Runs one Graph API call with the connector's retry policy."""

    policy: BackoffPolicy
    log: Callable[[str], None] = lambda message: None
    sleep: Callable[[float], None] = time.sleep
    secrets: tuple[str, ...] = ()

    def __call__(self, call: Callable[[], T], what: str) -> T:
        return call_with_retries(
            call,
            classify_graph_error,
            what=what,
            policy=self.policy,
            sleep=self.sleep,
            log=lambda message: self.log(redact(message, self.secrets)),
        )
