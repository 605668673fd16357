"""Shopify access: the client credentials grant (tokens of ~24 hours, renewed before they lapse and
when refused) besides a permanent token, and an app without read_all_orders (only the last 60
days of orders visible) said so instead of landing 60 days in silence. Real client, sandbox
server, real Postgres; the credentials come from the encrypted credential store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import requests
import yaml

from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.sandbox.commerce_world import END, CommerceWorld, build_commerce_world
from metrics_pipeline.sandbox.shopify_server import ShopifySandboxServer
from metrics_pipeline.security.credentials import (
    KEYS_VARIABLE,
    allowed_names,
    connection_secrets,
    generate_key_entry,
    parse_key_ring,
    put_credential,
)
from metrics_pipeline.sources.shopify import extract
from metrics_pipeline.sources.shopify.client import (
    API_VERSION,
    ClientCredentials,
    ShopifyClient,
    ShopifyGrantError,
    ShopifySettings,
)
from metrics_pipeline.sources.shopify.load import sync_shopify
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

PII_KEY = "test-pii-key-for-the-shopify-auth-module"
FAST = ShopifySettings.from_environ({"METRICS_RETRY_BASE_DELAY": "0.001"})


@pytest.fixture(scope="module")
def world() -> CommerceWorld:
    return build_commerce_world()


@pytest.fixture(scope="module")
def server(world: CommerceWorld, database_url: str) -> Iterator[ShopifySandboxServer]:
    """Acme's app credentials in the store (no token anywhere); Citrus keeps a permanent token."""
    saved = dict(os.environ)
    acme, citrus = world.shops
    with ShopifySandboxServer(world, faults=(), clock_scale=0.001) as sandbox:
        os.environ.update(sandbox.environment())
        os.environ.pop(f"{acme.credentials_env_prefix}_ACCESS_TOKEN")
        os.environ["METRICS_RETRY_BASE_DELAY"] = "0.001"
        os.environ["METRICS_PII_KEY"] = PII_KEY
        os.environ[KEYS_VARIABLE] = generate_key_entry("auth")
        with psycopg.connect(database_url) as conn:
            ring = parse_key_ring(os.environ[KEYS_VARIABLE])
            put_credential(conn, ring, acme.connection_id, "client_id", acme.client_id)
            put_credential(conn, ring, acme.connection_id, "client_secret", acme.client_secret)
        try:
            yield sandbox
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="module")
def config(world: CommerceWorld, tmp_path_factory) -> PipelineConfig:
    path = tmp_path_factory.mktemp("shopify-auth") / "config.yaml"
    path.write_text(yaml.safe_dump(world.config_document(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_config(str(path))


def grant(server: ShopifySandboxServer, shop_domain: str, **params: str) -> requests.Response:
    return requests.post(f"{server.base_url}/shops/{shop_domain}/admin/oauth/access_token", data=params, timeout=30)


def test_the_sandbox_grants_tokens_for_client_credentials_that_expire(server, world):
    acme, citrus = world.shops
    ok = grant(server, acme.shop_domain, grant_type="client_credentials", client_id=acme.client_id,
               client_secret=acme.client_secret)  # fmt: skip
    assert ok.status_code == 200
    body = ok.json()
    assert body["expires_in"] == 86399 and "read_all_orders" in body["scope"].split(",")
    for params, error in (
        ({"grant_type": "client_credentials", "client_id": acme.client_id, "client_secret": "wrong"}, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": citrus.client_id, "client_secret": citrus.client_secret},
            "invalid_client",  # another shop's app
        ),
        ({"grant_type": "authorization_code", "client_id": acme.client_id}, "unsupported_grant_type"),
    ):
        refused = grant(server, acme.shop_domain, **params)
        assert (refused.status_code, refused.json()["error"]) == (400, error)

    def shop_name(token: str) -> requests.Response:
        return requests.post(
            f"{server.base_url}/shops/{acme.shop_domain}/admin/api/{API_VERSION}/graphql.json",
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": token},
            timeout=30,
        )

    assert shop_name(body["access_token"]).json()["data"] == {"shop": {"name": "Acme Outdoor"}}
    server.expire_granted_tokens()
    server.reset_requests()
    assert shop_name(body["access_token"]).status_code == 401
    assert server.count(token="expired", status=401) == 1


def test_the_client_renews_a_granted_token_before_it_lapses(world):
    class SharedClock:  # the server's and the client's time, moving only when told
        now = 0.0

        def clock(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.now += seconds

    time_ = SharedClock()
    acme = world.shops[0]
    with ShopifySandboxServer(world, faults=(), clock=time_.clock) as sandbox:
        settings = ShopifySettings(retry_policy=FAST.retry_policy)
        with ShopifyClient(
            acme.shop_domain,
            ClientCredentials(acme.client_id, acme.client_secret),
            settings=settings,
            sleep=time_.sleep,
            clock=time_.clock,
            environ={"METRICS_SHOPIFY_URL_TEMPLATE": sandbox.url_template},
        ) as client:
            extract.fetch_shop(client)
            time_.now += 86399 - 601  # not yet due
            extract.fetch_shop(client)
            assert client.tokens.grants == 1
            time_.now += 2  # within 10 minutes of lapsing: renewed before the query, never refused
            extract.fetch_shop(client)
            assert client.tokens.grants == 2
            assert sandbox.count(status=401) == 0 and sandbox.count("oauth", status=200) == 2
            assert acme.client_secret not in repr(client.tokens.credentials)


def test_a_refused_grant_is_an_auth_error_naming_no_secret(server, world):
    acme = world.shops[0]
    with ShopifyClient(
        acme.shop_domain,
        ClientCredentials(acme.client_id, "shpss_wrong_secret"),
        settings=FAST,
        environ={"METRICS_SHOPIFY_URL_TEMPLATE": server.url_template},
    ) as client:
        with pytest.raises(ShopifyGrantError, match="client credentials grant was refused") as refused:
            extract.fetch_shop(client)
    assert "shpss_wrong_secret" not in str(refused.value)


def test_a_shop_syncs_with_client_credentials_from_the_store_and_a_refused_token_is_renewed(
    database_url, server, world, config
):
    acme, citrus = world.shops
    assert {"client_id", "client_secret"} <= set(allowed_names("shopify"))
    [connection] = [c for c in config.connections if c.id == acme.connection_id]
    assert set(connection_secrets(connection)) == {"client_id", "client_secret"}
    server.as_of = END
    server.reset_requests()

    outcomes = {o.account_id: o for o in sync_shopify(database_url, config, run_id="granted", now=_now(0))}

    assert {(o.status, o.state) for o in outcomes.values()} == {("completed", "ok")}
    assert outcomes[acme.shop_domain].count("token_grants") == 1
    assert outcomes[citrus.shop_domain].count("token_grants") == 0  # its permanent token
    assert server.count("oauth", shop=acme.shop_domain, status=200) == 1
    assert fetch_all(database_url, "select count(*) from raw_shopify.orders where shop_domain = %s",
                     (acme.shop_domain,)) == [(len(world.orders_of(acme.shop_domain, END)),)]  # fmt: skip

    # A day later the token is dead: Shopify answers 401, the client asks for a new one and goes on.
    server.expire_granted_tokens()
    server.reset_requests()
    logs: list[str] = []
    outcomes = {
        o.account_id: o for o in sync_shopify(database_url, config, run_id="renewed", now=_now(1), log=logs.append)
    }
    assert outcomes[acme.shop_domain].status == "completed"
    assert server.count(shop=acme.shop_domain, token="expired", status=401) == 0  # a new client: a new grant
    assert outcomes[acme.shop_domain].count("token_grants") == 1
    text = "\n".join(
        [*logs, *(m for (m,) in fetch_all(database_url, "select coalesce(message, '') from ops.ingestion_logs"))]
    )
    assert acme.client_secret not in text and acme.client_id not in text


def test_a_token_refused_mid_sync_is_renewed_once_and_the_sync_goes_on(server, world):
    acme = world.shops[0]
    server.reset_requests()
    with ShopifyClient(
        acme.shop_domain,
        ClientCredentials(acme.client_id, acme.client_secret),
        settings=FAST,
        environ={"METRICS_SHOPIFY_URL_TEMPLATE": server.url_template},
    ) as client:
        extract.fetch_shop(client)
        server.expire_granted_tokens()  # revoked or lapsed early: the client cannot know
        assert len(extract.fetch_products(client, FAST)) > 0
        assert client.tokens.grants == 2
    assert server.count(shop=acme.shop_domain, token="expired", status=401) == 1


def test_without_read_all_orders_the_sync_says_so_and_rereads_the_history_once_granted(
    database_url, server, world, config
):
    acme = world.shops[0]
    with psycopg.connect(database_url) as conn:
        conn.execute("delete from raw_shopify.orders where shop_domain = %s", (acme.shop_domain,))
        conn.execute("delete from raw_shopify.sync_cursors where shop_domain = %s", (acme.shop_domain,))
    cutoff = world.cutoff(acme.shop_domain, END)
    recent = {o.order_id for o in world.orders_of(acme.shop_domain, END) if o.created_at >= cutoff - timedelta(days=60)}
    everything = {o.order_id for o in world.orders_of(acme.shop_domain, END)}
    assert len(recent) < len(everything)
    server.withhold_scope(acme.shop_domain, "read_all_orders")
    logs: list[str] = []
    try:
        outcomes = {
            o.account_id: o for o in sync_shopify(database_url, config, run_id="limited", now=_now(2), log=logs.append)
        }
    finally:
        server.grant_scope(acme.shop_domain, "read_all_orders")

    limited = outcomes[acme.shop_domain]
    assert (limited.status, limited.state) == ("completed", "ok")  # landed, but not everything
    assert "read_all_orders" in limited.message and "60 days" in limited.message
    assert any("WARNING" in line and "read_all_orders" in line for line in logs)
    assert {o for (o,) in fetch_all(database_url, "select order_id from raw_shopify.orders where shop_domain = %s",
                                    (acme.shop_domain,))} == recent  # fmt: skip
    [(status, warning)] = fetch_all(
        database_url,
        "select status, warning from ops.connection_states where connection_id = %s",
        (acme.connection_id,),
    )
    assert status == "ok" and "read_all_orders" in warning
    assert fetch_all(
        database_url, "select message from ops.ingestion_logs where run_id = 'limited' and target = %s",
        (acme.shop_domain,),
    )[0][0].count("WARNING") == 1  # fmt: skip

    # The scope granted: the next sync re-reads the full history instead of resuming at the cursor.
    outcomes = {o.account_id: o for o in sync_shopify(database_url, config, run_id="full", now=_now(3))}
    assert "full history" in outcomes[acme.shop_domain].message
    assert {o for (o,) in fetch_all(database_url, "select order_id from raw_shopify.orders where shop_domain = %s",
                                    (acme.shop_domain,))} == everything  # fmt: skip
    assert fetch_all(
        database_url, "select status, warning from ops.connection_states where connection_id = %s",
        (acme.connection_id,),
    ) == [("ok", None)]  # fmt: skip
    # ... and only then resumes from its cursor.
    outcomes = {o.account_id: o for o in sync_shopify(database_url, config, run_id="resumed", now=_now(4))}
    assert "updated since" in outcomes[acme.shop_domain].message


def _now(hours: int) -> datetime:
    return datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(hours=hours)
