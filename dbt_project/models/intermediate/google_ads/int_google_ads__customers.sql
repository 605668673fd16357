-- Google Ads customers that hold ads (managers / MCCs excluded: they only reach other
-- customers), mapped to their tenant through the connection that reached them:
-- workspace from config.connections; client from the connection's account_clients, else the
-- connection's own client, else null
-- (e.g. a customer discovered under an MCC connection that is not tied to a client).
-- Left join on purpose: a customer whose connection is no longer configured keeps its rows,
-- with a null workspace_slug that the not_null tests report.

with

customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

connections as (

    select * from {{ ref('stg_metrics_config__connections') }}

),

account_clients as (

    select * from {{ ref('stg_metrics_config__connection_account_clients') }}

),

joined as (

    select
        customers.customer_id,
        {{ stable_id('google_ads', 'customers.customer_id') }}      as account_entity_id,
        -- readable fallback: the id as Google shows it, 123-456-7890
        coalesce(
            customers.customer_name,
            regexp_replace(lpad(customers.customer_id::text, 10, '0'), '^(\d{3})(\d{3})(\d+)$', '\1-\2-\3')
        )                                                           as account_name,
        customers.manager_customer_id,
        customers.connection_id,
        connections.workspace_slug,
        -- the account's own client when the connection names one per account, else the connection's
        coalesce(account_clients.client_slug, connections.client_slug) as client_slug,
        customers.currency,
        customers.timezone,
        customers.customer_status,
        {{ google_ads_customer_status('customers.customer_status') }} as status

    from customers

    left join connections
        on connections.connection_id = customers.connection_id

    left join account_clients
        on account_clients.connection_id = customers.connection_id
        and account_clients.account_id = customers.customer_id::text

    where not customers.is_manager

)

select * from joined
