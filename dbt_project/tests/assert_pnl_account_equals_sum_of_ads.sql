-- Shown in Dagster as an asset check on fct_pnl_daily.
{{ config(meta={'dagster': {'ref': {'name': 'fct_pnl_daily'}}}) }}

-- In fct_pnl_daily, for each kind (eod, snapshot), account and day, the account-level row
-- (level 'account'; 'client' for the media partner) equals the sum of the ad-level rows
-- (level 'ad'; 'creative' for the media partner, 'keyword' for Amazon, 'product' for affiliate)
-- of that account and day: spend, impressions, clicks, conversions, platform_revenue, the reporting-currency figures and
-- the first_reported_* figures (null on both sides when the day has no first report).
-- Returns one row per (kind, account, day) that disagrees, including rows on one side only.
-- Rows that exist only to carry first-party attributed revenue (has_platform_metrics = false:
-- no platform metrics and no first report that day, spend etc. 0) are left out on both sides;
-- the attributed figures have their own check, assert_pnl_attributed_revenue_rolls_up_to_accounts.

with

pnl as (

    select * from {{ ref('fct_pnl_daily') }}
    where has_platform_metrics
      and {{ in_test_window('metric_date') }}

),

accounts as (

    select *
    from pnl
    where level in ('account', 'client')

),

ads_summed as (

    select
        kind,
        account_entity_id,
        metric_date,
        sum(spend)                              as spend,
        sum(impressions)                        as impressions,
        sum(clicks)                             as clicks,
        sum(conversions)                        as conversions,
        sum(platform_revenue)                   as platform_revenue,
        sum(spend_reporting)                    as spend_reporting,
        sum(platform_revenue_reporting)         as platform_revenue_reporting,
        sum(first_reported_spend)               as first_reported_spend,
        sum(first_reported_conversions)         as first_reported_conversions,
        sum(first_reported_platform_revenue)    as first_reported_platform_revenue

    from pnl
    where level in ('ad', 'creative', 'keyword', 'product')
    group by kind, account_entity_id, metric_date

)

select
    coalesce(accounts.kind, ads_summed.kind)                            as kind,
    coalesce(accounts.entity_id, ads_summed.account_entity_id)          as account_entity_id,
    coalesce(accounts.metric_date, ads_summed.metric_date)              as metric_date,
    accounts.spend                          as account_spend,
    ads_summed.spend                        as ads_spend,
    accounts.first_reported_spend           as account_first_reported_spend,
    ads_summed.first_reported_spend         as ads_first_reported_spend

from accounts

full outer join ads_summed
    on  ads_summed.kind = accounts.kind
    and ads_summed.account_entity_id = accounts.entity_id
    and ads_summed.metric_date = accounts.metric_date

where accounts.entity_id is null
   or ads_summed.account_entity_id is null
   or accounts.spend                           is distinct from ads_summed.spend
   or accounts.impressions                     is distinct from ads_summed.impressions
   or accounts.clicks                          is distinct from ads_summed.clicks
   or accounts.conversions                     is distinct from ads_summed.conversions
   or accounts.platform_revenue                is distinct from ads_summed.platform_revenue
   or accounts.spend_reporting                 is distinct from ads_summed.spend_reporting
   or accounts.platform_revenue_reporting      is distinct from ads_summed.platform_revenue_reporting
   or accounts.first_reported_spend            is distinct from ads_summed.first_reported_spend
   or accounts.first_reported_conversions      is distinct from ads_summed.first_reported_conversions
   or accounts.first_reported_platform_revenue is distinct from ads_summed.first_reported_platform_revenue
