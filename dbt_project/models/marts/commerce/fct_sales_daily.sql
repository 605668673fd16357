-- Sales per product (SKU), sales channel and day: total, ad-attributed and organic sales and
-- units. Grain (channel, store_id, sku, sales_date); today channel 'shopify' only, store_id the
-- shop domain and sales_date the shop's local day. The Amazon rows (channel 'amazon', store_id
-- the seller / marketplace, organic = total - ad sales from the Ads reports) fit the same grain.
--
-- Shopify, in the shop's currency, cancelled orders (and their refunds) left out; an order line
-- counts on its order's date, a refund line on its refund's own date:
--   units_sold, gross_sales (price x quantity), discounts   of the lines ordered that day
--   units_refunded, refunds (refund line subtotals)         of the refund lines issued that day
--   units        units_sold - units_refunded
--   total_sales  gross_sales - discounts - refunds (fct_orders' net revenue, per SKU and day)
--   ad_attributed_units / ad_attributed_sales  the same for orders fct_order_attribution
--                attributes to an ad entity (any match type but 'direct')
--   organic_sales = greatest(total_sales - ad_attributed_sales, 0), organic_units likewise
-- sku is the variant's SKU, else 'variant:<id>' / 'product:<id>' / 'title:<line title>' for lines
-- without one.

{{ config(indexes=[
    {'columns': ['store_id', 'sales_date']},
]) }}

with

orders as (

    select orders.order_key, attribution.entity_id is not null as is_ad_attributed
    from {{ ref('fct_orders') }} as orders
    join {{ ref('fct_order_attribution') }} as attribution
        on attribution.order_key = orders.order_key
    where not orders.is_cancelled

),

order_lines as (

    select lines.*, orders.is_ad_attributed
    from {{ ref('int_shopify__order_lines') }} as lines
    join orders
        on orders.order_key = lines.order_key

),

refund_lines as (

    select lines.*, orders.is_ad_attributed
    from {{ ref('int_shopify__refund_lines') }} as lines
    join orders
        on orders.order_key = lines.order_key

),

movements as (

    select
        shop_domain,
        order_date                                          as sales_date,
        sku_key                                             as sku,
        processed_at                                        as happened_at,
        title,
        order_key,
        quantity                                            as units_sold,
        0                                                   as units_refunded,
        gross_sales,
        discounts,
        0::numeric                                          as refunds,
        is_ad_attributed
    from order_lines

    union all

    select
        shop_domain,
        refund_date,
        sku_key,
        refunded_at,
        title,
        null::text,
        0,
        quantity,
        0::numeric,
        0::numeric,
        subtotal,
        is_ad_attributed
    from refund_lines

),

daily as (

    select
        shop_domain,
        sales_date,
        sku,
        (array_agg(title order by happened_at desc) filter (where title is not null))[1]
                                                            as product_title,
        count(distinct order_key)::integer                  as orders,
        sum(units_sold)::integer                            as units_sold,
        sum(units_refunded)::integer                        as units_refunded,
        sum(gross_sales)                                    as gross_sales,
        sum(discounts)                                      as discounts,
        sum(refunds)                                        as refunds,
        coalesce(sum(units_sold - units_refunded) filter (where is_ad_attributed), 0)::integer
                                                            as ad_attributed_units,
        coalesce(sum(gross_sales - discounts - refunds) filter (where is_ad_attributed), 0)
                                                            as ad_attributed_sales
    from movements
    group by shop_domain, sales_date, sku

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

final as (

    select
        daily.sales_date,
        'shopify'::text                                     as channel,
        daily.shop_domain                                   as store_id,
        shops.workspace_slug,
        shops.client_slug,
        daily.sku,
        daily.product_title,
        shops.currency,
        daily.orders,
        daily.units_sold,
        daily.units_refunded,
        daily.units_sold - daily.units_refunded             as units,
        daily.gross_sales,
        daily.discounts,
        daily.refunds,
        daily.gross_sales - daily.discounts - daily.refunds as total_sales,
        daily.ad_attributed_units,
        daily.ad_attributed_sales,
        greatest(daily.units_sold - daily.units_refunded - daily.ad_attributed_units, 0)
                                                            as organic_units,
        greatest(daily.gross_sales - daily.discounts - daily.refunds - daily.ad_attributed_sales, 0)
                                                            as organic_sales

    from daily

    left join shops
        on shops.shop_domain = daily.shop_domain

)

select * from final
