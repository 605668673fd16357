"""What a failed Google Ads call means: retry, give up, and what to tell the engineer.

One call can fail in several shapes, depending on where the SDK stack caught it:

- `GoogleAdsException`: the SDK's exception interceptor found a GoogleAdsFailure in the
  trailing metadata (authentication, authorization, query errors, ...);
- `google.api_core.exceptions.GoogleAPICallError` (ResourceExhausted, ServiceUnavailable,
  ...) wrapping the raw `grpc.RpcError` in `.response`: the interceptor passes
  RESOURCE_EXHAUSTED and INTERNAL through untouched, and api_core's stream wrapper
  re-maps them, so the quota failure (and its retry delay) is still in the raw call's
  trailing metadata;
- a bare `grpc.RpcError` (the same, unwrapped);
- google-auth's `RefreshError` / `TransportError` from the OAuth token exchange.

`inspect_call_error` reduces the gRPC shapes to one view; `classify` is the retry
policy's decision; `account_state` and `describe_failure` fill ops.connection_states
and ops.ingestion_logs. Messages are built from codes and Google's error texts, and
`redact` strips any credential value anyway, so no secret reaches a log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import grpc
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure
from google.api_core.exceptions import GoogleAPICallError
from google.auth.exceptions import RefreshError, TransportError

from metrics_pipeline.config import ConfigError
from metrics_pipeline.operations.call_retry import (
    BackoffPolicy,
    Decision,
    GiveUp,
    RetriesExhausted,
    Retry,
    retry_base_delay,
)
from metrics_pipeline.security.log_redaction import redact
from metrics_pipeline.sources.google_ads.client import API_VERSION

FAILURE_METADATA_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"

TRANSIENT_CODES = frozenset(
    {
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
    }
)
AUTH_CODES = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED})
AUTH_ERROR_KINDS = frozenset({"authentication_error", "authorization_error"})

# What fails one account without being a bug: the account is marked failed and the
# others carry on. Anything else (a bug, the database) is re-raised after logging.
ACCOUNT_FAILURES: tuple[type[BaseException], ...] = (
    GoogleAdsException,
    GoogleAPICallError,
    grpc.RpcError,
    RefreshError,
    TransportError,
    RetriesExhausted,
    ConfigError,
)


@dataclass(frozen=True)
class CallError:
    code: grpc.StatusCode | None
    failure: GoogleAdsFailure | None
    details: str
    request_id: str | None

    @property
    def error_kinds(self) -> frozenset[str]:
        """The ErrorCode fields set in the failure, e.g. {"quota_error"}."""
        return frozenset(kind for kind, _ in error_codes(self.failure))

    @property
    def plugin_refresh_refused(self) -> bool:
        # A refresh inside gRPC's auth plugin that Google refused comes back as UNAVAILABLE.
        return "Getting metadata from plugin failed" in self.details and "invalid_grant" in self.details

    @property
    def is_access_problem(self) -> bool:
        """Credentials or permissions: retrying cannot help, a human must act."""
        return self.code in AUTH_CODES or bool(self.error_kinds & AUTH_ERROR_KINDS) or self.plugin_refresh_refused


def retry_policy(environ: Mapping[str, str] | None = None) -> BackoffPolicy:
    """Default backoff, with a smaller base delay when METRICS_RETRY_BASE_DELAY says so (tests do)."""
    base = retry_base_delay(environ)
    return BackoffPolicy(base_delay=base) if base is not None else BackoffPolicy()


def failure_from_metadata(metadata: Iterable[tuple[str, str | bytes]] | None) -> GoogleAdsFailure | None:
    for key, value in metadata or ():
        if key == FAILURE_METADATA_KEY and isinstance(value, bytes):
            try:
                return GoogleAdsFailure.deserialize(value)
            except Exception:  # noqa: BLE001 - an unreadable failure is no failure details
                return None
    return None


def _request_id(metadata: Iterable[tuple[str, str | bytes]] | None) -> str | None:
    return next((str(value) for key, value in metadata or () if key == "request-id"), None)


def inspect_call_error(exc: BaseException) -> CallError | None:
    """The status, GoogleAdsFailure and details of a failed call, whatever shape it arrived in."""
    if isinstance(exc, GoogleAdsException):
        return CallError(exc.error.code(), exc.failure, exc.error.details() or "", exc.request_id)
    if isinstance(exc, GoogleAPICallError):
        call = exc.response if isinstance(exc.response, grpc.Call) else None
        metadata = call.trailing_metadata() if call is not None else None
        return CallError(
            exc.grpc_status_code, failure_from_metadata(metadata), exc.message or "", _request_id(metadata)
        )
    if isinstance(exc, grpc.RpcError) and isinstance(exc, grpc.Call):
        metadata = exc.trailing_metadata()
        return CallError(exc.code(), failure_from_metadata(metadata), exc.details() or "", _request_id(metadata))
    return None


def error_codes(failure: GoogleAdsFailure | None) -> list[tuple[str, str]]:
    """(ErrorCode field, value name) per error, e.g. ("quota_error", "RESOURCE_EXHAUSTED")."""
    codes = []
    for error in failure.errors if failure is not None else ():
        kind = type(error.error_code).pb(error.error_code).WhichOneof("error_code")
        if kind:
            value = getattr(error.error_code, kind)
            codes.append((kind, getattr(value, "name", str(value))))
    return codes


def quota_retry_delay(failure: GoogleAdsFailure | None) -> float | None:
    """Seconds the quota error asks us to wait (the longest, if several say)."""
    delays = []
    for error in failure.errors if failure is not None else ():
        details = error.details.quota_error_details
        if "retry_delay" in details:
            delay = details.retry_delay  # proto-plus gives a timedelta
            delays.append(delay.total_seconds() if isinstance(delay, timedelta) else float(delay.seconds))
    return max(delays) if delays else None


def is_click_view_date_too_old(exc: BaseException) -> bool:
    """click_view's answer for a day older than the 90 days it keeps: nothing to read, not a failure."""
    call = inspect_call_error(exc)
    return call is not None and ("click_view_error", "DATE_TOO_OLD") in error_codes(call.failure)


