{#-
    The renamed and cast columns that stg_google_ads__ad_daily_metrics, _first_reported and
    _intraday_snapshots share (the three landing tables have the same metric columns), so the
    three views cannot drift apart. Each view adds its own lineage columns after these.

    extra_keys: select items placed after the keys, before the metrics (the intraday
                snapshots' captured_at), so each view keeps its column order.

    spend = cost_micros / 10^6, computed as cost_micros x 0.000001: a numeric product is exact
    (scale 6), where numeric division could round large quotients.
-#}
{% macro google_ads_metric_columns(extra_keys=[]) -%}
        -- keys
        customer_id::bigint                                 as customer_id,
        campaign_id::bigint                                 as campaign_id,
        ad_group_id::bigint                                 as ad_group_id,
        ad_id::bigint                                       as ad_id,
        metric_date::date                                   as metric_date,
        {%- for column in extra_keys %}
        {{ column }},
        {%- endfor %}

        -- money and counts
        cost_micros::bigint                                 as cost_micros,
        (cost_micros::numeric * 0.000001)::numeric(20, 6)   as spend,
        impressions::bigint                                 as impressions,
        clicks::bigint                                      as clicks,
        conversions::numeric(20, 6)                         as conversions,
        conversions_value::numeric(20, 6)                   as conversions_value
{%- endmacro %}
