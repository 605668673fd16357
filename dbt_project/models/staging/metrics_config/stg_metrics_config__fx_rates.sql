with

source as (

    select * from {{ source('metrics_config', 'fx_rates') }}

),

renamed as (

    select
        upper(btrim(from_currency))::text   as from_currency,
        upper(btrim(to_currency))::text     as to_currency,
        effective_from::date                as effective_from,
        rate::numeric(20, 10)               as rate

    from source

)

select * from renamed
