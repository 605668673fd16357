-- One row per visitor journey: a pixel visitor (site_id + visitor_id) of a site mapped to a
-- client, over all of its events.
--   first_touch_* / last_touch_*   the visitor's first and last fct_touchpoints row (time,
--                                  channel, resolved entity, match type)
--   orders / net_revenue           non-cancelled orders linked to the visitor by checkout token
--                                  and their fct_orders.net_revenue (shop currency; null when
--                                  the orders are in more than one currency)
--   status   converted    the visitor has at least one such order
--            abandoned    no order, and the last event is more than journey_inactivity_days
--                         (workspace attribution settings, default 7) older than the site's
--                         latest event in the data (data_as_of_at)
--            in_progress  otherwise
-- The reference instant is the newest event landed for the site, not now(): rebuilding the same
-- data gives the same statuses, and a site whose pixel feed stalls does not see every journey
-- turn abandoned.

{{ config(indexes=[
    {'columns': ['visitor_key'], 'unique': True},
]) }}

with

events as (

    select * from {{ ref('int_pixel__events') }}
    where workspace_slug is not null

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

settings as (

    select * from {{ ref('int_attribution__settings') }}

),

site_latest as (

    select site_id, max(occurred_at) as data_as_of_at
    from events
    group by site_id

),

visitor_events as (

    select
        visitor_key,
        min(site_id)                                                    as site_id,
        min(visitor_id)                                                 as visitor_id,
        min(workspace_slug)                                             as workspace_slug,
        min(client_slug)                                                as client_slug,
        min(occurred_at)                                                as first_event_at,
        max(occurred_at)                                                as last_event_at,
        count(*)::integer                                               as event_count,
        count(distinct session_key)::integer                            as session_count,
        count(*) filter (where event_type = 'page_view')::integer       as page_view_count,
        count(*) filter (where event_type = 'add_to_cart')::integer     as add_to_cart_count,
        count(*) filter (where event_type = 'checkout_completed')::integer
                                                                        as checkout_completed_count
    from events
    group by visitor_key

),

touch_counts as (

    select
        visitor_key,
        count(*)::integer                                               as touchpoint_count,
        count(entity_id)::integer                                       as resolved_touchpoint_count
    from touchpoints
    group by visitor_key

),

first_touch as (

    select distinct on (visitor_key)
        visitor_key, touchpoint_id, occurred_at, channel, entity_id, match_type
    from touchpoints
    order by visitor_key, occurred_at, touchpoint_id

),

last_touch as (

    select distinct on (visitor_key)
        visitor_key, touchpoint_id, occurred_at, channel, entity_id, match_type
    from touchpoints
    order by visitor_key, occurred_at desc, touchpoint_id desc

),

visitor_orders as (

    select
        order_visitors.visitor_key,
        count(*)::integer                                               as orders,
        min(orders.processed_at)                                        as first_order_at,
        max(orders.processed_at)                                        as last_order_at,
        case when count(distinct orders.currency) = 1 then min(orders.currency) end
                                                                        as currency,
        case when count(distinct orders.currency) = 1 then sum(orders.net_revenue) end
                                                                        as net_revenue

    from {{ ref('int_attribution__order_visitors') }} as order_visitors

    join {{ ref('fct_orders') }} as orders
        on orders.order_key = order_visitors.order_key

    where not orders.is_cancelled

    group by order_visitors.visitor_key

),

final as (

    select
        visitor_events.visitor_key,
        visitor_events.site_id,
        visitor_events.visitor_id,
        visitor_events.workspace_slug,
        visitor_events.client_slug,
        visitor_events.first_event_at,
        visitor_events.last_event_at,
        visitor_events.event_count,
        visitor_events.session_count,
        visitor_events.page_view_count,
        visitor_events.add_to_cart_count,
        visitor_events.checkout_completed_count,
        coalesce(touch_counts.touchpoint_count, 0)                      as touchpoint_count,
        coalesce(touch_counts.resolved_touchpoint_count, 0)             as resolved_touchpoint_count,
        first_touch.touchpoint_id                                       as first_touchpoint_id,
        first_touch.occurred_at                                         as first_touch_at,
        first_touch.channel                                             as first_touch_channel,
        first_touch.entity_id                                           as first_touch_entity_id,
        first_touch.match_type                                          as first_touch_match_type,
        last_touch.touchpoint_id                                        as last_touchpoint_id,
        last_touch.occurred_at                                          as last_touch_at,
        last_touch.channel                                              as last_touch_channel,
        last_touch.entity_id                                            as last_touch_entity_id,
        last_touch.match_type                                           as last_touch_match_type,
        coalesce(visitor_orders.orders, 0)                              as orders,
        visitor_orders.first_order_at,
        visitor_orders.last_order_at,
        visitor_orders.currency,
        coalesce(visitor_orders.net_revenue, case when visitor_orders.orders is null then 0 end)
                                                                        as net_revenue,
        case
            when coalesce(visitor_orders.orders, 0) > 0 then 'converted'
            when visitor_events.last_event_at
                 < site_latest.data_as_of_at - settings.journey_inactivity_days * interval '1 day'
                then 'abandoned'
            else 'in_progress'
        end                                                             as status,
        settings.journey_inactivity_days,
        site_latest.data_as_of_at

    from visitor_events

    join site_latest
        on site_latest.site_id = visitor_events.site_id

    left join settings
        on settings.workspace_slug = visitor_events.workspace_slug

    left join touch_counts
        on touch_counts.visitor_key = visitor_events.visitor_key

    left join first_touch
        on first_touch.visitor_key = visitor_events.visitor_key

    left join last_touch
        on last_touch.visitor_key = visitor_events.visitor_key

    left join visitor_orders
        on visitor_orders.visitor_key = visitor_events.visitor_key

)

select * from final
