import os
from datetime import date, timedelta

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from metrics_pipeline.definitions import defs
from metrics_pipeline.defs.sources import NEW_FILES_SENSORS
from metrics_pipeline.lib.resources import ExportsResource
from tests.conftest import write_file

LANDING_KEY = dg.AssetKey(["pixel", "events"])
pixel_new_files = NEW_FILES_SENSORS["pixel"]


@pytest.fixture(scope="module")
def repository():
    return defs.get_repository_def()


def test_the_pixel_asset_its_check_job_and_sensor_are_wired(repository):
    node = repository.asset_graph.get(LANDING_KEY)
    assert node.group_name == "pixel"
    assert node.partitions_def is not None and node.backfill_policy == dg.BackfillPolicy.single_run()
    assert {"s3", "polars", "postgres"} <= set(node.kinds)
    assert dg.AssetCheckKey(LANDING_KEY, "every_file_landed") in repository.asset_graph.asset_check_keys
    job = repository.get_job("pixel_daily")
    assert job.partitions_def is not None
    assert "pixel_new_files" in {s.name for s in repository.sensor_defs}
    # The staging model dbt builds on raw_pixel.events hangs off the landing asset.
    staging = dg.AssetKey(["staging", "stg_pixel__events"])
    if staging in repository.asset_graph.get_all_asset_keys():
        assert LANDING_KEY in repository.asset_graph.get(staging).parent_keys


def test_sensor_requests_exactly_the_new_partitions_once(tmp_path):
    for day in ("2026-09-01", "2026-09-02", "2026-09-03", "2026-09-07"):
        write_file(tmp_path / f"pixel/{day}/part-0.jsonl", "{}\n")
    write_file(tmp_path / "pixel/2026-09-02/part-1.jsonl.gz", b"\x1f\x8b")
    write_file(tmp_path / "pixel/2026-09-04/readme.txt", "not an export")
    write_file(tmp_path / "pixel/README.txt", "no day in its key")
    write_file(tmp_path / "media_partner/acme/2026-09-05.csv", "not pixel")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    write_file(tmp_path / f"pixel/{tomorrow}/part-0.jsonl", "{}\n")
    resources = {"exports": ExportsResource(uri=str(tmp_path), s3=S3Resource())}
    instance = dg.DagsterInstance.ephemeral()

    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        requests = list(pixel_new_files(context))
        cursor = context.cursor
    ranges = sorted(
        (r.partition_key, r.partition_key)
        if r.partition_key
        else (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in requests
    )
    # readme.txt is outside the layout, but its key names a day: that day is requested so the run
    # logs it as ignored (ops.ingestion_logs); README.txt names no day and requests nothing.
    assert ranges == [("2026-09-01", "2026-09-04"), ("2026-09-07", "2026-09-07")]
    assert len({r.run_key for r in requests}) == 2

    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        assert list(pixel_new_files(context)) == []

    # A re-uploaded file asks for its own day again, and nothing else.
    path = tmp_path / "pixel/2026-09-02/part-1.jsonl.gz"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor) as context:
        [request] = list(pixel_new_files(context))
    assert request.partition_key == "2026-09-02"
