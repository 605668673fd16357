-- Platform P&L per entity, level and day, in two kinds:
--
--   eod       closed days: metric_date < the account's current local date
--             ((as_of at time zone timezone)::date). The numbers are fct_ad_entity_daily's
--             (the latest restatement), next to what the day first said
--             (raw_*.*_first_reported, rolled up the same way) and spend_drift = spend -
--             first_reported_spend. first_reported_* is null when the account has no
--             first-report record for that day (always, for the media partner); otherwise the
--             sum over the entity's ads of what each first reported, an ad absent from the
--             first report counting 0. An entity-day present only in the first report
--             (restated away since) has an eod row with spend etc. 0.
--   snapshot  each account's current local day: the latest captured_at snapshot per ad, rolled
--             up to every level; captured_at is the latest capture among the ads summed.
--
-- as_of is now() at build time, or the var pnl_as_of (a timestamptz literal) when set, e.g.
-- dbt build --vars '{pnl_as_of: "2026-11-21 12:00:00+00"}'. Incremental by day: a windowed
-- build (macros/build_window.sql) replaces the window's days, so the eod / snapshot split of
-- a day follows the clock of the last build that covered it; the intraday job rebuilds the
-- days around today, the nightly one the restatement window.
--
-- Money, FX and ratios as in fct_ad_entity_daily. Primary key (kind, entity_id, metric_date).
--
-- First-party attribution (eod rows only; null on snapshot rows): the workspace's pnl_model
-- (config.attribution_settings, default last_touch) links of fct_attribution_links whose touch
-- resolved to an entity, added to that entity and every ancestor (dim_ad_entity_ancestors),
-- dated by the order's date (the shop's local day) - an order is credited on the day it was
-- placed, whatever day the click was:
--   attributed_orders    sum of weights (fractional orders)
--   attributed_revenue   sum of attributed_revenue (order net revenue x weight)
--   cogs                 sum of attributed_cogs;  gross_profit = attributed_revenue - cogs
--   poas                 gross_profit / spend; attributed_roas = attributed_revenue / spend
-- Converted from the shop's currency into the account's at the config.fx_rates rate in force
-- on the order date (1 when equal; like the reporting currency, only the direct pair is
-- used); a link with no rate is left out and assert_pnl_attributed_revenue_rolls_up_to_accounts
-- fails naming it. An entity-day with attributed revenue but no platform metrics gets an eod
-- row with spend etc. 0 (has_platform_metrics = false) so no attributed revenue is dropped.
-- A touch resolved to a campaign (utm_id / fbclid / utm_campaign matches) counts on the
-- campaign and above, not on any ad: an account's attributed figures are the sum of its ads'
-- plus what was resolved above ad level.

{{ day_keyed_mart('metric_date', indexes=[
    {'columns': ['kind', 'entity_id', 'metric_date']},
    {'columns': ['account_entity_id', 'metric_date']}
]) }}

{%- set pnl_as_of = var('pnl_as_of', none) %}

with

as_of as (

    select
        {% if pnl_as_of -%}
        '{{ pnl_as_of }}'::timestamptz
        {%- else -%}
        now()
        {%- endif %}                            as as_of_at

),

entities as (

    select * from {{ ref('dim_ad_entities') }}

),

-- the current local date of each entity's account (every entity carries its account's zone);
-- a zone Postgres does not know gives null: no eod / snapshot rows, and a test says so
entity_today as (

    select
        entities.entity_id,
        entities.account_entity_id,
        (as_of.as_of_at at time zone zones.name)::date  as local_today

    from entities

    cross join as_of

    left join pg_catalog.pg_timezone_names as zones
        on zones.name = entities.timezone

),

ancestors as (

    select entity_id, ancestor_entity_id from {{ ref('dim_ad_entity_ancestors') }}

),

fx_rate_periods as (

    select * from {{ ref('int_metrics_config__fx_rate_periods') }}

),

attribution_settings as (

    select workspace_slug, pnl_model from {{ ref('int_attribution__settings') }}

),

-- the first reports and intraday snapshots of every enabled platform (the ad_daily contract;
-- only Google Ads and Meta land them)
ad_metrics as (

    select
        metric_kind, metric_date, entity_id, account_entity_id, captured_at,
        spend, impressions, clicks, conversions, platform_revenue
    from (
        {{ union_ad_platforms('ad_daily') }}
    ) as ad_daily
    where metric_kind in ('first_reported', 'snapshot') and {{ in_build_window('metric_date') }}

),

