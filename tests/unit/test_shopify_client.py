"""The GraphQL client's throttle arithmetic, error meanings and retries, on canned HTTP answers."""

from __future__ import annotations

import json

import pytest
import requests

from metrics_pipeline.operations.call_retry import GiveUp, RetriesExhausted, Retry
from metrics_pipeline.operations.failures import (
    PERMANENT,
    TRANSIENT,
    UNKNOWN,
    FailureCause,
    cause_from_decision,
)
from metrics_pipeline.sources.shopify.client import (
    API_VERSION,
    MAX_THROTTLE_WAIT,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyQueryError,
    ShopifySettings,
    ShopifyThrottled,
    ShopifyTransientError,
    ThrottleStatus,
    classify_shopify_error,
    describe_error,
    graphql_endpoint,
    is_auth_error,
    seconds_until_available,
)

TOKEN = "shpat_unit_test_secret_token"


def test_the_endpoint_is_the_shop_unless_the_template_says_otherwise():
    assert (
        graphql_endpoint("acme.myshopify.com", {}) == f"https://acme.myshopify.com/admin/api/{API_VERSION}/graphql.json"
    )
    sandbox = {"METRICS_SHOPIFY_URL_TEMPLATE": "http://127.0.0.1:5000/shops/{shop_domain}/"}
    assert graphql_endpoint("acme.myshopify.com", sandbox) == (
        f"http://127.0.0.1:5000/shops/acme.myshopify.com/admin/api/{API_VERSION}/graphql.json"
    )
    assert API_VERSION == "2026-07"


def test_throttle_arithmetic():
    status = ThrottleStatus(maximum_available=2000, currently_available=150, restore_rate=100)
    assert seconds_until_available(status, 100) == 0
    assert seconds_until_available(status, 807) == pytest.approx(6.57)
    assert seconds_until_available(status, 807, elapsed=2.0) == pytest.approx(4.57)
    assert seconds_until_available(status, 807, elapsed=60) == 0
    # A query never needs more than the bucket holds; a bucket that never refills is not waited on forever.
    assert seconds_until_available(status, 5000) == pytest.approx(18.5)
    assert seconds_until_available(ThrottleStatus(1000, 0, 0), 10) == MAX_THROTTLE_WAIT
    assert status.available_after(100) == 2000
    assert ThrottleStatus.from_cost(
        {"throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}
    ) == ThrottleStatus(2000, 1990, 100)
    assert ThrottleStatus.from_cost(None) is None and ThrottleStatus.from_cost({"throttleStatus": {}}) is None


def test_what_errors_mean():
    throttled = ShopifyThrottled(807, ThrottleStatus(2000, 45, 100))
    decision = classify_shopify_error(throttled, time_scale=0.5)
    assert isinstance(decision, Retry) and decision.after == pytest.approx((807 + 1 - 45) / 100 * 0.5)
    assert isinstance(classify_shopify_error(ShopifyThrottled(None, None)), Retry)
    assert isinstance(classify_shopify_error(ShopifyTransientError("HTTP 502")), Retry)
    assert classify_shopify_error(ShopifyTransientError("HTTP 429", retry_after=2.0)).after == 2.0
    assert isinstance(classify_shopify_error(requests.ConnectionError("reset")), Retry)
    assert isinstance(classify_shopify_error(requests.Timeout("slow")), Retry)
    assert isinstance(classify_shopify_error(ShopifyAuthError("HTTP 401")), GiveUp)
    assert isinstance(classify_shopify_error(ShopifyQueryError("undefinedField")), GiveUp)
    assert isinstance(classify_shopify_error(KeyError("bug")), GiveUp)


def test_a_failed_shops_cause_is_decided_from_the_retry_policy():
    def cause(exc):
        return cause_from_decision(exc, classify_shopify_error, auth_error=is_auth_error(exc))

    assert cause(ShopifyAuthError("HTTP 401")) == FailureCause(PERMANENT, "expired or invalid credentials")
    assert cause(RetriesExhausted("shopify a shop", 6, ShopifyTransientError("HTTP 502"), "HTTP 502")) == (
        FailureCause(TRANSIENT, "retries exhausted: HTTP 502")
    )
    assert cause(requests.ConnectionError("reset")).kind == TRANSIENT
    assert cause(ShopifyQueryError("Orders: undefinedField")).kind == UNKNOWN


def test_settings_scale_with_the_retry_base_delay():
    assert ShopifySettings.from_environ({}) == ShopifySettings()
    fast = ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.01"})
    assert fast.time_scale == 0.01 and fast.retry_policy.base_delay == 0.01
    assert fast.retry_policy.max_delay == pytest.approx(0.6)


def test_messages_never_show_the_token():
    message = describe_error(RetriesExhausted("x", 6, ShopifyTransientError(f"HTTP 502 for {TOKEN}"), "r"), [TOKEN])
    assert TOKEN not in message and "[redacted]" in message and "6 attempts" in message
    assert "renew" in describe_error(ShopifyAuthError("HTTP 401: invalid"), [TOKEN])


# --------------------------------------------------------------------------- #
# The client on canned answers
# --------------------------------------------------------------------------- #


def answer(status: int, body: object, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()  # noqa: SLF001
    response.headers.update(headers or {})
    return response


def cost(requested: int, available: float, actual: int | None = None) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
        }
    }


