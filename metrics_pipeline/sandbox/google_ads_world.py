"""A deterministic synthetic Google Ads world: accounts, entities, daily metrics and clicks.

``build_google_ads_world(seed)`` describes two workspaces' Google Ads accounts:

- ``northstar``: the manager (MCC) account 111-111-1111 with client customers
  222-222-2221 (acme-outdoor, USD) and 222-222-2222 (bloom-beauty, GBP), a CANCELED
  client 222-222-2229 that discovery must skip, and the sub-manager 111-111-1112 whose
  own client 222-222-2223 (acme-outdoor's Canadian account, USD) sits two levels down;
- ``harbor``: the direct customer 333-333-3331 (citrus-kitchen, EUR), no manager.

The cast (customers, campaigns, ad groups, ads, keywords and their ids) is fixed, so
other sources can refer to it; the seed drives only the numbers. Ids encode their
place in the hierarchy (client k, campaign j, ad group g, ad a), e.g. campaign
``10_0k0_j00_000``, so a reader can tell what an id is at a glance.

Daily metrics are a pure function of ``(seed, ad, day)`` through string-seeded
``random.Random`` streams and integer arithmetic for money, so any day can be asked for
(the intraday snapshot asks for "today", outside the 90 days) and the same arguments
always give the same numbers. The wall clock is never read.

The awkward cases real accounts have are here on purpose and recorded in
``GoogleAdsAwkwardCases``: an ad renamed partway (the API only ever shows the current
name), a REMOVED campaign that still has metrics in the range, a CANCELED client under
the MCC, fractional conversions, days without delivery, and ``metrics_for_day(...,
revision=n)`` restating a day the way late conversions and invalid-click credits do.

Performance Max campaigns have no ad groups or ads in the API (they deliver through asset
groups): their delivery units are kept apart (``asset_groups``, ``asset_group_ads``), so
``ad_group`` / ``ad_group_ad`` answers leave them out while ``campaign_metrics_for_day``
(what the ``campaign`` resource reports, and what Google bills) includes them. Each
customer also has conversion actions whose click-through lookback windows decide how long
its conversions can still move.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

ADS_START = date(2026, 8, 3)
ADS_DAYS = 90  # 2026-08-03 .. 2026-10-31
ADS_END = ADS_START + timedelta(days=ADS_DAYS - 1)
DEFAULT_SEED = 20260803

GCLID_PREFIX = "Cj0KCQjw"

# --------------------------------------------------------------------------- #
# Public types
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Customer:
    customer_id: int  # 10 digits, no dashes
    descriptive_name: str
    currency_code: str
    time_zone: str
    status: str  # ENABLED | CANCELED
    is_manager: bool
    manager_customer_id: int | None  # the MCC it sits under, if any
    workspace_slug: str
    client_slug: str | None  # the pipeline client it belongs to (None for managers)

    @property
    def dashed_id(self) -> str:
        digits = str(self.customer_id)
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


@dataclass(frozen=True)
class Campaign:
    customer_id: int
    campaign_id: int
    name: str
    status: str  # ENABLED | PAUSED | REMOVED
    advertising_channel_type: str
    bidding_strategy_type: str
    first_day: date  # first day it served
    last_day: date | None  # last day it served; None = still serving, on any later day too

    def serves_on(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class AdGroup:
    customer_id: int
    campaign_id: int
    ad_group_id: int
    name: str
    status: str
    type: str | None  # None: the API leaves it unset (UNSPECIFIED)


@dataclass(frozen=True)
class Ad:
    customer_id: int
    campaign_id: int
    ad_group_id: int
    ad_id: int
    name: str  # current name; "" for responsive search ads, as the API returns them
    status: str  # ad_group_ad.status
    type: str | None


@dataclass(frozen=True)
class Keyword:
    customer_id: int
    campaign_id: int
    ad_group_id: int
    criterion_id: int
    text: str
    match_type: str  # EXACT | PHRASE | BROAD
    status: str


@dataclass(frozen=True)
class AdDayMetrics:
    customer_id: int
    campaign_id: int
    ad_group_id: int
    ad_id: int
    day: date
    cost_micros: int  # a multiple of 10_000: whole cents of the customer's currency
    impressions: int
    clicks: int
    conversions: Decimal  # may be fractional (data-driven attribution splits credit)
    conversions_value: Decimal  # two decimals


@dataclass(frozen=True)
class CampaignDayMetrics:
    """What FROM campaign reports for a campaign and day: every delivery unit, PMax included."""

    customer_id: int
    campaign_id: int
    day: date
    cost_micros: int
    impressions: int
    clicks: int
    conversions: Decimal
    conversions_value: Decimal


@dataclass(frozen=True)
class ConversionAction:
    customer_id: int
    conversion_action_id: int
    name: str
    status: str  # ENABLED | REMOVED | HIDDEN
    click_through_lookback_window_days: int  # 1..90 in the API


@dataclass(frozen=True)
class ClickView:
    gclid: str
    customer_id: int
    day: date
    campaign_id: int
    ad_group_id: int
    ad_id: int
    keyword_criterion_id: int | None  # search clicks only


@dataclass(frozen=True)
class RenamedAd:
    customer_id: int
    ad_group_id: int
    ad_id: int
    old_name: str
    new_name: str  # the only name the API ever returns
    renamed_on: date


@dataclass(frozen=True)
class GoogleAdsAwkwardCases:
    renamed_ad: RenamedAd
    removed_campaign: Campaign  # status REMOVED, yet it has metrics in the range
    canceled_customer: Customer  # under the MCC, status CANCELED: discovery must skip it
    sub_manager: Customer  # a manager under the MCC: discovery must look through it
    grandchild_customer: Customer  # the sub-manager's client, level 2 under the MCC
    pmax_campaigns: tuple[Campaign, ...]  # no ad groups or ads: campaign-level metrics only


# --------------------------------------------------------------------------- #
# The fixed cast
# --------------------------------------------------------------------------- #

MANAGER_CUSTOMER_ID = 1111111111
SUB_MANAGER_CUSTOMER_ID = 1111111112
ACME_CUSTOMER_ID = 2222222221
ACME_CANADA_CUSTOMER_ID = 2222222223
BLOOM_CUSTOMER_ID = 2222222222
CANCELED_CUSTOMER_ID = 2222222229
CITRUS_CUSTOMER_ID = 3333333331

_CUSTOMERS = (
    Customer(MANAGER_CUSTOMER_ID, "Northstar MCC", "USD", "America/New_York", "ENABLED", True, None, "northstar", None),
    Customer(
        ACME_CUSTOMER_ID,
        "Acme Outdoor",
        "USD",
        "America/New_York",
        "ENABLED",
        False,
        MANAGER_CUSTOMER_ID,
        "northstar",
        "acme-outdoor",
    ),
    Customer(
        BLOOM_CUSTOMER_ID,
        "Bloom Beauty UK",
        "GBP",
        "Europe/London",
        "ENABLED",
        False,
        MANAGER_CUSTOMER_ID,
        "northstar",
        "bloom-beauty",
    ),
    Customer(
        CANCELED_CUSTOMER_ID,
        "Northstar Legacy Client",
        "USD",
        "America/New_York",
        "CANCELED",
        False,
        MANAGER_CUSTOMER_ID,
        "northstar",
        None,
    ),
    Customer(
        SUB_MANAGER_CUSTOMER_ID,
        "Northstar Canada MCC",
        "USD",
        "America/Toronto",
        "ENABLED",
        True,
        MANAGER_CUSTOMER_ID,
        "northstar",
        None,
    ),
    Customer(
        ACME_CANADA_CUSTOMER_ID,
        "Acme Outdoor CA",
        "USD",
        "America/Toronto",
        "ENABLED",
        False,
        SUB_MANAGER_CUSTOMER_ID,
        "northstar",
        "acme-outdoor",
    ),
    Customer(
        CITRUS_CUSTOMER_ID,
        "Citrus Kitchen DE",
        "EUR",
        "Europe/Berlin",
        "ENABLED",
        False,
        None,
        "harbor",
        "citrus-kitchen",
    ),
)


@dataclass(frozen=True)
class _AdSpec:
    name: str  # "" for responsive search ads
    status: str = "ENABLED"


@dataclass(frozen=True)
class _AdGroupSpec:
    name: str
    ads: tuple[_AdSpec, ...]
    keywords: tuple[tuple[str, str], ...] = ()  # (text, match type), search ad groups only


@dataclass(frozen=True)
class _CampaignSpec:
    name: str
    channel: str
    bidding: str
    ad_groups: tuple[_AdGroupSpec, ...]
    status: str = "ENABLED"
    first_offset: int = -60  # days from ADS_START; negative = it was already running
    last_offset: int | None = None


def _rsa(count: int) -> tuple[_AdSpec, ...]:
    return tuple(_AdSpec("") for _ in range(count))


def _named(*names: str) -> tuple[_AdSpec, ...]:
    return tuple(_AdSpec(name) for name in names)


# Channel and bidding types are spread so that every goal mapping has a case. The API's
# name for "Maximize clicks" is TARGET_SPEND; there is no MAXIMIZE_CLICKS value.
_CAMPAIGNS: dict[int, tuple[_CampaignSpec, ...]] = {
    ACME_CUSTOMER_ID: (
        _CampaignSpec(
            "Search | Brand",
            "SEARCH",
            "TARGET_IMPRESSION_SHARE",
            (
                _AdGroupSpec(
                    "Brand - Core",
                    _rsa(2),
                    (("acme outdoor", "EXACT"), ("acme outdoor jackets", "PHRASE"), ("acme gear", "BROAD")),
                ),
                _AdGroupSpec("Brand - Misspellings", _rsa(1), (("acme outdor", "EXACT"), ("akme outdoor", "BROAD"))),
            ),
        ),
        _CampaignSpec(
            "Search | Rain Jackets",
            "SEARCH",
            "TARGET_CPA",
            (
                _AdGroupSpec(
                    "Rain Jackets - Men",
                    (_AdSpec(""), _AdSpec(""), _AdSpec("", "PAUSED")),
                    (
                        ("mens rain jacket", "PHRASE"),
                        ("waterproof jacket men", "BROAD"),
                        ("gore-tex jacket", "EXACT"),
                        ("rain shell", "BROAD"),
                    ),
                ),
                _AdGroupSpec(
                    "Rain Jackets - Women", _rsa(1), (("womens rain jacket", "PHRASE"), ("packable rain coat", "BROAD"))
                ),
            ),
        ),
        _CampaignSpec(
            "Shopping | All Products",
            "SHOPPING",
            "TARGET_ROAS",
            (_AdGroupSpec("All Products", _named("Shopping - All Products")),),
        ),
        _CampaignSpec(
            "PMax | Fall Sale",
            "PERFORMANCE_MAX",
            "MAXIMIZE_CONVERSIONS",
            (_AdGroupSpec("Fall Sale", _named("Fall Sale - Outerwear", "Fall Sale - Footwear")),),
            first_offset=30,
        ),
        _CampaignSpec(
            "Display | Remarketing 2025",
            "DISPLAY",
            "MANUAL_CPC",
            (
                _AdGroupSpec(
                    "Site Visitors 30d", _named("Remarketing - Rain Shell 300x250", "Remarketing - Down Jacket 728x90")
                ),
                _AdGroupSpec("Cart Abandoners", _named("Remarketing - Cart Reminder 300x250")),
            ),
            status="REMOVED",
            first_offset=-120,
            last_offset=40,
        ),
    ),
    BLOOM_CUSTOMER_ID: (
        _CampaignSpec(
            "Search | Brand UK",
            "SEARCH",
            "MANUAL_CPC",
            (_AdGroupSpec("Brand", _rsa(1), (("bloom beauty", "EXACT"), ("bloom skincare", "PHRASE"))),),
        ),
        _CampaignSpec(
            "Search | Skincare Generic",
            "SEARCH",
            "TARGET_SPEND",
            (
                _AdGroupSpec(
                    "Vitamin C Serum",
                    _rsa(2),
                    (("vitamin c serum", "PHRASE"), ("best vitamin c serum uk", "BROAD"), ("vitamin c serum", "EXACT")),
                ),
                _AdGroupSpec("Night Cream", _rsa(1), (("night cream", "BROAD"), ("retinol night cream", "PHRASE"))),
            ),
        ),
        _CampaignSpec(
            "Video | Serum Relaunch",
            "VIDEO",
            "TARGET_CPM",
            (_AdGroupSpec("Serum Relaunch - In-Stream", _named("Serum Relaunch 15s", "Serum Relaunch 30s")),),
            first_offset=10,
        ),
        _CampaignSpec(
            "PMax | Gift Sets",
            "PERFORMANCE_MAX",
            "TARGET_ROAS",
            (_AdGroupSpec("Gift Sets", _named("Gift Sets - Holiday Preview")),),
            first_offset=50,
        ),
    ),
    CITRUS_CUSTOMER_ID: (
        _CampaignSpec(
            "Search | Kochboxen",
            "SEARCH",
            "TARGET_CPA",
            (
                _AdGroupSpec(
                    "Kochbox",
                    _rsa(2),
                    (("kochbox", "EXACT"), ("kochbox bestellen", "PHRASE"), ("rezepte box lieferung", "BROAD")),
                ),
                _AdGroupSpec("Vegetarisch", _rsa(1), (("vegetarische kochbox", "PHRASE"), ("veggie box", "BROAD"))),
            ),
        ),
        _CampaignSpec(
            "Shopping | Boxen",
            "SHOPPING",
            "TARGET_SPEND",
            (_AdGroupSpec("Alle Boxen", _named("Shopping - Alle Boxen")),),
        ),
        _CampaignSpec(
            "Display | Prospecting DACH",
            "DISPLAY",
            "MAXIMIZE_CONVERSIONS",
            (
                _AdGroupSpec("Foodies", _named("Prospecting - Family Box 300x250", "Prospecting - Pasta Night 320x50")),
                _AdGroupSpec("Busy Parents", _named("Prospecting - Quick Meals 300x600")),
            ),
        ),
        _CampaignSpec(
            "Video | Herbstmenü",
            "VIDEO",
            "TARGET_CPA",
            (_AdGroupSpec("Herbst", _named("Herbstmenü 20s")),),
            status="PAUSED",
            first_offset=5,
            last_offset=70,
        ),
    ),
    ACME_CANADA_CUSTOMER_ID: (
        _CampaignSpec(
            "Search | Brand CA",
            "SEARCH",
            "MANUAL_CPC",
            (_AdGroupSpec("Brand CA", _rsa(1), (("acme outdoor canada", "EXACT"), ("acme jackets ca", "PHRASE"))),),
        ),
        # A PMax campaign is all its account has besides one search campaign.
        _CampaignSpec(
            "PMax | Winter CA",
            "PERFORMANCE_MAX",
            "MAXIMIZE_CONVERSION_VALUE",
            (_AdGroupSpec("Winter", _named("", "")),),
            first_offset=20,
        ),
    ),
}

# Per customer, (name, status, click-through lookback window in days) of its conversion
# actions. The longest ENABLED window is how far back conversions can still move; REMOVED and
# HIDDEN actions count no longer. A customer without any (Acme Outdoor CA) gets the default.
_CONVERSION_ACTIONS: dict[int, tuple[tuple[str, str, int], ...]] = {
    ACME_CUSTOMER_ID: (
        ("Purchase", "ENABLED", 30),
        ("Newsletter sign-up", "ENABLED", 7),
        ("Purchase (old tag)", "REMOVED", 90),
    ),
    BLOOM_CUSTOMER_ID: (("Purchase", "ENABLED", 45), ("Add to basket", "HIDDEN", 90)),
    CITRUS_CUSTOMER_ID: (("Kauf", "ENABLED", 60), ("Newsletter", "ENABLED", 14)),
}

# Client k (1-based, in _CAMPAIGNS order) -> the digit its ids carry.
_CLIENT_INDEX = {customer_id: k for k, customer_id in enumerate(_CAMPAIGNS, start=1)}

# The renamed ad: (customer, campaign index, ad group index, ad index), its old name, the day.
_RENAME = (BLOOM_CUSTOMER_ID, 3, 1, 1, "Serum Launch 15s v1", ADS_START + timedelta(days=43))

_AD_GROUP_TYPES = {
    "SEARCH": "SEARCH_STANDARD",
    "SHOPPING": "SHOPPING_PRODUCT_ADS",
    "DISPLAY": "DISPLAY_STANDARD",
    "VIDEO": "VIDEO_RESPONSIVE",
    "PERFORMANCE_MAX": None,  # no such ad group type: the API would leave it unset
}
_AD_TYPES = {
    "SEARCH": "RESPONSIVE_SEARCH_AD",
    "SHOPPING": "SHOPPING_PRODUCT_AD",
    "DISPLAY": "RESPONSIVE_DISPLAY_AD",
    "VIDEO": "VIDEO_RESPONSIVE_AD",
    "PERFORMANCE_MAX": None,
}


@dataclass(frozen=True)
class _ChannelEconomics:
    cpm_cents: tuple[int, int]  # cost per 1000 impressions, customer currency
    ctr: tuple[float, float]


_ECONOMICS = {
    "SEARCH": _ChannelEconomics((2_500, 9_000), (0.03, 0.09)),
    "SHOPPING": _ChannelEconomics((1_200, 4_000), (0.008, 0.02)),
    "DISPLAY": _ChannelEconomics((150, 800), (0.002, 0.006)),
    "VIDEO": _ChannelEconomics((400, 1_500), (0.003, 0.01)),
    "PERFORMANCE_MAX": _ChannelEconomics((600, 2_500), (0.01, 0.03)),
}
_AVERAGE_ORDER_VALUE_CENTS = {
    ACME_CUSTOMER_ID: 8_900,
    BLOOM_CUSTOMER_ID: 4_200,
    CITRUS_CUSTOMER_ID: 6_450,
    ACME_CANADA_CUSTOMER_ID: 9_400,
}
_WEEKDAY_FACTORS = (1.0, 1.03, 1.0, 0.97, 0.92, 1.1, 1.15)  # Monday .. Sunday
# Data-driven attribution hands out fractional credit; 0.33 and 0.67 have no exact binary
# double, so they test that the connector goes through repr, not float arithmetic.
_CONVERSION_FRACTIONS = (Decimal("0.5"), Decimal("0.25"), Decimal("0.33"), Decimal("0.67"))
_NO_DELIVERY_CHANCE = 0.03
_MIN_DAILY_COST_CENTS, _MAX_DAILY_COST_CENTS = 500, 30_000  # 5 .. 300 a day


def campaign_id_for(client: int, campaign: int) -> int:
    return 10_000_000_000 + client * 10_000_000 + campaign * 100_000


def ad_group_id_for(client: int, campaign: int, ad_group: int) -> int:
    return 100_000_000_000 + client * 10_000_000 + campaign * 100_000 + ad_group * 1_000


def ad_id_for(client: int, campaign: int, ad_group: int, ad: int) -> int:
    return 500_000_000_000 + client * 10_000_000 + campaign * 100_000 + ad_group * 1_000 + ad * 10


def criterion_id_for(client: int, campaign: int, ad_group: int, keyword: int) -> int:
    return 900_000_000_000 + client * 10_000_000 + campaign * 100_000 + ad_group * 1_000 + keyword


def conversion_action_id_for(client: int, action: int) -> int:
    return 700_000_000 + client * 1_000 + action


# --------------------------------------------------------------------------- #
# The world
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _AdProfile:
    base_cost_cents: float
    cpm_cents: int
    ctr: float
    conversion_rate: float
    order_value_factor: float


@dataclass(frozen=True)
class GoogleAdsWorld:
    seed: int
    start: date
    end: date  # inclusive
    customers: tuple[Customer, ...]  # the managers, their clients (the CANCELED one too), the direct customer
    campaigns: tuple[Campaign, ...]
    ad_groups: tuple[AdGroup, ...]  # what FROM ad_group serves: no Performance Max
    ads: tuple[Ad, ...]  # what FROM ad_group_ad serves: no Performance Max
    keywords: tuple[Keyword, ...]
    conversion_actions: tuple[ConversionAction, ...]
    awkward: GoogleAdsAwkwardCases
    # Performance Max delivery units: they spend, and FROM campaign reports it, but the API
    # has no ad group or ad for them.
    asset_groups: tuple[AdGroup, ...] = ()
    asset_group_ads: tuple[Ad, ...] = ()

    # ---- lookups ---------------------------------------------------------- #

    def customer(self, customer_id: int) -> Customer:
        return self._customers_by_id[customer_id]

    def clients_of(self, manager_customer_id: int) -> tuple[Customer, ...]:
        """The manager's direct clients (sub-managers included)."""
        return tuple(c for c in self.customers if c.manager_customer_id == manager_customer_id)

    def hierarchy_of(self, manager_customer_id: int) -> tuple[tuple[Customer, int], ...]:
        """Every customer below the manager, at any depth, with its level (1 = direct client)."""
        found: list[tuple[Customer, int]] = []
        frontier = [(manager_customer_id, 0)]
        while frontier:
            parent, level = frontier.pop(0)
            for client in self.clients_of(parent):
                found.append((client, level + 1))
                frontier.append((client.customer_id, level + 1))
        return tuple(found)

    def is_managed_by(self, customer_id: int, manager_customer_id: int) -> bool:
        return any(c.customer_id == customer_id for c, _ in self.hierarchy_of(manager_customer_id))

    def conversion_actions_of(self, customer_id: int) -> tuple[ConversionAction, ...]:
        return tuple(a for a in self.conversion_actions if a.customer_id == customer_id)

    def campaign(self, campaign_id: int) -> Campaign:
        return self._campaigns_by_id[campaign_id]

    def campaigns_of(self, customer_id: int) -> tuple[Campaign, ...]:
        return tuple(c for c in self.campaigns if c.customer_id == customer_id)

    def ad_groups_of(self, customer_id: int) -> tuple[AdGroup, ...]:
        return tuple(g for g in self.ad_groups if g.customer_id == customer_id)

    def ads_of(self, customer_id: int) -> tuple[Ad, ...]:
        return tuple(a for a in self.ads if a.customer_id == customer_id)

    def keywords_of(self, customer_id: int) -> tuple[Keyword, ...]:
        return tuple(k for k in self.keywords if k.customer_id == customer_id)

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1))

    # ---- numbers ---------------------------------------------------------- #

    def metrics_for_day(self, customer_id: int, day: date, revision: int = 0) -> tuple[AdDayMetrics, ...]:
        """Every ad's numbers for `day` (any day, in or out of the range); ads that did not
        deliver have no row, as in the API. `revision` n > 0 is the day as restated n times."""
        rows = []
        for ad in self.ads_of(customer_id):
            metrics = self._ad_day(ad, day)
            if metrics is not None:
                rows.append(self._restated(metrics, revision) if revision else metrics)
        return tuple(rows)

    def campaign_metrics_for_day(
        self, customer_id: int, day: date, revision: int = 0
    ) -> tuple[CampaignDayMetrics, ...]:
        """Per campaign, the day's totals over every delivery unit, Performance Max included:
        what FROM campaign answers. Campaigns that did not deliver have no row."""
        totals: dict[int, list] = {}
        units = [*self.ads_of(customer_id), *(a for a in self.asset_group_ads if a.customer_id == customer_id)]
        for ad in units:
            metrics = self._ad_day(ad, day)
            if metrics is None:
                continue
            metrics = self._restated(metrics, revision) if revision else metrics
            total = totals.setdefault(ad.campaign_id, [0, 0, 0, Decimal(0), Decimal(0)])
            total[0] += metrics.cost_micros
            total[1] += metrics.impressions
            total[2] += metrics.clicks
            total[3] += metrics.conversions
            total[4] += metrics.conversions_value
        return tuple(
            CampaignDayMetrics(customer_id, campaign_id, day, *totals[campaign_id]) for campaign_id in sorted(totals)
        )

    def cost_micros(self, customer_id: int, day: date, revision: int = 0) -> int:
        """What Google bills for the customer's day: the campaign-level total, PMax included."""
        return sum(m.cost_micros for m in self.campaign_metrics_for_day(customer_id, day, revision))

    def ad_level_cost_micros(self, customer_id: int, day: date, revision: int = 0) -> int:
        """The part of the day's cost that ad_group_ad reports (no Performance Max)."""
        return sum(m.cost_micros for m in self.metrics_for_day(customer_id, day, revision))

    def click_views_for_day(self, customer_id: int, day: date) -> tuple[ClickView, ...]:
        """A sample of the day's clicks (1-3 per ad with clicks), each with its gclid."""
        clicks = []
        for metrics in self.metrics_for_day(customer_id, day):
            clicks.extend(self._clicks_of(metrics))
        return tuple(clicks)

    @cached_property
    def click_views(self) -> tuple[ClickView, ...]:
        """Every sampled click of the range, for sources that carry gclids (orders, pixel events)."""
        return tuple(
            click
            for day in self.days
            for customer in self.customers
            if not customer.is_manager
            for click in self.click_views_for_day(customer.customer_id, day)
        )

    # ---- configuration ---------------------------------------------------- #

    def connections_config(self) -> dict[str, list[dict]]:
        """Per workspace slug, its Google Ads connection entries as the YAML config holds them."""
        return {
            "northstar": [
                {
                    "id": "northstar-google",
                    "provider": "google_ads",
                    "manager_customer_id": self.customer(MANAGER_CUSTOMER_ID).dashed_id,
                    # The MCC reaches two clients' accounts: say whose each one is.
                    "account_clients": {
                        self.customer(ACME_CUSTOMER_ID).dashed_id: "acme-outdoor",
                        self.customer(BLOOM_CUSTOMER_ID).dashed_id: "bloom-beauty",
                        self.customer(ACME_CANADA_CUSTOMER_ID).dashed_id: "acme-outdoor",
                    },
                    "credentials_env_prefix": "NORTHSTAR_GOOGLE",
                }
            ],
            "harbor": [
                {
                    "id": "harbor-google",
                    "provider": "google_ads",
                    "client": "citrus-kitchen",
                    "customer_ids": [self.customer(CITRUS_CUSTOMER_ID).dashed_id],
                    "credentials_env_prefix": "HARBOR_GOOGLE",
                }
            ],
        }

    def config_document(self) -> dict:
        """A stand-alone METRICS_CONFIG document (workspaces, clients, connections) for running
        the Google Ads connector on its own; the full sandbox merges connections_config()."""
        connections = self.connections_config()
        names = {"northstar": "Northstar Agency", "harbor": "Harbor Collective"}
        client_names = {
            "acme-outdoor": "Acme Outdoor",
            "bloom-beauty": "Bloom Beauty",
            "citrus-kitchen": "Citrus Kitchen",
        }
        return {
            "workspaces": [
                {
                    "slug": workspace,
                    "name": names[workspace],
                    # A client with several accounts (Acme Outdoor's US and Canadian ones) is
                    # listed once, as its first account describes it.
                    "clients": [
                        {
                            "slug": c.client_slug,
                            "name": client_names[c.client_slug],
                            "currency": c.currency_code,
                            "timezone": c.time_zone,
                        }
                        for n, c in enumerate(self.customers)
                        if c.workspace_slug == workspace
                        and c.client_slug
                        and c.client_slug not in {earlier.client_slug for earlier in self.customers[:n]}
                    ],
                    "connections": connections[workspace],
                }
                for workspace in names
            ]
        }

    # ---- internals -------------------------------------------------------- #

    @cached_property
    def _customers_by_id(self) -> dict[int, Customer]:
        return {c.customer_id: c for c in self.customers}

    @cached_property
    def _campaigns_by_id(self) -> dict[int, Campaign]:
        return {c.campaign_id: c for c in self.campaigns}

    @cached_property
    def _ad_groups_by_id(self) -> dict[int, AdGroup]:
        return {g.ad_group_id: g for g in (*self.ad_groups, *self.asset_groups)}

    @cached_property
    def _keywords_by_ad_group(self) -> dict[int, tuple[Keyword, ...]]:
        grouped: dict[int, list[Keyword]] = {}
        for keyword in self.keywords:
            grouped.setdefault(keyword.ad_group_id, []).append(keyword)
        return {ad_group_id: tuple(keywords) for ad_group_id, keywords in grouped.items()}

    def _profile(self, ad: Ad) -> _AdProfile:
        rng = _stream(self.seed, "ad", ad.ad_id)
        economics = _ECONOMICS[self.campaign(ad.campaign_id).advertising_channel_type]
        return _AdProfile(
            # Log-uniform, so most ads spend tens a day and a few spend hundreds.
            base_cost_cents=10 ** rng.uniform(math.log10(800), math.log10(20_000)),
            cpm_cents=rng.randint(*economics.cpm_cents),
            ctr=rng.uniform(*economics.ctr),
            conversion_rate=rng.uniform(0.01, 0.08),
            order_value_factor=rng.uniform(0.7, 1.4),
        )

    def _ad_day(self, ad: Ad, day: date) -> AdDayMetrics | None:
        campaign = self.campaign(ad.campaign_id)
        ad_group = self._ad_groups_by_id[ad.ad_group_id]
        # Status is today's; a REMOVED or PAUSED campaign's past days still have their numbers.
        if not campaign.serves_on(day) or ad.status != "ENABLED" or ad_group.status != "ENABLED":
            return None
        rng = _stream(self.seed, "ad-day", ad.ad_id, day.isoformat())
        if rng.random() < _NO_DELIVERY_CHANCE:
            return None
        profile = self._profile(ad)
        factor = _WEEKDAY_FACTORS[day.weekday()] * rng.uniform(0.75, 1.25)
        cost_cents = min(_MAX_DAILY_COST_CENTS, max(_MIN_DAILY_COST_CENTS, round(profile.base_cost_cents * factor)))
        impressions = max(1, cost_cents * 1000 // profile.cpm_cents)
        clicks = min(impressions, round(impressions * profile.ctr * rng.uniform(0.8, 1.2)))
        whole = min(clicks, round(clicks * profile.conversion_rate * rng.uniform(0.5, 1.5)))
        fraction = rng.choice(_CONVERSION_FRACTIONS) if clicks and rng.random() < 0.3 else Decimal(0)
        conversions = Decimal(whole) + fraction
        order_value = _AVERAGE_ORDER_VALUE_CENTS[ad.customer_id] * profile.order_value_factor
        value_cents = round(float(conversions) * order_value * rng.uniform(0.85, 1.15))
        return AdDayMetrics(
            customer_id=ad.customer_id,
            campaign_id=ad.campaign_id,
            ad_group_id=ad.ad_group_id,
            ad_id=ad.ad_id,
            day=day,
            cost_micros=cost_cents * 10_000,
            impressions=impressions,
            clicks=clicks,
            conversions=conversions,
            conversions_value=Decimal(value_cents).scaleb(-2),
        )

    def _restated(self, metrics: AdDayMetrics, revision: int) -> AdDayMetrics:
        """What Google says about the day later: invalid clicks credited back, late conversions."""
        rng = _stream(self.seed, "restatement", metrics.ad_id, metrics.day.isoformat(), revision)
        invalid_clicks = min(metrics.clicks, rng.randint(1, 3))
        cpc_micros = metrics.cost_micros // max(1, metrics.clicks) // 10_000 * 10_000
        late_conversions = Decimal(revision) / 2
        return AdDayMetrics(
            customer_id=metrics.customer_id,
            campaign_id=metrics.campaign_id,
            ad_group_id=metrics.ad_group_id,
            ad_id=metrics.ad_id,
            day=metrics.day,
            cost_micros=max(0, metrics.cost_micros - invalid_clicks * cpc_micros),
            impressions=metrics.impressions,
            clicks=metrics.clicks - invalid_clicks,
            conversions=metrics.conversions + late_conversions,
            conversions_value=metrics.conversions_value + Decimal(rng.randint(100, 9_999)).scaleb(-2),
        )

    def _clicks_of(self, metrics: AdDayMetrics) -> Iterator[ClickView]:
        if metrics.clicks == 0:
            return
        rng = _stream(self.seed, "clicks", metrics.ad_id, metrics.day.isoformat())
        keywords = tuple(k for k in self._keywords_by_ad_group.get(metrics.ad_group_id, ()) if k.status == "ENABLED")
        for n in range(min(metrics.clicks, rng.randint(1, 3))):
            keyword = rng.choice(keywords) if keywords else None
            yield ClickView(
                gclid=gclid_for(self.seed, metrics.ad_id, metrics.day, n),
                customer_id=metrics.customer_id,
                day=metrics.day,
                campaign_id=metrics.campaign_id,
                ad_group_id=metrics.ad_group_id,
                ad_id=metrics.ad_id,
                keyword_criterion_id=keyword.criterion_id if keyword else None,
            )


def gclid_for(seed: int, ad_id: int, day: date, n: int) -> str:
    digest = hashlib.sha256(f"{seed}/gclid/{ad_id}/{day.isoformat()}/{n}".encode()).hexdigest()
    return GCLID_PREFIX + digest[:32]


def _stream(seed: int, *labels: object) -> random.Random:
    # String seeds go through SHA-512: independent of PYTHONHASHSEED, one stream per purpose.
    return random.Random("/".join([str(seed), *map(str, labels)]))


def build_google_ads_world(seed: int = DEFAULT_SEED) -> GoogleAdsWorld:
    campaigns: list[Campaign] = []
    ad_groups: list[AdGroup] = []
    ads: list[Ad] = []
    keywords: list[Keyword] = []
    asset_groups: list[AdGroup] = []
    asset_group_ads: list[Ad] = []
    renamed: RenamedAd | None = None
    rename_customer, rename_campaign, rename_group, rename_ad, old_name, renamed_on = _RENAME
    for customer_id, specs in _CAMPAIGNS.items():
        k = _CLIENT_INDEX[customer_id]
        for j, spec in enumerate(specs, start=1):
            campaign_id = campaign_id_for(k, j)
            campaigns.append(
                Campaign(
                    customer_id=customer_id,
                    campaign_id=campaign_id,
                    name=spec.name,
                    status=spec.status,
                    advertising_channel_type=spec.channel,
                    bidding_strategy_type=spec.bidding,
                    first_day=ADS_START + timedelta(days=spec.first_offset),
                    last_day=None if spec.last_offset is None else ADS_START + timedelta(days=spec.last_offset),
                )
            )
            # Performance Max delivers through asset groups, which the API keeps out of ad_group / ad_group_ad.
            pmax = spec.channel == "PERFORMANCE_MAX"
            group_list, ad_list = (asset_groups, asset_group_ads) if pmax else (ad_groups, ads)
            for g, group_spec in enumerate(spec.ad_groups, start=1):
                ad_group_id = ad_group_id_for(k, j, g)
                group_list.append(
                    AdGroup(
                        customer_id, campaign_id, ad_group_id, group_spec.name, "ENABLED", _AD_GROUP_TYPES[spec.channel]
                    )
                )
                for a, ad_spec in enumerate(group_spec.ads, start=1):
                    ad = Ad(
                        customer_id=customer_id,
                        campaign_id=campaign_id,
                        ad_group_id=ad_group_id,
                        ad_id=ad_id_for(k, j, g, a),
                        name=ad_spec.name,
                        status=ad_spec.status,
                        type=_AD_TYPES[spec.channel],
                    )
                    ad_list.append(ad)
                    if (customer_id, j, g, a) == (rename_customer, rename_campaign, rename_group, rename_ad):
                        renamed = RenamedAd(customer_id, ad_group_id, ad.ad_id, old_name, ad.name, renamed_on)
                for n, (text, match_type) in enumerate(group_spec.keywords, start=1):
                    keywords.append(
                        Keyword(
                            customer_id,
                            campaign_id,
                            ad_group_id,
                            criterion_id_for(k, j, g, n),
                            text,
                            match_type,
                            "ENABLED",
                        )
                    )
    assert renamed is not None, "the renamed ad must be part of the cast"
    removed = next(c for c in campaigns if c.status == "REMOVED")
    canceled = next(c for c in _CUSTOMERS if c.status == "CANCELED")
    customers = {c.customer_id: c for c in _CUSTOMERS}
    conversion_actions = tuple(
        ConversionAction(customer_id, conversion_action_id_for(_CLIENT_INDEX[customer_id], n), name, status, window)
        for customer_id, specs in _CONVERSION_ACTIONS.items()
        for n, (name, status, window) in enumerate(specs, start=1)
    )
    return GoogleAdsWorld(
        seed=seed,
        start=ADS_START,
        end=ADS_END,
        customers=_CUSTOMERS,
        campaigns=tuple(campaigns),
        ad_groups=tuple(ad_groups),
        ads=tuple(ads),
        keywords=tuple(keywords),
        conversion_actions=conversion_actions,
        awkward=GoogleAdsAwkwardCases(
            renamed_ad=renamed,
            removed_campaign=removed,
            canceled_customer=canceled,
            sub_manager=customers[SUB_MANAGER_CUSTOMER_ID],
            grandchild_customer=customers[ACME_CANADA_CUSTOMER_ID],
            pmax_campaigns=tuple(c for c in campaigns if c.advertising_channel_type == "PERFORMANCE_MAX"),
        ),
        asset_groups=tuple(asset_groups),
        asset_group_ads=tuple(asset_group_ads),
    )
