"""GAQL builders, and the sandbox's reading of them."""

from __future__ import annotations

from datetime import date

import pytest
from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

from metrics_pipeline.sandbox.google_ads_server import (
    Condition,
    GaqlError,
    date_bounds,
    parse_gaql,
)
from metrics_pipeline.sources.google_ads import queries

ALL_QUERIES = {
    "client customers": queries.CLIENT_CUSTOMERS,
    "customer": queries.CUSTOMER,
    "campaigns": queries.CAMPAIGNS,
    "ad groups": queries.AD_GROUPS,
    "ads": queries.ADS,
    "keywords": queries.KEYWORDS,
    "metrics": queries.ad_metrics(date(2026, 9, 1), date(2026, 9, 30)),
    "campaign metrics": queries.campaign_metrics(date(2026, 9, 1), date(2026, 9, 30)),
    "conversion actions": queries.CONVERSION_ACTIONS,
    "click views": queries.click_views(date(2026, 9, 1)),
}


def _proto_has_field(path: str) -> bool:
    descriptor = GoogleAdsRow.pb(GoogleAdsRow()).DESCRIPTOR
    for part in path.split("."):
        field = descriptor.fields_by_name.get(part) or descriptor.fields_by_name.get(part + "_")
        if field is None:
            return False
        descriptor = field.message_type
    return True


@pytest.mark.parametrize("name", sorted(ALL_QUERIES))
def test_every_query_selects_only_fields_the_api_row_has(name):
    parsed = parse_gaql(ALL_QUERIES[name])
    assert parsed.fields
    missing = [f for f in parsed.referenced_fields if not _proto_has_field(f)]
    assert missing == []


def test_metrics_over_a_range_use_between_and_a_single_day_uses_equals():
    ranged = parse_gaql(queries.ad_metrics(date(2026, 9, 1), date(2026, 9, 30)))
    assert ranged.resource == "ad_group_ad"
    assert ranged.conditions == (Condition("segments.date", "BETWEEN", ("2026-09-01", "2026-09-30")),)
    assert {
        "segments.date",
        "metrics.cost_micros",
        "metrics.conversions",
        "metrics.conversions_value",
        "ad_group_ad.ad.id",
        "ad_group.id",
        "campaign.id",
    } <= set(ranged.fields)
    single = parse_gaql(queries.ad_metrics(date(2026, 9, 1), date(2026, 9, 1)))
    assert single.conditions == (Condition("segments.date", "=", ("2026-09-01",)),)
    with pytest.raises(ValueError, match="empty day range"):
        queries.ad_metrics(date(2026, 9, 2), date(2026, 9, 1))


def test_click_views_ask_for_exactly_one_day():
    parsed = parse_gaql(queries.click_views(date(2026, 10, 5)))
    assert parsed.resource == "click_view"
    assert date_bounds(parsed.conditions) == (date(2026, 10, 5), date(2026, 10, 5))
    assert {"click_view.gclid", "click_view.ad_group_ad", "click_view.keyword", "segments.date"} <= set(parsed.fields)


def test_discovery_asks_for_enabled_visible_non_manager_clients_at_any_level():
    parsed = parse_gaql(queries.CLIENT_CUSTOMERS)
    assert parsed.resource == "customer_client"
    # No level filter: customer_client lists sub-managers' clients too (level 2 and deeper).
    assert set(parsed.conditions) == {
        Condition("customer_client.status", "=", ("ENABLED",)),
        Condition("customer_client.manager", "=", ("FALSE",)),
        Condition("customer_client.hidden", "=", ("FALSE",)),
    }


def test_campaign_metrics_cover_every_campaign_per_day_like_the_ad_metrics():
    ranged = parse_gaql(queries.campaign_metrics(date(2026, 9, 1), date(2026, 9, 30)))
    assert ranged.resource == "campaign"
    assert ranged.conditions == (Condition("segments.date", "BETWEEN", ("2026-09-01", "2026-09-30")),)
    assert {
        "campaign.id",
        "segments.date",
        "metrics.cost_micros",
        "metrics.impressions",
        "metrics.clicks",
        "metrics.conversions",
        "metrics.conversions_value",
    } == set(ranged.fields)
    single = parse_gaql(queries.campaign_metrics(date(2026, 9, 1), date(2026, 9, 1)))
    assert single.conditions == (Condition("segments.date", "=", ("2026-09-01",)),)
    with pytest.raises(ValueError, match="empty day range"):
        queries.campaign_metrics(date(2026, 9, 2), date(2026, 9, 1))


def test_conversion_actions_ask_for_the_click_through_window_of_enabled_actions():
    parsed = parse_gaql(queries.CONVERSION_ACTIONS)
    assert parsed.resource == "conversion_action"
    assert "conversion_action.click_through_lookback_window_days" in parsed.fields
    assert parsed.conditions == (Condition("conversion_action.status", "=", ("ENABLED",)),)


def test_entity_queries_keep_removed_entities_and_skip_negative_keywords():
    for query in (queries.CAMPAIGNS, queries.AD_GROUPS, queries.ADS):
        assert parse_gaql(query).conditions == ()
    assert set(parse_gaql(queries.KEYWORDS).conditions) == {
        Condition("ad_group_criterion.type", "=", ("KEYWORD",)),
        Condition("ad_group_criterion.negative", "=", ("FALSE",)),
    }


# ---- the sandbox's GAQL reader (it stands in for the API, so it must be strict) ---- #


def test_the_sandbox_parser_reads_operators_lists_order_and_limit():
    parsed = parse_gaql(
        "select campaign.id, campaign.name from campaign where campaign.status in ('ENABLED', 'PAUSED') "
        "and campaign.id not in (1, 2) and campaign.name is not null and segments.date >= '2026-09-01' "
        "and segments.date < '2026-09-10' order by campaign.id desc, campaign.name limit 5 "
        "parameters include_drafts=true"
    )
    assert parsed.fields == ("campaign.id", "campaign.name")
    assert parsed.conditions[:3] == (
        Condition("campaign.status", "IN", ("ENABLED", "PAUSED")),
        Condition("campaign.id", "NOT IN", ("1", "2")),
        Condition("campaign.name", "IS NOT NULL", ()),
    )
    assert date_bounds(parsed.conditions) == (date(2026, 9, 1), date(2026, 9, 9))
    assert parsed.order_by == (("campaign.id", True), ("campaign.name", False))
    assert parsed.limit == 5


@pytest.mark.parametrize(
    ("query", "query_error"),
    [
        ("campaign.id FROM campaign", "EXPECTED_SELECT"),
        ("SELECT campaign.id campaign", "EXPECTED_FROM"),
        ("SELECT campaign.id FROM campaign WHERE", "UNEXPECTED_END_OF_QUERY"),
        ("SELECT campaign.id FROM campaign WHERE campaign.name LIKE 'a%'", "BAD_OPERATOR"),
        ("SELECT campaign.id FROM campaign WHERE segments.date = '2026-9-1'", "INVALID_DATE_FORMAT"),
        ("SELECT campaign.id FROM campaign LIMIT 0", "BAD_LIMIT_VALUE"),
        ("SELECT campaign.id FROM campaign ;", "UNEXPECTED_INPUT"),
    ],
)
def test_the_sandbox_parser_rejects_what_the_api_rejects(query, query_error):
    with pytest.raises(GaqlError) as raised:
        date_bounds(parse_gaql(query).conditions)
    assert raised.value.query_error == query_error
