-- Orders linked to the pixel visitor who placed them: the order's checkout_token equals the
-- checkout_token of a checkout_completed pixel event on a site of the same client. When several
-- events carry the token (a re-fired pixel, two tabs), the earliest wins. One row per linked
-- order; orders without such an event are not here (they have no journey and no attribution
-- links).
--
-- converted_at is that checkout_completed event's occurred_at: the instant the attribution
-- lookback window ends at, taken from the pixel's own clock so that touches and conversion are
-- compared on one clock (the order's processed_at comes from Shopify's).

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where checkout_token is not null

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

checkouts as (

    select distinct on (client_slug, checkout_token)
        client_slug,
        checkout_token,
        site_id,
        visitor_id,
        visitor_key,
        event_id,
        occurred_at
    from {{ ref('int_pixel__events') }}
    where event_type = 'checkout_completed'
      and checkout_token is not null
      and client_slug is not null
    order by client_slug, checkout_token, occurred_at, event_id

),

joined as (

    select
        {{ stable_id('shopify', 'orders.shop_domain', "'order'", 'orders.order_id') }} as order_key,
        orders.shop_domain,
        orders.order_id,
        shops.workspace_slug,
        shops.client_slug,
        checkouts.site_id,
        checkouts.visitor_id,
        checkouts.visitor_key,
        checkouts.event_id                  as checkout_event_id,
        checkouts.occurred_at               as converted_at,
        orders.processed_at

    from orders

    join shops
        on shops.shop_domain = orders.shop_domain

    join checkouts
        on  checkouts.client_slug = shops.client_slug
        and checkouts.checkout_token = orders.checkout_token

)

select * from joined
