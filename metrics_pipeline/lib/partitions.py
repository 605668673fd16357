"""The daily partitions every landing asset shares: one partition per account-local day."""

import os
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import dagster as dg

from metrics_pipeline.config import DEFAULT_LOOKBACK_DAYS, ConfigError, Connection, load_config

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


def restatement_window_days(conversion_windows: Mapping[str, int] | None = None) -> int:
    """The longest look-back any active connection asks for (conversion or restatement window).

    `conversion_windows`: per Google connection id, the longest conversion window of its
    accounts as last landed (`google_ads.conversion_windows.landed_conversion_windows`)."""
    try:
        connections = load_config().connections
    except ConfigError:
        return max(DEFAULT_LOOKBACK_DAYS.values())
    return longest_lookback_days(connections, conversion_windows or {})


def longest_lookback_days(connections: Sequence[Connection], conversion_windows: Mapping[str, int]) -> int:
    """A Google connection without its own lookback_days re-reads its accounts' conversion window
    (its configured default until one has landed); every other connection its lookback_days."""

    def lookback(connection: Connection) -> int:
        if connection.lookback_from_conversion_actions:
            return conversion_windows.get(connection.id, connection.lookback_days)
        return connection.lookback_days

    return max([lookback(c) for c in connections if c.status == "active"] or [1])


def nightly_range(yesterday: date, window_days: int, first_partition: date) -> tuple[date, date]:
    """The days a nightly run re-lands: the window ending yesterday, never before the first partition."""
    return max(first_partition, yesterday - timedelta(days=max(window_days, 1) - 1)), yesterday
