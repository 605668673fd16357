-- Google Ads metrics at ad grain (ad_group_ad), in one shape for the three things landed:
--   metric_kind = 'daily'           raw_google_ads.ad_daily_metrics (latest restatement)
--               = 'first_reported'  raw_google_ads.ad_daily_metrics_first_reported
--               = 'snapshot'        the latest capture per ad and metric_date of
--                                   raw_google_ads.ad_intraday_snapshots (cumulative for the day)
-- One row per (metric_kind, entity_id, metric_date). Entity ids are computed from the row's
-- own ids (see int_google_ads__entities), so no row is ever lost to a join here.
-- conversions = Google's conversions; platform_revenue = conversions_value.
--
-- Unallocated: Performance Max (and any campaign whose spend ad_group_ad does not report)
-- has no ads. Per campaign and day with a campaign-level row, the campaign's numbers minus
-- its ads' are a row of the campaign's '(unallocated)' ad (ad_group_id and ad_id null; ids
-- stable_id(..., '<level>', campaign_id, 'unallocated')), for 'daily' and 'first_reported'
-- (google_ads_unallocated_rows), so an account's spend is what Google bills. Days without
-- campaign-level rows (landed before they were read) keep their ad rows only. Intraday
-- snapshots are read per ad only: today's Performance Max spend is not in them.

with

ad_daily as (

    select * from {{ ref('stg_google_ads__ad_daily_metrics') }}

),

campaign_daily as (

    select * from {{ ref('stg_google_ads__campaign_daily_metrics') }}

),

ad_first_reported as (

    select * from {{ ref('stg_google_ads__ad_daily_metrics_first_reported') }}

),

campaign_first_reported as (

    select * from {{ ref('stg_google_ads__campaign_daily_metrics_first_reported') }}

),

daily as (

    select
        customer_id, campaign_id, ad_group_id, ad_id, metric_date,
        cost_micros, spend, impressions, clicks, conversions, conversions_value, extracted_at
    from ad_daily

    union all

    {{ google_ads_unallocated_rows('ad_daily', 'campaign_daily', 'extracted_at') }}

),

first_reported as (

    select
        customer_id, campaign_id, ad_group_id, ad_id, metric_date,
        cost_micros, spend, impressions, clicks, conversions, conversions_value, first_reported_at
    from ad_first_reported

    union all

    {{ google_ads_unallocated_rows('ad_first_reported', 'campaign_first_reported', 'first_reported_at') }}

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
        case
            when ad_id is null
                then {{ stable_id('google_ads', 'customer_id', "'ad'", 'campaign_id', "'unallocated'") }}
            else {{ stable_id('google_ads', 'customer_id', "'ad'", 'ad_group_id', 'ad_id') }}
        end                                                         as entity_id,
        case
            when ad_id is null
                then {{ stable_id('google_ads', 'customer_id', "'ad_group'", 'campaign_id', "'unallocated'") }}
            else {{ stable_id('google_ads', 'customer_id', "'ad_group'", 'ad_group_id') }}
        end                                                         as ad_group_entity_id,
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
        conversions_value                                           as platform_revenue,
        ad_id is null                                               as is_unallocated

    from unioned

)

select * from final
