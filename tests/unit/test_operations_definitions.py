"""The operational wiring: pools, run retries, the retry sensor, the checks and the status asset."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.instance.config import dagster_instance_config

from metrics_pipeline.definitions import defs
from metrics_pipeline.warehouse import PROJECT_ROOT


@pytest.fixture(scope="module")
def repository():
    return defs.get_repository_def()


def test_every_landing_asset_and_dbt_sit_in_a_pool_of_their_own(repository):
    graph = repository.asset_graph
    pools = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0] in ("media_partner", "google_ads", "meta", "shopify", "pixel", "marts"):
            pools.setdefault(node.assets_def.op.pool, set()).add(key.path[0])
    assert pools.get(None) is None  # nothing that writes these tables runs outside a pool
    # One pool per writer of a table set: two landings never share a pool, dbt has its own.
    assert pools["landing_media_partner"] == {"media_partner"}
    assert pools["landing_meta"] == {"meta"} and pools["landing_google_ads"] == {"google_ads"}
    assert pools["landing_meta_intraday"] == {"meta"}  # the snapshot table has a writer of its own
    assert pools["dbt"] == {"marts"}


def test_the_instance_limits_pools_to_one_and_retries_only_dead_runs():
    config, _ = dagster_instance_config(str(PROJECT_ROOT / "dagster_home"))
    assert config["concurrency"]["pools"] == {"default_limit": 1}
    assert config["run_retries"] == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}


def test_the_nightly_job_runs_the_landing_and_pnl_checks_and_refreshes_the_status(repository):
    job = repository.get_job("daily_pipeline")
    checks = {(k.asset_key.to_user_string(), k.name) for k in job.asset_layer.asset_graph.asset_check_keys}
    for table in (
        "media_partner/daily_exports",
        "google_ads/ad_daily_metrics",
        "meta/ad_daily_insights",
        "shopify/orders",
    ):
        assert {(table, "no_future_dates"), (table, "no_negative_money")} <= checks
    assert ("media_partner/daily_exports", "rows_match_source_totals") in checks
    assert ("marts/fct_pnl_daily", "restatement_drift") in checks
    assert ("marts/fct_pnl_daily", "sources_fresh") in checks
    assert dg.AssetKey(["ops", "ingestion_status"]) in job.asset_layer.asset_graph.get_all_asset_keys()


def test_the_retry_sensor_watches_every_partitioned_landing_job(repository):
    sensor = repository.get_sensor_def("retry_failed_runs")
    assert {job.name for job in sensor.jobs} == {
        "daily_pipeline",
        "media_partner_daily",
        "pixel_daily",
        "amazon_ads_daily",
        "affiliate_daily",
    }
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_alert_rules_are_synced_every_run_and_evaluated_after_the_marts(repository):
    job = repository.get_job("daily_pipeline")
    assert dg.AssetKey(["config", "alert_rules"]) in job.asset_layer.asset_graph.get_all_asset_keys()
    sensor = repository.get_sensor_def("evaluate_alert_rules")
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_notifications_are_sent_by_a_sensor_of_their_own_and_the_alert_mart_is_built(repository):
    sensor = repository.get_sensor_def("deliver_notifications")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 60
    assert not sensor.has_jobs  # it sends; it never starts a run
    job = repository.get_job("daily_pipeline")
    assert dg.AssetKey(["marts", "fct_alert_events"]) in job.asset_layer.asset_graph.get_all_asset_keys()
