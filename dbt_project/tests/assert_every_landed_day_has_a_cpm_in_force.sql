-- Every (client, report_date) landed from the media partner must have a CPM rate in force
-- in config.media_partner_cpm_rates (a rate with effective_from <= report_date); otherwise
-- its spend cannot be computed. Returns the client/day pairs without one.

with

landed_days as (

    select distinct
        client_slug,
        report_date

    from {{ source('media_partner', 'daily_exports') }}

)

select
    landed_days.client_slug,
    landed_days.report_date

from landed_days

where not exists (
    select 1
    from {{ source('metrics_config', 'media_partner_cpm_rates') }} as rates
    where rates.client_slug = landed_days.client_slug
      and rates.effective_from <= landed_days.report_date
)
