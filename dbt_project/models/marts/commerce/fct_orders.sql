-- One row per Shopify order (cancelled orders included, flagged; test orders left out), in the
-- shop's currency. Quantities are the units sold: what an order edit removed is not in them.
--
--   gross_sales     sum over line items of original_unit_price x quantity
--   discounts       every discount allocated to the lines (discountAllocations: line-level,
--                   code and order-level ones alike); shipping discounts are not in it
--   included_tax    the lines' tax when the order's prices include it (VAT shops), else 0
--   product_refunds sum of refund line items' subtotals to date, without tax (product money
--                   returned)
--   refunds         total_refunded to date, shipping and tax included
--   net_revenue     gross_sales - discounts - included_tax - product_refunds: product revenue
--                   after discounts and product refunds, excluding shipping and tax (and their
--                   refunds)
--   cogs_ordered    sum of quantity x unit cost in force at processed_at (the latest
--                   variant_cost_observations.observed_at <= processed_at, else the earliest
--                   observation); lines without any cost observation count 0
--   refunded_cogs   restocked refunded quantity x the same unit cost (NO_RESTOCK units: 0)
--   cogs            cogs_ordered - refunded_cogs, the cost of the goods the customer kept
--   gross_profit    net_revenue - cogs
-- Cancelled orders keep their figures here; every other commerce mart (customers, daily sales,
-- attribution, P&L) leaves them out, refunds included.
-- is_first_order: the customer's earliest non-cancelled order (by processed_at, then order_id);
-- the customer is the email hash (the order's, else the Shopify customer's), else the Shopify
-- customer id, within the shop; null when the order has neither; false on cancelled orders.

-- No merge joins, for this model's transaction only: under-estimating the views' rows, Postgres
-- merge-joined order lines on the shop alone and filtered order ids pair by pair, quadratic in a
-- shop's orders (42 s against 1.3 s at 36,500 orders). Elsewhere merge joins are what keep the
-- visitor-keyed joins linear (fct_journeys at 10 M pixel events).
{{ config(
    indexes=[
        {'columns': ['order_key'], 'unique': True},
        {'columns': ['shop_domain', 'order_date']},
    ],
    pre_hook="set local enable_mergejoin = off",
) }}

with

