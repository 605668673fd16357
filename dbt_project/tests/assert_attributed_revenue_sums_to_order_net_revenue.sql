-- Shown in Dagster as an asset check on fct_attribution_links (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution_links'}}}) }}

-- For every order with attribution links and every model, the links' attributed_revenue sums to
-- the order's net_revenue in fct_orders (within 1e-9; exact by construction), and
-- attributed_cogs / attributed_gross_profit to its cogs / gross_profit. No cancelled order has
-- links. Returns one row per (order, model) that disagrees.

with

sums as (

    select
        order_key,
        model,
        sum(attributed_revenue)                         as attributed_revenue,
        sum(attributed_cogs)                            as attributed_cogs,
        sum(attributed_gross_profit)                    as attributed_gross_profit
    from {{ ref('fct_attribution_links') }}
    group by order_key, model

)

select
    sums.*,
    orders.net_revenue,
    orders.cogs,
    orders.gross_profit,
    orders.is_cancelled

from sums

left join {{ ref('fct_orders') }} as orders
    on orders.order_key = sums.order_key

where orders.order_key is null
   or orders.is_cancelled
   or abs(sums.attributed_revenue - orders.net_revenue) > 1e-9
   or abs(sums.attributed_cogs - orders.cogs) > 1e-9
   or abs(sums.attributed_gross_profit - orders.gross_profit) > 1e-9
