"""The Admin GraphQL client for one shop, its throttle arithmetic, and what its errors mean.

Every call is a POST of `{"query", "variables"}` to
`<METRICS_SHOPIFY_URL_TEMPLATE or https://{shop_domain}>/admin/api/<API_VERSION>/graphql.json`
with the shop's access token in `X-Shopify-Access-Token`: exactly what runs against a real shop
(the sandbox only changes the template). The token is either a permanent Admin API access token
or, for an app of the shop's own organisation, one from the client credentials grant
(`POST /admin/oauth/access_token` with grant_type=client_credentials, client_id, client_secret;
it lives `expires_in` seconds, about 24 hours): renewed TOKEN_REFRESH_MARGIN (operations.api_errors) before it lapses and
once at once when Shopify answers 401 to it.

Shopify rate-limits GraphQL by query cost: each shop has a bucket of points (`maximumAvailable`)
that refills at `restoreRate` a second; a query needs its *requested* cost available and is charged
its *actual* cost. Every answer reports the bucket (`extensions.cost.throttleStatus`), so the
client waits before a query when its last known cost (for a document not sent yet: the dearest
cost seen) is more than the bucket can hold by now, and
when Shopify still answers THROTTLED it waits exactly as long as the bucket needs to refill.
Transient failures (5xx, 429, dropped connections, an internal error) are retried with
`metrics_pipeline.operations.call_retry`; a rejected token (401, 403, ACCESS_DENIED) gives up at once.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
from metrics_pipeline.operations.failures import FailureCause
from metrics_pipeline.security import log_redaction
from metrics_pipeline.security.log_redaction import redact

# 2026-07: the first version with Order.checkoutToken, which ties pixel checkouts to orders.
API_VERSION = "2026-07"
URL_TEMPLATE_VARIABLE = "METRICS_SHOPIFY_URL_TEMPLATE"
DEFAULT_URL_TEMPLATE = "https://{shop_domain}"
TOKEN_HEADER = "X-Shopify-Access-Token"
MAX_THROTTLE_WAIT = 60.0  # seconds: a full bucket refills in 20 s on the slowest plan
# Points asked for above a query's known cost before it is sent: the bucket Shopify reports is
# rounded, and a wait computed to the exact point can land a hair short of it.
THROTTLE_MARGIN = 1.0
FIRST_SYNC_VARIABLE = "METRICS_SHOPIFY_FIRST_SYNC"
FIRST_SYNC_MODES = ("bulk", "paged")


@dataclass(frozen=True)
class ShopifySettings:
    """How patient and how greedy the connector is."""

    retry_policy: BackoffPolicy = field(
        default_factory=lambda: BackoffPolicy(max_attempts=6, base_delay=1.0, max_delay=MAX_THROTTLE_WAIT)
    )
    time_scale: float = 1.0  # multiplies every throttle wait: the sandbox compresses time
    timeout: float = 120.0
    # Page sizes: a page of orders with these nested sizes asks for 891 of the 1000 points a query
    # may cost (127 an order: each line item's discount allocations and tax lines cost 6 more since
    # issue 14). Nested sizes follow what orders hold: in the sandbox world (and typical shops) 98 %
    # of orders have at most 3 lines and none more than one refund; the rest are completed by
    # follow-up queries. 10 lines a page would leave room for 3 orders.
    orders_page: int = 7
    line_items_page: int = 5
    refunds_page: int = 2
    refund_line_items_page: int = 3
    more_line_items_page: int = 50  # follow-ups for orders with more lines than a page held
    more_refunds: int = 30
    products_page: int = 100
    variants_page: int = 100
    customers_page: int = 100
    # A sync with no cursor (a first sync, or a full re-read) reads the orders with a bulk operation
    # ("bulk") or page by page ("paged"); nightly incremental syncs always page. METRICS_SHOPIFY_FIRST_SYNC.
    first_sync: str = "bulk"
    bulk_poll_interval: float = 2.0  # seconds before the first poll; grows by half each poll ...
    bulk_poll_max_interval: float = 30.0  # ... up to this
    bulk_max_wait: float = 4 * 3600.0  # an operation still running after this fails the sync
    bulk_slot_wait: float = 1800.0  # how long to wait for the app's other bulk queries to finish

    def __post_init__(self) -> None:
        if self.first_sync not in FIRST_SYNC_MODES:
            raise ConfigError(
                FIRST_SYNC_VARIABLE, [f"must be one of {', '.join(FIRST_SYNC_MODES)} (got {self.first_sync!r})"]
            )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ShopifySettings:
        """`METRICS_RETRY_BASE_DELAY` (seconds) scales every wait: tests and the sandbox set it tiny."""
        environ = os.environ if environ is None else environ
        # METRICS_HTTP_TIMEOUT (seconds) bounds each request: a hung answer becomes a retried timeout.
        timeout = float(environ.get("METRICS_HTTP_TIMEOUT", "").strip() or cls.timeout)
        first_sync = environ.get(FIRST_SYNC_VARIABLE, "").strip().lower() or cls.first_sync
        base = retry_base_delay(environ)
        if base is None:
            return cls(timeout=timeout, first_sync=first_sync)
        return cls(
            retry_policy=BackoffPolicy(max_attempts=6, base_delay=base, max_delay=min(MAX_THROTTLE_WAIT, base * 60)),
            time_scale=base,
            timeout=timeout,
            first_sync=first_sync,
        )


def shop_base_url(shop_domain: str, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    template = (environ.get(URL_TEMPLATE_VARIABLE) or DEFAULT_URL_TEMPLATE).rstrip("/")
    return template.format(shop_domain=shop_domain)


def graphql_endpoint(shop_domain: str, environ: Mapping[str, str] | None = None) -> str:
    return shop_base_url(shop_domain, environ) + f"/admin/api/{API_VERSION}/graphql.json"


def token_endpoint(shop_domain: str, environ: Mapping[str, str] | None = None) -> str:
    """Where an app of the shop's own organisation exchanges its client id and secret for a token."""
    return shop_base_url(shop_domain, environ) + "/admin/oauth/access_token"


