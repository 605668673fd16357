"""The sandbox's Meta (Facebook) Ads world: ad accounts, campaigns, ad sets, ads and daily insights.

``build_meta_world()`` returns a ``MetaWorld``: two ad accounts with fixed ids (other
sources of the sandbox refer to them), their campaign > ad set > ad trees, and the daily
insights of every ad as a pure function of ``(seed, ad, day, as_of)``, where ``as_of``
is the day the Graph API is being asked on. Any day can be generated, inside the 90-day
range or not (an intraday snapshot asks for "today"); a day after ``as_of`` has no data
yet. The wall clock is never read.

The awkward cases real accounts have are here on purpose and recorded on the world:

- an ad renamed mid-range: the API only ever returns the name current at ``as_of``;
- a DELETED and an ARCHIVED campaign that still spent inside the range: the API hides
  them (entity edges without ``effective_status``, insights without ``filtering`` on
  ``ad.effective_status``), so a connector that forgets loses their spend;
- a restated day: 2026-10-10 of act_100000001 is served with its original figures
  while ``as_of`` is before 2026-10-17 and with higher spend and purchases from then on;
- duplicate action types (``purchase``, ``omni_purchase`` next to the pixel purchase;
  ``onsite_conversion.lead_grouped`` next to ``lead``) that a connector must not add up,
  and ad days with actions but no ``action_values``.

Money is integer cents inside the world and a decimal string with 2 decimals on the
wire, like the real API's ``spend``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

START = date(2026, 8, 3)
END = date(2026, 10, 31)
DAYS = (END - START).days + 1  # 90
DEFAULT_SEED = 20260803

ACME_ACCOUNT_ID = "100000001"  # act_100000001: workspace northstar, client acme-outdoor, USD
CITRUS_ACCOUNT_ID = "100000002"  # act_100000002: workspace harbor, client citrus-kitchen, EUR

PURCHASE_ACTION = "offsite_conversion.fb_pixel_purchase"
LEAD_ACTION = "lead"
LINK_CLICK_ACTION = "link_click"
# The same conversions under other names, as the real API lists them side by side.
PURCHASE_ALIASES = ("purchase", "omni_purchase")
LEAD_ALIASES = ("onsite_conversion.lead_grouped",)

# Windows the world keeps per conversion; the API returns the requested ones.
CONVERSION_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "1d_ev")
# An action's plain `value` follows the account's attribution setting: 7-day click + 1-day view.
ACCOUNT_ATTRIBUTION_WINDOWS = ("7d_click", "1d_view")

RESTATED_DAY = date(2026, 10, 10)
RESTATED_FROM = date(2026, 10, 17)  # as_of on and after which the restated figures are served
RENAMED_ON = date(2026, 9, 15)


# --------------------------------------------------------------------------- #
# Public result types
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class MetaAccount:
    account_id: str  # digits, no act_ prefix
    name: str
    currency: str
    timezone_name: str
    workspace_slug: str
    client_slug: str
    connection_id: str
    credentials_env_prefix: str
    access_token: str  # the sandbox token the server accepts for this account
    account_status: int = 1  # 1 = ACTIVE

    @property
    def act_id(self) -> str:
        return f"act_{self.account_id}"


@dataclass(frozen=True)
class MetaCampaign:
    account_id: str
    campaign_id: str
    name: str
    objective: str
    status: str
    effective_status: str
    created_time: datetime
    updated_time: datetime
    first_day: date  # first day with delivery
    last_day: date | None  # last day with delivery; None = still running


@dataclass(frozen=True)
class MetaAdSet:
    account_id: str
    adset_id: str
    campaign_id: str
    name: str
    status: str
    effective_status: str
    optimization_goal: str
    created_time: datetime
    updated_time: datetime


@dataclass(frozen=True)
class _Delivery:
    base_impressions: int
    cpm_cents: int  # per 1000 impressions
    click_rate: float
    conversion_rate: float  # purchases, leads or installs per click, by objective
    order_value_cents: int


@dataclass(frozen=True)
class MetaAd:
    account_id: str
    ad_id: str
    adset_id: str
    campaign_id: str
    name: str  # the current name (see MetaWorld.ad_name)
    status: str
    effective_status: str
    objective: str  # the campaign's, which decides what the ad converts to
    created_time: datetime
    updated_time: datetime
    first_day: date
    last_day: date | None
    delivery: _Delivery

    def delivers_on(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class AdRename:
    ad_id: str
    old_name: str
    new_name: str
    renamed_on: date  # as_of from which the API returns new_name


@dataclass(frozen=True)
class Restatement:
    account_id: str
    day: date
    restated_from: date  # as_of from which the higher figures are served


@dataclass(frozen=True)
class ActionStat:
    """One entry of `actions` / `action_values`: a total per attribution window."""

    action_type: str
    by_window: tuple[tuple[str, Decimal], ...]  # () for actions without windows (link_click)
    plain_value: Decimal  # the API's `value`

    def window(self, name: str) -> Decimal:
        return dict(self.by_window).get(name, Decimal(0))

    def as_api(self, requested_windows: Sequence[str], *, money: bool) -> dict[str, str]:
        """The JSON entry the Graph API returns: `value`, plus one key per requested window."""
        entry = {"action_type": self.action_type, "value": _wire_number(self.plain_value, money)}
        if self.by_window:
            for name in requested_windows:
                entry[name] = _wire_number(self.window(name), money)
        return entry


@dataclass(frozen=True)
class AdDay:
    ad: MetaAd
    day: date
    spend: str  # as on the wire: "123.45"
    impressions: int
    clicks: int
    actions: tuple[ActionStat, ...]
    action_values: tuple[ActionStat, ...]

    def total(self, action_type: str, windows: Sequence[str], *, values: bool = False) -> Decimal:
        """The oracle for tests: one action type summed over `windows` (or its plain value)."""
        for stat in self.action_values if values else self.actions:
            if stat.action_type == action_type:
                if not stat.by_window:
                    return stat.plain_value
                return sum((stat.window(name) for name in windows), Decimal(0))
        return Decimal(0)


# --------------------------------------------------------------------------- #
# The fixed cast
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _CampaignPlan:
    name: str
    objective: str
    status: str  # ACTIVE | PAUSED | DELETED | ARCHIVED
    created_on: date
    first_day: date
    last_day: date | None
    audiences: tuple[str, ...]
    creatives: tuple[str, ...]


_OPTIMIZATION_GOALS = {
    "OUTCOME_SALES": "OFFSITE_CONVERSIONS",
    "OUTCOME_LEADS": "LEAD_GENERATION",
    "OUTCOME_TRAFFIC": "LANDING_PAGE_VIEWS",
    "OUTCOME_AWARENESS": "REACH",
    "OUTCOME_APP_PROMOTION": "APP_INSTALLS",
    "OUTCOME_ENGAGEMENT": "POST_ENGAGEMENT",
}
_CPM_CENTS = {  # (low, high) per objective
    "OUTCOME_SALES": (1100, 1800),
    "OUTCOME_LEADS": (900, 1500),
    "OUTCOME_TRAFFIC": (700, 1100),
    "OUTCOME_AWARENESS": (350, 650),
    "OUTCOME_APP_PROMOTION": (800, 1300),
    "OUTCOME_ENGAGEMENT": (500, 900),
}
_FORMATS = ("Static 1080x1080", "Video 15s", "Carousel 5 cards")

_ACCOUNTS = (
    MetaAccount(
        account_id=ACME_ACCOUNT_ID,
        name="Acme Outdoor - US",
        currency="USD",
        timezone_name="America/New_York",
        workspace_slug="northstar",
        client_slug="acme-outdoor",
        connection_id="northstar-meta",
        credentials_env_prefix="NORTHSTAR_META",
        access_token="sandbox-meta-token-northstar",
    ),
    MetaAccount(
        account_id=CITRUS_ACCOUNT_ID,
        name="Citrus Kitchen DACH",
        currency="EUR",
        timezone_name="Europe/Berlin",
        workspace_slug="harbor",
        client_slug="citrus-kitchen",
        connection_id="harbor-meta",
        credentials_env_prefix="HARBOR_META",
        access_token="sandbox-meta-token-harbor",
    ),
)

_CAMPAIGN_PLANS = {
    ACME_ACCOUNT_ID: (
        _CampaignPlan(
            "Prospecting | Core Range",
            "OUTCOME_SALES",
            "ACTIVE",
            date(2026, 7, 1),
            date(2026, 7, 1),
            None,
            ("Lookalike 1% Purchasers", "Broad US 25-54", "Interest: Hiking"),
            ("Rain Shell", "Down Jacket", "Trail Shoes"),
        ),
        _CampaignPlan(
            "Retargeting | Cart Abandoners",
            "OUTCOME_SALES",
            "ACTIVE",
            date(2026, 7, 1),
            date(2026, 7, 1),
            None,
            ("Cart 14d", "Site Visitors 30d"),
            ("Dynamic Catalog", "Free Shipping"),
        ),
        _CampaignPlan(
            "Lead Gen | Trail Club Signup",
            "OUTCOME_LEADS",
            "ACTIVE",
            date(2026, 7, 20),
            date(2026, 7, 20),
            None,
            ("Runners 18-45", "Outdoor Clubs"),
            ("Join The Club", "Race Calendar"),
        ),
        # Deleted in September; its August spend must still land.
        _CampaignPlan(
            "Summer Clearance",
            "OUTCOME_SALES",
            "DELETED",
            date(2026, 7, 15),
            date(2026, 7, 15),
            date(2026, 9, 6),
            ("Past Purchasers", "Broad US"),
            ("Last Sizes", "Up To 50% Off"),
        ),
        _CampaignPlan(
            "Brand Awareness | Video",
            "OUTCOME_AWARENESS",
            "ACTIVE",
            date(2026, 7, 1),
            date(2026, 7, 1),
            None,
            ("Broad US 18-65",),
            ("Brand Film", "Behind The Seams"),
        ),
    ),
    CITRUS_ACCOUNT_ID: (
        _CampaignPlan(
            "Meal Kits | Prospecting",
            "OUTCOME_SALES",
            "ACTIVE",
            date(2026, 7, 10),
            date(2026, 7, 10),
            None,
            ("Lookalike DE 2%", "Foodies AT/CH"),
            ("Family Box", "Veggie Box", "Pasta Night"),
        ),
        _CampaignPlan(
            "App Installs | iOS + Android",
            "OUTCOME_APP_PROMOTION",
            "ACTIVE",
            date(2026, 7, 10),
            date(2026, 7, 10),
            None,
            ("DACH Mobile",),
            ("Order In 3 Taps", "Weekly Menu"),
        ),
        # Archived after its flight; its spend must still land.
        _CampaignPlan(
            "Oktoberfest Specials",
            "OUTCOME_TRAFFIC",
            "ARCHIVED",
            date(2026, 9, 12),
            date(2026, 9, 19),
            date(2026, 10, 4),
            ("Bavaria 21+", "Munich Visitors"),
            ("Brezn Box", "Festbier Pairings"),
        ),
        _CampaignPlan(
            "Community Engagement",
            "OUTCOME_ENGAGEMENT",
            "PAUSED",
            date(2026, 7, 10),
            date(2026, 7, 10),
            date(2026, 10, 20),
            ("Followers",),
            ("Recipe Reels", "Chef Q&A"),
        ),
    ),
}

_RENAMED_AD_POSITION = (ACME_ACCOUNT_ID, 0, 0, 0)  # account; campaign, ad set and ad index


# --------------------------------------------------------------------------- #
# The world
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class MetaWorld:
    seed: int
    start: date
    end: date  # inclusive
    accounts: tuple[MetaAccount, ...]
    campaigns: tuple[MetaCampaign, ...]
    adsets: tuple[MetaAdSet, ...]
    ads: tuple[MetaAd, ...]
    renamed_ad: AdRename
    deleted_campaign: MetaCampaign
    archived_campaign: MetaCampaign
    restatement: Restatement

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def account(self, account_id: str) -> MetaAccount:
        account_id = account_id.removeprefix("act_")
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(account_id)

    def campaigns_of(self, account_id: str) -> tuple[MetaCampaign, ...]:
        return tuple(c for c in self.campaigns if c.account_id == account_id)

    def adsets_of(self, account_id: str) -> tuple[MetaAdSet, ...]:
        return tuple(s for s in self.adsets if s.account_id == account_id)

    def ads_of(self, account_id: str) -> tuple[MetaAd, ...]:
        return tuple(a for a in self.ads if a.account_id == account_id)

    def ad_name(self, ad: MetaAd, as_of: date) -> str:
        """The name the API returns on `as_of`: it keeps no history of names."""
        if ad.ad_id == self.renamed_ad.ad_id and as_of < self.renamed_ad.renamed_on:
            return self.renamed_ad.old_name
        return ad.name

    def ad_day(self, ad: MetaAd, day: date, as_of: date) -> AdDay | None:
        """The ad's figures for `day` as reported on `as_of`; None when it did not deliver."""
        if day > as_of or not ad.delivers_on(day):
            return None
        restated = (
            ad.account_id == self.restatement.account_id
            and day == self.restatement.day
            and as_of >= self.restatement.restated_from
        )
        return _ad_day(self.seed, ad, day, restated)

    def insights(self, account_id: str, since: date, until: date, as_of: date) -> list[AdDay]:
        """Every delivering ad day of the account in [since, until], by day then ad id."""
        found = []
        day = since
        while day <= until:
            for ad in self.ads_of(account_id):
                ad_day = self.ad_day(ad, day, as_of)
                if ad_day is not None:
                    found.append(ad_day)
            day += timedelta(days=1)
        return found

    def spend_by_day(self, account_id: str, days: Iterable[date], as_of: date) -> dict[date, Decimal]:
        """Exact spend per day, every ad included (deleted and archived ones too)."""
        days = sorted(days)
        totals = {day: Decimal("0.00") for day in days}
        for ad_day in self.insights(account_id, days[0], days[-1], as_of):
            if ad_day.day in totals:
                totals[ad_day.day] += Decimal(ad_day.spend)
        return totals

    def access_tokens(self) -> dict[str, str]:
        """<credentials_env_prefix>_ACCESS_TOKEN -> the sandbox token, per connection."""
        return {f"{a.credentials_env_prefix}_ACCESS_TOKEN": a.access_token for a in self.accounts}

    def connections_config(self) -> dict[str, list[dict]]:
        """Per workspace slug, the `connections:` entries of the pipeline's YAML configuration."""
        by_workspace: dict[str, list[dict]] = {}
        for account in self.accounts:
            by_workspace.setdefault(account.workspace_slug, []).append(
                {
                    "id": account.connection_id,
                    "provider": "meta",
                    "client": account.client_slug,
                    "ad_account_ids": [account.act_id],
                    "credentials_env_prefix": account.credentials_env_prefix,
                    "lookback_days": 28,
                    "attribution_windows": list(ACCOUNT_ATTRIBUTION_WINDOWS),
                    "purchase_action_types": [PURCHASE_ACTION],
                    "lead_action_types": [LEAD_ACTION],
                }
            )
        return by_workspace


