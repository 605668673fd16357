"""A landing that fails before it reaches any file or account still leaves an ops.ingestion_logs
row per partition saying why, with its failure_kind: the bucket cannot be reached or listed, or
the config is invalid. Before, such a run left no row at all, and the retry sensor had no
recorded cause to go by.

The API landing assets use the same guard (lib/source_assets.py); they are not run here
because their step retry policy would wait 30 s and 60 s before the step finally fails."""

from __future__ import annotations

import socket
from datetime import date

import dagster as dg
import psycopg
import pytest
from dagster._serdes import serialize_value
from dagster_aws.s3 import S3Resource

from metrics_pipeline.defs.sources import LANDING_ASSETS
from metrics_pipeline.landing.ingestion import failure_logged_before_any_attempt, start_attempt
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from metrics_pipeline.sandbox.s3 import SANDBOX_ACCESS_KEY_ID, SANDBOX_REGION, SANDBOX_SECRET_ACCESS_KEY
from tests.conftest import fetch_all, write_file

pytestmark = pytest.mark.integration

DAY = date(2026, 9, 15)
LOG_ROWS = """
    select partition_key, target, status, failure_kind, message from ops.ingestion_logs
    where run_id = %s order by partition_key, ingestion_log_id
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sandbox_s3(endpoint_url: str) -> S3Resource:
    return S3Resource(
        endpoint_url=endpoint_url,
        region_name=SANDBOX_REGION,
        aws_access_key_id=SANDBOX_ACCESS_KEY_ID,
        aws_secret_access_key=SANDBOX_SECRET_ACCESS_KEY,
        max_attempts=1,  # botocore's own retries only slow the test; the step fails either way
    )


def land_media_partner(config_path: str, exports: ExportsResource) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [LANDING_ASSETS["media_partner"]],
        partition_key=DAY.isoformat(),
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "warehouse": WarehouseResource(),
            "pipeline_config": PipelineConfigResource(path=config_path),
            "exports": exports,
        },
        raise_on_error=False,
    )


def test_an_unreachable_bucket_is_logged_for_the_day_as_transient(served_world, database_url):
    uri = "s3://metrics-sandbox/unreachable"
    result = land_media_partner(
        str(served_world.world.config_path),
        ExportsResource(uri=uri, s3=sandbox_s3(f"http://127.0.0.1:{closed_port()}")),
    )
    assert not result.success
    [(key, target, status, kind, message)] = fetch_all(database_url, LOG_ROWS, (result.run_id,))
    assert (key, target, status, kind) == (DAY.isoformat(), f"{uri}/media_partner/", "failed", "transient")
    assert "EndpointConnectionError" in message and "Could not connect" in message


def test_a_listing_the_bucket_refuses_is_logged_with_the_error(served_world, database_url):
    uri = "s3://no-such-bucket-here/exports"
    result = land_media_partner(
        str(served_world.world.config_path),
        ExportsResource(uri=uri, s3=sandbox_s3(served_world.s3.endpoint_url)),
    )
    assert not result.success
    [(key, target, status, kind, message)] = fetch_all(database_url, LOG_ROWS, (result.run_id,))
    assert (key, target, status) == (DAY.isoformat(), f"{uri}/media_partner/", "failed")
    assert kind is not None
    assert "NoSuchBucket" in message


def test_an_invalid_config_is_logged_as_permanent(served_world, database_url, tmp_path):
    broken = write_file(tmp_path / "config.yaml", "workspaces:\n  - slug: acme\n    clients: [oops\n")
    result = land_media_partner(
        str(broken),
        ExportsResource(uri=served_world.exports_uri, s3=sandbox_s3(served_world.s3.endpoint_url)),
    )
    assert not result.success
    [(key, _, status, kind, message)] = fetch_all(database_url, LOG_ROWS, (result.run_id,))
    assert (key, status, kind) == (DAY.isoformat(), "failed", "permanent")
    assert "ConfigError" in message and str(broken) in message


def test_a_failure_after_an_attempt_adds_no_second_row(database_url):
    """An attempt already says what happened: the guard writes nothing more."""
    log_id = start_attempt(database_url, source="media_partner", partition_key="2026-09-16", target="f", run_id="r1")
    with (
        pytest.raises(RuntimeError),
        failure_logged_before_any_attempt(
            database_url, source="media_partner", partition_keys=["2026-09-16"], target="folder", run_id="r1"
        ),
    ):
        raise RuntimeError("after the attempt started")
    assert fetch_all(database_url, "select ingestion_log_id, target from ops.ingestion_logs where run_id = 'r1'") == [
        (log_id, "f")
    ]


def test_a_warehouse_that_cannot_take_the_row_does_not_hide_the_error(database_url):
    unreachable = f"postgresql://nobody@127.0.0.1:{closed_port()}/none?connect_timeout=2"
    with (
        pytest.raises(RuntimeError, match="the original cause") as raised,
        failure_logged_before_any_attempt(
            unreachable, source="media_partner", partition_keys=["2026-09-16"], target="folder", run_id="r2"
        ),
    ):
        raise RuntimeError("the original cause")
    assert any("no ops.ingestion_logs row could be written" in note for note in raised.value.__notes__)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select count(*) from ops.ingestion_logs where run_id = 'r2'").fetchone() == (0,)


def test_a_secret_in_the_error_is_in_neither_the_row_nor_the_event_log(served_world, database_url):
    """Both guards stand around the landing, the redaction outermost: the row is written from the
    exception as raised (its failure kind read from it) and stored without the secret, and
    Dagster's event log gets the redacted error."""
    password = "s3cret-endpoint-pass"
    uri = "s3://metrics-sandbox/unreachable"
    result = land_media_partner(
        str(served_world.world.config_path),
        ExportsResource(uri=uri, s3=sandbox_s3(f"http://etl:{password}@127.0.0.1:{closed_port()}")),
    )
    assert not result.success
    [(_, _, status, kind, message)] = fetch_all(database_url, LOG_ROWS, (result.run_id,))
    assert (status, kind) == ("failed", "transient")
    assert "EndpointConnectionError" in message and "etl:[redacted]@127.0.0.1" in message
    assert password not in message
    logged = "".join(serialize_value(event) for event in result.all_events)
    assert "EndpointConnectionError" in logged and password not in logged
