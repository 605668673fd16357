-- Shopify sales per shop and day (the shop's local day), in the shop's currency, with refunds on
-- their own date: an order counts on its order_date, a refund on its refund_date, so a refund
-- lowers the net revenue of the day it was issued, not the day of the order. Days with neither
-- have no row. Cancelled orders (and their refunds) are left out.
--   orders, new_customer_orders, units_sold, gross_sales, discounts, shipping, tax,
--   cogs_ordered          of the orders placed that day
--   refunds               money refunded that day (shipping and tax included)
--   product_refunds       of which refund line items' subtotals; other_refunds the rest
--   units_refunded, refunded_cogs   of the refunds issued that day
--   included_tax          of the orders placed that day: their lines' tax where prices include it
--   net_revenue           gross_sales - discounts - included_tax - product_refunds (the fct_orders
--                         definition, each part on its own day; summed over all days it equals
--                         the sum of fct_orders.net_revenue)
--   cogs                  cogs_ordered - refunded_cogs;  gross_profit = net_revenue - cogs
--   ad_attributed_*       the same figures restricted to orders fct_order_attribution
--                         attributes to an ad entity

-- A table rebuilt whole: Shopify lands by updated_at, not by the run's days, so a windowed
-- build would miss days an older order's refund or a first sync brings (DECISIONLOG).
{{ config(indexes=[
    {'columns': ['shop_domain', 'sales_date']},
]) }}

with

all_orders as (

    select orders.*, attribution.entity_id is not null as is_ad_attributed
    from {{ ref('fct_orders') }} as orders
    join {{ ref('fct_order_attribution') }} as attribution
        on attribution.order_key = orders.order_key
    where not orders.is_cancelled

),

orders as (

    select * from all_orders

),

-- a refund counts on its own day, whenever its order was placed
refunds as (

    select refunds.*, all_orders.is_ad_attributed
    from {{ ref('int_shopify__refunds') }} as refunds
    join all_orders
        on all_orders.order_key = refunds.order_key

),

order_days as (

    select
        shop_domain,
        order_date                                                      as sales_date,
        count(*)::integer                                               as orders,
        count(*) filter (where is_first_order)::integer                 as new_customer_orders,
        sum(units)::integer                                             as units_sold,
        sum(gross_sales)                                                as gross_sales,
        sum(discounts)                                                  as discounts,
        sum(included_tax)                                               as included_tax,
        sum(shipping)                                                   as shipping,
        sum(tax)                                                        as tax,
        sum(cogs_ordered)                                               as cogs_ordered,
        count(*) filter (where is_ad_attributed)::integer               as ad_attributed_orders,
        coalesce(sum(gross_sales - discounts - included_tax) filter (where is_ad_attributed), 0)
                                                                        as ad_attributed_order_sales
    from orders
    group by shop_domain, order_date

),

refund_days as (

    select
        shop_domain,
        refund_date                                                     as sales_date,
        sum(total_refunded)                                             as refunds,
        sum(product_refunds)                                            as product_refunds,
        sum(other_refunds)                                              as other_refunds,
        sum(refunded_units)::integer                                    as units_refunded,
        sum(refunded_cogs)                                              as refunded_cogs,
        coalesce(sum(product_refunds) filter (where is_ad_attributed), 0)
                                                                        as ad_attributed_product_refunds
    from refunds
    group by shop_domain, refund_date

),

days as (

    select shop_domain, sales_date from order_days
    union
    select shop_domain, sales_date from refund_days

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

final as (

    select
        days.sales_date,
        days.shop_domain,
        shops.workspace_slug,
        shops.client_slug,
        shops.currency,
        coalesce(order_days.orders, 0)                                  as orders,
        coalesce(order_days.new_customer_orders, 0)                     as new_customer_orders,
        coalesce(order_days.units_sold, 0)                              as units_sold,
        coalesce(refund_days.units_refunded, 0)                         as units_refunded,
        coalesce(order_days.gross_sales, 0)                             as gross_sales,
        coalesce(order_days.discounts, 0)                               as discounts,
        coalesce(order_days.included_tax, 0)                            as included_tax,
        coalesce(refund_days.refunds, 0)                                as refunds,
        coalesce(refund_days.product_refunds, 0)                        as product_refunds,
        coalesce(refund_days.other_refunds, 0)                          as other_refunds,
        coalesce(order_days.gross_sales, 0) - coalesce(order_days.discounts, 0)
            - coalesce(order_days.included_tax, 0)
            - coalesce(refund_days.product_refunds, 0)                  as net_revenue,
        coalesce(order_days.shipping, 0)                                as shipping,
        coalesce(order_days.tax, 0)                                     as tax,
        coalesce(order_days.cogs_ordered, 0)                            as cogs_ordered,
        coalesce(refund_days.refunded_cogs, 0)                          as refunded_cogs,
        coalesce(order_days.cogs_ordered, 0) - coalesce(refund_days.refunded_cogs, 0)
                                                                        as cogs,
        coalesce(order_days.gross_sales, 0) - coalesce(order_days.discounts, 0)
            - coalesce(order_days.included_tax, 0)
            - coalesce(refund_days.product_refunds, 0)
            - (coalesce(order_days.cogs_ordered, 0) - coalesce(refund_days.refunded_cogs, 0))
                                                                        as gross_profit,
        coalesce(order_days.ad_attributed_orders, 0)                    as ad_attributed_orders,
        coalesce(order_days.ad_attributed_order_sales, 0)
            - coalesce(refund_days.ad_attributed_product_refunds, 0)    as ad_attributed_net_revenue

    from days

    left join order_days
        on  order_days.shop_domain = days.shop_domain
        and order_days.sales_date = days.sales_date

    left join refund_days
        on  refund_days.shop_domain = days.shop_domain
        and refund_days.sales_date = days.sales_date

    left join shops
        on shops.shop_domain = days.shop_domain

)

select * from final
