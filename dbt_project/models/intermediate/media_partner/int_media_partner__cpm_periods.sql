-- One row per client and CPM rate, as a half-open date range [effective_from, effective_to).
-- effective_to is the next rate's effective_from for the same client, or null while the
-- rate is still in force.

with

rates as (

    select * from {{ ref('stg_metrics_config__media_partner_cpm_rates') }}

),

periods as (

    select
        client_slug,
        effective_from,
        lead(effective_from) over (
            partition by client_slug
            order by effective_from
        )                               as effective_to,
        cpm

    from rates

)

select * from periods
