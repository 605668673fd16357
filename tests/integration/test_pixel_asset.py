"""The pixel/events asset, materialized by Dagster in process against a local exports folder."""

from __future__ import annotations

import gzip
import json

import dagster as dg
import psycopg
import pytest
from dagster_aws.s3 import S3Resource

from metrics_pipeline.defs.sources import LANDING_ASSETS
from metrics_pipeline.lib.file_sources import FILES_CHECK
from metrics_pipeline.lib.resources import ExportsResource, PipelineConfigResource, WarehouseResource
from tests.conftest import fetch_all, write_file

pixel_events = LANDING_ASSETS["pixel"]

pytestmark = pytest.mark.integration

CONFIG = """
workspaces:
  - slug: ws
    name: Workspace
    clients:
      - {slug: acme, name: Acme, pixel_site_id: site-acme}
"""


def line(event_id: str, **overrides) -> str:
    record = {
        "event_id": event_id,
        "site_id": "site-acme",
        "event_type": "page_view",
        "occurred_at": "2026-09-01T12:00:00Z",
        "visitor_id": "v1",
        "ip": "198.51.100.4",
    }
    record.update(overrides)
    return json.dumps(record)


def test_a_range_of_days_is_one_run_and_a_broken_file_fails_the_check(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("METRICS_PII_KEY", "asset-test-key-0123456789")
    with psycopg.connect(database_url) as conn:
        conn.execute("truncate raw_pixel.events, ops.rejected_rows, ops.ingestion_logs")
    root = tmp_path / "exports"
    write_file(root / "pixel/2026-09-01/a.jsonl", line("e1") + "\n" + line("e2") + "\nnot json\n")
    write_file(root / "pixel/2026-09-02/a.jsonl.gz", gzip.compress((line("e1") + "\n" + line("e3") + "\n").encode()))
    write_file(root / "pixel/2026-09-02/b.jsonl.gz", gzip.compress(b"x" * 1000)[:20])
    config = write_file(tmp_path / "config.yaml", CONFIG)

    result = dg.materialize(
        [pixel_events],
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "warehouse": WarehouseResource(),
            "pipeline_config": PipelineConfigResource(path=str(config)),
            "exports": ExportsResource(uri=str(root), s3=S3Resource()),
        },
        tags={
            "dagster/asset_partition_range_start": "2026-09-01",
            "dagster/asset_partition_range_end": "2026-09-02",
        },
        raise_on_error=False,
    )

    assert result.success
    materializations = result.asset_materializations_for_node("pixel_landing")
    assert sorted(m.partition for m in materializations) == ["2026-09-01", "2026-09-02"]  # one run
    metadata = {k: v.value for k, v in materializations[0].metadata.items()}
    assert metadata["days"] == 2 and metadata["files"] == 3
    assert metadata["rows_landed"] == 3 and metadata["duplicate_ids_dropped"] == 1
    assert metadata["rows_quarantined"] == 1 and metadata["files_failed"] == 1
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == FILES_CHECK and not check.passed
    assert "b.jsonl.gz" in check.metadata["failed_files"].value
    assert fetch_all(database_url, "select event_id, event_date::text from raw_pixel.events order by 1") == [
        ("e1", "2026-09-01"),
        ("e2", "2026-09-01"),
        ("e3", "2026-09-02"),
    ]
