-- Refunds on their own day (the shop's local date of created_at). One row per
-- (shop_domain, refund_id); refunds of test orders are left out.
--   total_refunded   money returned, shipping and tax included (as Shopify reports it)
--   product_refunds  the refund's line items' subtotals (product money, without tax)
--   other_refunds    total_refunded - product_refunds: shipping, tax and amounts not tied to a
--                    line item
--   refunded_units, refunded_cogs  summed over the refund's line items

with

refunds as (

    select * from {{ ref('stg_shopify__refunds') }}

),

refund_lines as (

    select
        shop_domain,
        refund_id,
        sum(quantity)::integer          as refunded_units,
        sum(subtotal)                   as product_refunds,
        sum(refunded_cogs)              as refunded_cogs
    from {{ ref('int_shopify__refund_lines') }}
    group by shop_domain, refund_id

),

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

joined as (

    select
        refunds.shop_domain,
        refunds.refund_id,
        refunds.order_id,
        {{ stable_id('shopify', 'refunds.shop_domain', "'order'", 'refunds.order_id') }} as order_key,
        refunds.created_at                                                      as refunded_at,
        (refunds.created_at at time zone shops.timezone)::date                  as refund_date,
        refunds.total_refunded,
        coalesce(refund_lines.product_refunds, 0)                               as product_refunds,
        refunds.total_refunded - coalesce(refund_lines.product_refunds, 0)      as other_refunds,
        coalesce(refund_lines.refunded_units, 0)                                as refunded_units,
        coalesce(refund_lines.refunded_cogs, 0)                                 as refunded_cogs

    from refunds

    join orders
        on  orders.shop_domain = refunds.shop_domain
        and orders.order_id = refunds.order_id
        and not orders.is_test

    left join refund_lines
        on  refund_lines.shop_domain = refunds.shop_domain
        and refund_lines.refund_id = refunds.refund_id

    left join shops
        on shops.shop_domain = refunds.shop_domain

)

select * from joined
