import pytest
import requests

from metrics_pipeline.operations.call_retry import GiveUp, RetriesExhausted, Retry
from metrics_pipeline.operations.failures import (
    PERMANENT,
    TRANSIENT,
    UNKNOWN,
    FailureCause,
    cause_from_decision,
    classify_failure,
)


@pytest.mark.parametrize(
    ("error", "kind", "reason"),
    [
        # Messages as the connectors write them to ops.ingestion_logs.
        (
            "gave up after 6 attempts: Meta API OAuthException (code 80004/2446079, HTTP 400): (#80004) There "
            "have been too many calls to this ad-account.",
            TRANSIENT,
            "rate limited",
        ),
        (
            "RESOURCE_EXHAUSTED: QuotaError.RESOURCE_EXHAUSTED: Too many requests. Retry in 2 seconds.",
            TRANSIENT,
            "rate limited",
        ),
        (
            "gave up after 6 attempts: Meta API OAuthException (code 2, HTTP 500): An unexpected error has occurred",
            TRANSIENT,
            "server error",
        ),
        ("UNAVAILABLE: The service is currently unavailable.", TRANSIENT, "server error"),
        (
            "gave up after 6 attempts: ReadTimeout: HTTPConnectionPool(host='127.0.0.1', port=1): Read timed out.",
            TRANSIENT,
            "timeout",
        ),
        ("DEADLINE_EXCEEDED: Deadline Exceeded", TRANSIENT, "timeout"),
        (
            "gave up after 6 attempts: ChunkedEncodingError: ('Connection broken: IncompleteRead(10 bytes read, "
            "90 more expected)')",
            TRANSIENT,
            "connection dropped",
        ),
        (
            "ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))",
            TRANSIENT,
            "connection dropped",
        ),
        (
            'EndpointConnectionError: Could not connect to the endpoint URL: "http://127.0.0.1:1/bucket"',
            TRANSIENT,
            "connection dropped",
        ),
        # Permanent: a human must act; a retry count in front changes nothing.
        (
            "Meta API OAuthException (code 190/463, HTTP 400): Error validating access token: Session has expired; "
            "renew the connection's access token",
            PERMANENT,
            "expired or invalid credentials",
        ),
        (
            "gave up after 6 attempts: Meta API OAuthException (code 190, HTTP 400): Invalid OAuth access token",
            PERMANENT,
            "expired or invalid credentials",
        ),
        (
            "Google refused the OAuth refresh token (invalid_grant): it was revoked or has expired",
            PERMANENT,
            "expired or invalid credentials",
        ),
        ("PERMISSION_DENIED: AuthorizationError.USER_PERMISSION_DENIED: no access", PERMANENT, "missing permission"),
        (
            "s3://bucket/media_partner/acme/2026-10-01.csv: header is missing column(s) clicks",
            PERMANENT,
            "wrong file header",
        ),
        (
            "s3://bucket/media_partner/acme/2026-10-01.csv: ends mid-row (truncated upload?)",
            PERMANENT,
            "unreadable file",
        ),
        ("ConfigError: /etc/config.yaml: workspaces[0].slug: required", PERMANENT, "invalid configuration"),
        # Neither: a bug is not retried blindly.
        ("KeyError: 'campaign_id'", UNKNOWN, "unrecognised error"),
        (None, UNKNOWN, "no error recorded"),
    ],
)
def test_error_texts_are_classified(error, kind, reason):
    cause = classify_failure(error)
    assert (cause.kind, cause.reason) == (kind, reason)
    assert cause.retryable == (kind == TRANSIENT)


def test_exceptions_are_classified_by_type_and_text():
    assert classify_failure(TimeoutError("read")).kind == TRANSIENT
    assert classify_failure(ConnectionResetError(104, "reset")).reason == "connection dropped"
    assert classify_failure(requests.ReadTimeout("Read timed out.")).reason == "timeout"
    assert classify_failure(requests.exceptions.ChunkedEncodingError("Connection broken")).reason == (
        "connection dropped"
    )
    assert classify_failure(ValueError("bad literal")).kind == UNKNOWN


class Throttled(Exception):
    pass


def policy(exc):
    """A client's retry policy: retries Throttled, gives up on anything else."""
    if isinstance(exc, Throttled):
        return Retry("rate limited (code 4)", after=1.0)
    return GiveUp(f"unexpected {type(exc).__name__}")


def test_a_rejected_credential_is_permanent_whatever_the_policy_says():
    for error in (Throttled(), ValueError("token expired"), RetriesExhausted("act_1", 6, Throttled(), "rate limited")):
        assert cause_from_decision(error, policy, auth_error=True) == FailureCause(
            PERMANENT, "expired or invalid credentials"
        )


