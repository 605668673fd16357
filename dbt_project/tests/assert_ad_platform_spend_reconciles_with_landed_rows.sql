-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per platform, account and day, the ad-level rows of fct_ad_entity_daily must carry exactly
-- what landed, read here straight from the raw tables (independently of the staging and
-- intermediate models):
--   google_ads  raw_google_ads.ad_daily_metrics: spend = sum(cost_micros) / 10^6, impressions,
--               clicks, conversions, conversions_value
--   meta        raw_meta.ad_daily_insights: spend, impressions, clicks, purchases + leads,
--               purchase_value
-- The '(unallocated)' entities (is_inferred, no platform id: billed spend the ad-level rows do
-- not carry) are not landed ad rows and are left out here; assert_meta_spend_equals_account_billing
-- checks them against the bill.
-- Returns the (platform, account, day) triples that disagree, including days present on one
-- side only.

with

landed as (

    select
        'google_ads'                                            as platform,
        {{ stable_id('google_ads', 'customer_id') }}            as account_entity_id,
        customer_id::text                                       as platform_account_id,
        metric_date,
        -- divisor with scale 6 keeps the numeric division exact
        sum(cost_micros)::numeric / 1000000.000000              as spend,
        sum(impressions)                                        as impressions,
        sum(clicks)                                             as clicks,
        sum(conversions)                                        as conversions,
        sum(conversions_value)                                  as platform_revenue

    from {{ source('google_ads', 'ad_daily_metrics') }}
    where {{ in_test_window('metric_date') }}
    group by customer_id, metric_date

    union all

    select
        'meta',
        {{ stable_id('meta', 'account_id') }},
        account_id,
        date_start,
        sum(spend),
        sum(impressions),
        sum(clicks),
        sum(purchases) + sum(leads),
        sum(purchase_value)

    from {{ source('meta', 'ad_daily_insights') }}
    where {{ in_test_window('date_start') }}
    group by account_id, date_start

),

modeled as (

    select
        platform,
        account_entity_id,
        metric_date,
        sum(spend)                                              as spend,
        sum(impressions)                                        as impressions,
        sum(clicks)                                             as clicks,
        sum(conversions)                                        as conversions,
        sum(platform_revenue)                                   as platform_revenue

    from {{ ref('fct_ad_entity_daily') }}
    where level = 'ad'
      and platform in ('google_ads', 'meta')
      and entity_id not in (
          select entity_id from {{ ref('dim_ad_entities') }}
          where is_inferred and platform_entity_id is null
      )
      and {{ in_test_window('metric_date') }}
    group by platform, account_entity_id, metric_date

)

select
    coalesce(landed.platform, modeled.platform)                 as platform,
    coalesce(landed.account_entity_id, modeled.account_entity_id) as account_entity_id,
    landed.platform_account_id,
    coalesce(landed.metric_date, modeled.metric_date)           as metric_date,
    landed.spend                as landed_spend,
    modeled.spend               as modeled_spend,
    landed.impressions          as landed_impressions,
    modeled.impressions         as modeled_impressions,
    landed.clicks               as landed_clicks,
    modeled.clicks              as modeled_clicks,
    landed.conversions          as landed_conversions,
    modeled.conversions         as modeled_conversions,
    landed.platform_revenue     as landed_platform_revenue,
    modeled.platform_revenue    as modeled_platform_revenue

from landed

full outer join modeled
    on  modeled.platform = landed.platform
    and modeled.account_entity_id = landed.account_entity_id
    and modeled.metric_date = landed.metric_date

where landed.platform is null
   or modeled.platform is null
   or landed.spend            is distinct from modeled.spend
   or landed.impressions      is distinct from modeled.impressions
   or landed.clicks           is distinct from modeled.clicks
   or landed.conversions      is distinct from modeled.conversions
   or landed.platform_revenue is distinct from modeled.platform_revenue
