-- Daily metrics per ad entity and day, for every platform and every level of its hierarchy.
--
-- Leaves (the metrics as landed, at the bottom of each hierarchy):
--   google_ads     ad       int_google_ads__ad_metrics (metric_kind 'daily')
--   meta           ad       int_meta__ad_metrics       (metric_kind 'daily')
--   media_partner  creative fct_media_partner_daily
--   amazon_ads     keyword  int_amazon_ads__keyword_daily (the winning export format's rows;
--                           conversions = orders, platform_revenue = sales)
--   affiliate      product  fct_affiliate_daily (spend and impressions 0, platform_revenue = net revenue)
-- Every leaf row is added to itself and to each of its ancestors (dim_ad_entity_ancestors),
-- so a row at any level is exactly the sum of the ad / creative rows under it that day, and
-- an entity has a row on a day when at least one leaf under it has one.
--
-- Money in the account's currency (exact numeric); reporting figures in the workspace's
-- reporting_currency (the account currency when the workspace sets none) at the
-- config.fx_rates rate in force on metric_date, fx_rate = 1 when the currencies are equal,
-- null (with null reporting figures, and a failing test) when no rate is in force.
-- Ratios via safe_divide: numeric, 6 decimals, null when the denominator is 0.

{{ day_keyed_mart('metric_date', indexes=[
    {'columns': ['entity_id', 'metric_date']},
    {'columns': ['account_entity_id', 'metric_date']}
]) }}

with

google_ads as (

    select metric_date, entity_id, spend, impressions, clicks, conversions, platform_revenue
    from {{ ref('int_google_ads__ad_metrics') }}
    where metric_kind = 'daily' and {{ in_build_window('metric_date') }}

),

meta as (

    select metric_date, entity_id, spend, impressions, clicks, conversions, platform_revenue
    from {{ ref('int_meta__ad_metrics') }}
    where metric_kind = 'daily' and {{ in_build_window('metric_date') }}

),

media_partner as (

    select
        report_date                         as metric_date,
        creative_entity_id                  as entity_id,
        spend,
        impressions,
        clicks,
        conversions::numeric                as conversions,
        revenue                             as platform_revenue
    from {{ ref('fct_media_partner_daily') }}
    where {{ in_build_window('report_date') }}

),

amazon_ads as (

    select
        report_date                         as metric_date,
        keyword_entity_id                   as entity_id,
        spend,
        impressions,
        clicks,
        orders::numeric                     as conversions,
        sales                               as platform_revenue
    from {{ ref('int_amazon_ads__keyword_daily') }}
    where {{ in_build_window('report_date') }}

),

affiliate as (

    select
        metric_date,
        product_entity_id                   as entity_id,
        0::numeric                          as spend,
        0::bigint                           as impressions,
        clicks,
        conversions::numeric                as conversions,
        net_revenue                         as platform_revenue
    from {{ ref('fct_affiliate_daily') }}
    where {{ in_build_window('metric_date') }}

),

leaves as (

    select * from google_ads
    union all
    select * from meta
    union all
    select * from media_partner
    union all
    select * from amazon_ads
    union all
    select * from affiliate

),

ancestors as (

    select entity_id, ancestor_entity_id from {{ ref('dim_ad_entity_ancestors') }}

),

rolled_up as (

    select
        ancestors.ancestor_entity_id        as entity_id,
        leaves.metric_date,
        sum(leaves.spend)                   as spend,
        sum(leaves.impressions)::bigint     as impressions,
        sum(leaves.clicks)::bigint          as clicks,
        sum(leaves.conversions)             as conversions,
        sum(leaves.platform_revenue)        as platform_revenue

    from leaves

    join ancestors
        on ancestors.entity_id = leaves.entity_id

    group by ancestors.ancestor_entity_id, leaves.metric_date

),

entities as (

    select * from {{ ref('dim_ad_entities') }}

),

workspaces as (

    select * from {{ ref('stg_metrics_config__workspaces') }}

),

fx_rate_periods as (

    select * from {{ ref('int_metrics_config__fx_rate_periods') }}

),

with_currency as (

    select
        rolled_up.*,
        entities.platform,
        entities.level,
        entities.parent_entity_id,
        entities.workspace_slug,
        entities.client_slug,
        entities.account_entity_id,
        entities.campaign_entity_id,
        entities.currency,
        coalesce(workspaces.reporting_currency, entities.currency)     as reporting_currency

    from rolled_up

    join entities
        on entities.entity_id = rolled_up.entity_id

    left join workspaces
        on workspaces.workspace_slug = entities.workspace_slug

),

with_fx as (

    select
        with_currency.*,
        (case
            when with_currency.currency = with_currency.reporting_currency then 1
            else fx_rate_periods.rate
        end)::numeric(20, 10)                                           as fx_rate

    from with_currency

    left join fx_rate_periods
        on {{ fx_rate_in_force('fx_rate_periods', 'with_currency.currency', 'with_currency.reporting_currency', 'with_currency.metric_date') }}

),

final as (

    select
        metric_date,
        entity_id,
        platform,
        level,
        parent_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        currency,

        spend,
        impressions,
        clicks,
        conversions,
        platform_revenue,

        reporting_currency,
        fx_rate,
        spend * fx_rate                                             as spend_reporting,
        platform_revenue * fx_rate                                  as platform_revenue_reporting,

        {{ safe_divide('clicks', 'impressions') }}                  as ctr,
        {{ safe_divide('spend', 'clicks') }}                        as cpc,
        {{ safe_divide('spend * 1000', 'impressions') }}            as cpm,
        {{ safe_divide('spend', 'conversions') }}                   as cpa,
        {{ safe_divide('platform_revenue', 'spend') }}              as roas

    from with_fx

)

select * from final
