{#-
    Union by contract: every ad platform in var('enabled_ad_platforms') ends in two models of
    one shape, int_<platform>__entities and int_<platform>__ad_daily (contract enforced in each
    platform's yml: same columns, same types). The unified marts read them through this macro:

        {{ union_ad_platforms('entities') }}
        -> select <columns> from int_google_ads__entities union all select <columns> from ...

    Columns are named, not `select *`: union all matches by position, so the list here is the
    one order. dbt resolves a ref built in a loop over a var at parse time (vars are known
    then), so the lineage holds only the enabled platforms. A unit test checks every enabled
    platform's yml declares exactly these columns with the same data types.

    Money and conversions are declared `pg_catalog.numeric`, Postgres' unconstrained (exact)
    numeric: the platforms' scales differ (6 for Google and Meta spend, 9 for the media
    partner's CPM x impressions), and a bare `numeric` makes dbt warn about rounding on every
    build, which concerns warehouses whose naked numeric has scale 0, not Postgres.
-#}
{% macro ad_platform_columns(suffix) -%}
    {%- set columns = {
        'entities': [
            'entity_id', 'platform', 'level', 'parent_entity_id', 'workspace_slug', 'client_slug',
            'account_entity_id', 'campaign_entity_id', 'entity_name', 'entity_path', 'status',
            'goal', 'currency', 'timezone', 'is_deleted', 'first_seen_date', 'last_seen_date',
            'platform_account_id', 'platform_entity_id', 'is_inferred',
        ],
        'ad_daily': [
            'platform', 'metric_kind', 'metric_date', 'entity_id', 'account_entity_id',
            'captured_at', 'spend', 'impressions', 'clicks', 'conversions', 'platform_revenue',
        ],
    } -%}
    {%- if suffix not in columns -%}
        {{ exceptions.raise_compiler_error(
            "union_ad_platforms: no contract for '" ~ suffix ~ "' (entities, ad_daily)") }}
    {%- endif -%}
    {{ return(columns[suffix]) }}
{%- endmacro %}


{% macro union_ad_platforms(suffix) -%}
    {%- set platforms = var('enabled_ad_platforms') -%}
    {%- if platforms | length == 0 -%}
        {{ exceptions.raise_compiler_error("var enabled_ad_platforms is empty") }}
    {%- endif -%}
    {%- for platform in platforms %}
    {% if not loop.first %}union all{% endif %}
    select {{ ad_platform_columns(suffix) | join(', ') }}
    from {{ ref('int_' ~ platform ~ '__' ~ suffix) }}
    {%- endfor %}
{%- endmacro %}
