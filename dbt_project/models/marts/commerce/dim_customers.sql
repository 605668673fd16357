-- One row per shop customer with lifetime value, in the shop's currency. The customer is the
-- email hash (HMAC, never the email), else the Shopify customer id, within a shop: orders of
-- one email under two customer records (or as a guest) count as one customer. Customers from
-- raw_shopify.customers without any order, or with cancelled orders only, are here with zeros
-- (so every fct_orders.customer_key has its row). Only non-cancelled orders count.
--   total_spent_net   sum of (total_price - refunds): what the customer paid, shipping and
--                     tax included, after every refund
--   net_revenue       sum of fct_orders.net_revenue (product revenue after discounts and
--                     product refunds), gross_profit likewise

with

all_orders as (

    select * from {{ ref('fct_orders') }}
    where customer_key is not null

),

orders as (

    select * from all_orders
    where not is_cancelled

),

customers as (

    select
        customers.shop_domain,
        case
            when customers.email_hash is not null then 'email:' || customers.email_hash
            else 'customer:' || customers.customer_id::text
        end                                         as customer_identity,
        customers.customer_id,
        customers.email_hash,
        customers.created_at
    from {{ ref('stg_shopify__customers') }} as customers

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

customer_records as (

    select
        {{ stable_id('shopify', 'shop_domain', 'customer_identity') }} as customer_key,
        shop_domain,
        max(email_hash)                             as email_hash,
        max(customer_id)                            as customer_id,
        min(created_at)                             as customer_created_at
    from customers
    group by shop_domain, customer_identity

),

order_totals as (

    select
        customer_key,
        shop_domain,
        max(email_hash)                             as email_hash,
        (array_agg(customer_id order by processed_at desc, order_id desc)
            filter (where customer_id is not null))[1]
                                                    as customer_id,
        count(*)::integer                           as order_count,
        min(processed_at)                           as first_order_at,
        max(processed_at)                           as last_order_at,
        min(order_date)                             as first_order_date,
        max(order_date)                             as last_order_date,
        sum(units - refunded_units)::integer        as units,
        sum(gross_sales)                            as gross_sales,
        sum(discounts)                              as discounts,
        sum(product_refunds)                        as product_refunds,
        sum(refunds)                                as refunds,
        sum(total_price - refunds)                  as total_spent_net,
        sum(net_revenue)                            as net_revenue,
        sum(cogs)                                   as cogs,
        sum(gross_profit)                           as gross_profit
    from orders
    group by customer_key, shop_domain

),

keys as (

    select customer_key, shop_domain from customer_records
    union
    select customer_key, shop_domain from all_orders

),

-- what identifies a customer with cancelled orders only
cancelled_only as (

    select
        customer_key,
        max(email_hash)                             as email_hash,
        max(customer_id)                            as customer_id
    from all_orders
    group by customer_key

),

final as (

    select
        keys.customer_key,
        keys.shop_domain,
        shops.workspace_slug,
        shops.client_slug,
        shops.currency,
        coalesce(order_totals.email_hash, customer_records.email_hash, cancelled_only.email_hash)
                                                                        as email_hash,
        coalesce(order_totals.customer_id, customer_records.customer_id, cancelled_only.customer_id)
                                                                        as customer_id,
        customer_records.customer_created_at,
        coalesce(order_totals.order_count, 0)                           as order_count,
        order_totals.first_order_at,
        order_totals.last_order_at,
        order_totals.first_order_date,
        order_totals.last_order_date,
        coalesce(order_totals.units, 0)                                 as units,
        coalesce(order_totals.gross_sales, 0)                           as gross_sales,
        coalesce(order_totals.discounts, 0)                             as discounts,
        coalesce(order_totals.product_refunds, 0)                       as product_refunds,
        coalesce(order_totals.refunds, 0)                               as refunds,
        coalesce(order_totals.total_spent_net, 0)                       as total_spent_net,
        coalesce(order_totals.net_revenue, 0)                           as net_revenue,
        coalesce(order_totals.cogs, 0)                                  as cogs,
        coalesce(order_totals.gross_profit, 0)                          as gross_profit,
        {{ safe_divide('order_totals.net_revenue', 'order_totals.order_count') }}
                                                                        as average_order_net_revenue

    from keys

    left join order_totals
        on order_totals.customer_key = keys.customer_key

    left join customer_records
        on customer_records.customer_key = keys.customer_key

    left join cancelled_only
        on cancelled_only.customer_key = keys.customer_key

    left join shops
        on shops.shop_domain = keys.shop_domain

)

select * from final