-- eod ---------------------------------------------------------------------------------------

daily as (

    select daily.*
    from {{ ref('fct_ad_entity_daily') }} as daily
    join entity_today
        on entity_today.entity_id = daily.entity_id
    where daily.metric_date < entity_today.local_today
      and {{ in_build_window('daily.metric_date') }}

),

first_reported_rolled_up as (

    select
        ancestors.ancestor_entity_id                as entity_id,
        ad_metrics.metric_date,
        sum(ad_metrics.spend)                       as first_reported_spend,
        sum(ad_metrics.conversions)                 as first_reported_conversions,
        sum(ad_metrics.platform_revenue)            as first_reported_platform_revenue

    from ad_metrics

    join ancestors
        on ancestors.entity_id = ad_metrics.entity_id

    join entity_today
        on entity_today.entity_id = ad_metrics.entity_id

    where ad_metrics.metric_kind = 'first_reported'
      and ad_metrics.metric_date < entity_today.local_today

    group by ancestors.ancestor_entity_id, ad_metrics.metric_date

),

-- first-party attribution: the pnl_model's links, in the account's currency, per touch entity
-- and order date, then rolled up to every ancestor
attributed_links as (

    select
        links.entity_id,
        links.order_date                                        as metric_date,
        links.weight,
        links.attributed_revenue * fx.rate                      as attributed_revenue,
        links.attributed_cogs * fx.rate                         as attributed_cogs

    from {{ ref('fct_attribution_links') }} as links

    join attribution_settings
        on  attribution_settings.workspace_slug = links.workspace_slug
        and attribution_settings.pnl_model = links.model

    join entities
        on entities.entity_id = links.entity_id

    join lateral (
        select 1::numeric as rate
        where links.currency = entities.currency
        union all
        select fx_rate_periods.rate
        from fx_rate_periods
        where links.currency <> entities.currency
          and {{ fx_rate_in_force('fx_rate_periods', 'links.currency', 'entities.currency', 'links.order_date') }}
    ) as fx on true

    where {{ in_build_window('links.order_date') }}

),

attributed_rolled_up as (

    select
        ancestors.ancestor_entity_id                            as entity_id,
        attributed_links.metric_date,
        sum(attributed_links.weight)                            as attributed_orders,
        sum(attributed_links.attributed_revenue)                as attributed_revenue,
        sum(attributed_links.attributed_cogs)                   as attributed_cogs

    from attributed_links

    join ancestors
        on ancestors.entity_id = attributed_links.entity_id

    join entity_today
        on entity_today.entity_id = ancestors.ancestor_entity_id

    where attributed_links.metric_date < entity_today.local_today

    group by ancestors.ancestor_entity_id, attributed_links.metric_date

),

-- account-days for which the platform's first report was recorded
first_reported_days as (

    select distinct account_entity_id, metric_date
    from ad_metrics
    where metric_kind = 'first_reported'

),

platform_keys as (

    select entity_id, metric_date from daily
    union
    select entity_id, metric_date from first_reported_rolled_up

),

eod_keys as (

    select entity_id, metric_date from platform_keys
    union
    select entity_id, metric_date from attributed_rolled_up

),

eod as (

    select
        'eod'::text                                             as kind,
        eod_keys.metric_date,
        eod_keys.entity_id,
        coalesce(daily.spend, 0)                                as spend,
        coalesce(daily.impressions, 0)::bigint                  as impressions,
        coalesce(daily.clicks, 0)::bigint                       as clicks,
        coalesce(daily.conversions, 0)                          as conversions,
        coalesce(daily.platform_revenue, 0)                     as platform_revenue,
        case when first_reported_days.account_entity_id is not null
             then coalesce(first_reported_rolled_up.first_reported_spend, 0) end
                                                                as first_reported_spend,
        case when first_reported_days.account_entity_id is not null
             then coalesce(first_reported_rolled_up.first_reported_conversions, 0) end
                                                                as first_reported_conversions,
        case when first_reported_days.account_entity_id is not null
             then coalesce(first_reported_rolled_up.first_reported_platform_revenue, 0) end
                                                                as first_reported_platform_revenue,
        null::timestamptz                                       as captured_at,
        attribution_settings.pnl_model                          as attribution_model,
        coalesce(attributed_rolled_up.attributed_orders, 0)     as attributed_orders,
        coalesce(attributed_rolled_up.attributed_revenue, 0)    as attributed_revenue,
        coalesce(attributed_rolled_up.attributed_cogs, 0)       as attributed_cogs,
        platform_keys.entity_id is not null                     as has_platform_metrics

    from eod_keys

    join entities
        on entities.entity_id = eod_keys.entity_id

    left join daily
        on  daily.entity_id = eod_keys.entity_id
        and daily.metric_date = eod_keys.metric_date

    left join first_reported_rolled_up
        on  first_reported_rolled_up.entity_id = eod_keys.entity_id
        and first_reported_rolled_up.metric_date = eod_keys.metric_date

    left join first_reported_days
        on  first_reported_days.account_entity_id = entities.account_entity_id
        and first_reported_days.metric_date = eod_keys.metric_date

    left join attributed_rolled_up
        on  attributed_rolled_up.entity_id = eod_keys.entity_id
        and attributed_rolled_up.metric_date = eod_keys.metric_date

    left join platform_keys
        on  platform_keys.entity_id = eod_keys.entity_id
        and platform_keys.metric_date = eod_keys.metric_date

    left join attribution_settings
        on attribution_settings.workspace_slug = entities.workspace_slug

),

