"""The CLI a data engineer uses: `run` over the sandbox (S3 server, Postgres-backed Dagster
instance, dbt build with its tests), a rerun that changes nothing, and `status`."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import dagster as dg
import pytest

from metrics_pipeline.cli import main
from metrics_pipeline.defs.media_partner import FILES_CHECK, LANDING_KEY
from metrics_pipeline.config import load_config
from metrics_pipeline.warehouse import PROJECT_ROOT
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

MARTS = ("dim_ad_entities", "fct_media_partner_daily", "weekly_summaries", "monthly_summaries")


def snapshot_marts(url):
    return {table: fetch_all(url, f"select * from marts.{table} order by 1, 2, 3") for table in MARTS}


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def cli_env(served_world, database_url, dagster_home, restore_environ, monkeypatch):
    monkeypatch.setenv("METRICS_DAGSTER_HOME", str(dagster_home))
    return served_world


def test_run_builds_every_mart_and_spend_reconciles_with_landed_rows(cli_env, database_url, capsys):
    world = cli_env.world
    assert main(["run", "--start", world.start.isoformat(), "--end", world.end.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"[61/61] {world.end}" in out
    assert "FAILED" in out and world.wrong_header_file.relative_key in out  # reported, not fatal
    assert "Completed successfully" in out  # dbt build, tests included

    # The run lives in the Postgres-backed instance (schema dagster), as the UI will see it.
    [(runs,)] = fetch_all(database_url, "select count(*) from dagster.runs where status = 'SUCCESS'")
    assert runs == 1

    # The landing asset's check failed, naming the unreadable file, while the run succeeded.
    instance = dg.DagsterInstance.get()
    check_key = dg.AssetCheckKey(LANDING_KEY, FILES_CHECK)
    [record] = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=1)
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed is False
    assert world.wrong_header_file.relative_key in evaluation.metadata["failed_files"].value

    # Spend recomputed here in Decimal from the landed rows and the YAML's CPM rates.
    config = load_config(world.config_path)
    landed = fetch_all(
        database_url,
        "select client_slug, report_date, impressions from raw_media_partner.daily_exports",
    )
    expected: dict[str, Decimal] = {}
    for client_slug, day, impressions in landed:
        cpm = config.client(client_slug).cpm_in_force(day)
        expected[client_slug] = expected.get(client_slug, Decimal(0)) + Decimal(impressions) * cpm / 1000
    for table in ("fct_media_partner_daily", "weekly_summaries", "monthly_summaries"):
        actual = dict(fetch_all(database_url, f"select client_slug, sum(spend) from marts.{table} group by 1"))
        assert actual == expected, table

    # The CPM change shows in the daily rate on either side of its day.
    change = world.cpm_changes[0]
    rates = dict(
        fetch_all(
            database_url,
            "select report_date, min(cpm_rate) from marts.fct_media_partner_daily "
            "where client_slug = %s and report_date in (%s, %s) group by 1",
            (change.client_slug, change.effective_from - timedelta(days=1), change.effective_from),
        )
    )
    assert rates == {
        change.effective_from - timedelta(days=1): change.old_cpm,
        change.effective_from: change.new_cpm,
    }


def test_rerunning_part_of_the_range_leaves_marts_identical(cli_env, database_url):
    world = cli_env.world
    before = snapshot_marts(database_url)
    assert before["fct_media_partner_daily"]
    bad_day = world.malformed_row.relative_key.rsplit("/", 1)[1].removesuffix(".csv")
    assert main(["run", "--start", bad_day, "--end", (world.end).isoformat()]) == 0
    assert snapshot_marts(database_url) == before


def test_status_lists_the_latest_attempt_per_file(cli_env, capsys):
    assert main(["status", "--source", "media_partner", "--limit", "500"]) == 0
    out = capsys.readouterr().out
    bad = cli_env.world.wrong_header_file.relative_key
    [line] = [line for line in out.splitlines() if bad in line]
    assert " failed " in line and "missing column(s)" in line
    assert "latest attempt per source, partition and file: 181 completed, 1 failed, 1 partial" in out


def test_run_refuses_days_outside_the_partitions(cli_env, capsys):
    assert main(["run", "--start", "2001-01-01", "--end", "2001-01-02"]) == 2
    assert "must be closed days between" in capsys.readouterr().err
