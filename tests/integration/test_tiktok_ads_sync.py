"""Landing TikTok advertisers over plain HTTP against the sandbox Marketing API server.

The tests of this module share one database and one server and run in order; each says what
state it starts from (`fresh`: empty raw and ops tables, the server at its default day and
faults, every credential valid).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import yaml

from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.sandbox.tiktok_server import DEFAULT_FAULTS, Fault, TikTokSandboxServer
from metrics_pipeline.sandbox.tiktok_world import (
    ACME_ADVERTISER_ID,
    CITRUS_ADVERTISER_ID,
    END,
    RESTATED_DAY,
    RESTATED_FROM,
    TikTokWorld,
    build_tiktok_world,
)
from metrics_pipeline.sources.tiktok_ads.client import TikTokSettings
from metrics_pipeline.sources.tiktok_ads.load import sync_tiktok_ads
from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

ADVERTISERS = (ACME_ADVERTISER_ID, CITRUS_ADVERTISER_ID)
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
CLIENTS = {
    "northstar": (
        "Northstar Agency",
        {"slug": "acme-outdoor", "name": "Acme Outdoor", "currency": "USD", "timezone": "America/New_York"},
    ),
    "harbor": (
        "Harbor Collective",
        {"slug": "citrus-kitchen", "name": "Citrus Kitchen", "currency": "EUR", "timezone": "Europe/Berlin"},
    ),
}
RAW_TABLES = {
    "raw_tiktok_ads.advertisers": ("advertiser_id",),
    "raw_tiktok_ads.campaigns": ("advertiser_id", "campaign_id"),
    "raw_tiktok_ads.adgroups": ("advertiser_id", "adgroup_id"),
    "raw_tiktok_ads.ads": ("advertiser_id", "ad_id"),
    "raw_tiktok_ads.ad_daily_reports": ("advertiser_id", "ad_id", "stat_date"),
    "raw_tiktok_ads.ad_daily_reports_first_reported": ("advertiser_id", "ad_id", "stat_date"),
}


@pytest.fixture(scope="module")
def world() -> TikTokWorld:
    return build_tiktok_world()


@pytest.fixture(scope="module")
def server(world: TikTokWorld) -> Iterator[TikTokSandboxServer]:
    saved = dict(os.environ)
    with TikTokSandboxServer(world) as sandbox:
        os.environ.update(sandbox.environment())
        os.environ["METRICS_RETRY_BASE_DELAY"] = "0.001"
        try:
            yield sandbox
        finally:
            os.environ.clear()
            os.environ.update(saved)


def write_config(world: TikTokWorld, folder, *, with_tiktok: bool = True) -> PipelineConfig:
    connections = world.connections_config() if with_tiktok else {}
    document = {
        "workspaces": [
            {"slug": slug, "name": name, "clients": [client], "connections": connections.get(slug, [])}
            for slug, (name, client) in CLIENTS.items()
        ]
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def config(world: TikTokWorld, tmp_path_factory) -> PipelineConfig:
    return write_config(world, tmp_path_factory.mktemp("tiktok-config"))


@pytest.fixture
def fresh(database_url: str, server: TikTokSandboxServer, world: TikTokWorld) -> Iterator[TikTokSandboxServer]:
    with psycopg.connect(database_url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")
    server.as_of = END
    server.clear_faults()
    server.queue_fault(*DEFAULT_FAULTS)
    server.reset_requests()
    yield server
    for advertiser in world.advertisers:
        server.revive_refresh_token(advertiser.refresh_token)
    for ad in world.ads:
        server.restore_ad(ad.ad_id)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def thirty_day_ranges(days: list[date]) -> list[tuple[date, date]]:
    return [(days[i], days[min(i + 29, len(days) - 1)]) for i in range(0, len(days), 30)]


def landed_spend(url: str, advertiser_id: str) -> dict[date, Decimal]:
    return dict(
        fetch_all(
            url,
            "select stat_date, sum(spend) from raw_tiktok_ads.ad_daily_reports where advertiser_id = %s group by 1",
            (advertiser_id,),
        )
    )


def table_contents(url: str) -> dict[str, list[tuple]]:
    contents = {}
    with psycopg.connect(url) as conn:
        for table, key in RAW_TABLES.items():
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema || '.' || table_name = %s order by ordinal_position",
                    (table,),
                )
                if name not in ("ingestion_run_id", "extracted_at", "first_reported_at")
            ]
            contents[table] = conn.execute(
                f"select {', '.join(columns)} from {table} order by {', '.join(key)}"
            ).fetchall()
    return contents


def test_the_whole_range_lands_every_entity_and_the_exact_spend(database_url, fresh, world, config):
    days = world.days
    fresh.queue_fault(Fault("rate_limit", "report", page=2))  # in the middle of a listing
    settings = replace(TikTokSettings.from_environ(), page_size=100)
    outcomes = sync_tiktok_ads(database_url, config, days, run_id="full", now=NOW, settings=settings)

    assert [(o.account_id, o.status, o.state, o.target) for o in outcomes] == [
        (ACME_ADVERTISER_ID, "completed", "ok", f"advertisers/{ACME_ADVERTISER_ID}"),
        (CITRUS_ADVERTISER_ID, "completed", "ok", f"advertisers/{CITRUS_ADVERTISER_ID}"),
    ]
    for advertiser_id in ADVERTISERS:
        # Every entity, the deleted ad included (asked for with primary_status STATUS_ALL).
        assert set(
            fetch_all(
                database_url,
                "select ad_id, secondary_status from raw_tiktok_ads.ads where advertiser_id = %s",
                (advertiser_id,),
            )
        ) == {(a.ad_id, a.secondary_status) for a in world.ads_of(advertiser_id)}
        assert {
            c
            for (c,) in fetch_all(
                database_url,
                "select campaign_id from raw_tiktok_ads.campaigns where advertiser_id = %s",
                (advertiser_id,),
            )
        } == {c.campaign_id for c in world.campaigns_of(advertiser_id)}
        assert len(
            fetch_all(database_url, "select 1 from raw_tiktok_ads.adgroups where advertiser_id = %s", (advertiser_id,))
        ) == len(world.adgroups_of(advertiser_id))
        # The spend per day is the world's to the cent, numeric all the way, the deleted ad's included.
        assert landed_spend(database_url, advertiser_id) == world.spend_by_day(advertiser_id, days, END)
        report = world.report(advertiser_id, days[0], days[-1], END)
        assert fetch_all(
            database_url,
            "select count(*), sum(purchase_value), sum(purchases), sum(conversions) from raw_tiktok_ads.ad_daily_reports"
            " where advertiser_id = %s",
            (advertiser_id,),
        ) == [
            (
                len(report),
                sum((d.purchase_value for d in report), Decimal(0)),
                sum(d.purchases for d in report),
                sum(d.conversions for d in report),
            )
        ]
    assert fetch_all(
        database_url,
        "select advertiser_id, currency, timezone, connection_id from raw_tiktok_ads.advertisers order by 1",
    ) == [
        (ACME_ADVERTISER_ID, "USD", "America/New_York", "northstar-tiktok"),
        (CITRUS_ADVERTISER_ID, "EUR", "Europe/Berlin", "harbor-tiktok"),
    ]
    deleted = world.deleted_ad
    assert fetch_all(
        database_url, "select sum(spend) > 0 from raw_tiktok_ads.ad_daily_reports where ad_id = %s", (deleted.ad_id,)
    ) == [(True,)]
    # One log row per advertiser and day, completed, with that day's row count.
    logs = fetch_all(
        database_url,
        "select target, partition_key, status, records_loaded from ops.ingestion_logs"
        " where source = 'tiktok_ads' and run_id = 'full'",
    )
    assert len(logs) == 2 * len(days) and {status for _, _, status, _ in logs} == {"completed"}
    loaded = defaultdict(int)
    for target, _, _, count in logs:
        loaded[target] += count
    for advertiser_id in ADVERTISERS:
        assert loaded[f"advertisers/{advertiser_id}"] == len(world.report(advertiser_id, days[0], days[-1], END))
    assert fetch_all(database_url, "select status from ops.connection_states order by connection_id") == [
        ("ok",),
        ("ok",),
    ]
    # 90 days are read as ranges of at most 30 days, page by page (100 rows a page); the queued
    # rate limits (a first and a second page) were waited out and those pages asked for again,
    # nothing lost or doubled.
    assert fresh.count("report", fault="rate_limit") == 2
    assert fresh.pending_faults == ()
    assert fresh.count("report", code=0) == sum(
        -(-len(world.report(a, start, end, END)) // 100) for a in ADVERTISERS for start, end in thirty_day_ranges(days)
    )
    assert fresh.count("refresh_token", code=0) == 2  # one access token per connection's sync


def test_rerunning_the_same_days_leaves_every_table_identical(database_url, fresh, world, config):
    days = days_between(date(2026, 10, 1), date(2026, 10, 10))
    sync_tiktok_ads(database_url, config, days, run_id="first", now=NOW)
    first = table_contents(database_url)
    sync_tiktok_ads(database_url, config, days, run_id="second", now=NOW)
    assert table_contents(database_url) == first
    assert all(first[table] for table in RAW_TABLES)


def test_a_restated_day_replaces_the_figures_and_keeps_what_was_first_reported(database_url, fresh, world, config):
    days = [RESTATED_DAY]
    fresh.as_of = RESTATED_FROM - timedelta(days=1)
    sync_tiktok_ads(database_url, config, days, run_id="original", now=NOW)
    original = landed_spend(database_url, ACME_ADVERTISER_ID)[RESTATED_DAY]
    fresh.as_of = END
    sync_tiktok_ads(database_url, config, days, run_id="restated", now=NOW)
    restated = landed_spend(database_url, ACME_ADVERTISER_ID)[RESTATED_DAY]
    assert restated > original
    assert restated == world.spend_by_day(ACME_ADVERTISER_ID, days, END)[RESTATED_DAY]
    assert fetch_all(
        database_url,
        "select sum(spend) from raw_tiktok_ads.ad_daily_reports_first_reported where advertiser_id = %s",
        (ACME_ADVERTISER_ID,),
    ) == [(original,)]


def test_an_access_token_expiring_mid_sync_is_refreshed_and_the_sync_completes(database_url, fresh, world, config):
    days = days_between(date(2026, 9, 1), date(2026, 9, 3))
    requests_seen: list[str] = []
    log = requests_seen.append

    # Every token granted so far expires as soon as the first advertiser's entities were read.
    original = fresh.handle

    def handle(method, path, params, token):
        response = original(method, path, params, token)
        if path.endswith("/ad/get/") and fresh.count("refresh_token") == 1:
            fresh.expire_access_tokens()
        return response

    fresh.handle = handle
    try:
        outcomes = sync_tiktok_ads(database_url, config, days, run_id="expiring", now=NOW, log=log)
    finally:
        del fresh.handle
    assert [o.status for o in outcomes] == ["completed", "completed"]
    assert fresh.count("report", code=40102) == 1  # refused once, then refreshed
    assert fresh.count("refresh_token", code=0) == 3
    assert any("access token was refused (code 40102); refreshing it" in m for m in requests_seen)
    assert landed_spend(database_url, ACME_ADVERTISER_ID) == world.spend_by_day(ACME_ADVERTISER_ID, days, END)


def test_the_access_token_is_renewed_before_it_lapses(database_url, fresh, world, config):
    """A sync that outlives its token's 24 hours renews it ahead of time: TikTok never refuses it."""
    days = days_between(date(2026, 9, 1), date(2026, 9, 2))
    reads = 0

    def clock() -> float:
        # The connector's clock is the server's. At the third token check 23 h 58 min have
        # passed, and the request it is for reaches TikTok 3 minutes later (a slow page, a
        # queue): past the first token's 24 hours. Only a token renewed ahead of time gets through.
        nonlocal reads
        reads += 1
        if reads != 3:
            return fresh.now()
        fresh.advance(23 * 3600 + 58 * 60)
        seen = fresh.now()
        fresh.advance(3 * 60)
        return seen

    outcomes = sync_tiktok_ads(database_url, config, days, run_id="long", now=NOW, clock=clock)
    assert [o.status for o in outcomes] == ["completed", "completed"]
    assert fresh.count(code=40102) == 0
    assert fresh.count("refresh_token", code=0) == 3  # northstar twice (renewed ahead), harbor once


