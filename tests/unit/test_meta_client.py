"""The Meta client: its own base URL per API instance, and what Graph API errors mean."""

from __future__ import annotations

import json

import pytest
import requests
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from metrics_pipeline.config import ConfigError, Connection
from metrics_pipeline.operations.call_retry import GiveUp, RetriesExhausted, Retry
from metrics_pipeline.operations.failures import (
    PERMANENT,
    TRANSIENT,
    UNKNOWN,
    FailureCause,
    cause_from_decision,
)
from metrics_pipeline.sources.meta.client import (
    DEFAULT_GRAPH_URL,
    MAX_RATE_LIMIT_WAIT,
    MetaSettings,
    access_token_of,
    classify_graph_error,
    describe_error,
    is_auth_error,
    is_too_much_data,
    meta_api,
    regain_access_seconds,
)

TOKEN = "EAAB-secret-token-value"


def connection(prefix: str = "ACME_META") -> Connection:
    return Connection(
        id="acme-meta",
        workspace_slug="ws",
        provider="meta",
        client_slug=None,
        account_ids=("1",),
        manager_customer_id=None,
        status="active",
        sync_frequency="daily",
        lookback_days=28,
        credentials_env_prefix=prefix,
    )


def graph_error(status: int, error: dict | None, headers: dict | None = None, body: str | None = None):
    """A FacebookRequestError exactly as the SDK raises it from a response."""
    text = body if body is not None else json.dumps({"error": error})
    return FacebookRequestError(
        "Call was not successful",
        {"method": "GET", "path": "https://graph/v26.0/act_1/insights", "params": {}},
        status,
        headers or {},
        text,
    )


def usage(minutes: int) -> dict:
    return {
        "x-business-use-case-usage": json.dumps(
            {"1": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": minutes}]}
        )
    }


def test_each_api_gets_its_own_base_url_and_token():
    sandbox = meta_api(connection(), {"ACME_META_ACCESS_TOKEN": TOKEN, "METRICS_META_GRAPH_URL": "http://127.0.0.1:9/"})
    real = meta_api(connection(), {"ACME_META_ACCESS_TOKEN": "other"})
    assert sandbox._session.GRAPH == "http://127.0.0.1:9"
    assert real._session.GRAPH == DEFAULT_GRAPH_URL
    assert FacebookSession.GRAPH == DEFAULT_GRAPH_URL  # the SDK's class default is untouched
    assert FacebookAdsApi.get_default_api() is None  # nothing process-wide was set
    assert access_token_of(sandbox) == TOKEN


def test_a_missing_token_is_named_not_shown():
    with pytest.raises(ConfigError, match="ACME_META_ACCESS_TOKEN"):
        meta_api(connection(), {})


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80000, 80004, 80014])
def test_rate_limits_are_retried(code):
    decision = classify_graph_error(graph_error(400, {"message": "slow down", "type": "OAuthException", "code": code}))
    assert isinstance(decision, Retry) and decision.after is None


def test_a_rate_limit_waits_as_long_as_meta_estimates_capped():
    error = graph_error(400, {"message": "(#80004) too many calls", "type": "OAuthException", "code": 80004}, usage(2))
    assert classify_graph_error(error).after == 120.0
    assert regain_access_seconds(usage(90)) == MAX_RATE_LIMIT_WAIT
    assert regain_access_seconds(usage(0)) is None
    assert regain_access_seconds({"X-Business-Use-Case-Usage": "not json"}) is None
    assert regain_access_seconds(None) is None


@pytest.mark.parametrize(
    "status, error",
    [
        (
            500,
            {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2, "is_transient": True},
        ),
        (503, {"message": "Service unavailable", "type": "OAuthException", "code": 1}),
        (400, {"message": "Please retry", "type": "OAuthException", "code": 100, "is_transient": True}),
    ],
)
def test_transient_server_errors_are_retried(status, error):
    assert isinstance(classify_graph_error(graph_error(status, error)), Retry)


def test_network_errors_are_retried():
    assert isinstance(classify_graph_error(requests.ConnectionError("reset")), Retry)


@pytest.mark.parametrize(
    "error",
    [
        {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        },
        {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190},
        {
            "message": "(#200) Ad account owner has NOT grant ads_management or ads_read permission",
            "type": "OAuthException",
            "code": 200,
        },
    ],
)
def test_a_rejected_token_gives_up_at_once(error):
    exc = graph_error(400, error)
    assert isinstance(classify_graph_error(exc), GiveUp)
    assert is_auth_error(exc)


def test_a_bad_request_gives_up_but_is_not_an_auth_error():
    exc = graph_error(400, {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100})
    assert isinstance(classify_graph_error(exc), GiveUp)
    assert not is_auth_error(exc)


def test_too_much_data_is_not_retried_the_same_way():
    # Code 1 is also "An unknown error occurred" (transient); with this message it is not:
    # the same request gets the same answer, the caller must ask for less.
    exc = graph_error(
        500,
        {
            "message": "Please reduce the amount of data you're asking for, then retry your request",
            "type": "OAuthException",
            "code": 1,
        },
    )
    assert isinstance(classify_graph_error(exc), GiveUp)
    assert is_too_much_data(exc) and not is_auth_error(exc)
    assert not is_too_much_data(graph_error(500, {"message": "An unknown error occurred", "code": 1}))


def test_a_failed_accounts_cause_is_decided_from_the_retry_policy():
    def cause(exc):
        return cause_from_decision(exc, classify_graph_error, auth_error=is_auth_error(exc))

    expired = graph_error(
        400,
        {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        },
    )
    assert cause(expired) == FailureCause(PERMANENT, "expired or invalid credentials")
    throttled = graph_error(
        400, {"message": "(#80004) There have been too many calls", "type": "OAuthException", "code": 80004}
    )
    assert cause(RetriesExhausted("act_1 insights", 6, throttled, "rate limited (code 80004)")) == FailureCause(
        TRANSIENT, "retries exhausted: rate limited (code 80004)"
    )
    bad_request = graph_error(400, {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100})
    assert cause(bad_request).kind == UNKNOWN


def test_descriptions_are_one_line_and_never_show_a_secret():
    exc = graph_error(
        400,
        {
            "message": f"Error validating access token {TOKEN}",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        },
    )
    text = describe_error(exc, [TOKEN])
    assert TOKEN not in text and "[redacted]" in text
    assert text.startswith("Meta API OAuthException (code 190/463, HTTP 400)") and "\n" not in text
    exhausted = RetriesExhausted("act_1", 6, graph_error(500, {"message": "boom", "code": 2}), "transient")
    assert describe_error(exhausted).startswith("gave up after 6 attempts: Meta API error (code 2, HTTP 500): boom")
    assert describe_error(ConfigError("connection x", ["set A", "set B"])) == "connection x: set A; set B"


def test_the_base_delay_variable_scales_every_wait():
    settings = MetaSettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.01"})
    assert settings.retry_policy.base_delay == 0.01
    assert settings.retry_policy.max_delay == pytest.approx(0.6)
    assert settings.report_poll_interval == pytest.approx(0.05)
    default = MetaSettings.from_environ({})
    assert default.retry_policy.max_delay == MAX_RATE_LIMIT_WAIT and default.report_poll_interval == 5.0