# --------------------------------------------------------------------------- #
# Throttle arithmetic (pure)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float  # points a second

    @classmethod
    def from_cost(cls, cost: Mapping[str, Any] | None) -> ThrottleStatus | None:
        """From `extensions.cost`; None when the answer carried none (or a malformed one)."""
        status = (cost or {}).get("throttleStatus")
        if not isinstance(status, Mapping):
            return None
        try:
            return cls(
                float(status["maximumAvailable"]), float(status["currentlyAvailable"]), float(status["restoreRate"])
            )
        except (KeyError, TypeError, ValueError):
            return None

    def available_after(self, seconds: float) -> float:
        return min(self.maximum_available, self.currently_available + self.restore_rate * max(0.0, seconds))


def seconds_until_available(status: ThrottleStatus, needed: float, *, elapsed: float = 0.0) -> float:
    """Seconds until `needed` points are in the bucket, `elapsed` seconds after `status` was reported.

    A query can never need more than the bucket holds, so `needed` is capped at its maximum; a
    bucket that does not refill (restore rate 0) is waited on for MAX_THROTTLE_WAIT at most.
    """
    needed = min(float(needed), status.maximum_available)
    short = needed - status.available_after(elapsed)
    if short <= 0:
        return 0.0
    if status.restore_rate <= 0:
        return MAX_THROTTLE_WAIT
    return min(MAX_THROTTLE_WAIT, short / status.restore_rate)


# --------------------------------------------------------------------------- #
# Errors and what they mean
# --------------------------------------------------------------------------- #


class ShopifyError(Exception):
    """Something Shopify answered that the connector cannot land."""


class ShopifyAuthError(ShopifyError):
    """The access token was refused (HTTP 401/403, ACCESS_DENIED) or the client credentials grant
    failed: a human must renew the token or fix the app's credentials."""


