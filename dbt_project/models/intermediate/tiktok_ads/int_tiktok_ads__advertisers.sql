-- TikTok advertisers mapped to their tenant through the connection that reached them:
-- workspace from config.connections; client from the connection's account_clients, else the
-- connection's own client, else null.
-- Left join on purpose: an advertiser whose connection is no longer configured keeps its rows,
-- with a null workspace_slug that the not_null tests report.

with

advertisers as (

    select * from {{ ref('stg_tiktok_ads__advertisers') }}

),

connections as (

    select * from {{ ref('stg_metrics_config__connections') }}

),

account_clients as (

    select * from {{ ref('stg_metrics_config__connection_account_clients') }}

),

joined as (

    select
        advertisers.advertiser_id,
        {{ stable_id('tiktok_ads', 'advertisers.advertiser_id') }}  as account_entity_id,
        coalesce(advertisers.advertiser_name, advertisers.advertiser_id) as account_name,
        advertisers.connection_id,
        connections.workspace_slug,
        coalesce(account_clients.client_slug, connections.client_slug) as client_slug,
        advertisers.currency,
        advertisers.timezone,
        advertisers.advertiser_status,
        {{ tiktok_ads_advertiser_status('advertisers.advertiser_status') }} as status

    from advertisers

    left join connections
        on connections.connection_id = advertisers.connection_id

    left join account_clients
        on
            account_clients.connection_id = advertisers.connection_id
            and account_clients.account_id = advertisers.advertiser_id

)

select * from joined
