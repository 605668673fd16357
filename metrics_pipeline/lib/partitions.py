"""The daily partitions every landing asset shares: one partition per account-local day."""

import os
from datetime import date, timedelta

import dagster as dg

from metrics_pipeline.config import DEFAULT_LOOKBACK_DAYS, ConfigError, load_config

daily_partitions = dg.DailyPartitionsDefinition(start_date=os.environ.get("METRICS_PARTITIONS_START", "2025-01-01"))

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


def restatement_window_days() -> int:
    """The longest look-back any active connection asks for (conversion or restatement window)."""
    try:
        connections = load_config().connections
    except ConfigError:
        return max(DEFAULT_LOOKBACK_DAYS.values())
    return max([c.lookback_days for c in connections if c.status == "active"] or [1])


def nightly_range(yesterday: date, window_days: int, first_partition: date) -> tuple[date, date]:
    """The days a nightly run re-lands: the window ending yesterday, never before the first partition."""
    return max(first_partition, yesterday - timedelta(days=max(window_days, 1) - 1)), yesterday
