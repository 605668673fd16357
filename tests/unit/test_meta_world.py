"""The sandbox's Meta world: deterministic, fixed ids, and awkward in exactly the documented ways."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox.meta_world import (
    ACME_ACCOUNT_ID,
    CITRUS_ACCOUNT_ID,
    END,
    PURCHASE_ACTION,
    RESTATED_DAY,
    RESTATED_FROM,
    START,
    MetaWorld,
    build_meta_world,
    connections_config,
)

SPEND = re.compile(r"^\d+\.\d{2}$")
OBJECTIVES = {
    "OUTCOME_SALES",
    "OUTCOME_LEADS",
    "OUTCOME_TRAFFIC",
    "OUTCOME_AWARENESS",
    "OUTCOME_APP_PROMOTION",
    "OUTCOME_ENGAGEMENT",
}


@pytest.fixture(scope="module")
def world() -> MetaWorld:
    return build_meta_world()


def test_the_same_seed_gives_the_same_world_and_figures(world):
    again = build_meta_world()
    assert again == world
    ad = world.ads[0]
    assert world.ad_day(ad, date(2026, 9, 9), END) == again.ad_day(ad, date(2026, 9, 9), END)
    other = build_meta_world(seed=7)
    assert other.ad_day(other.ads[0], date(2026, 9, 9), END).spend != world.ad_day(ad, date(2026, 9, 9), END).spend


def test_the_range_and_the_accounts_are_fixed(world):
    assert (world.start, world.end, len(world.days)) == (date(2026, 8, 3), date(2026, 10, 31), 90)
    assert [(a.act_id, a.workspace_slug, a.client_slug, a.currency, a.timezone_name) for a in world.accounts] == [
        ("act_100000001", "northstar", "acme-outdoor", "USD", "America/New_York"),
        ("act_100000002", "harbor", "citrus-kitchen", "EUR", "Europe/Berlin"),
    ]


def test_the_hierarchy_has_the_promised_shape(world):
    assert {c.objective for c in world.campaigns} == OBJECTIVES
    for account in world.accounts:
        assert 3 <= len(world.campaigns_of(account.account_id)) <= 5
    adsets_per_campaign = Counter(s.campaign_id for s in world.adsets)
    ads_per_adset = Counter(a.adset_id for a in world.ads)
    assert set(adsets_per_campaign) == {c.campaign_id for c in world.campaigns}
    assert set(adsets_per_campaign.values()) <= {1, 2, 3} and set(ads_per_adset.values()) <= {1, 2, 3}
    ids = [c.campaign_id for c in world.campaigns] + [s.adset_id for s in world.adsets] + [a.ad_id for a in world.ads]
    assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)


def test_the_deleted_and_archived_campaigns_spent_inside_the_range(world):
    for campaign, status in ((world.deleted_campaign, "DELETED"), (world.archived_campaign, "ARCHIVED")):
        assert campaign.status == campaign.effective_status == status
        ad_days = [
            d for d in world.insights(campaign.account_id, START, END, END) if d.ad.campaign_id == campaign.campaign_id
        ]
        assert ad_days and sum(Decimal(d.spend) for d in ad_days) > 0
        assert max(d.day for d in ad_days) == campaign.last_day < END
        assert {d.ad.effective_status for d in ad_days} == {status}


def test_the_restated_day_is_higher_from_its_day_on_and_nothing_else_moves(world):
    before = world.spend_by_day(ACME_ACCOUNT_ID, [RESTATED_DAY], RESTATED_FROM - timedelta(days=1))
    after = world.spend_by_day(ACME_ACCOUNT_ID, [RESTATED_DAY], RESTATED_FROM)
    assert after[RESTATED_DAY] > before[RESTATED_DAY]

    def purchases(as_of):
        return sum(
            d.total(PURCHASE_ACTION, ("7d_click", "1d_view"))
            for d in world.insights(ACME_ACCOUNT_ID, RESTATED_DAY, RESTATED_DAY, as_of)
        )

    assert purchases(RESTATED_FROM) > purchases(RESTATED_FROM - timedelta(days=1))
    other_day = RESTATED_DAY - timedelta(days=1)
    assert world.spend_by_day(ACME_ACCOUNT_ID, [other_day], date(2026, 10, 12)) == world.spend_by_day(
        ACME_ACCOUNT_ID, [other_day], END
    )
    assert world.spend_by_day(CITRUS_ACCOUNT_ID, [RESTATED_DAY], date(2026, 10, 12)) == world.spend_by_day(
        CITRUS_ACCOUNT_ID, [RESTATED_DAY], END
    )


def test_the_renamed_ad_has_one_name_at_a_time(world):
    rename = world.renamed_ad
    ad = next(a for a in world.ads if a.ad_id == rename.ad_id)
    assert rename.old_name != rename.new_name == ad.name
    assert world.ad_name(ad, rename.renamed_on - timedelta(days=1)) == rename.old_name
    assert world.ad_name(ad, rename.renamed_on) == rename.new_name


def test_any_day_can_be_generated_but_not_the_future(world):
    ad = next(a for a in world.ads if a.last_day is None)
    later = date(2027, 1, 15)
    assert world.ad_day(ad, later, later) is not None
    assert world.ad_day(ad, later, later - timedelta(days=1)) is None


def test_figures_look_like_the_graph_apis(world):
    ad_days = world.insights(ACME_ACCOUNT_ID, START, START + timedelta(days=6), END)
    assert all(SPEND.match(d.spend) for d in ad_days)
    sales = next(d for d in ad_days if d.ad.objective == "OUTCOME_SALES")
    entries = {a.action_type: a.as_api(("7d_click", "1d_view"), money=False) for a in sales.actions}
    assert {"link_click", PURCHASE_ACTION, "purchase", "omni_purchase"} <= set(entries)
    assert set(entries[PURCHASE_ACTION]) == {"action_type", "value", "7d_click", "1d_view"}
    assert set(entries["link_click"]) == {"action_type", "value"}
    value = next(a for a in sales.action_values if a.action_type == PURCHASE_ACTION)
    assert re.match(r"^\d+\.\d{2}$", value.as_api(("7d_click",), money=True)["7d_click"])
    leads = next(d for d in world.insights(ACME_ACCOUNT_ID, START, START, END) if d.ad.objective == "OUTCOME_LEADS")
    assert leads.total("lead", ("7d_click", "1d_view")) > 0 and not leads.action_values


def test_the_connections_read_as_the_pipeline_configuration(world, tmp_path):
    connections = world.connections_config()
    document = {
        "workspaces": [
            {
                "slug": "northstar",
                "name": "Northstar",
                "connections": connections["northstar"],
                "clients": [
                    {"slug": "acme-outdoor", "name": "Acme", "currency": "USD", "timezone": "America/New_York"}
                ],
            },
            {
                "slug": "harbor",
                "name": "Harbor",
                "connections": connections["harbor"],
                "clients": [
                    {"slug": "citrus-kitchen", "name": "Citrus", "currency": "EUR", "timezone": "Europe/Berlin"}
                ],
            },
        ]
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    config = load_config(path)
    assert [(c.id, c.client_slug, c.account_ids, c.credentials_env_prefix) for c in config.connections_for("meta")] == [
        ("northstar-meta", "acme-outdoor", (ACME_ACCOUNT_ID,), "NORTHSTAR_META"),
        ("harbor-meta", "citrus-kitchen", (CITRUS_ACCOUNT_ID,), "HARBOR_META"),
    ]
    assert set(world.access_tokens()) == {"NORTHSTAR_META_ACCESS_TOKEN", "HARBOR_META_ACCESS_TOKEN"}
    assert connections_config() == connections
