"""Landing Meta ad accounts with the real facebook-business SDK against the sandbox Graph API server.

The tests of this module share one database and one server and run in order; each
says what state it starts from.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import yaml

from metrics_pipeline.config import PipelineConfig, load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.sandbox.meta_server import (
    DEFAULT_FAULTS,
    EXPIRED_ACCESS_TOKEN,
    MetaSandboxServer,
)
from metrics_pipeline.sandbox.meta_world import (
    ACME_ACCOUNT_ID,
    CITRUS_ACCOUNT_ID,
    END,
    LEAD_ACTION,
    PURCHASE_ACTION,
    RESTATED_DAY,
    MetaWorld,
    build_meta_world,
)
from metrics_pipeline.sources.meta.load import (
    restatement_days,
    snapshot_meta_today,
    sync_meta,
)
from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

ACCOUNTS = (ACME_ACCOUNT_ID, CITRUS_ACCOUNT_ID)
WINDOWS = ("7d_click", "1d_view")  # what the sandbox connections configure
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
    # table -> its key columns; ingestion_run_id and extracted_at say when, not what
    "raw_meta.ad_accounts": ("account_id",),
    "raw_meta.campaigns": ("account_id", "campaign_id"),
    "raw_meta.adsets": ("account_id", "adset_id"),
    "raw_meta.ads": ("account_id", "ad_id"),
    "raw_meta.ad_daily_insights": ("account_id", "ad_id", "date_start"),
    "raw_meta.ad_daily_insights_first_reported": ("account_id", "ad_id", "date_start"),
    "raw_meta.account_daily_insights": ("account_id", "date_start"),
    "raw_meta.account_daily_insights_first_reported": ("account_id", "date_start"),
    "raw_meta.ad_intraday_snapshots": ("account_id", "ad_id", "captured_at"),
}


@pytest.fixture(scope="module")
def world() -> MetaWorld:
    return build_meta_world()


@pytest.fixture(scope="module")
def server(world: MetaWorld) -> Iterator[MetaSandboxServer]:
    saved = dict(os.environ)
    with MetaSandboxServer(world) as sandbox:
        os.environ.update(sandbox.environment())
        os.environ["METRICS_RETRY_BASE_DELAY"] = "0.001"
        try:
            yield sandbox
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="module")
def config(world: MetaWorld, tmp_path_factory) -> PipelineConfig:
    connections = world.connections_config()
    document = {
        "workspaces": [
            {"slug": slug, "name": name, "clients": [client], "connections": connections[slug]}
            for slug, (name, client) in CLIENTS.items()
        ]
    }
    path = tmp_path_factory.mktemp("meta-config") / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def fresh(database_url: str, server: MetaSandboxServer) -> MetaSandboxServer:
    """Empty raw_meta and ops tables; the server at its default day, its default faults queued."""
    with psycopg.connect(database_url) as conn:
        conn.execute(f"truncate {', '.join(RAW_TABLES)}, ops.rejected_rows, ops.ingestion_logs, ops.connection_states")
    server.as_of = END
    server.clear_faults()
    server.queue_fault(*DEFAULT_FAULTS)
    server.reset_requests()
    return server


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def landed_spend(url: str, account_id: str) -> dict[date, Decimal]:
    """What landed as the account's bill per day (level=account, deleted ads included)."""
    return dict(
        fetch_all(
            url,
            "select date_start, spend from raw_meta.account_daily_insights where account_id = %s",
            (account_id,),
        )
    )


def landed_ad_spend(url: str, account_id: str) -> dict[date, Decimal]:
    return dict(
        fetch_all(
            url,
            "select date_start, sum(spend) from raw_meta.ad_daily_insights where account_id = %s group by 1",
            (account_id,),
        )
    )


