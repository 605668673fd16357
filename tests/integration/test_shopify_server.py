"""The Shopify sandbox server speaks enough of the Admin GraphQL API, honestly: auth, versions,
validation, cost and throttling, paging, the as-of clock and faults; and the real client on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from metrics_pipeline.sandbox.commerce_world import END, REVOKED_ACCESS_TOKEN, CommerceWorld, build_commerce_world
from metrics_pipeline.sandbox.shopify_server import Fault, ShopifySandboxServer
from metrics_pipeline.sources.shopify import extract, queries
from metrics_pipeline.sources.shopify.client import (
    API_VERSION,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyQueryError,
    ShopifySettings,
)

pytestmark = pytest.mark.integration

ACME = "acme-outdoor.myshopify.com"
FAST = ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.001"})


@pytest.fixture(scope="module")
def world() -> CommerceWorld:
    return build_commerce_world()


@pytest.fixture(scope="module")
def server(world: CommerceWorld) -> Iterator[ShopifySandboxServer]:
    with ShopifySandboxServer(world, faults=(), clock_scale=0.001) as sandbox:
        yield sandbox


@pytest.fixture
def fresh(server: ShopifySandboxServer) -> ShopifySandboxServer:
    server.as_of = END
    server.clear_faults()
    server.reset_requests()
    server.refill_buckets()
    return server


def post(
    server: ShopifySandboxServer,
    query: str,
    variables: dict | None = None,
    *,
    shop: str = ACME,
    token: str | None = None,
    version: str = API_VERSION,
) -> requests.Response:
    token = server.world.shop(ACME).access_token if token is None else token
    return requests.post(
        f"{server.base_url}/shops/{shop}/admin/api/{version}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": token},
        timeout=30,
    )


def client(server: ShopifySandboxServer, settings: ShopifySettings = FAST, **kwargs) -> ShopifyClient:
    return ShopifyClient(
        ACME,
        server.world.shop(ACME).access_token,
        settings=settings,
        environ={"METRICS_SHOPIFY_URL_TEMPLATE": server.url_template},
        **kwargs,
    )


def test_tokens_shops_and_versions_are_checked(fresh, world):
    citrus_token = world.shop("citrus-kitchen.myshopify.com").access_token
    for token, state in (
        ("shpat_nobody", "unknown"),
        (REVOKED_ACCESS_TOKEN, "revoked"),
        (citrus_token, "wrong_shop"),
        ("", "missing"),
    ):
        response = post(fresh, "{ shop { name } }", token=token)
        assert response.status_code == 401 and "Invalid API key or access token" in response.json()["errors"]
        assert fresh.count(token=state, status=401) == 1
    assert post(fresh, "{ shop { name } }", shop="nobody.myshopify.com").status_code == 404
    assert post(fresh, "{ shop { name } }", version="2019-04").status_code == 404
    response = post(fresh, "{ shop { name currencyCode ianaTimezone } }")
    assert response.json()["data"] == {
        "shop": {"name": "Acme Outdoor", "currencyCode": "USD", "ianaTimezone": "America/New_York"}
    }
    assert response.headers["X-Shopify-API-Version"] == API_VERSION
    assert (
        requests.post(
            f"{fresh.base_url}/shops/{ACME}/admin/api/{API_VERSION}/graphql.json",
            data="{ shop { name } }",
            headers={"X-Shopify-Access-Token": world.shop(ACME).access_token, "Content-Type": "application/graphql"},
            timeout=30,
        ).status_code
        == 400
    )


def test_the_schema_is_checked_and_checkout_token_needs_2026_07(fresh):
    order = "{ orders(first: 1) { edges { node { id checkoutToken } } } }"
    old = post(fresh, order, version="2025-10").json()
    assert old["errors"][0]["extensions"] == {
        "code": "undefinedField",
        "typeName": "Order",
        "fieldName": "checkoutToken",
    }
    assert "data" not in old
    assert post(fresh, order).json()["data"]["orders"]["edges"][0]["node"]["checkoutToken"]
    for query, code in (
        ("{ orders(first: 1) { edges { node { landingSite } } } }", "undefinedField"),
        ("{ orders(first: 1, limit: 3) { edges { cursor } } }", "argumentNotAccepted"),
        ("{ orders { edges { cursor } } }", "BAD_REQUEST"),
        ("{ orders(first: 1) { edges { node { customer } } } }", "selectionMismatch"),
        ("{ shop { name { first } } }", "selectionMismatch"),
        ("{ order { id } }", "missingRequiredArguments"),
        ("{ shop { name }", "PARSE_ERROR"),
        # The sandbox serves one mutation, bulkOperationRunQuery (test_shopify_bulk.py): others are unknown.
        ("mutation { orderCancel(orderId: 1) { job { id } } }", "undefinedField"),
        ("subscription { orders { id } }", "UNSUPPORTED_OPERATION"),
    ):
        assert post(fresh, query).json()["errors"][0]["extensions"]["code"] == code, query


def test_aliases_fragments_and_variables(fresh):
    body = post(
        fresh,
        """
        query Named($n: Int!) { first: orders(first: $n, sortKey: CREATED_AT) { nodes { ...O } } }
        fragment O on Order { id name totalPriceSet { shopMoney { amount } } }
    """,
        {"n": 2},
    ).json()
    nodes = body["data"]["first"]["nodes"]
    assert [n["name"] for n in nodes] == ["#1001", "#1002"]
    assert set(nodes[0]) == {"id", "name", "totalPriceSet"}


def test_costs_are_reported_and_a_query_over_1000_points_is_refused(fresh):
    body = post(fresh, "{ shop { name } }").json()
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1
    assert set(body["extensions"]["cost"]["throttleStatus"]) == {
        "maximumAvailable",
        "currentlyAvailable",
        "restoreRate",
    }
    greedy = post(
        fresh,
        "{ orders(first: 50) { edges { node { lineItems(first: 50) { edges { node { id "
        "originalUnitPriceSet { shopMoney { amount } } } } } } } } }",
    ).json()
    assert greedy["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert greedy["extensions"]["cost"]["requestedQueryCost"] > 1000


def test_the_world_is_served_as_of_its_clock(fresh, world):
    refund = world.awkward.refund

    def order_state(as_of: date) -> dict | None:
        fresh.as_of = as_of
        data = post(
            fresh,
            "query($id: ID!) { order(id: $id) { updatedAt displayFinancialStatus refunds { id } } }",
            {"id": f"gid://shopify/Order/{refund.order_id}"},
        ).json()["data"]
        return data["order"]

    order = world.order(ACME, refund.order_id)
    assert order_state(order.created_at.date() - timedelta(days=1)) is None  # not placed yet
    before = order_state(refund.created_at.date() - timedelta(days=1))
    assert before["displayFinancialStatus"] == "PAID" and before["refunds"] == []
    after = order_state(refund.created_at.date())
    assert after["displayFinancialStatus"] == "PARTIALLY_REFUNDED" and len(after["refunds"]) == 1
    assert after["updatedAt"] == refund.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    change = world.awkward.cost_change

    def cost_on(as_of: date) -> str:
        fresh.as_of = as_of
        with client(fresh) as c:
            variants = extract.fetch_variants(c, FAST)
        node = next(v for v in variants if v["id"].endswith(f"/{change.variant_id}"))
        return node["inventoryItem"]["unitCost"]["amount"]

    assert cost_on(date(2026, 9, 19)) == str(change.old_cost.normalize())
    assert cost_on(date(2026, 9, 20)) == str(change.new_cost.normalize())
    fresh.as_of = date(2026, 9, 1)
    with client(fresh) as c:
        read = extract.fetch_orders(c, FAST, None)
    assert len(read.orders) == len(world.orders_of(ACME, date(2026, 9, 1)))


def test_paging_reads_every_order_once_and_the_search_filters_by_update(fresh, world):
    with client(fresh) as c:
        everything = extract.fetch_orders(c, FAST, None)
        since = datetime(2026, 10, 1, tzinfo=UTC)
        recent = extract.fetch_orders(c, FAST, since)
    ids = [o["id"] for o in everything.orders]
    assert len(ids) == len(set(ids)) == len(world.orders_of(ACME)) and everything.pages > 10
    cutoff = world.cutoff(ACME, END)
    assert {int(o["id"].rsplit("/", 1)[1]) for o in recent.orders} == {
        o.order_id for o in world.orders_of(ACME) if o.updated_at(cutoff) >= since
    }
    updated = [o["updatedAt"] for o in everything.orders]
    assert updated == sorted(updated)  # sortKey UPDATED_AT
    assert fresh.searches("orders") == {None, queries.updated_since_filter(since)}
    bad = post(fresh, '{ orders(first: 1, after: "not-a-cursor") { edges { cursor } } }').json()
    assert bad["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("shop_domain", ["acme-outdoor.myshopify.com", "citrus-kitchen.myshopify.com"])
def test_small_pages_complete_every_nested_connection_the_same(fresh, world, shop_domain):
    tiny = ShopifySettings(
        retry_policy=FAST.retry_policy,
        time_scale=FAST.time_scale,
        orders_page=7,
        line_items_page=2,
        refunds_page=1,
        refund_line_items_page=1,
        more_line_items_page=3,
        more_refunds=4,
    )
    token = world.shop(shop_domain).access_token
    environ = {"METRICS_SHOPIFY_URL_TEMPLATE": fresh.url_template}
    with ShopifyClient(shop_domain, token, settings=FAST, environ=environ) as c:
        default = extract.fetch_orders(c, FAST, None)
    with ShopifyClient(shop_domain, token, settings=tiny, environ=environ) as c:
        small = extract.fetch_orders(c, tiny, None)
    assert small.orders == default.orders
    assert len(small.orders) == len(world.orders_of(shop_domain))
    assert small.follow_ups > default.follow_ups > 0
    large = next(o for o in small.orders if len(o["lineItems"]) == 12)
    assert large["id"].startswith("gid://shopify/Order/")
    refunded = [o for o in small.orders if o["refunds"]]
    assert refunded and all(o["refunds"][0]["refundLineItems"] for o in refunded)
    if shop_domain.startswith("citrus"):  # the cancelled order's refund has a line per order line
        assert fresh.count("refund", shop=shop_domain) > 0


def test_faults_are_answered_once_each_and_the_client_rides_them_out(fresh, world):
    fresh.queue_fault(Fault("throttled", "orders", next_page_only=True), Fault("server_error", "products"))
    throttled = post(
        fresh,
        "query($after: String) { orders(first: 1, after: $after) { edges { cursor } } }",
        {
            "after": post(fresh, "{ orders(first: 1) { pageInfo { endCursor } } }").json()["data"]["orders"][
                "pageInfo"
            ]["endCursor"]
        },
    ).json()
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 100
    bad_gateway = post(fresh, "{ products(first: 1) { edges { cursor } } }")
    assert bad_gateway.status_code == 502 and b"Bad Gateway" in bad_gateway.content
    assert fresh.pending_faults == ()

    fresh.queue_fault(
        Fault("throttled", "orders", next_page_only=True), Fault("server_error", "orders", next_page_only=True)
    )
    with client(fresh) as c:
        read = extract.fetch_orders(c, FAST, None)
    assert len(read.orders) == len({o["id"] for o in read.orders}) == len(world.orders_of(ACME))
    assert fresh.count(fault="throttled") == 2 and fresh.count(fault="server_error") == 2


def test_the_client_waits_for_the_bucket_instead_of_being_throttled(world):
    class SharedClock:  # the server's and the client's time, moving only when the client sleeps
        now = 0.0

        def clock(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.now += seconds

    time_ = SharedClock()
    with ShopifySandboxServer(world, faults=(), maximum_available=1000, restore_rate=50, clock=time_.clock) as server:
        settings = ShopifySettings(retry_policy=FAST.retry_policy)
        with client(server, settings, sleep=time_.sleep, clock=time_.clock) as c:
            read = extract.fetch_orders(c, settings, None)
            waited = c.throttle_waits
        assert len(read.orders) == len(world.orders_of(ACME))
        assert waited > 0 and time_.now == pytest.approx(waited)
        assert server.count(throttled=True) == 0  # it never asked for more than the bucket held


def test_the_client_gives_up_on_a_refused_token_and_a_bad_query(fresh, world):
    with ShopifyClient(
        ACME, REVOKED_ACCESS_TOKEN, settings=FAST, environ={"METRICS_SHOPIFY_URL_TEMPLATE": fresh.url_template}
    ) as c:
        with pytest.raises(ShopifyAuthError):
            extract.fetch_shop(c)
    assert fresh.count(status=401) == 1
    with client(fresh) as c:
        with pytest.raises(ShopifyQueryError, match="undefinedField"):
            c.execute("Bad", "query Bad { shop { nonsense } }")


def test_discounts_edits_taxes_restocking_and_test_orders_are_served_as_shopify_does(fresh, world):
    """An order-level discount is in discountAllocations, never in totalDiscountSet (nor is a code);
    an edited line's currentQuantity drops; refund lines say whether they restocked."""
    line_fields = (
        "quantity currentQuantity totalDiscountSet { shopMoney { amount } }"
        " discountAllocations { allocatedAmountSet { shopMoney { amount } } discountApplication { title } }"
        " taxLines { priceSet { shopMoney { amount } } }"
    )
    query = (
        "query ($id: ID!) { order(id: $id) { test taxesIncluded totalDiscountsSet { shopMoney { amount } }"
        f" lineItems(first: 20) {{ nodes {{ id {line_fields} }} }}"
        " refunds { refundLineItems(first: 10) { nodes { restockType totalTaxSet { shopMoney { amount } } } } } } }"
    )

    def order(shop_domain: str, order_id: int) -> dict:
        token = world.shop(shop_domain).access_token
        answer = post(fresh, query, {"id": f"gid://shopify/Order/{order_id}"}, shop=shop_domain, token=token).json()
        return answer["data"]["order"]

    def amount(bag: dict) -> str:
        return bag["shopMoney"]["amount"]

    discounted = next(
        o for o in world.orders if o.order_id in world.awkward.order_discount_order_ids and o.discount_codes
    )
    served = order(discounted.shop_domain, discounted.order_id)
    allocated = sum(
        (
            Decimal(amount(a["allocatedAmountSet"]))
            for n in served["lineItems"]["nodes"]
            for a in n["discountAllocations"]
        ),
        Decimal(0),
    )
    assert allocated == discounted.total_discounts == Decimal(amount(served["totalDiscountsSet"]))
    assert {Decimal(amount(n["totalDiscountSet"])) for n in served["lineItems"]["nodes"]} == {Decimal(0)}
    assert {
        a["discountApplication"]["title"] for n in served["lineItems"]["nodes"] for a in n["discountAllocations"]
    } == {
        discounted.discount_codes[0],
        "Goodwill",
    }

    edited = order(ACME, world.awkward.edited_order_id)
    [line] = [n for n in edited["lineItems"]["nodes"] if n["id"].endswith(f"/{world.awkward.edited_line_item_id}")]
    assert line["currentQuantity"] == line["quantity"] - 1
    assert (edited["test"], edited["taxesIncluded"]) == (False, False)
    assert order(ACME, world.awkward.test_order_id)["test"] is True

    spoilt = world.awkward.no_restock_refund
    citrus = order("citrus-kitchen.myshopify.com", spoilt.order_id)
    assert citrus["taxesIncluded"] is True
    [refund_line] = citrus["refunds"][0]["refundLineItems"]["nodes"]
    assert (refund_line["restockType"], Decimal(amount(refund_line["totalTaxSet"]))) == (
        "NO_RESTOCK",
        spoilt.lines[0].tax,
    )
    first_line = citrus["lineItems"]["nodes"][0]
    assert first_line["currentQuantity"] == first_line["quantity"] - 1  # refunded units are not current
    assert Decimal(amount(first_line["taxLines"][0]["priceSet"])) > 0
