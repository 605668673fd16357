with

source as (

    select * from {{ source('pixel', 'events') }}

),

renamed as (

    select
        -- keys
        event_id::text                              as event_id,
        btrim(site_id)::text                        as site_id,
        visitor_id::text                            as visitor_id,
        nullif(btrim(session_id), '')::text         as session_id,

        -- what and when
        lower(btrim(event_type))::text              as event_type,
        occurred_at::timestamptz                    as occurred_at,
        event_date::date                            as event_date,

        -- where from
        nullif(btrim(page_url), '')::text           as page_url,
        nullif(btrim(landing_page), '')::text       as landing_page,
        nullif(btrim(referrer), '')::text           as referrer,
        nullif(btrim(utm_source), '')::text         as utm_source,
        nullif(btrim(utm_medium), '')::text         as utm_medium,
        nullif(btrim(utm_campaign), '')::text       as utm_campaign,
        nullif(btrim(utm_term), '')::text           as utm_term,
        nullif(btrim(utm_content), '')::text        as utm_content,
        nullif(btrim(utm_id), '')::text             as utm_id,
        nullif(btrim(gclid), '')::text              as gclid,
        nullif(btrim(fbclid), '')::text             as fbclid,
        nullif(btrim(ttclid), '')::text             as ttclid,

        -- checkout
        nullif(btrim(checkout_token), '')::text     as checkout_token,
        order_value::numeric(20, 6)                 as order_value,
        upper(btrim(currency))::text                as currency,

        -- client (hashed IP only)
        ip_hash::text                               as ip_hash,
        user_agent::text                            as user_agent,

        -- lineage
        source_file::text                           as source_file,
        source_line::integer                        as source_line,
        ingestion_run_id::text                      as ingestion_run_id

    from source

)

select * from renamed
