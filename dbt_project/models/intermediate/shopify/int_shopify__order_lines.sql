-- Order line items with their money, the unit cost in force when the order was placed and what
-- has been refunded of them so far. One row per (shop_domain, order_id, line_item_id); test
-- orders (Order.test) are left out.
--
--   ordered_quantity  LineItem.quantity as ordered
--   removed_quantity  units an order edit took off: ordered - currentQuantity - refunded units
--                     (currentQuantity excludes both); 0 where current_quantity was not landed
--   quantity          ordered_quantity - removed_quantity: the units sold
--   gross_sales       original_unit_price x quantity (before discounts)
--   discounts         every discount allocated to the line (discount_allocated: order-level and
--                     code discounts included), for the units sold (x quantity / ordered);
--                     falls back to total_discount where discount_allocated was not landed
--   included_tax      the line's tax for the units sold when the order's prices include tax
--                     (VAT shops), else 0: revenue is gross_sales - discounts - included_tax
--   unit_cost         the variant's cost in force at the order's processed_at: the latest
--                     observation at or before it, else the earliest observation (orders older
--                     than the first cost seen); null when the variant has no observation (or the
--                     line no variant), in which case the COGS figures count 0 and
--                     has_unit_cost is false
--   cogs_ordered      quantity x unit_cost
--   refunded_*        summed over the order's refunds to date; refunded_cogs = restocked
--                     refunded units x unit_cost (NO_RESTOCK units keep their cost spent)
--   sku_key           the SKU, else 'variant:<id>', else 'product:<id>', else 'title:<title>':
--                     what the daily sales are keyed by

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
        coalesce(sum(refund_lines.quantity) filter (
            where refund_lines.restock_type is distinct from 'NO_RESTOCK'
        ), 0)::integer                          as restocked_quantity

    from refund_lines

    join refunds
        on  refunds.shop_domain = refund_lines.shop_domain
        and refunds.refund_id = refund_lines.refund_id

    group by refunds.shop_domain, refunds.order_id, refund_lines.line_item_id

),

sized as (

    select
        lines.*,
        greatest(
            lines.quantity - coalesce(lines.current_quantity, lines.quantity)
            - coalesce(refunded.refunded_quantity, 0),
            0
        )                                                   as removed_quantity,
        refunded.refunded_quantity,
        refunded.restocked_quantity

    from lines

    left join refunded
        on  refunded.shop_domain = lines.shop_domain
        and refunded.order_id = lines.order_id
        and refunded.line_item_id = lines.line_item_id

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
        lines.quantity                                                                  as ordered_quantity,
        lines.removed_quantity,
        lines.quantity - lines.removed_quantity                                         as quantity,
        lines.original_unit_price,
        lines.original_unit_price * (lines.quantity - lines.removed_quantity)          as gross_sales,
        -- discounts and tax of the units sold: all of them unless an edit removed units, else pro
        -- rata (to the 6 decimals money lands with)
        case
            when lines.removed_quantity = 0 then coalesce(lines.discount_allocated, lines.total_discount)
            else round(
                coalesce(lines.discount_allocated, lines.total_discount)
                * (lines.quantity - lines.removed_quantity) / lines.quantity, 6
            )
        end                                                                             as discounts,
        case
            when not orders.taxes_included then 0
            when lines.removed_quantity = 0 then coalesce(lines.tax, 0)
            else round(coalesce(lines.tax, 0) * (lines.quantity - lines.removed_quantity) / lines.quantity, 6)
        end                                                                             as included_tax,
        cost.unit_cost,
        cost.valid_from                                                                 as unit_cost_observed_at,
        cost.unit_cost is not null                                                      as has_unit_cost,
        coalesce((lines.quantity - lines.removed_quantity) * cost.unit_cost, 0)         as cogs_ordered,
        coalesce(lines.refunded_quantity, 0)                                            as refunded_quantity,
        coalesce(lines.restocked_quantity, 0)                                           as restocked_quantity,
        coalesce(lines.restocked_quantity * cost.unit_cost, 0)                          as refunded_cogs

    from sized as lines

    join orders
        on  orders.shop_domain = lines.shop_domain
        and orders.order_id = lines.order_id
        and not orders.is_test

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

)

select * from joined
