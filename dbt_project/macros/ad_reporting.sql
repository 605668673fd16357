{#-
    The ad-reporting arithmetic, defined once for every mart that shows it.

    ad_ratio(name, ...): one ratio, via safe_divide (numeric, 6 decimals, null when the
    denominator is 0). The measure columns default to fct_ad_entity_daily's names; pass others
    (e.g. revenue='sales') or `relation` to prefix them.

        ctr              clicks / impressions
        cpc              spend / clicks
        cpm              spend x 1000 / impressions
        cpa              spend / conversions
        roas             revenue / spend
        acos             spend / revenue
        conversion_rate  conversions / clicks

    ad_ratios(names, ...): `<ratio> as <name>` for each name, comma separated, in that order.
-#}
{% macro ad_ratio(name, relation=none, spend='spend', impressions='impressions', clicks='clicks',
                  conversions='conversions', revenue='platform_revenue') -%}
    {%- set p = (relation ~ '.') if relation else '' -%}
    {%- set ratios = {
        'ctr': [p ~ clicks, p ~ impressions],
        'cpc': [p ~ spend, p ~ clicks],
        'cpm': [p ~ spend ~ ' * 1000', p ~ impressions],
        'cpa': [p ~ spend, p ~ conversions],
        'roas': [p ~ revenue, p ~ spend],
        'acos': [p ~ spend, p ~ revenue],
        'conversion_rate': [p ~ conversions, p ~ clicks],
    } -%}
    {%- if name not in ratios -%}
        {{ exceptions.raise_compiler_error("ad_ratio: unknown ratio '" ~ name ~ "'") }}
    {%- endif -%}
    {{ safe_divide(ratios[name][0], ratios[name][1]) }}
{%- endmacro %}


{% macro ad_ratios(names=['ctr', 'cpc', 'cpm', 'cpa', 'roas'], relation=none, spend='spend',
                   impressions='impressions', clicks='clicks', conversions='conversions',
                   revenue='platform_revenue') -%}
    {%- for name in names %}
        {{ ad_ratio(name, relation, spend, impressions, clicks, conversions, revenue) }} as {{ name }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}


{#-
    with_reporting_fx(rows, day='metric_date'): `rows` (a CTE with workspace_slug, currency and
    the day column) plus
        reporting_currency  the workspace's reporting_currency, else the row's own currency
        fx_rate             numeric(20, 10): 1 when the currencies are equal, else the
                            config.fx_rates rate in force on the day (only the direct pair), null
                            when none is (assert_ad_entity_fx_conversions_found_a_rate fails)
    A whole select: use it as a CTE body. in_reporting_currency(amount) is the amount x fx_rate.
-#}
{% macro with_reporting_fx(rows, day='metric_date') -%}
    select
        with_reporting_currency.*,
        (case
            when with_reporting_currency.currency = with_reporting_currency.reporting_currency then 1
            else fx_rate_periods.rate
        end)::numeric(20, 10)                                           as fx_rate

    from (

        select
            {{ rows }}.*,
            coalesce(workspaces.reporting_currency, {{ rows }}.currency)    as reporting_currency

        from {{ rows }}

        left join {{ ref('stg_metrics_config__workspaces') }} as workspaces
            on workspaces.workspace_slug = {{ rows }}.workspace_slug

    ) as with_reporting_currency

    left join {{ ref('int_metrics_config__fx_rate_periods') }} as fx_rate_periods
        on {{ fx_rate_in_force(
            'fx_rate_periods',
            'with_reporting_currency.currency',
            'with_reporting_currency.reporting_currency',
            'with_reporting_currency.' ~ day) }}
{%- endmacro %}


{% macro in_reporting_currency(amount) -%}
    ({{ amount }}) * fx_rate
{%- endmacro %}
