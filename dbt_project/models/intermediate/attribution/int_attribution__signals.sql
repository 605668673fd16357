-- Everything that can name an ad entity, in one shape, so pixel touchpoints and orders are
-- resolved by the same rules (int_attribution__signal_matches):
--   signal_source 'pixel_event'    a touchpoint event with a click id or a utm_*
--                                  (int_pixel__events.is_touchpoint), signal_id = event_id
--   signal_source 'shopify_order'  an order whose landing_site carried a click id or a utm_*,
--                                  signal_id = order_key
-- Only signals whose tenant is known (a configured pixel site / shop connection).

with

pixel_events as (

    select * from {{ ref('int_pixel__events') }}
    where is_touchpoint
      and has_signal
      and workspace_slug is not null

),

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

unioned as (

    select
        'pixel_event'::text             as signal_source,
        event_id                        as signal_id,
        workspace_slug,
        client_slug,
        gclid,
        fbclid,
        ttclid,
        utm_source,
        utm_campaign,
        utm_id,
        utm_content

    from pixel_events

    union all

    select
        'shopify_order'::text,
        {{ stable_id('shopify', 'orders.shop_domain', "'order'", 'orders.order_id') }},
        shops.workspace_slug,
        shops.client_slug,
        orders.gclid,
        orders.fbclid,
        orders.ttclid,
        orders.utm_source,
        orders.utm_campaign,
        orders.utm_id,
        orders.utm_content

    from orders

    join shops
        on shops.shop_domain = orders.shop_domain

    where shops.workspace_slug is not null
      and (orders.gclid is not null or orders.fbclid is not null or orders.ttclid is not null
           or orders.utm_source is not null or orders.utm_medium is not null
           or orders.utm_campaign is not null or orders.utm_term is not null
           or orders.utm_content is not null or orders.utm_id is not null)

),

final as (

    select
        unioned.*,
        {{ ad_platform_hint('gclid', 'fbclid', 'utm_source', 'ttclid') }} as platform_hint

    from unioned

)

select * from final
