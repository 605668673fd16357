"""The benchmark's history seeder writes exactly the planned rows, under the sandbox's tenants."""

from datetime import date

import psycopg
import pytest

from metrics_pipeline.bench import history
from metrics_pipeline.config import load_config
from metrics_pipeline.config.mirror import sync_config_tables
from metrics_pipeline.sandbox.world import build_world
from tests.conftest import fetch_all

pytestmark = pytest.mark.integration

TINY = history.HistoryVolume(ad_rows_per_day=60, orders_per_day=6, pixel_events_per_day=30)
LAST_DAY, DAYS = date(2026, 8, 2), 10


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("bench_history")
    first, last = history.day_range(LAST_DAY, DAYS)
    world = build_world(root / "world")
    config = history.write_bench_config(world.config_path, first, root / "bench_config.yaml")
    with psycopg.connect(database_url) as conn:
        sync_config_tables(conn, load_config(config))
        inserted = history.seed_history(conn, TINY, first, last)
    return database_url, inserted


def _count(url: str, table: str, where: str = "true") -> int:
    return fetch_all(url, f"select count(*) from {table} where {where}")[0][0]


def test_every_fact_table_holds_the_planned_rows(seeded):
    url, inserted = seeded
    plan = history.planned_rows(TINY, DAYS)
    assert inserted == plan
    assert {table: _count(url, table) for table in plan} == plan


def test_entities_match_the_plan(seeded):
    url, _ = seeded
    counted = {
        table: _count(url, table, "ingestion_run_id = 'bench-history'") for table in history.planned_entities(TINY)
    }
    assert counted == history.planned_entities(TINY)


def test_every_seeded_day_has_rows_and_nothing_lands_outside_the_range(seeded):
    url, _ = seeded
    first, last = history.day_range(LAST_DAY, DAYS)
    for table, column in (
        ("raw_google_ads.ad_daily_metrics", "metric_date"),
        ("raw_meta.ad_daily_insights", "date_start"),
        ("raw_media_partner.daily_exports", "report_date"),
        ("raw_pixel.events", "event_date"),
    ):
        assert fetch_all(url, f"select min({column}), max({column}), count(distinct {column}) from {table}")[0] == (
            first,
            last,
            DAYS,
        ), table


def test_synthetic_rows_point_at_configured_tenants(seeded):
    url, _ = seeded
    # every synthetic account's connection, every shop's connection and every pixel site is configured
    assert (
        _count(
            url,
            "raw_google_ads.customers c",
            "not exists (select 1 from config.connections k where k.connection_id = c.connection_id)",
        )
        == 0
    )
    assert (
        _count(
            url,
            "raw_meta.ad_accounts a",
            "not exists (select 1 from config.connections k where k.connection_id = a.connection_id)",
        )
        == 0
    )
    assert (
        _count(
            url,
            "raw_shopify.shops s",
            "not exists (select 1 from config.connections k where k.connection_id = s.connection_id)",
        )
        == 0
    )
    assert (
        _count(
            url, "raw_pixel.events e", "not exists (select 1 from config.clients c where c.pixel_site_id = e.site_id)"
        )
        == 0
    )
    # a CPM is in force for every partner row, from the rates the bench config adds
    assert (
        _count(
            url,
            "raw_media_partner.daily_exports d",
            "not exists (select 1 from "
            "config.media_partner_cpm_rates r where r.client_slug = d.client_slug "
            "and r.effective_from <= d.report_date)",
        )
        == 0
    )


def test_every_order_has_its_checkout_event_and_lines(seeded):
    url, _ = seeded
    assert (
        _count(
            url,
            "raw_shopify.orders o",
            "not exists (select 1 from raw_pixel.events e "
            "where e.checkout_token = o.checkout_token and e.event_type = 'checkout_completed')",
        )
        == 0
    )
    assert (
        _count(
            url,
            "raw_shopify.orders o",
            "gclid is not null and not exists (select 1 from raw_google_ads.click_views c where c.gclid = o.gclid)",
        )
        == 0
    )
