"""The CLI a data engineer uses, over the whole sandbox: partner files over S3, Google Ads over
gRPC, Meta over the Graph API and TikTok over the Marketing API, into a Postgres-backed Dagster instance and dbt's marts.

The story is the demo's: land history as the platforms reported it until 2026-10-16, then the
nightly run re-lands the restatement window after Meta restated 2026-10-10, then an intraday
capture. The worlds' own numbers are the oracles."""

from __future__ import annotations

import json
import secrets
import shutil
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from metrics_pipeline.cli.main import main
from metrics_pipeline.cli.retention_story import (
    AD_METRIC_TABLES,
    archive_first_month,
    check_and_restore,
    month_spend_in_marts,
)
from metrics_pipeline.config import load_config
from metrics_pipeline.landing.exports import open_exports_store
from metrics_pipeline.lib.dbt_project import DBT_PROJECT_DIR
from metrics_pipeline.lib.file_sources import FILES_CHECK
from metrics_pipeline.retention.plan import next_month
from metrics_pipeline.sandbox.google_ads_world import ADS_END, ADS_START
from metrics_pipeline.sandbox.meta_world import ACME_ACCOUNT_ID, RESTATED_DAY, RESTATED_FROM
from metrics_pipeline.sandbox.session import sandbox_session
from metrics_pipeline.warehouse import PROJECT_ROOT
from tests.conftest import fetch_all

LANDING_KEY = dg.AssetKey(["media_partner", "daily_exports"])

pytestmark = pytest.mark.integration

FIRST_PASS_END = RESTATED_FROM - timedelta(days=1)
MARTS = (
    "dim_ad_entities",
    "fct_ad_entity_daily",
    "fct_pnl_daily",
    "fct_media_partner_daily",
    "weekly_summaries",
    "monthly_summaries",
)


