"""Faults against the Shopify sandbox: throttling bursts, 5xx, slow answers past the client's
timeout, a connection dropped mid-answer. Each heals within the sync; every raw_shopify table
is row for row what a sync from a well-behaved server lands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from metrics_pipeline.sandbox.shopify_server import Fault
from metrics_pipeline.sources.shopify.load import sync_shopify
from tests.conftest import fetch_all
from tests.integration.test_shopify_sync import (  # noqa: F401 - fixtures
    RAW_TABLES,
    config,
    config_path,
    first_as_of,
    server,
    table_contents,
    world,
)

pytestmark = pytest.mark.integration

# The client timeout the faults are measured against: long enough that a busy machine (2 cores,
# dbt in another process) never times out a normal answer, which would add a request and break
# the exact request counts below; the "slow" faults sleep past it.
TIMEOUT = 2.0


@dataclass(frozen=True)
class Reference:
    tables: dict[str, list[tuple]]
    requests: int


def sync_time(first_as_of) -> datetime:
    return datetime.combine(first_as_of + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=6)


def truncate(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")


@pytest.fixture
def clean(database_url, server, first_as_of, monkeypatch):  # noqa: F811
    monkeypatch.setenv("METRICS_HTTP_TIMEOUT", str(TIMEOUT))
    truncate(database_url)
    server.as_of = first_as_of
    server.clear_faults()
    server.reset_requests()
    return server


def _answered(server) -> int:
    """Requests the server answered other than with a THROTTLED it chose itself (a short bucket)."""
    return sum(1 for r in server.requests if not (r.throttled and r.fault is None))


@pytest.fixture
def reference(database_url, clean, config, first_as_of):  # noqa: F811
    outcomes = sync_shopify(database_url, config, run_id="reference", now=sync_time(first_as_of))
    assert {o.status for o in outcomes} == {"completed"}
    tables = table_contents(database_url)
    assert tables["raw_shopify.orders"]
    requests = _answered(clean)
    truncate(database_url)
    clean.reset_requests()
    return Reference(tables, requests)


@pytest.mark.parametrize(
    ("name", "faults"),
    [
        ("throttling burst", [Fault("throttled", "orders")] * 3),
        ("server errors", [Fault("server_error", "products"), Fault("server_error", "orders", next_page_only=True)]),
        (
            "slow answers past the timeout",
            [Fault("slow", "orders", seconds=TIMEOUT * 3), Fault("slow", "customers", seconds=TIMEOUT * 3)],
        ),
        (
            "connection dropped mid-answer",
            [Fault("dropped", "orders", next_page_only=True), Fault("dropped", "products")],
        ),
    ],
)
def test_a_passing_fault_heals_and_lands_exactly_the_clean_rows(
    name,
    faults,
    database_url,
    clean,
    reference,
    config,
    first_as_of,  # noqa: F811
):
    clean.queue_fault(*faults)

    outcomes = sync_shopify(database_url, config, run_id="faulty", now=sync_time(first_as_of))

    assert {o.status for o in outcomes} == {"completed"}, name
    assert clean.pending_faults == ()
    assert len([r for r in clean.requests if r.fault == faults[0].kind]) == sum(
        1 for f in faults if f.kind == faults[0].kind
    )
    if faults[0].kind != "throttled":  # a throttle also drains the bucket: later waits, not later requests
        # each bad answer cost one more request (the bucket's own THROTTLED answers depend on
        # the wall clock, so they are counted on neither side)
        assert _answered(clean) == reference.requests + len(faults)
    assert table_contents(database_url) == reference.tables
    logs = fetch_all(database_url, "select status, count(*) from ops.ingestion_logs where run_id = 'faulty' group by 1")
    assert logs == [("completed", len(outcomes))]


def test_a_fault_outlasting_the_call_budget_fails_its_shop_as_transient(
    database_url,
    clean,
    config,
    first_as_of,  # noqa: F811
):
    # Six attempts per call: six bad gateways in a row exhaust them for the first shop asked.
    clean.queue_fault(*[Fault("server_error", "shop")] * 6)

    outcomes = sync_shopify(database_url, config, run_id="exhausted", now=sync_time(first_as_of))

    [failed] = [o for o in outcomes if o.status == "failed"]
    assert {o.status for o in outcomes if o is not failed} == {"completed"}
    assert failed.state == "error" and "gave up after 6 attempts" in failed.message
    assert (failed.cause.kind, failed.retryable) == ("transient", True)
    assert failed.cause.reason == "retries exhausted: HTTP 502"
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = 'exhausted' and target = %s",
        (failed.target,),
    ) == [("failed", "transient")]
    assert fetch_all(
        database_url, "select count(*) from raw_shopify.orders where shop_domain = %s", (failed.account_id,)
    ) == [(0,)]  # nothing half-landed
