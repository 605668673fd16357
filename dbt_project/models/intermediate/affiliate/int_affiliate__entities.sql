-- Affiliate entities in the unified shape of dim_ad_entities: account > campaign > product.
--   account   the client's affiliate account:   stable_id('affiliate', client_slug)
--   campaign  a campaign tracking id:            stable_id('affiliate', client_slug, tracking_id)
--   product   a product under that campaign:     stable_id('affiliate', client_slug, tracking_id, product_id)
-- From mapped events only (an unmapped tracking id has no client, so no entity). The product's
-- name is its title in the latest catalogue snapshot, its id when no snapshot has it.
-- Status 'active', goal 'purchases', is_deleted false (the network's files carry none of them);
-- first/last seen over the client's local days of the entity's events.
-- platform_account_id is the client slug, platform_entity_id the tracking id / product id.

with

product_daily as (

    select * from {{ ref('int_affiliate__product_daily') }}

),

latest_titles as (

    select distinct on (product_id)
        product_id,
        product_title
    from {{ ref('stg_affiliate__catalogue_snapshots') }}
    where product_title is not null
    order by product_id, snapshot_date desc

),

products as (

    select
        product_daily.workspace_slug,
        product_daily.client_slug,
        coalesce(product_daily.client_name, product_daily.client_slug)  as client_name,
        product_daily.currency,
        product_daily.timezone,
        product_daily.tracking_id,
        product_daily.product_id,
        coalesce(latest_titles.product_title, product_daily.product_id) as product_name,
        product_daily.account_entity_id,
        product_daily.campaign_entity_id,
        product_daily.product_entity_id,
        min(product_daily.metric_date)                                  as first_seen_date,
        max(product_daily.metric_date)                                  as last_seen_date

    from product_daily

    left join latest_titles
        on latest_titles.product_id = product_daily.product_id

    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

),

affiliate_entities as (

    select
        account_entity_id                       as entity_id,
        'account'                               as level,
        null::text                              as parent_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        null::text                              as campaign_entity_id,
        client_name                             as entity_name,
        client_name                             as entity_path,
        currency,
        timezone,
        min(first_seen_date)                    as first_seen_date,
        max(last_seen_date)                     as last_seen_date,
        client_slug                             as platform_entity_id
    from products
    group by account_entity_id, workspace_slug, client_slug, client_name, currency, timezone

    union all

    select
        campaign_entity_id,
        'campaign',
        account_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        tracking_id,
        concat_ws(' > ', client_name, tracking_id),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date),
        tracking_id
    from products
    group by
        campaign_entity_id, account_entity_id, workspace_slug, client_slug, client_name,
        tracking_id, currency, timezone

    union all

    select
        product_entity_id,
        'product',
        campaign_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        product_name,
        concat_ws(' > ', client_name, tracking_id, product_name),
        currency,
        timezone,
        first_seen_date,
        last_seen_date,
        product_id
    from products

),

final as (

    {{ ad_entity_final(
        'affiliate', 'affiliate_entities', status="'active'", goal="'purchases'",
        is_deleted='false', platform_account_id='client_slug', is_inferred='false'
    ) }}

)

select * from final
