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


PARTITION_TAG = "dagster/partition"


def run_day_range(tags: dict[str, str]) -> tuple[str, str] | None:
    """The [first, last] partition days a run covers, from its tags; None for an unpartitioned run."""
    if PARTITION_RANGE_START_TAG in tags and PARTITION_RANGE_END_TAG in tags:
        return tags[PARTITION_RANGE_START_TAG], tags[PARTITION_RANGE_END_TAG]
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    return None
