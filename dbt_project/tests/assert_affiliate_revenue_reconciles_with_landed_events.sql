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

-- an affiliate network neither spends nor serves impressions
{{ rows_that_disagree(
    'landed', 'modeled',
    keys=['account_entity_id', 'metric_date'],
    measures=['platform_revenue', 'clicks', 'conversions'],
    also_fails_when=['modeled.spend <> 0', 'modeled.impressions <> 0'],
) }}
