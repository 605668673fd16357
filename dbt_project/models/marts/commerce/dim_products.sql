-- One row per Shopify product variant (the SKU level) with its current price, current unit cost
-- (the latest variant_cost_observations row) and margin, in the shop's currency.
--   margin      price - current_unit_cost; null when either is unknown
--   margin_pct  margin / price (a fraction, 6 decimals); null when price is 0 or unknown

with

variants as (

    select * from {{ ref('stg_shopify__product_variants') }}

),

products as (

    select * from {{ ref('stg_shopify__products') }}

),

costs as (

    select * from {{ ref('int_shopify__variant_cost_periods') }}
    where is_current

),

shops as (

    select * from {{ ref('int_shopify__shops') }}

),

final as (

    select
        {{ stable_id('shopify', 'variants.shop_domain', "'variant'", 'variants.variant_id') }} as product_variant_key,
        variants.shop_domain,
        shops.workspace_slug,
        shops.client_slug,
        variants.product_id,
        variants.variant_id,
        variants.sku,
        coalesce(variants.sku, 'variant:' || variants.variant_id::text)     as sku_key,
        products.product_title,
        variants.variant_title,
        products.product_type,
        products.vendor,
        products.product_status,
        shops.currency,
        variants.price,
        costs.unit_cost                                                     as current_unit_cost,
        costs.valid_from                                                    as unit_cost_observed_at,
        variants.price - costs.unit_cost                                    as margin,
        {{ safe_divide('variants.price - costs.unit_cost', 'variants.price') }} as margin_pct

    from variants

    left join products
        on  products.shop_domain = variants.shop_domain
        and products.product_id = variants.product_id

    left join costs
        on  costs.shop_domain = variants.shop_domain
        and costs.variant_id = variants.variant_id

    left join shops
        on shops.shop_domain = variants.shop_domain

)

select * from final
