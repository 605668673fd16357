-- Affiliate daily metrics, one row per client local day, campaign tracking id and product,
-- from events whose tracking id maps to a client (the others are named by
-- assert_affiliate_tracking_ids_map_to_a_client).
--   gross_revenue = conversions' + rebills' revenue; refunded_revenue = refunds' (positive);
--   net_revenue = gross_revenue - refunded_revenue
--   epc = net_revenue / clicks; refund_rate = refunds / conversions (safe_divide: null when 0)
-- Product title / vendor / category from the latest catalogue snapshot on or before the day
-- (null when no snapshot that early has the product). Money in the network's currency.

{{ day_keyed_mart('metric_date', indexes=[
    {'columns': ['product_entity_id', 'metric_date']}
]) }}

with

product_daily as (

    select * from {{ ref('int_affiliate__product_daily') }}
    where {{ in_build_window('metric_date') }}

),

catalogue as (

    select * from {{ ref('stg_affiliate__catalogue_snapshots') }}

),

final as (

    select
        product_daily.metric_date,
        product_daily.workspace_slug,
        product_daily.client_slug,
        product_daily.tracking_id,
        product_daily.product_id,
        product_daily.account_entity_id,
        product_daily.campaign_entity_id,
        product_daily.product_entity_id,
        snapshot.product_title,
        snapshot.vendor,
        snapshot.category,
        snapshot.snapshot_date                                              as catalogue_snapshot_date,
        product_daily.currency,

        product_daily.clicks,
        product_daily.conversions,
        product_daily.refunds,
        product_daily.rebills,
        product_daily.gross_revenue,
        product_daily.refunded_revenue,
        product_daily.net_revenue,

        {{ safe_divide('product_daily.net_revenue', 'product_daily.clicks') }}      as epc,
        {{ safe_divide('product_daily.refunds', 'product_daily.conversions') }}     as refund_rate

    from product_daily

    left join lateral (
        select catalogue.snapshot_date, catalogue.product_title, catalogue.vendor, catalogue.category
        from catalogue
        where catalogue.product_id = product_daily.product_id
          and catalogue.snapshot_date <= product_daily.metric_date
        order by catalogue.snapshot_date desc
        limit 1
    ) as snapshot on true

)

select * from final
