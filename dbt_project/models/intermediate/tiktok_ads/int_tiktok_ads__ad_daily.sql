-- TikTok in the ad_daily contract (macros/union_ad_platforms.sql): one row per metric_kind,
-- ad and metric_date ('daily', 'first_reported'; TikTok has no intraday snapshots here).

with

ad_metrics as (

    select * from {{ ref('int_tiktok_ads__ad_metrics') }}

),

final as (

    {{ ad_daily_from_ad_metrics('tiktok_ads') }}

)

select * from final
