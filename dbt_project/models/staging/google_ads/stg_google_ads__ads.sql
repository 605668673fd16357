with

source as (

    select * from {{ source('google_ads', 'ads') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                         as customer_id,
        ad_group_id::bigint                         as ad_group_id,
        ad_id::bigint                               as ad_id,
        campaign_id::bigint                         as campaign_id,

        -- attributes (ad.name is empty for some ad types: null here)
        nullif(btrim(name), '')::text               as ad_name,
        upper(status)::text                         as ad_status,
        upper(type)::text                           as ad_type,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
