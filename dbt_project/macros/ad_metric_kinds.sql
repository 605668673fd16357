{#-
    The three metric kinds of an ad platform's int_<platform>__ad_metrics in one relation:
    'daily' (latest restatement, observed when extracted), 'first_reported' (observed when
    first reported) and 'snapshot' (the latest intraday capture, observed when captured).
    Reads the CTEs daily, first_reported and latest_snapshots; columns are the platform's key
    and metric columns, the same in all three.
-#}
{% macro ad_metric_kinds(columns) -%}
    select
        'daily'::text as metric_kind, extracted_at as observed_at, null::timestamptz as captured_at,
        {{ columns | join(', ') }}
    from daily

    union all

    select
        'first_reported', first_reported_at, null::timestamptz,
        {{ columns | join(', ') }}
    from first_reported

    union all

    select
        'snapshot', captured_at, captured_at,
        {{ columns | join(', ') }}
    from latest_snapshots
{%- endmacro %}


{#-
    int_<platform>__ad_daily of a platform with an int_<platform>__ad_metrics (Google Ads, Meta):
    its rows in the ad_daily contract (macros/union_ad_platforms.sql), every kind kept.
-#}
{% macro ad_daily_from_ad_metrics(platform, relation='ad_metrics') -%}
    select
        '{{ platform }}'::text              as platform,
        metric_kind::text                   as metric_kind,
        metric_date::date                   as metric_date,
        entity_id::text                     as entity_id,
        account_entity_id::text             as account_entity_id,
        captured_at::timestamptz            as captured_at,
        spend::numeric                      as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        conversions::numeric                as conversions,
        platform_revenue::numeric           as platform_revenue
    from {{ relation }}
{%- endmacro %}