def test_rate_limits_and_server_errors_are_waited_out(database_url, fresh, world, config):
    days = days_between(date(2026, 10, 1), date(2026, 10, 3))
    fresh.clear_faults()
    fresh.queue_fault(
        Fault("rate_limit", "advertiser_info"),
        Fault("rate_limit", "ad_get"),
        Fault("server_error", "report", page=1),
        Fault("unavailable", "campaign_get"),
        Fault("rate_limit", "refresh_token"),
    )
    outcomes = sync_tiktok_ads(database_url, config, days, run_id="faults", now=NOW)
    assert [o.status for o in outcomes] == ["completed", "completed"]
    assert fresh.pending_faults == ()
    for advertiser_id in ADVERTISERS:
        assert landed_spend(database_url, advertiser_id) == world.spend_by_day(advertiser_id, days, END)


def test_a_rate_limit_that_does_not_lift_fails_the_advertiser_as_transient(database_url, fresh, world, config):
    days = [date(2026, 10, 5)]
    fresh.clear_faults()
    fresh.queue_fault(*[Fault("rate_limit", "advertiser_info")] * 6)  # every attempt of the first advertiser
    outcomes = {o.account_id: o for o in sync_tiktok_ads(database_url, config, days, run_id="throttled", now=NOW)}
    failed = outcomes[ACME_ADVERTISER_ID]
    assert (failed.status, failed.state, failed.cause.kind) == ("failed", "error", "transient")
    assert outcomes[CITRUS_ADVERTISER_ID].status == "completed"
    assert fetch_all(
        database_url,
        "select status, failure_kind from ops.ingestion_logs where run_id = 'throttled' and target = %s",
        (f"advertisers/{ACME_ADVERTISER_ID}",),
    ) == [("failed", "transient")]


