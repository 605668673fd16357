"""The sandbox's Amazon Ads exports through the `amazon_ads_daily` job (config, landing, dbt build
and tests) on a real Postgres, checked against the files themselves, read here with the csv module
as an independent oracle: per brand and day, the format first in amazon > helium10 > zonguru
among those present is the one that counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import polars as pl
import pytest

from metrics_pipeline.definitions import defs
from metrics_pipeline.sandbox import build_world
from metrics_pipeline.sandbox.amazon_world import FORMAT_PRECEDENCE
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

FIRST, LAST = date(2026, 9, 1), date(2026, 9, 7)
SPEND_COLUMN = {"amazon": "Spend", "helium10": "Spend", "zonguru": "Ad Spend"}


def amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text) or "0")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def ran(world, database_url):
    saved = pytest.MonkeyPatch()
    saved.setenv("METRICS_CONFIG", str(world.config_path))
    saved.setenv("METRICS_EXPORTS_URI", str(world.exports_dir))
    try:
        result = defs.resolve_job_def("amazon_ads_daily").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": FIRST.isoformat(),
                "dagster/asset_partition_range_end": LAST.isoformat(),
            },
            raise_on_error=False,
        )
    finally:
        saved.undo()
    return result


def spend_of_file(path, column: str) -> Decimal:
    """The file's spend column summed; a workbook read with calamine straight, every cell as text."""
    if path.suffix == ".xlsx":
        sheet = pl.read_excel(path, engine="calamine", read_options={"dtypes": "string"})
        return sum((amount(cell or "") for cell in sheet[column].to_list()), Decimal(0))
    text = path.read_text(encoding="utf-8")
    return sum((amount(r[column]) for r in csv.DictReader(io.StringIO(text))), Decimal(0))


def expected_spend(world) -> dict[tuple[str, date], Decimal]:
    """Per brand and day: the Sponsored Products report of the first format present (its .csv or
    .xlsx), plus Amazon's Sponsored Brands and Display reports, which only Amazon exports."""
    expected = {}
    day = FIRST
    while day <= LAST:
        for brand in world.amazon.brand_slugs:
            folder = world.exports_dir / f"amazon_ads/{brand}"
            present = [
                path
                for f in FORMAT_PRECEDENCE
                for path in (folder / f / f"{day}.csv", folder / f / f"{day}.xlsx")
                if path.is_file()
            ]
            winner = present[0]
            spend = spend_of_file(winner, SPEND_COLUMN[winner.parent.name])
            for other_report in sorted((folder / "amazon").glob(f"{day}_sponsored-*")):
                spend += spend_of_file(other_report, "Spend")
            expected[(brand, day)] = spend
        day += timedelta(days=1)
    return expected


def test_the_job_lands_builds_and_passes_every_check(ran):
    assert ran.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in ran.get_asset_check_evaluations()}
    assert checks[("amazon_ads/keyword_reports", "every_file_landed")]
    assert checks[("amazon_ads/sales_reports", "every_file_landed")]
    assert checks[("marts/fct_ad_entity_daily", "assert_amazon_ads_spend_reconciles_with_landed_rows")]
    assert checks[("marts/fct_amazon_keyword_daily", "assert_amazon_ads_spend_equals_landed")]
    assert all(checks.values()), [k for k, passed in checks.items() if not passed]


def test_spend_per_brand_and_day_is_the_winning_formats_and_joins_the_pnl(world, ran, database_url):
    rows = fetch_all(
        database_url,
        "select brand_slug, report_date, sum(spend) from marts.fct_amazon_keyword_daily group by 1, 2",
    )
    assert {(brand, day): spend for brand, day, spend in rows} == expected_spend(world)
    [(pnl_spend,)] = fetch_all(
        database_url,
        "select sum(spend) from marts.fct_ad_entity_daily where platform = 'amazon_ads' and level = 'account'",
    )
    assert pnl_spend == sum(expected_spend(world).values())


def test_each_overlap_logs_its_superseded_keyword_days_and_the_negative_clicks_row_is_quarantined(
    world, ran, database_url
):
    logs = fetch_all(
        database_url,
        "select target, message from ops.ingestion_logs where source = 'amazon_ads' and message like '%superseded%'",
    )
    superseded_files = {target.split("/amazon_ads/", 1)[1] for target, _ in logs}
    overlaps = {(b, d) for b, d in world.amazon.overlapping_days if FIRST <= d <= LAST}
    assert overlaps and superseded_files == {
        f"{brand}/{'helium10' if brand == 'acme-outdoor' else 'zonguru'}/{day}.csv" for brand, day in overlaps
    }
    assert all("superseded by amazon" in message for _, message in logs)
    bad = world.amazon.negative_clicks_row
    [(source_file, row_number, fields)] = fetch_all(
        database_url, "select source_file, row_number, fields from ops.rejected_rows where source = 'amazon_ads'"
    )
    assert (source_file.endswith(bad.relative_key), row_number, fields) == (True, bad.row_number, "clicks")


def test_the_sales_mart_floors_organic_sales_where_ads_claim_more(world, ran, database_url):
    brand, day, asin = world.amazon.ad_sales_above_total
    [(total, ad, organic, organic_units)] = fetch_all(
        database_url,
        "select total_sales, ad_attributed_sales, organic_sales, organic_units from marts.fct_sales_daily "
        "where channel = 'amazon' and store_id = %s and sales_date = %s and asin = %s",
        (brand, day, asin),
    )
    assert ad > total and organic == 0 and organic_units == 0
    skus = dict(
        fetch_all(database_url, "select distinct asin, sku from marts.fct_sales_daily where channel = 'amazon'")
    )
    assert skus["B0ACME0001"] == "AO-RAIN-01" and skus["B0ACME0003"] == "asin:B0ACME0003"
