"""Retry or give up, on the exception shapes the google-ads SDK stack really raises."""

from __future__ import annotations

import random
from datetime import timedelta

import grpc
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.ads.googleads.v26.errors.types.errors import (
    ErrorCode,
    ErrorDetails,
    GoogleAdsError,
    GoogleAdsFailure,
    QuotaErrorDetails,
)
from google.api_core.exceptions import from_grpc_error
from google.auth.exceptions import RefreshError, TransportError

from metrics_pipeline.operations.call_retry import (
    BackoffPolicy,
    GiveUp,
    RetriesExhausted,
    Retry,
    call_with_retries,
)
from metrics_pipeline.operations.failures import (
    PERMANENT,
    TRANSIENT,
    UNKNOWN,
    FailureCause,
    cause_from_decision,
)
from metrics_pipeline.security.log_redaction import redact
from metrics_pipeline.sources.google_ads.errors import (
    FAILURE_METADATA_KEY,
    account_state,
    classify,
    describe_failure,
    inspect_call_error,
    is_click_view_date_too_old,
    quota_retry_delay,
    retry_policy,
)

DEVELOPER_TOKEN = "sbx-dev-0123456789abcdef"


class FailedCall(grpc.RpcError, grpc.Call):
    """A finished, failed call as gRPC hands it to the SDK (gRPC's own class is private)."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata=()):
        self._code, self._details, self._trailing = code, details, tuple(trailing_metadata)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailing

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


def failure(kind: str, value: str, message: str, retry_seconds: float | None = None) -> GoogleAdsFailure:
    error = GoogleAdsError(error_code=ErrorCode(**{kind: value}), message=message)
    if retry_seconds is not None:
        error.details = ErrorDetails(
            quota_error_details=QuotaErrorDetails(retry_delay=timedelta(seconds=retry_seconds))
        )
    return GoogleAdsFailure(errors=[error], request_id="req-1")


def failed_call(code: grpc.StatusCode, details: str, ads_failure: GoogleAdsFailure | None = None) -> FailedCall:
    trailing = [("request-id", "req-1")]
    if ads_failure is not None:
        trailing.append((FAILURE_METADATA_KEY, GoogleAdsFailure.serialize(ads_failure)))
    return FailedCall(code, details, trailing)


def ads_exception(code: grpc.StatusCode, ads_failure: GoogleAdsFailure) -> GoogleAdsException:
    call = failed_call(code, ads_failure.errors[0].message, ads_failure)
    return GoogleAdsException(call, call, ads_failure, "req-1")


def quota_call(seconds: float = 7.0) -> FailedCall:
    return failed_call(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "Too many requests",
        failure("quota_error", "RESOURCE_TEMPORARILY_EXHAUSTED", "Too many requests", retry_seconds=seconds),
    )


def test_quota_errors_are_retried_after_the_delay_google_asks_for_raw_or_wrapped():
    # The SDK's interceptor passes RESOURCE_EXHAUSTED through unwrapped; api_core's stream
    # wrapper then maps it to ResourceExhausted. Both keep the failure in trailing metadata.
    for exc in (quota_call(), from_grpc_error(quota_call())):
        decision = classify(exc)
        assert isinstance(decision, Retry) and decision.after == 7.0, type(exc)
        assert account_state(exc) == "error"


def test_the_longest_retry_delay_wins_and_none_is_none():
    two = GoogleAdsFailure(
        errors=[
            failure("quota_error", "RESOURCE_EXHAUSTED", "a", retry_seconds=2).errors[0],
            failure("quota_error", "RESOURCE_EXHAUSTED", "b", retry_seconds=30.5).errors[0],
        ]
    )
    assert quota_retry_delay(two) == 30.5
    assert quota_retry_delay(failure("quota_error", "RESOURCE_EXHAUSTED", "no delay")) is None
    assert quota_retry_delay(None) is None


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL]
)
def test_transient_transport_errors_are_retried(code):
    for exc in (failed_call(code, "try again"), from_grpc_error(failed_call(code, "try again"))):
        decision = classify(exc)
        assert isinstance(decision, Retry) and decision.after is None
        assert decision.reason == code.name


@pytest.mark.parametrize(
    ("code", "kind", "value"),
    [
        (grpc.StatusCode.UNAUTHENTICATED, "authentication_error", "OAUTH_TOKEN_INVALID"),
        (grpc.StatusCode.UNAUTHENTICATED, "authentication_error", "DEVELOPER_TOKEN_INVALID"),
        (grpc.StatusCode.PERMISSION_DENIED, "authorization_error", "USER_PERMISSION_DENIED"),
        (grpc.StatusCode.PERMISSION_DENIED, "authorization_error", "CUSTOMER_NOT_ENABLED"),
    ],
)
def test_authentication_and_authorization_errors_give_up_at_once(code, kind, value):
    exc = ads_exception(code, failure(kind, value, "not allowed"))
    assert isinstance(classify(exc), GiveUp)
    assert account_state(exc) == "auth_error"
    message = describe_failure(exc, credentials_env_prefix="ACME_GOOGLE")
    assert message == f"{code.name}: {kind}.{value}: not allowed (request-id req-1)"


def test_a_bad_query_gives_up_but_is_not_an_access_problem():
    exc = ads_exception(grpc.StatusCode.INVALID_ARGUMENT, failure("query_error", "UNRECOGNIZED_FIELD", "bad field"))
    assert isinstance(classify(exc), GiveUp)
    assert account_state(exc) == "error"
    assert inspect_call_error(exc).error_kinds == {"query_error"}


def test_a_day_too_old_for_click_view_is_recognised_and_nothing_else_is():
    too_old = ads_exception(grpc.StatusCode.INVALID_ARGUMENT, failure("click_view_error", "DATE_TOO_OLD", "90 days"))
    single_day = ads_exception(
        grpc.StatusCode.INVALID_ARGUMENT, failure("click_view_error", "EXPECTED_FILTER_ON_A_SINGLE_DAY", "one day")
    )
    assert is_click_view_date_too_old(too_old)
    assert not is_click_view_date_too_old(single_day)
    assert not is_click_view_date_too_old(quota_call())
    assert not is_click_view_date_too_old(KeyError("x"))


def test_a_revoked_refresh_token_gives_up_and_says_what_to_do_without_the_token():
    # What google-auth raises when the token endpoint answers 400 invalid_grant.
    exc = RefreshError(
        "invalid_grant: Token has been expired or revoked.",
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        retryable=False,
    )
    assert isinstance(classify(exc), GiveUp)
    assert account_state(exc) == "auth_error"
    message = describe_failure(exc, credentials_env_prefix="HARBOR_GOOGLE", secrets=["1//sbx-refresh"])
    assert "invalid_grant" in message and "HARBOR_GOOGLE_REFRESH_TOKEN" in message
    assert "1//sbx-refresh" not in message


def test_a_refresh_refused_inside_grpcs_auth_plugin_is_not_mistaken_for_an_outage():
    # gRPC turns an exception in the credentials plugin into UNAVAILABLE.
    exc = from_grpc_error(
        failed_call(
            grpc.StatusCode.UNAVAILABLE,
            "Getting metadata from plugin failed with error: ('invalid_grant: Token has been expired or revoked.', "
            "{'error': 'invalid_grant'})",
        )
    )
    assert isinstance(classify(exc), GiveUp)
    assert account_state(exc) == "auth_error"
    assert "ACME_GOOGLE_REFRESH_TOKEN" in describe_failure(exc, credentials_env_prefix="ACME_GOOGLE")


def test_token_endpoint_outages_are_retried():
    assert isinstance(classify(TransportError("connection refused")), Retry)
    assert isinstance(classify(RefreshError("server_error", {"error": "server_error"}, retryable=True)), Retry)


def test_anything_else_gives_up():
    assert isinstance(classify(KeyError("campaign")), GiveUp)


def test_exhausted_retries_say_how_many_attempts_and_why():
    last = failed_call(grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
    exc = RetriesExhausted("customers/1", 6, last, "UNAVAILABLE")
    assert account_state(exc) == "error"
    assert describe_failure(exc, credentials_env_prefix="X") == (
        "UNAVAILABLE: The service is currently unavailable. (request-id req-1) (gave up after 6 attempts)"
    )


def test_a_failed_customers_cause_comes_from_the_retry_policy_and_its_account_state():
    def cause(exc):
        return cause_from_decision(exc, classify, auth_error=account_state(exc) == "auth_error")

    unavailable = failed_call(grpc.StatusCode.UNAVAILABLE, "The service is currently unavailable.")
    assert cause(RetriesExhausted("customers/1", 6, unavailable, "UNAVAILABLE")) == FailureCause(
        TRANSIENT, "retries exhausted: UNAVAILABLE"
    )
    revoked = RefreshError(
        "invalid_grant: Token has been expired or revoked.", {"error": "invalid_grant"}, retryable=False
    )
    assert cause(revoked) == FailureCause(PERMANENT, "expired or invalid credentials")
    denied = ads_exception(
        grpc.StatusCode.PERMISSION_DENIED, failure("authorization_error", "USER_PERMISSION_DENIED", "no access")
    )
    assert cause(denied).kind == PERMANENT
    bad_query = ads_exception(grpc.StatusCode.INVALID_ARGUMENT, failure("query_error", "UNRECOGNIZED_FIELD", "bad"))
    assert cause(bad_query).kind == UNKNOWN  # given up on, and no pattern knows it: not retried, not hidden


def test_secrets_are_redacted_from_any_message():
    exc = ads_exception(
        grpc.StatusCode.UNAUTHENTICATED,
        failure("authentication_error", "DEVELOPER_TOKEN_INVALID", f"developer token {DEVELOPER_TOKEN} is not valid"),
    )
    message = describe_failure(exc, credentials_env_prefix="X", secrets=[DEVELOPER_TOKEN, "", "abc"])
    assert DEVELOPER_TOKEN not in message and "[redacted]" in message
    assert redact("a-b-abc", ["abc"]) == "a-b-abc"  # too short to be a secret: left alone


def test_the_classifier_drives_the_shared_retry_loop_with_googles_delay():
    failures = [quota_call(seconds=12), failed_call(grpc.StatusCode.UNAVAILABLE, "down")]
    slept: list[float] = []

    def call():
        if failures:
            raise failures.pop(0)
        return "rows"

    policy = BackoffPolicy(max_attempts=4, base_delay=0.001, max_delay=60)
    result = call_with_retries(call, classify, what="x", policy=policy, sleep=slept.append, rng=random.Random(3))
    assert result == "rows"
    assert slept[0] == 12 and slept[1] <= 0.002


def test_the_retry_base_delay_comes_from_the_environment():
    assert retry_policy({}).base_delay == 1.0
    assert retry_policy({"METRICS_RETRY_BASE_DELAY": "0.01"}).base_delay == 0.01