class CannedSession:
    def __init__(self, *answers: requests.Response):
        self.answers = list(answers)
        self.sent: list[dict] = []

    def post(self, url, json, headers, timeout):  # noqa: A002 - requests' own parameter name
        self.sent.append({"url": url, "json": json, "headers": headers})
        return self.answers.pop(0)

    def close(self) -> None:
        pass


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client_with(
    *answers: requests.Response, settings: ShopifySettings | None = None
) -> tuple[ShopifyClient, CannedSession, FakeTime]:
    fake = FakeTime()
    client = ShopifyClient(
        "acme.myshopify.com",
        TOKEN,
        settings=settings or ShopifySettings(),
        sleep=fake.sleep,
        clock=fake.clock,
        environ={},
    )
    session = CannedSession(*answers)
    client._session = session  # noqa: SLF001 - the seam for canned answers
    return client, session, fake


def test_a_query_is_posted_with_the_token_header_and_its_data_returned():
    client, session, _ = client_with(answer(200, {"data": {"shop": {"name": "Acme"}}, "extensions": cost(1, 1999, 1)}))
    assert client.execute("Shop", "query Shop { shop { name } }") == {"shop": {"name": "Acme"}}
    [sent] = session.sent
    assert sent["headers"]["X-Shopify-Access-Token"] == TOKEN
    assert sent["json"] == {"query": "query Shop { shop { name } }", "variables": {}, "operationName": "Shop"}
    assert sent["url"].endswith(f"/admin/api/{API_VERSION}/graphql.json")


def test_throttled_waits_for_the_bucket_then_succeeds_once():
    throttled = answer(
        200, {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], "extensions": cost(807, 45)}
    )
    ok = answer(200, {"data": {"orders": {}}, "extensions": cost(807, 1200, 150)})
    client, session, fake = client_with(throttled, ok)
    assert client.execute("Orders", "query Orders { orders(first: 5) { edges { cursor } } }") == {"orders": {}}
    assert len(session.sent) == 2
    assert fake.slept == [pytest.approx((807 + 1 - 45) / 100)]  # what the bucket needs (+1 point), no more


def test_the_client_waits_before_a_query_the_bucket_cannot_hold_yet():
    low = answer(200, {"data": {"orders": {}}, "extensions": cost(807, 300, 150)})
    client, _, fake = client_with(low, answer(200, {"data": {"orders": {}}, "extensions": cost(807, 1000, 150)}))
    client.execute("Orders", "q")
    fake.now += 1.0  # a second passes: 100 points come back
    client.execute("Orders", "q")
    assert fake.slept == [pytest.approx((807 + 1 - 400) / 100)]  # one point of margin over the known cost
    assert client.throttle_waits == pytest.approx(4.08)


def test_a_502_and_a_dropped_connection_are_retried():
    client, session, fake = client_with(
        answer(502, b"<html>Bad Gateway</html>"),
        answer(200, {"data": {"shop": {"name": "Acme"}}, "extensions": cost(1, 1999, 1)}),
        settings=ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.001"}),
    )
    assert client.execute("Shop", "q") == {"shop": {"name": "Acme"}}
    assert len(session.sent) == 2 and len(fake.slept) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_gives_up_at_once(status):
    client, session, fake = client_with(answer(status, {"errors": "[API] Invalid API key or access token"}))
    with pytest.raises(ShopifyAuthError, match=str(status)):
        client.execute("Shop", "q")
    assert len(session.sent) == 1 and fake.slept == []


def test_graphql_errors_say_what_they_mean():
    denied = answer(
        200, {"errors": [{"message": "Access denied for orders field.", "extensions": {"code": "ACCESS_DENIED"}}]}
    )
    with pytest.raises(ShopifyAuthError):
        client_with(denied)[0].execute("Orders", "q")
    undefined = answer(
        200,
        {
            "errors": [
                {
                    "message": "Field 'checkoutToken' doesn't exist on type 'Order'",
                    "extensions": {"code": "undefinedField"},
                }
            ]
        },
    )
    with pytest.raises(ShopifyQueryError, match="checkoutToken"):
        client_with(undefined)[0].execute("Orders", "q")
    internal = answer(200, {"errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
    client, session, _ = client_with(
        internal,
        answer(200, {"data": {"x": 1}}),
        settings=ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.001"}),
    )
    assert client.execute("X", "q") == {"x": 1} and len(session.sent) == 2
    with pytest.raises(ShopifyQueryError, match="no data"):
        client_with(answer(200, {"data": None}))[0].execute("X", "q")