def build_meta_world(seed: int = DEFAULT_SEED) -> MetaWorld:
    campaigns: list[MetaCampaign] = []
    adsets: list[MetaAdSet] = []
    ads: list[MetaAd] = []
    rename: AdRename | None = None
    for account_index, account in enumerate(_ACCOUNTS, start=1):
        zone = ZoneInfo(account.timezone_name)
        for c, plan in enumerate(_CAMPAIGN_PLANS[account.account_id]):
            rng = _stream(seed, "campaign", account.account_id, c)
            created = _local_time(plan.created_on, rng, zone)
            ended = plan.last_day or plan.created_on
            updated = _local_time(ended + timedelta(days=2), rng, zone) if plan.last_day else created
            campaign = MetaCampaign(
                account_id=account.account_id,
                campaign_id=_entity_id(1, account_index, c + 1),
                name=plan.name,
                objective=plan.objective,
                status=plan.status,
                effective_status=plan.status,
                created_time=created,
                updated_time=updated,
                first_day=plan.first_day,
                last_day=plan.last_day,
            )
            campaigns.append(campaign)
            child_status, child_effective = _child_statuses(plan.status)
            for s in range(rng.randint(1, min(3, len(plan.audiences)))):
                adset = MetaAdSet(
                    account_id=account.account_id,
                    adset_id=_entity_id(2, account_index, c + 1, s + 1),
                    campaign_id=campaign.campaign_id,
                    name=f"{plan.audiences[s]} | {_OPTIMIZATION_GOALS[plan.objective].replace('_', ' ').title()}",
                    status=child_status,
                    effective_status=child_effective,
                    optimization_goal=_OPTIMIZATION_GOALS[plan.objective],
                    created_time=created,
                    updated_time=updated,
                )
                adsets.append(adset)
                for d in range(rng.randint(1, 3)):
                    ad_id = _entity_id(3, account_index, c + 1, s + 1, d + 1)
                    creative = plan.creatives[(s + d) % len(plan.creatives)]
                    name = f"{creative} | {_FORMATS[d % len(_FORMATS)]}"
                    ad_updated = updated
                    if (account.account_id, c, s, d) == _RENAMED_AD_POSITION:
                        rename = AdRename(ad_id, old_name=name, new_name=name + " (v2 copy)", renamed_on=RENAMED_ON)
                        name, ad_updated = rename.new_name, _local_time(RENAMED_ON, rng, zone)
                    ads.append(
                        MetaAd(
                            account_id=account.account_id,
                            ad_id=ad_id,
                            adset_id=adset.adset_id,
                            campaign_id=campaign.campaign_id,
                            name=name,
                            status=child_status,
                            effective_status=child_effective,
                            objective=plan.objective,
                            created_time=created,
                            updated_time=ad_updated,
                            first_day=plan.first_day,
                            last_day=plan.last_day,
                            delivery=_plan_delivery(_stream(seed, "delivery", account.account_id, c, s, d), plan),
                        )
                    )
    assert rename is not None
    by_status = {c.status: c for c in campaigns}
    return MetaWorld(
        seed=seed,
        start=START,
        end=END,
        accounts=_ACCOUNTS,
        campaigns=tuple(campaigns),
        adsets=tuple(adsets),
        ads=tuple(ads),
        renamed_ad=rename,
        deleted_campaign=by_status["DELETED"],
        archived_campaign=by_status["ARCHIVED"],
        restatement=Restatement(ACME_ACCOUNT_ID, RESTATED_DAY, RESTATED_FROM),
    )


