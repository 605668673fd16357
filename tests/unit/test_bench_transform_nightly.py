"""Pure helpers of the transform and nightly benchmarks: volume plans, ratios, stage times, markdown."""

from datetime import date

import pytest

from metrics_pipeline.bench import history
from metrics_pipeline.bench.__main__ import PARTS, parse_parts, render_markdown
from metrics_pipeline.bench.nightly import HISTORY_DAYS, render_nightly_markdown, stage_of, stage_totals, step_durations
from metrics_pipeline.bench.transform import (
    BuildTiming,
    best_of,
    render_transform_markdown,
    transform_ratios,
)


def test_large_reaches_the_issue_volumes_over_its_history():
    counts = history.planned_rows(history.VOLUMES["large"], HISTORY_DAYS["large"])
    assert history.ad_metric_rows(counts) >= 10_000_000
    assert counts["raw_shopify.orders"] >= 1_000_000
    assert counts["raw_pixel.events"] >= 10_000_000


def test_default_is_about_a_hundred_thousand_ad_rows_a_year():
    counts = history.planned_rows(history.VOLUMES["default"], 365)
    assert 100_000 <= history.ad_metric_rows(counts) <= 200_000


@pytest.mark.parametrize("size", sorted(history.VOLUMES))
def test_a_volume_splits_into_whole_ad_groups_and_every_order_gets_its_events(size):
    volume = history.VOLUMES[size]
    assert volume.google_ads % history.ADS_PER_AD_GROUP == 0
    assert volume.meta_ads % history.ADS_PER_AD_GROUP == 0
    counts = history.planned_rows(volume, 10)
    assert counts["raw_shopify.order_line_items"] == history.LINES_PER_ORDER * counts["raw_shopify.orders"]
    assert counts["raw_pixel.events"] >= history.PIXEL_EVENTS_PER_ORDER * counts["raw_shopify.orders"]


def test_day_range_ends_on_the_last_day():
    assert history.day_range(date(2026, 8, 2), 28) == (date(2026, 7, 6), date(2026, 8, 2))


def test_bench_config_puts_rates_in_force_from_the_first_history_month():
    document = {
        "fx_rates": [{"from": "GBP", "to": "USD", "effective_from": date(2026, 7, 1), "rate": "1.26"}],
        "workspaces": [
            {
                "slug": "w",
                "clients": [
                    {
                        "slug": "c",
                        "media_partner": {
                            "cpm_rates": [
                                {"effective_from": date(2026, 9, 1), "cpm": "12.50"},
                                {"effective_from": date(2026, 9, 16), "cpm": "14.00"},
                            ]
                        },
                    },
                    {"slug": "no-partner"},
                ],
            }
        ],
    }
    bench = history.bench_config_document(document, date(2024, 8, 3))
    assert {"from": "GBP", "to": "USD", "effective_from": date(2024, 8, 1), "rate": "1.26"} in bench["fx_rates"]
    rates = bench["workspaces"][0]["clients"][0]["media_partner"]["cpm_rates"]
    assert rates[0] == {"effective_from": date(2024, 8, 1), "cpm": "12.50"} and len(rates) == 3
    assert len(document["fx_rates"]) == 1  # the sandbox's document is not changed


def test_ratios_and_targets():
    full = BuildTiming(100.0, 50.0)
    incremental_1y = BuildTiming(10.0, 4.0)
    incremental_2y = BuildTiming(11.0, 5.0)
    ratios = transform_ratios(full, incremental_1y, 200.0, incremental_2y)
    assert ratios["incremental_2y_vs_incremental_1y"] == pytest.approx(16 / 14, abs=1e-3)
    assert ratios["incremental_1y_vs_full_1y"] == pytest.approx(14 / 150, abs=1e-3)
    assert ratios["incremental_2y_vs_full_2y_models"] == pytest.approx(11 / 200, abs=1e-3)
    assert ratios["incremental_1y_vs_full_1y_models"] == pytest.approx(0.1)
    assert ratios["meets_targets"] is True
    slow = transform_ratios(full, incremental_1y, None, BuildTiming(20.0, 8.0))
    assert slow["meets_targets"] is False and "incremental_2y_vs_full_2y_models" not in slow


def test_best_of_takes_the_fastest_models_and_tests_each():
    assert best_of([BuildTiming(3.0, 9.0), BuildTiming(5.0, 2.0)]) == BuildTiming(3.0, 2.0)


