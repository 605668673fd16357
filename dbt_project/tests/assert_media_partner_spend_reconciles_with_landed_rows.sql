-- Shown in Dagster as an asset check on fct_media_partner_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_media_partner_daily'}}}) }}

-- Per client and report_date, fct_media_partner_daily must carry exactly what landed in
-- raw_media_partner.daily_exports: the same impressions, clicks, conversions and revenue,
-- and spend = sum over the landed rows of impressions x CPM in force / 1000, where the CPM
-- in force is looked up here straight from the config source (the latest rate whose
-- effective_from <= report_date), independently of int_media_partner__cpm_periods.
-- Returns the (client, day) pairs that disagree, including days present on one side only.

with

landed as (

    select
        raw.client_slug,
        raw.report_date,
        sum(raw.impressions)            as impressions,
        sum(raw.clicks)                 as clicks,
        sum(raw.conversions)            as conversions,
        sum(raw.conversion_revenue)     as revenue,
        -- divisor with scale 9 keeps numeric division exact (cpm has scale 6)
        sum(raw.impressions * rate.cpm / 1000.000000000::numeric(13, 9)) as spend

    from {{ source('media_partner', 'daily_exports') }} as raw

    left join lateral (
        select r.cpm
        from {{ source('metrics_config', 'media_partner_cpm_rates') }} as r
        where r.client_slug = raw.client_slug
          and r.effective_from <= raw.report_date
        order by r.effective_from desc
        limit 1
    ) as rate on true

    where {{ in_test_window('raw.report_date') }}
    group by raw.client_slug, raw.report_date

),

modeled as (

    select
        client_slug,
        report_date,
        sum(impressions)                as impressions,
        sum(clicks)                     as clicks,
        sum(conversions)                as conversions,
        sum(revenue)                    as revenue,
        sum(spend)                      as spend

    from {{ ref('fct_media_partner_daily') }}
    where {{ in_test_window('report_date') }}
    group by client_slug, report_date

)

{{ rows_that_disagree(
    'landed', 'modeled',
    keys=['client_slug', 'report_date'],
    measures=['impressions', 'clicks', 'conversions', 'revenue', 'spend'],
    also_fails_when=['landed.spend is null'],
) }}
