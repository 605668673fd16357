{#-
    The join condition that picks, from int_metrics_config__fx_rate_periods (aliased
    `periods`), the rate converting `from_currency` into `to_currency` in force on `on_date`.
    One definition for every model that converts money, so they cannot disagree.
-#}
{% macro fx_rate_in_force(periods, from_currency, to_currency, on_date) -%}
    {{ periods }}.from_currency = {{ from_currency }}
    and {{ periods }}.to_currency = {{ to_currency }}
    and {{ periods }}.effective_from <= {{ on_date }}
    and ({{ periods }}.effective_to is null or {{ on_date }} < {{ periods }}.effective_to)
{%- endmacro %}
