"""The TikTok API for Business (Marketing API v1.3) client for one connection, and what its errors mean.

Plain HTTPS + JSON with `requests` (there is no TikTok SDK we use): every call is a GET of
`<METRICS_TIKTOK_API_URL or https://business-api.tiktok.com>/open_api/v1.3/<path>` with the
access token in the `Access-Token` header and list or object parameters JSON-encoded in the
query string, as TikTok documents them (`fields=["ad_id","ad_name"]`). Every answer is the
envelope `{"code", "message", "request_id", "data"}`, HTTP 200 even for most errors: `code` 0
is success, anything else is an error, raised as `TikTokAPIError`.

Access tokens live 24 hours; the connection keeps the app's id and secret and a refresh token
(365 days). `RefreshedToken` asks `POST /open_api/v1.3/oauth2/refresh_token/` for an access token
before the first call, renews it TOKEN_REFRESH_MARGIN (operations.api_errors) before it lapses, and once at once when
TikTok answers that the token expired or is invalid. A refused refresh token (expired, revoked)
or app secret cannot be fixed by retrying: it gives up at once and the account is marked
`auth_error`.

`classify_tiktok_error` tells `call_with_retries` what a failure means: the rate limit (code
40100, "requests made too frequently": QPS, QPM or QPD) and server errors (5xxxx codes, HTTP 5xx,
dropped connections) are retried with backoff; authentication errors and bad requests give up.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from metrics_pipeline.config import ConfigError
from metrics_pipeline.operations.api_errors import describe_api_error, renew_after
from metrics_pipeline.operations.call_retry import (
    BackoffPolicy,
    Decision,
    GiveUp,
    Retry,
    call_with_retries,
    retry_base_delay,
)
from metrics_pipeline.security import log_redaction
from metrics_pipeline.security.log_redaction import redact

API_URL_VARIABLE = "METRICS_TIKTOK_API_URL"
DEFAULT_API_URL = "https://business-api.tiktok.com"
API_PREFIX = "/open_api/v1.3"
HTTP_TIMEOUT_VARIABLE = "METRICS_HTTP_TIMEOUT"
TOKEN_HEADER = "Access-Token"

# TikTok's return codes as published integrations quote them (TikTok's own return-code page could not
# be read from here; see DECISIONLOG): 40100 is the rate limit, 401xx authentication, 5xxxx server.
RATE_LIMIT_CODES = frozenset({40100})  # requests made too frequently (QPS / QPM / QPD limit)
# The access token expired or is not (or no longer) valid: renewed once with the refresh token.
TOKEN_REFUSED_CODES = frozenset({40102, 40104, 40105})
# 401xx other than the rate limit: the app's credentials, the access or the refresh token.
AUTH_CODE_RANGE = range(40101, 40200)
PERMISSION_CODES = frozenset({40001})  # no permission for this advertiser


def is_server_code(code: int) -> bool:
    """5xxxx: an error on TikTok's side (system error, service busy): worth asking again."""
    return 50000 <= code < 60000


DEFAULT_TOKEN_LIFETIME = 86400.0


@dataclass(frozen=True)
class TikTokSettings:
    retry_policy: BackoffPolicy = field(default_factory=lambda: BackoffPolicy(max_attempts=6, base_delay=1.0))
    http_timeout: float = 300.0
    page_size: int = 1000  # the report's and the entity listings' largest page
    # /report/integrated/get/ with stat_time_day answers at most 30 days per request.
    max_report_days: int = 30

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> TikTokSettings:
        environ = os.environ if environ is None else environ
        timeout = float(environ.get(HTTP_TIMEOUT_VARIABLE, "").strip() or cls.http_timeout)
        base = retry_base_delay(environ)
        if base is None:
            return cls(http_timeout=timeout)
        return cls(
            retry_policy=BackoffPolicy(max_attempts=6, base_delay=base, max_delay=base * 60), http_timeout=timeout
        )


