"""GAQL for everything the connector reads: pure strings, no I/O.

Entity queries take every status (REMOVED included): the warehouse keeps the latest state
of each entity, and a removed campaign's past spend still needs its name. Metrics are
read from ``ad_group_ad`` segmented by ``segments.date``, one call per contiguous day
range; the API leaves out ad-days without impressions, so a missing row means zero.

Performance Max campaigns have no ad groups or ads, so ``ad_group_ad`` says nothing of
their spend; the same days are also read FROM ``campaign`` (every campaign type), which is
what Google bills. dbt carries the difference as an '(unallocated)' ad per campaign.
"""

from __future__ import annotations

from datetime import date

# customer_client lists every client at any depth below the manager (level = the distance),
# so sub-managers' clients are here too; managers hold no ads, hidden and cancelled accounts
# are left out, as Google's account-hierarchy guide does.
CLIENT_CUSTOMERS = """
SELECT
  customer_client.id,
  customer_client.descriptive_name,
  customer_client.status,
  customer_client.manager,
  customer_client.hidden,
  customer_client.level
FROM customer_client
WHERE customer_client.status = 'ENABLED'
  AND customer_client.manager = FALSE
  AND customer_client.hidden = FALSE
""".strip()

CUSTOMER = """
SELECT
  customer.id,
  customer.descriptive_name,
  customer.currency_code,
  customer.time_zone,
  customer.manager,
  customer.status
FROM customer
""".strip()

CAMPAIGNS = """
SELECT
  campaign.id,
  campaign.name,
  campaign.status,
  campaign.advertising_channel_type,
  campaign.bidding_strategy_type
FROM campaign
""".strip()

AD_GROUPS = """
SELECT
  campaign.id,
  ad_group.id,
  ad_group.name,
  ad_group.status,
  ad_group.type
FROM ad_group
""".strip()

ADS = """
SELECT
  campaign.id,
  ad_group.id,
  ad_group_ad.ad.id,
  ad_group_ad.ad.name,
  ad_group_ad.ad.type,
  ad_group_ad.status
FROM ad_group_ad
""".strip()

# Negative keywords are exclusions, not things that get clicked: leave them out.
KEYWORDS = """
SELECT
  campaign.id,
  ad_group.id,
  ad_group_criterion.criterion_id,
  ad_group_criterion.keyword.text,
  ad_group_criterion.keyword.match_type,
  ad_group_criterion.status
FROM ad_group_criterion
WHERE ad_group_criterion.type = 'KEYWORD'
  AND ad_group_criterion.negative = FALSE
""".strip()

# The click-through lookback window of each ENABLED conversion action: how many days after
# a click a conversion can still be credited to it, so how far back a day's conversions move.
CONVERSION_ACTIONS = """
SELECT
  conversion_action.id,
  conversion_action.status,
  conversion_action.click_through_lookback_window_days
FROM conversion_action
WHERE conversion_action.status = 'ENABLED'
""".strip()

_CAMPAIGN_METRICS = """
SELECT
  campaign.id,
  segments.date,
  metrics.cost_micros,
  metrics.impressions,
  metrics.clicks,
  metrics.conversions,
  metrics.conversions_value
FROM campaign
WHERE {date_filter}
""".strip()

_AD_METRICS = """
SELECT
  campaign.id,
  ad_group.id,
  ad_group_ad.ad.id,
  segments.date,
  metrics.cost_micros,
  metrics.impressions,
  metrics.clicks,
  metrics.conversions,
  metrics.conversions_value
FROM ad_group_ad
WHERE {date_filter}
""".strip()

# click_view answers only for a single day per query, and only for the last 90 days.
_CLICK_VIEWS = """
SELECT
  campaign.id,
  ad_group.id,
  click_view.gclid,
  click_view.ad_group_ad,
  click_view.keyword,
  segments.date
FROM click_view
WHERE segments.date = '{day}'
""".strip()


def _date_filter(first: date, last: date) -> str:
    if last < first:
        raise ValueError(f"empty day range {first.isoformat()}..{last.isoformat()}")
    if first == last:
        return f"segments.date = '{first.isoformat()}'"
    return f"segments.date BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'"


def ad_metrics(first: date, last: date) -> str:
    """Per ad and day over [first, last] (inclusive)."""
    return _AD_METRICS.format(date_filter=_date_filter(first, last))


def campaign_metrics(first: date, last: date) -> str:
    """Per campaign and day over [first, last] (inclusive), Performance Max included."""
    return _CAMPAIGN_METRICS.format(date_filter=_date_filter(first, last))


def click_views(day: date) -> str:
    return _CLICK_VIEWS.format(day=day.isoformat())