def test_what_the_policy_retries_is_transient_and_so_are_exhausted_retries_of_it():
    assert cause_from_decision(Throttled(), policy, auth_error=False) == FailureCause(
        TRANSIENT, "rate limited (code 4)"
    )
    exhausted = RetriesExhausted("act_1", 6, Throttled(), "rate limited (code 4)")
    cause = cause_from_decision(exhausted, policy, auth_error=False)
    assert cause == FailureCause(TRANSIENT, "retries exhausted: rate limited (code 4)") and cause.retryable


def test_the_policy_judges_the_last_error_of_exhausted_retries_not_the_wrapper():
    seen = []

    def recording(exc):
        seen.append(exc)
        return policy(exc)

    last = Throttled()
    cause_from_decision(RetriesExhausted("act_1", 6, last, "rate limited"), recording, auth_error=False)
    assert seen == [last]


def test_what_the_policy_gives_up_on_falls_back_to_the_type_then_the_text():
    # Given up on, but by type a timeout; by text an HTTP 403; neither: unknown, not retried.
    assert cause_from_decision(TimeoutError("read"), policy, auth_error=False) == FailureCause(TRANSIENT, "timeout")
    assert cause_from_decision(RuntimeError("HTTP 403 forbidden"), policy, auth_error=False) == FailureCause(
        PERMANENT, "missing permission"
    )
    assert cause_from_decision(KeyError("spend"), policy, auth_error=False).kind == UNKNOWN


def test_a_landing_step_fails_only_for_targets_that_may_heal():
    import dagster as dg

    from metrics_pipeline.landing.outcomes import TargetOutcome
    from metrics_pipeline.lib.source_assets import FAILURE_KIND_METADATA, raise_if_transient
    from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT, UNKNOWN, FailureCause

    def failed(account: str, message: str, kind: str) -> TargetOutcome:
        return TargetOutcome(
            "meta-acme",
            account,
            "failed",
            "error",
            ("2026-09-01",),
            message=message,
            cause=FailureCause(kind, "test"),
            target=f"act_{account}",
        )

    expired = failed("2", "Meta API OAuthException (code 190/463, HTTP 400): Error validating access token", PERMANENT)
    refused = failed("3", "Meta API GraphMethodException (code 100, HTTP 400): Unsupported get request", UNKNOWN)
    raise_if_transient("Meta", [expired, refused])  # permanent and unknown: the check says so, the step passes
    # the cause decides, not the words: this message reads like a rate limit but was classified permanent
    raise_if_transient("Meta", [failed("4", "too many calls", PERMANENT)])
    throttled = failed("1", "gave up after 6 attempts: Meta API OAuthException (code 80004): too many calls", TRANSIENT)
    with pytest.raises(dg.Failure) as raised:
        raise_if_transient("Meta", [expired, throttled])
    assert raised.value.description.startswith("Meta: 1 target(s) failed for a transient cause: act_1: gave up")
    assert "act_2" not in raised.value.description
    assert raised.value.metadata[FAILURE_KIND_METADATA].value == TRANSIENT


def test_the_retry_sensor_goes_by_the_recorded_kind_and_reads_the_text_only_when_none_was_recorded():
    from metrics_pipeline.defs.operations import run_failure_cause
    from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT

    rate_limited = "media_partner_landing: gave up after 6 attempts: HTTP 429 too many requests"
    assert run_failure_cause({PERMANENT}, rate_limited).kind == PERMANENT  # the record wins over the words
    assert run_failure_cause({PERMANENT}, rate_limited).reason == "recorded as permanent"
    assert run_failure_cause({TRANSIENT, PERMANENT}, "ValueError: x").kind == TRANSIENT
    assert run_failure_cause({TRANSIENT}, rate_limited).reason == "rate limited"
    assert run_failure_cause(set(), rate_limited).kind == TRANSIENT  # nothing recorded: the text decides
    assert run_failure_cause(set(), "dbt: Compilation Error").kind == "unknown"


def test_a_cause_is_decided_by_type_before_text():
    import psycopg

    from metrics_pipeline.landing.exports import LandingFileError
    from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT, cause_of

    # a file whose problem happens to mention a timeout is still a file a human must replace
    assert cause_of(LandingFileError("s3://b/x.csv", "column timeout_ms is not a number")).kind == PERMANENT
    assert cause_of(psycopg.OperationalError("server closed the connection")).kind == TRANSIENT
    assert cause_of(psycopg.errors.NumericValueOutOfRange("value out of range")).kind == PERMANENT
    assert cause_of(TimeoutError()).kind == TRANSIENT
