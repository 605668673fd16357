"""The sandbox's TikTok Ads world: advertisers, campaigns, ad groups, ads and the daily ad report.

``build_tiktok_world()`` returns a ``TikTokWorld``: two advertisers with fixed ids (the same
clients as the Meta world's ad accounts), their campaign > ad group > ad trees, and every ad's
daily figures as a pure function of ``(seed, ad, day, as_of)``, where ``as_of`` is the day the
API is asked on (a day after it has no data yet). The wall clock is never read.

The awkward cases real advertisers have are here on purpose and recorded on the world:

- a deleted ad (AD_STATUS_DELETE) that spent inside the range: ``/ad/get/`` leaves it out unless
  ``filtering.primary_status`` is STATUS_ALL, while the report keeps its rows;
- a restated day: RESTATED_DAY of the first advertiser is served with its original figures while
  ``as_of`` is before RESTATED_FROM, and with more conversions and spend from then on;
- landing page URLs with TikTok's URL macros (``__CAMPAIGN_ID__``, ``__AID__``, ``__CID__``)
  in their UTM parameters, as the advertiser typed them: TikTok fills them in on each click.

Money is integer cents inside the world and a decimal string with 2 decimals on the wire, like
the real report's ``spend``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

START = date(2026, 8, 3)
END = date(2026, 10, 31)
DEFAULT_SEED = 20260803

ACME_ADVERTISER_ID = "7100000000000000001"  # workspace northstar, client acme-outdoor, USD
CITRUS_ADVERTISER_ID = "7100000000000000002"  # workspace harbor, client citrus-kitchen, EUR
APP_ID = "7200000000000000001"  # the agency's TikTok developer app (one for both workspaces)

RESTATED_DAY = date(2026, 10, 12)
RESTATED_FROM = date(2026, 10, 19)
DELETED_ON = date(2026, 9, 20)  # the deleted ad delivered until the day before

# What advertisers put in the ad's URL: TikTok expands the macros on each click.
TRACKING_QUERY = (
    "utm_source=tiktok&utm_medium=paid_social&utm_campaign=__CAMPAIGN_NAME__"
    "&utm_id=__CAMPAIGN_ID__&utm_term=__AID__&utm_content=__CID__"
)


@dataclass(frozen=True)
class TikTokAdvertiser:
    advertiser_id: str
    name: str
    currency: str
    timezone: str
    workspace_slug: str
    client_slug: str
    connection_id: str
    credentials_env_prefix: str
    refresh_token: str  # what the sandbox server accepts for this connection
    secret: str
    site: str  # the storefront the ads link to

    def credentials(self) -> dict[str, str]:
        prefix = self.credentials_env_prefix
        return {
            f"{prefix}_APP_ID": APP_ID,
            f"{prefix}_SECRET": self.secret,
            f"{prefix}_REFRESH_TOKEN": self.refresh_token,
        }


@dataclass(frozen=True)
class TikTokCampaign:
    advertiser_id: str
    campaign_id: str
    campaign_name: str
    objective_type: str
    operation_status: str  # ENABLE | DISABLE
    secondary_status: str
    create_time: datetime  # UTC


@dataclass(frozen=True)
class TikTokAdGroup:
    advertiser_id: str
    adgroup_id: str
    campaign_id: str
    adgroup_name: str
    optimization_goal: str
    operation_status: str
    secondary_status: str


@dataclass(frozen=True)
class TikTokAd:
    advertiser_id: str
    ad_id: str
    adgroup_id: str
    campaign_id: str
    ad_name: str
    operation_status: str
    secondary_status: str
    landing_page_url: str
    first_day: date
    last_day: date | None
    base_impressions: int
    cpm_cents: int
    click_rate: float
    conversion_rate: float
    order_value_cents: int

    @property
    def deleted(self) -> bool:
        return self.secondary_status == "AD_STATUS_DELETE"

    def delivers_on(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class AdDay:
    ad: TikTokAd
    day: date
    spend_cents: int
    impressions: int
    clicks: int
    conversions: int
    purchases: int
    purchase_value_cents: int

    @property
    def spend(self) -> Decimal:
        return Decimal(self.spend_cents) / 100

    @property
    def purchase_value(self) -> Decimal:
        return Decimal(self.purchase_value_cents) / 100


@dataclass(frozen=True)
class TikTokWorld:
    seed: int
    start: date
    end: date
    advertisers: tuple[TikTokAdvertiser, ...]
    campaigns: tuple[TikTokCampaign, ...]
    adgroups: tuple[TikTokAdGroup, ...]
    ads: tuple[TikTokAd, ...]
    deleted_ad: TikTokAd

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def advertiser(self, advertiser_id: str) -> TikTokAdvertiser:
        for advertiser in self.advertisers:
            if advertiser.advertiser_id == advertiser_id:
                return advertiser
        raise KeyError(advertiser_id)

    def campaigns_of(self, advertiser_id: str) -> tuple[TikTokCampaign, ...]:
        return tuple(c for c in self.campaigns if c.advertiser_id == advertiser_id)

    def adgroups_of(self, advertiser_id: str) -> tuple[TikTokAdGroup, ...]:
        return tuple(g for g in self.adgroups if g.advertiser_id == advertiser_id)

    def ads_of(self, advertiser_id: str) -> tuple[TikTokAd, ...]:
        return tuple(a for a in self.ads if a.advertiser_id == advertiser_id)

    def ad_day(self, ad: TikTokAd, day: date, as_of: date) -> AdDay | None:
        if day > as_of or not ad.delivers_on(day):
            return None
        restated = ad.advertiser_id == ACME_ADVERTISER_ID and day == RESTATED_DAY and as_of >= RESTATED_FROM
        return _ad_day(self.seed, ad, day, restated)

    def report(self, advertiser_id: str, since: date, until: date, as_of: date) -> list[AdDay]:
        """Every delivering ad day of the advertiser in [since, until], by day then ad id."""
        found = []
        day = since
        while day <= until:
            for ad in self.ads_of(advertiser_id):
                if (ad_day := self.ad_day(ad, day, as_of)) is not None:
                    found.append(ad_day)
            day += timedelta(days=1)
        return found

    def spend_by_day(self, advertiser_id: str, days: Iterable[date], as_of: date) -> dict[date, Decimal]:
        """Exact spend per day, every ad included (the deleted one too)."""
        days = sorted(days)
        totals = {day: Decimal("0.00") for day in days}
        for ad_day in self.report(advertiser_id, days[0], days[-1], as_of):
            if ad_day.day in totals:
                totals[ad_day.day] += ad_day.spend
        return totals

    def credentials(self) -> dict[str, str]:
        """<credentials_env_prefix>_APP_ID / _SECRET / _REFRESH_TOKEN per connection."""
        found: dict[str, str] = {}
        for advertiser in self.advertisers:
            found.update(advertiser.credentials())
        return found

    def connections_config(self) -> dict[str, list[dict]]:
        """Per workspace slug, the `connections:` entries of the pipeline's YAML configuration."""
        by_workspace: dict[str, list[dict]] = {}
        for advertiser in self.advertisers:
            by_workspace.setdefault(advertiser.workspace_slug, []).append(
                {
                    "id": advertiser.connection_id,
                    "provider": "tiktok",
                    "client": advertiser.client_slug,
                    "advertiser_ids": [advertiser.advertiser_id],
                    "credentials_env_prefix": advertiser.credentials_env_prefix,
                    "lookback_days": 28,
                }
            )
        return by_workspace


