from datetime import date, timedelta

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from metrics_pipeline.definitions import defs
from metrics_pipeline.defs.sources import NEW_FILES_SENSORS
from metrics_pipeline.lib.resources import ExportsResource
from tests.conftest import write_file

LANDING_KEY = dg.AssetKey(["affiliate", "events"])
CATALOGUE_KEY = dg.AssetKey(["affiliate", "catalogue_snapshots"])
affiliate_new_files = NEW_FILES_SENSORS["affiliate"]


@pytest.fixture(scope="module")
def repository():
    return defs.get_repository_def()


def test_the_affiliate_assets_check_job_and_sensor_are_wired(repository):
    graph = repository.asset_graph
    for key in (LANDING_KEY, CATALOGUE_KEY):
        node = graph.get(key)
        assert node.group_name == "affiliate"
        assert node.partitions_def is not None and node.backfill_policy == dg.BackfillPolicy.single_run()
    assert dg.AssetCheckKey(LANDING_KEY, "every_file_landed") in graph.asset_check_keys
    assert LANDING_KEY in graph.get(dg.AssetKey(["staging", "stg_affiliate__events"])).parent_keys
    assert CATALOGUE_KEY in graph.get(dg.AssetKey(["staging", "stg_affiliate__catalogue_snapshots"])).parent_keys
    prefixes = dg.AssetKey(["staging", "stg_metrics_config__affiliate_tracking_prefixes"])
    assert dg.AssetKey(["config", "affiliate_tracking_prefixes"]) in graph.get(prefixes).parent_keys
    job = repository.get_job("affiliate_daily")
    assert job.partitions_def is not None
    selected = job.asset_layer.selected_asset_keys
    assert {LANDING_KEY, CATALOGUE_KEY, dg.AssetKey(["marts", "fct_affiliate_daily"])} <= selected
    # the source-only job never calls the ad platforms' APIs
    assert dg.AssetKey(["media_partner", "daily_exports"]) not in selected
    assert {LANDING_KEY, CATALOGUE_KEY} <= repository.get_job("daily_pipeline").asset_layer.selected_asset_keys


def test_sensor_requests_the_days_of_new_affiliate_files_once(tmp_path):
    for key in ("2026-09-01/events.csv", "2026-09-01/catalog.csv", "2026-09-02/events.csv", "2026-09-05/x.csv"):
        write_file(tmp_path / "affiliate" / key, "id\n")
    write_file(tmp_path / "affiliate/2026-09-03/readme.txt", "not an export")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    write_file(tmp_path / f"affiliate/{tomorrow}/events.csv", "id\n")
    resources = {"exports": ExportsResource(uri=str(tmp_path), s3=S3Resource())}
    instance = dg.DagsterInstance.ephemeral()
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        requests = list(affiliate_new_files(context))
        cursor = context.cursor
    ranges = sorted(
        (r.partition_key, r.partition_key)
        if r.partition_key
        else (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in requests
    )
    # readme.txt is outside the layout, but its key names a day: that day is requested so the run
    # logs it as ignored (ops.ingestion_logs) instead of it never being seen.
    assert ranges == [("2026-09-01", "2026-09-03"), ("2026-09-05", "2026-09-05")]
    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        assert list(affiliate_new_files(context)) == []
