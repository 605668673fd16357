{#-
    The renamed and cast columns that stg_meta__ad_daily_insights, _first_reported and
    stg_meta__ad_intraday_snapshots share (the three landing tables have the same insight
    columns), so the three views cannot drift apart. Each view adds its own audit and lineage
    columns after these.

    extra_keys: select items placed after the keys, before the metrics (the intraday
                snapshots' captured_at), so each view keeps its column order.
-#}
{% macro meta_insight_columns(extra_keys=[]) -%}
        -- keys
        account_id::text                    as account_id,
        campaign_id::text                   as campaign_id,
        adset_id::text                      as adset_id,
        ad_id::text                         as ad_id,
        date_start::date                    as metric_date,
        {%- for column in extra_keys %}
        {{ column }},
        {%- endfor %}

        -- money and counts (account currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        purchases::numeric(20, 6)           as purchases,
        purchase_value::numeric(20, 6)      as purchase_value,
        leads::numeric(20, 6)               as leads
{%- endmacro %}