def classify(exc: BaseException) -> Decision:
    if isinstance(exc, RefreshError):
        if exc.retryable:
            return Retry("the OAuth token endpoint failed; trying again")
        return GiveUp("the OAuth refresh token was refused")
    if isinstance(exc, TransportError):
        return Retry("the OAuth token endpoint could not be reached")
    call = inspect_call_error(exc)
    if call is None:
        return GiveUp(f"unexpected {type(exc).__name__}")
    if call.is_access_problem:
        return GiveUp(f"not authorized ({_code_name(call)})")
    if call.code in TRANSIENT_CODES:
        return Retry(_code_name(call), after=quota_retry_delay(call.failure))
    return GiveUp(_code_name(call))


def account_state(exc: BaseException) -> str:
    """ops.connection_states status after a failure: auth_error (a human must fix access) or error."""
    if isinstance(exc, RetriesExhausted):
        exc = exc.last
    if isinstance(exc, ConfigError):
        return "auth_error"  # its credentials are missing from the environment
    if isinstance(exc, RefreshError):
        return "error" if exc.retryable else "auth_error"
    call = inspect_call_error(exc)
    if call is not None and call.is_access_problem:
        return "auth_error"
    return "error"


def describe_failure(exc: BaseException, *, credentials_env_prefix: str, secrets: Iterable[str] = ()) -> str:
    """One readable line for ops.ingestion_logs: what failed, why, and what to do; never a secret."""
    attempts = ""
    if isinstance(exc, RetriesExhausted):
        attempts = f" (gave up after {exc.attempts} attempts)"
        exc = exc.last
    if isinstance(exc, RefreshError) and not exc.retryable:
        text = (
            f"Google refused the OAuth refresh token ({_oauth_error(exc)}): it was revoked or has expired; "
            f"re-authorize the connection and set {credentials_env_prefix}_REFRESH_TOKEN"
        )
    elif isinstance(exc, (RefreshError, TransportError)):
        text = f"the OAuth token endpoint failed: {exc}"
    elif isinstance(exc, ConfigError):
        text = "; ".join(exc.problems)
    elif (call := inspect_call_error(exc)) is not None:
        text = _describe_call(call, credentials_env_prefix)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(text + attempts, secrets)


def _describe_call(call: CallError, prefix: str) -> str:
    if call.plugin_refresh_refused:
        return (
            "Google refused the OAuth refresh token (invalid_grant): it was revoked or has expired; "
            f"re-authorize the connection and set {prefix}_REFRESH_TOKEN"
        )
    errors = call.failure.errors if call.failure is not None else ()
    codes = error_codes(call.failure)
    if errors:
        reasons = "; ".join(f"{kind}.{value}: {error.message}" for (kind, value), error in zip(codes, errors))
    else:
        reasons = call.details
    text = f"{_code_name(call)}: {reasons}"
    if call.request_id:
        text += f" (request-id {call.request_id})"
    return text


def _code_name(call: CallError) -> str:
    return call.code.name if call.code is not None else "UNKNOWN"


def _oauth_error(exc: RefreshError) -> str:
    # google-auth raises RefreshError(message, response_data); the response's "error" is the
    # OAuth error code, e.g. invalid_grant.
    response = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(response, Mapping) and response.get("error"):
        return str(response["error"])
    return "refresh refused"
