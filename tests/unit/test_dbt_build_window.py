"""Which days a run's dbt build replaces, from the run's tags, and how the window reaches dbt."""

import os
from datetime import date

from metrics_pipeline.lib.dbt_project import (
    INTRADAY_WINDOW,
    INTRADAY_WINDOW_TAG,
    dbt_build_args,
    dbt_build_window,
    environment_for_a_subprocess,
    window_environment,
)
from metrics_pipeline.lib.partitions import range_tags, run_day_range

TODAY = date(2026, 11, 22)


def test_a_range_run_builds_its_days():
    assert dbt_build_window(range_tags("2026-10-04", "2026-10-31"), TODAY) == ("2026-10-04", "2026-10-31")


def test_a_single_partition_run_builds_that_day():
    assert dbt_build_window({"dagster/partition": "2026-10-10"}, TODAY) == ("2026-10-10", "2026-10-10")


def test_the_intraday_run_builds_the_days_that_can_be_someones_today():
    assert dbt_build_window({INTRADAY_WINDOW_TAG: INTRADAY_WINDOW}, TODAY) == ("2026-11-20", "2026-11-23")


def test_a_run_without_days_builds_everything():
    assert dbt_build_window({"metrics_pipeline/dbt": "build"}, TODAY) is None
    assert dbt_build_args() == ["build"]


def test_full_refresh_wins_over_the_runs_days():
    assert dbt_build_window(range_tags("2026-10-04", "2026-10-31"), TODAY, full_refresh=True) is None
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]


def test_the_window_travels_in_the_environment_not_the_arguments():
    # --vars would make dbt re-parse the project on every run (macros/build_window.sql)
    assert window_environment(("2026-10-04", "2026-10-31")) == {
        "METRICS_DBT_WINDOW_START": "2026-10-04",
        "METRICS_DBT_WINDOW_END": "2026-10-31",
    }
    assert not any("--vars" in arg for arg in dbt_build_args())


def test_a_whole_build_clears_a_window_an_earlier_run_left_in_the_environment():
    assert window_environment(None) == {"METRICS_DBT_WINDOW_START": "", "METRICS_DBT_WINDOW_END": ""}


def test_run_day_range_prefers_the_range_tags():
    tags = {**range_tags("2026-10-01", "2026-10-02"), "dagster/partition": "2026-09-01"}
    assert run_day_range(tags) == ("2026-10-01", "2026-10-02")
    assert run_day_range({}) is None


def test_a_dbt_call_s_environment_is_gone_after_it_starts(monkeypatch):
    monkeypatch.setenv("METRICS_DBT_WINDOW_START", "2026-01-01")
    monkeypatch.delenv("METRICS_DBT_WINDOW_END", raising=False)
    seen = {}
    with environment_for_a_subprocess(window_environment(("2026-10-04", "2026-10-31"))):
        seen.update(os.environ)
    assert (seen["METRICS_DBT_WINDOW_START"], seen["METRICS_DBT_WINDOW_END"]) == ("2026-10-04", "2026-10-31")
    # what was there before comes back; what was not stays absent
    assert os.environ["METRICS_DBT_WINDOW_START"] == "2026-01-01"
    assert "METRICS_DBT_WINDOW_END" not in os.environ
