"""From the SDK's GoogleAdsRow to landing frames: exact numbers, names, ids and days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from google.ads.googleads.v26.enums.types.ad_group_ad_status import AdGroupAdStatusEnum
from google.ads.googleads.v26.enums.types.ad_type import AdTypeEnum
from google.ads.googleads.v26.enums.types.campaign_status import CampaignStatusEnum
from google.ads.googleads.v26.enums.types.keyword_match_type import KeywordMatchTypeEnum
from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

from metrics_pipeline.sources.google_ads.extract import (
    LANDING_SCHEMAS,
    ad_record,
    campaign_metric_record,
    campaign_record,
    click_through_window_days,
    click_view_record,
    conversion_window_days,
    customer_profile,
    decimal_text,
    enum_name,
    keyword_record,
    landing_frame,
    metric_record,
    profile_record,
    resource_id,
    unique_in_order,
)
from metrics_pipeline.sources.google_ads.load import closed_days, local_today


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.5, "2.5"),
        (0.33, "0.33"),  # no exact double: float arithmetic would print 0.33000000000000001554...
        (1234567.89, "1234567.89"),
        (0.0, "0.0"),
        (3.0, "3.0"),
        (1e-07, "0.0000001"),
        (1e16, "10000000000000000"),
        (0.1 + 0.2, "0.30000000000000004"),  # a double that really is that: kept, not rounded away
    ],
)
def test_doubles_become_the_decimal_text_they_were_written_as(value, text):
    assert decimal_text(value) == text
    assert Decimal(decimal_text(value)) == Decimal(repr(value))


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_doubles_are_refused(value):
    with pytest.raises(ValueError):
        decimal_text(value)


def test_resource_names_give_their_last_id():
    assert resource_id("customers/2222222221/adGroupAds/100010101000~500010101010") == 500010101010
    assert resource_id("customers/2222222221/adGroupCriteria/100010101000~900010101002") == 900010101002
    assert resource_id("customers/2222222221/campaigns/10010100000") == 10010100000
    assert resource_id("") is None
    with pytest.raises(ValueError):
        resource_id("adGroupAds/12~34")


def metrics_row(**metrics) -> GoogleAdsRow:
    row = GoogleAdsRow()
    row.campaign.id = 10010100000
    row.ad_group.id = 100010101000
    row.ad_group_ad.ad.id = 500010101010
    row.segments.date = "2026-09-15"
    for name, value in metrics.items():
        setattr(row.metrics, name, value)
    return GoogleAdsRow.deserialize(GoogleAdsRow.serialize(row))  # as it comes off the wire


def test_a_metrics_row_keeps_micros_as_integers_and_conversions_as_exact_decimals():
    record = metric_record(
        metrics_row(cost_micros=123_450_000, impressions=4000, clicks=87, conversions=2.33, conversions_value=1234.56)
    )
    assert record == {
        "campaign_id": 10010100000,
        "ad_group_id": 100010101000,
        "ad_id": 500010101010,
        "metric_date": date(2026, 9, 15),
        "cost_micros": 123_450_000,
        "impressions": 4000,
        "clicks": 87,
        "conversions": "2.33",
        "conversions_value": "1234.56",
    }


def test_unset_metrics_are_zero():
    record = metric_record(metrics_row())
    assert (record["cost_micros"], record["conversions"], record["conversions_value"]) == (0, "0.0", "0.0")


def test_entity_rows_carry_enum_names_and_empty_ad_names_become_null():
    row = GoogleAdsRow()
    row.campaign.id = 10010500000
    row.campaign.name = "Display | Remarketing 2025"
    row.campaign.status = CampaignStatusEnum.CampaignStatus.REMOVED
    assert campaign_record(row) == {
        "campaign_id": 10010500000,
        "name": "Display | Remarketing 2025",
        "status": "REMOVED",
        "advertising_channel_type": "UNSPECIFIED",
        "bidding_strategy_type": "UNSPECIFIED",
    }
    ad_row = GoogleAdsRow()
    ad_row.campaign.id, ad_row.ad_group.id, ad_row.ad_group_ad.ad.id = 1, 2, 3
    ad_row.ad_group_ad.ad.type_ = AdTypeEnum.AdType.RESPONSIVE_SEARCH_AD
    ad_row.ad_group_ad.status = AdGroupAdStatusEnum.AdGroupAdStatus.PAUSED
    assert ad_record(ad_row) == {
        "ad_group_id": 2,
        "ad_id": 3,
        "campaign_id": 1,
        "name": None,
        "status": "PAUSED",
        "type": "RESPONSIVE_SEARCH_AD",
    }
    keyword_row = GoogleAdsRow()
    keyword_row.ad_group_criterion.criterion_id = 9
    keyword_row.ad_group_criterion.keyword.text = "rain shell"
    keyword_row.ad_group_criterion.keyword.match_type = KeywordMatchTypeEnum.KeywordMatchType.PHRASE
    assert keyword_record(keyword_row)["match_type"] == "PHRASE"
    assert enum_name(42) == "42"  # a value newer than the SDK arrives as a bare int


def test_a_click_view_points_at_its_ad_and_keyword_when_it_has_one():
    row = GoogleAdsRow()
    row.campaign.id, row.ad_group.id = 10010100000, 100010101000
    row.segments.date = "2026-09-01"
    row.click_view.gclid = "Cj0KCQjwabc"
    row.click_view.ad_group_ad = "customers/2222222221/adGroupAds/100010101000~500010101010"
    assert click_view_record(row) == {
        "click_date": date(2026, 9, 1),
        "gclid": "Cj0KCQjwabc",
        "campaign_id": 10010100000,
        "ad_group_id": 100010101000,
        "ad_id": 500010101010,
        "keyword_criterion_id": None,
    }
    row.click_view.keyword = "customers/2222222221/adGroupCriteria/100010101000~900010101002"
    assert click_view_record(row)["keyword_criterion_id"] == 900010101002


def test_landing_frames_have_exactly_the_table_columns_and_types():
    lineage = {"ingestion_run_id": "run-1", "extracted_at": "2026-11-01T12:00:00+00:00"}
    frame = landing_frame(
        "ad_daily_metrics", [metric_record(metrics_row(cost_micros=10_000, conversions=0.5))], customer_id=7, **lineage
    )
    assert frame.schema == pl.Schema(LANDING_SCHEMAS["ad_daily_metrics"])
    assert frame.row(0, named=True)["customer_id"] == 7
    assert frame.row(0, named=True)["conversions"] == "0.5"
    empty = landing_frame("click_views", [], customer_id=7, **lineage)
    assert empty.height == 0 and empty.columns == list(LANDING_SCHEMAS["click_views"])
    with pytest.raises(ValueError, match="no such column"):
        landing_frame("campaigns", [{"campaign_id": 1, "budget": 5}], customer_id=7, **lineage)


def test_a_customer_row_says_who_reached_it():
    row = GoogleAdsRow()
    row.customer.id = 2222222222
    row.customer.descriptive_name = "Bloom Beauty UK"
    row.customer.currency_code = "GBP"
    row.customer.time_zone = "Europe/London"
    profile = customer_profile(row)
    record = profile_record(profile, connection_id="northstar-google", manager_customer_id="1111111111")
    assert record == {
        "conversion_window_days": None,
        "customer_id": 2222222222,
        "manager_customer_id": 1111111111,
        "connection_id": "northstar-google",
        "descriptive_name": "Bloom Beauty UK",
        "currency_code": "GBP",
        "time_zone": "Europe/London",
        "is_manager": False,
        "status": "UNSPECIFIED",
    }


def test_a_day_is_closed_once_it_is_over_in_the_customers_time_zone():
    days = [date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1)]
    now = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)  # 22:30 on Oct 31 in New York, 03:30 Nov 1 in Berlin
    assert local_today("America/New_York", now) == date(2026, 10, 31)
    assert closed_days(days, "America/New_York", now) == [date(2026, 10, 30)]
    assert closed_days(days, "Europe/Berlin", now) == [date(2026, 10, 30), date(2026, 10, 31)]


def test_a_campaign_metrics_row_has_the_campaign_and_day_and_exact_numbers():
    row = metrics_row(cost_micros=98_760_000, impressions=5000, clicks=120, conversions=3.67, conversions_value=410.2)
    assert campaign_metric_record(row) == {
        "campaign_id": 10010100000,
        "metric_date": date(2026, 9, 15),
        "cost_micros": 98_760_000,
        "impressions": 5000,
        "clicks": 120,
        "conversions": "3.67",
        "conversions_value": "410.2",
    }
    frame = landing_frame(
        "campaign_daily_metrics",
        [campaign_metric_record(row)],
        customer_id=7,
        ingestion_run_id="run-1",
        extracted_at="2026-11-01T12:00:00+00:00",
    )
    assert frame.schema == pl.Schema(LANDING_SCHEMAS["campaign_daily_metrics"])


def test_the_conversion_window_is_the_longest_enabled_click_through_window_else_30_and_at_most_90():
    row = GoogleAdsRow()
    row.conversion_action.click_through_lookback_window_days = 45
    assert click_through_window_days(row) == 45
    assert conversion_window_days([30, 7, 45]) == 45
    assert conversion_window_days([]) == 30  # no enabled conversion action: Google's default
    assert conversion_window_days([0]) == 30  # unset on the wire
    assert conversion_window_days([120]) == 90


def test_discovered_accounts_are_synced_once_each_in_the_order_found():
    assert unique_in_order(["2", "1", "2", "3", "1"]) == ["2", "1", "3"]
