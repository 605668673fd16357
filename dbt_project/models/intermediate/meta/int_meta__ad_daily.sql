-- Meta in the ad_daily contract (macros/union_ad_platforms.sql): one row per metric_kind,
-- ad and metric_date, the three kinds int_meta__ad_metrics holds ('daily',
-- 'first_reported', 'snapshot'). conversions = purchases + leads; platform_revenue = purchase_value.
-- Plus, as 'daily' and 'first_reported' rows, each account's '(unallocated)' ad
-- (int_meta__unallocated_daily): the billed spend of ads the ad-level insights no longer return.

with

ad_metrics as (

    select * from {{ ref('int_meta__ad_metrics') }}

),

unallocated as (

    select
        metric_kind, metric_date, entity_id, account_entity_id, null::timestamptz as captured_at,
        spend, impressions, clicks, conversions, platform_revenue
    from {{ ref('int_meta__unallocated_daily') }}

),

ad_daily as (

    {{ ad_daily_from_ad_metrics('meta') }}

),

unallocated_daily as (

    {{ ad_daily_from_ad_metrics('meta', relation='unallocated') }}

),

final as (

    select * from ad_daily
    union all
    select * from unallocated_daily

)

select * from final
