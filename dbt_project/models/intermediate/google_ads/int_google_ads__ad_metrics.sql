-- Google Ads metrics at ad grain (ad_group_ad), in one shape for the three things landed:
--   metric_kind = 'daily'           raw_google_ads.ad_daily_metrics (latest restatement)
--               = 'first_reported'  raw_google_ads.ad_daily_metrics_first_reported
--               = 'snapshot'        the latest capture per ad and metric_date of
--                                   raw_google_ads.ad_intraday_snapshots (cumulative for the day)
-- One row per (metric_kind, entity_id, metric_date). Entity ids are computed from the row's
-- own ids (see int_google_ads__entities), so no row is ever lost to a join here.
-- conversions = Google's conversions; platform_revenue = conversions_value.

with

daily as (

    select * from {{ ref('stg_google_ads__ad_daily_metrics') }}

),

first_reported as (

    select * from {{ ref('stg_google_ads__ad_daily_metrics_first_reported') }}

),

snapshots as (

    select * from {{ ref('stg_google_ads__ad_intraday_snapshots') }}

),

latest_snapshots as (

    select distinct on (customer_id, ad_group_id, ad_id, metric_date)
        *
    from snapshots
    order by customer_id, ad_group_id, ad_id, metric_date, captured_at desc

),

unioned as (

    {{ ad_metric_kinds([
        'customer_id', 'campaign_id', 'ad_group_id', 'ad_id', 'metric_date',
        'cost_micros', 'spend', 'impressions', 'clicks', 'conversions', 'conversions_value'
    ]) }}

),

final as (

    select
        metric_kind,
        metric_date,
        {{ stable_id('google_ads', 'customer_id', "'ad'", 'ad_group_id', 'ad_id') }}
                                                                    as entity_id,
        {{ stable_id('google_ads', 'customer_id', "'ad_group'", 'ad_group_id') }}
                                                                    as ad_group_entity_id,
        {{ stable_id('google_ads', 'customer_id', "'campaign'", 'campaign_id') }}
                                                                    as campaign_entity_id,
        {{ stable_id('google_ads', 'customer_id') }}                as account_entity_id,
        customer_id,
        campaign_id,
        ad_group_id,
        ad_id,
        observed_at,
        captured_at,
        cost_micros,
        spend,
        impressions,
        clicks,
        conversions,
        conversions_value                                           as platform_revenue

    from unioned

)

select * from final
