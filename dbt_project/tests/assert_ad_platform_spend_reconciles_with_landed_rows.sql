-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per platform, account and day, the ad-level rows of fct_ad_entity_daily must carry exactly
-- what landed, read here straight from the raw tables (independently of the staging and
-- intermediate models):
--   google_ads  raw_google_ads.ad_daily_metrics: spend = sum(cost_micros) / 10^6, impressions,
--               clicks, conversions, conversions_value
--   meta        raw_meta.ad_daily_insights: spend, impressions, clicks, purchases + leads,
--               purchase_value
--   tiktok_ads  raw_tiktok_ads.ad_daily_reports: spend, impressions, clicks, conversions,
--               purchase_value (deleted ads' rows included)
-- The '(unallocated)' ads (platform_entity_id null: what a campaign bills beyond its ads, e.g.
-- Google's Performance Max) are not landed ad rows and are left out here; Google's account
-- totals are held to the campaign-level bill by assert_google_ads_spend_equals_campaign_billing.
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

    union all

    select
        'tiktok_ads',
        {{ stable_id('tiktok_ads', 'advertiser_id') }},
        advertiser_id,
        stat_date,
        sum(spend),
        sum(impressions),
        sum(clicks),
        sum(conversions),
        sum(purchase_value)

    from {{ source('tiktok_ads', 'ad_daily_reports') }}
    where {{ in_test_window('stat_date') }}
    group by advertiser_id, stat_date

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
      and platform in ('google_ads', 'meta', 'tiktok_ads')
      and {{ in_test_window('metric_date') }}
      and entity_id not in (
          select entity_id from {{ ref('dim_ad_entities') }}
          where level = 'ad' and platform_entity_id is null
      )
    group by platform, account_entity_id, metric_date

)

{{ rows_that_disagree(
    'landed', 'modeled',
    keys=['platform', 'account_entity_id', 'metric_date'],
    carried=['platform_account_id'],
    measures=['spend', 'impressions', 'clicks', 'conversions', 'platform_revenue'],
) }}