-- snapshot ----------------------------------------------------------------------------------

snapshot as (

    select
        'snapshot'::text                                        as kind,
        ad_metrics.metric_date,
        ancestors.ancestor_entity_id                            as entity_id,
        sum(ad_metrics.spend)                                   as spend,
        sum(ad_metrics.impressions)::bigint                     as impressions,
        sum(ad_metrics.clicks)::bigint                          as clicks,
        sum(ad_metrics.conversions)                             as conversions,
        sum(ad_metrics.platform_revenue)                        as platform_revenue,
        null::numeric                                           as first_reported_spend,
        null::numeric                                           as first_reported_conversions,
        null::numeric                                           as first_reported_platform_revenue,
        max(ad_metrics.captured_at)                             as captured_at,
        null::text                                              as attribution_model,
        null::numeric                                           as attributed_orders,
        null::numeric                                           as attributed_revenue,
        null::numeric                                           as attributed_cogs,
        true                                                    as has_platform_metrics

    from ad_metrics

    join entity_today
        on entity_today.entity_id = ad_metrics.entity_id

    join ancestors
        on ancestors.entity_id = ad_metrics.entity_id

    where ad_metrics.metric_kind = 'snapshot'
      and ad_metrics.metric_date = entity_today.local_today

    group by ad_metrics.metric_date, ancestors.ancestor_entity_id

),

unioned as (

    select * from eod
    union all
    select * from snapshot

),

-- attributes, reporting currency ------------------------------------------------------------

with_currency as (

    select
        unioned.*,
        entities.platform,
        entities.level,
        entities.parent_entity_id,
        entities.workspace_slug,
        entities.client_slug,
        entities.account_entity_id,
        entities.campaign_entity_id,
        entities.currency,
        entities.timezone

    from unioned

    join entities
        on entities.entity_id = unioned.entity_id

),

-- reporting_currency and fx_rate (macros/ad_reporting.sql)
with_fx as (

    {{ with_reporting_fx('with_currency') }}

),

final as (

    select
        kind,
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
        timezone,

        spend,
        impressions,
        clicks,
        conversions,
        platform_revenue,

        {{ ad_ratios(['cpc', 'cpm', 'ctr', 'cpa', 'roas']) }},

        reporting_currency,
        fx_rate,
        {{ in_reporting_currency('spend') }}                        as spend_reporting,
        {{ in_reporting_currency('platform_revenue') }}             as platform_revenue_reporting,

        first_reported_spend,
        first_reported_conversions,
        first_reported_platform_revenue,
        spend - first_reported_spend                                as spend_drift,

        captured_at,
        (select as_of_at from as_of)                                as as_of_at,

        attribution_model,
        attributed_orders,
        attributed_revenue,
        attributed_cogs                                             as cogs,
        attributed_revenue - attributed_cogs                        as gross_profit,
        {{ ad_ratio('roas', revenue='attributed_revenue') }}        as attributed_roas,
        {{ ad_ratio('roas', revenue='attributed_revenue - attributed_cogs') }} as poas,
        {{ in_reporting_currency('attributed_revenue') }}           as attributed_revenue_reporting,
        {{ in_reporting_currency('attributed_revenue - attributed_cogs') }} as gross_profit_reporting,
        has_platform_metrics

    from with_fx

)

select * from final
