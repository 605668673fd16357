-- Attribution settings for every configured workspace: config.attribution_settings where the
-- workspace has a row, else the defaults the config loader also uses (metrics_pipeline/config.py
-- AttributionSettings): lookback 30 days, position_based 0.4 / 0.4, time-decay half-life 7
-- days, journeys abandoned after 7 days without events, P&L model last_touch.

with

workspaces as (

    select * from {{ ref('stg_metrics_config__workspaces') }}

),

settings as (

    select * from {{ ref('stg_metrics_config__attribution_settings') }}

),

final as (

    select
        workspaces.workspace_slug,
        coalesce(settings.lookback_days, 30)                            as lookback_days,
        coalesce(settings.position_based_first, 0.4)::numeric(6, 4)     as position_based_first,
        coalesce(settings.position_based_last, 0.4)::numeric(6, 4)      as position_based_last,
        coalesce(settings.time_decay_half_life_days, 7)::numeric(10, 4) as time_decay_half_life_days,
        coalesce(settings.journey_inactivity_days, 7)                   as journey_inactivity_days,
        coalesce(settings.pnl_model, 'last_touch')                      as pnl_model,
        settings.workspace_slug is null                                 as is_default

    from workspaces

    left join settings
        on settings.workspace_slug = workspaces.workspace_slug

)

select * from final
