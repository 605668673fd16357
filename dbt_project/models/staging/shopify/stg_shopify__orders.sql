with

source as (

    select * from {{ source('shopify', 'orders') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        order_id::bigint                            as order_id,
        btrim(order_name)::text                     as order_name,
        customer_id::bigint                         as customer_id,
        nullif(btrim(email_hash), '')::text         as email_hash,
        nullif(btrim(checkout_token), '')::text     as checkout_token,

        -- times
        created_at::timestamptz                     as created_at,
        processed_at::timestamptz                   as processed_at,
        updated_at::timestamptz                     as updated_at,
        cancelled_at::timestamptz                   as cancelled_at,

        -- status
        upper(btrim(financial_status))::text        as financial_status,
        coalesce(is_test, false)::boolean           as is_test,

        -- money (order currency)
        upper(btrim(currency))::text                as currency,
        subtotal_price::numeric(20, 6)              as subtotal_price,
        total_discounts::numeric(20, 6)             as total_discounts,
        total_shipping::numeric(20, 6)              as total_shipping,
        total_tax::numeric(20, 6)                   as total_tax,
        total_price::numeric(20, 6)                 as total_price,
        coalesce(taxes_included, false)::boolean    as taxes_included,

        -- where the buyer came from (parsed from landing_site by the connector)
        nullif(btrim(landing_site), '')::text       as landing_site,
        nullif(btrim(referring_site), '')::text     as referring_site,
        nullif(btrim(source_name), '')::text        as source_name,
        nullif(btrim(utm_source), '')::text         as utm_source,
        nullif(btrim(utm_medium), '')::text         as utm_medium,
        nullif(btrim(utm_campaign), '')::text       as utm_campaign,
        nullif(btrim(utm_term), '')::text           as utm_term,
        nullif(btrim(utm_content), '')::text        as utm_content,
        nullif(btrim(utm_id), '')::text             as utm_id,
        nullif(btrim(gclid), '')::text              as gclid,
        nullif(btrim(fbclid), '')::text             as fbclid,
        nullif(btrim(ttclid), '')::text             as ttclid,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
