-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per affiliate account (client) and the client's local day, the account-level row of
-- fct_ad_entity_daily must carry exactly what landed in raw_affiliate.events for the events
-- whose tracking id maps to the client: platform_revenue = the events' signed revenue
-- (refunds negative), clicks and conversions counted by type, spend and impressions 0.
-- The client is found here straight from the config source (the longest prefix the tracking
-- id starts with), independently of the staging and intermediate models.
-- Returns the (account, day) pairs that disagree, including days present on one side only.

with

landed_with_client as (

    select
        raw.*,
        best.client_slug

    from {{ source('affiliate', 'events') }} as raw

    join lateral (
        select p.client_slug
        from {{ source('metrics_config', 'affiliate_tracking_prefixes') }} as p
        where starts_with(raw.tracking_id, p.tracking_id_prefix)
        order by length(p.tracking_id_prefix) desc
        limit 1
    ) as best on true

),

landed as (

    select
        {{ stable_id('affiliate', 'landed_with_client.client_slug') }}      as account_entity_id,
        (landed_with_client.occurred_at at time zone clients.timezone)::date as metric_date,
        sum(landed_with_client.revenue)                                     as platform_revenue,
        count(*) filter (where landed_with_client.event_type = 'click')     as clicks,
        count(*) filter (where landed_with_client.event_type = 'conversion') as conversions

    from landed_with_client

    join {{ source('metrics_config', 'clients') }} as clients
        on clients.client_slug = landed_with_client.client_slug

    where {{ in_test_window('(landed_with_client.occurred_at at time zone clients.timezone)::date') }}

    group by 1, 2

),

modeled as (

    select
        entity_id                   as account_entity_id,
        metric_date,
        platform_revenue,
        clicks,
        conversions,
        spend,
        impressions

    from {{ ref('fct_ad_entity_daily') }}
    where platform = 'affiliate' and {{ in_test_window('metric_date') }}
      and level = 'account'

)

select
    coalesce(landed.account_entity_id, modeled.account_entity_id)  as account_entity_id,
    coalesce(landed.metric_date, modeled.metric_date)              as metric_date,
    landed.platform_revenue     as landed_platform_revenue,
    modeled.platform_revenue    as modeled_platform_revenue,
    landed.clicks               as landed_clicks,
    modeled.clicks              as modeled_clicks,
    landed.conversions          as landed_conversions,
    modeled.conversions         as modeled_conversions,
    modeled.spend               as modeled_spend,
    modeled.impressions         as modeled_impressions

from landed

full outer join modeled
    on  modeled.account_entity_id = landed.account_entity_id
    and modeled.metric_date = landed.metric_date

where landed.account_entity_id is null
   or modeled.account_entity_id is null
   or landed.platform_revenue is distinct from modeled.platform_revenue
   or landed.clicks           is distinct from modeled.clicks
   or landed.conversions      is distinct from modeled.conversions
   or modeled.spend           <> 0
   or modeled.impressions     <> 0