def spend_of_ads_returned(world: MetaWorld, account_id: str, days: list[date]) -> dict[date, Decimal]:
    """The world's spend per day of the ads level=ad insights return (every one but the deleted)."""
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for ad_day in world.insights(account_id, days[0], days[-1], END):
        if ad_day.ad.effective_status != "DELETED" and ad_day.day in days:
            totals[ad_day.day] += Decimal(ad_day.spend)
    return dict(totals)


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
                if name not in ("ingestion_run_id", "extracted_at")
            ]
            query = f"select {', '.join(columns)} from {table} order by {', '.join(key)}"
            contents[table] = conn.execute(query).fetchall()
    return contents


def test_the_whole_range_lands_every_entity_and_the_exact_spend(database_url, fresh, world, config):
    days = world.days
    outcomes = sync_meta(database_url, config, days, run_id="full", now=datetime(2026, 11, 2, 12, tzinfo=UTC))

    assert [(o.account_id, o.status, o.state) for o in outcomes] == [
        (ACME_ACCOUNT_ID, "completed", "ok"),
        (CITRUS_ACCOUNT_ID, "completed", "ok"),
    ]
    # Entities: every campaign, ad set and ad, the deleted and archived ones included.
    for account_id in ACCOUNTS:
        for table, key, expected in (
            ("campaigns", "campaign_id", {(c.campaign_id, c.status) for c in world.campaigns_of(account_id)}),
            ("adsets", "adset_id", {(s.adset_id, s.status) for s in world.adsets_of(account_id)}),
            ("ads", "ad_id", {(a.ad_id, a.status) for a in world.ads_of(account_id)}),
        ):
            landed = fetch_all(
                database_url, f"select {key}, status from raw_meta.{table} where account_id = %s", (account_id,)
            )
            assert set(landed) == expected, table
    statuses = dict(fetch_all(database_url, "select campaign_id, effective_status from raw_meta.campaigns"))
    assert statuses[world.deleted_campaign.campaign_id] == "DELETED"
    assert statuses[world.archived_campaign.campaign_id] == "ARCHIVED"
    assert fetch_all(database_url, "select name from raw_meta.ads where ad_id = %s", (world.renamed_ad.ad_id,)) == [
        (world.renamed_ad.new_name,)
    ]
    assert fetch_all(
        database_url, "select account_id, currency, timezone_name, connection_id from raw_meta.ad_accounts order by 1"
    ) == [
        (ACME_ACCOUNT_ID, "USD", "America/New_York", "northstar-meta"),
        (CITRUS_ACCOUNT_ID, "EUR", "Europe/Berlin", "harbor-meta"),
    ]

    # The bill per account and day is the world's, to the cent, the deleted campaign's included;
    # the ad rows are what level=ad returns: every ad but the deleted ones.
    for account_id in ACCOUNTS:
        assert landed_spend(database_url, account_id) == world.spend_by_day(account_id, days, END)
        assert landed_ad_spend(database_url, account_id) == spend_of_ads_returned(world, account_id, days)
        assert fetch_all(
            database_url, "select count(*) from raw_meta.ad_daily_insights where account_id = %s", (account_id,)
        ) == [
            (
                len(
                    [
                        d
                        for d in world.insights(account_id, days[0], days[-1], END)
                        if d.ad.effective_status != "DELETED"
                    ]
                ),
            )
        ]
    assert fetch_all(
        database_url,
        "select count(*) from raw_meta.ad_daily_insights where campaign_id = %s",
        (world.deleted_campaign.campaign_id,),
    ) == [(0,)]
    for campaign in (world.archived_campaign,):
        expected = sum(
            (
                Decimal(d.spend)
                for d in world.insights(campaign.account_id, days[0], days[-1], END)
                if d.ad.campaign_id == campaign.campaign_id
            ),
            Decimal(0),
        )
        assert expected > 0
        assert fetch_all(
            database_url,
            "select sum(spend) from raw_meta.ad_daily_insights where campaign_id = %s",
            (campaign.campaign_id,),
        ) == [(expected,)]

    # Conversions: the configured action types and windows only (no aliases counted twice).
    for account_id in ACCOUNTS:
        ad_days = [d for d in world.insights(account_id, days[0], days[-1], END) if d.ad.effective_status != "DELETED"]
        expected = (
            sum((d.total(PURCHASE_ACTION, WINDOWS) for d in ad_days), Decimal(0)),
            sum((d.total(PURCHASE_ACTION, WINDOWS, values=True) for d in ad_days), Decimal(0)),
            sum((d.total(LEAD_ACTION, WINDOWS) for d in ad_days), Decimal(0)),
        )
        assert fetch_all(
            database_url,
            "select sum(purchases), sum(purchase_value), sum(leads) from raw_meta.ad_daily_insights"
            " where account_id = %s",
            (account_id,),
        ) == [expected]
    assert fetch_all(database_url, "select distinct attribution_windows from raw_meta.ad_daily_insights") == [
        ("7d_click,1d_view",)
    ]

    # 90 days per account: the async report job, polled until done, its rows paged.
    assert fresh.count("report_create", status=200) == 4  # level=ad and level=account per account
    assert all(polls > 1 for polls in fresh.report_polls().values())
    assert fresh.count("insights", status=200, with_cursor=True) > 10
    # The queued rate limit and server error were each answered once and retried.
    assert fresh.count(fault="rate_limit") == 1 and fresh.count(fault="server_error") == 1
    assert fresh.pending_faults == ()

    logs = fetch_all(
        database_url,
        "select target, status, count(*), sum(records_loaded) from ops.ingestion_logs"
        " where source = 'meta' group by 1, 2 order by 1",
    )
    assert logs == [
        (
            f"act_{account_id}",
            "completed",
            len(days),
            len([d for d in world.insights(account_id, days[0], days[-1], END) if d.ad.effective_status != "DELETED"]),
        )
        for account_id in ACCOUNTS
    ]
    assert fetch_all(
        database_url, "select connection_id, account_id, status, last_error from ops.connection_states order by 1"
    ) == [
        ("harbor-meta", CITRUS_ACCOUNT_ID, "ok", None),
        ("northstar-meta", ACME_ACCOUNT_ID, "ok", None),
    ]


