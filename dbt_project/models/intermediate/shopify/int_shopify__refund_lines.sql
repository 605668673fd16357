-- Refund line items on the refund's own day (the shop's local date of refunds.created_at), with
-- the refunded line's SKU and its COGS: quantity x the unit cost the line was sold at (the cost in
-- force at the order's processed_at, see int_shopify__order_lines) for units that came back
-- (restock_type RETURN / CANCEL / LEGACY_RESTOCK, or not landed); NO_RESTOCK units count 0, their
-- cost stays spent. subtotal is product money refunded without tax: the refunded line's tax is
-- taken out when the order's prices include it. Test orders are left out.
-- One row per (shop_domain, refund_id, line_item_id).

with

refunds as (

    select * from {{ ref('stg_shopify__refunds') }}

),

refund_lines as (

    select * from {{ ref('stg_shopify__refund_line_items') }}

),

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

order_lines as (

    select * from {{ ref('int_shopify__order_lines') }}

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

joined as (

    select
        refund_lines.shop_domain,
        refund_lines.refund_id,
        refund_lines.line_item_id,
        refunds.order_id,
        {{ stable_id('shopify', 'refunds.shop_domain', "'order'", 'refunds.order_id') }} as order_key,
        refunds.created_at                                                      as refunded_at,
        (refunds.created_at at time zone shops.timezone)::date                  as refund_date,
        order_lines.product_id,
        order_lines.variant_id,
        order_lines.sku,
        coalesce(order_lines.sku_key, 'line:' || refund_lines.line_item_id::text) as sku_key,
        order_lines.title,
        refund_lines.quantity,
        refund_lines.restock_type,
        refund_lines.subtotal
            - case when orders.taxes_included then coalesce(refund_lines.total_tax, 0) else 0 end
                                                                                as subtotal,
        case
            when refund_lines.restock_type = 'NO_RESTOCK' then 0
            else coalesce(refund_lines.quantity * order_lines.unit_cost, 0)
        end                                                                     as refunded_cogs

    from refund_lines

    join refunds
        on  refunds.shop_domain = refund_lines.shop_domain
        and refunds.refund_id = refund_lines.refund_id

    join orders
        on  orders.shop_domain = refunds.shop_domain
        and orders.order_id = refunds.order_id
        and not orders.is_test

    left join shops
        on shops.shop_domain = refunds.shop_domain

    left join order_lines
        on  order_lines.shop_domain = refunds.shop_domain
        and order_lines.order_id = refunds.order_id
        and order_lines.line_item_id = refund_lines.line_item_id

)

select * from joined
