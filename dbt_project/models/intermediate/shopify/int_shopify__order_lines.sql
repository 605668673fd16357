-- Order line items with their money, the unit cost in force when the order was placed and what
-- has been refunded of them so far. One row per (shop_domain, order_id, line_item_id).
--
--   gross_sales     original_unit_price x quantity (before discounts)
--   discounts       the line's share of the order's discounts (total_discount)
--   unit_cost       the variant's cost in force at the order's processed_at: the latest
--                   observation at or before it, else the earliest observation (orders older
--                   than the first cost seen); null when the variant has no observation (or the
--                   line no variant), in which case the COGS figures count 0 and
--                   has_unit_cost is false
--   cogs_ordered    quantity x unit_cost
--   refunded_*      summed over the order's refunds to date; refunded_cogs = refunded_quantity x
--                   unit_cost (refunded units are assumed back in stock)
--   sku_key         the SKU, else 'variant:<id>', else 'product:<id>', else 'title:<title>':
--                   what the daily sales are keyed by

with

lines as (

    select * from {{ ref('stg_shopify__order_line_items') }}

),

orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

cost_periods as (

    select * from {{ ref('int_shopify__variant_cost_periods') }}

),

refunds as (

    select * from {{ ref('stg_shopify__refunds') }}

),

refund_lines as (

    select * from {{ ref('stg_shopify__refund_line_items') }}

),

refunded as (

    select
        refunds.shop_domain,
        refunds.order_id,
        refund_lines.line_item_id,
        sum(refund_lines.quantity)::integer     as refunded_quantity,
        sum(refund_lines.subtotal)              as refunded_subtotal

    from refund_lines

    join refunds
        on  refunds.shop_domain = refund_lines.shop_domain
        and refunds.refund_id = refund_lines.refund_id

    group by refunds.shop_domain, refunds.order_id, refund_lines.line_item_id

),

joined as (

    select
        lines.shop_domain,
        lines.order_id,
        lines.line_item_id,
        {{ stable_id('shopify', 'lines.shop_domain', "'order'", 'lines.order_id') }}    as order_key,
        orders.processed_at,
        (orders.processed_at at time zone shops.timezone)::date                         as order_date,
        orders.cancelled_at is not null                                                 as is_cancelled,
        orders.currency,
        lines.product_id,
        lines.variant_id,
        lines.sku,
        coalesce(
            lines.sku,
            'variant:' || lines.variant_id::text,
            'product:' || lines.product_id::text,
            'title:' || lines.title
        )                                                                               as sku_key,
        lines.title,
        lines.quantity,
        lines.original_unit_price,
        lines.original_unit_price * lines.quantity                                      as gross_sales,
        lines.total_discount                                                            as discounts,
        cost.unit_cost,
        cost.valid_from                                                                 as unit_cost_observed_at,
        cost.unit_cost is not null                                                      as has_unit_cost,
        coalesce(lines.quantity * cost.unit_cost, 0)                                    as cogs_ordered,
        coalesce(refunded.refunded_quantity, 0)                                         as refunded_quantity,
        coalesce(refunded.refunded_subtotal, 0)                                         as refunded_subtotal,
        coalesce(coalesce(refunded.refunded_quantity, 0) * cost.unit_cost, 0)           as refunded_cogs

    from lines

    join orders
        on  orders.shop_domain = lines.shop_domain
        and orders.order_id = lines.order_id

    left join shops
        on shops.shop_domain = lines.shop_domain

    left join cost_periods as cost
        on  cost.shop_domain = lines.shop_domain
        and cost.variant_id = lines.variant_id
        and (
                (cost.valid_from <= orders.processed_at
                 and (cost.valid_to is null or orders.processed_at < cost.valid_to))
             or (cost.is_earliest and orders.processed_at < cost.valid_from)
        )

    left join refunded
        on  refunded.shop_domain = lines.shop_domain
        and refunded.order_id = lines.order_id
        and refunded.line_item_id = lines.line_item_id

)

select * from joined