def connections_config(seed: int = DEFAULT_SEED) -> dict[str, list[dict]]:
    """The sandbox's Meta connections per workspace slug (see MetaWorld.connections_config)."""
    return build_meta_world(seed).connections_config()


# --------------------------------------------------------------------------- #
# Planning and daily figures (pure)
# --------------------------------------------------------------------------- #


def _stream(seed: int, *labels: object) -> random.Random:
    # A string seed goes through SHA-512 inside random: independent of PYTHONHASHSEED.
    return random.Random("/".join([str(seed), "meta", *map(str, labels)]))


def _entity_id(level: int, account: int, campaign: int, adset: int = 0, ad: int = 0) -> str:
    """Numeric ids like the real API's, unique across levels: 12<level><account><c><s><d>0000."""
    return f"12{level}{account}{campaign:02d}{adset:02d}{ad:02d}0000"


def _local_time(day: date, rng: random.Random, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 18), rng.choice((0, 15, 30, 45))), tzinfo=zone)


def _child_statuses(campaign_status: str) -> tuple[str, str]:
    """(status, effective_status) of the ad sets and ads under a campaign."""
    if campaign_status == "PAUSED":
        return "ACTIVE", "CAMPAIGN_PAUSED"
    return campaign_status, campaign_status  # DELETED and ARCHIVED cascade; ACTIVE stays


