-- Shown in Dagster as an asset check on fct_shop_sales_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_shop_sales_daily'}}}) }}

-- Refunds lower the sales of the day they were issued, recomputed from the landed rows: per shop
-- and local day of raw_shopify.refunds.created_at (the shop's time zone, else its client's),
-- for non-cancelled, non-test orders,
--   fct_shop_sales_daily.refunds          = sum of total_refunded
--   fct_shop_sales_daily.product_refunds  = sum of the refund line items' subtotals, without
--                                           their tax where the order's prices include it
--   fct_sales_daily.refunds (all SKUs)    = the same sum of subtotals
-- and a day without refunds shows 0 in both marts. Also, over all days, a shop's
-- fct_shop_sales_daily.net_revenue adds up to its orders' fct_orders.net_revenue.
-- Returns one row per (shop, day) or shop that disagrees.

with

shop_zones as (

    select
        lower(btrim(shops.shop_domain))                         as shop_domain,
        coalesce(shops.timezone, clients.timezone)              as timezone

    from {{ source('shopify', 'shops') }} as shops

    left join {{ source('metrics_config', 'connections') }} as connections
        on  connections.provider = 'shopify'
        and lower(btrim(connections.account_ids[1])) = lower(btrim(shops.shop_domain))

    left join {{ source('metrics_config', 'clients') }} as clients
        on clients.client_slug = connections.client_slug

),

refunds as (

    select
        lower(btrim(refunds.shop_domain))                       as shop_domain,
        refunds.refund_id,
        (refunds.created_at at time zone shop_zones.timezone)::date as refund_date,
        refunds.total_refunded,
        (select coalesce(sum(
                    lines.subtotal
                    - case when orders.taxes_included then coalesce(lines.total_tax, 0) else 0 end
                ), 0)
         from {{ source('shopify', 'refund_line_items') }} as lines
         where lines.shop_domain = refunds.shop_domain
           and lines.refund_id = refunds.refund_id)             as product_refunds

    from {{ source('shopify', 'refunds') }} as refunds

    join {{ source('shopify', 'orders') }} as orders
        on  orders.shop_domain = refunds.shop_domain
        and orders.order_id = refunds.order_id

    left join shop_zones
        on shop_zones.shop_domain = lower(btrim(refunds.shop_domain))

    where orders.cancelled_at is null
      and not orders.is_test

),

expected as (

    select shop_domain, refund_date as sales_date,
           sum(total_refunded) as refunds, sum(product_refunds) as product_refunds
    from refunds
    group by shop_domain, refund_date

),

shop_daily as (

    select shop_domain, sales_date, refunds, product_refunds
    from {{ ref('fct_shop_sales_daily') }}

),

sku_daily as (

    select store_id as shop_domain, sales_date, sum(refunds) as refunds
    from {{ ref('fct_sales_daily') }}
    where channel = 'shopify'
    group by store_id, sales_date

),

by_day as (

    select
        coalesce(expected.shop_domain, shop_daily.shop_domain, sku_daily.shop_domain) as shop_domain,
        coalesce(expected.sales_date, shop_daily.sales_date, sku_daily.sales_date)    as sales_date,
        coalesce(expected.refunds, 0)                           as expected_refunds,
        coalesce(expected.product_refunds, 0)                   as expected_product_refunds,
        shop_daily.refunds                                      as shop_daily_refunds,
        shop_daily.product_refunds                              as shop_daily_product_refunds,
        sku_daily.refunds                                       as sku_daily_refunds

    from expected

    full outer join shop_daily
        on  shop_daily.shop_domain = expected.shop_domain
        and shop_daily.sales_date = expected.sales_date

    full outer join sku_daily
        on  sku_daily.shop_domain = coalesce(expected.shop_domain, shop_daily.shop_domain)
        and sku_daily.sales_date = coalesce(expected.sales_date, shop_daily.sales_date)

),

day_problems as (

    select
        shop_domain,
        sales_date,
        case
            when coalesce(shop_daily_refunds, 0) <> expected_refunds
                then 'fct_shop_sales_daily.refunds ' || coalesce(shop_daily_refunds, 0) || ' <> ' || expected_refunds
            when coalesce(shop_daily_product_refunds, 0) <> expected_product_refunds
                then 'fct_shop_sales_daily.product_refunds ' || coalesce(shop_daily_product_refunds, 0)
                     || ' <> ' || expected_product_refunds
            when coalesce(sku_daily_refunds, 0) <> expected_product_refunds
                then 'fct_sales_daily refunds ' || coalesce(sku_daily_refunds, 0) || ' <> ' || expected_product_refunds
        end                                                     as problem

    from by_day

),

net_revenue as (

    select
        coalesce(daily.shop_domain, orders.shop_domain)         as shop_domain,
        null::date                                              as sales_date,
        'net_revenue over all days ' || coalesce(daily.net_revenue, 0)
            || ' <> orders ' || coalesce(orders.net_revenue, 0) as problem

    from (
        select shop_domain, sum(net_revenue) as net_revenue
        from {{ ref('fct_shop_sales_daily') }}
        group by shop_domain
    ) as daily

    full outer join (  -- noqa: ST05
        select shop_domain, sum(net_revenue) as net_revenue
        from {{ ref('fct_orders') }}
        where not is_cancelled
        group by shop_domain
    ) as orders
        on orders.shop_domain = daily.shop_domain

    where coalesce(daily.net_revenue, 0) <> coalesce(orders.net_revenue, 0)

)

select * from day_problems where problem is not null
union all
select * from net_revenue