def test_step_durations_from_the_event_log():
    events = [
        ("metrics_config_tables", "STEP_START", 10.0),
        ("metrics_config_tables", "STEP_SUCCESS", 11.5),
        ("meta", "STEP_START", 11.6),
        ("meta", "STEP_FAILURE", 12.0),
        ("meta", "STEP_START", 13.0),
        ("meta", "STEP_SUCCESS", 15.0),  # a retry: counted whole
        ("metrics_dbt_models", "STEP_START", 15.1),
        ("metrics_dbt_models", "STEP_OUTPUT", 20.0),
        ("metrics_dbt_models", "STEP_SUCCESS", 45.1),
        ("never_finished", "STEP_START", 46.0),
    ]
    durations = step_durations(events)
    assert durations == {"metrics_config_tables": 1.5, "meta": 3.4, "metrics_dbt_models": 30.0}
    assert stage_totals(durations) == {"config": 1.5, "landing": 3.4, "dbt": 30.0}


def test_stages():
    assert [
        stage_of(step)
        for step in (
            "config__alert_rules",
            "google_ads_landing",
            "pixel__events",
            "landing_table_checks",
            "metrics_dbt_models",
            "marts__fct_pnl_daily_sources_fresh",
            "ops__ingestion_status",
        )
    ] == ["config", "landing", "landing", "checks", "dbt", "checks", "checks"]


def _transform_figures() -> dict:
    seeded = {
        "ad_metric_rows": 365_000,
        "rows": {"raw_shopify.orders": 36_500, "raw_pixel.events": 365_000},
        "rows_per_second": 50_000,
        "seconds": 15.0,
    }
    timing = {"models_seconds": 1.0, "tests_seconds": 2.0, "total_seconds": 3.0}
    return {
        "window": {"first_day": "2026-07-06", "last_day": "2026-08-02", "days": 28},
        "seeded": {"year_1": seeded, "year_2": seeded},
        "full_1y": timing,
        "incremental_1y": timing,
        "full_2y_models_seconds": 4.0,
        "incremental_2y": timing,
        "incremental_rounds": 2,
        "mart_rows_1y": {"fct_orders": 36_500},
        "mart_rows_2y": {"fct_orders": 73_000},
        "ratios": transform_ratios(BuildTiming(100, 50), BuildTiming(10, 4), 200.0, BuildTiming(30, 10)),
    }


def _nightly_figures() -> dict:
    return {
        "history": {
            "first_day": "2025-08-03",
            "last_day": "2026-08-02",
            "ad_metric_rows": 365_000,
            "rows": {"raw_shopify.orders": 36_500},
            "seconds": 20.0,
            "rows_per_second": 40_000,
        },
        "previous_full_dbt_run_seconds": 120.0,
        "window": {"first_day": "2026-10-04", "last_day": "2026-10-31", "days": 28},
        "success": True,
        "failure": None,
        "wall_seconds": 300.0,
        "steps": {"config": 1.0, "metrics_dbt_models": 250.0},
        "stages": {"landing": 1.0, "dbt": 250.0},
        "landed_rows_this_run": {"meta": 1234},
    }


def test_markdown_shows_the_targets_next_to_the_ratios():
    text = "\n".join(render_transform_markdown(_transform_figures()))
    assert "| incremental 2 years / incremental 1 year | **2.86** (not met) | ≤ 1.20 |" in text
    assert "| incremental 1 year / full 1 year | **0.09** (met) | < 0.15 |" in text
    assert "| fct_orders | 36,500 | 73,000 |" in text


def test_markdown_has_a_row_per_step_and_the_run_total():
    text = "\n".join(render_nightly_markdown(_nightly_figures()))
    assert "| `metrics_dbt_models` | dbt | 250.0 s |" in text
    assert "| **the run** | | **300.0 s** |" in text
    assert "meta 1,234" in text


def test_results_markdown_renders_only_the_measured_parts():
    results = {
        "size": "small",
        "measured_at": "now",
        "postgres": "16",
        "transform": _transform_figures(),
        "nightly": _nightly_figures(),
        "machine": {"platform": "linux", "cpus": 2, "memory_gb": 8, "python": "3.11", "packages": {}},
    }
    text = render_markdown(results)
    assert "## Transform" in text and "## End to end" in text and "## Landing" not in text


def test_parts():
    assert parse_parts("nightly, transform") == ("transform", "nightly")
    assert parse_parts(",".join(PARTS)) == PARTS
    with pytest.raises(SystemExit):
        parse_parts("landing,celery")


def test_the_figures_name_the_commit_they_measured():
    results = {
        "size": "small",
        "measured_at": "now",
        "commit": "abc1234+changes",
        "postgres": "16",
        "machine": {"platform": "linux", "cpus": 2, "memory_gb": 8, "python": "3.11", "packages": {}},
    }
    assert "`make bench` (size `small`) of commit abc1234+changes, now." in render_markdown(results)
