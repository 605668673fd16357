"""Pure pieces of the Meta connector: request parameters, paging, landing rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
import requests
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.campaign import Campaign

from metrics_pipeline.config import Connection
from metrics_pipeline.operations.call_retry import BackoffPolicy
from metrics_pipeline.sources.meta.client import GraphCaller
from metrics_pipeline.sources.meta.extract import (
    AccountEntities,
    all_pages,
    every_effective_status,
    insights_params,
)
from metrics_pipeline.sources.meta.load import restatement_days
from metrics_pipeline.sources.meta.rows import (
    InsightRowError,
    account_day_row,
    attribution_label,
    entity_frames,
    insight_row,
    insights_frame,
)

CONNECTION = Connection(
    id="c",
    workspace_slug="ws",
    provider="meta",
    client_slug=None,
    account_ids=("1",),
    manager_customer_id=None,
    status="active",
    sync_frequency="daily",
    lookback_days=28,
    credentials_env_prefix="C",
    attribution_windows=("7d_click", "1d_view"),
    purchase_action_types=("offsite_conversion.fb_pixel_purchase",),
    lead_action_types=("lead",),
)
RAW = {
    "account_id": "1",
    "campaign_id": "11",
    "adset_id": "111",
    "ad_id": "1111",
    "date_start": "2026-10-10",
    "date_stop": "2026-10-10",
    "spend": "1234.50",
    "impressions": "100000",
    "clicks": "2500",
    "actions": [{"action_type": "offsite_conversion.fb_pixel_purchase", "value": "5", "7d_click": "4", "1d_view": "1"}],
    "action_values": [
        {
            "action_type": "offsite_conversion.fb_pixel_purchase",
            "value": "500.00",
            "7d_click": "400.00",
            "1d_view": "100.00",
        }
    ],
}


def test_the_restatement_window_ends_with_the_last_day():
    window = restatement_days(date(2026, 10, 31), 28)
    assert (len(window), window[0], window[-1]) == (28, date(2026, 10, 4), date(2026, 10, 31))
    assert restatement_days(date(2026, 10, 31), 0) == [date(2026, 10, 31)]


def test_every_status_includes_deleted_and_archived():
    assert {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"} <= set(every_effective_status(Campaign.EffectiveStatus))
    assert "CAMPAIGN_PAUSED" in every_effective_status(Ad.EffectiveStatus)


def test_insights_are_asked_per_ad_and_day_with_every_status_and_the_windows():
    params = insights_params(date(2026, 10, 1), date(2026, 10, 7), ("7d_click", "1d_view"))
    assert params["level"] == "ad" and params["time_increment"] == 1
    assert params["time_range"] == {"since": "2026-10-01", "until": "2026-10-07"}
    assert params["action_attribution_windows"] == ["7d_click", "1d_view"]
    (status_filter,) = params["filtering"]
    assert status_filter["field"] == "ad.effective_status" and status_filter["operator"] == "IN"
    assert {"DELETED", "ARCHIVED"} <= set(status_filter["value"])


def test_the_unified_attribution_setting_replaces_the_windows():
    params = insights_params(
        date(2026, 10, 1), date(2026, 10, 1), ("7d_click", "1d_view"), use_unified_attribution_setting=True
    )
    assert params["use_unified_attribution_setting"] is True
    assert "action_attribution_windows" not in params
    unified = replace(CONNECTION, attribution_windows=(), use_unified_attribution_setting=True)
    assert attribution_label(unified) == "unified"
    assert attribution_label(CONNECTION) == "7d_click,1d_view"
    # without per-window keys each entry's value (the ad set's own setting) counts
    row = insight_row(RAW, "1", unified)
    assert (row.purchases, row.purchase_value) == (Decimal("5"), Decimal("500.00"))


def test_the_bill_is_asked_per_account_and_day_without_status_filter_or_windows():
    params = insights_params(date(2026, 10, 1), date(2026, 10, 7), ("7d_click",), level="account")
    assert params["level"] == "account" and params["time_increment"] == 1
    assert "filtering" not in params and "action_attribution_windows" not in params


def test_an_account_day_row_keeps_the_billed_spend_exact_and_refuses_bad_rows():
    raw = {"account_id": "1", "date_start": "2026-10-10", "date_stop": "2026-10-10", "spend": "1234.56"}
    row = account_day_row({**raw, "impressions": "10", "clicks": "2"}, "1")
    assert (row.date_start, row.spend, row.impressions, row.clicks) == (date(2026, 10, 10), "1234.56", 10, 2)
    with pytest.raises(InsightRowError, match="act_1 account insights 2026-10-10: negative spend"):
        account_day_row({**raw, "spend": "-1"}, "1")
    with pytest.raises(InsightRowError, match="not a daily row"):
        account_day_row({**raw, "date_stop": "2026-10-11"}, "1")


class _Item(dict):
    def export_all_data(self):
        return dict(self)


class _PagedListing:
    """Behaves like the SDK's Cursor: one page queued at a time; the position only moves once a
    page has arrived. The first request for page `fail_on_page` drops, as a network error would."""

    def __init__(self, pages: list[list[dict]], fail_on_page: int):
        self.pages, self.fail_on_page, self.page = pages, fail_on_page, 0
        self.queue = [_Item(x) for x in pages[0]]
        self.requests = 1

    def __len__(self):
        return len(self.queue)

    def __getitem__(self, index):
        return self.queue[index]

    def load_next_page(self):
        self.requests += 1
        if self.page + 1 == self.fail_on_page:
            self.fail_on_page = -1
            raise requests.ConnectionError("connection reset mid-listing")
        self.page += 1
        self.queue = [_Item(x) for x in self.pages[self.page]] if self.page < len(self.pages) else []
        return bool(self.queue)


def test_a_failure_mid_listing_retries_that_page_only():
    listing = _PagedListing([[{"id": "1"}, {"id": "2"}], [{"id": "3"}, {"id": "4"}], [{"id": "5"}]], fail_on_page=1)
    caller = GraphCaller(BackoffPolicy(max_attempts=3, base_delay=0, max_delay=0), sleep=lambda seconds: None)

    assert [x["id"] for x in all_pages(lambda: listing, caller, "test")] == ["1", "2", "3", "4", "5"]
    assert listing.requests == 5  # 3 pages, the end of the listing, and the one retry


def test_an_insight_row_keeps_spend_as_sent_and_maps_conversions():
    row = insight_row(RAW, "1", CONNECTION)
    assert row.spend == "1234.50"
    assert (row.impressions, row.clicks) == (100000, 2500)
    assert (row.purchases, row.purchase_value, row.leads) == (Decimal(5), Decimal("500.00"), Decimal(0))
    assert row.date_start == date(2026, 10, 10)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"spend": "-1.00"}, "negative spend"),
        ({"spend": "12,50"}, "spend"),
        ({"impressions": "12.5"}, "impressions"),
        ({"date_stop": "2026-10-11"}, "not a daily row"),
        ({"ad_id": None, "date_start": "yesterday"}, "yesterday"),
    ],
)
def test_an_insight_row_that_cannot_be_landed_says_why(change, reason):
    raw = {**RAW, **change}
    with pytest.raises(InsightRowError, match=reason):
        insight_row(raw, "1", CONNECTION)


def test_frames_carry_money_as_text_never_float():
    frame = insights_frame(
        [insight_row(RAW, "1", CONNECTION)],
        attribution_windows=("7d_click", "1d_view"),
        run_id="r",
        extracted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert frame.schema["spend"] == pl.Utf8 and frame.schema["purchase_value"] == pl.Utf8
    assert frame.row(0, named=True)["spend"] == "1234.50"
    assert frame.row(0, named=True)["attribution_windows"] == "7d_click,1d_view"
    assert not any(dtype in (pl.Float32, pl.Float64) for dtype in frame.schema.values())


def test_entity_times_become_iso_timestamps():
    entities = AccountEntities(
        campaigns=[
            {
                "id": "11",
                "name": "C",
                "status": "DELETED",
                "effective_status": "DELETED",
                "objective": "OUTCOME_SALES",
                "created_time": "2026-07-01T09:15:00-0400",
            }
        ],
        adsets=[],
        ads=[],
    )
    frames = entity_frames(entities, "1", run_id="r", extracted_at=datetime(2026, 11, 1, tzinfo=UTC))
    campaign = frames["raw_meta.campaigns"].row(0, named=True)
    assert campaign["created_time"] == "2026-07-01T09:15:00-04:00" and campaign["updated_time"] is None
    assert frames["raw_meta.ads"].height == 0