def test_rerunning_the_same_days_leaves_every_table_identical(database_url, server, world, config):
    # Starts from the previous test's landing; the faults strike again during the rerun.
    before = table_contents(database_url)
    assert before["raw_meta.ad_daily_insights"]
    server.queue_fault(*DEFAULT_FAULTS)
    server.reset_requests()

    outcomes = sync_meta(database_url, config, world.days, run_id="rerun", now=datetime(2026, 11, 3, 12, tzinfo=UTC))

    assert {o.status for o in outcomes} == {"completed"}
    assert server.count(fault="rate_limit") == 1 and server.count(fault="server_error") == 1
    assert table_contents(database_url) == before
    assert fetch_all(database_url, "select distinct ingestion_run_id from raw_meta.ad_daily_insights") == [("rerun",)]


def test_a_week_or_less_is_read_synchronously(database_url, fresh, world, config):
    days = days_between(date(2026, 9, 1), date(2026, 9, 3))

    outcomes = sync_meta(database_url, config, days, run_id="short", now=datetime(2026, 11, 2, tzinfo=UTC))

    assert {o.status for o in outcomes} == {"completed"}
    assert fresh.count("report_create") == 0
    for account_id in ACCOUNTS:
        assert landed_spend(database_url, account_id) == world.spend_by_day(account_id, days, END)


