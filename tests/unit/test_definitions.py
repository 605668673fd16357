"""The code location loads and holds what the UI, the schedule and the sensor need."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from metrics_pipeline.definitions import defs
from metrics_pipeline.defs.sources import NEW_FILES_SENSORS
from metrics_pipeline.lib.resources import ExportsResource, WarehouseResource
from metrics_pipeline.sources.media_partner.parse import EXPECTED_COLUMNS
from tests.conftest import write_file

LANDING_KEY = dg.AssetKey(["media_partner", "daily_exports"])
media_partner_new_files = NEW_FILES_SENSORS["media_partner"]


@pytest.fixture(scope="module")
def repository():
    return defs.get_repository_def()


def test_landing_config_and_dbt_assets_form_one_lineage_graph(repository):
    graph = repository.asset_graph
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "media_partner/daily_exports",
        "config/workspaces",
        "config/clients",
        "config/media_partner_cpm_rates",
        "staging/stg_media_partner__daily_exports",
        "marts/fct_media_partner_daily",
        "marts/dim_ad_entities",
        "marts/weekly_summaries",
        "marts/monthly_summaries",
    } <= keys
    staging = dg.AssetKey(["staging", "stg_media_partner__daily_exports"])
    assert LANDING_KEY in graph.get(staging).parent_keys
    cpm = dg.AssetKey(["staging", "stg_metrics_config__media_partner_cpm_rates"])
    assert dg.AssetKey(["config", "media_partner_cpm_rates"]) in graph.get(cpm).parent_keys


def test_jobs_schedules_sensors_and_checks(repository):
    for name in ("daily_pipeline", "media_partner_daily", "affiliate_daily"):
        assert repository.get_job(name).partitions_def is not None
    assert repository.get_job("intraday_snapshots").partitions_def is None
    assert {s.name for s in repository.schedule_defs} >= {"daily_pipeline_nightly", "intraday_snapshots_schedule"}
    assert {s.name for s in repository.sensor_defs} >= {"media_partner_new_files", "affiliate_new_files"}
    checks = {key.name for key in repository.asset_graph.asset_check_keys}
    assert "every_file_landed" in checks
    for singular in (
        "assert_media_partner_spend_reconciles_with_landed_rows",
        "assert_affiliate_revenue_reconciles_with_landed_events",
        "assert_affiliate_tracking_ids_map_to_a_client",
        "assert_summaries_reconcile_with_daily",
        "assert_summary_top_lists_are_ranked_by_spend",
    ):
        assert singular in checks


def test_nightly_schedule_requests_the_restatement_window_ending_yesterday(repository, tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text(
        "workspaces:\n  - slug: w\n    name: W\n    connections:\n"
        "      - {id: g, provider: google_ads, customer_ids: ['123-456-7890'], credentials_env_prefix: G}\n"
        "      - {id: m, provider: meta, ad_account_ids: [act_1], credentials_env_prefix: M, lookback_days: 21}\n"
    )
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    # No warehouse answers (nothing listens on port 1): no conversion window has landed.
    monkeypatch.setenv("METRICS_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    schedule = repository.get_schedule_def("daily_pipeline_nightly")
    assert schedule.cron_schedule == "30 2 * * *"
    tick = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 10, 22, 2, 30), resources={"warehouse": WarehouseResource()}
    )
    [request] = list(schedule.evaluate_tick(tick).run_requests)
    # Google without lookback_days and no landed conversion window: Google's default 30 days,
    # longer than Meta's 21: 2026-09-22 .. 2026-10-21.
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) == (
        "2026-09-22",
        "2026-10-21",
    )


def test_sensor_requests_exactly_the_new_partitions_once(tmp_path):
    header = ",".join(EXPECTED_COLUMNS) + "\n"
    for day in ("2026-09-01", "2026-09-02", "2026-09-03", "2026-09-07"):
        write_file(tmp_path / f"media_partner/acme/{day}.csv", header)
    write_file(tmp_path / "media_partner/acme/readme.txt", "not an export")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    write_file(tmp_path / f"media_partner/acme/{tomorrow}.csv", header)
    resources = {"exports": ExportsResource(uri=str(tmp_path), s3=S3Resource())}
    instance = dg.DagsterInstance.ephemeral()

    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        requests = list(media_partner_new_files(context))
        cursor = context.cursor
    ranges = sorted(
        (r.partition_key, r.partition_key)
        if r.partition_key
        else (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in requests
    )
    assert ranges == [("2026-09-01", "2026-09-03"), ("2026-09-07", "2026-09-07")]
    assert len({r.run_key for r in requests}) == 2

    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        assert list(media_partner_new_files(context)) == []

    # A re-uploaded file asks for its own day again, and nothing else.
    path = tmp_path / "media_partner/acme/2026-09-02.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        [request] = list(media_partner_new_files(context))
    assert request.partition_key == "2026-09-02"


def test_amazon_ads_lands_into_the_lineage_graph_with_its_own_job_sensor_and_checks(repository, tmp_path):
    KEYWORD_REPORTS_KEY = dg.AssetKey(["amazon_ads", "keyword_reports"])
    SALES_REPORTS_KEY = dg.AssetKey(["amazon_ads", "sales_reports"])
    amazon_ads_new_files = NEW_FILES_SENSORS["amazon_ads"]
    from metrics_pipeline.defs.pipeline import DAILY_SOURCE_GROUPS

    graph = repository.asset_graph
    assert KEYWORD_REPORTS_KEY in graph.get(dg.AssetKey(["staging", "stg_amazon_ads__keyword_reports"])).parent_keys
    assert SALES_REPORTS_KEY in graph.get(dg.AssetKey(["staging", "stg_amazon_ads__sales_reports"])).parent_keys
    assert (
        dg.AssetKey(["config", "amazon_asin_skus"])
        in graph.get(dg.AssetKey(["staging", "stg_metrics_config__amazon_asin_skus"])).parent_keys
    )
    assert "amazon_ads" in DAILY_SOURCE_GROUPS
    job = repository.get_job("amazon_ads_daily")
    assert job.partitions_def is not None
    daily_keys = repository.get_job("daily_pipeline").asset_layer.executable_asset_keys
    assert {KEYWORD_REPORTS_KEY, SALES_REPORTS_KEY, dg.AssetKey(["marts", "fct_amazon_keyword_daily"])} <= set(
        daily_keys
    )
    checks = {(key.asset_key, key.name) for key in graph.asset_check_keys}
    assert {(KEYWORD_REPORTS_KEY, "every_file_landed"), (SALES_REPORTS_KEY, "every_file_landed")} <= checks
    assert {k.name for k in graph.asset_check_keys} >= {
        "assert_amazon_ads_spend_reconciles_with_landed_rows",
        "assert_amazon_ads_spend_equals_landed",
    }

    for key in (
        "amazon_ads/acme/amazon/2026-09-01.csv",
        "amazon_ads/acme/zonguru/2026-09-02.csv",
        "amazon_ads/acme/amazon/2026-09-03_sponsored-brands.xlsx",  # the console's default download
        "amazon_ads/acme/sales/2026-09-04.csv",
        "amazon_ads/acme/notes/2026-09-05.csv",
    ):
        write_file(tmp_path / key, "x\n")
    resources = {"exports": ExportsResource(uri=str(tmp_path), s3=S3Resource())}
    with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources=resources) as context:
        requests = list(amazon_ads_new_files(context))
    ranges = sorted(
        (r.partition_key, r.partition_key)
        if r.partition_key
        else (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in requests
    )
    # notes/ is outside the layout, but its key names a day: that day is requested too, so the
    # file is logged as ignored in ops.ingestion_logs instead of silently never landing.
    assert ranges == [("2026-09-01", "2026-09-05")]
