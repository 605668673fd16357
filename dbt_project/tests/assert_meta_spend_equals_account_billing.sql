-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per Meta ad account and day, the account row of fct_ad_entity_daily must carry exactly
-- what Meta bills: raw_meta.account_daily_insights (insights level=account), read here
-- straight from the raw table. The ad-level insights leave deleted ads out; their spend
-- reaches the account through its '(unallocated)' entity (int_meta__unallocated_daily).
-- Returns the (account, day) pairs that disagree; a billed day with no modeled row counts
-- as 0 modeled.

with

billed as (

    select
        {{ stable_id('meta', 'account_id') }}  as account_entity_id,
        account_id::text                        as platform_account_id,
        date_start                              as metric_date,
        spend,
        impressions,
        clicks
    from {{ source('meta', 'account_daily_insights') }}
    where {{ in_test_window('date_start') }}

),

modeled as (

    select entity_id as account_entity_id, metric_date, spend, impressions, clicks
    from {{ ref('fct_ad_entity_daily') }}
    where platform = 'meta'
      and level = 'account'
      and {{ in_test_window('metric_date') }}

)

select
    billed.platform_account_id,
    billed.metric_date,
    billed.spend                    as billed_spend,
    modeled.spend                   as modeled_spend,
    billed.impressions              as billed_impressions,
    modeled.impressions             as modeled_impressions,
    billed.clicks                   as billed_clicks,
    modeled.clicks                  as modeled_clicks

from billed

left join modeled
    on  modeled.account_entity_id = billed.account_entity_id
    and modeled.metric_date = billed.metric_date

where billed.spend       is distinct from coalesce(modeled.spend, 0)
   or billed.impressions is distinct from coalesce(modeled.impressions, 0)
   or billed.clicks      is distinct from coalesce(modeled.clicks, 0)
