-- Meta ad accounts mapped to their tenant through the connection that reached them:
-- workspace from config.connections; client from the connection's account_clients, else the
-- connection's own client, else null.
-- Left join on purpose: an account whose connection is no longer configured keeps its rows,
-- with a null workspace_slug that the not_null tests report.

with

accounts as (

    select * from {{ ref('stg_meta__ad_accounts') }}

),

connections as (

    select * from {{ ref('stg_metrics_config__connections') }}

),

account_clients as (

    select * from {{ ref('stg_metrics_config__connection_account_clients') }}

),

joined as (

    select
        accounts.account_id,
        {{ stable_id('meta', 'accounts.account_id') }}              as account_entity_id,
        coalesce(accounts.account_name, 'act_' || accounts.account_id) as account_name,
        accounts.connection_id,
        connections.workspace_slug,
        -- the account's own client when the connection names one per account, else the connection's
        coalesce(account_clients.client_slug, connections.client_slug) as client_slug,
        accounts.currency,
        accounts.timezone,
        accounts.account_status,
        {{ meta_account_status('accounts.account_status') }}        as status

    from accounts

    left join connections
        on connections.connection_id = accounts.connection_id

    left join account_clients
        on account_clients.connection_id = accounts.connection_id
        and account_clients.account_id = accounts.account_id::text

)

select * from joined
