"""The status asset shows the latest attempt per source, target and partition, as `status` does."""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from metrics_pipeline.defs.operations import ingestion_status
from metrics_pipeline.lib.resources import WarehouseResource

pytestmark = pytest.mark.integration


def test_the_latest_attempt_of_each_target_and_partition_counts(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute("truncate ops.rejected_rows, ops.ingestion_logs")
        for source, key, target, status, started, message in [
            ("meta", "2026-10-01", "act_1", "failed", "01:00", "rate limited"),
            ("meta", "2026-10-01", "act_1", "completed", "02:00", None),  # healed by the retry: latest wins
            ("meta", "2026-10-01", "act_2", "failed", "02:00", "access token expired"),
            ("meta", "2026-10-02", "act_1", "started", "02:00", None),  # killed: never finished
            ("media_partner", "2026-10-01", "s3://b/a.csv", "partial", "02:00", "row 3: clicks"),
        ]:
            conn.execute(
                "insert into ops.ingestion_logs (source, partition_key, target, status, message, started_at)"
                " values (%s, %s, %s, %s, %s, %s)",
                (source, key, target, status, message, f"2026-10-02 {started}Z"),
            )

    result = dg.materialize([ingestion_status], resources={"warehouse": WarehouseResource()})

    [materialization] = result.asset_materializations_for_node("ops__ingestion_status")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert (
        metadata["latest_completed"],
        metadata["latest_failed"],
        metadata["latest_started"],
        metadata["latest_partial"],
    ) == (1, 1, 1, 1)
    table = metadata["not_completed"]
    assert "| meta | 2026-10-01 | act_2 | failed | access token expired |" in table
    assert "| meta | 2026-10-02 | act_1 | started |  |" in table
    assert "rate limited" not in table  # superseded by the completed retry