def test_an_expired_refresh_token_fails_its_connection_as_permanent_and_shows_no_secret(
    database_url, fresh, world, config
):
    days = days_between(date(2026, 10, 1), date(2026, 10, 2))
    sync_tiktok_ads(database_url, config, days, run_id="before", now=NOW)
    before = fetch_all(
        database_url,
        "select * from raw_tiktok_ads.ad_daily_reports where advertiser_id = %s order by ad_id, stat_date",
        (ACME_ADVERTISER_ID,),
    )
    northstar = world.advertiser(ACME_ADVERTISER_ID)
    fresh.expire_refresh_token(northstar.refresh_token)
    fresh.reset_requests()

    outcomes = {o.account_id: o for o in sync_tiktok_ads(database_url, config, days, run_id="expired", now=NOW)}

    failed = outcomes[ACME_ADVERTISER_ID]
    assert (failed.status, failed.state, failed.cause.kind) == ("failed", "auth_error", "permanent")
    assert outcomes[CITRUS_ADVERTISER_ID].status == "completed"
    assert fresh.count("refresh_token", code=40107) == 1  # no retries
    logs = fetch_all(
        database_url,
        "select partition_key, status, failure_kind, message from ops.ingestion_logs"
        " where run_id = 'expired' and target = %s order by 1",
        (f"advertisers/{ACME_ADVERTISER_ID}",),
    )
    assert [(key, status, kind) for key, status, kind, _ in logs] == [
        (d.isoformat(), "failed", "permanent") for d in days
    ]
    state = fetch_all(
        database_url, "select status, last_error from ops.connection_states where connection_id = 'northstar-tiktok'"
    )
    assert state[0][0] == "auth_error"
    for message in [failed.message, state[0][1], *(m for *_, m in logs)]:
        assert "40107" in message and "refresh token" in message
        assert northstar.refresh_token not in message and northstar.secret not in message
    # What had landed for the advertiser stays as it was.
    assert (
        fetch_all(
            database_url,
            "select * from raw_tiktok_ads.ad_daily_reports where advertiser_id = %s order by ad_id, stat_date",
            (ACME_ADVERTISER_ID,),
        )
        == before
    )


