-- Affiliate events with the client they belong to and that client's local day. One row per event.
--
-- Client: the config.affiliate_tracking_prefixes row whose prefix is the longest one the
-- tracking id starts with (case-sensitive; prefixes are unique, so the longest is unique).
-- Left join on purpose: an event no prefix matches keeps a null client_slug (is_mapped =
-- false); no mart uses it and the test assert_affiliate_tracking_ids_map_to_a_client names it.
-- local_date: occurred_at in the client's timezone; null for unmapped events.
-- Entity ids: stable_id('affiliate', client_slug [, tracking_id [, product_id]]).

with

events as (

    select * from {{ ref('stg_affiliate__events') }}

),

prefixes as (

    select * from {{ ref('stg_metrics_config__affiliate_tracking_prefixes') }}

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}

),

matched as (

    select
        events.*,
        best.tracking_id_prefix,
        best.client_slug,
        best.currency

    from events

    left join lateral (
        select prefixes.tracking_id_prefix, prefixes.client_slug, prefixes.currency
        from prefixes
        where left(events.tracking_id, length(prefixes.tracking_id_prefix)) = prefixes.tracking_id_prefix
        order by length(prefixes.tracking_id_prefix) desc
        limit 1
    ) as best on true

),

final as (

    select
        matched.event_id,
        matched.event_type,
        matched.occurred_at,
        matched.event_date,
        matched.tracking_id,
        matched.product_id,
        matched.revenue,
        matched.traffic_source,
        matched.source_file,
        matched.source_row_number,

        matched.tracking_id_prefix,
        matched.client_slug is not null                             as is_mapped,
        clients.workspace_slug,
        matched.client_slug,
        clients.client_name,
        clients.timezone,
        matched.currency,
        (matched.occurred_at at time zone clients.timezone)::date   as local_date,

        case when matched.client_slug is not null then
            {{ stable_id('affiliate', 'matched.client_slug') }}
        end                                                         as account_entity_id,
        case when matched.client_slug is not null then
            {{ stable_id('affiliate', 'matched.client_slug', 'matched.tracking_id') }}
        end                                                         as campaign_entity_id,
        case when matched.client_slug is not null then
            {{ stable_id('affiliate', 'matched.client_slug', 'matched.tracking_id', 'matched.product_id') }}
        end                                                         as product_entity_id

    from matched

    left join clients
        on clients.client_slug = matched.client_slug

)

select * from final
