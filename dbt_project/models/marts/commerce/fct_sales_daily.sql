-- Sales per product (SKU), sales channel and day: total, ad-attributed and organic sales and
-- units. Grain (channel, store_id, sku, sales_date): channel 'shopify' (store_id the shop domain,
-- sales_date the shop's local day) and channel 'amazon' (store_id the brand slug, the day of the
-- brand's sales export).
--
-- Shopify, in the shop's currency, cancelled orders (and their refunds) left out; an order line
-- counts on its order's date, a refund line on its refund's own date:
--   units_sold, gross_sales (price x quantity), discounts, included_tax (the lines' tax where
--                prices include it)                         of the lines ordered that day
--   units_refunded, refunds (refund line subtotals, tax out) of the refund lines issued that day
--   units        units_sold - units_refunded
--   total_sales  gross_sales - discounts - included_tax - refunds (fct_orders' net revenue, per
--                SKU and day)
--   ad_attributed_units / ad_attributed_sales  the same for orders fct_order_attribution
--                attributes to an ad entity (any match type but 'direct')
--   organic_sales = greatest(total_sales - ad_attributed_sales, 0), organic_units likewise
-- sku is the variant's SKU, else 'variant:<id>' / 'product:<id>' / 'title:<line title>' for lines
-- without one.
--
-- Amazon, in the brand's marketplace currency, from the daily sales export per ASIN
-- (stg_amazon_ads__sales_reports, rows of one ASIN and day summed): total_sales, units
-- (= total units), ad_attributed_sales / _units as the export states them, organic likewise
-- floored at 0; sku from config.amazon_asin_skus, else 'asin:<ASIN>'; asin set. What the export
-- does not say (orders, units sold / refunded, gross sales, discounts, refunds, title) is null.

-- A table rebuilt whole, like fct_shop_sales_daily (Shopify lands by updated_at).
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
        included_tax,
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
        sum(included_tax)                                   as included_tax,
        sum(refunds)                                        as refunds,
        coalesce(sum(units_sold - units_refunded) filter (where is_ad_attributed), 0)::integer
                                                            as ad_attributed_units,
        coalesce(sum(gross_sales - discounts - included_tax - refunds) filter (where is_ad_attributed), 0)
                                                            as ad_attributed_sales
    from movements
    group by shop_domain, sales_date, sku

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

shopify as (

    select
        daily.sales_date,
        'shopify'::text                                     as channel,
        daily.shop_domain                                   as store_id,
        shops.workspace_slug,
        shops.client_slug,
        daily.sku,
        null::text                                          as asin,
        daily.product_title,
        shops.currency,
        daily.orders,
        daily.units_sold,
        daily.units_refunded,
        daily.units_sold - daily.units_refunded             as units,
        daily.gross_sales,
        daily.discounts,
        daily.included_tax,
        daily.refunds,
        daily.gross_sales - daily.discounts - daily.included_tax - daily.refunds
                                                            as total_sales,
        daily.ad_attributed_units,
        daily.ad_attributed_sales,
        greatest(daily.units_sold - daily.units_refunded - daily.ad_attributed_units, 0)
                                                            as organic_units,
        greatest(
            daily.gross_sales - daily.discounts - daily.included_tax - daily.refunds - daily.ad_attributed_sales, 0
        )
                                                            as organic_sales

    from daily

    left join shops
        on shops.shop_domain = daily.shop_domain

),

amazon_daily as (

    select
        brand_slug,
        report_date,
        asin,
        sum(total_sales)                                    as total_sales,
        sum(total_units)::integer                           as total_units,
        sum(ad_sales)                                       as ad_sales,
        sum(ad_units)::integer                              as ad_units
    from {{ ref('stg_amazon_ads__sales_reports') }}
    group by brand_slug, report_date, asin

),

amazon as (

    select
        amazon_daily.report_date                            as sales_date,
        'amazon'::text                                      as channel,
        amazon_daily.brand_slug                             as store_id,
        clients.workspace_slug,
        brands.client_slug,
        coalesce(asin_skus.sku, 'asin:' || amazon_daily.asin) as sku,
        amazon_daily.asin,
        null::text                                          as product_title,
        brands.currency,
        null::integer                                       as orders,
        null::integer                                       as units_sold,
        null::integer                                       as units_refunded,
        amazon_daily.total_units                            as units,
        null::numeric                                       as gross_sales,
        null::numeric                                       as discounts,
        null::numeric                                       as included_tax,
        null::numeric                                       as refunds,
        amazon_daily.total_sales,
        amazon_daily.ad_units                               as ad_attributed_units,
        amazon_daily.ad_sales                               as ad_attributed_sales,
        greatest(amazon_daily.total_units - amazon_daily.ad_units, 0)
                                                            as organic_units,
        greatest(amazon_daily.total_sales - amazon_daily.ad_sales, 0)
                                                            as organic_sales

    from amazon_daily

    left join {{ ref('stg_metrics_config__amazon_brands') }} as brands
        on brands.brand_slug = amazon_daily.brand_slug

    left join {{ ref('stg_metrics_config__clients') }} as clients
        on clients.client_slug = brands.client_slug

    left join {{ ref('stg_metrics_config__amazon_asin_skus') }} as asin_skus
        on  asin_skus.brand_slug = amazon_daily.brand_slug
        and asin_skus.asin = amazon_daily.asin

),

final as (

    select * from shopify
    union all
    select * from amazon

)

select * from final
