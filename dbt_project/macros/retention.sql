{#- Per platform, the first day after the latest month of its raw rows that retention archived
    (months whose latest completed action in ops.retention_log is an archive, the same rule as
    metrics_pipeline/retention/sql/archived_months.sql). A platform without archived months has
    no row. The platform is the raw schema's name: raw_google_ads.ad_daily_metrics -> google_ads. -#}
{% macro archived_before_per_platform() %}
    select
        substr(split_part(latest.table_name, '.', 1), 5) as platform,
        (max(latest.month) + interval '1 month')::date as archived_before
    from (
        select distinct on (table_name, month)
            table_name,
            month,
            action
        from {{ source('ops', 'retention_log') }}
        where status = 'completed'
        order by table_name asc, month asc, logged_at desc, retention_log_id desc
    ) as latest
    where latest.action = 'archive'
    group by 1
{% endmacro %}

{#- The relation this model replaces (the table as the last build left it), or none: on the first
    build, on a full refresh (which rebuilds from the landed rows only: see the README's
    Retention section), and while dbt parses. -#}
{% macro previous_build() %}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier)) }}
{% endmacro %}
