with

source as (

    select * from {{ source('tiktok_ads', 'ad_daily_reports_first_reported') }}

),

renamed as (

    select
        -- keys
        advertiser_id::text                 as advertiser_id,
        campaign_id::text                   as campaign_id,
        adgroup_id::text                    as adgroup_id,
        ad_id::text                         as ad_id,
        stat_date::date                     as metric_date,

        -- money and counts (advertiser currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        conversions::numeric(20, 6)         as conversions,
        purchases::numeric(20, 6)           as purchases,
        purchase_value::numeric(20, 6)      as purchase_value,

        -- when
        first_reported_at::timestamptz      as first_reported_at

    from source

)

select * from renamed