_ADVERTISERS = (
    TikTokAdvertiser(
        advertiser_id=ACME_ADVERTISER_ID,
        name="Acme Outdoor TikTok",
        currency="USD",
        timezone="America/New_York",
        workspace_slug="northstar",
        client_slug="acme-outdoor",
        connection_id="northstar-tiktok",
        credentials_env_prefix="NORTHSTAR_TIKTOK",
        refresh_token="sandbox-tiktok-refresh-northstar",
        secret="sandbox-tiktok-app-secret-not-real",
        site="https://acme-outdoor.example",
    ),
    TikTokAdvertiser(
        advertiser_id=CITRUS_ADVERTISER_ID,
        name="Citrus Kitchen TikTok DE",
        currency="EUR",
        timezone="Europe/Berlin",
        workspace_slug="harbor",
        client_slug="citrus-kitchen",
        connection_id="harbor-tiktok",
        credentials_env_prefix="HARBOR_TIKTOK",
        refresh_token="sandbox-tiktok-refresh-harbor",
        secret="sandbox-tiktok-app-secret-not-real",
        site="https://citrus-kitchen.example",
    ),
)

# (name, objective, optimization goal, ad group audiences, creatives)
_PLANS = (
    (
        "Spark | Bestsellers",
        "WEB_CONVERSIONS",
        "CONVERT",
        ("Broad 18-44", "Lookalike Buyers"),
        ("UGC Unboxing", "Demo"),
    ),
    ("TopView | Launch", "REACH", "REACH", ("Broad 18-34",), ("Hero Film",)),
    ("Traffic | Blog", "TRAFFIC", "CLICK", ("Interest Outdoor", "Retarget 30d"), ("How-to", "Creator Tips")),
)