def test_a_deleted_ad_keeps_its_spend_and_the_marts_reconcile(database_url, fresh, world, config, tmp_path):
    days = days_between(date(2026, 9, 10), date(2026, 9, 25))
    sync_tiktok_ads(database_url, config, days, run_id="before", now=NOW)
    gone, gone_spend = fetch_all(
        database_url,
        "select ad_id, sum(spend) from raw_tiktok_ads.ad_daily_reports where advertiser_id = %s"
        " and ad_id <> %s group by ad_id order by 2 desc limit 1",
        (CITRUS_ADVERTISER_ID, world.deleted_ad.ad_id),
    )[0]
    spend_before = landed_spend(database_url, CITRUS_ADVERTISER_ID)

    fresh.delete_ad(gone)
    sync_tiktok_ads(database_url, config, days, run_id="after", now=NOW)

    # Gone from /ad/get/ by default, but asked for and landed with its status; its rows stay.
    assert fetch_all(database_url, "select secondary_status from raw_tiktok_ads.ads where ad_id = %s", (gone,)) == [
        ("AD_STATUS_DELETE",)
    ]
    assert fetch_all(
        database_url, "select sum(spend) from raw_tiktok_ads.ad_daily_reports where ad_id = %s", (gone,)
    ) == [(gone_spend,)]
    assert landed_spend(database_url, CITRUS_ADVERTISER_ID) == spend_before

    # The marts: each advertiser's spend per day is what landed; the reconciliation tests pass;
    # both deleted ads are in the hierarchy, flagged deleted.
    with psycopg.connect(database_url) as conn:
        sync_config_tables(conn, config)
    result = run_dbt(
        database_url,
        tmp_path / "dbt_target",
        "build",
        "--select",
        "+fct_ad_entity_daily assert_tiktok_ads_spend_reconciles_with_landed_rows"
        " assert_ad_platform_spend_reconciles_with_landed_rows",
        "--indirect-selection",
        "cautious",
    )
    assert result.returncode == 0, result.stdout[-6000:]
    for advertiser_id in ADVERTISERS:
        assert dict(
            fetch_all(
                database_url,
                "select metric_date, spend from marts.fct_ad_entity_daily"
                " where platform = 'tiktok_ads' and level = 'account' and entity_id = 'tiktok_ads:' || md5(%s)",
                (advertiser_id,),
            )
        ) == landed_spend(database_url, advertiser_id)
    assert set(
        fetch_all(
            database_url,
            "select platform_entity_id, is_deleted, status from marts.dim_ad_entities"
            " where platform = 'tiktok_ads' and level = 'ad' and is_deleted",
        )
    ) == {(gone, True, "removed"), (world.deleted_ad.ad_id, True, "removed")}
    assert fetch_all(
        database_url,
        "select distinct currency from marts.dim_ad_entities where platform = 'tiktok_ads' and platform_account_id = %s",
        (CITRUS_ADVERTISER_ID,),
    ) == [("EUR",)]


