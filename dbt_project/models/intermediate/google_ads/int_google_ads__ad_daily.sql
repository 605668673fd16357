-- Google Ads in the ad_daily contract (macros/union_ad_platforms.sql): one row per metric_kind,
-- ad and metric_date, the three kinds int_google_ads__ad_metrics holds ('daily',
-- 'first_reported', 'snapshot'). conversions = Google's conversions; platform_revenue =
-- conversions_value.

with

ad_metrics as (

    select * from {{ ref('int_google_ads__ad_metrics') }}

),

final as (

    {{ ad_daily_from_ad_metrics('google_ads') }}

)

select * from final
