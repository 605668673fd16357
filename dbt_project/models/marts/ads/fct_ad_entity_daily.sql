-- Daily metrics per ad entity and day, for every platform and every level of its hierarchy.
--
-- Leaves: the metric_kind 'daily' rows of every enabled platform's int_<platform>__ad_daily
-- (var enabled_ad_platforms; one contract, macros/union_ad_platforms.sql), at the bottom of
-- each hierarchy:
--   google_ads     ad       latest restatement of ad_daily_metrics
--   meta           ad       latest restatement of ad_daily_insights (conversions = purchases + leads)
--   tiktok_ads     ad       latest restatement of ad_daily_reports (conversions = `conversion`)
--   media_partner  creative the export, spend at the CPM in force
--   amazon_ads     keyword  the winning export format's rows (conversions = orders,
--                           platform_revenue = sales)
--   affiliate      product  spend and impressions 0, platform_revenue = net revenue
-- Every leaf row is added to itself and to each of its ancestors (dim_ad_entity_ancestors),
-- so a row at any level is exactly the sum of the ad / creative rows under it that day, and
-- an entity has a row on a day when at least one leaf under it has one.
--
-- Money in the account's currency (exact numeric); reporting figures in the workspace's
-- reporting_currency (the account currency when the workspace sets none) at the
-- config.fx_rates rate in force on metric_date, fx_rate = 1 when the currencies are equal,
-- null (with null reporting figures, and a failing test) when no rate is in force
-- (with_reporting_fx). Ratios via ad_ratios (macros/ad_reporting.sql): numeric, 6 decimals,
-- null when the denominator is 0.

{{ day_keyed_mart('metric_date', indexes=[
    {'columns': ['entity_id', 'metric_date']},
    {'columns': ['account_entity_id', 'metric_date']}
]) }}

with

-- the leaves of every enabled platform, each in the ad_daily contract
leaves as (

    select metric_date, entity_id, spend, impressions, clicks, conversions, platform_revenue
    from (
        {{ union_ad_platforms('ad_daily') }}
    ) as ad_daily
    where metric_kind = 'daily' and {{ in_build_window('metric_date') }}

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
        entities.currency

    from rolled_up

    join entities
        on entities.entity_id = rolled_up.entity_id

),

-- reporting_currency and fx_rate (macros/ad_reporting.sql)
with_fx as (

    {{ with_reporting_fx('with_currency') }}

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
        {{ in_reporting_currency('spend') }}                        as spend_reporting,
        {{ in_reporting_currency('platform_revenue') }}             as platform_revenue_reporting,

        {{ ad_ratios(['ctr', 'cpc', 'cpm', 'cpa', 'roas']) }}

    from with_fx

)

select * from final