def build_tiktok_world(seed: int = DEFAULT_SEED) -> TikTokWorld:
    campaigns: list[TikTokCampaign] = []
    adgroups: list[TikTokAdGroup] = []
    ads: list[TikTokAd] = []
    deleted: TikTokAd | None = None
    for a, advertiser in enumerate(_ADVERTISERS, start=1):
        for c, (name, objective, goal, audiences, creatives) in enumerate(_PLANS, start=1):
            rng = _stream(seed, "campaign", advertiser.advertiser_id, c)
            campaign_id = f"17{a}{c:02d}000000000000"
            created = datetime.combine(START - timedelta(days=rng.randint(3, 20)), time(rng.randint(8, 18)))
            campaigns.append(
                TikTokCampaign(
                    advertiser.advertiser_id,
                    campaign_id,
                    name,
                    objective,
                    "ENABLE",
                    "CAMPAIGN_STATUS_ENABLE",
                    created,
                )
            )
            for g, audience in enumerate(audiences, start=1):
                adgroup_id = f"17{a}{c:02d}{g:02d}0000000000"
                adgroups.append(
                    TikTokAdGroup(
                        advertiser.advertiser_id,
                        adgroup_id,
                        campaign_id,
                        f"{audience} | {goal.title()}",
                        goal,
                        "ENABLE",
                        "ADGROUP_STATUS_DELIVERY_OK",
                    )
                )
                for d, creative in enumerate(creatives, start=1):
                    ad_rng = _stream(seed, "ad", advertiser.advertiser_id, c, g, d)
                    ad_id = f"17{a}{c:02d}{g:02d}{d:02d}00000000"
                    is_deleted = (a, c, g, d) == (1, 1, 2, 2)
                    ad = TikTokAd(
                        advertiser_id=advertiser.advertiser_id,
                        ad_id=ad_id,
                        adgroup_id=adgroup_id,
                        campaign_id=campaign_id,
                        ad_name=f"{creative} | 9:16 v{d}",
                        operation_status="DISABLE" if is_deleted else "ENABLE",
                        secondary_status="AD_STATUS_DELETE" if is_deleted else "AD_STATUS_DELIVERY_OK",
                        landing_page_url=f"{advertiser.site}/?{TRACKING_QUERY}",
                        first_day=START,
                        last_day=DELETED_ON - timedelta(days=1) if is_deleted else None,
                        base_impressions=ad_rng.randint(2000, 12000),
                        cpm_cents=ad_rng.randint(450, 1100),
                        click_rate=ad_rng.uniform(0.006, 0.02),
                        conversion_rate=ad_rng.uniform(0.01, 0.05) if objective == "WEB_CONVERSIONS" else 0.0,
                        order_value_cents=ad_rng.randint(3500, 9000),
                    )
                    ads.append(ad)
                    if is_deleted:
                        deleted = ad
    assert deleted is not None
    return TikTokWorld(
        seed=seed,
        start=START,
        end=END,
        advertisers=_ADVERTISERS,
        campaigns=tuple(campaigns),
        adgroups=tuple(adgroups),
        ads=tuple(ads),
        deleted_ad=deleted,
    )


def _stream(seed: int, *labels: object) -> random.Random:
    return random.Random("/".join([str(seed), "tiktok", *map(str, labels)]))


def _ad_day(seed: int, ad: TikTokAd, day: date, restated: bool) -> AdDay:
    rng = _stream(seed, "day", ad.ad_id, day.isoformat())
    weekend = 1.25 if day.weekday() >= 5 else 1.0
    impressions = max(0, int(ad.base_impressions * weekend * rng.uniform(0.6, 1.4)))
    clicks = int(impressions * ad.click_rate * rng.uniform(0.7, 1.3))
    spend_cents = impressions * ad.cpm_cents // 1000
    purchases = sum(1 for _ in range(clicks) if rng.random() < ad.conversion_rate)
    value_cents = sum(int(ad.order_value_cents * rng.uniform(0.7, 1.5)) for _ in range(purchases))
    conversions = purchases + sum(1 for _ in range(clicks // 10) if rng.random() < 0.1)
    if restated:
        # TikTok later attributes more conversions to the day, and bills a late correction.
        extra = 2
        purchases += extra
        conversions += extra
        value_cents += extra * ad.order_value_cents
        spend_cents += 137
    return AdDay(ad, day, spend_cents, impressions, clicks, conversions, purchases, value_cents)
