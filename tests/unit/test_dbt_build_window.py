"""Which days a run's dbt build replaces, from the run's tags."""

import json
from datetime import date

from metrics_pipeline.defs.dbt_models import INTRADAY_WINDOW, INTRADAY_WINDOW_TAG, dbt_build_args
from metrics_pipeline.partitions import range_tags, run_day_range

TODAY = date(2026, 11, 22)


def window_of(args: list[str]) -> dict:
    assert args[:2] == ["build", "--vars"]
    return json.loads(args[2])


def test_a_range_run_builds_its_days():
    args = dbt_build_args(range_tags("2026-10-04", "2026-10-31"), TODAY)
    assert window_of(args) == {"window_start": "2026-10-04", "window_end": "2026-10-31"}


def test_a_single_partition_run_builds_that_day():
    args = dbt_build_args({"dagster/partition": "2026-10-10"}, TODAY)
    assert window_of(args) == {"window_start": "2026-10-10", "window_end": "2026-10-10"}


def test_the_intraday_run_builds_the_days_that_can_be_someones_today():
    args = dbt_build_args({INTRADAY_WINDOW_TAG: INTRADAY_WINDOW}, TODAY)
    assert window_of(args) == {"window_start": "2026-11-20", "window_end": "2026-11-23"}


def test_a_run_without_days_builds_everything():
    assert dbt_build_args({"metrics_pipeline/dbt": "build"}, TODAY) == ["build"]


def test_full_refresh_wins_over_the_runs_days():
    assert dbt_build_args(range_tags("2026-10-04", "2026-10-31"), TODAY, full_refresh=True) == [
        "build", "--full-refresh",
    ]


def test_run_day_range_prefers_the_range_tags():
    tags = {**range_tags("2026-10-01", "2026-10-02"), "dagster/partition": "2026-09-01"}
    assert run_day_range(tags) == ("2026-10-01", "2026-10-02")
    assert run_day_range({}) is None
