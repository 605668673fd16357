-- Meta metrics at ad grain, in one shape for the three things landed:
--   metric_kind = 'daily'           raw_meta.ad_daily_insights (latest restatement)
--               = 'first_reported'  raw_meta.ad_daily_insights_first_reported
--               = 'snapshot'        the latest capture per ad and metric_date of
--                                   raw_meta.ad_intraday_snapshots (cumulative for the day)
-- One row per (metric_kind, entity_id, metric_date). Entity ids are computed from the row's
-- own ids (see int_meta__entities), so no row is ever lost to a join here.
-- conversions = purchases + leads (the connection's configured purchase and lead action
-- types: every conversion event the account is set up to count, like Google's
-- conversions); platform_revenue = purchase_value.

with

daily as (

    select * from {{ ref('stg_meta__ad_daily_insights') }}

),

first_reported as (

    select * from {{ ref('stg_meta__ad_daily_insights_first_reported') }}

),

snapshots as (

    select * from {{ ref('stg_meta__ad_intraday_snapshots') }}

),

latest_snapshots as (

    select distinct on (account_id, ad_id, metric_date)
        *
    from snapshots
    order by account_id, ad_id, metric_date, captured_at desc

),

unioned as (

    {{ ad_metric_kinds([
        'account_id', 'campaign_id', 'adset_id', 'ad_id', 'metric_date',
        'spend', 'impressions', 'clicks', 'purchases', 'purchase_value', 'leads'
    ]) }}

),

final as (

    select
        metric_kind,
        metric_date,
        {{ stable_id('meta', 'account_id', "'ad'", 'ad_id') }}          as entity_id,
        {{ stable_id('meta', 'account_id', "'ad_set'", 'adset_id') }}   as ad_set_entity_id,
        {{ stable_id('meta', 'account_id', "'campaign'", 'campaign_id') }} as campaign_entity_id,
        {{ stable_id('meta', 'account_id') }}                           as account_entity_id,
        account_id,
        campaign_id,
        adset_id,
        ad_id,
        observed_at,
        captured_at,
        spend,
        impressions,
        clicks,
        purchases,
        leads,
        purchases + leads                                               as conversions,
        purchase_value                                                  as platform_revenue

    from unioned

)

select * from final
