{#- The latest completed retention action per table-month (ops.retention_log): a month whose
    latest action is 'archive' has its raw rows in the exports store, not in the warehouse. The
    same rule as metrics_pipeline/retention/sql/archived_months.sql. -#}
{% macro latest_retention_actions() %}
    select distinct on (table_name, month)
        table_name,
        month,
        action
    from {{ source('ops', 'retention_log') }}
    where status = 'completed'
    order by table_name asc, month asc, logged_at desc, retention_log_id desc
{% endmacro %}

{#- Per platform, the first day after the latest month of its raw rows that retention archived.
    A platform without archived months has no row. The platform is the raw schema's name:
    raw_google_ads.ad_daily_metrics -> google_ads. -#}
{% macro archived_before_per_platform() %}
    select
        substr(split_part(latest.table_name, '.', 1), 5) as platform,
        (max(latest.month) + interval '1 month')::date as archived_before
    from ({{ latest_retention_actions() }}) as latest
    where latest.action = 'archive'
    group by 1
{% endmacro %}

{#- The months of `table_name` (schema.table) whose raw rows are archived now, as 'YYYY-MM-DD'
    strings of their first days, oldest first; none while dbt parses. Read while executing only,
    so ops.retention_log stays out of the lineage graph (no asset materializes it). -#}
{% macro archived_months(table_name) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select to_char(latest.month, 'YYYY-MM-DD')
        from ({{ latest_retention_actions() }}) as latest
        where latest.action = 'archive' and latest.table_name = '{{ table_name }}'
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{#- `column` (a date) inside one of `months` (archived_months' strings). -#}
{% macro in_months(column, months) -%}
    ({%- for month in months %}
        ({{ column }} >= date '{{ month }}' and {{ column }} < date '{{ month }}' + interval '1 month')
        {%- if not loop.last %} or{% endif %}
    {%- endfor %})
{%- endmacro %}

{#- The relation this model replaces (the table as the last build left it), or none: on the first
    build, on a full refresh (which rebuilds from the landed rows only: see the README's
    Retention section), and while dbt parses. -#}
{% macro previous_build() %}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier)) }}
{% endmacro %}