def test_a_config_without_tiktok_lands_nothing_and_fails_nothing(database_url, fresh, world, tmp_path):
    config = write_config(world, tmp_path, with_tiktok=False)
    assert sync_tiktok_ads(database_url, config, [date(2026, 10, 1)], run_id="none", now=NOW) == []
    assert fetch_all(database_url, "select count(*) from ops.ingestion_logs where run_id = 'none'") == [(0,)]
    assert fresh.requests == ()


def test_the_dagster_asset_lands_a_partition_and_its_check_passes(database_url, fresh, world, config):
    import dagster as dg

    from metrics_pipeline.defs.sources import LANDING_ASSETS
    from metrics_pipeline.lib.resources import PipelineConfigResource, WarehouseResource

    day = date(2026, 10, 26)
    result = dg.materialize(
        [LANDING_ASSETS["tiktok_ads"]],
        partition_key=day.isoformat(),
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "warehouse": WarehouseResource(),
            "pipeline_config": PipelineConfigResource(path=str(config.source_path)),
        },
        raise_on_error=True,
    )
    assert result.success
    assert "nothing to land" not in "".join(str(e.message) for e in result.all_events if e.message)
    assert [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()] == [
        ("every_advertiser_synced", True)
    ]
    assert fetch_all(
        database_url,
        "select target, status, failure_kind from ops.ingestion_logs where run_id = %s order by target",
        (result.run_id,),
    ) == [
        (f"advertisers/{ACME_ADVERTISER_ID}", "completed", None),
        (f"advertisers/{CITRUS_ADVERTISER_ID}", "completed", None),
    ]
    for advertiser_id in ADVERTISERS:
        assert landed_spend(database_url, advertiser_id) == world.spend_by_day(advertiser_id, [day], END)