class ShopifyGrantError(ShopifyAuthError):
    """The client credentials grant was refused: wrong client id or secret, or the app is not
    installed on the shop."""


class ShopifyThrottled(ShopifyError):
    def __init__(self, requested_cost: float | None, status: ThrottleStatus | None):
        self.requested_cost = requested_cost
        self.status = status
        left = f"{status.currently_available:.0f}/{status.maximum_available:.0f}" if status else "unknown"
        super().__init__(f"THROTTLED (requested cost {requested_cost}, bucket {left})")

    def wait_seconds(self) -> float | None:
        if self.status is None or self.requested_cost is None:
            return None
        return seconds_until_available(self.status, self.requested_cost + THROTTLE_MARGIN)


class ShopifyTransientError(ShopifyError):
    """A 5xx, a 429 or an internal error: worth another try."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ShopifyQueryError(ShopifyError):
    """GraphQL errors that another try cannot fix (a bad query, a cost over the limit)."""


class ShopifyBulkError(ShopifyError):
    """A bulk operation that could not be started, finished or read back. `failure_cause` (when
    set) says whether the retry sensor should try the sync again (see operations/failures.py)."""

    def __init__(self, message: str, failure_cause: FailureCause | None = None):
        super().__init__(message)
        if failure_cause is not None:
            self.failure_cause = failure_cause


def classify_shopify_error(exc: BaseException, *, time_scale: float = 1.0) -> Decision:
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return Retry(f"network error: {type(exc).__name__}")
    if isinstance(exc, ShopifyThrottled):
        wait = exc.wait_seconds()
        return Retry("throttled (query cost)", after=None if wait is None else wait * time_scale)
    if isinstance(exc, ShopifyTransientError):
        return Retry(str(exc), after=None if exc.retry_after is None else exc.retry_after * time_scale)
    if isinstance(exc, ShopifyAuthError):
        return GiveUp(str(exc))
    return GiveUp(f"{type(exc).__name__}: {exc}")


def is_auth_error(exc: BaseException) -> bool:
    return isinstance(exc, (ShopifyAuthError, ConfigError))


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """One line for logs and ops tables, with every secret scrubbed out."""
    return describe_api_error(exc, secrets, _describe_shopify_error)


def _describe_shopify_error(exc: BaseException) -> str | None:
    if isinstance(exc, ShopifyGrantError):
        return f"Shopify: {exc}"
    if isinstance(exc, ShopifyAuthError):
        return f"Shopify refused the access token: {exc}; renew the connection's access token"
    if isinstance(exc, ShopifyError):
        return f"Shopify API: {exc}"
    return None


# --------------------------------------------------------------------------- #
# Access tokens: a permanent one, or the client credentials grant's
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ClientCredentials:
    """A Shopify app's client id and secret (Dev Dashboard), for the client credentials grant."""

    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"ClientCredentials(client_id={self.client_id!r})"


