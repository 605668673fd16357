-- Mapped affiliate events summed per client local day, tracking id (campaign) and product.
--   gross_revenue     conversions' + rebills' revenue
--   refunded_revenue  refunds' revenue as a positive amount
--   net_revenue       the signed sum of every event (clicks carry 0) = gross - refunded
-- The network's currency (config.affiliate_tracking_prefixes.currency).

with

events as (

    select * from {{ ref('int_affiliate__events') }}
    where is_mapped

),

final as (

    select
        local_date                                                          as metric_date,
        workspace_slug,
        client_slug,
        client_name,
        timezone,
        currency,
        tracking_id,
        product_id,
        account_entity_id,
        campaign_entity_id,
        product_entity_id,
        count(*) filter (where event_type = 'click')::bigint                as clicks,
        count(*) filter (where event_type = 'conversion')::bigint           as conversions,
        count(*) filter (where event_type = 'refund')::bigint               as refunds,
        count(*) filter (where event_type = 'rebill')::bigint               as rebills,
        coalesce(sum(revenue) filter (where event_type in ('conversion', 'rebill')), 0)
                                                                            as gross_revenue,
        coalesce(-sum(revenue) filter (where event_type = 'refund'), 0)     as refunded_revenue,
        sum(revenue)                                                        as net_revenue

    from events
    group by
        local_date, workspace_slug, client_slug, client_name, timezone, currency, tracking_id,
        product_id, account_entity_id, campaign_entity_id, product_entity_id

)

select * from final