def test_a_restated_day_replaces_the_figures_and_keeps_what_was_first_reported(database_url, fresh, world, config):
    fresh.as_of = date(2026, 10, 12)
    first_window = restatement_days(date(2026, 10, 12), 28)
    assert len(first_window) == 28
    first_now = datetime(2026, 10, 12, 20, tzinfo=UTC)  # 16:00 in New York: the 12th is still open
    sync_meta(database_url, config, first_window, run_id="as-of-12th", now=first_now)

    original = world.spend_by_day(ACME_ACCOUNT_ID, [RESTATED_DAY], date(2026, 10, 12))[RESTATED_DAY]
    assert landed_spend(database_url, ACME_ACCOUNT_ID)[RESTATED_DAY] == original
    first_reported_days = {
        d
        for (d,) in fetch_all(
            database_url,
            "select distinct date_start from raw_meta.ad_daily_insights_first_reported where account_id = %s",
            (ACME_ACCOUNT_ID,),
        )
    }
    assert RESTATED_DAY in first_reported_days and date(2026, 10, 12) not in first_reported_days

    def figures(table: str) -> tuple:
        return fetch_all(
            database_url,
            f"select sum(spend), sum(purchases), sum(purchase_value) from {table}"
            " where account_id = %s and date_start = %s",
            (ACME_ACCOUNT_ID, RESTATED_DAY),
        )[0]

    original_figures = figures("raw_meta.ad_daily_insights")

    fresh.as_of = END
    second_now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    sync_meta(database_url, config, restatement_days(END, 28), run_id="as-of-31st", now=second_now)

    restated = world.spend_by_day(ACME_ACCOUNT_ID, [RESTATED_DAY], END)[RESTATED_DAY]
    assert restated > original
    assert landed_spend(database_url, ACME_ACCOUNT_ID)[RESTATED_DAY] == restated
    restated_figures = figures("raw_meta.ad_daily_insights")
    assert restated_figures[0] > original_figures[0] and restated_figures[1] > original_figures[1]
    assert figures("raw_meta.ad_daily_insights_first_reported") == original_figures
    assert fetch_all(
        database_url,
        "select distinct first_reported_at from raw_meta.ad_daily_insights_first_reported"
        " where account_id = %s and date_start = %s",
        (ACME_ACCOUNT_ID, RESTATED_DAY),
    ) == [(first_now,)]
    # The 12th was open at the first landing; it is first reported by the second, once closed.
    assert fetch_all(
        database_url,
        "select distinct first_reported_at from raw_meta.ad_daily_insights_first_reported where date_start = %s",
        (date(2026, 10, 12),),
    ) == [(second_now,)]
    # Days outside the second window keep the first landing's rows.
    assert fetch_all(
        database_url,
        "select distinct ingestion_run_id from raw_meta.ad_daily_insights where date_start < %s",
        (date(2026, 10, 4),),
    ) == [("as-of-12th",)]


def test_an_expired_token_fails_its_connection_at_once_and_never_shows_the_token(
    database_url, fresh, world, config, monkeypatch
):
    days = days_between(date(2026, 10, 1), date(2026, 10, 2))
    sync_meta(database_url, config, days, run_id="before", now=datetime(2026, 11, 2, tzinfo=UTC))
    harbor_before = fetch_all(
        database_url,
        "select * from raw_meta.ad_daily_insights where account_id = %s order by ad_id, date_start",
        (CITRUS_ACCOUNT_ID,),
    )
    assert harbor_before
    harbor_token = os.environ["HARBOR_META_ACCESS_TOKEN"]
    monkeypatch.setenv("HARBOR_META_ACCESS_TOKEN", EXPIRED_ACCESS_TOKEN)
    fresh.reset_requests()

    outcomes = {
        o.account_id: o
        for o in sync_meta(database_url, config, days, run_id="expired", now=datetime(2026, 11, 2, tzinfo=UTC))
    }

    assert outcomes[ACME_ACCOUNT_ID].status == "completed"
    failed = outcomes[CITRUS_ACCOUNT_ID]
    assert (failed.status, failed.state) == ("failed", "auth_error")
    assert fresh.count(token="expired") == 1  # no retries
    logs = fetch_all(
        database_url,
        "select partition_key, status, message from ops.ingestion_logs"
        " where run_id = 'expired' and target = %s order by 1",
        (f"act_{CITRUS_ACCOUNT_ID}",),
    )
    assert [(key, status) for key, status, _ in logs] == [(d.isoformat(), "failed") for d in days]
    state = fetch_all(
        database_url, "select status, last_error from ops.connection_states where connection_id = 'harbor-meta'"
    )
    assert state[0][0] == "auth_error"
    for message in [failed.message, state[0][1], *(m for _, _, m in logs)]:
        assert "190" in message and "expired" in message
        assert EXPIRED_ACCESS_TOKEN not in message and harbor_token not in message
    # The account's previously landed rows stay as they were.
    assert (
        fetch_all(
            database_url,
            "select * from raw_meta.ad_daily_insights where account_id = %s order by ad_id, date_start",
            (CITRUS_ACCOUNT_ID,),
        )
        == harbor_before
    )

    monkeypatch.setenv("HARBOR_META_ACCESS_TOKEN", harbor_token)
    sync_meta(database_url, config, days, run_id="renewed", now=datetime(2026, 11, 2, tzinfo=UTC))
    assert fetch_all(
        database_url, "select status, last_error from ops.connection_states where connection_id = 'harbor-meta'"
    ) == [("ok", None)]