class GrantedToken:
    """An access token from the client credentials grant (24 hours), renewed before it lapses and
    whenever Shopify refuses it."""

    def __init__(
        self,
        endpoint: str,
        credentials: ClientCredentials,
        session: requests.Session,
        *,
        timeout: float,
        time_scale: float,
        clock: Callable[[], float],
    ) -> None:
        self.endpoint = endpoint
        self.credentials = credentials
        self._session = session
        self._timeout = timeout
        self._time_scale = time_scale
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self.grants = 0  # tokens asked for
        self.scopes: tuple[str, ...] = ()  # as the grant's answer listed them

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.credentials.client_secret, self._token) if v)

    def token(self) -> str:
        if self._token is None or self._clock() >= self._renew_at:
            self._grant()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _grant(self) -> None:
        self.grants += 1
        response = self._session.post(
            self.endpoint,
            data={
                "grant_type": "client_credentials",
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
            headers={"Accept": "application/json"},
            timeout=self._timeout,
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise ShopifyTransientError(f"token grant: HTTP {response.status_code}", _retry_after(response))
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            detail = body.get("error") if isinstance(body, dict) else None
            raise ShopifyGrantError(
                f"the client credentials grant was refused (HTTP {response.status_code}"
                f"{f', {detail}' if detail else ''}): check the app's client id and secret and that it is"
                " installed on the shop"
            )
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else 86399.0
        self._token = str(body["access_token"])
        log_redaction.register_secret(self._token)
        self._renew_at = self._clock() + renew_after(lifetime) * self._time_scale
        self.scopes = tuple(s.strip() for s in str(body.get("scope") or "").split(",") if s.strip())


class StaticToken:
    """A permanent Admin API access token (custom apps made in the shop admin)."""

    grants = 0

    def __init__(self, token: str) -> None:
        self._token = token

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:  # nothing to renew: a refused permanent token needs a human
        pass


# --------------------------------------------------------------------------- #
# The client
# --------------------------------------------------------------------------- #


class ShopifyClient:
    """POSTs GraphQL documents for one shop, with throttling and retries; use as a context manager."""

    def __init__(
        self,
        shop_domain: str,
        access_token: str | ClientCredentials,
        *,
        settings: ShopifySettings | None = None,
        log: Callable[[str], None] = lambda message: None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.shop_domain = shop_domain
        self.endpoint = graphql_endpoint(shop_domain, environ)
        self.settings = settings or ShopifySettings.from_environ(environ)
        self._log = log
        self._sleep = sleep
        self._clock = clock
        self._session = requests.Session()
        self.tokens: StaticToken | GrantedToken = (
            GrantedToken(
                token_endpoint(shop_domain, environ),
                access_token,
                self._session,
                timeout=self.settings.timeout,
                time_scale=self.settings.time_scale,
                clock=clock,
            )
            if isinstance(access_token, ClientCredentials)
            else StaticToken(access_token)
        )
        self._status: ThrottleStatus | None = None
        self._status_at = 0.0
        self._known_costs: dict[str, float] = {}  # operation -> the requested cost it last reported
        self.calls = 0  # HTTP requests sent, retries included
        self.throttle_waits = 0.0  # seconds slept waiting for the bucket (before scaling)
        self._hidden: set[str] = set()  # signed bulk result URLs (and their path and query)

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def secrets(self) -> tuple[str, ...]:
        return (*self.tokens.secrets, *sorted(self._hidden))

    def execute(self, operation: str, document: str, variables: Mapping[str, Any] | None = None) -> dict:
        """The `data` of one query, after waiting for the bucket and retrying what is transient."""
        what = f"shopify {self.shop_domain} {operation}"

        def attempt() -> dict:
            self._wait_for_bucket(operation)
            try:
                return self._post(operation, document, dict(variables or {}))
            except ShopifyAuthError:
                if not isinstance(self.tokens, GrantedToken):
                    raise
                # A granted token Shopify refuses (expired early, revoked) is renewed once at once.
                self._log(f"shopify {self.shop_domain}: the access token was refused; asking for a new one")
                self.tokens.invalidate()
                return self._post(operation, document, dict(variables or {}))

        scale = self.settings.time_scale
        return call_with_retries(
            attempt,
            lambda exc: classify_shopify_error(exc, time_scale=scale),
            what=what,
            policy=self.settings.retry_policy,
            sleep=self._sleep,
            log=lambda message: self._log(redact(message, self.secrets)),
        )

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` of Shopify's time (scaled like every other wait: the sandbox compresses it)."""
        self._sleep(seconds * self.settings.time_scale)

    def download_lines(self, url: str, what: str) -> list[str]:
        """The lines of a bulk operation's JSONL result, retried whole on a transient failure.

        The URL is a signed storage URL: it is fetched without the shop's access token (which must
        not travel to another host) and never logged, since it grants the file to whoever holds it."""

        # requests names the URL's path and query in its errors: keep them (the signature) out of
        # every log and ops row, like the tokens.
        parts = urlsplit(url)
        hidden = {url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.query}
        self._hidden.update(h for h in hidden if h)
        log_redaction.register_secret(*(h for h in hidden if h))

        def attempt() -> list[str]:
            self.calls += 1
            with requests.get(url, stream=True, timeout=self.settings.timeout) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    raise ShopifyTransientError(f"{what}: HTTP {status}", retry_after=_retry_after(response))
                if status != 200:
                    raise ShopifyBulkError(
                        f"{what}: the result URL answered HTTP {status} (it expires 7 days after the operation)"
                    )
                response.encoding = "utf-8"
                return [line for line in response.iter_lines(decode_unicode=True) if line]

        scale = self.settings.time_scale
        return call_with_retries(
            attempt,
            lambda exc: classify_shopify_error(exc, time_scale=scale),
            what=f"shopify {self.shop_domain} {what}",
            policy=self.settings.retry_policy,
            sleep=self._sleep,
            log=lambda message: self._log(redact(message, self.secrets)),
        )

    def _wait_for_bucket(self, operation: str) -> None:
        # A document not sent yet (a follow-up after a page of orders) is assumed as dear as the
        # dearest seen: sent on a drained bucket it would only be answered THROTTLED.
        needed = self._known_costs.get(operation, max(self._known_costs.values(), default=None))
        if needed is None or self._status is None:
            return
        elapsed = (self._clock() - self._status_at) / self.settings.time_scale
        wait = seconds_until_available(self._status, needed + THROTTLE_MARGIN, elapsed=elapsed)
        if wait > 0:
            self.throttle_waits += wait
            self._log(f"shopify {self.shop_domain}: waiting {wait:.1f}s for {needed:.0f} query points to restore")
            self._sleep(wait * self.settings.time_scale)

    def _post(self, operation: str, document: str, variables: dict) -> dict:
        self.calls += 1
        response = self._session.post(
            self.endpoint,
            json={"query": document, "variables": variables, "operationName": operation},
            headers={
                TOKEN_HEADER: self.tokens.token(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=self.settings.timeout,
        )
        status = response.status_code
        if status in (401, 403):
            raise ShopifyAuthError(f"HTTP {status}: {_error_text(response)}")
        if status == 429 or status >= 500:
            raise ShopifyTransientError(f"HTTP {status}", retry_after=_retry_after(response))
        if status != 200:
            raise ShopifyQueryError(f"HTTP {status}: {_error_text(response)}")
        try:
            body = response.json()
        except ValueError:
            raise ShopifyTransientError("HTTP 200 with a body that is not JSON") from None
        cost = (body.get("extensions") or {}).get("cost") if isinstance(body, dict) else None
        self._note_cost(operation, cost)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            codes = (
                {((e or {}).get("extensions") or {}).get("code") for e in errors} if isinstance(errors, list) else set()
            )
            messages = (
                "; ".join(str((e or {}).get("message")) for e in errors) if isinstance(errors, list) else str(errors)
            )
            if "THROTTLED" in codes:
                raise ShopifyThrottled((cost or {}).get("requestedQueryCost"), ThrottleStatus.from_cost(cost))
            if "ACCESS_DENIED" in codes:
                raise ShopifyAuthError(f"ACCESS_DENIED: {messages}")
            if "INTERNAL_SERVER_ERROR" in codes:
                raise ShopifyTransientError(f"internal error: {messages}")
            raise ShopifyQueryError(f"{operation}: {messages} ({', '.join(sorted(c for c in codes if c))})")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ShopifyQueryError(f"{operation}: the answer has no data")
        return data

    def _note_cost(self, operation: str, cost: Mapping[str, Any] | None) -> None:
        status = ThrottleStatus.from_cost(cost)
        if status is not None:
            self._status, self._status_at = status, self._clock()
        requested = (cost or {}).get("requestedQueryCost")
        if isinstance(requested, (int, float)) and not isinstance(requested, bool) and math.isfinite(requested):
            self._known_costs[operation] = float(requested)


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no details"
    errors = body.get("errors") if isinstance(body, dict) else body
    return str(errors)[:300]


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None