def api_url(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return (environ.get(API_URL_VARIABLE) or DEFAULT_API_URL).rstrip("/")


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


class TikTokAPIError(RuntimeError):
    """An envelope with a non-zero `code` (or an answer that is no envelope at all)."""

    def __init__(self, what: str, code: int, message: str, *, http_status: int = 200, request_id: str | None = None):
        self.what = what
        self.code = code
        self.api_message = message
        self.http_status = http_status
        self.request_id = request_id
        super().__init__(f"{what}: TikTok API code {code} (HTTP {http_status}): {message}")


def envelope_data(body: Any, *, what: str, http_status: int = 200) -> Any:
    """The `data` of a successful envelope; a TikTokAPIError for any other answer."""
    if not isinstance(body, dict) or "code" not in body:
        raise TikTokAPIError(what, -1, "the answer is not a TikTok API envelope", http_status=http_status)
    try:
        code = int(body["code"])
    except (TypeError, ValueError):
        raise TikTokAPIError(what, -1, f"code {body['code']!r} is not a number", http_status=http_status) from None
    if code != 0:
        raise TikTokAPIError(
            what,
            code,
            str(body.get("message") or ""),
            http_status=http_status,
            request_id=body.get("request_id"),
        )
    return body.get("data")


def is_auth_error(exc: BaseException) -> bool:
    """The app's credentials, the refresh token or the permission were refused: a human must act."""
    if isinstance(exc, ConfigError):
        return True
    if not isinstance(exc, TikTokAPIError):
        return False
    return (exc.code in AUTH_CODE_RANGE and exc.code not in RATE_LIMIT_CODES) or exc.code in PERMISSION_CODES


def classify_tiktok_error(exc: BaseException) -> Decision:
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return Retry(f"network error: {type(exc).__name__}")
    if not isinstance(exc, TikTokAPIError):
        return GiveUp(f"unexpected {type(exc).__name__}")
    if exc.code in RATE_LIMIT_CODES or exc.http_status == 429:
        return Retry(f"rate limited (code {exc.code})")
    if is_auth_error(exc):
        return GiveUp(f"credentials refused (code {exc.code})")
    if is_server_code(exc.code) or exc.http_status >= 500:
        return Retry(f"transient error (HTTP {exc.http_status}, code {exc.code})")
    return GiveUp(f"request refused (HTTP {exc.http_status}, code {exc.code})")


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line for logs and ops tables, with every secret scrubbed out."""
    return describe_api_error(exc, secrets, _describe_tiktok_error)


def _describe_tiktok_error(exc: BaseException) -> str | None:
    if not isinstance(exc, TikTokAPIError):
        return None
    text = str(exc)
    if exc.request_id:
        text += f" (request_id {exc.request_id})"
    if is_auth_error(exc):
        text += "; renew the connection's refresh token (authorize the app again) or check its app id and secret"
    return text


# --------------------------------------------------------------------------- #
# Access tokens
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class AppCredentials:
    app_id: str
    secret: str
    refresh_token: str

    def __repr__(self) -> str:  # never print the secrets
        return f"AppCredentials(app_id={self.app_id!r})"


class RefreshedToken:
    """The access token from the refresh token, renewed before it lapses and when TikTok refuses it."""

    def __init__(
        self,
        base_url: str,
        credentials: AppCredentials,
        session: requests.Session,
        *,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = f"{base_url}{API_PREFIX}/oauth2/refresh_token/"
        self.credentials = credentials
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self.refreshes = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        values = (self.credentials.secret, self.credentials.refresh_token, self._token)
        return tuple(v for v in values if v)

    def token(self) -> str:
        if self._token is None or self._clock() >= self._renew_at:
            self._refresh()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _refresh(self) -> None:
        self.refreshes += 1
        what = "oauth2/refresh_token"
        response = self._session.post(
            self.endpoint,
            json={
                "app_id": self.credentials.app_id,
                "secret": self.credentials.secret,
                "refresh_token": self.credentials.refresh_token,
                "grant_type": "refresh_token",
            },
            timeout=self._timeout,
        )
        data = envelope_data(_json_body(response), what=what, http_status=response.status_code)
        if not isinstance(data, dict) or not data.get("access_token"):
            raise TikTokAPIError(what, -1, "the answer carries no access_token", http_status=response.status_code)
        expires_in = data.get("expires_in")
        lifetime = (
            float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else DEFAULT_TOKEN_LIFETIME
        )
        self._token = str(data["access_token"])
        log_redaction.register_secret(self._token)
        self._renew_at = self._clock() + renew_after(lifetime)


# --------------------------------------------------------------------------- #
# The client
# --------------------------------------------------------------------------- #


def query_params(params: Mapping[str, Any]) -> dict[str, str]:
    """TikTok's query string: lists and objects JSON-encoded, everything else as text."""
    encoded = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, dict)):
            encoded[name] = json.dumps(list(value) if isinstance(value, tuple) else value, separators=(",", ":"))
        elif isinstance(value, bool):
            encoded[name] = "true" if value else "false"
        else:
            encoded[name] = str(value)
    return encoded


class TikTokClient:
    """GETs Marketing API endpoints for one connection, with token renewal and retries."""

    def __init__(
        self,
        credentials: AppCredentials,
        *,
        settings: TikTokSettings | None = None,
        log: Callable[[str], None] = lambda message: None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = api_url(environ)
        self.settings = settings or TikTokSettings.from_environ(environ)
        self._log = log
        self._sleep = sleep
        self._session = requests.Session()
        self.tokens = RefreshedToken(
            self.base_url, credentials, self._session, timeout=self.settings.http_timeout, clock=clock
        )
        log_redaction.register_secret(credentials.secret, credentials.refresh_token)
        self.calls = 0

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.tokens.secrets

    def get(self, path: str, params: Mapping[str, Any], what: str) -> Any:
        """The `data` of one GET, retried on what is transient; the token renewed once if refused."""

        def attempt() -> Any:
            try:
                return self._get(path, params, what)
            except TikTokAPIError as exc:
                if exc.code not in TOKEN_REFUSED_CODES:
                    raise
                self._log(f"{what}: the access token was refused (code {exc.code}); refreshing it")
                self.tokens.invalidate()
                return self._get(path, params, what)

        return call_with_retries(
            attempt,
            classify_tiktok_error,
            what=what,
            policy=self.settings.retry_policy,
            sleep=self._sleep,
            log=lambda message: self._log(redact(message, self.secrets)),
        )

    def _get(self, path: str, params: Mapping[str, Any], what: str) -> Any:
        token = self.tokens.token()
        self.calls += 1
        response = self._session.get(
            f"{self.base_url}{API_PREFIX}/{path.strip('/')}/",
            params=query_params(params),
            headers={TOKEN_HEADER: token, "Accept": "application/json"},
            timeout=self.settings.http_timeout,
        )
        return envelope_data(_json_body(response), what=what, http_status=response.status_code)


def _json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
