with

source as (

    select * from {{ source('metrics_config', 'attribution_settings') }}

),

renamed as (

    select
        workspace_slug::text                            as workspace_slug,
        lookback_days::integer                          as lookback_days,
        position_based_first::numeric(6, 4)             as position_based_first,
        position_based_last::numeric(6, 4)              as position_based_last,
        time_decay_half_life_days::numeric(10, 4)       as time_decay_half_life_days,
        journey_inactivity_days::integer                as journey_inactivity_days,
        lower(btrim(pnl_model))::text                   as pnl_model

    from source

)

select * from renamed
