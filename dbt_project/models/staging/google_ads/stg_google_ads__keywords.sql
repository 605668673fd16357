with

source as (

    select * from {{ source('google_ads', 'keywords') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                         as customer_id,
        ad_group_id::bigint                         as ad_group_id,
        criterion_id::bigint                        as criterion_id,
        campaign_id::bigint                         as campaign_id,

        -- attributes
        keyword_text::text                          as keyword_text,
        upper(match_type)::text                     as match_type,
        upper(status)::text                         as keyword_status,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