def incremental_models(url) -> tuple[str, ...]:
    """The models dbt builds incrementally, as schema.name, from the manifest the runs used."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return tuple(
        sorted(
            f"{node['schema']}.{node['name']}"
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
        )
    )


def snapshot_marts(url, tables=MARTS):
    """Every row of each table (`name` for a mart, or `schema.name`), build times left out."""
    snapshot = {}
    for table in tables:
        schema, name = table.split(".") if "." in table else ("marts", table)
        columns = [
            c
            for (c,) in fetch_all(
                url,
                "select column_name from information_schema.columns where table_schema = %s "
                "and table_name = %s and column_name <> 'as_of_at' order by ordinal_position",  # build time
                (schema, name),
            )
        ]
        assert columns, f"no table {schema}.{name}"
        order = ", ".join(str(position) for position in range(1, len(columns) + 1))
        snapshot[table] = fetch_all(url, f"select {', '.join(columns)} from {schema}.{name} order by {order}")
    return snapshot


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, database_url):
    with sandbox_session(tmp_path_factory.mktemp("sandbox"), exports_prefix=f"e2e-{secrets.token_hex(4)}") as session:
        yield session


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def cli_env(sandbox, database_url, dagster_home, restore_environ, monkeypatch):
    monkeypatch.setenv("METRICS_DAGSTER_HOME", str(dagster_home))
    return sandbox


# What the demo's retention step did between the two runs (filled by `history`).
RETENTION: dict[str, object] = {}


def raw_rows_in_month(url, month: date) -> dict[str, int]:
    counts = {}
    for table in AD_METRIC_TABLES:
        [(rows,)] = fetch_all(
            url,
            f"select count(*) from {table.name} where {table.day_column} >= %s and {table.day_column} < %s",
            (month, next_month(month)),
        )
        counts[table.name] = rows
    return counts


@pytest.fixture(scope="module")
def history(sandbox, database_url, dagster_home):
    """The runs of the demo's story, through the CLI, with its retention step between them:
    the first month of ad metrics is archived before the nightly run, and restored after it."""
    saved = pytest.MonkeyPatch()
    saved.setenv("METRICS_DAGSTER_HOME", str(dagster_home))
    try:
        sandbox.meta.as_of = FIRST_PASS_END
        assert main(["run", "--start", ADS_START.isoformat(), "--end", FIRST_PASS_END.isoformat()]) == 0
        store = open_exports_store()
        RETENTION["landed"] = raw_rows_in_month(database_url, ADS_START.replace(day=1))
        archived = archive_first_month(database_url, store, ADS_START)
        RETENTION["archived"] = archived
        RETENTION["left"] = raw_rows_in_month(database_url, ADS_START.replace(day=1))
        sandbox.meta.as_of = date.today()  # the platform's clock moves on: the restatement is out
        assert main(["run", "--start", (ADS_END - timedelta(days=27)).isoformat(), "--end", ADS_END.isoformat()]) == 0
        RETENTION["marts_unchanged"] = check_and_restore(database_url, store, archived)
        RETENTION["restored"] = raw_rows_in_month(database_url, ADS_START.replace(day=1))
    finally:
        saved.undo()
    return database_url


def test_the_archived_month_keeps_its_marts_through_the_nightly_run_and_restores(cli_env, history):
    archived = RETENTION["archived"]
    landed = RETENTION["landed"]
    platforms = {platform for platform, *_ in archived.marts_before}
    assert {"google_ads", "meta"} <= platforms  # the sandbox worlds that reach back to August
    moved = {result.table: result.rows for result in archived.results}
    assert moved == {table: rows for table, rows in landed.items() if rows}
    assert all(result.month == date(2026, 8, 1) for result in archived.results)
    assert set(RETENTION["left"].values()) == {0}
    assert RETENTION["marts_unchanged"] is True
    assert month_spend_in_marts(history, archived.month) == archived.marts_before
    assert RETENTION["restored"] == landed


def test_the_runs_land_in_the_postgres_backed_instance_with_failed_files_checked(cli_env, history):
    [(runs,)] = fetch_all(history, "select count(*) from dagster.runs where status = 'SUCCESS'")
    assert runs == 2
    instance = dg.DagsterInstance.get()
    [record] = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(LANDING_KEY, FILES_CHECK), limit=1
    )
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed is False
    assert cli_env.world.wrong_header_file.relative_key in evaluation.metadata["failed_files"].value


def test_media_partner_spend_reconciles_with_landed_rows_and_cpm(cli_env, history):
    config = load_config(cli_env.world.config_path)
    landed = fetch_all(history, "select client_slug, report_date, impressions from raw_media_partner.daily_exports")
    expected: dict[str, Decimal] = {}
    for client_slug, day, impressions in landed:
        cpm = config.client(client_slug).cpm_in_force(day)
        expected[client_slug] = expected.get(client_slug, Decimal(0)) + Decimal(impressions) * cpm / 1000
    for table in ("fct_media_partner_daily", "weekly_summaries", "monthly_summaries"):
        actual = dict(fetch_all(history, f"select client_slug, sum(spend) from marts.{table} group by 1"))
        assert actual == expected, table


def test_google_ads_spend_in_the_pnl_is_the_worlds_cost_micros_exactly(cli_env, history):
    world = cli_env.google_ads_world
    rows = fetch_all(
        history,
        "select e.platform_account_id, e.client_slug, sum(p.spend) from marts.fct_pnl_daily p "
        "join marts.dim_ad_entities e using (entity_id) "
        "where p.kind = 'eod' and p.level = 'account' and p.platform = 'google_ads' group by 1, 2",
    )
    assert {account: client for account, client, _ in rows} == {
        "2222222221": "acme-outdoor",
        "2222222222": "bloom-beauty",
        "2222222223": "acme-outdoor",  # under a sub-manager of the MCC
        "3333333331": "citrus-kitchen",
    }
    for account, _, spend in rows:
        # What Google bills: campaign-level cost, Performance Max (which has no ads) included.
        micros = sum(
            world.cost_micros(int(account), ADS_START + timedelta(days=offset))
            for offset in range((ADS_END - ADS_START).days + 1)
        )
        assert spend == Decimal(micros) / 1_000_000, account
    # The PMax spend sits on each PMax campaign's '(unallocated)' ad, under an '(unallocated)' ad group.
    unallocated = fetch_all(
        history,
        "select e.level, c.platform_entity_id, e.is_inferred, e.platform_entity_id, sum(d.spend) > 0"
        " from marts.dim_ad_entities e join marts.dim_ad_entities c on c.entity_id = e.campaign_entity_id"
        " join marts.fct_ad_entity_daily d on d.entity_id = e.entity_id"
        " where e.platform = 'google_ads' and e.entity_name = '(unallocated)' group by 1, 2, 3, 4",
    )
    pmax = {str(c.campaign_id) for c in world.awkward.pmax_campaigns}
    assert sorted(unallocated) == sorted(
        (level, campaign, True, None, True) for level in ("ad", "ad_group") for campaign in pmax
    )


def test_tiktok_ads_spend_in_the_pnl_is_the_worlds_exactly(cli_env, history):
    world = cli_env.tiktok.world
    rows = dict(
        fetch_all(
            history,
            "select e.platform_account_id, sum(p.spend) from marts.fct_pnl_daily p"
            " join marts.dim_ad_entities e using (entity_id)"
            " where p.kind = 'eod' and p.level = 'account' and p.platform = 'tiktok_ads' group by 1",
        )
    )
    days = [ADS_START + timedelta(days=offset) for offset in range((ADS_END - ADS_START).days + 1)]
    assert rows == {
        advertiser.advertiser_id: sum(world.spend_by_day(advertiser.advertiser_id, days, world.end).values())
        for advertiser in world.advertisers
    }
    # The deleted ad is in the hierarchy with its spend.
    assert fetch_all(
        history,
        "select e.is_deleted, sum(d.spend) > 0 from marts.dim_ad_entities e"
        " join marts.fct_ad_entity_daily d using (entity_id)"
        " where e.platform = 'tiktok_ads' and e.platform_entity_id = %s group by 1",
        (world.deleted_ad.ad_id,),
    ) == [(True, True)]


def test_deleted_campaigns_keep_their_spend(cli_env, history):
    removed = cli_env.google_ads_world.awkward.removed_campaign
    [(is_deleted, status, spend)] = fetch_all(
        history,
        "select e.is_deleted, e.status, sum(d.spend) from marts.dim_ad_entities e "
        "join marts.fct_ad_entity_daily d using (entity_id) "
        "where e.platform = 'google_ads' and e.level = 'campaign' and e.platform_entity_id = %s "
        "group by 1, 2",
        (str(removed.campaign_id),),
    )
    assert (is_deleted, status) == (True, "removed") and spend > 0
    # Meta's act_<id>/insights?level=ad never returns deleted ads: their billed spend reaches the
    # account through its '(unallocated)' campaign, never lost.
    [(meta_unallocated_spend,)] = fetch_all(
        history,
        "select sum(d.spend) from marts.dim_ad_entities e join marts.fct_ad_entity_daily d using (entity_id) "
        "where e.platform = 'meta' and e.level = 'campaign' and e.entity_name = '(unallocated)' and e.is_inferred",
    )
    assert meta_unallocated_spend > 0


def test_the_restated_meta_day_keeps_what_it_first_said(cli_env, history):
    drifted = fetch_all(
        history,
        "select e.platform_account_id, p.metric_date, p.first_reported_spend, p.spend "
        "from marts.fct_pnl_daily p join marts.dim_ad_entities e using (entity_id) "
        "where p.kind = 'eod' and p.level = 'account' and p.spend_drift <> 0",
    )
    assert len(drifted) == 1
    [(account, day, first, now)] = drifted
    assert (account, day) == (ACME_ACCOUNT_ID, RESTATED_DAY)
    assert now > first > 0
    [(landed_first,)] = fetch_all(
        history,
        "select sum(spend) from raw_meta.ad_daily_insights_first_reported where account_id = %s and date_start = %s",
        (ACME_ACCOUNT_ID, RESTATED_DAY),
    )
    assert first == landed_first


def test_both_platforms_and_every_level_are_in_the_pnl(cli_env, history):
    levels = set(fetch_all(history, "select distinct platform, level from marts.fct_pnl_daily where kind = 'eod'"))
    assert levels >= {
        ("google_ads", "account"),
        ("google_ads", "campaign"),
        ("google_ads", "ad_group"),
        ("google_ads", "ad"),
        ("meta", "account"),
        ("meta", "campaign"),
        ("meta", "ad_set"),
        ("meta", "ad"),
    }


def test_intraday_capture_adds_snapshot_rows_for_both_platforms(cli_env, history):
    assert main(["intraday"]) == 0
    rows = fetch_all(
        history,
        "select platform, count(*), min(metric_date), max(captured_at) is not null from marts.fct_pnl_daily "
        "where kind = 'snapshot' and level = 'account' group by 1 order by 1",
    )
    assert [platform for platform, *_ in rows] == ["google_ads", "meta"]
    assert all(count >= 1 and captured for _, count, _, captured in rows)
    assert all(day >= date.today() - timedelta(days=1) for _, _, day, _ in rows)  # today in the account's zone


def test_rerunning_part_of_the_range_leaves_marts_identical(cli_env, history):
    before = snapshot_marts(history)
    assert before["fct_pnl_daily"]
    day = (RESTATED_DAY - timedelta(days=2)).isoformat()
    assert main(["run", "--start", day, "--end", RESTATED_DAY.isoformat()]) == 0
    assert snapshot_marts(history) == before


def test_incremental_marts_equal_a_full_rebuild(cli_env, history):
    """The first run built the marts whole, the nightly one replaced its window's days (with
    Meta's restatement in it), the intraday one the days around today: a full refresh of the
    same landed data must change nothing."""
    incremental = incremental_models(history)
    assert {"marts.fct_ad_entity_daily", "marts.fct_pnl_daily", "intermediate.int_pixel__events"} <= set(incremental)
    # with the whole-built marts that read them (touchpoints and journeys read the pixel events)
    tables = sorted(
        {
            *incremental,
            *(f"marts.{mart}" for mart in (*MARTS, "fct_touchpoints", "fct_journeys", "fct_attribution_links")),
        }
    )
    built_by_windows = snapshot_marts(history, tables)
    assert all(built_by_windows[table] for table in ("marts.fct_ad_entity_daily", "intermediate.int_pixel__events"))
    day = (RESTATED_DAY - timedelta(days=2)).isoformat()
    assert main(["run", "--start", day, "--end", day, "--full-refresh"]) == 0
    assert snapshot_marts(history, tables) == built_by_windows


def test_status_lists_the_latest_attempt_per_file_and_account(cli_env, history, capsys):
    assert main(["status", "--limit", "2000"]) == 0
    out = capsys.readouterr().out
    bad = cli_env.world.wrong_header_file.relative_key
    [line] = [line for line in out.splitlines() if bad in line]
    assert " failed " in line and "missing column(s)" in line
    assert any(line.strip().startswith("meta ") and "act_100000001" in line for line in out.splitlines())
    assert any(line.strip().startswith("google_ads ") and "customers/2222222221" in line for line in out.splitlines())


def test_run_refuses_days_outside_the_partitions(cli_env, capsys):
    assert main(["run", "--start", "2001-01-01", "--end", "2001-01-02"]) == 2
    assert "must be closed days between" in capsys.readouterr().err
