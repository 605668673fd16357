-- FX rates as half-open date ranges per currency pair: 1 from_currency = rate to_currency on
-- day d when effective_from <= d and (effective_to is null or d < effective_to).

with

rates as (

    select * from {{ ref('stg_metrics_config__fx_rates') }}

),

periods as (

    select
        from_currency,
        to_currency,
        effective_from,
        lead(effective_from) over (
            partition by from_currency, to_currency
            order by effective_from
        )                               as effective_to,
        rate

    from rates

)

select * from periods
