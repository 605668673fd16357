-- config.attribution_settings values the attribution models can use: lookback_days and
-- journey_inactivity_days >= 0, position_based shares >= 0 with first + last <= 1, and a
-- time-decay half-life > 0. (The config loader validates the same; this guards the table.)

select *
from {{ ref('stg_metrics_config__attribution_settings') }}
where lookback_days < 0
   or journey_inactivity_days < 0
   or position_based_first < 0
   or position_based_last < 0
   or position_based_first + position_based_last > 1
   or time_decay_half_life_days <= 0
