"""The Google Ads sandbox world: fixed cast, deterministic numbers, the documented awkward cases."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox.google_ads_world import (
    ADS_DAYS,
    ADS_START,
    GCLID_PREFIX,
    build_google_ads_world,
)

CLIENTS = (2222222221, 2222222222, 3333333331)
CHANNELS = {"SEARCH", "SHOPPING", "DISPLAY", "VIDEO", "PERFORMANCE_MAX"}
# TARGET_SPEND is the API's name for "Maximize clicks".
BIDDING = {"TARGET_ROAS", "MAXIMIZE_CONVERSIONS", "TARGET_CPA", "TARGET_SPEND", "TARGET_IMPRESSION_SHARE", "MANUAL_CPC"}


@pytest.fixture(scope="module")
def world():
    return build_google_ads_world()


def test_the_range_is_90_days_from_august_3rd(world):
    assert (ADS_START, ADS_DAYS) == (date(2026, 8, 3), 90)
    assert (world.start, world.end) == (date(2026, 8, 3), date(2026, 10, 31))
    assert len(world.days) == 90


def test_accounts_are_the_documented_ones(world):
    by_id = {c.customer_id: c for c in world.customers}
    manager = by_id[1111111111]
    assert (manager.descriptive_name, manager.is_manager, manager.currency_code, manager.time_zone) == (
        "Northstar MCC",
        True,
        "USD",
        "America/New_York",
    )
    assert {c.customer_id for c in world.clients_of(1111111111)} == {2222222221, 2222222222, 2222222229, 1111111112}
    expected = {
        2222222221: ("acme-outdoor", "USD", "America/New_York", 1111111111),
        2222222222: ("bloom-beauty", "GBP", "Europe/London", 1111111111),
        3333333331: ("citrus-kitchen", "EUR", "Europe/Berlin", None),
    }
    for customer_id, (client, currency, zone, manager_id) in expected.items():
        c = by_id[customer_id]
        assert (c.client_slug, c.currency_code, c.time_zone, c.manager_customer_id, c.status) == (
            client,
            currency,
            zone,
            manager_id,
            "ENABLED",
        )
    assert by_id[2222222229].status == "CANCELED"
    assert world.awkward.canceled_customer == by_id[2222222229]


def test_every_client_has_3_to_5_campaigns_1_to_3_ad_groups_and_ads(world):
    for customer_id in CLIENTS:
        campaigns = world.campaigns_of(customer_id)
        assert 3 <= len(campaigns) <= 5
        for campaign in campaigns:
            groups = [g for g in world.ad_groups if g.campaign_id == campaign.campaign_id]
            if campaign.advertising_channel_type == "PERFORMANCE_MAX":
                # No ad groups in the API: it delivers through asset groups, which it reports per campaign.
                assert groups == [] and not [a for a in world.ads if a.campaign_id == campaign.campaign_id]
                assert [g for g in world.asset_groups if g.campaign_id == campaign.campaign_id]
                continue
            assert 1 <= len(groups) <= 3
            for group in groups:
                ads = [a for a in world.ads if a.ad_group_id == group.ad_group_id]
                keywords = [k for k in world.keywords if k.ad_group_id == group.ad_group_id]
                assert 1 <= len(ads) <= 3
                if campaign.advertising_channel_type == "SEARCH":
                    assert 2 <= len(keywords) <= 4
                    assert {k.match_type for k in keywords} <= {"EXACT", "PHRASE", "BROAD"}
                else:
                    assert keywords == []
    assert {c.advertising_channel_type for c in world.campaigns} == CHANNELS
    assert BIDDING <= {c.bidding_strategy_type for c in world.campaigns}


def test_ids_are_fixed_unique_and_encode_the_hierarchy(world):
    for kind, ids in {
        "campaign": [c.campaign_id for c in world.campaigns],
        "ad group": [g.ad_group_id for g in world.ad_groups],
        "ad": [a.ad_id for a in world.ads],
        "criterion": [k.criterion_id for k in world.keywords],
    }.items():
        assert len(ids) == len(set(ids)), kind
    # Other sources refer to these numbers: they do not depend on the seed.
    other = build_google_ads_world(seed=7)
    assert [a.ad_id for a in other.ads] == [a.ad_id for a in world.ads]
    assert world.campaigns[0].campaign_id == 10_010_100_000
    assert world.ads[0].ad_id == 500_010_101_010


def test_numbers_are_deterministic_and_depend_on_the_seed(world):
    day = date(2026, 9, 9)
    assert build_google_ads_world().metrics_for_day(2222222221, day) == world.metrics_for_day(2222222221, day)
    assert build_google_ads_world(seed=7).metrics_for_day(2222222221, day) != world.metrics_for_day(2222222221, day)


def test_daily_metrics_are_plausible_and_money_is_exact(world):
    rows = [m for c in CLIENTS for day in world.days for m in world.metrics_for_day(c, day)]
    assert len(rows) > 1500
    for m in rows:
        assert m.cost_micros % 10_000 == 0 and 5_000_000 <= m.cost_micros <= 300_000_000
        assert 0 <= m.clicks <= m.impressions
        assert m.conversions >= 0 and m.conversions_value >= 0
        assert m.conversions_value == m.conversions_value.quantize(Decimal("0.01"))
    fractional = [m.conversions for m in rows if m.conversions != m.conversions.to_integral_value()]
    assert fractional and Decimal("0.33") in {f - int(f) for f in fractional}
    # Ads do not deliver every day: the API has no row for them then.
    ads_with_rows = Counter(m.ad_id for m in rows)
    assert any(count < 90 for count in ads_with_rows.values())


def test_any_day_can_be_asked_for_outside_the_range(world):
    today = date(2027, 1, 15)
    rows = world.metrics_for_day(2222222221, today)
    assert rows and {m.day for m in rows} == {today}
    assert world.click_views_for_day(2222222221, today)


def test_the_removed_campaign_has_metrics_in_the_range_until_its_removal(world):
    removed = world.awkward.removed_campaign
    assert removed.status == "REMOVED" and removed in world.campaigns
    days_with_spend = [
        day
        for day in world.days
        if any(m.campaign_id == removed.campaign_id for m in world.metrics_for_day(removed.customer_id, day))
    ]
    assert days_with_spend and days_with_spend[-1] == removed.last_day < world.end


def test_the_renamed_ad_only_carries_its_new_name(world):
    renamed = world.awkward.renamed_ad
    ad = next(a for a in world.ads if a.ad_id == renamed.ad_id)
    assert ad.name == renamed.new_name != renamed.old_name
    assert world.start < renamed.renamed_on < world.end
    assert all(a.name != renamed.old_name for a in world.ads)


def test_click_views_carry_deterministic_unique_gclids_that_point_at_ads(world):
    clicks = world.click_views
    assert len(clicks) > 1000
    assert len({c.gclid for c in clicks}) == len(clicks)
    assert all(re.fullmatch(re.escape(GCLID_PREFIX) + r"[0-9a-f]{32}", c.gclid) for c in clicks)
    ads = {a.ad_id: a for a in world.ads}
    keywords = {k.criterion_id: k for k in world.keywords}
    for click in clicks:
        ad = ads[click.ad_id]
        assert (click.campaign_id, click.ad_group_id) == (ad.campaign_id, ad.ad_group_id)
        channel = world.campaign(click.campaign_id).advertising_channel_type
        if channel == "SEARCH":
            assert keywords[click.keyword_criterion_id].ad_group_id == click.ad_group_id
        else:
            assert click.keyword_criterion_id is None
    day = date(2026, 9, 1)
    clicks_of_day = world.click_views_for_day(2222222221, day)
    metrics = {m.ad_id: m for m in world.metrics_for_day(2222222221, day)}
    for ad_id, count in Counter(c.ad_id for c in clicks_of_day).items():
        assert count <= metrics[ad_id].clicks


def test_a_restated_day_differs_and_keeps_the_invariants(world):
    day = date(2026, 10, 1)
    first = world.metrics_for_day(2222222221, day)
    restated = world.metrics_for_day(2222222221, day, revision=1)
    assert [m.ad_id for m in first] == [m.ad_id for m in restated]
    for before, after in zip(first, restated):
        assert after.conversions == before.conversions + Decimal("0.5")
        assert after.conversions_value > before.conversions_value
        assert after.cost_micros <= before.cost_micros and after.cost_micros % 10_000 == 0
        assert 0 <= after.clicks < before.clicks or before.clicks == 0
    assert world.cost_micros(2222222221, day, revision=1) < world.cost_micros(2222222221, day)


def test_the_connection_entries_parse_as_pipeline_configuration(world, tmp_path):
    connections = world.connections_config()
    assert connections["northstar"] == [
        {
            "id": "northstar-google",
            "provider": "google_ads",
            "manager_customer_id": "111-111-1111",
            "account_clients": {
                "222-222-2221": "acme-outdoor",
                "222-222-2222": "bloom-beauty",
                "222-222-2223": "acme-outdoor",
            },
            "credentials_env_prefix": "NORTHSTAR_GOOGLE",
        }
    ]
    assert connections["harbor"][0]["customer_ids"] == ["333-333-3331"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(world.config_document()), encoding="utf-8")
    config = load_config(path)
    by_id = {c.id: c for c in config.connections_for("google_ads")}
    assert by_id["northstar-google"].manager_customer_id == "1111111111"
    assert by_id["northstar-google"].client_slug is None
    assert by_id["northstar-google"].account_clients == (
        ("2222222221", "acme-outdoor"),
        ("2222222222", "bloom-beauty"),
        ("2222222223", "acme-outdoor"),
    )
    harbor = by_id["harbor-google"]
    assert (harbor.account_ids, harbor.client_slug) == (("3333333331",), "citrus-kitchen")
    assert {c.slug: c.currency for c in config.clients} == {
        "acme-outdoor": "USD",
        "bloom-beauty": "GBP",
        "citrus-kitchen": "EUR",
    }


def test_a_sub_manager_puts_a_client_two_levels_below_the_mcc(world):
    levels = {c.customer_id: level for c, level in world.hierarchy_of(1111111111)}
    assert levels == {2222222221: 1, 2222222222: 1, 2222222229: 1, 1111111112: 1, 2222222223: 2}
    assert world.awkward.sub_manager.is_manager and world.awkward.grandchild_customer.customer_id == 2222222223
    assert world.is_managed_by(2222222223, 1111111111) and world.is_managed_by(2222222223, 1111111112)
    assert not world.is_managed_by(3333333331, 1111111111)


def test_campaign_metrics_are_the_bill_the_ads_plus_performance_max(world):
    pmax = {c.campaign_id for c in world.awkward.pmax_campaigns}
    assert len(pmax) == 3
    day = date(2026, 10, 5)
    for customer_id in (*CLIENTS, 2222222223):
        campaigns = {m.campaign_id: m for m in world.campaign_metrics_for_day(customer_id, day)}
        ads: dict[int, int] = {}
        for m in world.metrics_for_day(customer_id, day):
            ads[m.campaign_id] = ads.get(m.campaign_id, 0) + m.cost_micros
        assert not set(ads) & pmax  # ad_group_ad knows nothing of PMax
        for campaign_id, metrics in campaigns.items():
            assert metrics.cost_micros == ads.get(campaign_id, 0) or campaign_id in pmax
        assert world.cost_micros(customer_id, day) == sum(m.cost_micros for m in campaigns.values())
        assert world.cost_micros(customer_id, day) >= world.ad_level_cost_micros(customer_id, day)
    assert world.cost_micros(2222222221, day) > world.ad_level_cost_micros(2222222221, day)


def test_conversion_actions_give_each_account_its_window(world):
    def enabled_windows(customer_id):
        return sorted(
            a.click_through_lookback_window_days
            for a in world.conversion_actions_of(customer_id)
            if a.status == "ENABLED"
        )

    assert enabled_windows(2222222221) == [7, 30]
    assert enabled_windows(2222222222) == [45]
    assert enabled_windows(3333333331) == [14, 60]
    assert world.conversion_actions_of(2222222223) == ()
    assert {a.status for a in world.conversion_actions} == {"ENABLED", "REMOVED", "HIDDEN"}
