-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- In fct_ad_entity_daily, for every entity that has children in dim_ad_entities and every
-- day, the entity's row equals the sum of its children's rows that day (spend, impressions,
-- clicks, conversions, platform_revenue and their reporting-currency figures), and the
-- entity has a row exactly on the days at least one child has one. Applied at every level,
-- this makes each level the sum of the level below, down to the ads / creatives.
-- Returns one row per (parent, day) that disagrees.

with

daily as (

    select * from {{ ref('fct_ad_entity_daily') }}
    where {{ in_test_window('metric_date') }}

),

entities as (

    select entity_id, parent_entity_id, level from {{ ref('dim_ad_entities') }}

),

children_summed as (

    select
        entities.parent_entity_id                   as entity_id,
        daily.metric_date,
        count(*)                                    as child_rows,
        sum(daily.spend)                            as spend,
        sum(daily.impressions)                      as impressions,
        sum(daily.clicks)                           as clicks,
        sum(daily.conversions)                      as conversions,
        sum(daily.platform_revenue)                 as platform_revenue,
        sum(daily.spend_reporting)                  as spend_reporting,
        sum(daily.platform_revenue_reporting)       as platform_revenue_reporting

    from daily

    join entities
        on entities.entity_id = daily.entity_id

    where entities.parent_entity_id is not null

    group by entities.parent_entity_id, daily.metric_date

),

parents as (

    select daily.*
    from daily
    where exists (
        select 1 from entities where entities.parent_entity_id = daily.entity_id
    )

)

select
    coalesce(parents.entity_id, children_summed.entity_id)      as entity_id,
    coalesce(parents.metric_date, children_summed.metric_date)  as metric_date,
    parents.level,
    children_summed.child_rows,
    parents.spend                   as parent_spend,
    children_summed.spend           as children_spend,
    parents.impressions             as parent_impressions,
    children_summed.impressions     as children_impressions,
    parents.conversions             as parent_conversions,
    children_summed.conversions     as children_conversions

from parents

full outer join children_summed
    on  children_summed.entity_id = parents.entity_id
    and children_summed.metric_date = parents.metric_date

where parents.entity_id is null
   or children_summed.entity_id is null
   or parents.spend                      is distinct from children_summed.spend
   or parents.impressions                is distinct from children_summed.impressions
   or parents.clicks                     is distinct from children_summed.clicks
   or parents.conversions                is distinct from children_summed.conversions
   or parents.platform_revenue           is distinct from children_summed.platform_revenue
   or parents.spend_reporting            is distinct from children_summed.spend_reporting
   or parents.platform_revenue_reporting is distinct from children_summed.platform_revenue_reporting
