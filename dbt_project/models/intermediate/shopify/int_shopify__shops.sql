-- Every shop with landed data (raw_shopify.shops, or orders of a shop not in it yet), mapped to
-- its tenant: the config connection with provider 'shopify' whose account_ids[1] is the shop
-- domain (compared lower-cased), else the connection the shop row names. The shop's currency
-- and time zone as Shopify reports them, else the client's (a shop seen only in orders takes
-- its orders' currency first). A zone Postgres does not know is skipped (null when neither is
-- known: the order dates become null and fct_orders' not_null test says so). Left joins on purpose: a shop whose connection is no longer
-- configured keeps its rows with a null workspace_slug, which the marts' not_null tests report.

with

shops as (

    select * from {{ ref('stg_shopify__shops') }}

),

orders as (

    select shop_domain, max(currency) as order_currency
    from {{ ref('stg_shopify__orders') }}
    group by shop_domain

),

connections as (

    select * from {{ ref('stg_metrics_config__connections') }}
    where provider = 'shopify'

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}

),

zones as (

    select name from pg_catalog.pg_timezone_names

),

shop_domains as (

    select shop_domain from shops
    union
    select shop_domain from orders

),

-- one connection per domain: an active one first, then by id
connection_by_domain as (

    select distinct on (lower(btrim(account_ids[1])))
        lower(btrim(account_ids[1]))        as shop_domain,
        connection_id,
        workspace_slug,
        client_slug
    from connections
    where account_ids[1] is not null
    order by lower(btrim(account_ids[1])), (connection_status = 'active') desc, connection_id

),

joined as (

    select
        shop_domains.shop_domain,
        {{ stable_id('shopify', 'shop_domains.shop_domain') }}          as shop_key,
        coalesce(by_domain.connection_id, by_id.connection_id, shops.connection_id)
                                                                        as connection_id,
        coalesce(by_domain.workspace_slug, by_id.workspace_slug)        as workspace_slug,
        coalesce(by_domain.client_slug, by_id.client_slug)              as client_slug,
        coalesce(shops.shop_name, shop_domains.shop_domain)             as shop_name,
        coalesce(shops.currency, orders.order_currency, clients.currency) as currency,
        coalesce(shop_zone.name, client_zone.name)                      as timezone,
        shops.shop_domain is null                                       as is_inferred

    from shop_domains

    left join shops
        on shops.shop_domain = shop_domains.shop_domain

    left join orders
        on orders.shop_domain = shop_domains.shop_domain

    left join connection_by_domain as by_domain
        on by_domain.shop_domain = shop_domains.shop_domain

    left join connections as by_id
        on by_id.connection_id = shops.connection_id

    left join clients
        on clients.client_slug = coalesce(by_domain.client_slug, by_id.client_slug)

    left join zones as shop_zone
        on shop_zone.name = shops.timezone

    left join zones as client_zone
        on client_zone.name = clients.timezone

)

select * from joined
