-- Shown in Dagster as an asset check on fct_attribution_links (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution_links'}}}) }}

-- No touch outside the lookback window, recomputed from the pixel's events: for every link, the
-- touch (int_pixel__events by event_id: the landed events plus those of months retention
-- archived) happened at or before the conversion - the earliest
-- checkout_completed event carrying the order's checkout_token, by the same visitor - and no
-- more than lookback_days (config.attribution_settings, default 30) before it.
-- And none missing: every non-direct touchpoint of the converting visitor inside the window is
-- linked. Returns the offending (order, touch) pairs with the problem.

with

links as (

    select distinct order_key, touchpoint_id, workspace_slug, shop_domain, order_id
    from {{ ref('fct_attribution_links') }}

),

orders as (

    select lower(btrim(shop_domain)) as shop_domain, order_id, checkout_token
    from {{ source('shopify', 'orders') }}

),

settings as (

    select workspace_slug, lookback_days from {{ source('metrics_config', 'attribution_settings') }}

),

conversions as (

    select distinct on (links.order_key)
        links.order_key,
        links.workspace_slug,
        checkout.site_id,
        checkout.visitor_id,
        checkout.occurred_at                                    as converted_at,
        coalesce(settings.lookback_days, 30)                    as lookback_days

    from links

    join orders
        on  orders.shop_domain = links.shop_domain
        and orders.order_id = links.order_id

    join {{ ref('int_pixel__events') }} as checkout
        on  checkout.checkout_token = orders.checkout_token
        and checkout.event_type = 'checkout_completed'

    left join settings
        on settings.workspace_slug = links.workspace_slug

    order by links.order_key, checkout.occurred_at, checkout.event_id

),

linked_touches as (

    select
        links.order_key,
        links.touchpoint_id,
        conversions.converted_at,
        conversions.lookback_days,
        touch.occurred_at,
        case
            when conversions.order_key is null then 'no checkout event for the order'
            when touch.event_id is null then 'touch is not a pixel event'
            when touch.site_id <> conversions.site_id or touch.visitor_id <> conversions.visitor_id
                then 'touch of another visitor'
            when touch.occurred_at > conversions.converted_at then 'touch after the conversion'
            when touch.occurred_at < conversions.converted_at - conversions.lookback_days * interval '1 day'
                then 'touch before the lookback window'
        end                                                     as problem

    from links

    left join conversions
        on conversions.order_key = links.order_key

    left join {{ ref('int_pixel__events') }} as touch
        on touch.event_id = links.touchpoint_id

),

missing_touches as (

    select
        conversions.order_key,
        touchpoints.touchpoint_id,
        conversions.converted_at,
        conversions.lookback_days,
        touchpoints.occurred_at,
        'non-direct touch inside the window not linked'         as problem

    from conversions

    join {{ ref('fct_touchpoints') }} as touchpoints
        on  touchpoints.site_id = conversions.site_id
        and touchpoints.visitor_id = conversions.visitor_id
        and touchpoints.occurred_at <= conversions.converted_at
        and touchpoints.occurred_at >= conversions.converted_at - conversions.lookback_days * interval '1 day'
        and touchpoints.channel <> 'direct'

    -- the table rather than the `links` CTE: with the CTE's guessed row count Postgres chose a
    -- nested-loop anti join, quadratic in orders
    left join {{ ref('fct_attribution_links') }} as linked
        on  linked.order_key = conversions.order_key
        and linked.touchpoint_id = touchpoints.touchpoint_id

    where linked.order_key is null

)

select * from linked_touches where problem is not null
union all
select * from missing_touches
