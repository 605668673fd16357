"""TikTok Ads connector: the pure helpers (query encoding, the envelope, what an error means,
token renewal arithmetic, report ranges and paging, row shaping) and the connection config."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import yaml

from metrics_pipeline.config import ConfigError, load_config
from metrics_pipeline.operations.call_retry import GiveUp, RetriesExhausted, Retry
from metrics_pipeline.operations.failures import cause_from_decision
from metrics_pipeline.sandbox.tiktok_world import ACME_ADVERTISER_ID, build_tiktok_world
from metrics_pipeline.sources.registry import API_SOURCES, SOURCE_NAMES
from metrics_pipeline.sources.tiktok_ads.client import (
    TikTokAPIError,
    classify_tiktok_error,
    describe_error,
    envelope_data,
    is_auth_error,
    query_params,
)
from metrics_pipeline.sources.tiktok_ads.extract import page_list, report_params, report_ranges
from metrics_pipeline.sources.tiktok_ads.rows import ReportRowError, report_row, utc_timestamp


def api_error(code: int, http_status: int = 200) -> TikTokAPIError:
    return TikTokAPIError("what", code, "message", http_status=http_status, request_id="req-1")


# --------------------------------------------------------------------------- #
# The wire
# --------------------------------------------------------------------------- #


def test_lists_and_objects_travel_as_json_in_the_query_string():
    assert query_params(
        {
            "advertiser_id": "7100",
            "fields": ["ad_id", "ad_name"],
            "filtering": {"primary_status": "STATUS_ALL"},
            "dimensions": ("ad_id", "stat_time_day"),
            "page": 2,
            "enable_total_metrics": False,
            "unset": None,
        }
    ) == {
        "advertiser_id": "7100",
        "fields": '["ad_id","ad_name"]',
        "filtering": '{"primary_status":"STATUS_ALL"}',
        "dimensions": '["ad_id","stat_time_day"]',
        "page": "2",
        "enable_total_metrics": "false",
    }


def test_the_envelope_gives_its_data_on_code_0_and_raises_on_anything_else():
    assert envelope_data({"code": 0, "message": "OK", "request_id": "r", "data": {"list": []}}, what="x") == {
        "list": []
    }
    with pytest.raises(TikTokAPIError) as refused:
        envelope_data({"code": 40100, "message": "Too many requests", "request_id": "r9", "data": {}}, what="ads")
    assert (refused.value.code, refused.value.request_id, refused.value.api_message) == (
        40100,
        "r9",
        "Too many requests",
    )
    assert "ads: TikTok API code 40100 (HTTP 200)" in str(refused.value)
    for not_an_envelope in (None, "Service Unavailable", {"data": {}}, {"code": "x"}):
        with pytest.raises(TikTokAPIError) as bad:
            envelope_data(not_an_envelope, what="x", http_status=503)
        assert bad.value.code == -1 and bad.value.http_status == 503


@pytest.mark.parametrize(
    ("error", "decision"),
    [
        (api_error(40100), Retry),  # QPS / QPM / QPD limit
        (api_error(50000), Retry),  # system error
        (api_error(-1, http_status=503), Retry),  # a gateway with no envelope
        (api_error(-1, http_status=429), Retry),
        (requests.ConnectionError("reset"), Retry),
        (requests.Timeout("slow"), Retry),
        (api_error(40102), GiveUp),  # expired access token: the client refreshes it, not the retry
        (api_error(40105), GiveUp),
        (api_error(40107), GiveUp),  # refresh token expired
        (api_error(40101), GiveUp),  # app id or secret
        (api_error(40001), GiveUp),  # no permission for the advertiser
        (api_error(40002), GiveUp),  # a bad parameter: asking again gets the same answer
        (ValueError("bug"), GiveUp),
    ],
)
def test_what_an_error_means(error, decision):
    assert isinstance(classify_tiktok_error(error), decision)


def test_credential_errors_are_permanent_and_throttling_that_never_lifts_transient():
    assert is_auth_error(api_error(40107)) and is_auth_error(api_error(40001))
    assert not is_auth_error(api_error(40100)) and not is_auth_error(api_error(50000))
    assert cause_from_decision(api_error(40107), classify_tiktok_error, auth_error=True).kind == "permanent"
    exhausted = RetriesExhausted("report", 6, api_error(40100), "rate limited")
    assert cause_from_decision(exhausted, classify_tiktok_error, auth_error=False).kind == "transient"
    assert cause_from_decision(api_error(40002), classify_tiktok_error, auth_error=False).kind != "transient"


def test_error_messages_name_the_code_and_never_a_secret():
    secret = "refresh-token-value-123456"
    error = TikTokAPIError("oauth2/refresh_token", 40107, f"token {secret} expired", request_id="r1")
    text = describe_error(error, secrets=(secret,))
    assert "40107" in text and "request_id r1" in text and "refresh token" in text
    assert secret not in text
    assert "gave up after 6 attempts" in describe_error(RetriesExhausted("x", 6, api_error(40100), "rate limited"))


# --------------------------------------------------------------------------- #
# Report ranges and paging
# --------------------------------------------------------------------------- #


def test_report_ranges_are_at_most_30_days_and_cover_every_day():
    ranges = report_ranges(date(2026, 8, 3), date(2026, 10, 31), 30)
    assert ranges == [
        (date(2026, 8, 3), date(2026, 9, 1)),
        (date(2026, 9, 2), date(2026, 10, 1)),
        (date(2026, 10, 2), date(2026, 10, 31)),
    ]
    assert report_ranges(date(2026, 9, 1), date(2026, 9, 1), 30) == [(date(2026, 9, 1), date(2026, 9, 1))]
    assert report_ranges(date(2026, 9, 2), date(2026, 9, 1), 30) == []


def test_report_params_ask_for_ad_level_daily_rows_with_their_parents():
    params = report_params("7100", date(2026, 9, 1), date(2026, 9, 30), page=3, page_size=1000)
    assert params["report_type"] == "BASIC" and params["data_level"] == "AUCTION_AD"
    assert params["dimensions"] == ["ad_id", "stat_time_day"]
    assert {"spend", "campaign_id", "adgroup_id", "currency"} <= set(params["metrics"])
    assert (params["start_date"], params["end_date"], params["page"], params["page_size"]) == (
        "2026-09-01",
        "2026-09-30",
        3,
        1000,
    )


def test_page_list_reads_total_page_and_refuses_what_is_not_a_page():
    assert page_list({"list": [{"a": 1}], "page_info": {"page": 1, "total_page": 4}}, "x") == ([{"a": 1}], 4)
    assert page_list({"list": [], "page_info": {"page": 1, "total_page": 0}}, "x") == ([], 0)
    assert page_list({"list": [{"a": 1}]}, "x") == ([{"a": 1}], 1)
    for bad in (None, {"list": "x"}, {"list": [], "page_info": {"total_page": "many"}}):
        with pytest.raises(TikTokAPIError):
            page_list(bad, "x")


# --------------------------------------------------------------------------- #
# Rows
# --------------------------------------------------------------------------- #


def raw_row(**metrics) -> dict:
    base = {
        "campaign_id": "c1",
        "adgroup_id": "g1",
        "currency": "USD",
        "spend": "12.34",
        "impressions": "1000",
        "clicks": "12",
        "conversion": "3",
        "complete_payment": "2",
        "total_complete_payment_rate": "89.90",
    }
    return {"dimensions": {"ad_id": "a1", "stat_time_day": "2026-09-01 00:00:00"}, "metrics": {**base, **metrics}}


def test_a_report_row_keeps_money_exact_as_the_api_wrote_it():
    row = report_row(raw_row(spend="0.10"), "7100", "USD")
    assert (row.ad_id, row.adgroup_id, row.campaign_id, row.stat_date) == ("a1", "g1", "c1", date(2026, 9, 1))
    assert (row.spend, row.purchase_value, row.impressions, row.clicks) == ("0.10", "89.90", 1000, 12)
    assert (row.conversions, row.purchases) == ("3", "2")
    # TikTok writes "-" for a metric it has nothing for
    assert report_row(raw_row(complete_payment="-", total_complete_payment_rate=""), "7100", "USD").purchases == "0"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"spend": "-1.00"}, "negative"),
        ({"spend": 1.1}, "decimal string"),
        ({"spend": "abc"}, "not a number"),
        ({"clicks": "1.5"}, "whole number"),
        ({"currency": "EUR"}, "not the advertiser's USD"),
        ({"campaign_id": ""}, "campaign_id or adgroup_id missing"),
    ],
)
def test_a_bad_report_row_is_refused_with_where_and_why(change, complaint):
    with pytest.raises(ReportRowError) as refused:
        report_row(raw_row(**change), "7100", "USD")
    assert complaint in str(refused.value) and "advertiser 7100 ad a1" in str(refused.value)


def test_a_row_without_an_ad_or_a_day_is_refused():
    with pytest.raises(ReportRowError, match="no ad_id"):
        report_row(
            {"dimensions": {"stat_time_day": "2026-09-01 00:00:00"}, "metrics": raw_row()["metrics"]}, "7", "USD"
        )
    with pytest.raises(ReportRowError, match="is not a day"):
        report_row(
            {"dimensions": {"ad_id": "a1", "stat_time_day": "soon"}, "metrics": raw_row()["metrics"]}, "7", "USD"
        )


def test_entity_times_are_utc():
    assert utc_timestamp("2026-07-01 09:15:00") == "2026-07-01T09:15:00+00:00"
    assert utc_timestamp(None) is None


# --------------------------------------------------------------------------- #
# Declaration, config, world
# --------------------------------------------------------------------------- #


def test_tiktok_ads_is_a_registered_daily_api_source():
    assert "tiktok_ads" in SOURCE_NAMES
    source = next(s for s in API_SOURCES if s.name == "tiktok_ads")
    assert source.partitioned and source.tables[0].name == "ad_daily_reports"
    assert source.tables[0].money_columns == ("spend", "purchase_value")


def write_config(tmp_path, connection: dict) -> str:
    document = {
        "workspaces": [
            {
                "slug": "northstar",
                "name": "Northstar",
                "clients": [{"slug": "acme", "name": "Acme", "currency": "USD", "timezone": "UTC"}],
                "connections": [connection],
            }
        ]
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_tiktok_connection_lists_advertiser_ids_and_reads_28_days_back_by_default(tmp_path):
    config = load_config(
        write_config(
            tmp_path,
            {
                "id": "acme-tiktok",
                "provider": "tiktok",
                "client": "acme",
                "advertiser_ids": ["7100000000000000001", 7100000000000000002],
                "credentials_env_prefix": "ACME_TIKTOK",
            },
        )
    )
    (connection,) = config.connections_for("tiktok")
    assert connection.account_ids == ("7100000000000000001", "7100000000000000002")
    assert connection.lookback_days == 28
    with pytest.raises(ConfigError) as missing:
        connection.credentials({})
    assert "ACME_TIKTOK_APP_ID" in str(missing.value.problems) and "ACME_TIKTOK_REFRESH_TOKEN" in str(
        missing.value.problems
    )


def test_a_bad_tiktok_connection_is_reported(tmp_path):
    with pytest.raises(ConfigError) as bad:
        load_config(
            write_config(
                tmp_path,
                {
                    "id": "acme-tiktok",
                    "provider": "tiktok",
                    "advertiser_ids": ["act_12"],
                    "credentials_env_prefix": "ACME_TIKTOK",
                },
            )
        )
    assert any("not a TikTok advertiser id" in problem for problem in bad.value.problems)


def test_the_sandbox_world_is_deterministic_and_has_a_deleted_ad_that_spent():
    first, second = build_tiktok_world(), build_tiktok_world()
    assert first == second
    deleted = first.deleted_ad
    assert deleted.deleted and deleted.advertiser_id == ACME_ADVERTISER_ID
    spend = first.spend_by_day(ACME_ADVERTISER_ID, first.days, first.end)
    deleted_spend = sum(
        (d.spend for d in first.report(ACME_ADVERTISER_ID, first.start, first.end, first.end) if d.ad == deleted),
        start=spend[first.start] * 0,
    )
    assert deleted_spend > 0
    assert "__CID__" in deleted.landing_page_url and "__CAMPAIGN_ID__" in deleted.landing_page_url


def test_a_row_without_its_parents_takes_them_from_the_ad_listing():
    raw = raw_row(campaign_id="", adgroup_id=None)
    row = report_row(raw, "7100", "USD", {"a1": ("c9", "g9")})
    assert (row.campaign_id, row.adgroup_id) == ("c9", "g9")
    with pytest.raises(ReportRowError, match="campaign_id or adgroup_id missing"):
        report_row(raw, "7100", "USD", {"other": ("c9", "g9")})
