"""Google Ads end to end: the real SDK against the sandbox gRPC server, into a real Postgres."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import yaml

from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.lib.partitions import longest_lookback_days
from metrics_pipeline.sandbox.google_ads_server import (
    Fault,
    GoogleAdsSandboxServer,
    ServedCall,
)
from metrics_pipeline.sandbox.google_ads_world import (
    GoogleAdsWorld,
    build_google_ads_world,
)
from metrics_pipeline.sources.google_ads.conversion_windows import landed_conversion_windows
from metrics_pipeline.sources.google_ads.extract import LANDING_SCHEMAS
from metrics_pipeline.sources.google_ads.load import (
    snapshot_google_ads_today,
    sync_google_ads,
)
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

MANAGER, ACME, BLOOM, CANCELED, CITRUS = 1111111111, 2222222221, 2222222222, 2222222229, 3333333331
SUB_MANAGER, ACME_CA = 1111111112, 2222222223  # a manager under the MCC, and its client (level 2)
CLIENTS = (ACME, BLOOM, ACME_CA, CITRUS)  # in the order they are synced
# Nov 1 in every customer's zone: every day of the range is closed.
NOW = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
# The sandbox's click_view keeps 90 days counted back from this day, so it answers
# DATE_TOO_OLD for the range's first day, Aug 3.
CLICK_VIEW_TODAY = date(2026, 11, 1)
FIRST_CLICK_DAY = date(2026, 8, 4)
TABLES = (
    "customers",
    "campaigns",
    "ad_groups",
    "ads",
    "keywords",
    "ad_daily_metrics",
    "ad_daily_metrics_first_reported",
    "campaign_daily_metrics",
    "click_views",
    "ad_intraday_snapshots",
)


@dataclass(frozen=True)
class Sandbox:
    world: GoogleAdsWorld
    server: GoogleAdsSandboxServer
    config: PipelineConfig


@dataclass(frozen=True)
class Run:
    outcomes: list[TargetOutcome]
    log: list[str]
    calls: Counter
    served: list[ServedCall]

    def outcome(self, customer_id: int) -> TargetOutcome:
        [outcome] = [o for o in self.outcomes if o.account_id == str(customer_id)]
        return outcome


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    world = build_google_ads_world()
    saved = dict(os.environ)
    with GoogleAdsSandboxServer(world) as server:
        server.click_view_today = CLICK_VIEW_TODAY
        os.environ.update(server.environment())
        os.environ["METRICS_RETRY_BASE_DELAY"] = "0.01"
        config_path = tmp_path_factory.mktemp("google-ads") / "config.yaml"
        config_path.write_text(yaml.safe_dump(world.config_document()), encoding="utf-8")
        try:
            yield Sandbox(world, server, load_config(config_path))
        finally:
            os.environ.clear()
            os.environ.update(saved)


def run_sync(sandbox: Sandbox, url: str, days: list[date], *, run_id: str, now: datetime = NOW) -> Run:
    sandbox.server.reset_counters()
    log: list[str] = []
    outcomes = sync_google_ads(url, sandbox.config, days, run_id=run_id, log=log.append, now=now)
    return Run(outcomes, log, Counter(sandbox.server.calls), list(sandbox.server.served))


@pytest.fixture(scope="module")
def first_sync(sandbox, database_url) -> Run:
    return run_sync(sandbox, database_url, list(sandbox.world.days), run_id="sync-1")


def all_rows(url: str, table: str) -> list[tuple]:
    return fetch_all(url, f"select * from raw_google_ads.{table} order by 1, 2, 3, 4, 5")


def metrics_of(url: str, table: str, customer_id: int, day: date) -> dict[int, tuple]:
    rows = fetch_all(
        url,
        f"select ad_id, cost_micros, impressions, clicks, conversions, conversions_value "
        f"from raw_google_ads.{table} where customer_id = %s and metric_date = %s",
        (customer_id, day),
    )
    return {row[0]: row[1:] for row in rows}


def world_metrics(world: GoogleAdsWorld, customer_id: int, day: date, revision: int = 0) -> dict[int, tuple]:
    return {
        m.ad_id: (m.cost_micros, m.impressions, m.clicks, m.conversions, m.conversions_value)
        for m in world.metrics_for_day(customer_id, day, revision)
    }


# --------------------------------------------------------------------------- #
# The first sync: all 90 days of every customer
# --------------------------------------------------------------------------- #


def test_discovery_under_the_manager_skips_the_canceled_client(sandbox, database_url, first_sync):
    assert [(o.account_id, o.status) for o in first_sync.outcomes] == [
        (str(ACME), "completed"),
        (str(BLOOM), "completed"),
        (str(ACME_CA), "completed"),
        (str(CITRUS), "completed"),
    ]
    assert not [call for call in first_sync.served if call.customer_id == str(CANCELED)]
    # Clients under the MCC are reached through it, at any depth; the direct customer is not.
    assert {c.login_customer_id for c in first_sync.served if c.customer_id in (str(ACME), str(BLOOM))} == {
        str(MANAGER)
    }
    assert {c.login_customer_id for c in first_sync.served if c.customer_id == str(CITRUS)} == {None}
    customers = fetch_all(
        database_url,
        "select customer_id, manager_customer_id, connection_id, descriptive_name, currency_code, time_zone,"
        " is_manager, status, conversion_window_days from raw_google_ads.customers order by customer_id",
    )
    # conversion_window_days: the longest enabled click-through window (REMOVED / HIDDEN actions
    # do not count), 30 for an account without conversion actions, none for the manager.
    assert customers == [
        (MANAGER, None, "northstar-google", "Northstar MCC", "USD", "America/New_York", True, "ENABLED", None),
        (ACME, MANAGER, "northstar-google", "Acme Outdoor", "USD", "America/New_York", False, "ENABLED", 30),
        (BLOOM, MANAGER, "northstar-google", "Bloom Beauty UK", "GBP", "Europe/London", False, "ENABLED", 45),
        (ACME_CA, MANAGER, "northstar-google", "Acme Outdoor CA", "USD", "America/Toronto", False, "ENABLED", 30),
        (CITRUS, None, "harbor-google", "Citrus Kitchen DE", "EUR", "Europe/Berlin", False, "ENABLED", 60),
    ]


def test_the_nightly_window_follows_the_accounts_conversion_windows(sandbox, database_url, first_sync):
    # Per connection, the longest window of its accounts (Bloom's 45 under the MCC; Citrus' 60).
    windows = landed_conversion_windows(database_url)
    assert windows == {"northstar-google": 45, "harbor-google": 60}
    # Neither connection sets lookback_days, so the nightly run re-lands 60 days, not a fixed 14.
    assert longest_lookback_days(sandbox.config.connections, windows) == 60


def test_a_client_under_a_sub_manager_is_discovered_and_synced_through_the_top_manager(
    sandbox, database_url, first_sync
):
    assert sandbox.world.customer(ACME_CA).manager_customer_id == SUB_MANAGER
    acme_ca_calls = [c for c in first_sync.served if c.customer_id == str(ACME_CA)]
    assert acme_ca_calls and {c.login_customer_id for c in acme_ca_calls} == {str(MANAGER)}
    assert {c.status for c in acme_ca_calls if c.resource != "click_view"} == {"OK"}
    # The sub-manager holds no ads: discovered as a manager, never synced.
    assert not [c for c in first_sync.served if c.customer_id == str(SUB_MANAGER)]
    [discovery] = [c for c in first_sync.served if c.resource == "customer_client"]
    assert "customer_client.level =" not in discovery.query and "customer_client.hidden = FALSE" in discovery.query


def test_entities_land_as_the_api_shows_them_removed_campaign_and_renamed_ad_included(
    sandbox, database_url, first_sync
):
    world = sandbox.world
    campaigns = fetch_all(
        database_url,
        "select customer_id, campaign_id, name, status, advertising_channel_type, bidding_strategy_type"
        " from raw_google_ads.campaigns order by customer_id, campaign_id",
    )
    assert campaigns == sorted(
        (c.customer_id, c.campaign_id, c.name, c.status, c.advertising_channel_type, c.bidding_strategy_type)
        for c in world.campaigns
    )
    removed = world.awkward.removed_campaign
    assert (removed.campaign_id, "REMOVED") in {(c[1], c[3]) for c in campaigns}
    ad_groups = fetch_all(
        database_url, "select ad_group_id, campaign_id, name, status, type from raw_google_ads.ad_groups order by 1"
    )
    assert ad_groups == sorted(
        (g.ad_group_id, g.campaign_id, g.name, g.status, g.type or "UNSPECIFIED") for g in world.ad_groups
    )
    ads = fetch_all(database_url, "select ad_id, ad_group_id, campaign_id, name, status, type from raw_google_ads.ads")
    assert sorted(ads) == sorted(
        (a.ad_id, a.ad_group_id, a.campaign_id, a.name or None, a.status, a.type or "UNSPECIFIED") for a in world.ads
    )
    renamed = world.awkward.renamed_ad
    assert {a[3] for a in ads if a[0] == renamed.ad_id} == {renamed.new_name}
    keywords = fetch_all(
        database_url,
        "select criterion_id, ad_group_id, campaign_id, keyword_text, match_type, status from raw_google_ads.keywords",
    )
    assert sorted(keywords) == sorted(
        (k.criterion_id, k.ad_group_id, k.campaign_id, k.text, k.match_type, k.status) for k in world.keywords
    )


def test_cost_and_conversions_per_customer_and_day_equal_the_worlds_exactly(sandbox, database_url, first_sync):
    world = sandbox.world
    landed = {
        (customer_id, day): (cost, conversions, value)
        for customer_id, day, cost, conversions, value in fetch_all(
            database_url,
            "select customer_id, metric_date, sum(cost_micros), sum(conversions), sum(conversions_value)"
            " from raw_google_ads.ad_daily_metrics group by 1, 2",
        )
    }
    expected = {}
    for customer_id in CLIENTS:
        for day in world.days:
            rows = world.metrics_for_day(customer_id, day)
            if rows:
                expected[(customer_id, day)] = (
                    sum(m.cost_micros for m in rows),
                    sum((m.conversions for m in rows), Decimal(0)),
                    sum((m.conversions_value for m in rows), Decimal(0)),
                )
    assert landed == expected
    # Performance Max has no ad groups or ads: nothing of it at ad level.
    pmax = [c.campaign_id for c in world.awkward.pmax_campaigns]
    assert fetch_all(
        database_url, "select count(*) from raw_google_ads.ad_daily_metrics where campaign_id = any(%s)", (pmax,)
    ) == [(0,)]
    removed = world.awkward.removed_campaign
    [(removed_spend,)] = fetch_all(
        database_url,
        "select sum(cost_micros) from raw_google_ads.ad_daily_metrics where campaign_id = %s",
        (removed.campaign_id,),
    )
    assert removed_spend > 0


def test_campaign_level_metrics_land_as_google_bills_them_performance_max_included(sandbox, database_url, first_sync):
    world = sandbox.world
    landed = fetch_all(
        database_url,
        "select customer_id, campaign_id, metric_date, cost_micros, impressions, clicks, conversions,"
        " conversions_value from raw_google_ads.campaign_daily_metrics",
    )
    expected = [
        (
            m.customer_id,
            m.campaign_id,
            m.day,
            m.cost_micros,
            m.impressions,
            m.clicks,
            m.conversions,
            m.conversions_value,
        )
        for customer_id in CLIENTS
        for day in world.days
        for m in world.campaign_metrics_for_day(customer_id, day)
    ]
    assert sorted(landed) == sorted(expected)
    pmax = {c.campaign_id for c in world.awkward.pmax_campaigns}
    assert {row[1] for row in landed} & pmax == pmax
    # Per customer and day, the campaign rows are the bill; ad level is short by PMax exactly.
    billed = {
        (customer_id, day): (cost, ad_cost)
        for customer_id, day, cost, ad_cost in fetch_all(
            database_url,
            "select c.customer_id, c.metric_date, c.cost, coalesce(a.cost, 0) from"
            " (select customer_id, metric_date, sum(cost_micros) as cost from raw_google_ads.campaign_daily_metrics"
            "  group by 1, 2) as c"
            " left join (select customer_id, metric_date, sum(cost_micros) as cost from raw_google_ads.ad_daily_metrics"
            "  group by 1, 2) as a using (customer_id, metric_date)",
        )
    }
    for (customer_id, day), (cost, ad_cost) in billed.items():
        assert cost == world.cost_micros(customer_id, day)
        assert cost - ad_cost == sum(
            m.cost_micros for m in world.campaign_metrics_for_day(customer_id, day) if m.campaign_id in pmax
        )
    assert any(cost > ad_cost for cost, ad_cost in billed.values())


def test_the_quota_and_unavailable_answers_were_retried_and_nothing_doubled(sandbox, database_url, first_sync):
    calls, served = first_sync.calls, first_sync.served
    assert (calls["fault/RESOURCE_EXHAUSTED"], calls["fault/UNAVAILABLE"]) == (1, 1)
    campaign_calls = [c.status for c in served if c.resource == "campaign" and c.customer_id == str(ACME)]
    assert campaign_calls == ["RESOURCE_EXHAUSTED", "OK", "OK"]  # the entities (retried), then the metrics
    metric_calls = [
        (c.status, c.rows)
        for c in served
        if c.resource == "ad_group_ad" and "metrics." in c.query and c.customer_id == str(ACME)
    ]
    assert metric_calls[0] == ("UNAVAILABLE", 200)  # the stream broke off after its first batch
    assert metric_calls[1][0] == "OK" and metric_calls[1][1] > 200
    # The sandbox asked for 0.5 s in the quota failure's details, and the retry waited that long.
    assert any("RESOURCE_EXHAUSTED; retry 1/5 in 0.5s" in line for line in first_sync.log)
    [(rows, distinct)] = fetch_all(
        database_url,
        "select count(*), count(distinct (customer_id, ad_group_id, ad_id, metric_date))"
        " from raw_google_ads.ad_daily_metrics",
    )
    world = sandbox.world
    assert rows == distinct == sum(len(world.metrics_for_day(c, d)) for c in CLIENTS for d in world.days)


def test_click_views_land_with_their_gclids_for_the_days_click_view_serves(sandbox, database_url, first_sync):
    landed = fetch_all(
        database_url,
        "select gclid, customer_id, click_date, campaign_id, ad_group_id, ad_id, keyword_criterion_id"
        " from raw_google_ads.click_views",
    )
    expected = [
        (c.gclid, c.customer_id, c.day, c.campaign_id, c.ad_group_id, c.ad_id, c.keyword_criterion_id)
        for c in sandbox.world.click_views
        if c.day >= FIRST_CLICK_DAY
    ]
    assert sorted(landed) == sorted(expected)
    assert any(row[6] is not None for row in landed) and any(row[6] is None for row in landed)
    too_old = {c.status for c in first_sync.served if c.resource == "click_view" and "2026-08-03" in c.query}
    assert too_old == {"INVALID_ARGUMENT"}  # DATE_TOO_OLD: skipped, not retried, not a failure


def test_every_customer_day_is_logged_once_with_its_counts(sandbox, database_url, first_sync):
    world = sandbox.world
    logs = fetch_all(
        database_url,
        "select target, partition_key, status, records_processed, records_loaded, message, run_id"
        " from ops.ingestion_logs where source = 'google_ads' and run_id = 'sync-1'",
    )
    assert len(logs) == len(CLIENTS) * len(world.days)
    by_key = {(target, partition): row for target, partition, *row in logs}
    for customer_id in CLIENTS:
        for day in world.days:
            status, processed, loaded, message, _ = by_key[(f"customers/{customer_id}", day.isoformat())]
            metrics = len(world.metrics_for_day(customer_id, day))
            campaigns = len(world.campaign_metrics_for_day(customer_id, day))
            clicks = len(world.click_views_for_day(customer_id, day)) if day >= FIRST_CLICK_DAY else 0
            landed = metrics + campaigns + clicks
            assert (status, processed, loaded) == ("completed", landed, landed)
            assert message.startswith(
                f"{metrics} ad metric rows, {campaigns} campaign metric rows, {clicks} click views"
            )
    assert "click views not read" in by_key[(f"customers/{ACME}", "2026-08-03")][3]
    states = fetch_all(database_url, "select connection_id, account_id, status from ops.connection_states order by 2")
    assert states == [
        ("northstar-google", str(MANAGER), "ok"),
        ("northstar-google", str(ACME), "ok"),
        ("northstar-google", str(BLOOM), "ok"),
        ("northstar-google", str(ACME_CA), "ok"),
        ("harbor-google", str(CITRUS), "ok"),
    ]


def test_closed_days_are_first_reported_as_landed(sandbox, database_url, first_sync):
    columns = (
        "customer_id, campaign_id, ad_group_id, ad_id, metric_date, cost_micros, impressions, clicks,"
        " conversions, conversions_value"
    )
    first = fetch_all(database_url, f"select {columns} from raw_google_ads.ad_daily_metrics_first_reported")
    landed = fetch_all(database_url, f"select {columns} from raw_google_ads.ad_daily_metrics")
    assert sorted(first) == sorted(landed)
    assert fetch_all(
        database_url, "select distinct first_reported_at from raw_google_ads.ad_daily_metrics_first_reported"
    ) == [(NOW,)]


def test_landing_frames_match_the_landing_tables(database_url):
    for table, schema in LANDING_SCHEMAS.items():
        columns = fetch_all(
            database_url,
            "select column_name from information_schema.columns where table_schema = 'raw_google_ads'"
            " and table_name = %s order by ordinal_position",
            (table,),
        )
        assert [c for (c,) in columns] == list(schema), table


# --------------------------------------------------------------------------- #
# Reruns, restatements and failures
# --------------------------------------------------------------------------- #


def test_rerunning_the_same_days_leaves_every_table_identical_row_for_row(sandbox, database_url, first_sync):
    before = {table: all_rows(database_url, table) for table in TABLES}
    rerun = run_sync(sandbox, database_url, list(sandbox.world.days), run_id="sync-1")
    assert {o.status for o in rerun.outcomes} == {"completed"}
    assert sum(o.count("first_reported_rows") for o in rerun.outcomes) == 0
    for table in TABLES:
        assert all_rows(database_url, table) == before[table], table


def test_a_restated_day_lands_while_first_reported_keeps_what_the_day_first_said(sandbox, database_url, first_sync):
    world, day = sandbox.world, date(2026, 10, 20)
    original = world_metrics(world, BLOOM, day)
    assert metrics_of(database_url, "ad_daily_metrics_first_reported", BLOOM, day) == original
    sandbox.server.restate(BLOOM, day)
    run = run_sync(sandbox, database_url, [day], run_id="restatement", now=NOW + timedelta(days=3))
    assert {o.status for o in run.outcomes} == {"completed"}
    restated = world_metrics(world, BLOOM, day, revision=1)
    assert restated != original
    assert metrics_of(database_url, "ad_daily_metrics", BLOOM, day) == restated
    assert metrics_of(database_url, "ad_daily_metrics_first_reported", BLOOM, day) == original
    # The neighbouring day was not part of the run and did not move.
    assert metrics_of(database_url, "ad_daily_metrics", BLOOM, day - timedelta(days=1)) == world_metrics(
        world, BLOOM, day - timedelta(days=1)
    )


def test_a_customer_that_keeps_failing_is_logged_and_left_as_it_was_while_the_others_land(
    sandbox, database_url, first_sync
):
    world, day = sandbox.world, date(2026, 10, 10)
    sandbox.server.restate(ACME, day)  # had ACME landed at all, its numbers for the day would change
    sandbox.server.restate(CITRUS, day)
    sandbox.server.queue_fault(*[Fault("UNAVAILABLE", resource="campaign")] * 6)  # every attempt ACME gets
    run = run_sync(sandbox, database_url, [day], run_id="acme-down")
    acme = run.outcome(ACME)
    assert (acme.status, acme.state, acme.target) == ("failed", "error", f"customers/{ACME}")
    assert (acme.cause.kind, acme.cause.reason) == ("transient", "retries exhausted: UNAVAILABLE")
    assert run.calls["fault/UNAVAILABLE"] == 6
    assert "UNAVAILABLE" in acme.message and "gave up after 6 attempts" in acme.message
    assert metrics_of(database_url, "ad_daily_metrics", ACME, day) == world_metrics(world, ACME, day)
    assert metrics_of(database_url, "ad_daily_metrics", CITRUS, day) == world_metrics(world, CITRUS, day, revision=1)
    assert (run.outcome(BLOOM).status, run.outcome(CITRUS).status) == ("completed", "completed")
    assert fetch_all(
        database_url,
        "select status, message, failure_kind from ops.ingestion_logs where run_id = 'acme-down' and target = %s",
        (f"customers/{ACME}",),
    ) == [("failed", acme.message, "transient")]
    assert fetch_all(
        database_url, "select status, last_error from ops.connection_states where account_id = %s", (str(ACME),)
    ) == [("error", acme.message)]


def test_a_revoked_refresh_token_fails_its_connection_at_once_and_the_other_lands(sandbox, database_url, first_sync):
    server, day = sandbox.server, date(2026, 10, 25)
    citrus_before = metrics_of(database_url, "ad_daily_metrics", CITRUS, day)
    server.restate(CITRUS, day)
    server.revoke_refresh_token("HARBOR_GOOGLE")
    try:
        run = run_sync(sandbox, database_url, [day], run_id="revoked")
    finally:
        server.reinstate_refresh_token("HARBOR_GOOGLE")
    citrus = run.outcome(CITRUS)
    assert (citrus.connection_id, citrus.status, citrus.state) == ("harbor-google", "failed", "auth_error")
    assert (citrus.cause.kind, citrus.cause.reason) == ("permanent", "expired or invalid credentials")
    assert run.calls["token/invalid_grant"] == 1  # asked once: no retries
    assert not [c for c in run.served if c.customer_id == str(CITRUS)]
    assert "invalid_grant" in citrus.message and "HARBOR_GOOGLE_REFRESH_TOKEN" in citrus.message
    secrets = [value for creds in server.credentials.values() for value in creds.environment().values()]
    [(status, message, failure_kind)] = fetch_all(
        database_url,
        "select status, message, failure_kind from ops.ingestion_logs where run_id = 'revoked' and target = %s",
        (f"customers/{CITRUS}",),
    )
    assert failure_kind == "permanent"
    [(state, last_error)] = fetch_all(
        database_url, "select status, last_error from ops.connection_states where account_id = %s", (str(CITRUS),)
    )
    assert (status, state) == ("failed", "auth_error")
    for text in (message, last_error, *run.log):
        assert not [secret for secret in secrets if secret in text]
    assert metrics_of(database_url, "ad_daily_metrics", CITRUS, day) == citrus_before
    assert {run.outcome(ACME).status, run.outcome(BLOOM).status} == {"completed"}


def test_the_intraday_snapshot_captures_each_customers_today(sandbox, database_url, first_sync):
    world = sandbox.world
    # 03:30 UTC on Nov 3 is still Nov 2 in New York, already Nov 3 in London and Berlin.
    captured_at = datetime(2026, 11, 3, 3, 30, tzinfo=UTC)
    today = {ACME: date(2026, 11, 2), BLOOM: date(2026, 11, 3), ACME_CA: date(2026, 11, 2), CITRUS: date(2026, 11, 3)}

    def captured(at: datetime) -> dict[int, dict[int, tuple]]:
        rows = fetch_all(
            database_url,
            "select customer_id, metric_date, ad_id, cost_micros, impressions, clicks, conversions,"
            " conversions_value, ingestion_run_id from raw_google_ads.ad_intraday_snapshots where captured_at = %s",
            (at,),
        )
        by_customer: dict[int, dict[int, tuple]] = {}
        for customer_id, metric_date, ad_id, *numbers, run_id in rows:
            assert (metric_date, run_id) == (today[customer_id], "intraday-1")
            by_customer.setdefault(customer_id, {})[ad_id] = tuple(numbers)
        return by_customer

    outcomes = snapshot_google_ads_today(database_url, sandbox.config, captured_at=captured_at, run_id="intraday-1")
    assert [(o.account_id, o.status, o.partition_keys) for o in outcomes] == [
        (str(c), "completed", (today[c].isoformat(),)) for c in CLIENTS
    ]
    expected = {c: world_metrics(world, c, today[c]) for c in CLIENTS}
    assert captured(captured_at) == expected
    snapshot_google_ads_today(database_url, sandbox.config, captured_at=captured_at, run_id="intraday-1")
    assert captured(captured_at) == expected  # the same capture again replaces itself
    later = captured_at + timedelta(minutes=15)
    snapshot_google_ads_today(database_url, sandbox.config, captured_at=later, run_id="intraday-1")
    [(captures,)] = fetch_all(
        database_url, "select count(distinct captured_at) from raw_google_ads.ad_intraday_snapshots"
    )
    assert captures == 2
    logged = fetch_all(
        database_url,
        "select target, partition_key, status from ops.ingestion_logs where source = 'google_ads_intraday'"
        " and run_id = 'intraday-1' order by ingestion_log_id limit 4",
    )
    assert logged == [(f"customers/{c}", today[c].isoformat(), "completed") for c in CLIENTS]