def test_an_intraday_snapshot_lands_the_day_so_far_once_per_capture(database_url, fresh, world, config):
    captured_at = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)  # the 31st in New York and in Berlin

    for _ in range(2):  # the same capture twice: replaced, not doubled
        outcomes = snapshot_meta_today(database_url, config, captured_at=captured_at, run_id="intraday")
        assert {o.status for o in outcomes} == {"completed"}

    snapshots = fetch_all(
        database_url,
        "select account_id, date_start, captured_at, count(*), sum(spend) from raw_meta.ad_intraday_snapshots"
        " group by 1, 2, 3 order by 1",
    )
    assert snapshots == [
        (
            account_id,
            END,
            captured_at,
            len(world.insights(account_id, END, END, END)),
            world.spend_by_day(account_id, [END], END)[END],
        )
        for account_id in ACCOUNTS
    ]
    later = captured_at + timedelta(minutes=15)
    snapshot_meta_today(database_url, config, captured_at=later, run_id="intraday")
    assert fetch_all(database_url, "select count(distinct captured_at) from raw_meta.ad_intraday_snapshots") == [(2,)]
    assert fetch_all(
        database_url, "select count(*) from ops.ingestion_logs where source = 'meta_intraday' and status = 'completed'"
    ) == [(6,)]


