with

source as (

    select * from {{ source('meta', 'ad_daily_insights') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        campaign_id::text                   as campaign_id,
        adset_id::text                      as adset_id,
        ad_id::text                         as ad_id,
        date_start::date                    as metric_date,

        -- money and counts (account currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        purchases::numeric(20, 6)           as purchases,
        purchase_value::numeric(20, 6)      as purchase_value,
        leads::numeric(20, 6)               as leads,

        -- as returned by the API, for audit and remapping
        actions::jsonb                      as actions,
        action_values::jsonb                as action_values,
        attribution_windows::text           as attribution_windows,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
