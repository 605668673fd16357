with

source as (

    select * from {{ source('meta', 'ad_intraday_snapshots') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        campaign_id::text                   as campaign_id,
        adset_id::text                      as adset_id,
        ad_id::text                         as ad_id,
        date_start::date                    as metric_date,
        captured_at::timestamptz            as captured_at,

        -- money and counts (cumulative since the start of metric_date, account currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        purchases::numeric(20, 6)           as purchases,
        purchase_value::numeric(20, 6)      as purchase_value,
        leads::numeric(20, 6)               as leads,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id

    from source

)

select * from renamed