orders as (

    select * from {{ ref('stg_shopify__orders') }}
    where not is_test

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

customers as (

    select * from {{ ref('stg_shopify__customers') }}

),

lines as (

    select
        shop_domain,
        order_id,
        count(*)::integer                           as line_items,
        sum(quantity)::integer                      as units,
        sum(refunded_quantity)::integer             as refunded_units,
        sum(gross_sales)                            as gross_sales,
        sum(discounts)                              as discounts,
        sum(included_tax)                           as included_tax,
        sum(cogs_ordered)                           as cogs_ordered,
        sum(refunded_cogs)                          as refunded_cogs,
        count(*) filter (where not has_unit_cost)::integer as lines_without_unit_cost
    from {{ ref('int_shopify__order_lines') }}
    group by shop_domain, order_id

),

refunds as (

    select
        shop_domain,
        order_id,
        count(*)::integer                           as refund_count,
        sum(total_refunded)                         as refunds,
        sum(product_refunds)                        as product_refunds,
        min(refunded_at)                            as first_refunded_at,
        max(refunded_at)                            as last_refunded_at
    from {{ ref('int_shopify__refunds') }}
    group by shop_domain, order_id

),

joined as (

    select
        {{ stable_id('shopify', 'orders.shop_domain', "'order'", 'orders.order_id') }} as order_key,
        orders.shop_domain,
        orders.order_id,
        orders.order_name,
        shops.workspace_slug,
        shops.client_slug,
        orders.currency,
        shops.timezone,
        orders.created_at,
        orders.processed_at,
        (orders.processed_at at time zone shops.timezone)::date                 as order_date,
        orders.cancelled_at,
        orders.cancelled_at is not null                                         as is_cancelled,
        orders.financial_status,
        orders.customer_id,
        coalesce(orders.email_hash, customers.email_hash)                       as email_hash,
        case
            when coalesce(orders.email_hash, customers.email_hash) is not null
                then 'email:' || coalesce(orders.email_hash, customers.email_hash)
            when orders.customer_id is not null
                then 'customer:' || orders.customer_id::text
        end                                                                     as customer_identity,
        orders.checkout_token,
        orders.source_name,

        coalesce(lines.line_items, 0)                                           as line_items,
        coalesce(lines.units, 0)                                                as units,
        coalesce(lines.refunded_units, 0)                                       as refunded_units,
        coalesce(lines.gross_sales, 0)                                          as gross_sales,
        coalesce(lines.discounts, 0)                                            as discounts,
        coalesce(lines.included_tax, 0)                                         as included_tax,
        orders.total_discounts                                                  as order_total_discounts,
        orders.total_shipping                                                   as shipping,
        orders.total_tax                                                        as tax,
        orders.subtotal_price,
        orders.total_price,
        coalesce(refunds.refund_count, 0)                                       as refund_count,
        coalesce(refunds.refunds, 0)                                            as refunds,
        coalesce(refunds.product_refunds, 0)                                    as product_refunds,
        refunds.first_refunded_at,
        refunds.last_refunded_at,
        coalesce(lines.cogs_ordered, 0)                                         as cogs_ordered,
        coalesce(lines.refunded_cogs, 0)                                        as refunded_cogs,
        coalesce(lines.lines_without_unit_cost, 0)                              as lines_without_unit_cost,

        orders.landing_site,
        orders.referring_site,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.utm_term,
        orders.utm_content,
        orders.utm_id,
        orders.gclid,
        orders.fbclid,
        orders.ttclid

    from orders

    left join shops
        on shops.shop_domain = orders.shop_domain

    left join customers
        on  customers.shop_domain = orders.shop_domain
        and customers.customer_id = orders.customer_id

    left join lines
        on  lines.shop_domain = orders.shop_domain
        and lines.order_id = orders.order_id

    left join refunds
        on  refunds.shop_domain = orders.shop_domain
        and refunds.order_id = orders.order_id

),

with_customer as (

    select
        joined.*,
        case when customer_identity is not null then
            {{ stable_id('shopify', 'shop_domain', 'customer_identity') }}
        end                                                                     as customer_key,
        case
            when customer_identity is null then null
            when is_cancelled then false
            else row_number() over (
                partition by shop_domain, customer_identity, is_cancelled
                order by processed_at, order_id
            ) = 1
        end                                                                     as is_first_order

    from joined

),

final as (

    select
        order_key,
        shop_domain,
        order_id,
        order_name,
        workspace_slug,
        client_slug,
        currency,
        timezone,
        created_at,
        processed_at,
        order_date,
        cancelled_at,
        is_cancelled,
        financial_status,
        customer_key,
        customer_id,
        email_hash,
        is_first_order,
        checkout_token,
        source_name,

        line_items,
        units,
        refunded_units,
        gross_sales,
        discounts,
        included_tax,
        order_total_discounts,
        shipping,
        tax,
        subtotal_price,
        total_price,
        refund_count,
        refunds,
        product_refunds,
        refunds - product_refunds                                               as other_refunds,
        first_refunded_at,
        last_refunded_at,
        gross_sales - discounts - included_tax - product_refunds                as net_revenue,
        cogs_ordered,
        refunded_cogs,
        cogs_ordered - refunded_cogs                                            as cogs,
        gross_sales - discounts - included_tax - product_refunds - (cogs_ordered - refunded_cogs)
                                                                                as gross_profit,
        lines_without_unit_cost,

        landing_site,
        referring_site,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_term,
        utm_content,
        utm_id,
        gclid,
        fbclid,
        ttclid

    from with_customer

)

select * from final
