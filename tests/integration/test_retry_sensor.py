"""The retry sensor against real failed runs of the media-partner job on a Dagster instance.

Transient: the exports store cannot be reached (the S3 endpoint refuses connections):
the sensor requests exactly the failed partitions again after a short, growing delay,
tagged as a retry; the retry, run once storage is back, lands every file once.
Permanent: the configuration is invalid: no retry, one ops.ingestion_logs row per
partition with the reason.
"""

from __future__ import annotations

import time
from datetime import date

import dagster as dg
import pytest

from metrics_pipeline.definitions import defs
from metrics_pipeline.defs.operations import RUN_LOG_SOURCE, retry_failed_runs
from metrics_pipeline.lib.resources import WarehouseResource
from metrics_pipeline.operations.run_retries import RETRY_ATTEMPT_TAG, RETRY_OF_TAG, RetryCursor
from tests.conftest import fetch_all

LANDING_KEY = dg.AssetKey(["media_partner", "daily_exports"])

pytestmark = pytest.mark.integration

FIRST, LAST = date(2026, 9, 28), date(2026, 9, 30)
RANGE_TAGS = {
    "dagster/asset_partition_range_start": FIRST.isoformat(),
    "dagster/asset_partition_range_end": LAST.isoformat(),
}


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


def execute(instance, tags, *, landing_only=False):
    """The job as the sensor requests it; `landing_only` skips its dbt build (slow, and not what is tested)."""
    return defs.resolve_job_def("media_partner_daily").execute_in_process(
        instance=instance,
        tags=tags,
        raise_on_error=False,
        asset_selection=[LANDING_KEY] if landing_only else None,
    )


def evaluate(instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": WarehouseResource()})
    requests = list(retry_failed_runs(context) or [])
    return requests, context.cursor


def test_a_run_failed_for_a_transient_cause_is_retried_for_exactly_its_partitions(
    served_world, database_url, instance, monkeypatch
):
    monkeypatch.setenv("METRICS_RETRY_BASE_DELAY", "0.002")  # 120 s -> 0.24 s, 480 s -> ~1 s
    endpoint = served_world.s3.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    failed = execute(instance, RANGE_TAGS, landing_only=True)
    assert not failed.success

    requests, cursor = evaluate(instance, None)
    assert requests == []  # not due yet: the delay comes first
    [pending] = RetryCursor.from_json(cursor).pending
    assert (pending.failed_run_id, pending.attempt, pending.reason) == (failed.run_id, 1, "connection dropped")
    time.sleep(max(0.0, pending.due_at - time.time()) + 0.05)

    [request], cursor = evaluate(instance, cursor)
    assert request.job_name == "media_partner_daily"
    assert request.tags == {
        **RANGE_TAGS,
        RETRY_OF_TAG: failed.run_id,
        RETRY_ATTEMPT_TAG: "1",
        "metrics_pipeline/retry_reason": "connection dropped",
    }
    assert RetryCursor.from_json(cursor).pending == ()
    assert evaluate(instance, cursor)[0] == []  # requested once, never again

    # The retry fails the same way: attempt 2 is queued, with a longer delay.
    second = execute(instance, request.tags, landing_only=True)
    assert not second.success
    _, cursor_after_second = evaluate(instance, cursor)
    [pending] = RetryCursor.from_json(cursor_after_second).pending
    assert (pending.attempt, pending.root_run_id, pending.failed_run_id) == (2, failed.run_id, second.run_id)
    assert pending.due_at - time.time() > 0.24

    # Storage is back: the retry heals the partitions; every file of them lands once.
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    healed = execute(instance, request.tags, landing_only=True)
    assert healed.success
    days = [FIRST.isoformat(), "2026-09-29", LAST.isoformat()]
    per_file = fetch_all(
        database_url,
        "select partition_key, target, array_agg(status order by ingestion_log_id) from ops.ingestion_logs"
        " where source = 'media_partner' group by 1, 2 order by 1, 2",
    )
    assert {key for key, _, _ in per_file} == set(days)
    wrong_header = served_world.world.wrong_header_file.relative_key
    exports_folder = f"{served_world.exports_uri}/media_partner/"
    for _, target, statuses in per_file:
        if target == exports_folder:
            # The two failed runs never reached a file (the listing failed): each left one row
            # per partition saying why, against the folder it could not list.
            assert statuses == ["failed", "failed"], target
            continue
        # The healed run read each file once.
        expected = "failed" if target.endswith(wrong_header) else {"completed", "partial"}
        assert len(statuses) == 1 and (statuses[0] == expected or statuses[0] in expected), target
    assert {key for key, target, _ in per_file if target == exports_folder} == set(days)
    assert fetch_all(
        database_url,
        "select distinct failure_kind from ops.ingestion_logs where source = 'media_partner' and target = %s",
        (exports_folder,),
    ) == [("transient",)]
    duplicates = fetch_all(
        database_url,
        "select source_file, source_row_number, count(*) from raw_media_partner.daily_exports"
        " group by 1, 2 having count(*) > 1",
    )
    assert duplicates == []
    assert fetch_all(database_url, "select count(*) from ops.ingestion_logs where source = %s", (RUN_LOG_SOURCE,)) == [
        (0,)
    ]


def test_a_run_failed_for_a_permanent_cause_is_not_retried_and_its_reason_is_logged(
    served_world, database_url, instance, monkeypatch, tmp_path
):
    bad_config = tmp_path / "config.yaml"
    bad_config.write_text("workspaces:\n  - name: no slug\n", encoding="utf-8")
    monkeypatch.setenv("METRICS_CONFIG", str(bad_config))
    failed = execute(instance, RANGE_TAGS)
    assert not failed.success

    requests, cursor = evaluate(instance, None)

    assert requests == [] and RetryCursor.from_json(cursor).pending == ()
    rows = fetch_all(
        database_url,
        "select partition_key, target, status, message, run_id, finished_at is not null from ops.ingestion_logs"
        " where source = %s order by partition_key",
        (RUN_LOG_SOURCE,),
    )
    assert [(key, target, status, run_id, done) for key, target, status, _, run_id, done in rows] == [
        (day, "media_partner_daily", "failed", failed.run_id, True)
        for day in (FIRST.isoformat(), "2026-09-29", LAST.isoformat())
    ]
    for _, _, _, message, _, _ in rows:
        assert message.startswith("permanent (invalid configuration): not retried")
        assert str(bad_config) in message
    # Evaluated again, the same failure is neither retried nor logged twice.
    assert evaluate(instance, cursor)[0] == []
    assert fetch_all(database_url, "select count(*) from ops.ingestion_logs where source = %s", (RUN_LOG_SOURCE,)) == [
        (3,)
    ]