def test_a_deleted_ad_s_spend_moves_to_the_bill_on_the_next_re_land_never_lost(
    database_url, fresh, world, config, tmp_path
):
    days = days_between(date(2026, 10, 19), date(2026, 10, 21))
    now = datetime(2026, 11, 2, tzinfo=UTC)
    sync_meta(database_url, config, days, run_id="before", now=now)
    gone, gone_spend = fetch_all(
        database_url,
        "select ad_id, sum(spend) from raw_meta.ad_daily_insights where account_id = %s"
        " group by ad_id order by 2 desc limit 1",
        (ACME_ACCOUNT_ID,),
    )[0]
    billed_before = landed_spend(database_url, ACME_ACCOUNT_ID)
    ad_rows_before = sum(landed_ad_spend(database_url, ACME_ACCOUNT_ID).values(), Decimal(0))

    fresh.delete_ad(gone)
    try:
        sync_meta(database_url, config, days, run_id="after", now=now)
    finally:
        fresh._deleted_ads.discard(gone)  # noqa: SLF001 - the module's server is shared

    # The ad's rows are gone from the ad level (Meta no longer returns them), the bill is unchanged,
    # and the difference is exactly the vanished ad's spend: what dbt lands as '(unallocated)'.
    assert fetch_all(database_url, "select count(*) from raw_meta.ad_daily_insights where ad_id = %s", (gone,)) == [
        (0,)
    ]
    assert landed_spend(database_url, ACME_ACCOUNT_ID) == billed_before
    ad_rows_after = sum(landed_ad_spend(database_url, ACME_ACCOUNT_ID).values(), Decimal(0))
    assert sum(billed_before.values(), Decimal(0)) - ad_rows_after == (
        sum(billed_before.values(), Decimal(0)) - ad_rows_before + gone_spend
    )
    # What Meta first said about the ad's closed days is kept.
    assert fetch_all(
        database_url, "select sum(spend) from raw_meta.ad_daily_insights_first_reported where ad_id = %s", (gone,)
    ) == [(gone_spend,)]

    # The marts: each account's spend per day is the bill; the vanished ad's spend sits on the
    # account's '(unallocated)' campaign > ad set > ad; the reconciliation tests pass.
    with psycopg.connect(database_url) as conn:
        sync_config_tables(conn, config)
    dbt_build(
        database_url,
        tmp_path,
        "+fct_ad_entity_daily assert_meta_spend_equals_account_billing"
        " assert_ad_platform_spend_reconciles_with_landed_rows",
    )
    for account_id in ACCOUNTS:
        assert dict(
            fetch_all(
                database_url,
                "select metric_date, spend from marts.fct_ad_entity_daily"
                " where platform = 'meta' and level = 'account' and entity_id = 'meta:' || md5(%s)",
                (account_id,),
            )
        ) == landed_spend(database_url, account_id)
    unallocated = fetch_all(
        database_url,
        "select e.level, e.entity_path, e.is_inferred, e.platform_entity_id, e.platform_account_id,"
        "       e.entity_id = 'meta:' || md5(concat_ws(chr(31), %s::text, 'unallocated')), sum(f.spend)"
        " from marts.dim_ad_entities e join marts.fct_ad_entity_daily f using (entity_id)"
        " where e.platform = 'meta' and e.entity_name = '(unallocated)'"
        " group by 1, 2, 3, 4, 5, 6 order by 2",
        (ACME_ACCOUNT_ID,),
    )
    # The first bill matched the first ad rows (the ad was still returned then): no drift to explain.
    assert fetch_all(
        database_url,
        "select distinct metric_kind from intermediate.int_meta__unallocated_daily where account_id = %s",
        (ACME_ACCOUNT_ID,),
    ) == [("daily",)]
    account_name = world.account(ACME_ACCOUNT_ID).name
    assert unallocated == [
        ("campaign", f"{account_name} > (unallocated)", True, None, ACME_ACCOUNT_ID, True, gone_spend),
        ("ad_set", f"{account_name} > (unallocated) > (unallocated)", True, None, ACME_ACCOUNT_ID, False, gone_spend),
        (
            "ad",
            f"{account_name} > (unallocated) > (unallocated) > (unallocated)",
            True,
            None,
            ACME_ACCOUNT_ID,
            False,
            gone_spend,
        ),
    ]


def dbt_build(url: str, tmp_path, select: str) -> None:
    result = run_dbt(
        url,
        tmp_path / "dbt_target",
        "build",
        "--select",
        select,
        "--indirect-selection",
        "cautious",  # not the tests of models outside the selection (pnl, attribution, ...)
    )
    assert result.returncode == 0, result.stdout[-6000:]


def test_an_account_lands_only_its_own_days(database_url, fresh, world, config):
    # Two separate runs of days in one call: each run is one insights range, nothing in between lands.
    days = [date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 20)]
    sync_meta(database_url, config, days, run_id="gaps", now=datetime(2026, 11, 2, tzinfo=UTC))
    landed = defaultdict(set)
    for account_id, day in fetch_all(
        database_url, "select distinct account_id, date_start from raw_meta.ad_daily_insights"
    ):
        landed[account_id].add(day)
    assert landed == {account_id: set(days) for account_id in ACCOUNTS}
