with

source as (

    select * from {{ source('google_ads', 'ad_groups') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                         as customer_id,
        ad_group_id::bigint                         as ad_group_id,
        campaign_id::bigint                         as campaign_id,

        -- attributes
        btrim(name)::text                           as ad_group_name,
        upper(status)::text                         as ad_group_status,
        upper(type)::text                           as ad_group_type,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
