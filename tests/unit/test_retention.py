import re
from datetime import date, datetime

import polars as pl
import pytest

from metrics_pipeline.config import ConfigError, RetentionSettings, load_config
from metrics_pipeline.retention.archive import merge_month, polars_type
from metrics_pipeline.retention.plan import (
    RETAINED_TABLES,
    archivable_months,
    archive_before,
    archive_key,
    months_between,
    parse_month,
    retained_table,
    retention_days,
)
from metrics_pipeline.warehouse.migrations import MIGRATIONS_DIR

WORKSPACES = """
workspaces:
  - slug: northstar
    name: Northstar
    clients: [{slug: acme, name: Acme, currency: USD}]
"""


def _load(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(WORKSPACES + text)
    return load_config(path)


def test_without_a_retention_section_there_is_none(tmp_path):
    assert _load(tmp_path, "").retention is None


def test_the_section_defaults_to_two_years_of_metrics_and_one_of_events(tmp_path):
    assert _load(tmp_path, "retention: {}\n").retention == RetentionSettings(730, 365)
    assert _load(tmp_path, "retention: {tracking_events_days: 400}\n").retention == RetentionSettings(730, 400)


def test_every_problem_of_the_section_is_reported_with_its_key_path(tmp_path):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "retention: {ad_metrics_days: '2y', tracking_events_days: 30, raw_days: 5}\n")
    problems = caught.value.problems
    assert "retention.raw_days: unknown key (allowed: ad_metrics_days, tracking_events_days)" in problems
    assert any(p.startswith("retention.ad_metrics_days: must be a whole number of days") for p in problems)
    assert any(
        p.startswith("retention.tracking_events_days: must be a whole number of days, at least 180") for p in problems
    )
    assert str(tmp_path / "config.yaml") + ": retention.raw_days" in str(caught.value)
    with pytest.raises(ConfigError, match="retention: must be a mapping"):
        _load(tmp_path, "retention: 730\n")


def test_only_whole_months_before_the_cut_off_are_archived():
    # 730 days before 2026-11-20 is 2024-11-20: November 2024 still has days to keep
    assert archive_before(date(2026, 11, 20), 730) == date(2024, 11, 1)
    months = [date(2024, 9, 1), date(2024, 10, 1), date(2024, 11, 1), date(2025, 1, 1)]
    assert archivable_months(months, date(2026, 11, 20), 730) == [date(2024, 9, 1), date(2024, 10, 1)]
    # a cut-off on the first of a month archives the month before it whole
    assert archive_before(date(2025, 12, 1), 365) == date(2024, 12, 1)
    assert archivable_months([date(2024, 11, 1), date(2024, 12, 1)], date(2025, 12, 1), 365) == [date(2024, 11, 1)]


def test_each_table_uses_its_setting():
    settings = RetentionSettings(ad_metrics_days=800, tracking_events_days=200)
    assert retention_days(retained_table("raw_meta.ad_daily_insights"), settings) == 800
    assert retention_days(retained_table("raw_affiliate.events"), settings) == 200


def test_archive_keys_are_one_file_per_table_month():
    table = retained_table("raw_google_ads.ad_daily_metrics")
    assert archive_key(table, date(2024, 3, 1)) == "archive/raw_google_ads.ad_daily_metrics/2024-03.parquet"


def test_months_parse_and_span():
    assert parse_month("2024-02") == date(2024, 2, 1)
    for bad in ("2024-13", "2024-2", "24-02", "2024-02-01"):
        with pytest.raises(ValueError, match="not a month YYYY-MM"):
            parse_month(bad)
    assert months_between(date(2023, 11, 1), date(2024, 2, 1)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    with pytest.raises(ValueError, match="not a retained table"):
        retained_table("raw_amazon_ads.sales_reports")


def test_every_retained_table_and_day_column_exists_in_the_migrations():
    ddl = "\n".join(p.read_text() for p in sorted(MIGRATIONS_DIR.glob("*.sql")))
    for table in RETAINED_TABLES:
        match = re.search(rf"create table if not exists {re.escape(table.name)} \((.*?)\n\);", ddl, re.S)
        assert match, table.name
        assert re.search(rf"^\s+{table.day_column}\s+date\s+not null", match.group(1), re.M), table.name


def test_postgres_types_map_to_exact_parquet_columns():
    assert polars_type("numeric(20,6)") == pl.Decimal(20, 6)
    assert polars_type("timestamp with time zone") == pl.Datetime("us", "UTC")
    assert polars_type("date") == pl.Date()
    assert polars_type("jsonb") == pl.String()  # Postgres' text of the value
    assert polars_type("numeric") == pl.String()


def test_re_archiving_a_month_replaces_rows_by_key_and_keeps_the_others():
    existing = pl.DataFrame({"id": [1, 2, 3], "day": [date(2024, 1, 1)] * 3, "v": ["a", "b", "c"]})
    landed = pl.DataFrame({"id": [2, 4], "day": [date(2024, 1, 2)] * 2, "v": ["B", "d"]})
    merged = merge_month(existing, landed, ["id"], "day")
    assert merged.rows() == [
        (1, date(2024, 1, 1), "a"),
        (2, date(2024, 1, 2), "B"),
        (3, date(2024, 1, 1), "c"),
        (4, date(2024, 1, 2), "d"),
    ]
    assert merge_month(merged, landed, ["id"], "day").equals(merged)  # idempotent
    # without a primary key a landed day replaces that day whole
    by_day = merge_month(existing, landed, [], "day")
    assert sorted(by_day["v"].to_list()) == ["B", "a", "b", "c", "d"]
    assert merge_month(None, landed, ["id"], "day").equals(landed)


@pytest.mark.parametrize(("section", "runs"), [("", False), ("retention: {ad_metrics_days: 800}\n", True)])
def test_the_monthly_schedule_runs_only_with_a_retention_section(tmp_path, section, runs):
    import dagster as dg

    from metrics_pipeline.definitions import defs
    from metrics_pipeline.lib.resources import PipelineConfigResource

    path = tmp_path / "config.yaml"
    path.write_text(WORKSPACES + section)
    schedule = defs.get_repository_def().get_schedule_def("retention_monthly")
    assert schedule.job_name == "retention_archive"
    tick = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 2, 4, 0),
        resources={"pipeline_config": PipelineConfigResource(path=str(path))},
    )
    requests = list(schedule.evaluate_tick(tick).run_requests or [])
    assert [r.run_key for r in requests] == (["retention-2026-12"] if runs else [])


def test_a_full_refresh_warns_of_archived_months_and_says_how_to_restore():
    from metrics_pipeline.retention.archive import full_refresh_warning

    assert full_refresh_warning([]) is None
    months = [
        ("raw_meta.ad_daily_insights", date(2024, 3, 1), "archive/raw_meta.ad_daily_insights/2024-03.parquet"),
        (
            "raw_media_partner.daily_exports",
            date(2024, 1, 1),
            "archive/raw_media_partner.daily_exports/2024-01.parquet",
        ),
    ]
    warning = full_refresh_warning(months)
    assert warning.startswith("2 table-month(s) from 2024-01 to 2024-03 are archived")
    assert "metrics-pipeline retention restore" in warning
