"""The sandbox's commerce world: deterministic, consistent with the ad worlds, awkward on purpose."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from metrics_pipeline.config import load_config
from metrics_pipeline.sandbox.commerce_world import (
    END,
    PIXEL_FIELDS,
    START,
    CommerceWorld,
    build_commerce_world,
    connections_config,
    pixel_site_ids,
    write_pixel_exports,
)
from metrics_pipeline.sandbox.google_ads_world import build_google_ads_world
from metrics_pipeline.sandbox.meta_world import build_meta_world

ACME, CITRUS = "acme-outdoor.myshopify.com", "citrus-kitchen.myshopify.com"


@pytest.fixture(scope="module")
def world() -> CommerceWorld:
    return build_commerce_world()


@pytest.fixture(scope="module")
def google():
    return build_google_ads_world()


@pytest.fixture(scope="module")
def meta():
    return build_meta_world()


@pytest.fixture(scope="module")
def written(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("pixel")
    count = world.write_pixel_exports(root)
    return root, count


def read_lines(path) -> list[str]:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return [line for line in raw.decode("utf-8").splitlines() if line.strip()]


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_same_seed_gives_the_same_world_and_the_same_bytes(world, written, tmp_path):
    again = build_commerce_world()
    assert again == world
    root, count = written
    assert write_pixel_exports(tmp_path) == count

    def digest(base):
        files = sorted(p for p in base.rglob("*") if p.is_file())
        return hashlib.sha256(
            b"".join(p.relative_to(base).as_posix().encode() + p.read_bytes() for p in files)
        ).hexdigest()

    assert digest(tmp_path) == digest(root)
    other = build_commerce_world(seed=7)
    assert [o.total_price for o in other.orders[:20]] != [o.total_price for o in world.orders[:20]]


def test_two_shops_with_their_clients_currencies_zones_and_pixel_sites(world):
    assert [
        (s.shop_domain, s.client_slug, s.workspace_slug, s.currency, s.timezone, s.pixel_site_id) for s in world.shops
    ] == [
        (ACME, "acme-outdoor", "northstar", "USD", "America/New_York", "px-acme-outdoor"),
        (CITRUS, "citrus-kitchen", "harbor", "EUR", "Europe/Berlin", "px-citrus-kitchen"),
    ]
    assert pixel_site_ids() == {"acme-outdoor": "px-acme-outdoor", "citrus-kitchen": "px-citrus-kitchen"}
    assert connections_config() == {
        "northstar": [
            {
                "id": "northstar-shopify",
                "provider": "shopify",
                "client": "acme-outdoor",
                "shop_domain": ACME,
                "credentials_env_prefix": "NORTHSTAR_SHOPIFY",
            }
        ],
        "harbor": [
            {
                "id": "harbor-shopify",
                "provider": "shopify",
                "client": "citrus-kitchen",
                "shop_domain": CITRUS,
                "credentials_env_prefix": "HARBOR_SHOPIFY",
            }
        ],
    }


def test_the_config_document_is_what_the_pipeline_reads(world, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(world.config_document(), allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    assert [(c.id, c.shop_domain, c.client_slug, c.lookback_days) for c in config.connections_for("shopify")] == [
        ("northstar-shopify", ACME, "acme-outdoor", 30),
        ("harbor-shopify", CITRUS, "citrus-kitchen", 30),
    ]
    assert {c.slug: c.pixel_site_id for c in config.clients} == pixel_site_ids()


def test_catalogues_have_variants_skus_prices_and_costs(world):
    for shop in world.shops:
        products = world.products_of(shop.shop_domain)
        assert 8 <= len(products) <= 15
        variants = world.variants_of(shop.shop_domain)
        assert len({v.sku for v in variants}) == len(variants)
        assert all(v.price > 0 for v in variants)
        assert all(v.unit_cost is None or 0 < v.unit_cost < v.price for v in variants)
    without = [v for v in world.variants if v.unit_cost is None]
    assert [v.variant_id for v in without] == [world.awkward.variant_without_cost]


def test_one_unit_cost_changes_on_the_20th_of_september(world):
    change = world.awkward.cost_change
    assert change.changed_at.date() == date(2026, 9, 20) and change.new_cost != change.old_cost
    variant = next(v for v in world.variants if v.variant_id == change.variant_id)
    assert world.unit_cost(variant, world.cutoff(ACME, date(2026, 9, 19))) == change.old_cost
    assert world.unit_cost(variant, world.cutoff(ACME, date(2026, 9, 20))) == change.new_cost
    others = [v for v in world.variants if v.variant_id != change.variant_id]
    assert all(world.unit_cost(v, world.cutoff(v.shop_domain, END)) == v.unit_cost for v in others)


def test_orders_add_up_with_discounts_shipping_and_taxes(world):
    for order in world.orders:
        lines = sum((line.unit_price * line.quantity - line.total_discount for line in order.lines), Decimal(0))
        assert order.subtotal == lines
        assert order.total_discounts == sum((line.total_discount for line in order.lines), Decimal(0))
        added_tax = Decimal(0) if order.taxes_included else order.total_tax
        assert order.total_price == order.subtotal + order.total_shipping + added_tax
        assert all(x == x.quantize(Decimal("0.01")) for x in (order.subtotal, order.total_tax, order.total_price))
        assert START <= order.created_at.date() <= END
    assert any(o.total_discounts > 0 for o in world.orders) and any(o.total_shipping > 0 for o in world.orders)
    assert any(o.total_tax > 0 and not o.taxes_included for o in world.orders)
    assert any(o.taxes_included for o in world.orders)
    names = Counter(o.shop_domain for o in world.orders)
    assert names[ACME] > 60 and names[CITRUS] > 60


def test_some_customers_buy_again(world):
    for shop in world.shops:
        counts = Counter(o.customer_id for o in world.orders_of(shop.shop_domain))
        assert sum(1 for n in counts.values() if n > 1) >= 5
        for customer in world.customers_of(shop.shop_domain):
            first = min(
                o.created_at for o in world.orders_of(shop.shop_domain) if o.customer_id == customer.customer_id
            )
            assert customer.created_at == first


def test_the_refund_the_cancellation_and_the_large_order(world):
    refund = world.awkward.refund
    order = world.order(ACME, world.awkward.refunded_order_id)
    assert refund.order_id == order.order_id and order.refunds == (refund,)
    assert (refund.created_at - order.created_at).days >= 3
    assert 0 < refund.total_refunded < order.total_price
    [line] = refund.lines
    assert line.quantity == 1 and line.line_item_id in {item.line_item_id for item in order.lines}
    before, after = (
        world.cutoff(ACME, refund.created_at.date() - timedelta(days=1)),
        world.cutoff(ACME, refund.created_at.date()),
    )
    assert order.financial_status(before) == "PAID" and order.financial_status(after) == "PARTIALLY_REFUNDED"
    assert order.updated_at(after) == refund.created_at
    cancelled = world.order(CITRUS, world.awkward.cancelled_order_id)
    assert cancelled.cancelled_at is not None and cancelled.financial_status(world.cutoff(CITRUS, END)) == "REFUNDED"
    assert len(world.order(ACME, world.awkward.large_order_id).lines) == 12


def test_what_the_shop_shows_depends_on_the_day_it_is_asked(world):
    early, late = world.orders_of(ACME, date(2026, 9, 1)), world.orders_of(ACME, END)
    assert 0 < len(early) < len(late) == len(world.orders_of(ACME))
    cutoff = world.cutoff(ACME, date(2026, 9, 1))
    assert cutoff == datetime(2026, 9, 2, 4, 0, tzinfo=UTC)
    assert all(o.created_at < cutoff for o in early)


def test_every_gclid_is_a_real_click_of_that_clients_customer_and_day(world, google):
    clicks = {(c.gclid, c.customer_id, c.day) for c in google.click_views}
    google_sessions = [s for s in world.sessions if s.source == "google"]
    assert len(google_sessions) > 100
    gclids = [s.param("gclid") for s in google_sessions]
    assert len(set(gclids)) == len(gclids)  # every click lands once
    for session in google_sessions:
        shop = world.shop(session.shop_domain)
        assert (session.param("gclid"), shop.google_customer_id, session.started_at.date()) in clicks
        if session.param("utm_id"):
            campaign = google.campaign(int(session.param("utm_id")))
            assert campaign.customer_id == shop.google_customer_id
            assert session.param("utm_campaign") == campaign.name
            assert (session.param("utm_source"), session.param("utm_medium")) == ("google", "cpc")
    assert any(s.param("utm_id") is None for s in google_sessions)  # some carry only the gclid


def test_every_meta_id_is_real_and_its_ad_delivered_that_day(world, meta):
    ads = {a.ad_id: a for a in meta.ads}
    campaigns = {c.campaign_id: c for c in meta.campaigns}
    meta_sessions = [s for s in world.sessions if s.source == "meta"]
    styles = Counter()
    for session in meta_sessions:
        account = world.shop(session.shop_domain).meta_account_id
        name = session.param("utm_campaign")
        assert name in {c.name for c in campaigns.values() if c.account_id == account}
        if session.param("utm_id"):
            styles["full"] += 1
            campaign, ad = campaigns[session.param("utm_id")], ads[session.param("utm_content")]
            assert campaign.account_id == account and ad.campaign_id == campaign.campaign_id
            assert (campaign.name, session.param("utm_source"), session.param("utm_medium")) == (
                name,
                "facebook",
                "paid_social",
            )
            ad_day = meta.ad_day(ad, session.started_at.date(), meta.end)
            assert ad_day is not None and ad_day.clicks > 0
        elif session.param("fbclid"):
            styles["fbclid_name"] += 1
        else:
            styles["name_only"] += 1
    assert min(styles["full"], styles["fbclid_name"], styles["name_only"]) > 5


def test_every_checkout_completed_is_one_order_with_that_sessions_landing_url(world):
    tokens = [o.checkout_token for o in world.orders if o.checkout_token]
    assert len(set(tokens)) == len(tokens)
    orders_by_token = {o.checkout_token: o for o in world.orders if o.checkout_token}
    completed = [e for e in world.events if e["event_type"] == "checkout_completed"]
    assert len(completed) == sum(1 for o in world.orders if o.session_id)
    for event in completed:
        order = orders_by_token[event["checkout_token"]]
        assert order.session_id == event["session_id"]
        assert order.landing_site == event["landing_page"] == world.session(event["session_id"]).landing_url
        assert Decimal(event["order_value"]) == order.total_price and event["currency"] == order.currency
        moment = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
        assert abs((moment - order.created_at).total_seconds()) < 1
    # Orders without a pixel journey: web orders with a token no pixel saw, and draft orders with none.
    assert any(o.session_id is None and o.checkout_token for o in world.orders)
    assert any(o.source_name == "shopify_draft_order" and o.checkout_token is None for o in world.orders)
    gclid_order = world.order(ACME, world.awkward.gclid_order_id)
    assert query(gclid_order.landing_site)["gclid"] == world.awkward.gclid


def test_sessions_span_days_and_all_sources(world):
    for shop in world.shops:
        sessions = [s for s in world.sessions if s.shop_domain == shop.shop_domain]
        assert set(Counter(s.source for s in sessions)) == {"google", "meta", "email", "organic", "direct"}
        per_visitor = Counter(s.visitor_id for s in sessions)
        assert sum(1 for n in per_visitor.values() if n > 1) > 50
    email = next(s for s in world.sessions if s.source == "email")
    assert (email.param("utm_source"), email.param("utm_medium")) == ("newsletter", "email")
    assert {s.landing_url for s in world.sessions if s.source in ("organic", "direct")} == {
        s.landing_url.split("?")[0] for s in world.sessions if s.source in ("organic", "direct")
    }


def test_pixel_files_sit_in_the_folder_of_their_utc_day(world, written):
    root, count = written
    files = sorted(p for p in (root / "pixel").rglob("*") if p.is_file())
    assert len(files) == count == len(world.pixel_files)
    assert any(p.name.endswith(".jsonl.gz") for p in files) and any(p.name.endswith(".jsonl") for p in files)
    malformed = world.awkward.malformed_line
    seen: Counter[str] = Counter()
    for path in files:
        relative = path.relative_to(root).as_posix()
        day, name = relative.split("/")[1], path.name
        assert name.split("-")[0] == "px" and name.rsplit("-", 1)[0] in {"px-acme-outdoor", "px-citrus-kitchen"}
        for number, line in enumerate(read_lines(path), start=1):
            if relative == malformed.relative_path and number == malformed.line_number:
                with pytest.raises(ValueError):
                    json.loads(line)
                continue
            event = json.loads(line)
            assert set(event) <= set(PIXEL_FIELDS) and {"event_id", "visitor_id", "occurred_at"} <= set(event)
            seen[event["event_id"]] += 1
            utc_day = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00")).astimezone(UTC).date()
            if event["event_id"] != world.awkward.duplicate_event.event_id or seen[event["event_id"]] == 1:
                assert utc_day.isoformat() == day
    assert len(seen) == len(world.events)
    assert [e for e, n in seen.items() if n > 1] == [world.awkward.duplicate_event.event_id]


def test_exactly_one_duplicate_one_malformed_line_and_every_ending(world, written):
    root, _ = written
    duplicate = world.awkward.duplicate_event
    first, second = (read_lines(root / f) for f in duplicate.files)
    assert (
        sum(duplicate.event_id in line for line in first) == 1
        and sum(duplicate.event_id in line for line in second) == 1
    )
    assert duplicate.files[0].split("/")[1] != duplicate.files[1].split("/")[1]
    malformed = world.awkward.malformed_line
    bad = [line for f in world.pixel_files for line in f.lines if not line.startswith("{") or not line.endswith("}")]
    assert bad == [malformed.text]
    endings = {(f.line_ending, f.final_newline) for f in world.pixel_files}
    assert {("\n", ""), ("\n", "\n"), ("\n", "\n\n"), ("\r\n", "\n")} <= endings
    raw = (
        root / next(f.relative_path for f in world.pixel_files if f.final_newline == "" and not f.gzipped)
    ).read_bytes()
    assert not raw.endswith(b"\n")
    # The acme pixel writes nulls, the citrus one leaves empty keys out; both carry local or UTC offsets.
    acme = json.loads(next(f for f in world.pixel_files if "px-acme" in f.relative_path).lines[0])
    citrus = json.loads(next(f for f in world.pixel_files if "px-citrus" in f.relative_path).lines[0])
    assert set(acme) == set(PIXEL_FIELDS) and "utm_term" not in citrus
    assert acme["occurred_at"][-6:] in ("-04:00", "-05:00") and citrus["occurred_at"].endswith("Z")
