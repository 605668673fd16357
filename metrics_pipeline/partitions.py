"""The daily partitions every landing asset shares: one partition per account-local day."""

import os

import dagster as dg

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("METRICS_PARTITIONS_START", "2025-01-01")
)

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover [first, last] (assets with a single-run backfill policy)."""
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}
