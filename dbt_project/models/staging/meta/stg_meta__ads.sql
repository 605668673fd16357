with

source as (

    select * from {{ source('meta', 'ads') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        ad_id::text                         as ad_id,
        adset_id::text                      as adset_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(name)::text                   as ad_name,
        upper(status)::text                 as ad_status,
        upper(effective_status)::text       as effective_status,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
