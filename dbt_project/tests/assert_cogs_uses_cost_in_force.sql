-- Shown in Dagster as an asset check on fct_orders (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- COGS uses the unit cost in force when the order was placed, recomputed from the landed rows:
-- for each line, the variant's raw_shopify.variant_cost_observations row with the latest
-- observed_at <= the order's processed_at, else its earliest observation (no observation: 0).
--   fct_orders.cogs_ordered  = sum of units sold x that cost, units sold being the quantity
--                              ordered less what an order edit removed (quantity -
--                              current_quantity - refunded units, where current_quantity landed)
--   fct_orders.refunded_cogs = sum of refunded units that came back (restock_type not
--                              NO_RESTOCK) x that cost
--   fct_orders.cogs          = cogs_ordered - refunded_cogs;  gross_profit = net_revenue - cogs
-- Returns one row per order that disagrees.

with

lines as (

    select
        lower(btrim(lines.shop_domain))                         as shop_domain,
        lines.order_id,
        lines.quantity,
        lines.current_quantity,
        coalesce((
            select sum(refund_lines.quantity)
            from {{ source('shopify', 'refund_line_items') }} as refund_lines
            join {{ source('shopify', 'refunds') }} as refunds
                on  refunds.shop_domain = refund_lines.shop_domain
                and refunds.refund_id = refund_lines.refund_id
            where refunds.shop_domain = lines.shop_domain
              and refunds.order_id = lines.order_id
              and refund_lines.line_item_id = lines.line_item_id
        ), 0)                                                   as refunded_quantity,
        coalesce((
            select sum(refund_lines.quantity)
            from {{ source('shopify', 'refund_line_items') }} as refund_lines
            join {{ source('shopify', 'refunds') }} as refunds
                on  refunds.shop_domain = refund_lines.shop_domain
                and refunds.refund_id = refund_lines.refund_id
            where refunds.shop_domain = lines.shop_domain
              and refunds.order_id = lines.order_id
              and refund_lines.line_item_id = lines.line_item_id
              and refund_lines.restock_type is distinct from 'NO_RESTOCK'
        ), 0)                                                   as restocked_quantity,
        coalesce(
            (select cost.unit_cost
             from {{ source('shopify', 'variant_cost_observations') }} as cost
             where cost.shop_domain = lines.shop_domain
               and cost.variant_id = lines.variant_id
               and cost.observed_at <= orders.processed_at
             order by cost.observed_at desc
             limit 1),
            (select cost.unit_cost
             from {{ source('shopify', 'variant_cost_observations') }} as cost
             where cost.shop_domain = lines.shop_domain
               and cost.variant_id = lines.variant_id
             order by cost.observed_at
             limit 1),
            0
        )                                                       as unit_cost

    from {{ source('shopify', 'order_line_items') }} as lines

    join {{ source('shopify', 'orders') }} as orders
        on  orders.shop_domain = lines.shop_domain
        and orders.order_id = lines.order_id

),

expected as (

    select
        shop_domain,
        order_id,
        sum(
            (quantity - greatest(quantity - coalesce(current_quantity, quantity) - refunded_quantity, 0))
            * unit_cost
        )                                                       as cogs_ordered,
        sum(restocked_quantity * unit_cost)                     as refunded_cogs
    from lines
    group by shop_domain, order_id

)

select
    orders.order_key,
    orders.shop_domain,
    orders.order_id,
    orders.cogs_ordered,
    coalesce(expected.cogs_ordered, 0)                          as expected_cogs_ordered,
    orders.refunded_cogs,
    coalesce(expected.refunded_cogs, 0)                         as expected_refunded_cogs,
    orders.cogs,
    orders.gross_profit

from {{ ref('fct_orders') }} as orders

left join expected
    on  expected.shop_domain = orders.shop_domain
    and expected.order_id = orders.order_id

where orders.cogs_ordered <> coalesce(expected.cogs_ordered, 0)
   or orders.refunded_cogs <> coalesce(expected.refunded_cogs, 0)
   or orders.cogs <> orders.cogs_ordered - orders.refunded_cogs
   or orders.gross_profit <> orders.net_revenue - orders.cogs
