"""TikTok touchpoints resolved to TikTok ads, on a world small enough to check by hand.

TikTok has no click lookup for a ttclid (nothing like Google's click_view): an ad is named by
the ids TikTok's URL macros write into the landing URL on each click (utm_content=__CID__, the
ad id; utm_id=__CAMPAIGN_ID__, the campaign id). One TikTok advertiser (client c1), one campaign
"Spark | Bestsellers" (71) > ad group 72 > ad 73. Four visitors:

  event  tags                                                     resolves to
  e1     ttclid T1, utm_source tiktok, utm_content 73, utm_id 71  the ad (utm_id, high)
  e2     utm_source tiktok, utm_id 71                             the campaign (utm_id, high)
  e3     ttclid T3, utm_campaign "spark | bestsellers"            the campaign (ttclid, medium)
  e4     ttclid T4 only                                           no entity; channel tiktok_ads
"""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import fetch_all
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

ADVERTISER = "7100000000000000001"

WORLD_SQL = f"""
insert into config.workspaces (workspace_slug, workspace_name, reporting_currency) values ('w1', 'W1', 'USD');
insert into config.clients (client_slug, workspace_slug, client_name, currency, timezone, pixel_site_id)
values ('c1', 'w1', 'C1', 'USD', 'UTC', 'px1');
insert into config.connections (connection_id, workspace_slug, client_slug, provider, account_ids,
    manager_customer_id, status, sync_frequency, lookback_days)
values ('t1', 'w1', 'c1', 'tiktok', '{{{ADVERTISER}}}', null, 'active', 'daily', 28);

insert into raw_tiktok_ads.advertisers values ('{ADVERTISER}', 't1', 'Acme TikTok', 'USD', 'UTC', 'STATUS_ENABLE', 'r', now());
insert into raw_tiktok_ads.campaigns values
    ('{ADVERTISER}', '71', 'Spark | Bestsellers', 'WEB_CONVERSIONS', 'ENABLE', 'CAMPAIGN_STATUS_ENABLE', null, null, 'r', now());
insert into raw_tiktok_ads.adgroups values
    ('{ADVERTISER}', '72', '71', 'Broad', 'CONVERT', 'ENABLE', 'ADGROUP_STATUS_DELIVERY_OK', 'r', now());
insert into raw_tiktok_ads.ads values
    ('{ADVERTISER}', '73', '72', '71', 'UGC', 'ENABLE', 'AD_STATUS_DELIVERY_OK',
     'https://shop1.example/?utm_source=tiktok&utm_id=__CAMPAIGN_ID__&utm_content=__CID__', 'r', now());
insert into raw_tiktok_ads.ad_daily_reports values
    ('{ADVERTISER}', '71', '72', '73', '2026-10-01', 'USD', 12.34, 1000, 10, 1, 1, 50, 'r', now());
"""

EVENTS = [
    # event_id, visitor, ttclid, utm_source, utm_campaign, utm_id, utm_content
    ("e1", "v1", "T1", "tiktok", None, "71", "73"),
    ("e2", "v2", None, "tiktok", None, "71", None),
    ("e3", "v3", "T3", None, "spark | bestsellers", None, None),
    ("e4", "v4", "T4", None, None, None, None),
]


@pytest.fixture(scope="module")
def built(database_url, tmp_path_factory):
    with psycopg.connect(database_url) as conn:
        conn.execute(WORLD_SQL)
        for event_id, visitor, ttclid, source, campaign, utm_id, content in EVENTS:
            conn.execute(
                "insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id,"
                " session_id, landing_page, utm_source, utm_campaign, utm_id, utm_content, ttclid,"
                " source_file, source_line, ingestion_run_id)"
                " values (%s, 'px1', 'page_view', '2026-10-01T15:00:00Z', '2026-10-01', %s, %s,"
                " 'https://shop1.example/', %s, %s, %s, %s, %s, 'hand-made', 1, 'r')",
                (event_id, visitor, f"s-{visitor}", source, campaign, utm_id, content, ttclid),
            )
    result = run_dbt(
        database_url,
        tmp_path_factory.mktemp("dbt_target"),
        "build",
        "--select",
        "+fct_touchpoints",
        "--indirect-selection",
        "cautious",
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return database_url


def test_tiktok_touchpoints_resolve_through_the_ids_its_url_macros_wrote(built):
    rows = fetch_all(
        built,
        "select t.event_id, t.channel, t.match_type, t.confidence, t.platform, t.entity_level,"
        "       e.platform_entity_id"
        " from marts.fct_touchpoints t left join marts.dim_ad_entities e using (entity_id)"
        " order by t.event_id",
    )
    assert rows == [
        ("e1", "tiktok_ads", "utm_id", "high", "tiktok_ads", "ad", "73"),
        ("e2", "tiktok_ads", "utm_id", "high", "tiktok_ads", "campaign", "71"),
        ("e3", "tiktok_ads", "ttclid", "medium", "tiktok_ads", "campaign", "71"),
        ("e4", "tiktok_ads", None, "none", None, None, None),
    ]
