-- Meta in the ad_daily contract (macros/union_ad_platforms.sql): one row per metric_kind,
-- ad and metric_date, the three kinds int_meta__ad_metrics holds ('daily',
-- 'first_reported', 'snapshot'). conversions = purchases + leads; platform_revenue = purchase_value.

with

ad_metrics as (

    select * from {{ ref('int_meta__ad_metrics') }}

),

final as (

    {{ ad_daily_from_ad_metrics('meta') }}

)

select * from final