def _plan_delivery(rng: random.Random, plan: _CampaignPlan) -> _Delivery:
    low, high = _CPM_CENTS[plan.objective]
    return _Delivery(
        base_impressions=rng.randint(1_500, 12_000),
        cpm_cents=rng.randint(low, high),
        click_rate=rng.uniform(0.006, 0.025),
        conversion_rate={
            "OUTCOME_SALES": rng.uniform(0.02, 0.06),
            "OUTCOME_LEADS": rng.uniform(0.06, 0.12),
            "OUTCOME_APP_PROMOTION": rng.uniform(0.08, 0.15),
        }.get(plan.objective, 0.0),
        order_value_cents=rng.randint(4_500, 14_000),
    )


_WEEKDAY_FACTORS = (1.0, 1.02, 1.0, 0.98, 0.95, 1.12, 1.18)  # Monday .. Sunday


def _ad_day(seed: int, ad: MetaAd, day: date, restated: bool) -> AdDay:
    rng = _stream(seed, "ad-day", ad.ad_id, day.isoformat())
    delivery = ad.delivery
    impressions = max(1, round(delivery.base_impressions * _WEEKDAY_FACTORS[day.weekday()] * rng.uniform(0.75, 1.25)))
    clicks = round(impressions * delivery.click_rate * rng.uniform(0.85, 1.15))
    spend_cents = (impressions * delivery.cpm_cents + 500) // 1000
    conversions = clicks * delivery.conversion_rate * rng.uniform(0.6, 1.4)
    by_window = {
        "1d_click": round(conversions * 0.55),
        "7d_click": round(conversions * 0.55) + round(conversions * 0.3),
        "28d_click": round(conversions * 0.55) + round(conversions * 0.3) + round(conversions * 0.12),
        "1d_view": round(conversions * 0.18),
        "7d_view": round(conversions * 0.18) + round(conversions * 0.07),
        # engaged view: a video watched 10 s or more without a click, a few conversions more
        "1d_ev": round(conversions * 0.05),
    }
    order_value_cents = round(delivery.order_value_cents * rng.uniform(0.85, 1.15))
    if restated:
        # Late-arriving conversions and billing corrections: more spend, more purchases.
        spend_cents = spend_cents * 115 // 100 + 1
        for name in ("7d_click", "28d_click"):
            by_window[name] += 2

    actions = [ActionStat(LINK_CLICK_ACTION, (), Decimal(clicks))]
    if clicks:
        actions.append(ActionStat("landing_page_view", (), Decimal(clicks * 4 // 5)))
    action_values: list[ActionStat] = []
    if ad.objective == "OUTCOME_SALES":
        counts = _window_stats(by_window, Decimal(1))
        values = _window_stats(by_window, Decimal(order_value_cents) / 100)
        add_to_cart = _window_stats({k: v * 3 for k, v in by_window.items()}, Decimal(1))
        for action_type in (PURCHASE_ACTION, *PURCHASE_ALIASES):
            actions.append(ActionStat(action_type, *counts))
            action_values.append(ActionStat(action_type, *values))
        actions.append(ActionStat("offsite_conversion.fb_pixel_add_to_cart", *add_to_cart))
    elif ad.objective == "OUTCOME_LEADS":
        counts = _window_stats(by_window, Decimal(1))
        for action_type in (LEAD_ACTION, *LEAD_ALIASES):
            actions.append(ActionStat(action_type, *counts))
    elif ad.objective == "OUTCOME_APP_PROMOTION":
        actions.append(ActionStat("mobile_app_install", *_window_stats(by_window, Decimal(1))))
    elif ad.objective == "OUTCOME_ENGAGEMENT":
        actions.append(ActionStat("post_engagement", (), Decimal(clicks * 6)))
    return AdDay(
        ad=ad,
        day=day,
        spend=f"{spend_cents // 100}.{spend_cents % 100:02d}",
        impressions=impressions,
        clicks=clicks,
        actions=tuple(a for a in actions if a.plain_value or any(v for _, v in a.by_window)),
        action_values=tuple(a for a in action_values if a.plain_value or any(v for _, v in a.by_window)),
    )


def _window_stats(by_window: dict[str, int], unit: Decimal) -> tuple[tuple[tuple[str, Decimal], ...], Decimal]:
    windows = tuple((name, by_window[name] * unit) for name in CONVERSION_WINDOWS)
    plain = sum((by_window[name] * unit for name in ACCOUNT_ATTRIBUTION_WINDOWS), Decimal(0))
    return windows, plain


def _wire_number(value: Decimal, money: bool) -> str:
    return f"{value:.2f}" if money else str(int(value))
